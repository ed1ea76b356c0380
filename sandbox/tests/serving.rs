//! Serving: auth, hostile bodies, CORS, admin endpoints, limits, static files, stats, logs, shutdown.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use common::{chat_body, Sandbox, DEMO};
use serde_json::json;

#[test]
fn missing_or_unknown_keys_are_401() {
    let sb = Sandbox::start(&[]);
    let r = sb.post_json("/api/chat-completions/", None, &chat_body("gpt-4o-mini", "hi"));
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["error"]["code"], "missing_api_key");
    let r = sb.post_json("/api/chat-completions/", Some("sk-wrong-123"), &chat_body("gpt-4o-mini", "hi"));
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["error"]["code"], "invalid_api_key");
    assert!(!r.text().contains("sk-wrong-123"), "the key is not echoed");
    let r = sb.request("POST", "/api/chat-completions/", &[("Authorization", "Basic abc")], b"{}");
    assert_eq!(r.status, 401);
    // Auth comes before validation, as with the real service.
    assert_eq!(sb.post_json("/api/chat-completions/", None, "garbage").status, 401);
    // Documented paths end with a slash; the bare ones work too.
    let r = sb.post_json("/api/chat-completions", Some(DEMO), &chat_body("gpt-4o-mini", "hi"));
    assert_eq!(r.status, 200);
    // Every answer says it comes from the sandbox.
    assert!(r.header("x-minitoolai-sandbox").is_some());
}

#[test]
fn concurrent_streams_and_jobs_are_bounded() {
    let sb = Sandbox::start(&[
        "--max-streams",
        "1",
        "--max-jobs",
        "1",
        "--tokens-per-second",
        "20",
        "--job-latency-ms",
        "60000",
    ]);
    let body = chat_body("gpt-4o-mini", "hi");
    let first =
        sb.open("POST", "/api/chat-completions/", &[("Authorization", "Bearer sk-sandbox-demo")], body.as_bytes());
    sb.wait_active_streams(1);
    let r = sb.chat(DEMO, &body, None);
    assert_eq!(r.status, 429);
    assert_eq!(r.json()["error"]["code"], "too_many_streams");
    drop(first);
    sb.wait_active_streams(0);
    let short = sb.post_with("/api/chat-completions/", Some(DEMO), &[("x-sandbox-reply", "ok")], &body);
    assert_eq!(short.status, 200, "the slot is free again");

    let img = r#"{"model":"amigo","prompt":"x","width":256,"height":256}"#;
    assert_eq!(sb.post_json("/api/texttoimage/", Some(DEMO), img).status, 200);
    let r = sb.post_json("/api/texttoimage/", Some(DEMO), img);
    assert_eq!(r.status, 429);
    assert_eq!(r.json()["status"], "error");
}

#[test]
fn validation_errors_name_the_field() {
    let sb = Sandbox::start(&[]);
    for (body, param, words) in [
        (json!({"model": "gpt-9", "messages": [{"role": "user", "content": "x"}]}), "model", "unknown chat model"),
        (json!({"model": "gpt-4o", "messages": []}), "messages", "at least one"),
        (
            json!({"model": "gpt-4o", "messages": [{"role": "user", "content": "x"}], "temperature": 2.5}),
            "temperature",
            "between 0 and 2",
        ),
        (
            json!({"model": "gpt-4o", "messages": [{"role": "user", "content": "x"}], "temperature": "hot"}),
            "temperature",
            "invalid type",
        ),
        (
            json!({"model": "gpt-4o", "messages": [{"role": "user", "content": "x"}], "max_completion_tokens": 0}),
            "max_completion_tokens",
            "at least 1",
        ),
        (
            json!({"model": "gpt-4o", "messages": [{"role": "user", "content": "x"}], "reasoning_effort": "low"}),
            "reasoning_effort",
            "does not take",
        ),
        (
            json!({"model": "gpt-4o", "messages": [{"role": "robot", "content": "x"}]}),
            "messages[0].role",
            "unknown variant",
        ),
        (json!({"messages": []}), "model", "missing field"),
    ] {
        let r = sb.post_json("/api/chat-completions/", Some(DEMO), &body.to_string());
        assert_eq!(r.status, 400, "{body}");
        let err = &r.json()["error"];
        assert_eq!(err["param"], param, "{err}");
        assert_eq!(err["type"], "invalid_request_error");
        let message = err["message"].as_str().unwrap_or("");
        assert!(message.starts_with(param) && message.contains(words), "{message}");
    }
    assert_eq!(sb.balance(DEMO)["spent_nano_usd"], 0);
}

