//! Browser tests: the client over real fetch in headless Chromium, against the sandbox.
//!
//! Run by `scripts/test`, which starts the sandbox and passes its URL at build time in
//! `MINITOOLAI_SANDBOX_URL` and its admin token in `MINITOOLAI_SANDBOX_ADMIN` (the sandbox's
//! admin endpoints need it, and grant CORS only to the test runner's origin, which
//! `scripts/test` fixes with `WASM_BINDGEN_TEST_ADDRESS` and `--admin-origin`). Each test makes its own key on the sandbox, so per-key faults
//! and balances do not leak between tests.
#![cfg(target_arch = "wasm32")]

use std::time::Duration;

use futures_core::Stream;
use minitoolai::types::chat::{ChatRequest, Message};
use minitoolai::types::image::ImageRequest;
use minitoolai::{catalog, CallOptions, Client, ClientConfig, ErrorKind};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn sandbox() -> &'static str {
    option_env!("MINITOOLAI_SANDBOX_URL").unwrap_or("http://127.0.0.1:8787")
}

/// A raw JSON request to the sandbox's own endpoints (not the API under test).
async fn sandbox_call(method: &str, path: &str, key: Option<&str>, body: Option<&str>) -> serde_json::Value {
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    let headers = web_sys::Headers::new().expect("headers");
    headers.set("content-type", "application/json").expect("header");
    if let Some(key) = key {
        headers.set("authorization", &format!("Bearer {key}")).expect("header");
    }
    if path.starts_with("/sandbox/keys") || path.starts_with("/sandbox/faults") || path.starts_with("/sandbox/reset") {
        let admin = option_env!("MINITOOLAI_SANDBOX_ADMIN").unwrap_or("");
        headers.set("x-sandbox-admin", admin).expect("header");
    }
    init.set_headers(&headers);
    if let Some(body) = body {
        init.set_body(&wasm_bindgen::JsValue::from_str(body));
    }
    let url = format!("{}{path}", sandbox());
    let request = web_sys::Request::new_with_str_and_init(&url, &init).expect("request");
    let window = web_sys::window().expect("a window");
    let response: web_sys::Response =
        JsFuture::from(window.fetch_with_request(&request)).await.expect("sandbox reachable").unchecked_into();
    let text = JsFuture::from(response.text().expect("text")).await.expect("body");
    serde_json::from_str(&text.as_string().unwrap_or_default()).unwrap_or(serde_json::Value::Null)
}

/// Creates a fresh key with `balance_usd` and an optional fault spec.
async fn new_key(name: &str, balance_usd: f64, fault: &str) -> String {
    let key = format!("sk-test-{name}-{}", js_sys::Date::now() as u64);
    let body = serde_json::json!({ "key": key, "balance_usd": balance_usd, "fault": fault }).to_string();
    sandbox_call("POST", "/sandbox/keys", None, Some(&body)).await;
    key
}

fn client(key: &str) -> Client {
    let mut config = ClientConfig::new(key).base_url(format!("{}/api/", sandbox()));
    config.retry.backoff.initial = Duration::from_millis(50);
    config.idle_timeout = Duration::from_secs(5);
    config.poll.backoff.initial = Duration::from_millis(100);
    config.poll.backoff.max = Duration::from_millis(300);
    Client::new(config).expect("valid config")
}

fn hello(model: &str) -> ChatRequest {
    ChatRequest::new(model, vec![Message::user("Say hello in a few words.")])
}

async fn next<S: Stream + Unpin>(s: &mut S) -> Option<S::Item> {
    std::future::poll_fn(|cx| std::pin::Pin::new(&mut *s).poll_next(cx)).await
}

