//! `GET /metrics` in the Prometheus text exposition format (version 0.0.4).
//!
//! Every figure is read at scrape time from where the truth lives (the database and the
//! queue), so several API processes behind one balancer report the same numbers and a
//! restart loses no history.

use std::fmt::Write as _;

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::AppState;
use crate::wire::fractal::Status;

/// Upper bounds of the render-duration histogram, in seconds.
pub const DURATION_BOUNDS_SECONDS: [f64; 10] = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 60.0];

/// The handler.
pub async fn metrics(State(state): State<AppState>) -> Response {
    match render(&state).await {
        Ok(text) => {
            (StatusCode::OK, [(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], text).into_response()
        }
        Err(e) => {
            tracing::error!("/metrics: {e}");
            (StatusCode::SERVICE_UNAVAILABLE, "# the database is unavailable\n").into_response()
        }
    }
}

async fn render(state: &AppState) -> Result<String, crate::store::StoreError> {
    let mut out = String::new();
    let counts = state.store.status_counts().await?;
    out.push_str("# HELP faafo_fractals Fractals by status.\n# TYPE faafo_fractals gauge\n");
    for status in [Status::Pending, Status::Rendering, Status::Done, Status::Failed] {
        let n = counts.iter().find(|(s, _)| s == status.as_str()).map_or(0, |(_, n)| *n);
        let _ = writeln!(out, "faafo_fractals{{status=\"{}\"}} {n}", status.as_str());
    }

    let progress = super::health::Progress::read(&state.store).await?;
    out.push_str("# HELP faafo_outbox_tasks Tasks written but not yet confirmed by the queue.\n");
    let _ = writeln!(out, "# TYPE faafo_outbox_tasks gauge\nfaafo_outbox_tasks {}", progress.outbox_tasks);
    out.push_str("# HELP faafo_outbox_oldest_age_seconds Age of the oldest task waiting in the outbox (0: none).\n");
    let _ = writeln!(
        out,
        "# TYPE faafo_outbox_oldest_age_seconds gauge\nfaafo_outbox_oldest_age_seconds {:.3}",
        progress.outbox_oldest_seconds
    );

    let probe = tokio::time::timeout(std::time::Duration::from_secs(2), state.relay.queue.depth()).await;
    let transport = state.relay.queue.kind();
    out.push_str("# HELP faafo_queue_up Whether the task queue answered (1) or not (0).\n");
    let up = matches!(probe, Ok(Ok(_)));
    let _ = writeln!(out, "# TYPE faafo_queue_up gauge\nfaafo_queue_up{{transport=\"{transport}\"}} {}", u8::from(up));
    if let Ok(Ok(depth)) = probe {
        out.push_str("# HELP faafo_queue_depth Tasks waiting in the queue for a renderer.\n");
        let _ = writeln!(out, "# TYPE faafo_queue_depth gauge\nfaafo_queue_depth{{transport=\"{transport}\"}} {depth}");
    }

    let dead = tokio::time::timeout(std::time::Duration::from_secs(2), state.relay.queue.dead_letters()).await;
    if let Ok(Ok(dead)) = dead {
        out.push_str("# HELP faafo_dead_letters Tasks workers set aside (unparseable, or redelivered too often).\n");
        let _ =
            writeln!(out, "# TYPE faafo_dead_letters gauge\nfaafo_dead_letters{{transport=\"{transport}\"}} {dead}");
    }

    let h = state.store.duration_histogram(&DURATION_BOUNDS_SECONDS).await?;
    out.push_str("# HELP faafo_render_duration_seconds Render time of finished fractals.\n");
    out.push_str("# TYPE faafo_render_duration_seconds histogram\n");
    for (bound, n) in DURATION_BOUNDS_SECONDS.iter().zip(&h.cumulative) {
        let _ = writeln!(out, "faafo_render_duration_seconds_bucket{{le=\"{bound}\"}} {n}");
    }
    let _ = writeln!(out, "faafo_render_duration_seconds_bucket{{le=\"+Inf\"}} {}", h.count);
    let _ = writeln!(out, "faafo_render_duration_seconds_sum {}", h.sum_seconds);
    let _ = writeln!(out, "faafo_render_duration_seconds_count {}", h.count);
    Ok(out)
}
