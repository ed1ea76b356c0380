//! A sans-IO Server-Sent Events decoder.
//!
//! [`Decoder`] turns the bytes of a `text/event-stream` body, in whatever chunks they arrive,
//! into [`Event`]s. It follows WHATWG HTML §9.2.6 "Parsing an event stream" and "Interpreting
//! an event stream"; the spec's words are quoted beside the code that implements them.
//!
//! ```
//! use minitoolai::sse::Decoder;
//!
//! let mut decoder = Decoder::new();
//! let mut events = decoder.feed_collect(b"data: hel").unwrap();
//! events.extend(decoder.feed_collect(b"lo\n\ndata: [DONE]\n").unwrap());
//! events.extend(decoder.finish());
//! assert_eq!(events.len(), 2);
//! assert_eq!((events[0].event.as_str(), events[0].data.as_str()), ("message", "hello"));
//! assert_eq!(events[1].data, "[DONE]");
//! ```
//!
//! # End of stream: one deliberate deviation
//!
//! The spec says: "Once the end of the file is reached, any pending data must be discarded.
//! (If the file ends in the middle of an event, before the final empty line, the incomplete event
//! is not dispatched.)" [`Decoder::finish`] is more lenient in one case:
//!
//! - If every line of the pending event ended with a line end, and only the final blank line is
//!   missing, the event **is** dispatched, as if the blank line had arrived. Servers that close
//!   the connection right after `data: [DONE]\n` are common, and dropping their last event would
//!   turn a clean end into a truncated one.
//! - If the stream ends in the middle of a line (no line end), that line *and* the event it
//!   belongs to are discarded, as the spec says: a connection cut mid-line lost data, and
//!   half a JSON document is worse than none.
//!
//! # Limits
//!
//! A hostile or broken server could send one endless line. [`Limits`] bounds the pending line and
//! the data of one event; both are checked as bytes arrive, so an oversize line fails as soon as
//! it passes the limit, not after it has been buffered. Only lines the spec keeps count (`data`,
//! `event`, `id`): a longer comment or unknown-field line, which the spec ignores, is skipped up
//! to its line end in linear time without being buffered. Errors are sticky: after
//! [`Decoder::feed`] has failed, it fails again until [`Decoder::reset`].
//!
//! # Cost
//!
//! Linear in the input however it is chunked: line ends are searched for only in newly arrived
//! bytes (never by rescanning a pending partial line), and complete lines inside a chunk are
//! parsed straight from the caller's slice without copying. [`Decoder::bytes_examined`] exposes
//! the count so tests can check it.

use std::fmt;

/// One dispatched event.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Event {
    /// The event type: the last `event` field of the block, or `"message"` when there was none
    /// (or it was empty).
    pub event: String,
    /// The `data` field values of the block, joined with `"\n"`.
    pub data: String,
    /// The last event ID as of this event. It persists across events until an `id` field changes
    /// it (an empty `id` field sets it to `""`); `""` if the stream never set one.
    pub id: String,
    /// The reconnection time, in milliseconds, of a valid `retry` field in this event's block;
    /// `None` if the block had none.
    pub retry: Option<u32>,
}

/// One dispatched event, borrowed from the decoder's buffers for the length of a callback
/// (see [`Decoder::feed_borrowed`]): the same fields as [`Event`], without an allocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventRef<'a> {
    /// The event type (`"message"` when the block named none).
    pub event: &'a str,
    /// The `data` field values of the block, joined with `"\n"`.
    pub data: &'a str,
    /// The last event ID as of this event.
    pub id: &'a str,
    /// The reconnection time of a valid `retry` field in this event's block.
    pub retry: Option<u32>,
}

impl Event {
    /// The event, lent.
    pub fn as_ref(&self) -> EventRef<'_> {
        EventRef { event: &self.event, data: &self.data, id: &self.id, retry: self.retry }
    }
}

impl EventRef<'_> {
    /// The event as an owned [`Event`].
    pub fn to_event(&self) -> Event {
        Event { event: self.event.to_owned(), data: self.data.to_owned(), id: self.id.to_owned(), retry: self.retry }
    }
}

/// Why a stream was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SseError {
    /// A kept line (`data`, `event` or `id`; without its line end) was longer than
    /// [`Limits::max_line_bytes`].
    LineTooLong {
        /// The limit exceeded, in bytes.
        limit: usize,
    },
    /// The data of one event was longer than [`Limits::max_event_bytes`].
    EventTooLarge {
        /// The limit exceeded, in bytes.
        limit: usize,
    },
}

impl fmt::Display for SseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::LineTooLong { limit } => write!(f, "event stream line longer than {limit} bytes"),
            Self::EventTooLarge { limit } => write!(f, "event stream event data longer than {limit} bytes"),
        }
    }
}

impl std::error::Error for SseError {}

/// Memory bounds for one stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The longest `data`, `event` or `id` line accepted, in bytes, not counting its line end.
    /// Longer comments and other lines the spec ignores are skipped, not buffered. Default: 4 MiB.
    pub max_line_bytes: usize,
    /// The most data one event may carry, in bytes of UTF-8 (the dispatched `data`, without the
    /// final line feed the spec removes). Default: 16 MiB.
    pub max_event_bytes: usize,
}

impl Default for Limits {
    /// 4 MiB per line and 16 MiB per event: a chat chunk is well under a kilobyte, so these only
    /// stop runaway streams, while leaving room for large payloads such as inline images.
    fn default() -> Self {
        Self { max_line_bytes: 4 << 20, max_event_bytes: 16 << 20 }
    }
}

/// The UTF-8 byte order mark.
const BOM: [u8; 3] = [0xEF, 0xBB, 0xBF];

/// Whether the stream start is still being checked for a byte order mark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bom {
    /// At stream start, this many bytes of the BOM matched so far (0 to 2), held back.
    Pending(u8),
    /// Past the stream start.
    Done,
}

/// A sans-IO event stream decoder: feed it bytes, get [`Event`]s.
#[derive(Debug, Clone)]
pub struct Decoder {
    limits: Limits,
    /// Sticky error: once set, `feed` returns it until `reset`.
    failed: Option<SseError>,
    bom: Bom,
    /// The last chunk ended with a CR, so an LF starting the next chunk completes that line end.
    after_cr: bool,
    /// The pending partial line (never contains CR or LF).
    /// (Empty means "at the start of a line": a partial line is never empty.)
    line: Vec<u8>,
    /// In the middle of an overlong line that the spec ignores (a comment, an unknown field):
    /// its bytes are passed over up to its line end, never buffered.
    skipping: bool,
    /// The spec's data buffer is `data[data_start..]`: a first data line finished from the
    /// pending-line buffer is adopted whole, prefix and all, instead of being copied again.
    data: String,
    data_start: usize,
    event_type: String,
    /// The spec's "last event ID buffer": set by `id` fields.
    id_buffer: String,
    /// An `id` field was read since the last dispatch (so the buffer may differ from the
    /// string; comparing them at every dispatch cost a quarter of the decoding time).
    id_set: bool,
    /// The spec's "last event ID string": the buffer as of the last dispatch.
    last_event_id: String,
    /// A valid `retry` seen in the current block.
    block_retry: Option<u32>,
    reconnection_time: Option<u32>,
    examined: u64,
}

