//! Chat completions against the real binary: framing byte for byte, usage, the generated
//! text, images for vision models, max_completion_tokens, reasoning, pacing.

mod common;

use std::time::Instant;

use common::{chat_body, pct, Sandbox, DEMO};
use serde_json::json;

#[test]
fn sse_framing_is_byte_exact_with_final_usage() {
    let sb = Sandbox::start(&[]);
    let r = sb.post_with(
        "/api/chat-completions/",
        Some(DEMO),
        &[("x-sandbox-reply", &pct("Hello, world!"))],
        &chat_body("gpt-4o-mini", "hi"),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("content-type"), Some("text/event-stream; charset=utf-8"));
    assert_eq!(r.header("x-accel-buffering"), Some("no"));
    assert_eq!(r.header("cache-control"), Some("no-cache"));
    assert_eq!(r.header("content-encoding"), None);
    assert!(r.complete);

    let first = &r.chunks_json()[0];
    let (id, created) = (first["id"].as_str().expect("id"), first["created"].as_u64().expect("created"));
    assert!(id.starts_with("chatcmpl-"));
    let prefix = format!(
        r#"{{"id":"{id}","object":"chat.completion.chunk","created":{created},"model":"gpt-4o-mini","service_tier":"default","system_fingerprint":"fp_sandbox","choices":"#
    );
    let event = |choices: &str, usage: &str| format!("data: {prefix}{choices},\"usage\":{usage}}}\n\n");
    let delta =
        |d: &str, finish: &str| format!(r#"[{{"index":0,"delta":{d},"logprobs":null,"finish_reason":{finish}}}]"#);
    let mut expected = event(&delta(r#"{"role":"assistant","content":""}"#, "null"), "null");
    for piece in ["Hello", ",", " world", "!"] {
        expected += &event(&delta(&json!({ "content": piece }).to_string(), "null"), "null");
    }
    expected += &event(&delta("{}", r#""stop""#), "null");
    // prompt: 3 + (4 + ceil(2 / 4)); completion: 4 pieces.
    expected += &event(
        "[]",
        r#"{"prompt_tokens":8,"completion_tokens":4,"total_tokens":12,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}"#,
    );
    expected += "data: [DONE]\n\n";
    assert_eq!(r.text(), expected);
}

#[test]
fn text_is_deterministic_varied_and_exercises_markdown() {
    let sb = Sandbox::start(&[]);
    let ask = |model: &str, prompt: &str| {
        let r = sb.chat(DEMO, &chat_body(model, prompt), None);
        assert_eq!(r.status, 200);
        r
    };
    let a = ask("gpt-4o-mini", "How do I bake sourdough bread?");
    let text = a.content();
    assert_eq!(text, ask("gpt-4o-mini", "How do I bake sourdough bread?").content());
    assert_ne!(text, ask("gpt-4o-mini", "How do I repair a bicycle?").content());
    assert_ne!(text, ask("gpt-4.1", "How do I bake sourdough bread?").content());
    assert!(text.contains("# ") && text.contains("```") && text.contains("|---|"), "{text}");
    assert!(text.contains("](https://") && text.contains("- "), "{text}");
    assert!(!text.is_ascii(), "non-ASCII text and emoji: {text}");
    assert!(text.contains("sandbox"), "says it is the sandbox");
    let usage = a.usage();
    let content_chunks = a.chunks_json().iter().filter(|c| c["choices"][0]["delta"]["content"].is_string()).count();
    // One content delta per token, the role chunk's empty content aside.
    assert_eq!(usage["completion_tokens"].as_u64(), Some(content_chunks as u64 - 1));
    assert_eq!(
        usage["total_tokens"].as_u64(),
        Some(usage["prompt_tokens"].as_u64().unwrap_or(0) + usage["completion_tokens"].as_u64().unwrap_or(0))
    );
    let finish: Vec<_> =
        a.chunks_json().iter().filter_map(|c| c["choices"][0]["finish_reason"].as_str().map(str::to_owned)).collect();
    assert_eq!(finish, ["stop"]);
}

#[test]
fn images_reach_vision_models_only() {
    let sb = Sandbox::start(&[]);
    let body = |model: &str| {
        json!({"model": model, "messages": [{"role": "user", "content": [
            {"type": "text", "text": "What is in this picture?"},
            {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo=", "detail": "low"}}
        ]}]})
        .to_string()
    };
    let r = sb.chat(DEMO, &body("gpt-4o-mini"), None);
    assert_eq!(r.status, 200);
    assert!(r.content().starts_with("I see 1 image"), "{}", r.content());
    // 3 + 4 + ceil(24 / 4) + 85 for a low-detail image.
    assert_eq!(r.usage()["prompt_tokens"], 98);

    let r = sb.chat(DEMO, &body("gpt-5.3-codex"), None);
    assert_eq!(r.status, 400);
    let err = &r.json()["error"];
    assert_eq!(err["param"], "messages[0].content[1].image_url");
    assert!(err["message"].as_str().unwrap_or("").contains("does not accept images"), "{err}");
}

#[test]
fn max_completion_tokens_ends_with_length() {
    let sb = Sandbox::start(&[]);
    let body = json!({"model": "gpt-4o", "messages": [{"role": "user", "content": "Tell me a long story"}], "max_completion_tokens": 5}).to_string();
    let r = sb.chat(DEMO, &body, None);
    assert_eq!(r.status, 200);
    let chunks = r.chunks_json();
    let contents = chunks.iter().filter(|c| c["choices"][0]["delta"]["content"].is_string()).count();
    assert_eq!(contents, 1 + 5, "role chunk plus five tokens");
    assert_eq!(chunks[chunks.len() - 2]["choices"][0]["finish_reason"], "length");
    assert_eq!(r.usage()["completion_tokens"], 5);
    assert_eq!(r.events().last().map(String::as_str), Some("[DONE]"));
}

#[test]
fn reasoning_tokens_are_reported_and_counted() {
    let sb = Sandbox::start(&[]);
    let ask = |model: &str, effort: Option<&str>| {
        let mut body = json!({"model": model, "messages": [{"role": "user", "content": "Plan a trip"}], "max_completion_tokens": 5000});
        if let Some(e) = effort {
            body["reasoning_effort"] = e.into();
        }
        let r = sb.chat(DEMO, &body.to_string(), None);
        assert_eq!(r.status, 200, "{}", r.text());
        r.usage()
    };
    let high = ask("gpt-5-mini", Some("high"));
    let reasoning = high["completion_tokens_details"]["reasoning_tokens"].as_u64().expect("reported");
    assert!((512..1024).contains(&reasoning), "{reasoning}");
    let low = ask("gpt-5.1", Some("low"))["completion_tokens_details"]["reasoning_tokens"].as_u64();
    assert!(low.is_some_and(|l| (64..128).contains(&l)));
    assert_eq!(ask("gpt-5.1", None)["completion_tokens_details"]["reasoning_tokens"], 0, "default none");
    assert_eq!(ask("gpt-5", Some("minimal"))["completion_tokens_details"]["reasoning_tokens"], 0);
    // Reasoning tokens are part of completion_tokens.
    assert!(high["completion_tokens"].as_u64().unwrap_or(0) > reasoning);

    let bad = sb.chat(
        DEMO,
        &json!({"model": "gpt-5", "messages": [{"role": "user", "content": "x"}], "reasoning_effort": "none"})
            .to_string(),
        None,
    );
    assert_eq!(bad.status, 400);
    assert_eq!(bad.json()["error"]["param"], "reasoning_effort");
}

#[test]
fn tokens_are_paced() {
    let sb = Sandbox::start(&["--tokens-per-second", "50"]);
    let started = Instant::now();
    // Ten pieces at 50 per second: at least 200 ms.
    let r = sb.post_with(
        "/api/chat-completions/",
        Some(DEMO),
        &[("x-sandbox-reply", &pct("one two three four five six seven eight nine ten"))],
        &chat_body("gpt-4o-mini", "count"),
    );
    let elapsed = started.elapsed();
    assert_eq!(r.content(), "one two three four five six seven eight nine ten");
    assert!(elapsed.as_millis() >= 190, "{elapsed:?}");
}
