//! Every fault mode of `x-sandbox-fault`, the reply override, per-key faults, and client
//! cancellation.

mod common;

use std::io::Read;
use std::time::{Duration, Instant};

use common::{chat_body, pct, Sandbox, DEMO};
use serde_json::json;

/// A chat whose reply is "a b" (two tokens): events role, "a", " b", finish, usage, [DONE].
fn short(sb: &Sandbox, fault: &str) -> common::Resp {
    sb.post_with(
        "/api/chat-completions/",
        Some(DEMO),
        &[("x-sandbox-fault", fault), ("x-sandbox-reply", "a%20b")],
        &chat_body("gpt-4o-mini", "hi"),
    )
}

#[test]
fn drop_after_cuts_the_connection() {
    let sb = Sandbox::start(&[]);
    let r = short(&sb, "drop-after=3");
    assert_eq!(r.status, 200);
    assert!(!r.complete, "no final chunk: the connection was cut");
    assert_eq!(r.events().len(), 3);
    assert_eq!(r.content(), "a b");
    assert_eq!(sb.stats()["streams"]["cut"], 1);
    // Charged for what was sent: 2 content tokens.
    let usage_cost = 8 * 150 + 2 * 600;
    assert_eq!(sb.balance(DEMO)["spent_nano_usd"], usage_cost);
    // drop-after=0: the head, then the cut.
    let r = short(&sb, "drop-after=0");
    assert_eq!(r.status, 200);
    assert!(!r.complete && r.body.is_empty());
}

#[test]
fn stalls_before_and_between() {
    let sb = Sandbox::start(&[]);
    let t = Instant::now();
    assert_eq!(short(&sb, "stall-before-ms=300").status, 200);
    assert!(t.elapsed() >= Duration::from_millis(300));
    let t = Instant::now();
    let r = short(&sb, "stall-between-ms=60");
    // Six events, five gaps.
    assert!(t.elapsed() >= Duration::from_millis(300), "{:?}", t.elapsed());
    assert_eq!(r.content(), "a b");
    // Stalls apply to the image endpoints too.
    let t = Instant::now();
    let r = sb.post_with(
        "/api/texttoimage/jobs/",
        None,
        &[("x-sandbox-fault", "stall-before-ms=200")],
        r#"{"jobid":1,"signature":"x"}"#,
    );
    assert_eq!(r.status, 404);
    assert!(t.elapsed() >= Duration::from_millis(200));
}

#[test]
fn status_faults_with_json_html_or_empty_bodies() {
    let sb = Sandbox::start(&[]);
    let r = short(&sb, "status=503; retry-after=1");
    assert_eq!(r.status, 503);
    assert_eq!(r.header("retry-after"), Some("1"));
    assert_eq!(r.json()["error"]["type"], "server_error");

    let r = short(&sb, "status=429; body=html; retry-after-ms=300");
    assert_eq!(r.status, 429);
    assert_eq!(r.header("retry-after-ms"), Some("300"));
    assert!(r.header("content-type").is_some_and(|c| c.starts_with("text/html")));
    assert!(r.text().starts_with("<!DOCTYPE html>"));

    let r = short(&sb, "status=502; body=empty");
    assert_eq!(r.status, 502);
    assert!(r.body.is_empty());

    // A 200 with an HTML body (a captive portal, say).
    let r = short(&sb, "status=200; body=html");
    assert_eq!(r.status, 200);
    assert!(r.text().contains("<html>"));

    // Image endpoints answer in their own shape.
    let img = json!({"model": "amigo", "prompt": "x"}).to_string();
    let r = sb.post_with("/api/texttoimage/", Some(DEMO), &[("x-sandbox-fault", "status=500")], &img);
    assert_eq!(r.status, 500);
    let j = r.json();
    assert_eq!((j["status"].as_str(), j["jobid"].is_null()), (Some("error"), true));
    let r = sb.post_with("/api/texttoimage/jobs/", None, &[("x-sandbox-fault", "status=503")], "{}");
    assert_eq!((r.status, r.json()["status"].as_str()), (503, Some("error")));
    // Nothing charged.
    assert_eq!(sb.balance(DEMO)["spent_nano_usd"], 0);
}