#[wasm_bindgen_test]
async fn streamed_chat_reports_usage_and_cost_matching_the_sandbox() {
    let key = new_key("stream", 1.0, "").await;
    let mut stream = client(&key).chat(&hello("gpt-4o-mini"), &CallOptions::default()).await.expect("stream starts");
    let mut text = String::new();
    let mut chunks = 0;
    while let Some(chunk) = next(&mut stream).await {
        let chunk = chunk.expect("no error");
        text.push_str(chunk.content().unwrap_or_default());
        chunks += 1;
    }
    assert!(chunks > 3, "streamed in several chunks: {chunks}");
    let done = stream.final_completion().await.expect("complete");
    assert_eq!(done.content, text);
    assert_eq!(done.finish_reason.as_deref(), Some("stop"));
    let usage = done.usage.clone().expect("usage reported");
    assert!(usage.prompt_tokens > 0 && usage.completion_tokens > 0);
    let model = catalog::chat_model("gpt-4o-mini").expect("listed");
    assert_eq!(done.cost_usd, Some(model.cost_usd(&usage)));
    let balance = sandbox_call("GET", "/sandbox/balance", Some(&key), None).await;
    let spent = balance["spent_nano_usd"].as_u64().expect("sandbox reports spending");
    assert_eq!(spent, model.cost_nano_usd(usage.prompt_tokens, usage.completion_tokens));
}

#[wasm_bindgen_test]
async fn complete_returns_the_whole_answer() {
    let key = new_key("complete", 1.0, "").await;
    let done = client(&key).complete(&hello("gpt-5-nano"), &CallOptions::default()).await.expect("answer");
    assert!(!done.content.is_empty());
    assert!(done.cost_usd.is_some());
}

#[wasm_bindgen_test]
async fn abort_mid_stream_cancels_on_the_server() {
    let key = new_key("abort", 1.0, "stall-between-ms=200").await;
    let before = sandbox_call("GET", "/sandbox/stats", None, None).await;
    let controller = web_sys::AbortController::new().expect("controller");
    let options = CallOptions { signal: Some(controller.signal()), ..CallOptions::default() };
    let mut stream = client(&key).chat(&hello("gpt-4o-mini"), &options).await.expect("starts");
    let first = next(&mut stream).await.expect("a chunk").expect("ok");
    assert_eq!(first.choices[0].delta.role.as_deref(), Some("assistant"));
    controller.abort();
    let err = loop {
        match next(&mut stream).await {
            Some(Ok(_)) => continue,
            Some(Err(e)) => break e,
            None => panic!("an aborted stream ends with an error"),
        }
    };
    assert_eq!(err.kind(), ErrorKind::Aborted);
    assert!(next(&mut stream).await.is_none(), "nothing after the error");
    // The sandbox notices the closed connection at its next write.
    for _ in 0..30 {
        let after = sandbox_call("GET", "/sandbox/stats", None, None).await;
        if after["streams"]["cancelled"].as_u64() > before["streams"]["cancelled"].as_u64() {
            return;
        }
        gloo_sleep(100).await;
    }
    panic!("the sandbox never saw the stream cancelled");
}

#[wasm_bindgen_test]
async fn abort_before_the_answer_arrives() {
    let key = new_key("abort-early", 1.0, "stall-before-ms=3000").await;
    let controller = web_sys::AbortController::new().expect("controller");
    let options = CallOptions { signal: Some(controller.signal()), ..CallOptions::default() };
    let c = client(&key);
    let request = hello("gpt-4o-mini");
    let pending = c.chat(&request, &options);
    let aborter = async {
        gloo_sleep(200).await;
        controller.abort();
    };
    let (result, ()) = join(pending, aborter).await;
    assert_eq!(result.err().map(|e| e.kind()), Some(ErrorKind::Aborted));
}

#[wasm_bindgen_test]
async fn idle_timeout_keeps_the_partial_text() {
    let key = new_key("idle", 1.0, "stall-between-ms=3000").await;
    let mut config = ClientConfig::new(&key).base_url(format!("{}/api/", sandbox()));
    config.idle_timeout = Duration::from_millis(800);
    let c = Client::new(config).expect("config");
    let mut stream = c.chat(&hello("gpt-4o-mini"), &CallOptions::default()).await.expect("starts");
    let err = stream.final_completion().await.expect_err("times out");
    assert_eq!(err.kind(), ErrorKind::Timeout);
}

