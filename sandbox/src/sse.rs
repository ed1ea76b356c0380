//! Turning a planned list of SSE events into the bytes and pauses of a response body,
//! with the stream faults applied.

use std::collections::VecDeque;
use std::time::Duration;

use axum::body::Bytes;

use crate::faults::FaultSpec;

/// One `data:` event before faults.
pub struct Event {
    /// The data line (JSON, or `[DONE]`).
    pub data: String,
    /// Completion tokens this event carries (charged once it is sent).
    pub tokens: u64,
    /// Whether the token pace applies before it.
    pub paced: bool,
}

/// One step of a response body.
#[derive(Debug, PartialEq)]
pub enum Step {
    /// Wait `delay`, then write `bytes`, which carry `tokens` completion tokens.
    Write {
        /// Pause before.
        delay: Duration,
        /// What to write.
        bytes: Bytes,
        /// Tokens carried.
        tokens: u64,
    },
    /// Cut the connection (no proper end of the body).
    Drop,
    /// End the body early, cleanly, as a fault.
    EndEarly,
}

/// The error object `error-in-stream` sends.
pub const STREAM_ERROR: &str = r#"{"error":{"message":"sandbox: injected error in stream","type":"server_error","code":"sandbox_fault","param":null}}"#;

/// The steps that send `events` under `spec`, with `pace` before each paced event.
pub fn plan(events: Vec<Event>, spec: &FaultSpec, pace: Duration) -> VecDeque<Step> {
    let eol = spec.line_ends.as_str();
    let frame = |data: &str, first: bool| {
        let bom = if first && spec.bom { "\u{FEFF}" } else { "" };
        Bytes::from(format!("{bom}data: {data}{eol}{eol}"))
    };
    let between = Duration::from_millis(spec.stall_between_ms.unwrap_or(0));
    let count = events.len();
    let mut steps = VecDeque::with_capacity(count + 1);
    for (i, event) in events.into_iter().enumerate() {
        if spec.error_in_stream.is_some_and(|n| n as usize == i) {
            let delay = if i > 0 { between } else { Duration::ZERO };
            steps.push_back(Step::Write { delay, bytes: frame(STREAM_ERROR, i == 0), tokens: 0 });
            steps.push_back(Step::EndEarly);
            return steps;
        }
        if spec.drop_after.is_some_and(|n| n as usize == i) {
            steps.push_back(Step::Drop);
            return steps;
        }
        let mut delay = if i > 0 { between } else { Duration::ZERO };
        if event.paced {
            delay += pace;
        }
        let data =
            if spec.malformed_chunk.is_some_and(|n| n as usize == i + 1) { malformed(&event.data) } else { event.data };
        steps.push_back(Step::Write { delay, bytes: frame(&data, i == 0), tokens: event.tokens });
    }
    if spec.error_in_stream.is_some_and(|n| n as usize >= count) {
        steps.push_back(Step::Write { delay: between, bytes: frame(STREAM_ERROR, count == 0), tokens: 0 });
        steps.push_back(Step::EndEarly);
    } else if spec.drop_after.is_some_and(|n| n as usize >= count) {
        steps.push_back(Step::Drop);
    }
    steps
}

/// A JSON text cut in half and followed by junk: not JSON any more.
fn malformed(data: &str) -> String {
    let mut half = data.len() / 2;
    while !data.is_char_boundary(half) {
        half -= 1;
    }
    format!("{}<<sandbox: malformed chunk", &data[..half])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::faults::FaultSpec;

    fn events() -> Vec<Event> {
        ["{\"a\":1}", "{\"b\":2}", "[DONE]"]
            .into_iter()
            .map(|d| Event { data: d.into(), tokens: 1, paced: true })
            .collect()
    }

    fn bytes(steps: &VecDeque<Step>) -> Vec<u8> {
        steps
            .iter()
            .flat_map(|s| match s {
                Step::Write { bytes, .. } => bytes.to_vec(),
                _ => b"|".to_vec(),
            })
            .collect()
    }

    #[test]
    fn plain_framing() {
        let steps = plan(events(), &FaultSpec::default(), Duration::from_millis(5));
        assert_eq!(bytes(&steps), b"data: {\"a\":1}\n\ndata: {\"b\":2}\n\ndata: [DONE]\n\n");
        assert!(steps.iter().all(|s| matches!(s, Step::Write { delay, .. } if *delay == Duration::from_millis(5))));
    }

    #[test]
    fn faults_shape_the_bytes() {
        let spec = |s: &str| FaultSpec::parse(s).expect("parses");
        let b = bytes(&plan(events(), &spec("bom; line-ends=crlf"), Duration::ZERO));
        assert_eq!(b, "\u{FEFF}data: {\"a\":1}\r\n\r\ndata: {\"b\":2}\r\n\r\ndata: [DONE]\r\n\r\n".as_bytes());
        let b = bytes(&plan(events(), &spec("line-ends=cr"), Duration::ZERO));
        assert_eq!(b, b"data: {\"a\":1}\r\rdata: {\"b\":2}\r\rdata: [DONE]\r\r");
        let b = bytes(&plan(events(), &spec("drop-after=1"), Duration::ZERO));
        assert_eq!(b, b"data: {\"a\":1}\n\n|");
        let b = bytes(&plan(events(), &spec("drop-after=9"), Duration::ZERO));
        assert!(b.ends_with(b"[DONE]\n\n|"));
        let b = bytes(&plan(events(), &spec("error-in-stream=2"), Duration::ZERO));
        assert_eq!(b, format!("data: {{\"a\":1}}\n\ndata: {{\"b\":2}}\n\ndata: {STREAM_ERROR}\n\n|").as_bytes());
        let b = bytes(&plan(events(), &spec("malformed-chunk=2"), Duration::ZERO));
        assert_eq!(b, b"data: {\"a\":1}\n\ndata: {\"b<<sandbox: malformed chunk\n\ndata: [DONE]\n\n");
        let steps = plan(events(), &spec("stall-between-ms=50"), Duration::ZERO);
        let delays: Vec<_> = steps
            .iter()
            .filter_map(|s| if let Step::Write { delay, .. } = s { Some(delay.as_millis()) } else { None })
            .collect();
        assert_eq!(delays, [0, 50, 50]);
    }
}
