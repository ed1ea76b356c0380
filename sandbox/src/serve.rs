//! The listening loop and its limits: a connection cap (more are closed at once), a header
//! read timeout that also closes idle keep-alive connections, and graceful shutdown.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

/// The limits of the loop.
pub struct Limits {
    /// Most open connections.
    pub max_connections: usize,
    /// Time a client gets to send a request's headers, and to start the next request on an
    /// idle keep-alive connection.
    pub header_timeout: Duration,
    /// How long running requests get to finish after `shutdown` resolves.
    pub grace: Duration,
}

/// Serves `app` on `listener` until `shutdown` resolves, then waits up to the grace time.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let connections = Arc::new(Semaphore::new(limits.max_connections.max(1)));
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
            drop(tcp);
            continue;
        };
        // Small SSE writes must leave at once.
        let _ = tcp.set_nodelay(true);
        let service = TowerToHyperService::new(app.clone());
        let header_timeout = limits.header_timeout;
        tokio::spawn(async move {
            let _permit = permit;
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                // hyper restarts this timer whenever a connection goes idle between requests.
                .header_read_timeout(header_timeout)
                .keep_alive(true)
                .serve_connection(TokioIo::new(tcp), service);
            let _ = conn.await;
        });
    }
    let all = u32::try_from(limits.max_connections.max(1)).unwrap_or(u32::MAX);
    let _ = tokio::time::timeout(limits.grace, connections.acquire_many(all)).await;
}
