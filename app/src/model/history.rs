//! Back/forward history of locations, like a web browser's.
//!
//! Discrete changes (a double-click, a key, a bookmark, a box zoom, a panel change) each
//! make one entry. Continuous gestures (wheel, drag, pinch) would make hundreds, so a
//! gesture counts once: an entry is made only when it starts after a pause of
//! [`GESTURE_GAP_SECS`].

use crate::model::location::Location;

/// Seconds without continuous input after which the next wheel notch or drag starts a
/// new history entry.
pub const GESTURE_GAP_SECS: f64 = 0.6;

/// Most entries kept in each direction.
const MAX_ENTRIES: usize = 500;

/// The history stacks.
#[derive(Debug, Clone, Default)]
pub struct History {
    back: Vec<Location>,
    forward: Vec<Location>,
    /// Time (egui seconds) of the last continuous change, while a gesture may go on.
    last_continuous: Option<f64>,
}

impl History {
    /// Call before changing the location away from `current`. `continuous_at` is the
    /// time of a continuous change (wheel, drag), `None` for a discrete one.
    pub fn record(&mut self, current: Location, continuous_at: Option<f64>) {
        let starts_entry = match (continuous_at, self.last_continuous) {
            (Some(now), Some(last)) => now - last > GESTURE_GAP_SECS,
            _ => true,
        };
        self.last_continuous = continuous_at;
        if !starts_entry || self.back.last() == Some(&current) {
            return;
        }
        self.back.push(current);
        if self.back.len() > MAX_ENTRIES {
            self.back.remove(0);
        }
        self.forward.clear();
    }

    /// The location to go back to from `current`, if any.
    pub fn back(&mut self, current: Location) -> Option<Location> {
        let previous = self.back.pop()?;
        self.forward.push(current);
        self.last_continuous = None;
        Some(previous)
    }

    /// The location to go forward to from `current`, if any.
    pub fn forward(&mut self, current: Location) -> Option<Location> {
        let next = self.forward.pop()?;
        self.back.push(current);
        self.last_continuous = None;
        Some(next)
    }

    /// Whether [`History::back`] would do something.
    pub fn can_go_back(&self) -> bool {
        !self.back.is_empty()
    }

    /// Whether [`History::forward`] would do something.
    pub fn can_go_forward(&self) -> bool {
        !self.forward.is_empty()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

    use super::*;
    use crate::model::view::View;

    fn at(scale: f64) -> Location {
        Location { view: View::new(0.0, 0.0, scale), ..Location::default() }
    }

    #[test]
    fn back_and_forward_like_a_browser() {
        let mut h = History::default();
        assert!(!h.can_go_back());
        h.record(at(1.0), None);
        h.record(at(2.0), None);
        // Now at 3.
        assert_eq!(h.back(at(3.0)), Some(at(2.0)));
        assert_eq!(h.back(at(2.0)), Some(at(1.0)));
        assert_eq!(h.back(at(1.0)), None);
        assert_eq!(h.forward(at(1.0)), Some(at(2.0)));
        // A new change drops the forward entries.
        h.record(at(2.0), None);
        assert!(!h.can_go_forward());
    }

    #[test]
    fn a_gesture_is_one_entry() {
        let mut h = History::default();
        // Wheel notches 0.1 s apart from 1 down to 0.5: one entry (the start).
        for (i, s) in [1.0, 0.9, 0.8, 0.7, 0.6].into_iter().enumerate() {
            h.record(at(s), Some(i as f64 * 0.1));
        }
        // A pause, then another gesture.
        h.record(at(0.5), Some(5.0));
        h.record(at(0.4), Some(5.1));
        assert_eq!(h.back(at(0.3)), Some(at(0.5)));
        assert_eq!(h.back(at(0.5)), Some(at(1.0)));
        assert!(!h.can_go_back());
    }
}
