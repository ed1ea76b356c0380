//! Credit: exact charges by the price table, 402 when the worst case is not covered, and
//! the sandbox-only balance endpoint.

mod common;

use common::{chat_body, pct, Sandbox, DEMO};
use serde_json::json;

#[test]
fn completions_are_charged_exactly() {
    let sb = Sandbox::start(&[]);
    let before = sb.balance(DEMO);
    assert_eq!(before["balance_nano_usd"], 5_000_000_000u64);
    assert_eq!(before["balance_usd"], 5.0);
    assert_eq!(before["spent_nano_usd"], 0);
    assert!(before["key_id"].as_str().is_some_and(|id| id.starts_with("key_") && !id.contains("sk-")));

    let r = sb.chat(DEMO, &chat_body("gpt-4o", "price check"), None);
    let usage = r.usage();
    let (prompt, completion) =
        (usage["prompt_tokens"].as_u64().unwrap_or(0), usage["completion_tokens"].as_u64().unwrap_or(0));
    // gpt-4o: USD 2.50 / 10.00 per 1M tokens = 2500 / 10000 nano-USD per token.
    let cost = prompt * 2_500 + completion * 10_000;
    let after = sb.balance(DEMO);
    assert_eq!(after["spent_nano_usd"], cost);
    assert_eq!(after["balance_nano_usd"], 5_000_000_000 - cost);
    assert_eq!(after["requests"], 1);
    assert_eq!(after["held_nano_usd"], 0);

    // Reasoning tokens are billed as output.
    let body =
        json!({"model": "gpt-5-nano", "messages": [{"role": "user", "content": "hmm"}], "reasoning_effort": "medium"});
    let r = sb.post_with("/api/chat-completions/", Some(DEMO), &[("x-sandbox-reply", "ok")], &body.to_string());
    let usage = r.usage();
    let reasoning = usage["completion_tokens_details"]["reasoning_tokens"].as_u64().unwrap_or(0);
    assert!(reasoning > 0);
    assert_eq!(usage["completion_tokens"].as_u64(), Some(reasoning + 1));
    let cost2 = usage["prompt_tokens"].as_u64().unwrap_or(0) * 50 + (reasoning + 1) * 400;
    assert_eq!(sb.balance(DEMO)["spent_nano_usd"], cost + cost2);
}

#[test]
fn insufficient_credit_is_402_for_chat_and_images() {
    // USD 0.001 = 1,000,000 nano-USD.
    let sb = Sandbox::start(&["--key", "sk-poor-key=0.001", "--key", "sk-rich-key=10"]);
    // Worst case on gpt-5.5 with the default 1000 completion tokens: 1000 × 30000 nano-USD.
    let r = sb.chat("sk-poor-key", &chat_body("gpt-5.5", "hi"), None);
    assert_eq!(r.status, 402);
    let err = &r.json()["error"];
    assert_eq!(err["code"], "insufficient_credit");
    assert_eq!(err["type"], "insufficient_quota");
    assert!(err["message"].as_str().unwrap_or("").starts_with("insufficient credit: "), "{err}");

    // A small max_completion_tokens fits.
    let body =
        json!({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}], "max_completion_tokens": 50});
    assert_eq!(sb.chat("sk-poor-key", &body.to_string(), None).status, 200);

    // An image costs USD 0.0015, more than what is left.
    let img = json!({"model": "dreamshaper", "prompt": "a cat", "width": 256, "height": 256}).to_string();
    let r = sb.post_json("/api/texttoimage/", Some("sk-poor-key"), &img);
    assert_eq!(r.status, 402);
    let j = r.json();
    assert_eq!((j["status"].as_str(), j["jobid"].is_null(), j["signature"].is_null()), (Some("error"), true, true));
    assert!(j["message"].as_str().unwrap_or("").contains("insufficient credit"));

    let r = sb.post_json("/api/texttoimage/", Some("sk-rich-key"), &img);
    assert_eq!(r.status, 200);
    let b = sb.balance("sk-rich-key");
    assert_eq!((b["spent_nano_usd"].as_u64(), b["spent_usd"].as_f64()), (Some(1_500_000), Some(0.0015)));
    assert_eq!(b["balance_nano_usd"], 10_000_000_000u64 - 1_500_000);

    // The demo key does not exist when keys are given.
    assert_eq!(sb.chat(DEMO, &chat_body("gpt-4o-mini", "hi"), None).status, 401);
}

#[test]
fn balance_endpoint_needs_a_known_key() {
    let sb = Sandbox::start(&[]);
    assert_eq!(sb.get("/sandbox/balance", None).status, 401);
    assert_eq!(sb.get("/sandbox/balance", Some("sk-nope")).status, 401);
    assert_eq!(sb.get("/sandbox/balance", Some(DEMO)).status, 200);
}

#[test]
fn parallel_streams_cannot_overdraw() {
    // Each stream holds its worst case until it ends, so two at once cannot both pass.
    let sb = Sandbox::start(&["--key", "sk-key-k1=0.0007", "--tokens-per-second", "20"]);
    let body =
        json!({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}], "max_completion_tokens": 1000})
            .to_string();
    let reply = pct(&"word ".repeat(40));
    let first = sb.open(
        "POST",
        "/api/chat-completions/",
        &[("Authorization", "Bearer sk-key-k1"), ("x-sandbox-reply", &reply)],
        body.as_bytes(),
    );
    sb.wait_active_streams(1);
    assert_eq!(sb.chat("sk-key-k1", &body, None).status, 402);
    drop(first);
}

#[test]
fn keys_created_at_runtime_have_their_own_balance_and_faults() {
    let sb = Sandbox::start(&[]);
    let info = sb.get("/sandbox/info", None).json();
    assert_eq!(info["sandbox"], true);
    assert_eq!(info["demo_key"], DEMO);

    let r = sb.post_json(
        "/sandbox/keys",
        None,
        r#"{"key":"sk-test-new","balance_usd":0.5,"fault":"status=503; fail-times=1"}"#,
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(sb.balance("sk-test-new")["balance_nano_usd"], 500_000_000u64);
    // The key's own fault applies to it, once.
    assert_eq!(sb.chat("sk-test-new", &chat_body("gpt-4o-mini", "hi"), None).status, 503);
    assert_eq!(sb.chat("sk-test-new", &chat_body("gpt-4o-mini", "hi"), None).status, 200);
    // Other keys are untouched.
    assert_eq!(sb.balance(DEMO)["spent_nano_usd"], 0);

    for (body, field) in [
        (r#"{"key":"has space","balance_usd":1}"#, "key"),
        (r#"{"key":"","balance_usd":1}"#, "key"),
        // Issue 13: a one-character key blinded the log redaction; eight characters at least.
        (r#"{"key":"sk-1234","balance_usd":1}"#, "key"),
        (r#"{"key":"sk-xxxxxx","balance_usd":-1}"#, "balance_usd"),
        (r#"{"key":"sk-xxxxxx","balance_usd":1,"fault":"explode=1"}"#, "fault"),
    ] {
        let r = sb.post_json("/sandbox/keys", None, body);
        assert_eq!(r.status, 400, "{body}");
        assert_eq!(r.json()["error"]["param"], field, "{body}");
    }
}
