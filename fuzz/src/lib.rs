//! The checks behind the fuzz targets, as plain functions.
//!
//! Each `fuzz_targets/NAME.rs` calls the function of the same name; `tests/replay.rs` runs the
//! committed corpus (`corpus/NAME/`) through the same functions with a plain `cargo test`, so CI
//! checks every known input without libFuzzer or a nightly compiler. A failed check panics,
//! which libFuzzer reports as a crash and saves the input under `artifacts/`.
#![forbid(unsafe_code)]

use minitoolai::markdown::{is_mathml, render, render_tail, safe_link, BlockSplitter, Node};
use minitoolai::response::{completion_from_json, error_from_response, server_message};
use minitoolai::sse::{Decoder, Event, Limits, SseError};
use minitoolai::stream::{ChatStreamState, Step};
use minitoolai::types::chat::{ChatChunk, ChatRequest};
use minitoolai::types::image::{ImageRequest, JobCreated, JobState, JobStatusResponse, JobTicket};
use minitoolai::types::is_allowed_image_url;
use minitoolai::Redactor;

/// A small deterministic generator (xorshift64*), seeded from the input, for chunk sizes.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

/// Cuts `bytes` into chunks as the header asks: byte by byte, or random sizes up to `max`.
fn chunks(bytes: &[u8], seed: u64, max: usize) -> Vec<&[u8]> {
    let mut rng = Rng(seed | 1);
    let mut out = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        // Empty chunks too: a reader may hand over a zero-length read.
        let n = (rng.next() % (max as u64 + 1)) as usize;
        let (head, tail) = rest.split_at(n.min(rest.len()));
        out.push(head);
        rest = tail;
    }
    out
}

/// What decoding one stream gave: the events, the first error, and the event `finish` returned.
#[derive(Debug, PartialEq)]
struct Outcome {
    events: Vec<Event>,
    error: Option<SseError>,
    last: Option<Event>,
}

fn decode(limits: Limits, pieces: &[&[u8]]) -> (Outcome, u64) {
    let mut decoder = Decoder::with_limits(limits);
    let mut events = Vec::new();
    let mut error = None;
    for piece in pieces {
        if let Err(e) = decoder.feed(piece, |ev| events.push(ev)) {
            // Errors are sticky: feeding more gives the same error and no event.
            let mut more = Vec::new();
            assert_eq!(decoder.feed(b"data: x\n\n", |ev| more.push(ev)), Err(e), "sticky error");
            assert!(more.is_empty(), "no event after an error");
            error = Some(e);
            break;
        }
    }
    let examined = decoder.bytes_examined();
    let last = decoder.finish();
    (Outcome { events, error, last }, examined)
}

/// The lines of a stream (runs of bytes without CR or LF), after one leading BOM. A stream
/// that is only the start of a BOM holds no line (the decoder keeps at most those two bytes
/// back, then drops them at the end).
fn lines(stream: &[u8]) -> Vec<&[u8]> {
    const BOM: [u8; 3] = [0xEF, 0xBB, 0xBF];
    if stream.len() < 3 && BOM.starts_with(stream) {
        return vec![];
    }
    let body = stream.strip_prefix(&BOM[..]).unwrap_or(stream);
    body.split(|&b| b == b'\r' || b == b'\n').collect()
}

/// Whether a line longer than `cap` must be refused: the spec keeps its value (a `data`,
/// `event` or `id` field), or, when the cap is too small to tell from the `cap + 1` bytes
/// the decoder holds at most, it may still be such a field. Other long lines (comments,
/// unknown fields, `retry`) are ignored by the spec and skipped.
fn refused(line: &[u8], cap: usize) -> bool {
    if line.len() <= cap || line.first() == Some(&b':') {
        return false;
    }
    let head = &line[..line.len().min(cap + 1).min(6)];
    let kept: [&[u8]; 3] = [b"data", b"event", b"id"];
    match head.iter().position(|&b| b == b':') {
        Some(colon) => kept.contains(&&head[..colon]),
        None => kept.iter().any(|field| field.starts_with(head)),
    }
}