#[wasm_bindgen_test]
async fn unknown_key_is_an_authentication_error_without_the_key() {
    let secret = "sk-not-a-real-key-123456";
    let err = client(secret).chat(&hello("gpt-4o-mini"), &CallOptions::default()).await.err().expect("401");
    assert_eq!((err.kind(), err.status()), (ErrorKind::Authentication, Some(401)));
    assert!(!err.message().contains(secret), "{err}");
    assert!(!format!("{err:?}").contains(secret));
}

#[wasm_bindgen_test]
async fn empty_balance_is_insufficient_credit() {
    let key = new_key("poor", 0.0, "").await;
    let err = client(&key).chat(&hello("gpt-4o"), &CallOptions::default()).await.err().expect("402");
    assert_eq!((err.kind(), err.status()), (ErrorKind::InsufficientCredit, Some(402)));
    assert!(err.message().contains("credit"), "{err}");
}

#[wasm_bindgen_test]
async fn rate_limited_once_then_success_after_retry_after() {
    let key = new_key("429", 1.0, "status=429; retry-after=1; fail-times=1").await;
    let started = js_sys::Date::now();
    // The caller is told before the wait: what failed and how long until the next try.
    let told = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    let on_retry: minitoolai::RetryHook = {
        let told = told.clone();
        std::rc::Rc::new(move |err: &minitoolai::Error, wait: Duration| told.borrow_mut().push((err.kind(), wait)))
    };
    let options = CallOptions { on_retry: Some(on_retry), ..CallOptions::default() };
    let done = client(&key).complete(&hello("gpt-4o-mini"), &options).await.expect("retried");
    assert!(!done.content.is_empty());
    assert!(js_sys::Date::now() - started >= 1000.0, "waited for Retry-After");
    assert_eq!(*told.borrow(), [(ErrorKind::RateLimited, Duration::from_secs(1))]);
    let balance = sandbox_call("GET", "/sandbox/balance", Some(&key), None).await;
    let key_id = balance["key_id"].as_str().expect("key id").to_owned();
    let stats = sandbox_call("GET", "/sandbox/stats", None, None).await;
    assert_eq!(stats["by_key"][&key_id]["chat-completions"].as_u64(), Some(2), "one refused, one served: {stats}");
}

#[wasm_bindgen_test]
async fn rate_limit_without_retries_surfaces_the_wait() {
    let key = new_key("429-final", 1.0, "status=429; retry-after=7").await;
    let mut config = ClientConfig::new(&key).base_url(format!("{}/api/", sandbox()));
    config.retry.max_retries = 0;
    let err = Client::new(config).expect("config").chat(&hello("gpt-4o-mini"), &CallOptions::default()).await.err();
    let err = err.expect("429");
    assert_eq!(err.kind(), ErrorKind::RateLimited);
    assert_eq!(err.retry_after(), Some(Duration::from_secs(7)));
}

#[wasm_bindgen_test]
async fn dropped_connection_keeps_the_partial_text() {
    let key = new_key("drop", 1.0, "drop-after=4").await;
    let mut stream = client(&key).chat(&hello("gpt-4o-mini"), &CallOptions::default()).await.expect("starts");
    let err = stream.final_completion().await.expect_err("cut short");
    assert!(matches!(err.kind(), ErrorKind::Network | ErrorKind::Protocol), "{err:?}");
    let partial = err.partial_text().expect("partial text kept");
    assert!(!partial.is_empty());
    assert_eq!(partial, stream.content());
}

#[wasm_bindgen_test]
async fn json_error_with_status_200_is_an_error() {
    let key = new_key("json200", 1.0, "status=200; body=json").await;
    let mut stream = client(&key).chat(&hello("gpt-4o-mini"), &CallOptions::default()).await.expect("a 200");
    let err = stream.final_completion().await.expect_err("an error object is not an answer");
    assert_eq!(err.status(), Some(200));
    assert!(!err.message().is_empty());
}

#[wasm_bindgen_test]
async fn error_object_inside_the_stream() {
    let key = new_key("instream", 1.0, "error-in-stream=3").await;
    let mut stream = client(&key).chat(&hello("gpt-4o-mini"), &CallOptions::default()).await.expect("a 200");
    let err = stream.final_completion().await.expect_err("error object");
    assert_eq!(err.status(), Some(200));
    assert!(err.partial_text().is_some_and(|t| !t.is_empty()));
}

