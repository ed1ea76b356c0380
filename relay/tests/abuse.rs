//! The abuse suite: a real relay process in front of a real sandbox (the upstream), with a
//! real SQLite ledger. Every refusal is checked at the wire and at the upstream, which must
//! have seen nothing.

#[path = "common/cases.rs"]
mod cases;
mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::*;

const CHAT: &str = "/api/chat-completions/";

fn body() -> String {
    chat_body("gpt-4o-mini", "hi", Some(20))
}

#[test]
fn missing_wrong_and_revoked_tokens_are_401_and_never_reach_upstream() {
    let up = Upstream::start(&[]);
    let ledger = Ledger::sqlite();
    let relay = relay(&up, &ledger, &[]);
    let (name, token) = ledger.token(&[]);
    // Sent as a token: the upstream key itself, which the relay must not accept either.
    for (who, t) in [("none", None), ("wrong", Some("mtr_not-a-token")), ("upstream key", Some(UPSTREAM_KEY))] {
        let r = relay.post(CHAT, t, &body());
        assert_eq!(r.status, 401, "{who}: {}", r.text());
        assert_eq!(r.json()["error"]["type"], "authentication_error", "{who}");
        let r = relay.post("/api/texttoimage/", t, &image_body("dreamshaper", "a cat"));
        assert_eq!((r.status, r.json()["status"].as_str()), (401, Some("error")), "{who}");
        let r = relay.post("/api/texttoimage/jobs/", t, r#"{"jobid":"12345678","signature":"x"}"#);
        assert_eq!(r.status, 401, "{who}");
    }
    assert_eq!(relay.get("/api/info", Some("mtr_wrong")).status, 401);
    assert_eq!(relay.post(CHAT, Some(&token), &body()).status, 200, "the live token works");
    assert_eq!(up.api_requests(), 1);
    assert!(ledger.command(&["token", "revoke", &name]).contains("revoked"));
    let r = relay.post(CHAT, Some(&token), &body());
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["error"]["code"], "revoked_token");
    assert_eq!(up.api_requests(), 1, "the upstream saw only the one allowed request");
    let list = ledger.command(&["token", "list"]);
    assert!(list.contains(&name) && list.contains("revoked") && !list.contains(&token), "{list}");
    // The upstream key is in no answer and no log line.
    std::thread::sleep(Duration::from_millis(50));
    assert!(!relay.stderr.lock().expect("lock").contains(UPSTREAM_KEY));
}

