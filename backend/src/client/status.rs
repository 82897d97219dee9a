//! The cluster at a glance (`GET /v1/status`, our API only), for the explorer's Cluster
//! panel and estimates of how long a batch will take.

use reqwest::Method;
use serde::Deserialize;

use super::{Client, ClientError};

/// Whether writes need tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct AuthStatus {
    /// Creating and deleting need the client token.
    pub client: bool,
    /// Results need a worker token of their own.
    pub worker: bool,
}

/// Fractals by status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
pub struct StatusCounts {
    /// Waiting for a renderer.
    pub pending: u64,
    /// Being rendered.
    pub rendering: u64,
    /// Finished with an image.
    pub done: u64,
    /// Finished without one.
    pub failed: u64,
}

/// The task queue.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct QueueStatus {
    /// `embedded` (the API renders) or `amqp` (RabbitMQ and workers).
    pub transport: String,
    /// Whether the queue answered.
    pub up: bool,
    /// Tasks waiting for a renderer, when the queue answered.
    pub depth: Option<u64>,
    /// Renderers consuming now, when the transport can tell.
    pub consumers: Option<u64>,
}

/// Work finished recently.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
pub struct Recent {
    /// How far back, in seconds.
    pub window_seconds: u64,
    /// Fractals finished in the window.
    pub done: u64,
    /// Pixels times iteration limit finished per second over the window.
    pub pixel_iterations_per_second: f64,
}

/// What `GET /v1/status` says.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ClusterStatus {
    /// The server's version.
    pub version: String,
    /// Whether writes need tokens.
    pub auth: AuthStatus,
    /// Fractals by status.
    pub fractals: StatusCounts,
    /// Tasks written but not yet handed to the queue.
    pub outbox_tasks: u64,
    /// The task queue.
    pub queue: QueueStatus,
    /// Recent throughput.
    pub recent: Recent,
}

impl ClusterStatus {
    /// Seconds `work` pixel-iterations should take at the recent rate, when there is one.
    pub fn estimate_seconds(&self, work: u64) -> Option<f64> {
        let rate = self.recent.pixel_iterations_per_second;
        (rate > 0.0).then(|| work as f64 / rate)
    }
}

impl Client {
    /// The cluster at a glance. The original API has no such route:
    /// [`ClientError::Unsupported`].
    pub async fn status(&self) -> Result<ClusterStatus, ClientError> {
        if !self.capabilities().await?.extended {
            return Err(ClientError::Unsupported {
                url: self.endpoint().to_string(),
                what: "a status summary (/v1/status)".into(),
            });
        }
        self.json(self.request(Method::GET, &["v1", "status"]), None).await
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn reads_the_servers_answer_and_estimates() {
        let s: ClusterStatus = serde_json::from_value(serde_json::json!({
            "server": "faafo-api", "version": "0.1.0", "auth": {"client": true, "worker": true},
            "fractals": {"pending": 2, "rendering": 1, "done": 7, "failed": 0}, "outbox_tasks": 0,
            "queue": {"transport": "amqp", "up": true, "depth": 2, "consumers": 3},
            "recent": {"window_seconds": 600, "done": 7, "pixel_iterations_per_second": 2.0e9}
        }))
        .unwrap();
        assert_eq!(s.queue.consumers, Some(3));
        assert_eq!(s.estimate_seconds(4_000_000_000), Some(2.0));
    }
}
