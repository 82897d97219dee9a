//! `GET /v1/status`: what a client needs to show a cluster at a glance — the server's
//! version, whether writes need tokens, fractals by status, the queue and its consumers,
//! and the recent throughput (for time estimates). It needs the client token when one is
//! configured (it tells how busy the cluster is); the original's routes are unchanged.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;

use super::AppState;
use super::extract::RequireClient;
use super::routes::json_response;
use crate::store::format_unix;
use crate::wire::WireError;
use crate::wire::fractal::Status;

/// How far back the throughput looks.
pub const THROUGHPUT_WINDOW: Duration = Duration::from_secs(600);

/// The handler.
pub async fn status(State(state): State<AppState>, _: RequireClient) -> Result<Response, WireError> {
    let unavailable = |e: crate::store::StoreError| {
        tracing::error!("/v1/status: {e}");
        WireError { status: 503, body: json!({ "message": "the database is unavailable" }) }
    };
    let counts = state.store.status_counts().await.map_err(unavailable)?;
    let fractals: serde_json::Map<_, _> = [Status::Pending, Status::Rendering, Status::Done, Status::Failed]
        .iter()
        .map(|s| {
            let n = counts.iter().find(|(name, _)| name == s.as_str()).map_or(0, |(_, n)| *n);
            (s.as_str().to_owned(), json!(n))
        })
        .collect();
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    let since = format_unix(now.saturating_sub(THROUGHPUT_WINDOW).as_secs() as i64, 0);
    let (recent, work) = state.store.done_since(&since).await.map_err(unavailable)?;
    let outbox = state.store.outbox_len().await.map_err(unavailable)?;
    // Bounded, so a hung broker cannot hang the answer.
    let limit = Duration::from_secs(2);
    let depth = tokio::time::timeout(limit, state.relay.queue.depth()).await.ok().and_then(Result::ok);
    let consumers =
        tokio::time::timeout(limit, state.relay.queue.consumers()).await.ok().and_then(Result::ok).flatten();
    Ok(json_response(
        StatusCode::OK,
        &json!({
            "server": "faafo-api",
            "version": env!("CARGO_PKG_VERSION"),
            "auth": { "client": state.auth.has_client_token(), "worker": state.auth.has_worker_token() },
            "fractals": fractals,
            "outbox_tasks": outbox,
            "queue": {
                "transport": state.relay.queue.kind(),
                "up": depth.is_some(),
                "depth": depth,
                "consumers": consumers,
            },
            "recent": {
                "window_seconds": THROUGHPUT_WINDOW.as_secs(),
                "done": recent,
                "pixel_iterations_per_second": work / THROUGHPUT_WINDOW.as_secs_f64(),
            },
        }),
    ))
}
