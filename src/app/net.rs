//! The app's few requests outside the API: the sandbox's own endpoints.

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// GETs JSON; `None` on any failure (these endpoints are optional extras).
pub async fn get_json(url: &str, api_key: &str) -> Option<serde_json::Value> {
    let init = web_sys::RequestInit::new();
    init.set_method("GET");
    if !api_key.is_empty() {
        let headers = web_sys::Headers::new().ok()?;
        headers.set("authorization", &format!("Bearer {api_key}")).ok()?;
        init.set_headers(&headers);
    }
    let request = web_sys::Request::new_with_str_and_init(url, &init).ok()?;
    let window = web_sys::window()?;
    let response: web_sys::Response = JsFuture::from(window.fetch_with_request(&request)).await.ok()?.unchecked_into();
    if !response.ok() {
        return None;
    }
    let text = JsFuture::from(response.text().ok()?).await.ok()?.as_string()?;
    serde_json::from_str(&text).ok()
}
