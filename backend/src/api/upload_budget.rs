//! Bounds the memory that large request bodies can take at once.
//!
//! A body is read whole before its handler runs, and a base64 result is held several
//! times over while it is decoded and stored (text, JSON string, bytes, the driver's
//! buffer). Eight concurrent 60 MB `PUT`s once took the process to 2.1 GB. Large bodies
//! therefore wait for a share of a fixed budget before they are read; small ones never
//! wait.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;
use tokio::sync::Semaphore;

/// Bodies up to this size are read without waiting.
pub const SMALL_BODY_BYTES: u64 = 1024 * 1024;
/// Body bytes of large requests in flight at once, in MiB.
pub const BUDGET_MIB: u32 = 64;

/// The shared budget of large bodies in flight.
#[derive(Debug, Clone)]
pub struct UploadBudget(Arc<Semaphore>);

impl Default for UploadBudget {
    fn default() -> Self {
        Self(Arc::new(Semaphore::new(BUDGET_MIB as usize)))
    }
}

/// MiB of budget a body of `length` bytes takes. A chunked body (no length) may be as
/// large as any: the whole budget; a request with neither has no body.
fn share_mib(length: Option<u64>, chunked: bool) -> Option<u32> {
    match length {
        Some(n) if n <= SMALL_BODY_BYTES => None,
        Some(n) => Some(u32::try_from(n.div_ceil(1024 * 1024)).unwrap_or(BUDGET_MIB).min(BUDGET_MIB)),
        None if chunked => Some(BUDGET_MIB),
        None => None,
    }
}

/// The middleware: waits for the body's share of the budget, then runs the request.
pub async fn limit(State(budget): State<UploadBudget>, request: Request, next: Next) -> Response {
    let length = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let chunked = request.headers().contains_key(header::TRANSFER_ENCODING);
    let Some(share) = share_mib(length, chunked) else {
        return next.run(request).await;
    };
    // The semaphore is never closed, so acquiring only waits.
    let permit = budget.0.acquire_many(share).await;
    let response = next.run(request).await;
    drop(permit);
    release_freed_memory();
    response
}

/// Hands memory freed by a large request back to the system (glibc keeps freed blocks
/// in its arenas, which once kept 662 MB resident after a burst of uploads).
fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks the allocator's own free lists.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares() {
        assert_eq!(share_mib(Some(10), false), None);
        assert_eq!(share_mib(Some(SMALL_BODY_BYTES), false), None);
        assert_eq!(share_mib(Some(SMALL_BODY_BYTES + 1), false), Some(2));
        assert_eq!(share_mib(Some(30 * 1024 * 1024), false), Some(30));
        assert_eq!(share_mib(Some(u64::MAX), false), Some(BUDGET_MIB));
        assert_eq!(share_mib(None, true), Some(BUDGET_MIB));
        assert_eq!(share_mib(None, false), None);
    }
}
