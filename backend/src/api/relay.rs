//! The outbox relay: moves tasks from the database's outbox to the queue.
//!
//! `create` writes a fractal and its task in one transaction, then wakes the relay. The
//! relay publishes the oldest entries and deletes them only after the queue confirmed
//! them. While the broker is down it retries with backoff, and tasks wait in the
//! database: delayed, never lost. A crash between confirm and delete publishes a task
//! twice; renderers treat a task whose fractal is already done as finished.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::sync::Notify;

use crate::queue::TaskQueue;
use crate::store::Store;

/// Entries published per round trip to the broker.
const BATCH: u32 = 256;
/// Longest wait between retries while the broker or database is down.
const MAX_BACKOFF: Duration = Duration::from_secs(5);
/// How often the outbox is checked without a wake-up (another API process may have
/// written to it).
const IDLE_POLL: Duration = Duration::from_secs(2);

/// What the rest of the service shares with the relay.
#[derive(Debug, Clone)]
pub struct RelayHandle {
    /// Woken by `create` after a commit.
    pub wake: Arc<Notify>,
    /// False while publishing fails (readiness in `/health`).
    pub queue_ok: Arc<AtomicBool>,
    /// The queue tasks go to.
    pub queue: Arc<dyn TaskQueue>,
}

impl RelayHandle {
    /// A handle for `queue`, assumed reachable until a publish fails.
    pub fn new(queue: Arc<dyn TaskQueue>) -> Self {
        Self { wake: Arc::new(Notify::new()), queue_ok: Arc::new(AtomicBool::new(true)), queue }
    }
}

/// Runs the relay until the process ends.
pub async fn run(store: Store, handle: RelayHandle) {
    let mut backoff = Duration::from_millis(50);
    loop {
        match relay_once(&store, handle.queue.as_ref()).await {
            Ok(0) => {
                backoff = Duration::from_millis(50);
                // notify_one stores a permit, so a wake between the check and here is
                // not missed.
                let _ = tokio::time::timeout(IDLE_POLL, handle.wake.notified()).await;
            }
            Ok(_) => {
                if !handle.queue_ok.swap(true, Ordering::Relaxed) {
                    tracing::info!("queue reachable again; sending the tasks that waited");
                }
                backoff = Duration::from_millis(50);
            }
            Err(e) => {
                if handle.queue_ok.swap(false, Ordering::Relaxed) {
                    tracing::warn!("tasks wait in the outbox until this is fixed: {e}");
                }
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }
}

/// Publishes one batch; returns how many entries were sent.
#[tracing::instrument(name = "relay", level = "debug", skip_all)]
async fn relay_once(store: &Store, queue: &dyn TaskQueue) -> Result<usize, String> {
    let batch = store.outbox_batch(BATCH).await.map_err(|e| e.to_string())?;
    if batch.is_empty() {
        return Ok(0);
    }
    let (ids, bodies): (Vec<i64>, Vec<String>) = batch.into_iter().unzip();
    queue.publish(&bodies).await.map_err(|e| e.to_string())?;
    store.outbox_delete(&ids).await.map_err(|e| e.to_string())?;
    Ok(ids.len())
}
