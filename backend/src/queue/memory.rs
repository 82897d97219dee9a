//! The in-process queue of the embedded mode: a channel to the built-in renderer.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::mpsc;

use super::{BoxFuture, QueueError, TaskQueue};

/// The sending side, handed to the outbox relay.
#[derive(Debug, Clone)]
pub struct InProcessQueue {
    tx: mpsc::UnboundedSender<String>,
    waiting: Arc<AtomicU64>,
}

/// The receiving side, owned by the renderer.
#[derive(Debug)]
pub struct InProcessReceiver {
    rx: mpsc::UnboundedReceiver<String>,
    waiting: Arc<AtomicU64>,
}

/// A connected pair.
pub fn channel() -> (InProcessQueue, InProcessReceiver) {
    let (tx, rx) = mpsc::unbounded_channel();
    let waiting = Arc::new(AtomicU64::new(0));
    (InProcessQueue { tx, waiting: waiting.clone() }, InProcessReceiver { rx, waiting })
}

impl InProcessQueue {
    /// Queues one body directly (the renderer's re-queue of unfinished work at start).
    pub fn send(&self, body: String) -> Result<(), QueueError> {
        self.tx.send(body).map_err(|_| QueueError::Closed)?;
        self.waiting.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}

impl InProcessReceiver {
    /// The next task body; `None` once every sender is gone.
    pub async fn recv(&mut self) -> Option<String> {
        let body = self.rx.recv().await?;
        self.waiting.fetch_sub(1, Ordering::Relaxed);
        Some(body)
    }
}

impl TaskQueue for InProcessQueue {
    fn publish<'a>(&'a self, bodies: &'a [String]) -> BoxFuture<'a, Result<(), QueueError>> {
        Box::pin(async move { bodies.iter().try_for_each(|b| self.send(b.clone())) })
    }

    fn depth(&self) -> BoxFuture<'_, Result<u64, QueueError>> {
        Box::pin(async move { Ok(self.waiting.load(Ordering::Relaxed)) })
    }

    fn kind(&self) -> &'static str {
        "embedded"
    }

    fn consumers(&self) -> BoxFuture<'_, Result<Option<u64>, QueueError>> {
        // The built-in renderer: one consumer, in this process.
        Box::pin(async { Ok(Some(1)) })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[tokio::test]
    async fn delivers_in_order_and_counts_depth() {
        let (q, mut rx) = channel();
        q.publish(&["a".to_owned(), "b".to_owned()]).await.unwrap();
        assert_eq!(q.depth().await.unwrap(), 2);
        assert_eq!(rx.recv().await.as_deref(), Some("a"));
        assert_eq!(q.depth().await.unwrap(), 1);
        assert_eq!(rx.recv().await.as_deref(), Some("b"));
        drop(rx);
        assert!(matches!(q.publish(&["c".to_owned()]).await, Err(QueueError::Closed)));
    }
}
