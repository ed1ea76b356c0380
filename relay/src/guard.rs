//! What keeps other web pages out, on every request: the `Host` check (DNS rebinding), the
//! origin check and CORS (exact origins only, no private-network allowance), JSON-only
//! request bodies, and the security headers of every answer.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::errors::{ApiError, Shape};
use crate::state::Shared;

/// The guard middleware.
pub async fn guard(State(st): State<Shared>, req: Request, next: Next) -> Response {
    let api = req.uri().path().starts_with("/api/");
    let mut res = match check(&st, &req, api) {
        Err(refusal) => refusal.into_response(),
        Ok(Verdict::Preflight(origin)) => preflight(origin),
        Ok(Verdict::Go(origin)) => {
            let mut res = next.run(req).await;
            if let Some(origin) = origin {
                let h = res.headers_mut();
                h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
                h.insert(
                    header::ACCESS_CONTROL_EXPOSE_HEADERS,
                    HeaderValue::from_static("retry-after, retry-after-ms, x-minitoolai-relay"),
                );
            }
            res
        }
    };
    secure(res.headers_mut(), api);
    res
}

enum Verdict {
    /// An allowed cross-origin preflight.
    Preflight(Option<HeaderValue>),
    /// Go ahead; add CORS headers for this allowed cross origin.
    Go(Option<HeaderValue>),
}

fn refuse(status: StatusCode, code: &'static str, message: String) -> ApiError {
    ApiError::new(Shape::OpenAi, status, code, message)
}

fn check(st: &Shared, req: &Request, api: bool) -> Result<Verdict, ApiError> {
    let headers = req.headers();
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("");
    if !st.host_allowed(host) {
        let shown: String = host.chars().filter(|c| c.is_ascii_graphic()).take(100).collect();
        return Err(refuse(
            StatusCode::MISDIRECTED_REQUEST,
            "unknown_host",
            format!("this relay does not answer for the host {shown:?} (its operator can add it with --host)"),
        ));
    }
    let cross = cross_origin(st, headers, host)?;
    if req.method() == Method::OPTIONS {
        return Ok(Verdict::Preflight(cross));
    }
    if api && req.method() == Method::POST && !is_json(headers) {
        return Err(refuse(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "the request body must be JSON: send the header Content-Type: application/json".into(),
        ));
    }
    Ok(Verdict::Go(cross))
}

/// `Ok(None)`: same origin or no browser origin; `Ok(Some(o))`: an allowed other origin.
fn cross_origin(st: &Shared, headers: &HeaderMap, host: &str) -> Result<Option<HeaderValue>, ApiError> {
    let fetch_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    let Some(origin) = headers.get(header::ORIGIN) else {
        // Browsers send Origin on every cross-origin fetch and POST; a cross-site request
        // without one (a no-cors GET) is still refused when the browser says what it is.
        if matches!(fetch_site, Some("cross-site" | "same-site")) {
            return Err(refuse(StatusCode::FORBIDDEN, "cross_origin", "cross-site requests are refused".into()));
        }
        return Ok(None);
    };
    let text = origin.to_str().unwrap_or("");
    let same = text
        .strip_prefix("http://")
        .or_else(|| text.strip_prefix("https://"))
        .is_some_and(|rest| rest.eq_ignore_ascii_case(host));
    if same {
        return Ok(None);
    }
    if st.origins.iter().any(|o| o == text) {
        return Ok(Some(origin.clone()));
    }
    let shown: String = text.chars().filter(|c| c.is_ascii_graphic()).take(100).collect();
    Err(refuse(
        StatusCode::FORBIDDEN,
        "cross_origin",
        format!("requests from the origin {shown:?} are refused (its operator can allow it with --allow-origin)"),
    ))
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/json"))
}

fn preflight(origin: Option<HeaderValue>) -> Response {
    let mut res = StatusCode::NO_CONTENT.into_response();
    if let Some(origin) = origin {
        let h = res.headers_mut();
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        h.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("GET, POST"));
        h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static("authorization, content-type"));
        h.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
        // Never Access-Control-Allow-Private-Network: a public page may not reach a relay on
        // a private network through a visitor's browser.
    }
    res
}

/// The security headers of every answer.
fn secure(h: &mut HeaderMap, api: bool) {
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    // Appended: the app's files also vary by Accept-Encoding.
    h.append(header::VARY, HeaderValue::from_static("Origin"));
    h.insert("x-minitoolai-relay", HeaderValue::from_static(env!("CARGO_PKG_VERSION")));
    if api {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"),
        );
        if !h.contains_key(header::CACHE_CONTROL) {
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        }
    } else if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        // The app's own CSP is in its index.html; this header only forbids framing.
        h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("frame-ancestors 'none'"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_content_types() {
        let mut h = HeaderMap::new();
        assert!(!is_json(&h));
        for (v, ok) in [
            ("application/json", true),
            ("Application/JSON; charset=utf-8", true),
            ("text/plain", false),
            ("application/x-www-form-urlencoded", false),
            ("multipart/form-data; boundary=x", false),
            ("application/jsonx", false),
        ] {
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static(v));
            assert_eq!(is_json(&h), ok, "{v}");
        }
    }
}
