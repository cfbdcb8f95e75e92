//! The HTTP listener: hyper's HTTP/1 server under limits axum's `serve` does not set — a
//! deadline for a request's headers (a client that opens a connection and sends nothing, or
//! drips its headers, is cut off), a lifetime per connection (an idle keep-alive connection
//! does not hold a slot for ever), and a cap on open connections (past it, new ones are closed
//! at once, so the health check and the dashboard keep answering under a flood of slow
//! clients).

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Semaphore, watch};

/// A request's headers must arrive within this.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(5);
/// A connection is closed after this long, whatever it does (requests have their own 10 s).
pub const CONNECTION_LIFETIME: Duration = Duration::from_secs(60);
/// Connections open at once; more are closed on accept.
pub const MAX_CONNECTIONS: usize = 512;

/// Serves `app` on `listener` until `stopped` turns true; then stops accepting and waits for
/// the open connections (the caller bounds that wait).
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    mut stopped: watch::Receiver<bool>,
) -> std::io::Result<()> {
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let mut open = tokio::task::JoinSet::new();
    loop {
        let accepted = tokio::select! {
            biased;
            _ = stopped.wait_for(|s| *s) => break,
            a = listener.accept() => a,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            // Out of descriptors or a reset before accept: the listener itself is fine.
            Err(e) => {
                tracing::warn!(event = "accept_failed", error = %e, "could not accept a connection");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            tracing::warn!(
                event = "connection_refused",
                limit = MAX_CONNECTIONS,
                "too many open connections; closed a new one"
            );
            drop(stream);
            continue;
        };
        let service = hyper_util::service::TowerToHyperService::new(app.clone());
        open.spawn(async move {
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_READ_TIMEOUT)
                .serve_connection(TokioIo::new(stream), service);
            let _ = tokio::time::timeout(CONNECTION_LIFETIME, connection).await;
            drop(slot);
        });
        // Forget the connections that ended.
        while open.try_join_next().is_some() {}
    }
    while open.join_next().await.is_some() {}
    Ok(())
}
