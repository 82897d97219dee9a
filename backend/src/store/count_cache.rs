//! Totals of searches (`num_results`), kept so that paging does not count every page.
//!
//! Counting the rows a filter matches reads all of them (tens of milliseconds at 100,000
//! rows), while a page reads only its own rows through an index. A listing asks for the
//! same filter page after page, so the total is counted once and reused while it is
//! known exact:
//!
//! - this process has made no write to fractals since it was counted (the store's write
//!   generation), so every client of one API process sees its own writes at once;
//! - and it is younger than [`TTL`], so writes through *other* processes sharing the
//!   database show after at most that long (as the page cache does).
//!
//! Concurrent requests for a total not known yet wait for one count instead of each
//! running their own (a burst of identical `COUNT(*)`s after every write or expiry).

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a total is trusted without asking the database.
pub const TTL: Duration = Duration::from_secs(1);
/// Distinct filters kept; beyond it the cache starts afresh (a cheap, bounded policy).
const MAX_ENTRIES: usize = 1024;

/// A known total: when and at which write generation it was counted.
#[derive(Debug, Clone, Copy)]
struct Known {
    generation: u64,
    counted: Instant,
    total: u64,
}

/// One filter's slot: its total, if known, and the gate one counter holds at a time.
#[derive(Debug, Default)]
struct Slot {
    known: Option<Known>,
    gate: Arc<tokio::sync::Mutex<()>>,
}

/// The cache, shared by a store and its clones.
#[derive(Debug)]
pub struct CountCache {
    /// The store's write counter (see [`super::Store::write_generation`]).
    writes: Arc<AtomicU64>,
    slots: Mutex<HashMap<String, Slot>>,
}

impl CountCache {
    /// A cache whose totals go stale when `writes` moves.
    pub fn new(writes: Arc<AtomicU64>) -> Self {
        Self { writes, slots: Mutex::default() }
    }

    fn generation(&self) -> u64 {
        self.writes.load(Ordering::Acquire)
    }

    /// The total for `key` if it is known exact now, else the gate to count it under.
    fn lookup(&self, key: &str) -> Result<u64, Arc<tokio::sync::Mutex<()>>> {
        let generation = self.generation();
        let Ok(mut slots) = self.slots.lock() else {
            // A panic elsewhere poisoned the map: count without sharing.
            return Err(Arc::default());
        };
        let fresh = |k: &Known| k.generation == generation && k.counted.elapsed() <= TTL;
        if let Some(known) = slots.get(key).and_then(|s| s.known).filter(fresh) {
            return Ok(known.total);
        }
        if slots.len() >= MAX_ENTRIES && !slots.contains_key(key) {
            slots.clear();
        }
        Err(slots.entry(key.to_owned()).or_default().gate.clone())
    }

    fn remember(&self, key: &str, known: Known) {
        if let Ok(mut slots) = self.slots.lock() {
            slots.entry(key.to_owned()).or_default().known = Some(known);
        }
    }

    /// The total for `key` (a filter and its parameters): the known one, or what `count`
    /// returns, which is then kept.
    pub async fn get_or_count<E, F>(&self, key: &str, count: impl FnOnce() -> F) -> Result<u64, E>
    where
        F: Future<Output = Result<u64, E>>,
    {
        let gate = match self.lookup(key) {
            Ok(total) => return Ok(total),
            Err(gate) => gate,
        };
        let _counting = gate.lock().await;
        // Someone else may have counted while this request waited.
        if let Ok(total) = self.lookup(key) {
            return Ok(total);
        }
        // Read before counting: a write that lands during the count moves the generation
        // past this one, so the total is not trusted after it.
        let generation = self.generation();
        let counted = Instant::now();
        let total = count().await?;
        self.remember(key, Known { generation, counted, total });
        Ok(total)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    async fn count_of(cache: &CountCache, key: &str, value: u64, calls: &AtomicU64) -> u64 {
        cache
            .get_or_count(key, || async {
                calls.fetch_add(1, Ordering::SeqCst);
                Ok::<_, ()>(value)
            })
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn a_total_is_reused_until_a_write() {
        let writes = Arc::new(AtomicU64::new(0));
        let cache = CountCache::new(writes.clone());
        let calls = AtomicU64::new(0);
        assert_eq!(count_of(&cache, "a", 5, &calls).await, 5);
        assert_eq!(count_of(&cache, "a", 6, &calls).await, 5, "known");
        assert_eq!(count_of(&cache, "b", 7, &calls).await, 7, "another filter");
        writes.fetch_add(1, Ordering::SeqCst);
        assert_eq!(count_of(&cache, "a", 6, &calls).await, 6, "a write since");
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn a_failed_count_is_not_kept() {
        let cache = CountCache::new(Arc::default());
        let failed: Result<u64, &str> = cache.get_or_count("a", || async { Err("down") }).await;
        assert_eq!(failed, Err("down"));
        assert_eq!(cache.get_or_count("a", || async { Ok::<_, &str>(3) }).await, Ok(3));
    }

    #[tokio::test]
    async fn concurrent_misses_count_once() {
        let cache = Arc::new(CountCache::new(Arc::default()));
        let calls = Arc::new(AtomicU64::new(0));
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let (cache, calls) = (cache.clone(), calls.clone());
                tokio::spawn(async move {
                    cache
                        .get_or_count("a", || async {
                            calls.fetch_add(1, Ordering::SeqCst);
                            tokio::time::sleep(Duration::from_millis(20)).await;
                            Ok::<_, ()>(9)
                        })
                        .await
                })
            })
            .collect();
        for t in tasks {
            assert_eq!(t.await.unwrap(), Ok(9));
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }
}