#[test]
fn fail_times_then_success() {
    let sb = Sandbox::start(&[]);
    let spec = "status=429; retry-after-ms=50; fail-times=2";
    assert_eq!(short(&sb, spec).status, 429);
    assert_eq!(short(&sb, spec).status, 429);
    let r = short(&sb, spec);
    assert_eq!(r.status, 200);
    assert_eq!(r.content(), "a b");
    // Counted per key and spec: another spec starts its own count.
    assert_eq!(short(&sb, "status=503; fail-times=1").status, 503);
    assert_eq!(short(&sb, "status=503; fail-times=1").status, 200);
    // reset-stats forgets the counts.
    assert_eq!(sb.post_json("/sandbox/reset-stats", None, "").status, 200);
    assert_eq!(short(&sb, spec).status, 429);
}

#[test]
fn malformed_chunk_error_in_stream_and_no_done() {
    let sb = Sandbox::start(&[]);
    let r = short(&sb, "malformed-chunk=2");
    let events = r.events();
    assert_eq!(events.len(), 6);
    assert!(serde_json::from_str::<serde_json::Value>(&events[1]).is_err(), "{}", events[1]);
    assert!(serde_json::from_str::<serde_json::Value>(&events[2]).is_ok());
    assert_eq!(events[5], "[DONE]");

    let r = short(&sb, "error-in-stream=2");
    assert_eq!(r.status, 200);
    assert!(r.complete, "the stream ends cleanly");
    let events = r.events();
    assert_eq!(events.len(), 3);
    let err: serde_json::Value = serde_json::from_str(&events[2]).expect("an error object");
    assert_eq!(err["error"]["code"], "sandbox_fault");
    assert!(!events.contains(&"[DONE]".to_owned()));

    let r = short(&sb, "no-done");
    let events = r.events();
    assert_eq!(events.len(), 5);
    assert!(events[4].contains("\"usage\":{"));
    assert!(r.complete);
}

#[test]
fn line_ends_bom_and_one_byte_writes() {
    let sb = Sandbox::start(&[]);
    let plain = short(&sb, "").text();
    // The id and timestamp differ per request; compare everything else.
    let norm = |s: &str| {
        let field = |s: &str, name: &str| {
            let start = s.find(name)? + name.len();
            let end = start + s[start..].find(['"', ','])?;
            Some(s[start..end].to_owned())
        };
        let mut out = s.to_owned();
        for name in ["\"id\":\"", "\"created\":"] {
            if let Some(v) = field(s, name) {
                out = out.replace(&format!("{name}{v}"), name);
            }
        }
        out
    };

    let cr = short(&sb, "line-ends=cr").text();
    assert!(!cr.contains('\n') && cr.ends_with("data: [DONE]\r\r"));
    assert_eq!(norm(&cr.replace('\r', "\n")), norm(&plain));

    let crlf = short(&sb, "line-ends=crlf").text();
    assert!(crlf.ends_with("data: [DONE]\r\n\r\n"));
    assert_eq!(norm(&crlf.replace("\r\n", "\n")), norm(&plain));

    let bom = short(&sb, "bom");
    assert!(bom.body.starts_with(b"\xEF\xBB\xBFdata: {"));
    assert_eq!(bom.body.iter().filter(|b| **b == 0xEF).count(), 1, "one BOM only");

    let bytes = short(&sb, "byte-per-write");
    assert!(bytes.complete);
    assert!(bytes.chunks.len() > 100);
    assert!(bytes.chunks.iter().all(|&n| n == 1), "every write is one byte");
    assert_eq!(norm(&bytes.text()), norm(&plain));
}

#[test]
fn reply_header_accepts_percent_and_base64() {
    let sb = Sandbox::start(&[]);
    let text = "Exactly this: **café** 🎉\n\n```js\nx()\n```";
    let r = sb.post_with(
        "/api/chat-completions/",
        Some(DEMO),
        &[("x-sandbox-reply", &pct(text))],
        &chat_body("gpt-4o", "q"),
    );
    assert_eq!(r.content(), text);
    let r = sb.post_with(
        "/api/chat-completions/",
        Some(DEMO),
        &[("x-sandbox-reply", "base64:Y2Fmw6k=")],
        &chat_body("gpt-4o", "q"),
    );
    assert_eq!(r.content(), "café");
    let r = sb.post_with(
        "/api/chat-completions/",
        Some(DEMO),
        &[("x-sandbox-reply", "base64:!!!")],
        &chat_body("gpt-4o", "q"),
    );
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error"]["param"], "x-sandbox-reply");
}

