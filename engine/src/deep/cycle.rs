//! Interior pixels found by their computation repeating itself.
//!
//! A pixel's perturbation loop is a deterministic function of its state (the orbit it
//! follows, the index in it, δ). Right after a rebase that state is (critical orbit,
//! index 0, δ) — δ being the pixel's own z. When a rebase leaves bit for bit the δ of an
//! earlier rebase, everything from there repeats: the pixel would go round the same
//! loop until the iteration limit, never escaping, so it is interior now, with the same
//! count and value as at the limit. Points inside a minibrot converge to an attracting
//! cycle and their doubles settle into an exact repetition, often long before a
//! million-iteration limit; points outside never repeat (they escape), and a pixel
//! whose doubles do not settle simply runs to the limit as before. No tolerance, no
//! guess: the counts are those of the full computation.
//!
//! Repetitions of any length (in rebases) are caught with Brent's method: the state of
//! rebase 2^k is kept and compared with the following ones until rebase 2^(k+1).

/// The rebase states one pixel has kept for comparison.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Cycle {
    /// The kept δ's bits and exponent.
    kept: ([u64; 2], i64),
    /// Rebases since it was kept.
    since: u32,
    /// Rebases between keeps (0 before the first).
    span: u32,
}

impl Cycle {
    /// Records the state after a rebase, δ = `w`·2^`s`: whether it equals a kept one
    /// (the computation repeats from here on).
    #[inline]
    pub(crate) fn repeats(&mut self, w: [f64; 2], s: i64) -> bool {
        let state = ([w[0].to_bits(), w[1].to_bits()], s);
        if self.span > 0 && state == self.kept {
            return true;
        }
        self.since += 1;
        if self.since >= self.span {
            self.kept = state;
            self.span = (self.span * 2).max(1);
            self.since = 0;
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `states` (δ's real part) until a repetition is reported: its index.
    fn first_repeat(states: &[f64]) -> Option<usize> {
        let mut c = Cycle::default();
        states.iter().position(|&x| c.repeats([x, 0.0], 0))
    }

    #[test]
    fn repetitions_of_any_length_are_found_after_a_lead_in() {
        assert_eq!(first_repeat(&[1.0, 2.0, 3.0, 4.0]), None);
        // A fixed point from the start, and after a lead-in.
        assert_eq!(first_repeat(&[5.0, 5.0]), Some(1));
        let lead_in = [9.0, 8.0, 7.0, 6.0, 5.0];
        for period in 1..=7 {
            let cycle: Vec<f64> = (0..period).map(|i| 0.5 + f64::from(i)).collect();
            let states: Vec<f64> = lead_in.iter().copied().chain(cycle.iter().copied().cycle().take(64)).collect();
            let at = first_repeat(&states).expect("a repetition");
            // Reported only on a state seen before, within a few periods of the cycle.
            assert!(states[..at].contains(&states[at]), "period {period}");
            assert!(at < lead_in.len() + 4 * period as usize + 8, "period {period}: {at}");
        }
    }

    #[test]
    fn near_misses_and_other_exponents_are_not_repetitions() {
        let mut c = Cycle::default();
        assert!(!c.repeats([1.0, 2.0], -5));
        assert!(!c.repeats([1.0, 2.0], -6));
        assert!(!c.repeats([1.0, f64::from_bits(2.0f64.to_bits() + 1)], -6));
        // −0 and +0 differ in bits: kept apart (a different computation may follow).
        assert!(!c.repeats([-0.0, 0.0], 0));
        assert!(!c.repeats([0.0, 0.0], 0));
        assert!(!c.repeats([0.0, 0.0], 0), "the kept state is still −0");
        // Kept at the next power of two, then found.
        assert!((0..4).any(|_| c.repeats([0.0, 0.0], 0)));
    }
}
