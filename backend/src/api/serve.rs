//! The HTTP/1.1 server under the router, with the limits that keep it up under abuse.
//!
//! `axum::serve` has no header or body read timeout and no connection cap: 20,000
//! slow-header connections ("slowloris") once used up the process's file descriptors
//! and locked every client out. Here:
//!
//! - headers must arrive within [`ServeLimits::header_read`] (hyper's timer; the same
//!   timeout closes keep-alive connections that sit idle waiting for the next request);
//! - a request body must arrive whole within [`ServeLimits::body_read`];
//! - at most [`ServeLimits::max_connections`] connections are open; when a new one comes
//!   in at the cap, the oldest connection that is not serving a request (reading headers,
//!   or idle) is closed to make room, so well-behaved clients always get in;
//! - on shutdown, idle connections close and requests in flight finish (up to
//!   [`SHUTDOWN_GRACE`]).

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::Request;
use http_body::{Frame, SizeHint};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};
use tower::ServiceExt as _;

/// How long requests in flight may take to finish once shutdown starts.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// The server's limits.
#[derive(Debug, Clone, Copy)]
pub struct ServeLimits {
    /// Time allowed for a request's headers (and for an idle keep-alive connection to
    /// send its next request).
    pub header_read: Duration,
    /// Time allowed for a whole request body, from the end of its headers.
    pub body_read: Duration,
    /// Connections open at once; at the cap the oldest idle one is closed.
    pub max_connections: usize,
}

impl Default for ServeLimits {
    fn default() -> Self {
        Self { header_read: Duration::from_secs(10), body_read: Duration::from_secs(120), max_connections: 10_000 }
    }
}

/// Raises this process's open-file limit to its hard limit (sockets are files) and
/// returns the connection cap that leaves room for the database pool, image files and
/// logs: `wanted`, lowered to fit.
pub fn fit_connection_cap(wanted: usize) -> usize {
    const RESERVED_FDS: u64 = 256;
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit/setrlimit only read and write the struct we pass.
    let soft = unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return wanted;
        }
        if limit.rlim_cur < limit.rlim_max {
            let raised = libc::rlimit { rlim_cur: limit.rlim_max, rlim_max: limit.rlim_max };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                limit.rlim_cur = limit.rlim_max;
            }
        }
        limit.rlim_cur
    };
    let room = usize::try_from(soft.saturating_sub(RESERVED_FDS)).unwrap_or(usize::MAX).max(16);
    wanted.min(room)
}

/// One open connection, as the cap sees it.
#[derive(Debug)]
struct Slot {
    /// Requests being served (response bodies included).
    busy: Arc<AtomicUsize>,
    /// Closes the connection at once.
    evict: Arc<Notify>,
}

/// The open connections, oldest first.
#[derive(Debug, Default)]
struct Connections {
    slots: Mutex<BTreeMap<u64, Slot>>,
    next_id: AtomicU64,
    /// Woken when a connection ends (shutdown waits on it).
    closed: Notify,
}

impl Connections {
    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<u64, Slot>> {
        self.slots.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Registers a new connection, first closing the oldest idle one when at `cap`.
    fn admit(&self, cap: usize) -> (u64, Arc<AtomicUsize>, Arc<Notify>) {
        let mut slots = self.lock();
        if slots.len() >= cap {
            let idle = slots.iter().find(|(_, s)| s.busy.load(Ordering::Acquire) == 0).map(|(id, _)| *id);
            if let Some(slot) = idle.and_then(|id| slots.remove(&id)) {
                slot.evict.notify_one();
            }
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let slot = Slot { busy: Arc::default(), evict: Arc::new(Notify::new()) };
        let handles = (id, slot.busy.clone(), slot.evict.clone());
        slots.insert(id, slot);
        handles
    }

    fn remove(&self, id: u64) {
        self.lock().remove(&id);
        self.closed.notify_waiters();
    }

    fn len(&self) -> usize {
        self.lock().len()
    }
}

/// Counts a request as in flight until its response body is dropped.
#[derive(Debug)]
struct InFlight(Arc<AtomicUsize>);

impl InFlight {
    fn new(busy: &Arc<AtomicUsize>) -> Self {
        busy.fetch_add(1, Ordering::AcqRel);
        Self(busy.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Error of a request body that did not arrive in time.
#[derive(Debug, thiserror::Error)]
#[error("the request body did not arrive within {0:?}")]
pub struct BodyTimeout(Duration);

/// A request body that fails once its deadline passes.
struct DeadlineBody {
    inner: Incoming,
    deadline: Pin<Box<tokio::time::Sleep>>,
    limit: Duration,
}

impl http_body::Body for DeadlineBody {
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if let Poll::Ready(frame) = Pin::new(&mut self.inner).poll_frame(cx) {
            return Poll::Ready(frame.map(|f| f.map_err(Into::into)));
        }
        match self.deadline.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Some(Err(BodyTimeout(self.limit).into()))),
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// Serves `app` on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ServeLimits,
    shutdown: impl Future<Output = ()> + Send,
) -> std::io::Result<()> {
    let connections = Arc::new(Connections::default());
    let (stop_tx, stop_rx) = watch::channel(false);
    tokio::pin!(shutdown);
    let mut accept_failed = false;
    loop {
        let (stream, _) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => { accept_failed = false; a }
                Err(e) => {
                    // Out of file descriptors (or another transient failure): say so
                    // once, wait for connections to close, and keep serving.
                    if !accept_failed {
                        tracing::warn!("cannot accept a connection: {e}; retrying");
                    }
                    accept_failed = true;
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let (id, busy, evict) = connections.admit(limits.max_connections);
        let (app, connections, mut stop_rx) = (app.clone(), connections.clone(), stop_rx.clone());
        tokio::spawn(async move {
            let _ = stream.set_nodelay(true);
            let service = hyper::service::service_fn(move |request: Request<Incoming>| {
                let in_flight = InFlight::new(&busy);
                let (parts, incoming) = request.into_parts();
                let body = DeadlineBody {
                    inner: incoming,
                    deadline: Box::pin(tokio::time::sleep(limits.body_read)),
                    limit: limits.body_read,
                };
                let request = Request::from_parts(parts, Body::new(body));
                let app = app.clone();
                async move {
                    let response = app.oneshot(request).await?;
                    // The request counts as busy until its response body is gone.
                    Ok::<_, std::convert::Infallible>(response.map(|b| {
                        use http_body_util::BodyExt as _;
                        Body::new(b.map_frame(move |f| {
                            let _ = &in_flight;
                            f
                        }))
                    }))
                }
            });
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder.timer(TokioTimer::new()).header_read_timeout(limits.header_read).keep_alive(true);
            let connection = builder.serve_connection(TokioIo::new(stream), service);
            tokio::pin!(connection);
            tokio::select! {
                _ = connection.as_mut() => {}
                () = evict.notified() => {}
                () = async { let _ = stop_rx.wait_for(|stop| *stop).await; } => {
                    connection.as_mut().graceful_shutdown();
                    let _ = tokio::time::timeout(SHUTDOWN_GRACE, connection.as_mut()).await;
                }
            }
            connections.remove(id);
        });
    }
    drop(listener);
    let _ = stop_tx.send(true);
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, async {
        while connections.len() > 0 {
            let closed = connections.closed.notified();
            if connections.len() == 0 {
                break;
            }
            let _ = tokio::time::timeout(Duration::from_millis(100), closed).await;
        }
    })
    .await;
    Ok(())
}
