//! The ledger cases, run against each store (SQLite in `abuse.rs`, PostgreSQL in
//! `postgres.rs`): budgets under concurrency, settling stopped and broken streams, rate
//! limits, and spend that survives a restart.

use std::io::Read;
use std::time::{Duration, Instant};

use super::common::*;

/// N concurrent chats cannot overspend: at most the budget is ever spent or reserved, some
/// are refused with 402 and the remaining budget, and the ledger equals what the upstream
/// billed to the nano-dollar.
pub fn budget_holds_under_concurrency(ledger: &Ledger) {
    let up = Upstream::start(&["--tokens-per-second", "400"]);
    let relay = relay(&up, ledger, &[]);
    // gpt-4o-mini, max 200 tokens: the worst case is (3 + 4 + ceil(len/3)) × 150 + 200 × 600
    // nano-USD, about 0.000124 USD; the budget holds four.
    let (_, token) = ledger.token(&["--budget-usd", "0.0005", "--per", "total"]);
    let body = chat_body("gpt-4o-mini", "Tell me a story about a lighthouse.", Some(200));
    let worst = (3 + 4 + "Tell me a story about a lighthouse.".len().div_ceil(3) as u64) * 150 + 200 * 600;
    let n = 16;
    let results: Vec<Resp> = std::thread::scope(|s| {
        let handles: Vec<_> =
            (0..n).map(|_| s.spawn(|| relay.post("/api/chat-completions/", Some(&token), &body))).collect();
        handles.into_iter().map(|h| h.join().expect("thread")).collect()
    });
    let ok = results.iter().filter(|r| r.status == 200).count();
    let refused: Vec<&Resp> = results.iter().filter(|r| r.status == 402).collect();
    assert_eq!(ok + refused.len(), n, "only 200 and 402: {:?}", results.iter().map(|r| r.status).collect::<Vec<_>>());
    assert!(ok >= 4, "the budget covers at least four worst cases at once (ok {ok})");
    assert!(!refused.is_empty(), "sixteen cannot all fit");
    for r in &refused {
        let e = &r.json()["error"];
        assert_eq!(e["code"], "budget_exceeded");
        assert_eq!(e["type"], "insufficient_quota");
        assert!(e["remaining_nano_usd"].as_u64().is_some_and(|x| x < worst), "{e}");
        assert!(e["message"].as_str().is_some_and(|m| m.contains("left of its $0.0005")), "{e}");
    }
    for r in results.iter().filter(|r| r.status == 200) {
        assert!(r.usage()["completion_tokens"].as_u64().is_some(), "a complete stream: {}", r.text());
    }
    let i = settled(&relay, &token);
    let spent = i["spent_nano_usd"].as_u64().expect("spent");
    assert!(spent <= 500_000, "never more than the budget: {spent}");
    assert_eq!(spent, up.billed(), "the ledger equals the upstream's billing to the nano-dollar");
    assert_eq!(i["remaining_nano_usd"].as_u64(), Some(500_000 - spent));
    assert_eq!(up.api_requests(), ok as u64, "refused requests never reached the upstream");
}

/// Two relay replicas on one ledger (as behind a load balancer): concurrent requests split
/// between them still cannot overspend, and the ledger still equals the upstream's billing.
pub fn budget_holds_across_two_replicas(ledger: &Ledger) {
    let up = Upstream::start(&["--tokens-per-second", "400"]);
    let a = relay(&up, ledger, &[]);
    let b = relay(&up, ledger, &[]);
    let (_, token) = ledger.token(&["--budget-usd", "0.0005", "--per", "total"]);
    let body = chat_body("gpt-4o-mini", "Tell me a story about a lighthouse.", Some(200));
    let results: Vec<Resp> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..16)
            .map(|i| {
                let (relay, body, token) = (if i % 2 == 0 { &a } else { &b }, &body, &token);
                s.spawn(move || relay.post("/api/chat-completions/", Some(token), body))
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("thread")).collect()
    });
    let ok = results.iter().filter(|r| r.status == 200).count();
    assert!(results.iter().all(|r| r.status == 200 || r.status == 402));
    assert!((4..16).contains(&ok), "ok {ok}");
    let spent = settled(&a, &token)["spent_nano_usd"].as_u64().expect("spent");
    assert!(spent <= 500_000, "never more than the budget: {spent}");
    assert_eq!(settled(&b, &token)["spent_nano_usd"].as_u64(), Some(spent), "both replicas read one ledger");
    assert_eq!(spent, up.billed(), "the ledger equals the upstream's billing to the nano-dollar");
    assert_eq!(up.api_requests(), ok as u64);
}

