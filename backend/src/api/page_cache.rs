//! A short-lived cache of `GET /v1/fractal` responses.
//!
//! Listing is the API's hot read (galleries and `faafo list` poll it) and costs a query
//! returning ten rows. A cached page is reused only while this process has made no write
//! to fractals since it was read ([`crate::store::Store::write_generation`]), so every
//! client of one API process reads its own writes; writes through *other* API processes
//! sharing the database show after at most [`TTL`].

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::body::Bytes;

/// How long a page is trusted without asking the database.
pub const TTL: Duration = Duration::from_secs(1);
/// Distinct queries kept; beyond it the cache starts afresh (a cheap, bounded policy).
const MAX_ENTRIES: usize = 512;

/// A cached response: status, body and `Link` header.
#[derive(Debug, Clone)]
pub struct Page {
    /// HTTP status.
    pub status: u16,
    /// The JSON body.
    pub body: Bytes,
    /// The `Link` header, if any.
    pub link: Option<String>,
}

#[derive(Debug)]
struct Entry {
    generation: u64,
    stored: Instant,
    page: Page,
}

/// The cache.
#[derive(Debug, Default)]
pub struct PageCache {
    entries: Mutex<HashMap<String, Entry>>,
}

impl PageCache {
    /// The page for `key`, if it was read at `generation` and is fresh.
    pub fn get(&self, key: &str, generation: u64) -> Option<Page> {
        let entries = self.entries.lock().ok()?;
        let e = entries.get(key)?;
        (e.generation == generation && e.stored.elapsed() <= TTL).then(|| e.page.clone())
    }

    /// Keeps `page`, read when the write generation was `generation`.
    pub fn insert(&self, key: String, generation: u64, page: Page) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
            entries.insert(key, Entry { generation, stored: Instant::now(), page });
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_write_or_time_makes_a_page_stale() {
        let cache = PageCache::default();
        let page = Page { status: 200, body: Bytes::from_static(b"{}"), link: None };
        cache.insert("page=1".into(), 7, page);
        assert!(cache.get("page=1", 7).is_some());
        assert!(cache.get("page=1", 8).is_none(), "a write since");
        assert!(cache.get("page=2", 7).is_none());
    }
}
