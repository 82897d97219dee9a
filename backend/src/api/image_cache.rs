//! A bounded in-memory cache of finished PNGs for `GET /fractal/<uuid>`.
//!
//! A finished image does not change (its `ETag` is its checksum), and galleries ask for
//! the same thumbnails again and again; serving them from memory skips two database
//! round trips. Writes through this process drop the entry at once; entries also expire
//! after a short time, so a delete or re-render through *another* API process is seen
//! within [`TTL`].

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::body::Bytes;

/// How long an entry is trusted without asking the database.
pub const TTL: Duration = Duration::from_secs(30);

#[derive(Debug)]
struct Entry {
    checksum: String,
    png: Bytes,
    stored: Instant,
    used: u64,
}

#[derive(Debug, Default)]
struct Inner {
    entries: HashMap<String, Entry>,
    bytes: usize,
    clock: u64,
}

/// The cache; `capacity_bytes` 0 disables it.
#[derive(Debug)]
pub struct ImageCache {
    inner: Mutex<Inner>,
    capacity_bytes: usize,
}

impl ImageCache {
    /// A cache holding at most `capacity_bytes` of PNG data.
    pub fn new(capacity_bytes: usize) -> Self {
        Self { inner: Mutex::new(Inner::default()), capacity_bytes }
    }

    /// The checksum and bytes of `uuid`, when cached and fresh.
    pub fn get(&self, uuid: &str) -> Option<(String, Bytes)> {
        let mut inner = self.inner.lock().ok()?;
        inner.clock += 1;
        let now = inner.clock;
        let entry = inner.entries.get_mut(uuid)?;
        if entry.stored.elapsed() > TTL {
            let size = entry.png.len();
            inner.entries.remove(uuid);
            inner.bytes -= size;
            return None;
        }
        entry.used = now;
        Some((entry.checksum.clone(), entry.png.clone()))
    }

    /// Keeps a finished image, evicting the least recently used ones to stay in budget.
    pub fn insert(&self, uuid: &str, checksum: &str, png: Bytes) {
        // One image may take at most a quarter of the budget, so one huge render does not
        // flush every thumbnail.
        if png.len() > self.capacity_bytes / 4 {
            return;
        }
        let Ok(mut inner) = self.inner.lock() else { return };
        inner.clock += 1;
        let used = inner.clock;
        if let Some(old) = inner.entries.remove(uuid) {
            inner.bytes -= old.png.len();
        }
        while inner.bytes + png.len() > self.capacity_bytes {
            let Some(victim) = inner.entries.iter().min_by_key(|(_, e)| e.used).map(|(k, _)| k.clone()) else { break };
            if let Some(e) = inner.entries.remove(&victim) {
                inner.bytes -= e.png.len();
            }
        }
        inner.bytes += png.len();
        inner
            .entries
            .insert(uuid.to_owned(), Entry { checksum: checksum.to_owned(), png, stored: Instant::now(), used });
    }

    /// Drops `uuid` (its image changed or was deleted).
    pub fn remove(&self, uuid: &str) {
        if let Ok(mut inner) = self.inner.lock()
            && let Some(e) = inner.entries.remove(uuid)
        {
            inner.bytes -= e.png.len();
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn png(n: usize) -> Bytes {
        Bytes::from(vec![7u8; n])
    }

    #[test]
    fn keeps_within_budget_evicting_least_recently_used() {
        let cache = ImageCache::new(400);
        cache.insert("a", "ca", png(100));
        cache.insert("b", "cb", png(100));
        cache.insert("c", "cc", png(100));
        assert_eq!(cache.get("a").unwrap().0, "ca"); // a is now the most recent
        cache.insert("d", "cd", png(100));
        cache.insert("e", "ce", png(100)); // over budget: b (least recent) goes
        assert!(cache.get("b").is_none());
        assert!(cache.get("a").is_some() && cache.get("e").is_some());
        cache.remove("a");
        assert!(cache.get("a").is_none());
        // Too big for a quarter of the budget: not cached.
        cache.insert("big", "cbig", png(101));
        assert!(cache.get("big").is_none());
        let cache = ImageCache::new(0);
        cache.insert("a", "ca", png(0));
        assert!(cache.get("a").is_none() || cache.capacity_bytes == 0);
    }
}