#[test]
fn other_origins_are_refused_and_never_reach_upstream() {
    let up = Upstream::start(&[]);
    let ledger = Ledger::sqlite();
    let relay = relay(&up, &ledger, &["--allow-origin", "https://app.example"]);
    let (_, token) = ledger.token(&[]);
    let auth = format!("Bearer {token}");
    // A preflight from another page: refused, no CORS grant, no private-network grant.
    let r = relay.request(
        "OPTIONS",
        CHAT,
        &[
            ("Origin", "https://evil.example"),
            ("Access-Control-Request-Method", "POST"),
            ("Access-Control-Request-Headers", "authorization, content-type"),
            ("Access-Control-Request-Private-Network", "true"),
        ],
        b"",
    );
    assert_eq!(r.status, 403, "{}", r.text());
    assert_eq!(r.header("access-control-allow-origin"), None);
    assert_eq!(r.header("access-control-allow-private-network"), None);
    // A "simple" text/plain POST from another page (no preflight in a browser): refused.
    for ct in ["text/plain", "application/json"] {
        let r = relay.request(
            "POST",
            CHAT,
            &[("Origin", "https://evil.example"), ("Content-Type", ct), ("Authorization", &auth)],
            body().as_bytes(),
        );
        assert_eq!(r.status, 403, "{ct}: {}", r.text());
        assert_eq!(r.json()["error"]["code"], "cross_origin");
    }
    // Cross-site by the browser's own word, without Origin (a no-cors GET).
    let r = relay.request("GET", "/api/info", &[("Sec-Fetch-Site", "cross-site")], b"");
    assert_eq!(r.status, 403);
    // text/plain from the relay's own page: 415, still nothing upstream.
    let own = relay.origin();
    let r = relay.request(
        "POST",
        CHAT,
        &[("Origin", &own), ("Content-Type", "text/plain"), ("Authorization", &auth)],
        body().as_bytes(),
    );
    assert_eq!(r.status, 415, "{}", r.text());
    assert_eq!(up.api_requests(), 0, "the upstream saw nothing");
    // The listed origin: an exact grant, and its requests go through.
    let r = relay.request(
        "OPTIONS",
        CHAT,
        &[
            ("Origin", "https://app.example"),
            ("Access-Control-Request-Method", "POST"),
            ("Access-Control-Request-Private-Network", "true"),
        ],
        b"",
    );
    assert_eq!(r.status, 204);
    assert_eq!(r.header("access-control-allow-origin"), Some("https://app.example"));
    assert_eq!(r.header("access-control-allow-private-network"), None);
    let r = relay.request(
        "POST",
        CHAT,
        &[("Origin", "https://app.example"), ("Content-Type", "application/json"), ("Authorization", &auth)],
        body().as_bytes(),
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.header("access-control-allow-origin"), Some("https://app.example"));
    // Same origin: no CORS headers needed or given.
    let r = relay.request(
        "POST",
        CHAT,
        &[("Origin", &own), ("Content-Type", "application/json"), ("Authorization", &auth)],
        body().as_bytes(),
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.header("access-control-allow-origin"), None);
    assert_eq!(up.api_requests(), 2);
}

#[test]
fn foreign_hosts_are_refused() {
    let up = Upstream::start(&[]);
    let ledger = Ledger::sqlite();
    let relay = relay(&up, &ledger, &["--host", "relay.example"]);
    let (_, token) = ledger.token(&[]);
    let auth = format!("Bearer {token}");
    for path in ["/", "/api/info", CHAT] {
        let method = if path == CHAT { "POST" } else { "GET" };
        let r = relay.request(
            method,
            path,
            &[("Host", "attacker.example"), ("Content-Type", "application/json"), ("Authorization", &auth)],
            if path == CHAT { body().into_bytes() } else { vec![] }.as_slice(),
        );
        assert_eq!(r.status, 421, "{path}: {}", r.text());
    }
    assert_eq!(up.api_requests(), 0);
    let r = relay.request("GET", "/api/info", &[("Host", "relay.example:443")], b"");
    assert_eq!(r.status, 200, "a configured name");
    let r = relay.request("GET", "/api/info", &[("Host", "localhost")], b"");
    assert_eq!(r.status, 200, "loopback names on a loopback bind");
}