#[test]
fn bad_specs_are_400_naming_the_item() {
    let sb = Sandbox::start(&[]);
    for (spec, item) in
        [("status=42", "status=42"), ("bom; frobnicate=1", "frobnicate=1"), ("line-ends=lfcr", "line-ends=lfcr")]
    {
        let r = short(&sb, spec);
        assert_eq!(r.status, 400, "{spec}");
        let err = &r.json()["error"];
        assert_eq!(err["param"], "x-sandbox-fault");
        assert!(err["message"].as_str().unwrap_or("").contains(item), "{err}");
    }
}

#[test]
fn per_key_faults_set_at_runtime() {
    let sb = Sandbox::start(&["--key", "sk-key-a1=1", "--key", "sk-key-b1=1"]);
    let set = |body: serde_json::Value| sb.post_json("/sandbox/faults", None, &body.to_string());
    let r = set(json!({"key": "sk-key-a1", "fault": "status=503; retry-after=2", "reply": "fixed reply"}));
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(!r.text().contains("sk-key-a1"), "answers with the key id only");
    let chat = |key: &str| sb.chat(key, &chat_body("gpt-4o-mini", "hi"), None);
    let r = chat("sk-key-a1");
    assert_eq!((r.status, r.header("retry-after")), (503, Some("2")));
    assert_eq!(chat("sk-key-b1").status, 200, "other keys are not affected");
    // The header wins over the key's spec.
    let r = sb.chat("sk-key-a1", &chat_body("gpt-4o-mini", "hi"), Some("bom"));
    assert_eq!(r.status, 200);
    assert_eq!(r.body.strip_prefix(b"\xEF\xBB\xBF").map(|_| r.content()).as_deref(), Some("fixed reply"));

    assert_eq!(set(json!({"key": "sk-key-a1", "fault": ""})).status, 200);
    let r = chat("sk-key-a1");
    assert_eq!(r.status, 200);
    assert_ne!(r.content(), "fixed reply", "cleared");

    let listed = sb.get("/sandbox/faults", None).json();
    assert_eq!(listed["faults"], json!([]));
    assert_eq!(set(json!({"key": "sk-unknown", "fault": "bom"})).status, 400);
    let r = set(json!({"key": "sk-key-a1", "fault": "status=1"}));
    assert_eq!((r.status, r.json()["error"]["param"].as_str()), (400, Some("fault")));
    // Per-key job faults reach image jobs.
    assert_eq!(set(json!({"key": "sk-key-b1", "fault": "job=fail:nope"})).status, 200);
    let job = sb.post_json("/api/texttoimage/", Some("sk-key-b1"), r#"{"model":"amigo","prompt":"x"}"#).json();
    std::thread::sleep(Duration::from_millis(400));
    let st = sb.post_json("/api/texttoimage/jobs/", None, &job.to_string()).json();
    assert_eq!(st, json!({"status": "error", "message": "nope"}));
}

#[test]
fn client_abort_cancels_the_stream_server_side() {
    let sb = Sandbox::start(&["--tokens-per-second", "20"]);
    let body = chat_body("gpt-4o-mini", "a long answer please");
    let mut conn =
        sb.open("POST", "/api/chat-completions/", &[("Authorization", "Bearer sk-sandbox-demo")], body.as_bytes());
    let mut buf = [0u8; 4096];
    let n = conn.read(&mut buf).expect("reads the head and first chunks");
    assert!(n > 0);
    std::thread::sleep(Duration::from_millis(200));
    drop(conn);
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let s = sb.stats()["streams"].clone();
        if s["cancelled"] == 1 {
            assert_eq!((s["completed"].as_u64(), s["active"].as_u64()), (Some(0), Some(0)));
            break;
        }
        assert!(Instant::now() < deadline, "the server never noticed: {s}");
        std::thread::sleep(Duration::from_millis(50));
    }
    // Charged for the prompt and the few tokens sent, far below the whole answer.
    let spent = sb.balance(DEMO)["spent_nano_usd"].as_u64().expect("spent");
    assert!(spent > 0 && spent < 50 * 600, "{spent}");
}
