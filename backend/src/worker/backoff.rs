//! Exponential backoff with jitter that a stop signal cuts short: one rule for every
//! retry loop of the worker (broker reconnects, the API probe, result uploads).

use std::time::Duration;

use tokio::sync::watch;

/// Delays that double from `first` up to `max`.
#[derive(Debug, Clone)]
pub struct Backoff {
    first: Duration,
    max: Duration,
    next: Duration,
}

impl Backoff {
    /// Starts at `first`, doubling up to `max`.
    pub fn new(first: Duration, max: Duration) -> Self {
        Self { first, max, next: first }
    }

    /// The delay the next [`Backoff::wait`] takes, before jitter.
    pub fn current(&self) -> Duration {
        self.next
    }

    /// Back to the first delay (after a success).
    pub fn reset(&mut self) {
        self.next = self.first;
    }

    /// Waits the current delay with jitter, then doubles it. Returns true when `stop`
    /// turned true first (the caller should stop retrying).
    pub async fn wait(&mut self, stop: &mut watch::Receiver<bool>) -> bool {
        let stopped = tokio::time::timeout(with_jitter(self.next), stop.wait_for(|s| *s)).await.is_ok();
        self.next = (self.next * 2).min(self.max);
        stopped
    }
}

/// `base` scaled by a factor in [0.5, 1.5), so workers that lost the API together do
/// not retry in lockstep.
fn with_jitter(base: Duration) -> Duration {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    // A cheap mix of the clock's low bits; statistical quality does not matter here.
    let mixed = nanos.wrapping_mul(2_654_435_761) >> 8;
    let fraction = f64::from(mixed % 1000) / 1000.0;
    base.mul_f64(0.5 + fraction)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn doubles_to_the_cap_and_stops_early() {
        let (tx, mut rx) = watch::channel(false);
        let mut b = Backoff::new(Duration::from_millis(1), Duration::from_millis(3));
        assert!(!b.wait(&mut rx).await);
        assert_eq!(b.current(), Duration::from_millis(2));
        assert!(!b.wait(&mut rx).await);
        assert_eq!(b.current(), Duration::from_millis(3), "capped");
        b.reset();
        assert_eq!(b.current(), Duration::from_millis(1));
        let mut long = Backoff::new(Duration::from_secs(3600), Duration::from_secs(3600));
        tx.send(true).unwrap();
        assert!(long.wait(&mut rx).await, "a stop ends the wait at once");
    }

    #[test]
    fn jitter_stays_within_half_and_one_and_a_half() {
        for _ in 0..100 {
            let d = with_jitter(Duration::from_secs(1));
            assert!(d >= Duration::from_millis(500) && d < Duration::from_millis(1500), "{d:?}");
        }
    }
}