#[test]
fn garbage_and_oversized_bodies_are_4xx_and_the_server_keeps_serving() {
    let sb = Sandbox::start(&["--max-body-bytes", "4096"]);
    let post = |path: &str, body: &[u8]| {
        sb.request(
            "POST",
            path,
            &[("Authorization", "Bearer sk-sandbox-demo"), ("Content-Type", "application/json")],
            body,
        )
    };
    let deep = "[".repeat(100_000);
    let garbage: Vec<Vec<u8>> = vec![
        b"".to_vec(),
        b"not json".to_vec(),
        b"\xff\xfe\x00garbage".to_vec(),
        b"[1,2,3]".to_vec(),
        b"{\"model\":".to_vec(),
        b"null".to_vec(),
        deep.into_bytes(),
        vec![b'x'; 5000],
    ];
    for path in ["/api/chat-completions/", "/api/texttoimage/", "/api/texttoimage/jobs/"] {
        for body in &garbage {
            let r = post(path, body);
            assert!((400..500).contains(&r.status), "{path} {} -> {}", body.len(), r.status);
            assert!(r.header("content-type").is_some_and(|c| c.contains("json")), "{path}: JSON error");
        }
    }
    let big = json!({"model": "gpt-4o", "messages": [{"role": "user", "content": "x".repeat(10_000)}]}).to_string();
    let r = post("/api/chat-completions/", big.as_bytes());
    assert_eq!(r.status, 413);
    assert_eq!(r.json()["error"]["code"], "body_too_large");

    // Raw junk on a socket, and a connection closed mid-request.
    for junk in [
        &b"\x00\x01\x02 hello\r\n\r\n"[..],
        b"GET / HTTP/9.9\r\n\r\n",
        b"POST /api/chat-completions/ HTTP/1.1\r\nContent-Length: 100\r\n\r\n{",
    ] {
        let mut s = TcpStream::connect(&sb.addr).expect("connects");
        s.set_read_timeout(Some(Duration::from_secs(2))).expect("timeout");
        let _ = s.write_all(junk);
        let _ = s.shutdown(std::net::Shutdown::Write);
        let mut out = Vec::new();
        let _ = s.read_to_end(&mut out);
    }
    let r = sb.chat(DEMO, &chat_body("gpt-4o-mini", "still there?"), None);
    assert_eq!(r.status, 200);
    assert!(r.complete);
    assert_eq!(sb.get("/api/nope", None).status, 404);
    assert_eq!(sb.request("GET", "/api/chat-completions/", &[], b"").status, 405);
}

#[test]
fn cors_preflight_and_exposed_headers() {
    let sb = Sandbox::start(&[]);
    let r = sb.request(
        "OPTIONS",
        "/api/chat-completions/",
        &[
            ("Origin", "http://localhost:8080"),
            ("Access-Control-Request-Method", "POST"),
            ("Access-Control-Request-Headers", "authorization,content-type,x-sandbox-fault,x-sandbox-reply"),
        ],
        b"",
    );
    assert!(r.status == 200 || r.status == 204, "{}", r.status);
    assert_eq!(r.header("access-control-allow-origin"), Some("*"));
    let allowed = r.header("access-control-allow-headers").unwrap_or("").to_ascii_lowercase();
    for h in ["authorization", "content-type", "x-sandbox-fault", "x-sandbox-reply"] {
        assert!(allowed.contains(h), "{allowed}");
    }
    let r = sb.request(
        "POST",
        "/api/chat-completions/",
        &[("Origin", "http://localhost:8080"), ("x-sandbox-fault", "status=429; retry-after=1")],
        b"{}",
    );
    assert_eq!(r.status, 429);
    assert_eq!(r.header("access-control-allow-origin"), Some("*"));
    let exposed = r.header("access-control-expose-headers").unwrap_or("").to_ascii_lowercase();
    assert!(exposed.contains("retry-after") && exposed.contains("retry-after-ms"), "{exposed}");

    let sb = Sandbox::start(&["--allow-origin", "http://app.test"]);
    let preflight = |origin: &str| {
        sb.request(
            "OPTIONS",
            "/api/texttoimage/",
            &[
                ("Origin", origin),
                ("Access-Control-Request-Method", "POST"),
                ("Access-Control-Request-Headers", "authorization"),
            ],
            b"",
        )
    };
    assert_eq!(preflight("http://app.test").header("access-control-allow-origin"), Some("http://app.test"));
    assert_eq!(preflight("http://evil.test").header("access-control-allow-origin"), None);
}