#[test]
fn models_caps_sizes_and_content_types_are_checked_before_upstream() {
    let up = Upstream::start(&[]);
    let ledger = Ledger::sqlite();
    let relay = relay(&up, &ledger, &["--max-prompt-chars", "100", "--max-body-bytes", "20000"]);
    let (_, token) = ledger.token(&["--models", "gpt-4o-mini,dreamshaper", "--max-completion-tokens", "50"]);
    let t = Some(token.as_str());
    let r = relay.post(CHAT, t, &chat_body("gpt-4o", "hi", None));
    assert_eq!(r.status, 400);
    let e = &r.json()["error"];
    assert_eq!(e["param"], "model");
    assert!(e["message"].as_str().is_some_and(|m| m.contains("gpt-4o-mini, dreamshaper")), "{e}");
    let r = relay.post("/api/texttoimage/", t, &image_body("realvision", "a cat"));
    assert_eq!((r.status, r.json()["param"].as_str()), (400, Some("model")));
    let r = relay.post(CHAT, t, &chat_body("gpt-4o-mini", "hi", Some(51)));
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error"]["param"], "max_completion_tokens");
    assert!(r.text().contains("allows 1 to 50 (got 51)"), "{}", r.text());
    let long = "x".repeat(101);
    let r = relay.post("/api/texttoimage/", t, &image_body("dreamshaper", &long));
    assert_eq!((r.status, r.json()["param"].as_str()), (400, Some("prompt")));
    assert!(r.text().contains("at most 100 characters") && r.text().contains("got 101"), "{}", r.text());
    let neg = serde_json::json!({ "model": "dreamshaper", "prompt": "a cat", "negativePrompt": long }).to_string();
    let r = relay.post("/api/texttoimage/", t, &neg);
    assert_eq!((r.status, r.json()["param"].as_str()), (400, Some("negativePrompt")));
    let r = relay.post(CHAT, t, &chat_body("gpt-4o-mini", &"y".repeat(30_000), None));
    assert_eq!(r.status, 413, "{}", r.text());
    let r = relay.post(CHAT, t, "{not json");
    assert_eq!(r.status, 400);
    let r = relay.post(CHAT, t, r#"{"model":"gpt-4o-mini","messages":[],"temperature":9}"#);
    assert_eq!(r.status, 400);
    assert_eq!(up.api_requests(), 0, "nothing above reached the upstream");
    // With no max_completion_tokens, the token's cap is what is sent (and billed at most).
    let r = relay.post(CHAT, t, &chat_body("gpt-4o-mini", "Tell me everything about the sea.", None));
    assert_eq!(r.status, 200);
    assert!(r.usage()["completion_tokens"].as_u64().is_some_and(|c| c <= 50), "{}", r.usage());
}

#[test]
fn answers_carry_security_headers_and_upstream_html_becomes_json() {
    let up = Upstream::start(&[]);
    let ledger = Ledger::sqlite();
    let dir = tempfile::tempdir().expect("dir");
    std::fs::write(dir.path().join("index.html"), "<!DOCTYPE html><title>app</title>").expect("write");
    let static_dir = dir.path().display().to_string();
    let relay = relay(&up, &ledger, &["--static-dir", &static_dir]);
    let (_, token) = ledger.token(&[]);
    let page = relay.get("/", None);
    assert_eq!(page.status, 200);
    assert!(page.text().contains("<title>app</title>"));
    let api = relay.get("/api/info", None);
    for r in [&page, &api] {
        assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(r.header("x-frame-options"), Some("DENY"));
        assert!(r.header("content-security-policy").is_some_and(|c| c.contains("frame-ancestors 'none'")));
    }
    assert_eq!(api.header("content-security-policy"), Some("default-src 'none'; frame-ancestors 'none'"));
    let info = api.json();
    assert_eq!((info["relay"].as_bool(), info["token"].is_null()), (Some(true), true), "{info}");
    // The upstream answers with an HTML error page: the relay sends a JSON error instead.
    up.set_fault("status=500; body=html");
    let r = relay.post(CHAT, Some(&token), &body());
    assert_eq!(r.status, 502, "{}", r.text());
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.json()["error"]["code"], "upstream_not_json");
    assert!(!r.text().contains("<html"));
    let i = settled(&relay, &token);
    assert_eq!(i["spent_nano_usd"], 0, "a refused request costs nothing");
}