/// The SSE decoder: the same events and error however the bytes are chunked, never a panic,
/// and the size caps respected (the line cap for the lines the spec keeps; longer ignored
/// lines are skipped).
///
/// Input: byte 0 picks the line cap, byte 1 the event cap, byte 2 the largest chunk (0 = byte
/// by byte), bytes 3..11 seed the chunk sizes; the rest is the stream.
pub fn sse_chunking(data: &[u8]) {
    let Some((header, stream)) = data.split_first_chunk::<11>() else { return };
    let [line_sel, event_sel, chunk_sel, seed @ ..] = *header;
    // Small caps (so the fuzzer reaches them) or the defaults.
    let cap = |sel: u8, default: usize| if sel < 0xF0 { usize::from(sel) * 2 + 1 } else { default };
    let limits = Limits {
        max_line_bytes: cap(line_sel, Limits::default().max_line_bytes),
        max_event_bytes: cap(event_sel, Limits::default().max_event_bytes),
    };
    let seed = u64::from_le_bytes(seed);

    let (whole, examined) = decode(limits, &[stream]);
    let pieces = if chunk_sel == 0 {
        stream.chunks(1).collect::<Vec<_>>()
    } else {
        chunks(stream, seed, usize::from(chunk_sel))
    };
    let (split, examined_split) = decode(limits, &pieces);
    assert_eq!(whole, split, "chunking changed the outcome ({} pieces)", pieces.len());
    let (bytewise, _) = decode(limits, &stream.chunks(1).collect::<Vec<_>>());
    assert_eq!(whole, bytewise, "byte-by-byte feeding changed the outcome");

    // Linear: each byte is examined at most once, however it was chunked.
    assert!(examined <= stream.len() as u64 && examined_split <= stream.len() as u64);
    // The caps: no dispatched event is larger than the event cap; a stream without an error
    // never held a line longer than the line cap; a line error means there was such a line.
    for event in whole.events.iter().chain(&whole.last) {
        assert!(event.data.len() <= limits.max_event_bytes, "event over the cap: {}", event.data.len());
    }
    let refused = lines(stream).into_iter().any(|line| refused(line, limits.max_line_bytes));
    match whole.error {
        None => assert!(!refused, "a kept line over the cap passed"),
        Some(SseError::LineTooLong { limit }) => {
            assert_eq!(limit, limits.max_line_bytes);
            assert!(refused, "line error without a kept line over the cap");
        }
        Some(SseError::EventTooLarge { limit }) => assert_eq!(limit, limits.max_event_bytes),
    }
}

/// A streamed chat answer from arbitrary bytes: decoder plus OpenAI stream semantics, as the
/// client runs them; also the error-body and JSON-answer readers on the same bytes.
///
/// Never a panic; the text only grows; an error carries the text received so far.
pub fn chat_stream(data: &[u8]) {
    let mut decoder = Decoder::new();
    let mut state = ChatStreamState::new("gpt-4o-mini", Redactor::none());
    let mut events = Vec::new();
    let fed = decoder.feed(data, |e| events.push(e));
    events.extend(decoder.finish());
    let mut ended = false;
    for event in &events {
        let before = state.content().to_owned();
        match state.on_event(event) {
            Ok(Step::Done) => {
                assert!(state.is_done());
                ended = true;
            }
            Ok(Step::Chunk(chunk)) => assert!(!ended, "a chunk after [DONE]: {chunk:?}"),
            Ok(Step::Skip) => {}
            Err(e) => {
                // The partial text is kept, word for word.
                assert_eq!(e.partial_text().unwrap_or(""), before.as_str(), "partial text lost: {e}");
                let _ = e.to_string();
                break;
            }
        }
        assert!(state.content().starts_with(&before), "the answer text shrank");
    }
    if fed.is_ok() {
        match state.finish() {
            Ok(done) => assert_eq!(done.content, state.content()),
            Err(e) => assert_eq!(e.partial_text().unwrap_or(""), state.content()),
        }
    }

    let text = String::from_utf8_lossy(data);
    let _ = serde_json::from_str::<ChatChunk>(&text);
    if let Ok(completion) = completion_from_json(&text, "gpt-4o-mini", &Redactor::none()) {
        let _ = completion.content.len();
    }
    if let Some(message) = server_message(&text) {
        // Bounded: an error message never carries a whole hostile body.
        assert!(message.len() <= 1024, "server message of {} bytes", message.len());
    }
    let status = 400 + u16::from(data.first().copied().unwrap_or(0)) % 200;
    let _ = error_from_response(status, &text, None, &Redactor::none()).to_string();
}

