//! The listening loop and its limits (connection cap, header/keep-alive timeout, body timeout
//! and size), the router, and graceful shutdown.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::routing::{any, get, post};
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::sync::Semaphore;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::timeout::RequestBodyTimeoutLayer;

use crate::cli::ServeArgs;
use crate::state::{Relay, Shared};
use crate::upstream::Upstream;
use crate::{guard, info, proxy, store};

/// How long running requests get to finish after a shutdown signal.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Opens the ledger, binds, prints the listening line, and serves until Ctrl-C or SIGTERM.
pub async fn run(args: ServeArgs) -> Result<(), String> {
    let key = std::env::var(&args.upstream_key_env)
        .map_err(|_| format!("--upstream-key-env: the environment variable {} is not set", args.upstream_key_env))?;
    let upstream = Upstream::new(&args.upstream, key, Duration::from_millis(args.upstream_timeout_ms))?;
    for o in &args.allow_origins {
        check_origin(o)?;
    }
    let store = store::open(&args.store.store).await.map_err(|e| e.to_string())?;
    let (hosts, any_ip_host) = Relay::hosts_for(args.bind, &args.hosts);
    let st: Shared = Arc::new(Relay {
        store: Arc::from(store),
        upstream,
        hosts,
        any_ip_host,
        origins: args.allow_origins.clone(),
        max_prompt_chars: args.max_prompt_chars,
        max_chat_chars: args.max_chat_chars,
        log: !args.quiet,
    });
    let app = router(st.clone(), &args);

    let listener = tokio::net::TcpListener::bind((args.bind, args.port))
        .await
        .map_err(|e| format!("cannot listen on {}:{}: {e}", args.bind, args.port))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        // The one line tests and scripts parse; everything else goes to stderr.
        writeln!(out, "minitoolai-relay listening on http://{addr}").map_err(|e| e.to_string())?;
        out.flush().map_err(|e| e.to_string())?;
    }
    eprintln!("minitoolai-relay: forwarding to {}", st.upstream.base());
    if st.upstream.is_plain_remote() {
        eprintln!("minitoolai-relay: WARNING: --upstream is plain http to another machine: the key crosses the network in clear text");
    }

    let connections = Arc::new(Semaphore::new(args.max_connections.max(1)));
    let header_timeout = Duration::from_millis(args.header_timeout_ms.max(1));
    let shutdown = shutdown_signal();
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            () = &mut shutdown => break,
        };
        let Ok((tcp, _peer)) = accepted else {
            // Out of file descriptors and the like: wait a little rather than spin.
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        let Ok(permit) = connections.clone().try_acquire_owned() else {
            // Over the cap: close at once rather than queue.
            drop(tcp);
            continue;
        };
        let _ = tcp.set_nodelay(true);
        let service = TowerToHyperService::new(app.clone());
        tokio::spawn(async move {
            let _permit = permit;
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                // Covers the headers of every request, the first and each one after an idle
                // keep-alive wait (hyper restarts the timer when a connection goes idle).
                .header_read_timeout(header_timeout)
                .keep_alive(true)
                .serve_connection(TokioIo::new(tcp), service);
            let _ = conn.await;
        });
    }
    eprintln!("minitoolai-relay: shutting down");
    // Let running streams finish (and settle) for a while.
    let all = u32::try_from(args.max_connections.max(1)).unwrap_or(u32::MAX);
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, connections.acquire_many(all)).await;
    Ok(())
}

fn check_origin(o: &str) -> Result<(), String> {
    let ok = (o.starts_with("https://") || o.starts_with("http://"))
        && !o.ends_with('/')
        && o.split("://").nth(1).is_some_and(|rest| !rest.is_empty() && !rest.contains('/'));
    if ok {
        Ok(())
    } else {
        Err(format!("--allow-origin: expected an exact origin such as https://app.example.com (got {o:?})"))
    }
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
pub fn router(st: Shared, args: &ServeArgs) -> Router {
    let chat = post(proxy::chat);
    let create = post(proxy::create_image);
    let status = post(proxy::job_status);
    let mut app = Router::new()
        .route("/api/chat-completions/", chat.clone())
        .route("/api/chat-completions", chat)
        .route("/api/texttoimage/", create.clone())
        .route("/api/texttoimage", create)
        .route("/api/texttoimage/jobs/", status.clone())
        .route("/api/texttoimage/jobs", status)
        .route("/api/info", get(info::info))
        .route("/api/{*rest}", any(proxy::not_found));
    app = match &args.static_dir {
        Some(dir) => app.fallback(static_files(dir)),
        None => app.fallback(proxy::not_found),
    };
    app.layer(DefaultBodyLimit::max(args.max_body_bytes))
        .layer(RequestBodyTimeoutLayer::new(Duration::from_millis(args.body_timeout_ms.max(1))))
        .layer(axum::middleware::from_fn_with_state(st.clone(), guard::guard))
        .layer(axum::middleware::from_fn_with_state(st.clone(), log))
        .with_state(st)
}

/// The app's files, precompressed copies (`.br`, `.gz`, written by scripts/finish-dist.mjs)
/// by the client's Accept-Encoding, with `index.html` for every other path.
fn static_files(dir: &Path) -> axum::routing::MethodRouter<Shared> {
    let index = ServeFile::new(dir.join("index.html")).precompressed_br().precompressed_gzip();
    let files = ServeDir::new(dir).precompressed_br().precompressed_gzip().fallback(index);
    axum::routing::any_service(files).layer(axum::middleware::from_fn(caching))
}

/// A file whose name carries a content hash (the build's `app-8bee18722f9fc23e.css`) never
/// changes, so it is cached for a year; `index.html` (also the answer for the app's routes)
/// and unhashed files are revalidated on each use.
async fn caching(req: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    use axum::http::{header, HeaderValue, StatusCode};
    let hashed = minitoolai::hosting::content_hashed(req.uri().path());
    let mut res = next.run(req).await;
    if res.status().is_success() || res.status() == StatusCode::NOT_MODIFIED {
        let html = res.headers().get(header::CONTENT_TYPE).is_some_and(|t| t.as_bytes().starts_with(b"text/html"));
        let h = res.headers_mut();
        let policy = if hashed && !html { "public, max-age=31536000, immutable" } else { "no-cache" };
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
        h.append(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    res
}

/// One line per request, never a token or key.
async fn log(
    axum::extract::State(st): axum::extract::State<Shared>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let started = std::time::Instant::now();
    let method = req.method().clone();
    let path: String = req.uri().path().chars().take(120).collect();
    let res = next.run(req).await;
    if st.log {
        eprintln!(
            "minitoolai-relay: {method} {} {} {}ms",
            st.upstream.scrub(&path),
            res.status().as_u16(),
            started.elapsed().as_millis()
        );
    }
    res
}