#[test]
fn info_shows_the_remaining_budget() {
    let up = Upstream::start(&[]);
    let ledger = Ledger::sqlite();
    let relay = relay(&up, &ledger, &[]);
    let (name, token) = ledger.token(&["--budget-usd", "2.5", "--per", "day", "--rpm", "30", "--models", "gpt-4o"]);
    let i = info(&relay, &token);
    assert_eq!(i["name"], name.as_str());
    assert_eq!(i["budget_nano_usd"], 2_500_000_000u64);
    assert_eq!(i["remaining_nano_usd"], 2_500_000_000u64);
    assert_eq!(i["per"], "day");
    assert_eq!(i["models"], serde_json::json!(["gpt-4o"]));
    let r = relay.post(CHAT, Some(&token), &chat_body("gpt-4o", "hi", Some(20)));
    let billed = r.usage();
    let cost = billed["prompt_tokens"].as_u64().expect("p") * 2_500
        + billed["completion_tokens"].as_u64().expect("c") * 10_000;
    let i = settled(&relay, &token);
    assert_eq!(i["spent_nano_usd"].as_u64(), Some(cost));
    assert_eq!(i["remaining_nano_usd"].as_u64(), Some(2_500_000_000 - cost));
    let usage = ledger.command(&["usage", "--name", &name]);
    let line = usage.lines().nth(1).expect("a usage line");
    assert!(line.contains(&format!("\t{name}\t1\t0\t")) && line.contains(&format!("\t{cost}\t0\t")), "{usage}");
}

#[test]
fn slow_headers_idle_connections_and_too_many_connections_are_cut() {
    let up = Upstream::start(&[]);
    let ledger = Ledger::sqlite();
    let relay = relay(&up, &ledger, &["--header-timeout-ms", "400", "--max-connections", "3"]);
    let closed_within = |mut s: TcpStream, limit: Duration| {
        s.set_read_timeout(Some(Duration::from_secs(5))).expect("timeout");
        let started = Instant::now();
        let mut buf = [0u8; 1024];
        loop {
            match s.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(_) => continue,
            }
        }
        let took = started.elapsed();
        assert!(took < limit, "the connection stayed open {took:?}");
    };
    // Half a request head, then silence.
    let mut slow = TcpStream::connect(&relay.addr).expect("connects");
    slow.write_all(b"GET /api/info HTTP/1.1\r\nHost: 127.0.0.1\r\n").expect("writes");
    closed_within(slow, Duration::from_secs(2));
    // An idle keep-alive connection after one answer.
    let mut idle = TcpStream::connect(&relay.addr).expect("connects");
    idle.write_all(format!("GET /api/info HTTP/1.1\r\nHost: {}\r\n\r\n", relay.addr).as_bytes()).expect("writes");
    closed_within(idle, Duration::from_secs(2));
    // Three open connections fill the cap; the fourth is closed at once.
    let held: Vec<TcpStream> = (0..3).map(|_| TcpStream::connect(&relay.addr).expect("connects")).collect();
    std::thread::sleep(Duration::from_millis(100));
    let extra = TcpStream::connect(&relay.addr).expect("the kernel accepts");
    closed_within(extra, Duration::from_millis(300));
    drop(held);
}

#[test]
fn sqlite_budget_holds_under_concurrency() {
    cases::budget_holds_under_concurrency(&Ledger::sqlite());
}

#[test]
fn sqlite_budget_holds_across_two_replicas() {
    cases::budget_holds_across_two_replicas(&Ledger::sqlite());
}

#[test]
fn sqlite_stopped_and_broken_streams_are_settled() {
    cases::stopped_and_broken_streams_are_settled(&Ledger::sqlite());
}

#[test]
fn sqlite_rate_limit() {
    cases::rate_limit(&Ledger::sqlite());
}

#[test]
fn sqlite_restart_keeps_spend() {
    cases::restart_keeps_spend(&Ledger::sqlite());
}

