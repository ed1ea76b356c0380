//! Image jobs: validation, lifecycle, the signature check, and real PNGs of the requested size.

mod common;

use std::time::Duration;

use common::{Sandbox, DEMO};
use serde_json::{json, Value};

fn create(sb: &Sandbox, body: &Value) -> Value {
    let r = sb.post_json("/api/texttoimage/", Some(DEMO), &body.to_string());
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()
}

fn status(sb: &Sandbox, jobid: &Value, signature: &str) -> (u16, Value) {
    let r = sb.post_json("/api/texttoimage/jobs/", None, &json!({"jobid": jobid, "signature": signature}).to_string());
    (r.status, r.json())
}

fn wait_done(sb: &Sandbox, job: &Value) -> Value {
    let sig = job["signature"].as_str().expect("signature");
    for _ in 0..100 {
        let (code, st) = status(sb, &job["jobid"], sig);
        assert_eq!(code, 200, "{st}");
        if st["status"] != "queued" && st["status"] != "processing" {
            return st;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("job never finished")
}

fn png_size(bytes: &[u8]) -> (u32, u32) {
    let reader = png::Decoder::new(std::io::Cursor::new(bytes.to_vec())).read_info().expect("a valid PNG");
    (reader.info().width, reader.info().height)
}

fn path_of(url: &str) -> &str {
    let rest = url.strip_prefix("http://").expect("http URL");
    &rest[rest.find('/').expect("a path")..]
}

#[test]
fn job_lifecycle_gives_a_png_of_the_requested_size() {
    let sb = Sandbox::start(&["--job-latency-ms", "600"]);
    let job =
        create(&sb, &json!({"model": "dreamshaper", "prompt": "a lighthouse at dusk", "width": 320, "height": 256}));
    assert_eq!(job["status"], "success");
    assert!(job["jobid"].is_u64(), "jobid is a number: {job}");
    let sig = job["signature"].as_str().expect("signature");
    assert!(sig.len() == 32 && sig.bytes().all(|b| b.is_ascii_hexdigit()));

    let (code, st) = status(&sb, &job["jobid"], sig);
    assert_eq!(code, 200);
    assert!(st["status"] == "queued" || st["status"] == "processing", "{st}");
    assert!(st.get("image_url").is_none());

    // The jobid may be sent as a string, as the documented curl does.
    let as_string = Value::String(job["jobid"].to_string());
    let done = wait_done(&sb, &json!({"jobid": as_string, "signature": sig}));
    assert_eq!(done["status"], "success");
    assert_eq!(done["message"], "success");
    let url = done["image_url"].as_str().expect("image_url");
    assert!(url.starts_with(&format!("http://{}/sandbox/images/", sb.addr)) && url.ends_with(".png"), "{url}");

    let img = sb.get(path_of(url), None);
    assert_eq!(img.status, 200);
    assert_eq!(img.header("content-type"), Some("image/png"));
    assert!(img.header("cache-control").is_some_and(|c| c.contains("max-age")));
    assert_eq!(img.header("access-control-allow-origin"), Some("*"));
    assert_eq!(png_size(&img.body), (320, 256));
    // Served again from the cache, byte for byte.
    assert_eq!(sb.get(path_of(url), None).body, img.body);
    assert_eq!(sb.get("/sandbox/images/000000.png", None).status, 404);
}

#[test]
fn pictures_depend_on_the_parameters() {
    let sb = Sandbox::start(&["--job-latency-ms", "0"]);
    let base = json!({"model": "juggernaut", "prompt": "a red fox", "width": 256, "height": 256});
    let picture = |body: &Value| {
        let st = wait_done(&sb, &create(&sb, body));
        sb.get(path_of(st["image_url"].as_str().expect("url")), None).body
    };
    let a = picture(&base);
    assert_eq!(a, picture(&base), "same parameters, same picture");
    for (field, value) in [
        ("prompt", json!("a blue fox")),
        ("negativePrompt", json!("snow")),
        ("model", json!("amigo")),
        ("scheduler", json!("Euler a")),
        ("steps", json!(7)),
        ("cfgScale", json!(5.5)),
    ] {
        let mut other = base.clone();
        other[field] = value;
        assert_ne!(a, picture(&other), "{field} changes the picture");
    }
    let big = picture(&json!({"model": "realism", "prompt": "defaults"}));
    assert_eq!(png_size(&big), (1024, 1024), "documented default size");
}

#[test]
fn a_wrong_signature_learns_nothing() {
    let sb = Sandbox::start(&["--job-latency-ms", "0"]);
    let job = create(&sb, &json!({"model": "reality", "prompt": "secret garden", "width": 256, "height": 256}));
    let sig = job["signature"].as_str().expect("signature");
    let id = job["jobid"].as_u64().expect("jobid");
    let mut wrong = sig.to_owned();
    wrong.replace_range(0..1, if sig.starts_with('0') { "1" } else { "0" });

    let unknown = status(&sb, &json!(id + 1_000_000), sig);
    let forged = status(&sb, &json!(id), &wrong);
    let other_job = status(&sb, &json!(id + 1), sig);
    assert_eq!(unknown.0, 404);
    assert_eq!(unknown.1, json!({"status": "error", "message": "job not found"}));
    assert_eq!(forged, unknown);
    assert_eq!(other_job, unknown);
    assert_eq!(status(&sb, &json!("not-a-number"), sig), unknown);
    assert_eq!(status(&sb, &json!(id), "").0, 404);
    assert_eq!(wait_done(&sb, &job)["status"], "success");

    let r = sb.post_json("/api/texttoimage/jobs/", None, r#"{"jobid": 1}"#);
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["status"], "error");
}

#[test]
fn every_field_is_validated() {
    let sb = Sandbox::start(&[]);
    let base = json!({"model": "dreamshaper", "prompt": "a cat"});
    for (field, value, words) in [
        ("model", json!("sdxl"), "model: unknown image model"),
        ("prompt", json!("   "), "prompt: must not be empty"),
        ("scheduler", json!("DDIM"), "scheduler: unknown scheduler"),
        ("steps", json!(0), "steps: must be between 1 and 8"),
        ("steps", json!(9), "steps: must be between 1 and 8"),
        ("steps", json!(2.5), "steps: invalid type"),
        ("cfgScale", json!(0.5), "cfgScale: must be between 1 and 7"),
        ("cfgScale", json!(7.5), "cfgScale: must be between 1 and 7"),
        ("cfgScale", json!("high"), "cfgScale: invalid type"),
        ("width", json!(255), "width: must be between 256 and 1344"),
        ("height", json!(1345), "height: must be between 256 and 1344"),
        ("width", json!(-1), "width: invalid value"),
    ] {
        let mut body = base.clone();
        body[field] = value;
        let r = sb.post_json("/api/texttoimage/", Some(DEMO), &body.to_string());
        assert_eq!(r.status, 400, "{field}");
        let j = r.json();
        assert_eq!(j["status"], "error");
        assert!(j["jobid"].is_null() && j["signature"].is_null(), "{j}");
        let message = j["message"].as_str().unwrap_or("");
        assert!(message.starts_with(words), "{field}: {message}");
    }
    let r = sb.post_json("/api/texttoimage/", Some(DEMO), r#"{"model":"dreamshaper"}"#);
    assert_eq!(r.status, 400);
    assert!(r.json()["message"].as_str().unwrap_or("").starts_with("prompt: missing field"));
    // Nothing was charged for rejected requests.
    assert_eq!(sb.balance(DEMO)["spent_nano_usd"], 0);

    let r = sb.post_json("/api/texttoimage/", None, &base.to_string());
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["jobid"], Value::Null);
}

#[test]
fn injected_job_failures() {
    let sb = Sandbox::start(&["--job-latency-ms", "100"]);
    let body = json!({"model": "amigo", "prompt": "x", "width": 256, "height": 256}).to_string();
    let fail = sb.post_with("/api/texttoimage/", Some(DEMO), &[("x-sandbox-fault", "job=fail:the GPU melted")], &body);
    assert_eq!(fail.status, 200);
    let st = wait_done(&sb, &fail.json());
    assert_eq!(st, json!({"status": "error", "message": "the GPU melted"}));

    let never = sb.post_with("/api/texttoimage/", Some(DEMO), &[("x-sandbox-fault", "job=never")], &body).json();
    std::thread::sleep(Duration::from_millis(300));
    let (code, st) = status(&sb, &never["jobid"], never["signature"].as_str().expect("sig"));
    assert_eq!((code, st["status"].as_str()), (200, Some("processing")));
}
