//! The task queue between `faafo-api` and the renderers, behind one small trait.
//!
//! Two implementations:
//! - [`amqp::AmqpQueue`]: RabbitMQ with the original's topology (exchange `tasks`,
//!   direct and durable; queue `normal` bound with key `normal`), persistent messages and
//!   publisher confirms. The original's workers can consume what it publishes.
//! - [`memory::InProcessQueue`]: a channel to the embedded renderer, for the all-in-one
//!   service with no broker.
//!
//! A message body is the original's: the created fractal's JSON object.

pub mod amqp;
pub mod memory;

use std::future::Future;
use std::pin::Pin;

/// The exchange tasks are published to (the original's name).
pub const EXCHANGE: &str = "tasks";
/// The routing key and queue of ordinary tasks (the original's name).
pub const QUEUE: &str = "normal";
/// Where workers put tasks that cannot be processed (unparseable, or redelivered too
/// often), so they are kept for inspection instead of lost or retried forever.
pub const DEAD_QUEUE: &str = "normal.dead";

/// A boxed future, so the trait stays object safe.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A queue failure.
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    /// The broker could not be reached or refused an operation.
    #[error("message broker: {0}")]
    Broker(String),
    /// The broker received a message but would not take responsibility for it.
    #[error("message broker refused a message (negative publisher confirm)")]
    Nacked,
    /// The in-process consumer is gone.
    #[error("the in-process queue is closed")]
    Closed,
    /// The transport URL is not one we support.
    #[error("{0}")]
    Url(String),
}

impl From<lapin::Error> for QueueError {
    fn from(e: lapin::Error) -> Self {
        Self::Broker(e.to_string())
    }
}

/// Where new tasks go.
pub trait TaskQueue: Send + Sync + std::fmt::Debug {
    /// Publishes task bodies. `Ok` means the queue has taken responsibility for every
    /// one of them (for AMQP: the broker confirmed them), so the caller may forget them.
    fn publish<'a>(&'a self, bodies: &'a [String]) -> BoxFuture<'a, Result<(), QueueError>>;

    /// Tasks waiting to be taken, when the queue can tell.
    fn depth(&self) -> BoxFuture<'_, Result<u64, QueueError>>;

    /// Messages workers set aside in the dead-letter queue (unparseable, or redelivered
    /// too often). The in-process queue has none: its renderer marks such tasks failed.
    fn dead_letters(&self) -> BoxFuture<'_, Result<u64, QueueError>> {
        Box::pin(async { Ok(0) })
    }

    /// Short name for health output and logs: `amqp` or `embedded`.
    fn kind(&self) -> &'static str;

    /// Renderers consuming the queue right now, where the transport can tell.
    fn consumers(&self) -> BoxFuture<'_, Result<Option<u64>, QueueError>> {
        Box::pin(async { Ok(None) })
    }
}

/// A transport URL with the password hidden, for logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}{user}:***{}", &url[..scheme + 3], &url[at..])
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn redact_hides_only_the_password() {
        assert_eq!(redact("amqp://guest:secret@host:5672/%2f"), "amqp://guest:***@host:5672/%2f");
        assert_eq!(redact("amqp://host:5672"), "amqp://host:5672");
    }
}
