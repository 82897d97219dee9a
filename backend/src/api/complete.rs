//! Every request runs to its end, whether or not its client waits for the answer.
//!
//! hyper drops a request's future when its connection closes. Dropped inside a database
//! call, that future could stop a unit of work half-way: sqlx's `Pool::begin` is not
//! cancel-safe on PostgreSQL, and a cancelled `BEGIN` left pooled connections inside
//! transactions that silently swallowed later writes (lost and duplicated tasks under
//! client disconnects). Handlers therefore run on a task of their own; the connection's
//! future only waits for it.

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use tracing::Instrument as _;

use crate::wire::WireError;

/// The middleware: runs the rest of the stack on its own task, in a span that names the
/// request (its events carry the method and path; `RUST_LOG=debug` logs each request).
pub async fn run_to_completion(request: Request, next: Next) -> Response {
    let span = tracing::info_span!("request", method = %request.method(), path = %request.uri().path());
    let started = std::time::Instant::now();
    let handled = async move {
        let response = next.run(request).await;
        tracing::debug!(status = response.status().as_u16(), ms = started.elapsed().as_secs_f64() * 1e3, "answered");
        response
    };
    match tokio::spawn(handled.instrument(span)).await {
        Ok(response) => response,
        Err(e) => {
            tracing::error!("a request handler failed: {e}");
            WireError { status: 500, body: json!({ "message": "internal error" }) }.into_response()
        }
    }
}