#[test]
fn serves_the_app_with_spa_fallback() {
    let dir = std::env::temp_dir().join(format!("minitoolai-sandbox-static-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("assets")).expect("temp dir");
    std::fs::write(dir.join("index.html"), "<!doctype html><title>app</title>").expect("write");
    std::fs::write(dir.join("assets/app.js"), "console.log(1)").expect("write");
    let sb = Sandbox::start(&["--static-dir", dir.to_str().expect("utf-8 path")]);
    let index = sb.get("/", None);
    assert_eq!((index.status, index.text().contains("<title>app</title>")), (200, true));
    let route = sb.get("/chat/42", None);
    assert_eq!((route.status, route.text().contains("<title>app</title>")), (200, true));
    let js = sb.get("/assets/app.js", None);
    assert_eq!(js.status, 200);
    assert!(js.header("content-type").is_some_and(|c| c.contains("javascript")));
    assert_eq!(sb.get("/assets/missing.js", None).status, 404);
    assert!(!sb.get("/../../etc/passwd", None).text().contains("root:"));
    assert_eq!(sb.chat(DEMO, &chat_body("gpt-4o-mini", "same origin"), None).status, 200);
    let _ = std::fs::remove_dir_all(&dir);

    let plain = Sandbox::start(&[]);
    let landing = plain.get("/", None);
    assert_eq!(landing.status, 200);
    assert!(landing.text().contains("not the real service"));
}

#[test]
fn stats_count_requests_and_reset() {
    let sb = Sandbox::start(&["--key", "sk-key-s1=1"]);
    for _ in 0..3 {
        sb.chat("sk-key-s1", &chat_body("gpt-4o-mini", "hi"), None);
    }
    sb.post_json("/api/chat-completions/", None, "{}");
    let s = sb.stats();
    let chat = &s["endpoints"]["chat-completions"];
    assert_eq!(chat["requests"], 4);
    assert_eq!((chat["statuses"]["200"].as_u64(), chat["statuses"]["401"].as_u64()), (Some(3), Some(1)));
    let recent = chat["recent_ms"].as_array().expect("timestamps");
    assert_eq!(recent.len(), 4);
    assert!(recent.windows(2).all(|w| w[0].as_u64() <= w[1].as_u64()));
    let by_key = s["by_key"].as_object().expect("by key");
    assert_eq!(by_key.len(), 1);
    assert!(by_key.keys().all(|k| k.starts_with("key_")));
    assert_eq!(s["streams"]["completed"], 3);
    assert!(!s.to_string().contains("sk-key-s1"));
    sb.post_json("/sandbox/reset-stats", None, "");
    let s = sb.stats();
    assert_eq!(s["endpoints"], json!({}));
    assert_eq!(s["streams"]["started"], 0);
}

#[test]
fn logs_never_contain_a_key() {
    let sb = Sandbox::start(&["--key", "sk-very-secret-key=1"]);
    sb.chat("sk-very-secret-key", &chat_body("gpt-4o-mini", "hi"), None);
    sb.post_json("/api/chat-completions/", Some("sk-wrong-secret"), "{}");
    sb.get("/sk-very-secret-key", None);
    sb.post_json("/api/texttoimage/", Some("sk-very-secret-key"), r#"{"model":"amigo","prompt":"x"}"#);
    std::thread::sleep(Duration::from_millis(200));
    let logs = sb.stderr.lock().expect("lock").clone();
    assert!(logs.contains("key_"), "logs name keys by id: {logs}");
    assert!(!logs.contains("sk-very-secret-key") && !logs.contains("sk-wrong-secret"), "{logs}");
}

#[test]
fn admin_endpoints_need_the_token_a_json_body_and_no_other_origin() {
    // Issue 13: any page could create a $1,000,000 key, zero the demo balance and set the
    // demo key's reply to a phishing text.
    let sb = Sandbox::start(&["--admin-origin", "http://runner.test:9000"]);
    let create = r#"{"key":"sk-page-made","balance_usd":1000000}"#;
    let faults = r#"{"key":"sk-sandbox-demo","reply":"phishing"}"#;
    let json_only = [("Content-Type", "application/json")];
    for (path, body) in [("/sandbox/keys", create), ("/sandbox/faults", faults), ("/sandbox/reset-stats", "{}")] {
        let r = sb.request("POST", path, &json_only, body.as_bytes());
        assert_eq!(r.status, 401, "{path} without the token: {}", r.text());
        assert_eq!(r.json()["error"]["code"], "admin_token");
        let wrong = [("Content-Type", "application/json"), ("X-Sandbox-Admin", "0123456789")];
        assert_eq!(sb.request("POST", path, &wrong, body.as_bytes()).status, 401, "{path} with a wrong token");
        let plain = [("Content-Type", "text/plain"), ("X-Sandbox-Admin", sb.admin.as_str())];
        assert_eq!(sb.request("POST", path, &plain, body.as_bytes()).status, 415, "{path} as text/plain");
        let other = [
            ("Content-Type", "application/json"),
            ("X-Sandbox-Admin", sb.admin.as_str()),
            ("Origin", "https://evil.example"),
        ];
        let r = sb.request("POST", path, &other, body.as_bytes());
        assert_eq!(r.status, 403, "{path} from another origin");
        assert_eq!(r.header("access-control-allow-origin"), None);
        let pre = sb.request(
            "OPTIONS",
            path,
            &[("Origin", "https://evil.example"), ("Access-Control-Request-Method", "POST")],
            b"",
        );
        assert_eq!((pre.status, pre.header("access-control-allow-origin")), (403, None), "{path} preflight");
    }
    assert_eq!(sb.get("/sandbox/balance", Some("sk-page-made")).status, 401, "no key was made");
    assert_eq!(sb.request("GET", "/sandbox/faults", &[], b"").status, 401, "listing faults needs the token too");
    let r = sb.chat(DEMO, &chat_body("gpt-4o-mini", "hi"), None);
    assert!(!r.content().contains("phishing"), "the demo reply is untouched");
    // The token, from a script or the listed origin: allowed.
    assert_eq!(sb.post_json("/sandbox/keys", None, create).status, 200);
    let pre = sb.request(
        "OPTIONS",
        "/sandbox/keys",
        &[("Origin", "http://runner.test:9000"), ("Access-Control-Request-Method", "POST")],
        b"",
    );
    assert_eq!(pre.header("access-control-allow-origin"), Some("http://runner.test:9000"));
    assert_eq!(pre.header("access-control-allow-private-network"), None);
    // The API itself stays open to browser pages (with a key), without private-network grants.
    let pre = sb.request(
        "OPTIONS",
        "/api/chat-completions/",
        &[
            ("Origin", "http://localhost:8080"),
            ("Access-Control-Request-Method", "POST"),
            ("Access-Control-Request-Private-Network", "true"),
        ],
        b"",
    );
    assert_eq!(pre.header("access-control-allow-origin"), Some("*"));
    assert_eq!(pre.header("access-control-allow-private-network"), None);
}

#[test]
fn answers_carry_nosniff_and_no_framing() {
    let sb = Sandbox::start(&[]);
    for path in ["/", "/sandbox/info", "/api/nothing"] {
        let r = sb.get(path, None);
        assert_eq!(r.header("x-content-type-options"), Some("nosniff"), "{path}");
        assert_eq!(r.header("x-frame-options"), Some("DENY"), "{path}");
        assert!(r.header("content-security-policy").is_some_and(|c| c.contains("frame-ancestors 'none'")), "{path}");
    }
    let r = sb.get("/sandbox/info", None);
    assert_eq!(r.header("content-security-policy"), Some("default-src 'none'; frame-ancestors 'none'"));
    assert!(r.json().get("relay").is_none(), "the sandbox has no relay mode");
}

#[test]
fn prompt_caps_name_the_field() {
    let sb = Sandbox::start(&["--max-prompt-chars", "50"]);
    let long = "x".repeat(51);
    let r = sb.post_json("/api/texttoimage/", Some(DEMO), &json!({"model": "amigo", "prompt": long}).to_string());
    assert_eq!(
        (r.status, r.json()["message"].as_str().map(|m| m.starts_with("prompt: at most 50"))),
        (400, Some(true))
    );
    let body = json!({"model": "amigo", "prompt": "a cat", "negativePrompt": long}).to_string();
    let r = sb.post_json("/api/texttoimage/", Some(DEMO), &body);
    assert_eq!(r.status, 400);
    assert!(r.text().contains("negativePrompt: at most 50 characters (got 51"), "{}", r.text());
    assert_eq!(sb.balance(DEMO)["spent_nano_usd"], 0);
}

#[test]
fn jobs_with_huge_prompts_keep_bounded_memory() {
    // Issue 13: 24 jobs with an 8 MiB prompt took 230 MB and kept it.
    let sb =
        Sandbox::start(&["--max-prompt-chars", "2000000", "--max-body-bytes", "4200000", "--key", "sk-huge-jobs=1"]);
    let huge = "a lighthouse in the fog ".repeat(80_000);
    let body =
        json!({"model": "amigo", "prompt": huge, "negativePrompt": huge, "width": 256, "height": 256}).to_string();
    assert!(body.len() > 3_800_000);
    for i in 0..24 {
        let r = sb.post_json("/api/texttoimage/", Some("sk-huge-jobs"), &body);
        assert_eq!(r.status, 200, "job {i}: {}", r.text());
    }
    let stored = sb.stats()["jobs"]["stored_bytes"].as_u64().expect("stored_bytes");
    assert!(stored < 24 * 1024, "24 jobs hold {stored} bytes");
}

#[test]
fn slow_headers_idle_connections_and_too_many_connections_are_cut() {
    let sb = Sandbox::start(&["--header-timeout-ms", "400", "--max-connections", "3"]);
    let closed_within = |mut s: TcpStream, limit: Duration| {
        s.set_read_timeout(Some(Duration::from_secs(5))).expect("timeout");
        let started = std::time::Instant::now();
        let mut buf = [0u8; 1024];
        while let Ok(n) = s.read(&mut buf) {
            if n == 0 {
                break;
            }
        }
        assert!(started.elapsed() < limit, "the connection stayed open {:?}", started.elapsed());
    };
    let mut slow = TcpStream::connect(&sb.addr).expect("connects");
    slow.write_all(b"GET /sandbox/info HTTP/1.1\r\nHost: 127.0.0.1\r\n").expect("writes");
    closed_within(slow, Duration::from_secs(2));
    let mut idle = TcpStream::connect(&sb.addr).expect("connects");
    idle.write_all(format!("GET /sandbox/info HTTP/1.1\r\nHost: {}\r\n\r\n", sb.addr).as_bytes()).expect("writes");
    closed_within(idle, Duration::from_secs(2));
    let held: Vec<TcpStream> = (0..3).map(|_| TcpStream::connect(&sb.addr).expect("connects")).collect();
    std::thread::sleep(Duration::from_millis(100));
    closed_within(TcpStream::connect(&sb.addr).expect("the kernel accepts"), Duration::from_millis(300));
    drop(held);
}

#[test]
fn sigterm_shuts_down_gracefully() {
    let mut sb = Sandbox::start(&[]);
    let status = std::process::Command::new("kill").args(["-TERM", &sb.pid().to_string()]).status().expect("kill runs");
    assert!(status.success());
    assert!(sb.exited_within(Duration::from_secs(8)));
}

#[test]
fn svg_images_are_refused() {
    // Issue 13: data:image/svg+xml was accepted as an image and shown via blob: on the app's
    // origin. Raster types only: png, jpeg, webp, gif, avif.
    let sb = Sandbox::start(&[]);
    let with_image = |url: &str| {
        json!({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": [
            {"type": "text", "text": "what is this?"},
            {"type": "image_url", "image_url": {"url": url, "detail": "low"}}
        ]}]})
        .to_string()
    };
    for svg in ["data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=", "data:image/SVG+XML,<svg onload=alert(1)>"] {
        let r = sb.chat(DEMO, &with_image(svg), None);
        assert_eq!(r.status, 400, "{svg}: {}", r.text());
        let e = &r.json()["error"];
        assert_eq!(e["param"], "messages[0].content[1].image_url.url");
        assert!(e["message"].as_str().is_some_and(|m| m.contains("png, jpeg, webp, gif or avif")), "{e}");
    }
    assert_eq!(sb.chat(DEMO, &with_image("data:image/png;base64,iVBORw0KGgo="), None).status, 200);
}