/// Image job answers (create and status) and request bodies (which the sandbox decodes from
/// strangers): never a panic, and a finished job always has a usable URL.
pub fn job_json(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Ok(created) = serde_json::from_str::<JobCreated>(&text) {
        let _ = serde_json::to_string(&created);
    }
    if let Ok(ticket) = serde_json::from_str::<JobTicket>(&text) {
        let back = serde_json::to_string(&ticket).expect("a ticket serialises");
        assert_eq!(serde_json::from_str::<JobTicket>(&back).ok(), Some(ticket), "ticket round trip");
    }
    if let Ok(status) = serde_json::from_str::<JobStatusResponse>(&text) {
        match status.state() {
            JobState::Done { image_url } => {
                assert!(!image_url.is_empty() && image_url.trim() == image_url, "done without a URL");
                let _ = is_allowed_image_url(&image_url);
            }
            JobState::Failed { message } => assert!(!message.trim().is_empty(), "failure without words"),
            JobState::Pending { .. } => {}
        }
    }
    if let Ok(request) = serde_json::from_str::<ImageRequest>(&text) {
        let _ = request.problems();
        let _ = request.validate();
    }
    if let Ok(request) = serde_json::from_str::<ChatRequest>(&text) {
        let _ = request.problems();
        let _ = request.estimate_prompt_tokens();
        let _ = request.worst_case_cost_nano_usd();
    }
    let _ = is_allowed_image_url(&text);
}

/// Every element and attribute the markdown renderer may produce.
const TAGS: &[&str] = &[
    "p",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "div",
    "span",
    "pre",
    "code",
    "button",
    "ol",
    "ul",
    "li",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "em",
    "strong",
    "del",
    "a",
    "br",
    "hr",
    "input",
    "sup",
];
const ATTRS: &[&str] = &[
    "class",
    "href",
    "rel",
    "target",
    "referrerpolicy",
    "title",
    "start",
    "type",
    "disabled",
    "checked",
    "data-testid",
    "data-lang",
    "data-footnote",
    "tabindex",
    "role",
    "aria-label",
    "aria-hidden",
    "aria-busy",
];
/// Presentation attributes of the MathML elements (math is typeset from the allow-list).
const MATH_ATTRS: &[&str] = &[
    "display",
    "displaystyle",
    "scriptlevel",
    "mathvariant",
    "lspace",
    "rspace",
    "stretchy",
    "symmetric",
    "largeop",
    "movablelimits",
    "accent",
    "accentunder",
    "form",
    "fence",
    "separator",
    "minsize",
    "maxsize",
    "width",
    "height",
    "depth",
    "voffset",
    "linethickness",
    "columnalign",
    "rowalign",
    "columnspan",
    "rowspan",
    "encoding",
    "dir",
];