impl Default for Decoder {
    fn default() -> Self {
        Self::new()
    }
}

impl Decoder {
    /// A decoder with the default [`Limits`].
    pub fn new() -> Self {
        Self::with_limits(Limits::default())
    }

    /// A decoder with the given limits.
    pub fn with_limits(limits: Limits) -> Self {
        Self {
            limits,
            failed: None,
            bom: Bom::Pending(0),
            after_cr: false,
            line: Vec::new(),
            skipping: false,
            data: String::new(),
            data_start: 0,
            event_type: String::new(),
            id_buffer: String::new(),
            id_set: false,
            last_event_id: String::new(),
            block_retry: None,
            reconnection_time: None,
            examined: 0,
        }
    }

    /// Feeds bytes in any chunking; calls `on_event` for each dispatched event, in order.
    ///
    /// On error, events dispatched earlier in this chunk have already been passed to `on_event`;
    /// the decoder drops its buffers and keeps failing until [`reset`](Self::reset).
    pub fn feed(&mut self, bytes: &[u8], mut on_event: impl FnMut(Event)) -> Result<(), SseError> {
        self.feed_borrowed(bytes, |event| on_event(event.to_event()))
    }

    /// Like [`feed`](Self::feed), lending each event from the decoder's buffers instead of
    /// allocating it: for readers that only look at an event once.
    pub fn feed_borrowed(&mut self, bytes: &[u8], mut on_event: impl FnMut(EventRef<'_>)) -> Result<(), SseError> {
        if let Some(e) = self.failed {
            return Err(e);
        }
        let result = self.feed_inner(bytes, &mut on_event);
        if let Err(e) = result {
            self.clear_stream();
            self.line = Vec::new(); // release the memory, not just the length
            self.data = String::new();
            self.failed = Some(e);
        }
        result
    }

    /// Like [`feed`](Self::feed), collecting the events into a `Vec`.
    pub fn feed_collect(&mut self, bytes: &[u8]) -> Result<Vec<Event>, SseError> {
        let mut events = Vec::new();
        self.feed(bytes, |e| events.push(e))?;
        Ok(events)
    }

    /// Ends the stream; returns the last event if it lacked only its final blank line.
    ///
    /// A trailing partial line (no line end) discards the event it belongs to; see the
    /// [module docs](self) for this choice. Afterwards the decoder is ready for a new stream, as
    /// after [`reset`](Self::reset).
    pub fn finish(&mut self) -> Option<Event> {
        // A held-back partial BOM is a partial line too.
        let mid_line = !self.line.is_empty() || self.skipping || matches!(self.bom, Bom::Pending(n) if n > 0);
        let event = if self.failed.is_some() || mid_line {
            // "If the file ends in the middle of an event, before the final empty line, the
            // incomplete event is not dispatched."
            None
        } else {
            // Deviation: every line ended, so treat the end of the stream as the blank line.
            let mut last = None;
            self.dispatch(&mut |event| last = Some(event.to_event()));
            last
        };
        self.reset();
        event
    }

    /// The last event ID, to send as `Last-Event-ID` when reconnecting; `""` if none.
    ///
    /// This is the spec's "last event ID string": it changes when an event is dispatched (at a
    /// blank line), not as soon as an `id` field is read.
    pub fn last_event_id(&self) -> &str {
        &self.last_event_id
    }

    /// The reconnection time in milliseconds from the latest valid `retry` field, if any.
    pub fn reconnection_time(&self) -> Option<u32> {
        self.reconnection_time
    }

    /// Total bytes examined by the line scanner since creation: each input byte is counted once
    /// (bytes of a pending partial line are never scanned again).
    pub fn bytes_examined(&self) -> u64 {
        self.examined
    }

    /// Starts over at a new stream: forgets the pending line, event, CR and BOM state and any
    /// error; keeps the limits, [`last_event_id`](Self::last_event_id) and
    /// [`reconnection_time`](Self::reconnection_time), which a reconnecting client needs (browsers
    /// likewise carry the last event ID into the reconnected stream).
    pub fn reset(&mut self) {
        self.clear_stream();
        self.failed = None;
        self.bom = Bom::Pending(0);
        self.id_buffer.clone_from(&self.last_event_id);
        self.id_set = false;
    }

    /// Forgets the per-stream parse state (not the BOM state, ids, retry or error).
    fn clear_stream(&mut self) {
        self.after_cr = false;
        self.line.clear();
        self.skipping = false;
        self.data.clear();
        self.data_start = 0;
        self.event_type.clear();
        self.block_retry = None;
    }

    fn feed_inner(&mut self, mut input: &[u8], on_event: &mut impl FnMut(EventRef<'_>)) -> Result<(), SseError> {
        if let Bom::Pending(mut matched) = self.bom {
            // The stream is decoded with "UTF-8 decode", which strips one leading BOM. Its bytes
            // may arrive split across feeds, so hold matching bytes back until all three are in.
            while let Some((&b, rest)) = input.split_first() {
                if matched >= 3 || b != BOM[usize::from(matched)] {
                    break;
                }
                matched += 1;
                self.examined += 1;
                input = rest;
            }
            if matched == 3 {
                self.bom = Bom::Done;
            } else if input.is_empty() {
                self.bom = Bom::Pending(matched);
                return Ok(());
            } else {
                // Not a BOM after all: the held bytes are data. They hold no CR or LF, so they
                // simply start the pending line.
                self.bom = Bom::Done;
                let held = BOM.get(..usize::from(matched)).unwrap_or_default();
                self.push_partial(held);
            }
        }

        if self.after_cr {
            // "Lines must be separated by either a U+000D CARRIAGE RETURN U+000A LINE FEED (CRLF)
            // character pair, a single U+000A LINE FEED (LF) character, or a single U+000D
            // CARRIAGE RETURN (CR) character." A CRLF split across feeds is one line end.
            let Some((&b, rest)) = input.split_first() else { return Ok(()) };
            self.after_cr = false;
            if b == b'\n' {
                self.examined += 1;
                input = rest;
            }
        }

        loop {
            if self.skipping {
                // The rest of an overlong line the spec ignores: look for its end, keep nothing.
                let Some(end) = find_line_end(input) else {
                    self.examined += input.len() as u64;
                    return Ok(());
                };
                self.examined += end as u64 + 1;
                self.skipping = false;
                input = self.skip_line_end(input, end);
                continue;
            }
            // The line so far (a pending partial line, or none) may grow by `room` bytes.
            let room = self.limits.max_line_bytes.saturating_sub(self.line.len());
            let window = input.get(..room.saturating_add(1)).unwrap_or(input);
            let Some(end) = find_line_end(window) else {
                self.examined += window.len() as u64;
                // A line the spec ignores (a comment, an unknown field) changes nothing: as soon
                // as its first bytes tell, it is skipped up to its line end, never buffered.
                // (Once six bytes are kept, the head said "not ignored" and cannot change.)
                let ignored = self.line.len() < 6 && line_kind(&self.line, window).0;
                if !ignored && window.len() <= room {
                    // No line end yet: keep it (an empty pending line means "at a line start").
                    self.line.extend_from_slice(window);
                    return Ok(());
                }
                // Past the limit (checked before buffering, so an endless line never grows past
                // it): a line the spec keeps is an error; an overlong `retry` is not all digits
                // that fit, so it is ignored like the rest.
                if !ignored && line_kind(&self.line, window).1 {
                    return Err(SseError::LineTooLong { limit: self.limits.max_line_bytes });
                }
                if self.line.capacity() > 64 << 10 {
                    self.line = Vec::new(); // a long `retry` line: release the memory
                } else {
                    self.line.clear();
                }
                self.skipping = true;
                input = input.get(window.len()..).unwrap_or_default();
                continue;
            };
            self.examined += end as u64 + 1;
            let line = window.get(..end).unwrap_or_default();
            if self.line.is_empty() {
                // Fast path: a complete line straight from the input, without copying.
                self.process_line(line, on_event)?;
            } else {
                // Slow path: finish the pending partial line (only the new bytes were scanned).
                let mut pending = std::mem::take(&mut self.line);
                // (With room for the line feed the data buffer adds, should it adopt the line.)
                pending.reserve(line.len() + 1);
                pending.extend_from_slice(line);
                if let Some(pending) = self.adopt_data_line(pending)? {
                    let result = self.process_line(&pending, on_event);
                    let mut pending = pending;
                    pending.clear();
                    self.line = pending; // keep the allocation for the next partial line
                    result?;
                }
            }
            input = self.skip_line_end(input, end);
        }
    }

    /// Appends the held-back bytes of a partial BOM to the pending line (at most two bytes;
    /// the line limit is checked as the rest of the line arrives).
    fn push_partial(&mut self, bytes: &[u8]) {
        self.line.extend_from_slice(bytes);
    }

    /// Returns the input after the line end at `end` (CR, LF or CRLF); remembers a CR that ends
    /// the input, whose LF may start the next feed.
    fn skip_line_end<'a>(&mut self, input: &'a [u8], end: usize) -> &'a [u8] {
        let is_cr = input.get(end) == Some(&b'\r');
        let rest = input.get(end + 1..).unwrap_or_default();
        if !is_cr {
            return rest;
        }
        match rest.split_first() {
            Some((b'\n', after)) => {
                self.examined += 1;
                after
            }
            Some(_) => rest,
            None => {
                self.after_cr = true;
                rest
            }
        }
    }