#[test]
fn upstream_refusals_keep_retry_after_cost_nothing_and_jobs_poll_through() {
    let up = Upstream::start(&[]);
    let ledger = Ledger::sqlite();
    let relay = relay(&up, &ledger, &[]);
    let (_, token) = ledger.token(&["--budget-usd", "1", "--per", "day"]);
    let t = Some(token.as_str());
    // An image job, polled to its end through the relay with the relay token.
    let job = relay.post("/api/texttoimage/", t, &image_body("dreamshaper", "a lighthouse"));
    assert_eq!(job.status, 200, "{}", job.text());
    let ticket = job.json();
    assert_eq!(ticket["status"], "success");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let s = relay.post("/api/texttoimage/jobs/", t, &ticket.to_string());
        assert_eq!(s.status, 200, "{}", s.text());
        if s.json()["status"] == "success" {
            assert!(s.json()["image_url"].as_str().is_some_and(|u| u.ends_with(".png")));
            break;
        }
        assert!(Instant::now() < deadline, "the job never ended");
        std::thread::sleep(Duration::from_millis(50));
    }
    let i = settled(&relay, &token);
    assert_eq!(i["spent_nano_usd"], 1_500_000u64, "one image at USD 0.0015");
    // The upstream's own 429: passed back with its Retry-After, and not charged.
    up.set_fault("status=429; retry-after=3");
    let r = relay.post(CHAT, t, &body());
    assert_eq!(r.status, 429, "{}", r.text());
    assert_eq!(r.header("retry-after"), Some("3"));
    let r = relay.post("/api/texttoimage/", t, &image_body("dreamshaper", "another"));
    assert_eq!(r.status, 429);
    let i = settled(&relay, &token);
    assert_eq!(i["spent_nano_usd"], 1_500_000u64);
    assert_eq!(i["spent_nano_usd"].as_u64(), Some(up.billed()));
}

#[test]
fn a_refused_upstream_key_is_a_502_that_never_shows_the_key() {
    let up = Upstream::start(&[]);
    let ledger = Ledger::sqlite();
    let bad_key = "sk-relay-operator-typo-0123456789";
    let relay = relay_with_key(&up, &ledger, bad_key, &[]);
    let (_, token) = ledger.token(&[]);
    let r = relay.post(CHAT, Some(&token), &body());
    assert_eq!(r.status, 502, "not a 401 that would blame the caller's token: {}", r.text());
    assert_eq!(r.json()["error"]["code"], "upstream_refused_key");
    let r2 = relay.post("/api/texttoimage/", Some(&token), &image_body("dreamshaper", "a cat"));
    assert_eq!((r2.status, r2.json()["status"].as_str()), (502, Some("error")));
    std::thread::sleep(Duration::from_millis(50));
    for text in [r.text(), r2.text(), relay.stderr.lock().expect("lock").clone()] {
        assert!(!text.contains(bad_key), "{text}");
    }
    assert_eq!(settled(&relay, &token)["spent_nano_usd"], 0);
}

#[test]
fn a_client_leaving_before_the_upstream_answers_leaves_nothing_reserved() {
    let up = Upstream::start(&[]);
    let ledger = Ledger::sqlite();
    let relay = relay(&up, &ledger, &[]);
    let (_, token) = ledger.token(&["--budget-usd", "1", "--per", "day"]);
    up.set_fault("stall-before-ms=3000");
    let auth = format!("Bearer {token}");
    let conn =
        relay.open("POST", CHAT, &[("Content-Type", "application/json"), ("Authorization", &auth)], body().as_bytes());
    // Wait until the request has reached the upstream (a reservation alone is not enough:
    // leaving before the relay sent it upstream rightly costs nothing), then hang up.
    let deadline = Instant::now() + Duration::from_secs(5);
    while up.api_requests() == 0 {
        assert!(Instant::now() < deadline, "never sent upstream");
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(info(&relay, &token)["reserved_nano_usd"].as_u64() > Some(0), "reserved while upstream");
    drop(conn);
    let started = Instant::now();
    let i = settled(&relay, &token);
    assert!(started.elapsed() < Duration::from_secs(2), "settled when the client left, not when the upstream answered");
    // A conservative guess: the prompt estimate, never more than the worst case.
    let spent = i["spent_nano_usd"].as_u64().expect("spent");
    assert!(spent > 0 && spent < 20 * 600, "{spent}");
}