/// A chat the client stops, and one the upstream breaks, are settled (nothing stays
/// reserved), charged more than nothing and at most their worst case.
pub fn stopped_and_broken_streams_are_settled(ledger: &Ledger) {
    let up = Upstream::start(&["--tokens-per-second", "20"]);
    let relay = relay(&up, ledger, &[]);
    let (_, token) = ledger.token(&["--budget-usd", "1", "--per", "day"]);
    let body = chat_body("gpt-4o", "Write a long essay about rivers, please.", Some(300));
    let worst = (3 + 4 + "Write a long essay about rivers, please.".len().div_ceil(3) as u64) * 2_500 + 300 * 10_000;

    // Stopped: read the first events, then hang up.
    let auth = format!("Bearer {token}");
    let mut conn = relay.open(
        "POST",
        "/api/chat-completions/",
        &[("Content-Type", "application/json"), ("Authorization", &auth)],
        body.as_bytes(),
    );
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = Instant::now() + Duration::from_secs(10);
    while seen.windows(8).filter(|w| w == b"content\"").count() < 4 {
        let n = conn.read(&mut buf).expect("reads");
        assert!(n > 0 && Instant::now() < deadline, "the stream ended early");
        seen.extend_from_slice(&buf[..n]);
    }
    drop(conn);
    let i = settled(&relay, &token);
    let stopped = i["spent_nano_usd"].as_u64().expect("spent");
    assert!(stopped > 0 && stopped < worst, "stopped: charged {stopped}, worst {worst}");
    let deadline = Instant::now() + Duration::from_secs(5);
    while up.streams()["cancelled"] != 1 {
        assert!(Instant::now() < deadline, "the upstream stream was not cancelled: {}", up.streams());
        std::thread::sleep(Duration::from_millis(20));
    }

    // Broken: the upstream drops the connection after a few events.
    up.set_fault("drop-after=5");
    let r = relay.post("/api/chat-completions/", Some(&token), &body);
    assert_eq!(r.status, 200);
    assert!(!r.text().contains("[DONE]"), "the stream broke: {}", r.text());
    let i = settled(&relay, &token);
    let broken = i["spent_nano_usd"].as_u64().expect("spent") - stopped;
    assert!(broken > 0 && broken < worst, "broken: charged {broken}, worst {worst}");
    assert_eq!(up.streams()["cut"], 1);
    let usage = ledger.command(&["usage"]);
    assert!(usage.lines().count() >= 2, "{usage}");
}

/// The token's requests per minute: the next one is 429 with Retry-After, and it never
/// reaches the upstream.
pub fn rate_limit(ledger: &Ledger) {
    let up = Upstream::start(&[]);
    let relay = relay(&up, ledger, &[]);
    let (_, token) = ledger.token(&["--rpm", "2"]);
    let body = chat_body("gpt-4o-mini", "hi", Some(20));
    for _ in 0..2 {
        assert_eq!(relay.post("/api/chat-completions/", Some(&token), &body).status, 200);
    }
    let r = relay.post("/api/chat-completions/", Some(&token), &body);
    assert_eq!(r.status, 429, "{}", r.text());
    let wait: u64 = r.header("retry-after").and_then(|v| v.parse().ok()).expect("Retry-After in seconds");
    assert!((1..=60).contains(&wait), "{wait}");
    assert_eq!(r.json()["error"]["code"], "rate_limited");
    let r = relay.post("/api/texttoimage/", Some(&token), &image_body("dreamshaper", "a cat"));
    assert_eq!(r.status, 429, "images count too: {}", r.text());
    assert_eq!(r.json()["status"], "error", "in the image endpoint's own shape");
    assert_eq!(up.api_requests(), 2);
}

/// A crash (SIGKILL) and a restart on the same ledger keep the spend, and the budget.
pub fn restart_keeps_spend(ledger: &Ledger) {
    let up = Upstream::start(&[]);
    let mut first = relay(&up, ledger, &[]);
    let (_, token) = ledger.token(&["--budget-usd", "0.01", "--per", "month", "--max-images-per-day", "1"]);
    assert_eq!(first.post("/api/chat-completions/", Some(&token), &chat_body("gpt-4o", "hello", Some(50))).status, 200);
    let r = first.post("/api/texttoimage/", Some(&token), &image_body("dreamshaper", "a lighthouse"));
    assert_eq!(r.status, 200, "{}", r.text());
    let before = settled(&first, &token);
    first.kill();
    let second = relay(&up, ledger, &[]);
    let after = settled(&second, &token);
    assert_eq!(after["spent_nano_usd"], before["spent_nano_usd"]);
    assert_eq!(after["spent_nano_usd"].as_u64(), Some(up.billed()));
    let r = second.post("/api/texttoimage/", Some(&token), &image_body("dreamshaper", "another"));
    assert_eq!(r.status, 429, "the day's one image was used before the restart: {}", r.text());
}
