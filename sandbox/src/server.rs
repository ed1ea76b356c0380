//! The router, its layers, and the listening loop with graceful shutdown.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::timeout::RequestBodyTimeoutLayer;

use crate::auth::{bearer, key_id};
use crate::config::Args;
use crate::context::{FAULT_HEADER, REPLY_HEADER};
use crate::errors::{ApiError, Shape};
use crate::state::{AppState, Shared};
use crate::{admin, chat, images, static_files};

/// How long a client may take to send its request body.
const BODY_TIMEOUT: Duration = Duration::from_secs(30);
/// How long running streams get to finish after a shutdown signal.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Binds, prints the listening line, and serves until Ctrl-C or SIGTERM.
pub async fn run(args: Args) -> Result<(), String> {
    let st: Shared = Arc::new(AppState::new(&args, admin::new_admin_token()?));
    let app = router(st.clone(), &args);

    let listener = tokio::net::TcpListener::bind((args.bind, args.port))
        .await
        .map_err(|e| format!("cannot listen on {}:{}: {e}", args.bind, args.port))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        // The one line tests and scripts parse; everything else goes to stderr.
        writeln!(out, "minitoolai-sandbox listening on http://{addr}").map_err(|e| e.to_string())?;
        // The second line: what the /sandbox/ admin endpoints need (X-Sandbox-Admin).
        writeln!(out, "admin token: {}", st.admin_token).map_err(|e| e.to_string())?;
        out.flush().map_err(|e| e.to_string())?;
    }
    let keys = args.accounts().iter().map(|(k, _)| key_id(k)).collect::<Vec<_>>().join(", ");
    eprintln!("minitoolai-sandbox: NOT the real MiniToolAI service; keys: {keys}");
    if args.static_dir.is_some() {
        eprintln!("minitoolai-sandbox: open http://{addr}/ in a browser");
    }

    let limits = crate::serve::Limits {
        max_connections: args.max_connections,
        header_timeout: Duration::from_millis(args.header_timeout_ms.max(1)),
        grace: SHUTDOWN_GRACE,
    };
    crate::serve::serve(listener, app, limits, async {
        shutdown_signal().await;
        eprintln!("minitoolai-sandbox: shutting down");
    })
    .await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

/// Every route and layer.
pub fn router(st: Shared, args: &Args) -> Router {
    let chat = post(chat::chat_completions);
    let create = post(images::create);
    let status = post(images::status);

    let public = Router::new()
        .route("/api/chat-completions/", chat.clone())
        .route("/api/chat-completions", chat)
        .route("/api/texttoimage/", create.clone())
        .route("/api/texttoimage", create)
        .route("/api/texttoimage/jobs/", status.clone())
        .route("/api/texttoimage/jobs", status)
        .route("/api/{*rest}", axum::routing::any(api_not_found))
        .route("/sandbox/images/{file}", get(images::file))
        .route("/sandbox/balance", get(admin::balance))
        .route("/sandbox/info", get(admin::info))
        .route("/sandbox/stats", get(admin::stats))
        .route("/sandbox/{*rest}", axum::routing::any(api_not_found))
        .fallback(static_files::fallback)
        .layer(cors(args));
    // No CORS layer here: the admin guard grants no origin but the --admin-origin ones.
    let admin = Router::new()
        .route("/sandbox/keys", post(admin::create_key))
        .route("/sandbox/faults", post(admin::set_faults).get(admin::list_faults))
        .route("/sandbox/reset-stats", post(admin::reset_stats))
        .layer(middleware::from_fn_with_state(st.clone(), admin::guard));

    public
        .merge(admin)
        .layer(DefaultBodyLimit::max(args.max_body_bytes))
        .layer(RequestBodyTimeoutLayer::new(BODY_TIMEOUT))
        .layer(middleware::from_fn_with_state(st.clone(), observe))
        .layer(middleware::from_fn(mark))
        .with_state(st)
}

/// Marks every answer as the sandbox's (`x-minitoolai-sandbox: <version>`), so an app can
/// tell it is not talking to the real service, and adds the security headers: no sniffing,
/// no framing, and no content of any kind allowed to API and `/sandbox/` answers.
const SANDBOX_HEADER: &str = "x-minitoolai-sandbox";

async fn mark(req: Request, next: Next) -> Response {
    let api = req.uri().path().starts_with("/api/") || req.uri().path().starts_with("/sandbox/");
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(SANDBOX_HEADER, HeaderValue::from_static(env!("CARGO_PKG_VERSION")));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if api {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"),
        );
    } else if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        // The app's own policy is in its index.html; this one only forbids framing.
        h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("frame-ancestors 'none'"));
    }
    res
}

async fn api_not_found() -> Response {
    ApiError::new(Shape::OpenAi, StatusCode::NOT_FOUND, "not_found", "no such endpoint").into_response()
}

fn cors(args: &Args) -> CorsLayer {
    let layer = CorsLayer::new()
        .allow_methods([Method::GET, Method::POST, Method::OPTIONS])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            HeaderName::from_static(FAULT_HEADER),
            HeaderName::from_static(REPLY_HEADER),
        ])
        .expose_headers([
            header::RETRY_AFTER,
            HeaderName::from_static("retry-after-ms"),
            HeaderName::from_static(SANDBOX_HEADER),
        ])
        .max_age(Duration::from_secs(600));
    if !args.allow_origins.is_empty() {
        let origins: Vec<HeaderValue> = args
            .allow_origins
            .iter()
            .filter_map(|o| HeaderValue::from_str(o.trim().trim_end_matches('/')).ok())
            .collect();
        layer.allow_origin(AllowOrigin::list(origins))
    } else if args.bind.is_loopback() {
        layer.allow_origin(AllowOrigin::any())
    } else {
        layer
    }
}

/// The stats name of an endpoint path.
fn endpoint(path: &str) -> Option<&'static str> {
    match path.trim_end_matches('/') {
        "/api/chat-completions" => Some("chat-completions"),
        "/api/texttoimage" => Some("texttoimage"),
        "/api/texttoimage/jobs" => Some("texttoimage/jobs"),
        p if p.starts_with("/sandbox/images/") => Some("images"),
        _ => None,
    }
}

/// Counts requests and logs one line per request, without keys.
async fn observe(State(st): State<Shared>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let name = endpoint(req.uri().path());
    let who = bearer(req.headers()).map(key_id);
    let method = req.method().clone();
    let path: String = req.uri().path().chars().take(120).collect();
    if let Some(name) = name {
        st.stats.request(name, who.clone());
    }
    let res = next.run(req).await;
    if let Some(name) = name {
        st.stats.status(name, res.status().as_u16());
    }
    if st.log {
        let path = if st.ledger.mentions_a_key(&path) { "[path redacted]".to_owned() } else { path };
        eprintln!(
            "minitoolai-sandbox: {method} {path} {} {}ms key={}",
            res.status().as_u16(),
            started.elapsed().as_millis(),
            who.as_deref().unwrap_or("-")
        );
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_names() {
        assert_eq!(endpoint("/api/chat-completions/"), Some("chat-completions"));
        assert_eq!(endpoint("/api/texttoimage"), Some("texttoimage"));
        assert_eq!(endpoint("/api/texttoimage/jobs/"), Some("texttoimage/jobs"));
        assert_eq!(endpoint("/sandbox/images/ab.png"), Some("images"));
        assert_eq!(endpoint("/"), None);
    }
}
