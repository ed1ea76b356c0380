//! The app's requests outside the API calls, and their URLs, in one place: what served the
//! page (`/sandbox/info`, `/api/info`), the credit left (the sandbox's balance, a relay
//! token's budget), and image copies. Components call these; none builds a URL.

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::settings::{Host, SandboxInfo};

/// The credit the header shows.
#[derive(Debug, Clone, PartialEq)]
pub enum Credit {
    /// The sandbox key's balance, in USD.
    Sandbox(f64),
    /// A relay token's remaining budget in USD (`None`: the token has no budget).
    Relay(Option<f64>),
    /// The sandbox or relay refused the key or token (401/403): unknown, mistyped or revoked.
    Refused,
}

impl Credit {
    /// The credit known, in USD, with its name in a sentence ("Your credit"); `None` when
    /// there is no limit or it is unknown.
    pub fn usd_left(&self) -> Option<(&'static str, f64)> {
        match *self {
            Credit::Sandbox(usd) => Some(("Your credit", usd)),
            Credit::Relay(Some(usd)) => Some(("Your token's budget", usd)),
            Credit::Relay(None) | Credit::Refused => None,
        }
    }
}

/// Why [`get_json`] has no answer.
enum Failed {
    /// 401 or 403: the key or token sent was refused.
    Refused,
    /// Anything else (offline, another status, not JSON).
    Other,
}

/// GETs JSON; `None` on any failure (these endpoints are optional extras). A key, when
/// given, travels in the `Authorization` header only.
async fn get_json(url: &str, bearer: &str) -> Option<serde_json::Value> {
    fetch_json(url, bearer).await.ok()
}

/// [`get_json`], saying whether a failure was the key refused.
async fn fetch_json(url: &str, bearer: &str) -> Result<serde_json::Value, Failed> {
    fetch_json_inner(url, bearer).await.ok_or(Failed::Other)?
}

async fn fetch_json_inner(url: &str, bearer: &str) -> Option<Result<serde_json::Value, Failed>> {
    let init = web_sys::RequestInit::new();
    init.set_method("GET");
    init.set_redirect(web_sys::RequestRedirect::Error);
    if !bearer.is_empty() {
        let headers = web_sys::Headers::new().ok()?;
        headers.set("authorization", &format!("Bearer {bearer}")).ok()?;
        init.set_headers(&headers);
    }
    let request = web_sys::Request::new_with_str_and_init(url, &init).ok()?;
    let window = web_sys::window()?;
    let response: web_sys::Response = JsFuture::from(window.fetch_with_request(&request)).await.ok()?.unchecked_into();
    if matches!(response.status(), 401 | 403) && !bearer.is_empty() {
        return Some(Err(Failed::Refused));
    }
    if !response.ok() {
        return None;
    }
    let text = JsFuture::from(response.text().ok()?).await.ok()?.as_string()?;
    serde_json::from_str(&text).ok().map(Ok)
}

/// What served the page at `origin`: the sandbox, a relay, or a static host.
pub async fn discover(origin: &str) -> Host {
    if let Some(info) = get_json(&format!("{origin}/sandbox/info"), "").await {
        if let Ok(info) = serde_json::from_value::<SandboxInfo>(info) {
            return Host::Sandbox(info);
        }
    }
    match get_json(&format!("{origin}/api/info"), "").await {
        Some(v) if v.get("relay").and_then(serde_json::Value::as_bool) == Some(true) => Host::Relay,
        _ => Host::Static,
    }
}

/// The credit left for `key` on the sandbox or relay at `origin` ([`Credit::Refused`] if it
/// refused the key; `None` if it could not say).
pub async fn credit(origin: &str, relay: bool, key: &str) -> Option<Credit> {
    let url = if relay { format!("{origin}/api/info") } else { format!("{origin}/sandbox/balance") };
    let v = match fetch_json(&url, key).await {
        Ok(v) => v,
        Err(Failed::Refused) => return Some(Credit::Refused),
        Err(Failed::Other) => return None,
    };
    if relay {
        let token = v.get("token").filter(|t| t.is_object())?;
        return Some(Credit::Relay(token.get("remaining_usd").and_then(serde_json::Value::as_f64)));
    }
    v.get("balance_usd").and_then(serde_json::Value::as_f64).map(Credit::Sandbox)
}

/// Fetches an image (CORS, no credentials across origins, no redirects) and checks that it
/// is a raster image.
pub async fn fetch_image(url: &str) -> Result<web_sys::Blob, String> {
    if !crate::types::is_allowed_image_url(url) {
        return Err("not an http(s) or data:image URL".into());
    }
    let window = web_sys::window().ok_or("no window")?;
    let response = JsFuture::from(window.fetch_with_str(url)).await.map_err(|e| format!("{e:?}"))?;
    let response: web_sys::Response = response.dyn_into().map_err(|_| "not a response")?;
    if !response.ok() {
        return Err(format!("http {}", response.status()));
    }
    let blob = JsFuture::from(response.blob().map_err(|e| format!("{e:?}"))?).await.map_err(|e| format!("{e:?}"))?;
    let blob: web_sys::Blob = blob.dyn_into().map_err(|_| "not a blob")?;
    // Raster images only (never SVG, which can carry script).
    let raster = blob.type_().strip_prefix("image/").is_some_and(|t| crate::types::RASTER_IMAGE_TYPES.contains(&t));
    if !raster || blob.size() == 0.0 {
        return Err(format!("not a raster image ({})", blob.type_()));
    }
    Ok(blob)
}
