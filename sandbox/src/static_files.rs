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
    let app_route = req.uri().path().rsplit('/').next().is_none_or(|last| !last.contains('.'));
    let index = dir.join("index.html");
    let Ok(res) = ServeDir::new(&dir).oneshot(req).await;
    if res.status() == StatusCode::NOT_FOUND && app_route {
        let Ok(res) = ServeFile::new(index).oneshot(Request::new(axum::body::Body::empty())).await;
        return res.into_response();
    }
    res.into_response()
}

fn landing() -> Response {
    let mut res = Html(LANDING).into_response();
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    res
}