fn check_node(node: &Node) {
    let Node::Element { tag, attrs, children } = node else { return };
    let math = is_mathml(tag);
    let attr = |wanted: &str| attrs.iter().find(|(n, _)| *n == wanted).map(|(_, v)| v.as_str());
    let (class, footnote) = (attr("class"), attr("data-footnote"));
    assert!(TAGS.contains(tag) || math, "unexpected element <{tag}>");
    for (name, value) in attrs {
        if math {
            assert!(MATH_ATTRS.contains(name), "unexpected attribute {name} on <{tag}>");
            continue;
        }
        assert!(ATTRS.contains(name), "unexpected attribute {name} on <{tag}>");
        if *name == "href" {
            assert_eq!(safe_link(value).as_deref(), Some(value.as_str()), "unsafe href {value:?}");
            let lower = value.to_ascii_lowercase();
            assert!(
                lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("mailto:"),
                "href with another scheme: {value:?}"
            );
        }
        if *name == "class" {
            assert!(!value.contains(['"', '<', '>']), "class from the input: {value:?}");
        }
        // Scrolling regions and footnotes: fixed values from the renderer, never from the input.
        match *name {
            "tabindex" if footnote.is_some() && *tag == "div" => {
                assert_eq!(value, "-1", "a footnote's tabindex from the input")
            }
            "tabindex" => assert_eq!(value, "0", "tabindex from the input"),
            "role" => assert!(["region", "group"].contains(&value.as_str()), "role from the input"),
            "data-footnote" => assert!(
                matches!(
                    (*tag, class),
                    ("button", Some("footnote-link" | "footnote-back")) | ("div", Some("footnote"))
                ),
                "data-footnote on <{tag} class={class:?}>"
            ),
            // A footnote's buttons are named by its label, in fixed words.
            "aria-label" if *tag == "button" && footnote.is_some() => {
                let label = footnote.unwrap_or_default();
                let words = if class == Some("footnote-back") { "Back to reference" } else { "Footnote" };
                assert_eq!(*value, format!("{words} {label}"), "a footnote button's aria-label")
            }
            // A task's checkbox is named by the task's words; other labels are fixed.
            "aria-label" if *tag != "input" => {
                assert!(["Table", "Formula"].contains(&value.as_str()), "aria-label from the input")
            }
            _ => {}
        }
    }
    if *tag == "a" {
        let rel = attrs.iter().find(|(n, _)| *n == "rel").map(|(_, v)| v.as_str());
        assert_eq!(rel, Some("noopener noreferrer nofollow"), "a link without rel");
    }
    for child in children {
        check_node(child);
    }
}

/// Model output through the markdown renderer and the streaming block splitter: only
/// allow-listed elements and attributes, only safe link targets, and the splitter's blocks
/// tile the text exactly however it is streamed.
pub fn markdown(data: &[u8]) {
    let Some((&chunk_sel, rest)) = data.split_first() else { return };
    let text = String::from_utf8_lossy(rest);
    for node in render(&text) {
        check_node(&node);
    }

    let mut splitter = BlockSplitter::new();
    let mut committed = 0;
    let max = usize::from(chunk_sel % 32) + 1;
    let mut rest: &str = &text;
    while !rest.is_empty() {
        let mut n = max.min(rest.len());
        while !rest.is_char_boundary(n) {
            n += 1;
        }
        let (head, tail) = rest.split_at(n);
        let finished = splitter.push(head);
        // The open tail, completed as the app shows it while streaming.
        for node in render_tail(splitter.tail()) {
            check_node(&node);
        }
        for range in finished {
            // Blocks come in order; what lies between two of them is blank (not shown anyway).
            assert!(range.start >= committed, "blocks out of order");
            assert!(splitter.text()[committed..range.start].trim().is_empty(), "text skipped between blocks");
            assert!(range.end > range.start && range.end <= splitter.text().len());
            committed = range.end;
        }
        rest = tail;
    }
    assert_eq!(splitter.text(), text);
    assert!(splitter.tail().len() <= text.len() - committed, "the tail lost text");
    assert!(text[committed..].ends_with(splitter.tail()), "the tail is not the end of the text");
    assert!(splitter.bytes_examined() <= text.len() as u64, "the splitter rescanned text");
}
