//! Cancellation and progress, shared between a render and whoever waits for it.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// A handle a caller keeps to cancel a render or watch its progress. Cancellation is
/// checked between bands of rows, so it takes effect within one band's worth of work.
#[derive(Debug, Default)]
pub struct Control {
    cancelled: AtomicBool,
    done_px: AtomicU64,
    total_px: AtomicU64,
}

impl Control {
    /// A fresh, uncancelled control.
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks the render to stop; it returns [`crate::RenderError::Cancelled`].
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::Relaxed);
    }

    /// Whether [`Control::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Relaxed)
    }

    /// Fraction of pixels finished, 0.0..=1.0.
    pub fn progress(&self) -> f32 {
        let total = self.total_px.load(Ordering::Relaxed);
        if total == 0 {
            return 0.0;
        }
        (self.done_px.load(Ordering::Relaxed) as f64 / total as f64).min(1.0) as f32
    }

    /// Pixels finished so far.
    pub fn done_pixels(&self) -> u64 {
        self.done_px.load(Ordering::Relaxed)
    }

    pub(crate) fn start(&self, total_px: u64) {
        self.done_px.store(0, Ordering::Relaxed);
        self.total_px.store(total_px, Ordering::Relaxed);
    }

    pub(crate) fn add_done(&self, px: u64) {
        self.done_px.fetch_add(px, Ordering::Relaxed);
    }
}