    /// A long `data` line comes in pieces into the pending-line buffer. When it is the first
    /// data line of its event and valid UTF-8, that buffer becomes the data buffer as it is (its
    /// `data:` prefix skipped by `data_start`), so the line's bytes are copied once, as a line
    /// that arrives whole is. Gives the line back when it is anything else.
    fn adopt_data_line(&mut self, line: Vec<u8>) -> Result<Option<Vec<u8>>, SseError> {
        const ADOPT_FROM: usize = 4 << 10; // shorter lines cost less to copy than to adopt
        if line.len() < ADOPT_FROM || !self.data.is_empty() || !line.starts_with(b"data:") {
            return Ok(Some(line));
        }
        let prefix = if line.get(5) == Some(&b' ') { 6 } else { 5 };
        if line.len() - prefix > self.limits.max_event_bytes {
            return Err(SseError::EventTooLarge { limit: self.limits.max_event_bytes });
        }
        match String::from_utf8(line) {
            Ok(text) => {
                self.data = text;
                self.data_start = prefix;
                self.data.push('\n');
                Ok(None)
            }
            // Invalid UTF-8 is replaced, in a copy, as for any other line.
            Err(e) => Ok(Some(e.into_bytes())),
        }
    }

    /// Interprets one complete line (without its line end).
    fn process_line(&mut self, line: &[u8], on_event: &mut impl FnMut(EventRef<'_>)) -> Result<(), SseError> {
        // "If the line is empty (a blank line): Dispatch the event, as defined below."
        if line.is_empty() {
            self.dispatch(on_event);
            return Ok(());
        }
        // "If the line starts with a U+003A COLON character (:): Ignore the line."
        if line.first() == Some(&b':') {
            return Ok(());
        }
        // "If the line contains a U+003A COLON character (:): Collect the characters on the line
        // before the first U+003A COLON character (:), and let field be that string. Collect the
        // characters on the line after the first U+003A COLON character (:), and let value be
        // that string. If value starts with a U+0020 SPACE character, remove it from value."
        // "Otherwise, the string is not empty but does not contain a U+003A COLON character (:):
        // Process the field using the steps described below, using the whole line as the field
        // name, and the empty string as the field value."
        //
        // Splitting the bytes before decoding UTF-8 is equivalent to decoding the whole line:
        // ':' and ' ' are ASCII, so they never sit inside a (valid or invalid) multi-byte run.
        let (field, value) = match line.iter().position(|&b| b == b':') {
            Some(colon) => {
                let value = line.get(colon + 1..).unwrap_or_default();
                let value = value.strip_prefix(b" ").unwrap_or(value);
                (line.get(..colon).unwrap_or_default(), value)
            }
            None => (line, &[][..]),
        };
        match field {
            // "If the field name is "event": Set the event type buffer to field value."
            b"event" => {
                self.event_type.clear();
                self.event_type.push_str(&utf8_lossy(value));
            }
            // "If the field name is "data": Append the field value to the data buffer, then
            // append a single U+000A LINE FEED (LF) character to the data buffer."
            b"data" => {
                let value = utf8_lossy(value);
                // The buffer's trailing LF stays in the event only if more data follows, so this
                // bounds exactly the data that would be dispatched.
                let buffered = self.data.len() - self.data_start;
                if buffered.saturating_add(value.len()) > self.limits.max_event_bytes {
                    return Err(SseError::EventTooLarge { limit: self.limits.max_event_bytes });
                }
                self.data.push_str(&value);
                self.data.push('\n');
            }
            // "If the field name is "id": If the field value does not contain U+0000 NULL, then
            // set the last event ID buffer to the field value. Otherwise, ignore the field."
            // (A NUL byte decodes to U+0000 and nothing else does.)
            // (A field with a NUL falls through to "ignored" below.)
            b"id" if !value.contains(&0) => {
                self.id_buffer.clear();
                self.id_buffer.push_str(&utf8_lossy(value));
                self.id_set = true;
            }
            // "If the field name is "retry": If the field value consists of only ASCII digits,
            // then interpret the field value as an integer in base ten, and set the event
            // stream's reconnection time to that integer. Otherwise, ignore the field."
            b"retry" => {
                if let Some(ms) = parse_retry(value) {
                    self.reconnection_time = Some(ms);
                    self.block_retry = Some(ms);
                }
            }
            // "Otherwise: The field is ignored."
            _ => {}
        }
        Ok(())
    }

    /// The spec's "dispatch the event" steps: `on_event` sees the event unless the block had
    /// no data.
    fn dispatch(&mut self, on_event: &mut impl FnMut(EventRef<'_>)) {
        // "Set the last event ID string of the event source to the value of the last event ID
        // buffer. The buffer does not get reset, so the last event ID string of the event source
        // remains set to this value until the next time it is set by the server."
        if std::mem::take(&mut self.id_set) {
            self.last_event_id.clone_from(&self.id_buffer);
        }
        let retry = self.block_retry.take();
        // "If the data buffer is an empty string, set the data buffer and the event type buffer
        // to the empty string and return."
        let data = self.data.get(self.data_start..).unwrap_or_default();
        if data.is_empty() {
            self.event_type.clear();
            return;
        }
        // "If the data buffer's last character is a U+000A LINE FEED (LF) character, then
        // remove the last character from the data buffer."
        let data = data.strip_suffix('\n').unwrap_or(data);
        // "Initialize event's type attribute to "message" ... If the event type buffer has a
        // value other than the empty string, change the type of the newly created event to
        // equal the value of the event type buffer."
        let event = if self.event_type.is_empty() { "message" } else { &self.event_type };
        on_event(EventRef { event, data, id: &self.last_event_id, retry });
        // "Set the data buffer and the event type buffer to the empty string." The buffers keep
        // their room for the next event (likely about as long), unless it was huge.
        self.data.clear();
        self.data_start = 0;
        self.event_type.clear();
        if self.data.capacity() > 64 << 10 {
            self.data = String::new();
        }
    }
}

/// A `retry` value: one or more ASCII digits that fit a `u32`.
fn parse_retry(value: &[u8]) -> Option<u32> {
    if value.is_empty() {
        return None;
    }
    value.iter().try_fold(0u32, |n, &b| {
        let digit = b.checked_sub(b'0').filter(|d| *d <= 9)?;
        n.checked_mul(10)?.checked_add(u32::from(digit))
    })
}

/// The index of the first CR or LF in `bytes` (`memchr`: vectorised where the target allows,
/// a word at a time elsewhere).
#[inline]
fn find_line_end(bytes: &[u8]) -> Option<usize> {
    memchr::memchr2(b'\r', b'\n', bytes)
}

/// What the first bytes of an unfinished line (`pending`, then `more`) tell about it:
/// whether the spec ignores it whatever follows, and whether it is (or, while its field name is
/// not complete, may still be) a line whose value is kept: `data`, `event` or `id`.
///
/// "If the line starts with a U+003A COLON character (:): Ignore the line." … "Otherwise: The
/// field is ignored." (for field names other than `event`, `data`, `id` and `retry`).
fn line_kind(pending: &[u8], more: &[u8]) -> (bool, bool) {
    // "retry:" and "event:" are the longest prefixes that can tell.
    let mut head = [0u8; 6];
    let mut len = 0;
    for (slot, &b) in head.iter_mut().zip(pending.iter().chain(more)) {
        *slot = b;
        len += 1;
    }
    let head = head.get(..len).unwrap_or_default();
    const KEPT: [&[u8]; 3] = [b"data", b"event", b"id"];
    let (name, complete) = match head.iter().position(|&b| b == b':') {
        Some(colon) => (head.get(..colon).unwrap_or_default(), true),
        None => (head, false),
    };
    let is = |field: &&[u8]| if complete { *field == name } else { field.starts_with(name) };
    let kept = KEPT.iter().any(is);
    let ignored = head.first() == Some(&b':') || (!kept && !is(&&b"retry"[..]));
    (ignored, kept)
}

/// `String::from_utf8_lossy`, with the common case first: `str::from_utf8` validates ASCII
/// a word at a time, several times faster than the lossy decoder's byte-by-byte walk (a CPU
/// profile of the SSE benchmark found a tenth of the time there).
fn utf8_lossy(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => std::borrow::Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(event: &str, data: &str, id: &str, retry: Option<u32>) -> Event {
        Event { event: event.into(), data: data.into(), id: id.into(), retry }
    }

    fn msg(data: &str) -> Event {
        ev("message", data, "", None)
    }

    /// Feeds the chunks, then finishes; returns all events and the final id and retry.
    fn run(decoder: &mut Decoder, chunks: &[&[u8]]) -> (Vec<Event>, String, Option<u32>) {
        let mut events = Vec::new();
        for chunk in chunks {
            decoder.feed(chunk, |e| events.push(e)).expect("within limits");
        }
        // Read the persisted state before finish resets the stream (it keeps these anyway).
        let finished = decoder.finish();
        events.extend(finished);
        (events, decoder.last_event_id().to_owned(), decoder.reconnection_time())
    }

    /// Decodes `input` whole, split in two at every offset, and byte by byte; all must give
    /// `expected` (including what `finish` returns) and the same final state.
    fn check(input: &[u8], expected: &[Event]) {
        let whole = run(&mut Decoder::new(), &[input]);
        assert_eq!(whole.0, expected, "whole input {:?}", String::from_utf8_lossy(input));
        for at in 0..=input.len() {
            let (a, b) = input.split_at(at);
            let split = run(&mut Decoder::new(), &[a, b]);
            assert_eq!(split, whole, "split at {at} of {:?}", String::from_utf8_lossy(input));
        }
        let bytes: Vec<&[u8]> = input.chunks(1).collect();
        let mut decoder = Decoder::new();
        let by_byte = run(&mut decoder, &bytes);
        assert_eq!(by_byte, whole, "byte by byte {:?}", String::from_utf8_lossy(input));
        assert!(decoder.bytes_examined() <= input.len() as u64 + 1);
    }

    #[test]
    fn spec_examples() {
        let cases: &[(&str, &[u8], Vec<Event>)] = &[
            // "would cause an event message ... The event's data attribute would contain the
            // string "YHOO\n+2\n10""
            ("stock ticker", b"data: YHOO\ndata: +2\ndata: 10\n\n", vec![msg("YHOO\n+2\n10")]),
            (
                "four blocks: comment, id, empty id, leading space",
                b": test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\ndata:  third event\n\n",
                vec![
                    ev("message", "first event", "1", None),
                    ev("message", "second event", "", None),
                    ev("message", " third event", "", None),
                ],
            ),
            // "The first block fires events with the data set to the empty string, as would the
            // last block if it was followed by a blank line. The middle block fires an event
            // with the data set to a single newline character. The last block is discarded
            // because it is not followed by a blank line." (Here the stream ends mid-line.)
            ("empty data and newline data", b"data\n\ndata\ndata\n\ndata:", vec![msg(""), msg("\n")]),
            // "fires two identical events: ... the space after the colon is ignored if present."
            ("space after colon", b"data:test\n\ndata: test\n\n", vec![msg("test"), msg("test")]),
            (
                "event types",
                b"event: add\ndata: 73857293\n\nevent: remove\ndata: 2153\n\nevent: add\ndata: 113411\n\n",
                vec![ev("add", "73857293", "", None), ev("remove", "2153", "", None), ev("add", "113411", "", None)],
            ),
            (
                "multi-line JSON with a comment",
                b"data: {\ndata: \"msg\": \"hi\"\n: keep-alive\ndata: }\n\n",
                vec![msg("{\n\"msg\": \"hi\"\n}")],
            ),
        ];
        for (name, input, expected) in cases {
            eprintln!("case: {name}");
            check(input, expected);
        }
    }

    #[test]
    fn rules() {
        let cases: &[(&str, &[u8], Vec<Event>)] = &[
            ("LF", b"data: a\n\ndata: b\n\n", vec![msg("a"), msg("b")]),
            ("CR", b"data: a\r\rdata: b\r\r", vec![msg("a"), msg("b")]),
            ("CRLF", b"data: a\r\n\r\ndata: b\r\n\r\n", vec![msg("a"), msg("b")]),
            ("mixed line ends", b"data: a\rdata: b\r\ndata: c\n\r\n", vec![msg("a\nb\nc")]),
            ("LF CR is two line ends", b"data: a\n\rdata: b\n\n", vec![msg("a"), msg("b")]),
            ("BOM stripped", b"\xEF\xBB\xBFdata: a\n\n", vec![msg("a")]),
            ("BOM-only field name", b"\xEF\xBB\xBFdata\n\n", vec![msg("")]),
            ("second BOM is data", b"\xEF\xBB\xBF\xEF\xBB\xBFdata: a\n\n", vec![]),
            ("BOM in value kept", b"data: \xEF\xBB\xBFa\n\n", vec![msg("\u{FEFF}a")]),
            ("partial BOM is data", b"\xEF\xBBdata: a\n\ndata: b\n\n", vec![msg("b")]),
            ("partial BOM then line end", b"\xEF\ndata: a\n\n", vec![msg("a")]),
            ("partial BOM in value", b"\xEF\xBB:x\ndata: a\n\n", vec![msg("a")]),
            ("comment", b":data: x\n: y\ndata: a\n\n", vec![msg("a")]),
            ("only comments", b": one\n\n: two\n\n", vec![]),
            ("one space removed", b"data:  a \n\n", vec![msg(" a ")]),
            ("tab kept", b"data:\ta\n\n", vec![msg("\ta")]),
            ("split at first colon", b"data: a:b: c\n\n", vec![msg("a:b: c")]),
            ("no colon: empty value", b"data\ndata\n\n", vec![msg("\n")]),
            ("unknown fields ignored", b"foo: bar\nDATA: x\ndata : y\ndata: a\n\n", vec![msg("a")]),
            ("last event wins", b"event: a\nevent: b\ndata: x\n\n", vec![ev("b", "x", "", None)]),
            ("empty event is message", b"event:\ndata: x\n\n", vec![msg("x")]),
            ("event without data dispatches nothing and resets", b"event: a\n\ndata: x\n\n", vec![msg("x")]),
            (
                "id persists",
                b"id: 7\ndata: a\n\ndata: b\n\n",
                vec![ev("message", "a", "7", None), ev("message", "b", "7", None)],
            ),
            ("id without data persists", b"id: 7\n\ndata: b\n\n", vec![ev("message", "b", "7", None)]),
            ("id set to empty", b"id: 7\ndata: a\n\nid:\ndata: b\n\n", vec![ev("message", "a", "7", None), msg("b")]),
            (
                "id with NUL ignored",
                b"id: 7\ndata: a\n\nid: 8\x009\ndata: b\n\n",
                vec![ev("message", "a", "7", None), ev("message", "b", "7", None)],
            ),
            ("id after data in block", b"data: a\nid: 3\n\n", vec![ev("message", "a", "3", None)]),
            ("retry", b"retry: 1500\ndata: a\n\ndata: b\n\n", vec![ev("message", "a", "", Some(1500)), msg("b")]),
            ("retry leading zeros", b"retry: 007\ndata: a\n\n", vec![ev("message", "a", "", Some(7))]),
            ("retry max u32", b"retry: 4294967295\ndata: a\n\n", vec![ev("message", "a", "", Some(u32::MAX))]),
            ("retry overflow ignored", b"retry: 4294967296\ndata: a\n\n", vec![msg("a")]),
            (
                "retry non-digits ignored",
                b"retry: 1e3\nretry: -1\nretry: +1\nretry:  1\nretry: 1 \ndata: a\n\n",
                vec![msg("a")],
            ),
            ("retry empty ignored", b"retry\nretry:\ndata: a\n\n", vec![msg("a")]),
            ("retry does not carry to the next block", b"retry: 5\n\ndata: a\n\n", vec![msg("a")]),
            ("utf-8", "data: wörld 🌍\n\n".as_bytes(), vec![msg("wörld 🌍")]),
            ("invalid utf-8", b"data: a\xFFb\xC3\n\n", vec![msg("a\u{FFFD}b\u{FFFD}")]),
            (
                "invalid utf-8 in event and id",
                b"event: \xFF\nid: \xC0\ndata: x\n\n",
                vec![ev("\u{FFFD}", "x", "\u{FFFD}", None)],
            ),
            ("NUL in data kept", b"data: a\x00b\n\n", vec![msg("a\0b")]),
            ("blank lines only", b"\n\n\r\n\r", vec![]),
            ("empty input", b"", vec![]),
            // End of stream, both ways.
            ("EOF after complete line dispatches", b"data: a\n\ndata: [DONE]\n", vec![msg("a"), msg("[DONE]")]),
            ("EOF after CR dispatches", b"event: x\ndata: a\r", vec![ev("x", "a", "", None)]),
            ("EOF mid-line discards the event", b"data: a\n\ndata: b\ndata: c", vec![msg("a")]),
            ("EOF mid-line discards even a complete field", b"data: a\nid: 1", vec![]),
            ("EOF in a BOM", b"\xEF\xBB", vec![]),
        ];
        for (name, input, expected) in cases {
            eprintln!("case: {name}");
            check(input, expected);
        }
    }

    #[test]
    fn openai_stream() {
        let first = r#"{"id":"chatcmpl-x","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"Ok"},"finish_reason":null}]}"#;
        let input = format!("data: {first}\n\ndata: [DONE]\n\n");
        check(input.as_bytes(), &[msg(first), msg("[DONE]")]);
    }

    #[test]
    fn crlf_split_across_feeds_is_one_line_end() {
        let mut d = Decoder::new();
        assert_eq!(d.feed_collect(b"data: a\r").unwrap(), vec![]);
        // If the LF counted as a second line end, this would dispatch "a" now.
        assert_eq!(d.feed_collect(b"\ndata: b\r").unwrap(), vec![]);
        assert_eq!(d.feed_collect(b"").unwrap(), vec![]); // an empty feed keeps the CR state
        assert_eq!(d.feed_collect(b"\n").unwrap(), vec![]);
        assert_eq!(d.feed_collect(b"\r").unwrap(), vec![msg("a\nb")]);
        // The LF of the blank line's CRLF is not a second blank line; the next event still parses.
        assert_eq!(d.feed_collect(b"\n").unwrap(), vec![]);
        assert_eq!(d.feed_collect(b"data: c\r\n\r\n").unwrap(), vec![msg("c")]);
    }

    #[test]
    fn bom_split_and_only_at_start() {
        let mut d = Decoder::new();
        for part in [&b"\xEF"[..], b"", b"\xBB", b"\xBF", b"data: a\n\n"] {
            let events = d.feed_collect(part).unwrap();
            if part.starts_with(b"data") {
                assert_eq!(events, vec![msg("a")]);
            }
        }
        // Past the start, a BOM is data: here it makes an unknown field name.
        assert_eq!(d.feed_collect(b"\xEF\xBB\xBFdata: b\n\n").unwrap(), vec![]);
        // reset and finish start a new stream, whose BOM is stripped again.
        d.reset();
        assert_eq!(d.feed_collect(b"\xEF\xBB\xBFdata: c\n\n").unwrap(), vec![msg("c")]);
        assert_eq!(d.finish(), None);
        assert_eq!(d.feed_collect(b"\xEF\xBB\xBFdata: d\n\n").unwrap(), vec![msg("d")]);
    }

    #[test]
    fn multibyte_character_split_across_feeds() {
        let input = "data: 🌍é\n\n".as_bytes();
        for at in 6..10 {
            let mut d = Decoder::new();
            assert_eq!(d.feed_collect(&input[..at]).unwrap(), vec![]);
            assert_eq!(d.feed_collect(&input[at..]).unwrap(), vec![msg("🌍é")]);
        }
    }

    #[test]
    fn last_event_id_and_reconnection_time() {
        let mut d = Decoder::new();
        d.feed_collect(b"retry: 3000\nid: 42\n").unwrap();
        // The retry applies at once; the id only at the blank line ("last event ID string").
        assert_eq!((d.last_event_id(), d.reconnection_time()), ("", Some(3000)));
        d.feed_collect(b"\n").unwrap();
        assert_eq!(d.last_event_id(), "42");
        d.feed_collect(b"retry: x\ndata: a\n").unwrap();
        assert_eq!(d.reconnection_time(), Some(3000));
        // reset keeps the id for the reconnected stream, and its events carry it.
        d.reset();
        assert_eq!(d.last_event_id(), "42");
        assert_eq!(d.feed_collect(b"data: b\n\n").unwrap(), vec![ev("message", "b", "42", None)]);
    }

    #[test]
    fn finish_twice_and_after_reset() {
        let mut d = Decoder::new();
        d.feed_collect(b"data: a\n").unwrap();
        assert_eq!(d.finish(), Some(msg("a")));
        assert_eq!(d.finish(), None);
        d.feed_collect(b"data: b\n").unwrap();
        d.reset();
        assert_eq!(d.finish(), None);
    }

    #[test]
    fn linear_however_chunked() {
        const BIG: usize = 4 << 20;
        let limits = Limits { max_line_bytes: 8 << 20, max_event_bytes: 8 << 20 };
        let mut input = b"data: ".to_vec();
        input.resize(6 + BIG, b'x');
        input.extend_from_slice(b"\n\n");
        let check_chunked = |input: &[u8], size: usize| {
            let mut d = Decoder::with_limits(limits);
            let mut events = Vec::new();
            for chunk in input.chunks(size) {
                d.feed(chunk, |e| events.push(e)).unwrap();
            }
            assert_eq!(events.len(), 1, "chunk size {size}");
            assert_eq!(events[0].data.len(), input.len() - 8);
            assert!(d.bytes_examined() <= input.len() as u64 + 1, "chunk size {size}: {}", d.bytes_examined());
        };
        check_chunked(&input, input.len());
        check_chunked(&input, 1460);
        check_chunked(&input, 1);

        // Many short lines, including CRLFs split at every chunk boundary.
        let many = "data: ab\r\n\r\n".repeat(50_000);
        for size in [1, 2, 3, 7, 1460, many.len()] {
            let mut d = Decoder::new();
            let mut n = 0;
            for chunk in many.as_bytes().chunks(size) {
                d.feed(chunk, |_| n += 1).unwrap();
            }
            assert_eq!(n, 50_000);
            assert!(d.bytes_examined() <= many.len() as u64 + 1);
        }
    }

    #[test]
    fn line_too_long_fails_early() {
        let limits = Limits { max_line_bytes: 16, max_event_bytes: 1 << 20 };
        let too_long = SseError::LineTooLong { limit: 16 };
        // Exactly at the limit is fine, in any chunking.
        let mut input = b"data: 0123456789\n\n".to_vec();
        for size in [1, 5, input.len()] {
            let mut d = Decoder::with_limits(limits);
            let mut events = vec![];
            for chunk in input.chunks(size) {
                events.extend(d.feed_collect(chunk).unwrap());
            }
            assert_eq!(events, vec![msg("0123456789")]);
        }
        // One more byte fails, whole or split, once the 17th byte arrives.
        input.insert(6, b'x');
        assert_eq!(Decoder::with_limits(limits).feed_collect(&input), Err(too_long));
        let mut d = Decoder::with_limits(limits);
        assert!(d.feed_collect(&input[..16]).is_ok());
        assert_eq!(d.feed_collect(&input[16..17]), Err(too_long));
        // Sticky until reset.
        assert_eq!(d.feed_collect(b"\n\ndata: a\n\n"), Err(too_long));
        assert_eq!(d.finish(), None);
        assert_eq!(d.feed_collect(b"data: a\n\n").unwrap(), vec![msg("a")]);

        // A huge data line with no line end fails after looking at no more than the limit + 1
        // bytes.
        let mut huge = vec![b'x'; 10 << 20];
        huge[..5].copy_from_slice(b"data:");
        let mut d = Decoder::with_limits(limits);
        assert_eq!(d.feed_collect(&huge), Err(too_long));
        assert!(d.bytes_examined() <= 17);
        // Fed in chunks, it fails at the chunk that passes the limit, having buffered little.
        let mut d = Decoder::with_limits(limits);
        let fed = huge.chunks(4).take_while(|c| d.feed_collect(c).is_ok()).count();
        assert_eq!(fed, 4);
        // Default limits: an endless data line fails after 4 MiB.
        let mut d = Decoder::new();
        let err = huge.chunks(1 << 20).find_map(|c| d.feed_collect(c).err());
        assert_eq!(err, Some(SseError::LineTooLong { limit: 4 << 20 }));
        assert!(d.bytes_examined() <= (5 << 20));
        // `event` and `id` lines are kept too, so they count; so does a line that may still
        // become one when the limit is too small to tell.
        for line in [&b"event: 0123456789abcdef"[..], b"id: 0123456789abcdefgh", b"id:0123456789abcdefghi"] {
            assert_eq!(Decoder::with_limits(limits).feed_collect(line), Err(too_long), "{line:?}");
        }
        let tiny = Limits { max_line_bytes: 2, max_event_bytes: 2 };
        assert_eq!(Decoder::with_limits(tiny).feed_collect(b"dat"), Err(SseError::LineTooLong { limit: 2 }));
        assert_eq!(Decoder::with_limits(tiny).feed_collect(b"xyz\n:\n\n"), Ok(vec![]));
    }

    /// Issue 15: "If the line starts with a U+003A COLON character (:): Ignore the line." and
    /// "Otherwise: The field is ignored." An overlong ignored line used to end the stream with
    /// `LineTooLong`; it is now skipped in linear time without being buffered.
    #[test]
    fn overlong_ignored_lines_are_skipped_without_buffering() {
        const TEN_MIB: usize = 10 << 20;
        for (what, head) in [
            ("comment", &b":"[..]),
            ("unknown field", b"foo: "),
            ("field name without a colon", b"x"),
            ("a field named like data but longer", b"datax: "),
        ] {
            let mut line = head.to_vec();
            line.resize(TEN_MIB, b'1');
            let mut input = b"data: a\n".to_vec();
            input.extend_from_slice(&line);
            input.extend_from_slice(b"\r\ndata: b\n\ndata: c\n\n");
            for size in [1460, 64 << 10, input.len()] {
                let mut d = Decoder::new();
                let mut events = vec![];
                let mut largest = 0;
                for chunk in input.chunks(size) {
                    d.feed(chunk, |e| events.push(e)).unwrap_or_else(|e| panic!("{what}, size {size}: {e}"));
                    largest = largest.max(d.line.capacity()).max(d.data.capacity());
                }
                assert_eq!(events, vec![msg("a\nb"), msg("c")], "{what}, size {size}");
                // Never buffered: the buffers hold a few bytes of the short lines, none of the long.
                assert!(largest < 1024, "{what}, size {size}: {largest} bytes buffered");
                assert!(d.bytes_examined() <= input.len() as u64 + 1, "{what}: linear");
            }
        }
        // A `retry` value is read (so buffered) up to the limit; past it, it cannot be digits that
        // fit a u32 without a run of leading zeros, and it is skipped too, not an error.
        let mut input = b"retry: 1".to_vec();
        input.resize(TEN_MIB, b'1');
        input.extend_from_slice(b"\ndata: a\n\n");
        let mut d = Decoder::new();
        let events: Vec<Event> = input.chunks(1460).flat_map(|c| d.feed_collect(c).expect("skipped")).collect();
        assert_eq!(events, vec![msg("a")]);
        assert_eq!(d.reconnection_time(), None);
        assert!(d.line.capacity() < 1024, "released once skipped");
        // Cut off in the middle of a skipped line, the stream ends mid-line: the event is lost.
        let mut d = Decoder::new();
        let mut input = b"data: a\n:".to_vec();
        input.resize(TEN_MIB, b'1');
        assert_eq!(d.feed_collect(&input), Ok(vec![]));
        assert_eq!(d.finish(), None);
        // Split at every offset around the limit, the same events come out.
        let limits = Limits { max_line_bytes: 8, max_event_bytes: 64 };
        let input = b"data: 1\n: a comment over eight\nfoo: bar-baz-qux\r\ndata: 2\r\rdata: 3\n\n";
        let whole = Decoder::with_limits(limits).feed_collect(input).expect("skipped");
        assert_eq!(whole, vec![msg("1\n2"), msg("3")]);
        for at in 0..input.len() {
            let mut d = Decoder::with_limits(limits);
            let mut events = d.feed_collect(&input[..at]).expect("first part");
            events.extend(d.feed_collect(&input[at..]).expect("second part"));
            assert_eq!(events, whole, "split at {at}");
        }
        let mut d = Decoder::with_limits(limits);
        let bytewise: Vec<Event> = input.iter().flat_map(|b| d.feed_collect(&[*b]).expect("byte")).collect();
        assert_eq!(bytewise, whole, "byte by byte");
    }

    #[test]
    fn event_too_large_fails_early() {
        let limits = Limits { max_line_bytes: 64, max_event_bytes: 10 };
        let too_large = SseError::EventTooLarge { limit: 10 };
        // Exactly 10 bytes of data (the joining LFs count, the final one does not).
        let ok = b"data: 1234\ndata: 12345\n\ndata: 0123456789\n\n";
        assert_eq!(Decoder::with_limits(limits).feed_collect(ok).unwrap(), vec![msg("1234\n12345"), msg("0123456789")]);
        // The data of separate events does not add up.
        let mut d = Decoder::with_limits(limits);
        for _ in 0..5 {
            assert!(d.feed_collect(b"data: 0123456789\n\n").is_ok());
        }
        // One more byte fails as soon as the line completes, before any blank line.
        let mut d = Decoder::with_limits(limits);
        assert_eq!(d.feed_collect(b"data: 1234\n").unwrap(), vec![]);
        assert_eq!(d.feed_collect(b"data: 123456\n"), Err(too_large));
        // Replacement characters count at their decoded size (3 bytes each).
        let mut d = Decoder::with_limits(limits);
        assert_eq!(d.feed_collect(b"data: \xFF\xFF\xFF\xFF\n"), Err(too_large));
    }

    #[test]
    fn errors_display_and_are_small() {
        assert_eq!(
            SseError::LineTooLong { limit: 1_048_576 }.to_string(),
            "event stream line longer than 1048576 bytes"
        );
        assert_eq!(SseError::EventTooLarge { limit: 5 }.to_string(), "event stream event data longer than 5 bytes");
        fn is_error<E: std::error::Error + Copy + Send + Sync + 'static>(_: E) {}
        is_error(SseError::LineTooLong { limit: 1 });
        assert_eq!(Limits::default(), Limits { max_line_bytes: 4 << 20, max_event_bytes: 16 << 20 });
    }

    #[test]
    fn find_line_end_matches_a_byte_loop() {
        let mut bytes = vec![b'a'; 40];
        assert_eq!(find_line_end(&bytes), None);
        for at in 0..40 {
            for end in [b'\r', b'\n'] {
                bytes[at] = end;
                assert_eq!(find_line_end(&bytes), Some(at));
                // Bytes that differ from CR/LF by one bit or by borrow must not match.
                bytes[at] = end + 1;
                assert_eq!(find_line_end(&bytes), None);
                bytes[at] = end - 1;
                assert_eq!(find_line_end(&bytes), None);
                bytes[at] = 0x8D;
                assert_eq!(find_line_end(&bytes), None);
                bytes[at] = b'a';
            }
        }
        // Every byte value, at every position in a word, next to zero bytes (borrow chains).
        for b in 0..=255u8 {
            for at in 0..16 {
                let mut word = [0u8; 16];
                word[at] = b;
                let want = word.iter().position(|&x| x == b'\r' || x == b'\n');
                assert_eq!(find_line_end(&word), want, "byte {b:#x} at {at}");
            }
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_agree_across_chunkings() {
        // A small deterministic generator over the bytes that matter.
        let alphabet = b"\r\n:: dataeventidretry0123\xEF\xBB\xBF\x00\xFFx";
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..300 {
            let len = next() % 40;
            let input: Vec<u8> = (0..len).map(|_| alphabet[(next() % alphabet.len() as u64) as usize]).collect();
            let expected = run(&mut Decoder::new(), &[&input]).0;
            check(&input, &expected);
        }
    }

    #[test]
    fn lent_events_are_the_owned_ones_and_the_buffers_are_reused() {
        let input = b"id: 7\nevent: a\ndata: 1\ndata: 2\n\ndata: x\nretry: 5\n\n: c\n\ndata: last\n\n";
        let owned = Decoder::new().feed_collect(input).expect("decodes");
        let mut lent = vec![];
        let mut d = Decoder::new();
        for chunk in input.chunks(3) {
            d.feed_borrowed(chunk, |e| lent.push(e.to_event())).expect("decodes");
        }
        assert_eq!(lent, owned);
        assert_eq!(owned.iter().map(Event::as_ref).map(|e| e.to_event()).collect::<Vec<_>>(), owned);
        // One data buffer for every event (no allocation per event), given back after a huge one.
        let mut d = Decoder::new();
        d.feed_borrowed(b"data: warm-up\n\n", |_| {}).expect("decodes");
        let room = d.data.capacity();
        for _ in 0..100 {
            d.feed_borrowed(b"data: abc\n\n", |e| assert_eq!(e.data, "abc")).expect("decodes");
        }
        assert_eq!(d.data.capacity(), room);
        let mut huge = b"data: ".to_vec();
        huge.resize(1 << 20, b'x');
        huge.extend_from_slice(b"\n\n");
        d.feed_borrowed(&huge, |e| assert_eq!(e.data.len(), (1 << 20) - 6)).expect("decodes");
        assert!(d.data.capacity() < 64 << 10, "released: {}", d.data.capacity());
    }

    /// A long first data line that arrives in pieces is adopted as the data buffer (one copy):
    /// the event is the same as when the line arrives whole, whatever follows it.
    #[test]
    fn a_long_data_line_in_pieces_is_the_same_event() {
        let long = "é".repeat(3000); // 6000 bytes, over the adoption threshold
        let mut cases: Vec<(Vec<u8>, Vec<Event>)> = vec![
            (format!("data: {long}\n\n").into_bytes(), vec![msg(&long)]),
            (format!("data:{long}\ndata: b\n\n").into_bytes(), vec![msg(&format!("{long}\nb"))]),
            (
                format!("event: x\ndata: {long}\nid: 3\n\ndata: c\n\n").into_bytes(),
                vec![ev("x", &long, "3", None), ev("message", "c", "3", None)],
            ),
            (format!("data: a\ndata: {long}\n\n").into_bytes(), vec![msg(&format!("a\n{long}"))]),
        ];
        let mut invalid = b"data: ".to_vec();
        invalid.extend(std::iter::repeat_n(b'x', 5000));
        invalid.extend_from_slice(b"\xFF\n\n");
        cases.push((invalid, vec![msg(&format!("{}\u{FFFD}", "x".repeat(5000)))]));
        for (input, expected) in &cases {
            for size in [1, 7, 100, 1460, input.len()] {
                let mut d = Decoder::new();
                let events: Vec<Event> = input.chunks(size).flat_map(|c| d.feed_collect(c).expect("decodes")).collect();
                assert_eq!(&events, expected, "size {size}");
            }
        }
        // The event limit holds for an adopted line too.
        let limits = Limits { max_line_bytes: 1 << 20, max_event_bytes: 5000 };
        let input = format!("data: {long}\n\n");
        let mut d = Decoder::with_limits(limits);
        let err = input.as_bytes().chunks(100).find_map(|c| d.feed_collect(c).err());
        assert_eq!(err, Some(SseError::EventTooLarge { limit: 5000 }));
    }
}
