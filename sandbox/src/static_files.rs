//! Everything that is not the API: the built app's files (with `index.html` for the app's
//! own routes), or a small page saying what this server is.

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use tower::ServiceExt;
use tower_http::services::{ServeDir, ServeFile};

use crate::errors::{ApiError, Shape};
use crate::state::Shared;

const LANDING: &str = r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>minitoolai-sandbox</title></head>
<body style="font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;line-height:1.5">
<h1>minitoolai-sandbox</h1>
<p>A local stand-in for the MiniToolAI API, for offline development and tests.
<strong>This is not the real service</strong>: answers are generated locally and cost nothing real.</p>
<ul>
<li><code>POST /api/chat-completions/</code></li>
<li><code>POST /api/texttoimage/</code> and <code>POST /api/texttoimage/jobs/</code></li>
<li>Sandbox only: <code>GET /sandbox/balance</code>, <code>GET /sandbox/stats</code>,
<code>POST /sandbox/faults</code>, <code>POST /sandbox/reset-stats</code></li>
</ul>
<p>Demo key (unless <code>--key</code> was given): <code>sk-sandbox-demo</code>.
Start with <code>--static-dir dist</code> to serve the app here.</p>
</body></html>
"#;

/// The fallback for every path no route took.
pub async fn fallback(State(st): State<Shared>, req: Request) -> Response {
    let not_found = || ApiError::new(Shape::OpenAi, StatusCode::NOT_FOUND, "not_found", "not found").into_response();
    if !matches!(*req.method(), Method::GET | Method::HEAD) {
        return not_found();
    }
    let Some(dir) = st.static_dir.clone() else {
        return if req.uri().path() == "/" { landing() } else { not_found() };
    };
    // An app route (no file extension) falls back to index.html; a missing asset stays a 404.
    let path = req.uri().path().to_owned();
    let app_route = path.rsplit('/').next().is_none_or(|last| !last.contains('.'));
    // For index.html in place of an app route: the same method and encodings as asked.
    let mut index_req = Request::new(axum::body::Body::empty());
    *index_req.method_mut() = req.method().clone();
    if let Some(accept) = req.headers().get(header::ACCEPT_ENCODING) {
        index_req.headers_mut().insert(header::ACCEPT_ENCODING, accept.clone());
    }
    // The build writes a .br and a .gz next to each file (scripts/finish-dist.mjs); the
    // client gets one of them by its Accept-Encoding, or the file itself.
    let Ok(res) = ServeDir::new(&dir).precompressed_br().precompressed_gzip().oneshot(req).await;
    if res.status() == StatusCode::NOT_FOUND && app_route {
        let index = ServeFile::new(dir.join("index.html")).precompressed_br().precompressed_gzip();
        let Ok(res) = index.oneshot(index_req).await;
        return caching("/index.html", res.into_response());
    }
    caching(&path, res.into_response())
}

/// Caching headers for a file served from the app's directory: a name carrying a content
/// hash (the build's `app-8bee18722f9fc23e.css`) never changes, so it is cached for a year;
/// everything else (`index.html`, the app's routes, unhashed files) is revalidated on each use.
fn caching(path: &str, mut res: Response) -> Response {
    if res.status().is_success() || res.status() == StatusCode::NOT_MODIFIED {
        let h = res.headers_mut();
        let policy =
            if minitoolai::hosting::content_hashed(path) { "public, max-age=31536000, immutable" } else { "no-cache" };
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
        h.append(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    res
}

fn landing() -> Response {
    let mut res = Html(LANDING).into_response();
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    res
}
