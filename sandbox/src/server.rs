//! The HTTP server: axum's router behind our own accept loop, so that a fault can close a
//! connection without answering (axum's own `serve` always answers).

use crate::{api, Config, Sandbox};
use axum::body::Body;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tower::ServiceExt;

/// A sandbox serving on a socket; dropping it stops the server.
#[derive(Debug)]
pub struct Running {
    /// The address it listens on.
    pub addr: SocketAddr,
    /// The sandbox itself (state, clock, faults) for in-process tests.
    pub sandbox: Arc<Sandbox>,
    task: JoinHandle<()>,
}

impl Running {
    /// `http://ip:port`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Serves until the listener fails (the binary's main loop).
    pub async fn wait(mut self) {
        let _ = (&mut self.task).await;
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[derive(Debug)]
struct ConnectionDropped;

impl std::fmt::Display for ConnectionDropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by an injected fault")
    }
}

impl std::error::Error for ConnectionDropped {}

/// Binds `addr` and serves the sandbox API on it.
pub async fn start(config: Config, addr: SocketAddr) -> std::io::Result<Running> {
    let listener = TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let sandbox = Sandbox::new(config);
    sandbox.set_base_url(format!("http://{addr}"));
    let router = api::router(Arc::clone(&sandbox));
    let task = tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            };
            let router = router.clone();
            tokio::spawn(async move {
                let service =
                    hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
                        let router = router.clone();
                        async move {
                            let response = router.oneshot(request.map(Body::new)).await;
                            match response {
                                Ok(r)
                                    if r.extensions()
                                        .get::<crate::faults::DropConnection>()
                                        .is_some() =>
                                {
                                    Err(ConnectionDropped)
                                }
                                Ok(r) => Ok(r),
                                Err(never) => match never {},
                            }
                        }
                    });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Ok(Running {
        addr,
        sandbox,
        task,
    })
}
