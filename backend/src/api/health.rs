//! `GET /health`: liveness of the database and the queue, and whether work is moving.
//!
//! A database that answers is not enough: a pipeline whose outbox stopped draining, or
//! that stopped committing results while fractals wait, is reported `degraded` (HTTP 200,
//! so a balancer keeps the API in service: creates still work and nothing is lost).

use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;

use super::AppState;
use super::routes::json_response;
use crate::store::{Store, StoreError, seconds_since};

/// [`AppState::stall_after`] unless configured otherwise.
pub const DEFAULT_STALL_AFTER: Duration = Duration::from_secs(60);

/// How the work in the database is moving.
#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    /// Tasks written but not yet confirmed by the queue.
    pub outbox_tasks: u64,
    /// Age of the oldest of them, in seconds (0 when there is none).
    pub outbox_oldest_seconds: f64,
    /// Whether a fractal waits for a renderer.
    pub pending: bool,
    /// Seconds since any fractal row last changed (`None` for an empty table).
    pub last_change_seconds: Option<f64>,
}

impl Progress {
    /// Reads the figures from the database.
    pub async fn read(store: &Store) -> Result<Self, StoreError> {
        let outbox_tasks = store.outbox_len().await?;
        let outbox_oldest_seconds =
            store.outbox_oldest().await?.as_deref().and_then(seconds_since).unwrap_or(0.0).max(0.0);
        let (pending, last) = store.pending_and_last_change().await?;
        let last_change_seconds = last.as_deref().and_then(seconds_since).map(|s| s.max(0.0));
        Ok(Self { outbox_tasks, outbox_oldest_seconds, pending, last_change_seconds })
    }

    /// Why the pipeline counts as stalled after `limit`, if it does.
    pub fn stalled(&self, limit: Duration) -> Option<String> {
        let limit_s = limit.as_secs_f64();
        if self.outbox_tasks > 0 && self.outbox_oldest_seconds > limit_s {
            return Some(format!(
                "{} task(s) wait in the outbox, the oldest for {:.0} s (limit {limit_s:.0} s)",
                self.outbox_tasks, self.outbox_oldest_seconds
            ));
        }
        match self.last_change_seconds {
            Some(age) if self.pending && age > limit_s => Some(format!(
                "fractals wait for a renderer and no result has been committed for {age:.0} s (limit {limit_s:.0} s)"
            )),
            _ => None,
        }
    }
}

/// The handler.
pub async fn health(State(state): State<AppState>) -> Response {
    let progress = Progress::read(&state.store).await;
    let database = if progress.is_ok() { "ok" } else { "unavailable" };
    // Readiness of the queue: a passive declare, bounded so a hung broker cannot hang
    // the health check.
    let probe = tokio::time::timeout(Duration::from_secs(2), state.relay.queue.depth()).await;
    let queue = if matches!(probe, Ok(Ok(_))) { "ok" } else { "unavailable" };
    let stalled = progress.as_ref().ok().and_then(|p| p.stalled(state.stall_after));
    // Without the database nothing works (503); without the queue creates still work,
    // their tasks wait in the outbox, so the service stays in (200, "degraded").
    let status = if database != "ok" { StatusCode::SERVICE_UNAVAILABLE } else { StatusCode::OK };
    let healthy = database == "ok" && queue == "ok" && stalled.is_none();
    let mut body = json!({
        "status": if healthy { "ok" } else { "degraded" },
        "database": database,
        "queue": queue,
        "transport": state.relay.queue.kind(),
        "binary_upload": true,
        "work": if stalled.is_some() { "stalled" } else { "moving" },
    });
    if let Ok(p) = &progress {
        body["outbox_tasks"] = json!(p.outbox_tasks);
        body["outbox_oldest_seconds"] = json!((p.outbox_oldest_seconds * 10.0).round() / 10.0);
    }
    if let Some(reason) = stalled {
        body["reason"] = json!(reason);
    }
    json_response(status, &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stalled_names_the_reason() {
        let limit = Duration::from_secs(60);
        let moving =
            Progress { outbox_tasks: 3, outbox_oldest_seconds: 1.0, pending: true, last_change_seconds: Some(2.0) };
        assert_eq!(moving.stalled(limit), None);
        let stuck_outbox = Progress { outbox_oldest_seconds: 61.0, ..moving.clone() };
        assert!(stuck_outbox.stalled(limit).unwrap().contains("outbox"));
        let no_results = Progress { outbox_tasks: 0, last_change_seconds: Some(300.0), ..moving.clone() };
        assert!(no_results.stalled(limit).unwrap().contains("no result"));
        let idle = Progress { pending: false, ..no_results };
        assert_eq!(idle.stalled(limit), None, "an idle service with nothing pending is healthy");
    }
}
