//! One connection to a cluster: its client, what the last refresh said, and when to ask
//! again — every [`REFRESH`] while all is well, with growing pauses (up to
//! [`MAX_BACKOFF`]) while the API is away, and at once when something changed.

use std::time::{Duration, Instant};

use faafo_backend::client::Client;
use faafo_backend::client::status::ClusterStatus;

use super::errors::{ClusterError, describe, is_refusal};
use super::tasks::StatusView;

/// Between refreshes while the API answers.
pub const REFRESH: Duration = Duration::from_secs(2);
/// Longest pause between tries while the API is away.
pub const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// What the last refresh found.
#[derive(Debug, Clone, PartialEq)]
pub enum Link {
    /// Our API answered its status.
    Up(ClusterStatus),
    /// The original API (no status route).
    Original,
    /// No answer (or a refusal); tried again after `retry_in`.
    Down {
        /// The window's text for it.
        error: String,
        /// The token was refused (not worth retrying fast).
        refused: bool,
        /// The pause before the next try.
        retry_in: Duration,
    },
}

/// A cluster connected to.
#[derive(Debug)]
pub struct Connection {
    pub client: Client,
    /// Tells this connection's answers from an earlier one's.
    pub generation: u64,
    pub link: Link,
    /// The last status our API gave (kept while it is away, for estimates).
    pub last_status: Option<ClusterStatus>,
    next_refresh: Instant,
    backoff: Duration,
    in_flight: bool,
}

/// The pause after `previous` failed tries' pause: doubling from 1 s up to [`MAX_BACKOFF`].
pub fn next_backoff(previous: Duration) -> Duration {
    (previous * 2).clamp(Duration::from_secs(1), MAX_BACKOFF)
}

impl Connection {
    /// Connected with `status` just read.
    pub fn new(client: Client, generation: u64, status: StatusView) -> Self {
        let mut c = Self {
            client,
            generation,
            link: Link::Original,
            last_status: None,
            next_refresh: Instant::now() + REFRESH,
            backoff: Duration::ZERO,
            in_flight: false,
        };
        c.take_status(Ok(status));
        c
    }

    /// The endpoint, normalised.
    pub fn endpoint(&self) -> String {
        self.client.endpoint().to_string()
    }

    /// Whether a refresh is due at `now` (none running); marks it running.
    pub fn refresh_due(&mut self, now: Instant) -> bool {
        if self.in_flight || now < self.next_refresh {
            return false;
        }
        self.in_flight = true;
        true
    }

    /// How long until the next refresh (for a timed repaint).
    pub fn until_refresh(&self, now: Instant) -> Duration {
        self.next_refresh.saturating_duration_since(now)
    }

    /// Ask again at the next frame (after a change the person made).
    pub fn refresh_soon(&mut self) {
        self.next_refresh = Instant::now();
    }

    /// Takes in a refresh's status and plans the next.
    pub fn take_status(&mut self, status: Result<StatusView, ClusterError>) {
        self.in_flight = false;
        match status {
            Ok(view) => {
                self.backoff = Duration::ZERO;
                self.link = match view {
                    StatusView::Ours(s) => {
                        self.last_status = Some(s.clone());
                        Link::Up(s)
                    }
                    StatusView::Original => Link::Original,
                };
                self.next_refresh = Instant::now() + REFRESH;
            }
            Err(e) => {
                self.backoff = next_backoff(self.backoff);
                let refused = is_refusal(&e);
                self.link = Link::Down { error: describe(&e), refused, retry_in: self.backoff };
                self.next_refresh = Instant::now() + self.backoff;
            }
        }
    }

    /// Whether the last refresh was answered.
    pub fn is_up(&self) -> bool {
        !matches!(self.link, Link::Down { .. })
    }

    /// Whether the server is our API (extensions, status, estimates).
    pub fn is_ours(&self) -> bool {
        matches!(self.link, Link::Up(_)) || self.last_status.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_a_ceiling() {
        let mut b = Duration::ZERO;
        let seen: Vec<u64> = (0..8)
            .map(|_| {
                b = next_backoff(b);
                b.as_secs()
            })
            .collect();
        assert_eq!(seen, [1, 2, 4, 8, 16, 30, 30, 30]);
    }
}