#[wasm_bindgen_test]
async fn image_job_polled_to_success() {
    let key = new_key("image", 1.0, "").await;
    let mut request = ImageRequest::new("dreamshaper", "a lighthouse at dusk");
    request.width = Some(320);
    request.height = Some(256);
    let mut statuses = vec![];
    let image = client(&key)
        .generate_image(&request, &CallOptions::default(), |s| statuses.push(s.status.clone()))
        .await
        .expect("image");
    assert!(statuses.len() >= 2, "polled while running: {statuses:?}");
    assert_eq!(statuses.last().map(String::as_str), Some("success"));
    assert!(minitoolai::types::is_allowed_image_url(&image.image_url));
    // The PNG is real and of the requested size.
    let window = web_sys::window().expect("window");
    let response: web_sys::Response =
        JsFuture::from(window.fetch_with_str(&image.image_url)).await.expect("image fetch").unchecked_into();
    let buffer = JsFuture::from(response.array_buffer().expect("buffer")).await.expect("bytes");
    let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
    assert_eq!(&bytes[1..4], b"PNG");
    let width = u32::from_be_bytes([bytes[16], bytes[17], bytes[18], bytes[19]]);
    let height = u32::from_be_bytes([bytes[20], bytes[21], bytes[22], bytes[23]]);
    assert_eq!((width, height), (320, 256));
}

#[wasm_bindgen_test]
async fn image_job_polled_to_failure() {
    let key = new_key("image-fail", 1.0, "job=fail:the prompt was refused").await;
    let request = ImageRequest::new("realvision", "anything");
    let err = client(&key).generate_image(&request, &CallOptions::default(), |_| {}).await.expect_err("fails");
    assert_eq!(err.kind(), ErrorKind::JobFailed);
    assert_eq!(err.message(), "the prompt was refused");
}

#[wasm_bindgen_test]
async fn image_job_past_a_per_call_deadline_times_out() {
    let key = new_key("image-never", 1.0, "job=never").await;
    let request = ImageRequest::new("realvision", "anything");
    let started = js_sys::Date::now();
    let err = client(&key)
        .generate_image_within(&request, &CallOptions::default(), Duration::from_millis(1500), |_| {})
        .await
        .expect_err("never finishes");
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert!(js_sys::Date::now() - started < 5000.0, "the per-call deadline, not the configured 300 s");
}

#[wasm_bindgen_test]
async fn invalid_requests_fail_before_sending() {
    let key = new_key("invalid", 1.0, "").await;
    let mut request = hello("gpt-4o");
    request.temperature = Some(3.0);
    let err = client(&key).chat(&request, &CallOptions::default()).await.err().expect("invalid");
    assert_eq!((err.kind(), err.field()), (ErrorKind::InvalidRequest, Some("temperature")));
    let balance = sandbox_call("GET", "/sandbox/balance", Some(&key), None).await;
    let key_id = balance["key_id"].as_str().expect("key id").to_owned();
    let stats = sandbox_call("GET", "/sandbox/stats", None, None).await;
    assert!(stats["by_key"][&key_id]["chat-completions"].is_null(), "nothing was sent: {stats}");
}

async fn gloo_sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .expect("window")
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .expect("timer");
    });
    let _ = JsFuture::from(promise).await;
}

async fn join<A: std::future::Future, B: std::future::Future>(a: A, b: B) -> (A::Output, B::Output) {
    let mut a = std::pin::pin!(a);
    let mut b = std::pin::pin!(b);
    let (mut ra, mut rb) = (None, None);
    std::future::poll_fn(|cx| {
        if ra.is_none() {
            if let std::task::Poll::Ready(v) = a.as_mut().poll(cx) {
                ra = Some(v);
            }
        }
        if rb.is_none() {
            if let std::task::Poll::Ready(v) = b.as_mut().poll(cx) {
                rb = Some(v);
            }
        }
        if ra.is_some() && rb.is_some() {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    (ra.expect("done"), rb.expect("done"))
}
