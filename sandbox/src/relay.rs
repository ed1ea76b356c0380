//! Relay mode: the three API endpoints forwarded to one fixed upstream, streamed without
//! buffering, optionally with a key held by the server. Never an open proxy: the target
//! is fixed at start, only these three paths and only POST are forwarded, redirects are
//! not followed, and only a few headers pass in either direction.

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::rejection::BytesRejection;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use reqwest::Url;

use crate::errors::{ApiError, Shape};
use crate::state::Shared;

/// Request headers passed upstream (besides the key).
const REQUEST_HEADERS: [header::HeaderName; 2] = [header::CONTENT_TYPE, header::ACCEPT];
/// Response headers passed back.
const RESPONSE_HEADERS: [&str; 5] = ["content-type", "retry-after", "retry-after-ms", "cache-control", "x-request-id"];

/// The relay's fixed upstream and optional key.
pub struct Relay {
    client: reqwest::Client,
    base: Url,
    key: Option<String>,
}

impl Relay {
    /// A relay to `upstream` (an http(s) base URL), sending `key` in place of callers' keys.
    pub fn new(upstream: &str, key: Option<String>) -> Result<Self, String> {
        let mut base = Url::parse(upstream.trim()).map_err(|e| format!("--relay-upstream: {e}"))?;
        if !matches!(base.scheme(), "http" | "https") || base.host_str().is_none() {
            return Err("--relay-upstream: expected an http(s) URL such as https://minitoolai.com/api/".into());
        }
        if base.query().is_some() || base.fragment().is_some() || !base.username().is_empty() {
            return Err("--relay-upstream: no query, fragment or credentials, please".into());
        }
        if !base.path().ends_with('/') {
            let path = format!("{}/", base.path());
            base.set_path(&path);
        }
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(10))
            .read_timeout(Duration::from_secs(120))
            .user_agent(concat!("minitoolai-sandbox-relay/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("relay client: {e}"))?;
        Ok(Self { client, base, key })
    }

    /// Whether `text` contains the relay's key (to keep it out of logs).
    pub fn mentions_key(&self, text: &str) -> bool {
        self.key.as_deref().is_some_and(|k| !k.is_empty() && text.contains(k))
    }

    /// The upstream base URL.
    pub fn base(&self) -> &str {
        self.base.as_str()
    }
}

/// Forwards one request to `path` (relative to the upstream base).
pub async fn forward(
    st: Shared,
    path: &'static str,
    shape: Shape,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let Some(relay) = st.relay.as_ref() else {
        return ApiError::new(shape, StatusCode::NOT_FOUND, "not_found", "relay mode is off").into_response();
    };
    let body = match body {
        Ok(b) => b,
        Err(r) if r.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return ApiError::new(shape, StatusCode::PAYLOAD_TOO_LARGE, "body_too_large", "request body too large")
                .into_response()
        }
        Err(_) => return ApiError::invalid(shape, None, "could not read the request body").into_response(),
    };
    let permit = if path == "chat-completions/" {
        match st.streams.clone().try_acquire_owned() {
            Ok(p) => Some(p),
            Err(_) => {
                return ApiError::new(shape, StatusCode::TOO_MANY_REQUESTS, "too_many_streams", "too many streams")
                    .into_response()
            }
        }
    } else {
        None
    };
    let Ok(url) = relay.base.join(path) else {
        return ApiError::new(shape, StatusCode::BAD_GATEWAY, "relay_error", "relay: bad upstream URL").into_response();
    };
    let mut req = relay.client.post(url).body(body);
    for name in REQUEST_HEADERS {
        if let Some(v) = headers.get(&name) {
            req = req.header(name, v.clone());
        }
    }
    match (&relay.key, headers.get(header::AUTHORIZATION)) {
        (Some(key), _) => req = req.bearer_auth(key),
        (None, Some(auth)) => req = req.header(header::AUTHORIZATION, auth.clone()),
        (None, None) => {}
    }
    let upstream = match req.send().await {
        Ok(r) => r,
        Err(e) => {
            let why = if e.is_timeout() {
                "the upstream timed out"
            } else if e.is_connect() {
                "could not connect to the upstream"
            } else {
                "the upstream request failed"
            };
            return ApiError::new(shape, StatusCode::BAD_GATEWAY, "relay_error", format!("relay: {why}"))
                .into_response();
        }
    };
    let status = StatusCode::from_u16(upstream.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
    let mut out = HeaderMap::new();
    for name in RESPONSE_HEADERS {
        if let Some(v) = upstream.headers().get(name).and_then(|v| HeaderValue::from_bytes(v.as_bytes()).ok()) {
            out.insert(name, v);
        }
    }
    out.insert("x-accel-buffering", HeaderValue::from_static("no"));
    // The permit lives as long as the body does.
    let stream = upstream.bytes_stream().map(move |chunk| {
        let _held = &permit;
        chunk
    });
    let mut res = Response::new(Body::from_stream(stream));
    *res.status_mut() = status;
    *res.headers_mut() = out;
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upstreams_are_checked_and_normalised() {
        assert_eq!(
            Relay::new("https://minitoolai.com/api", None).map(|r| r.base().to_owned()),
            Ok("https://minitoolai.com/api/".into())
        );
        assert!(Relay::new("ftp://x.test/", None).is_err());
        assert!(Relay::new("https://x.test/?to=y", None).is_err());
        assert!(Relay::new("https://user:pw@x.test/", None).is_err());
        assert!(Relay::new("not a url", None).is_err());
    }
}
