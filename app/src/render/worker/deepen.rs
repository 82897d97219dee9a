//! Automatic iterations that follow the picture: after a request's full picture, while
//! pixels hit the limit next to late escapes (false interior, the black blobs of a limit
//! too low), compute only those pixels again at four times the limit, and keep the raise
//! when enough of the picture escaped under it ([`faafo_engine::refine`]). Each kept
//! raise is sent as a picture whose key has the raised limit, with [`Raised`] saying why.

use std::sync::Arc;
use std::time::Instant;

use faafo_engine::Control;
use faafo_engine::refine::{LimitReport, deepen_limit_hits, probe_limit_hits};

use super::thread::{WorkerThread, smooth_and_colour};
use super::{InFlight, PassStats, RenderKey, WorkerEvent};

/// Pixels at the limit from which a probe of an eighth of them goes first.
const PROBE_FROM_HITS: u64 = 20_000;

/// Why a picture's limit is higher than requested.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Raised {
    /// The limit requested.
    pub from: u32,
    /// The limit the picture has now.
    pub to: u32,
    /// Share (0..=1) of the picture's pixels that had hit the requested limit and
    /// escaped under the raised one: the false interior removed.
    pub false_interior: f64,
}

impl Raised {
    /// The readout: "raised to 44,176 from 2,761: 2.8 % of pixels hit the limit".
    pub fn describe(&self) -> String {
        format!(
            "raised to {} from {}: {:.1} % of pixels hit the limit",
            thousands(self.to),
            thousands(self.from),
            self.false_interior * 100.0
        )
    }
}

/// `44176` → `44,176`.
pub fn thousands(n: u32) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

impl WorkerThread {
    /// Raises the limit of the retained full picture of `generation` while that shows
    /// false interior (up to `cap`), sending a picture after each kept raise. Stops when
    /// a newer request arrives (the running pass is cancelled like any expensive one).
    pub(super) fn deepen(&mut self, generation: u64, cap: u32) {
        let mut raised: Option<Raised> = None;
        loop {
            // Raising applies to the direct path's pictures; deep ones take their limit
            // from the depth.
            let Some(full) = self.full.as_ref().filter(|f| f.generation == generation) else { return };
            if full.key.frame.renders_deep(&full.key.fractal) {
                return; // past doubles: perturbation pictures are not deepened here
            }
            let limit = full.key.max_iterations;
            let report = LimitReport::of(&full.buffer, limit);
            let Some(next) = report.next_limit(cap).filter(|_| report.worth_deepening()) else { return };
            let key = RenderKey { max_iterations: next, ..full.key.clone() };
            let params = key.params(&full.grid);
            if self.absorb() {
                return;
            }
            let control = Arc::new(Control::new());
            let started = Instant::now();
            self.shared.set_in_flight(Some(InFlight {
                generation,
                cancel_after: Some(std::time::Duration::ZERO),
                started,
                full_resolution: true,
                control: Arc::clone(&control),
            }));
            let Some(full) = self.full.as_ref() else { return };
            // Many pixels at the limit: an eighth of them first, to stop cheaply where
            // the raise would not be kept (the last step of every raise).
            if report.hits >= PROBE_FROM_HITS {
                match probe_limit_hits(&params, &self.options, &control, &full.buffer) {
                    Ok(probe) if probe.promises(report.pixels) => {}
                    _ => {
                        self.shared.set_in_flight(None);
                        return;
                    }
                }
            }
            let result = deepen_limit_hits(&params, &self.options, &control, &full.buffer);
            self.shared.set_in_flight(None);
            let Ok(deeper) = result else { return };
            if !deeper.is_meaningful(report.pixels) {
                return;
            }
            let Some(full) = self.full.as_mut() else { return };
            deeper.apply(&mut full.buffer);
            let compute = started.elapsed();
            full.key = key;
            full.image = smooth_and_colour(&full.buffer, &self.look, &mut full.smooth);
            full.stats = PassStats {
                iterations: deeper.stats.iterations,
                pixels_computed: deeper.pixels,
                compute,
                total: started.elapsed(),
                kernel: deeper.stats.kernel,
            };
            let share = deeper.escaped as f64 / report.pixels.max(1) as f64;
            let r = match raised {
                Some(r) => Raised { to: next, false_interior: r.false_interior + share, ..r },
                None => Raised { from: limit, to: next, false_interior: share },
            };
            raised = Some(r);
            let mut picture = full.picture(false);
            picture.raised = Some(r);
            self.send(WorkerEvent::Picture(picture));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readout_groups_thousands() {
        assert_eq!(thousands(7), "7");
        assert_eq!(thousands(2761), "2,761");
        assert_eq!(thousands(44_176), "44,176");
        assert_eq!(thousands(1_000_000), "1,000,000");
        let r = Raised { from: 2761, to: 44_176, false_interior: 0.0283 };
        assert_eq!(r.describe(), "raised to 44,176 from 2,761: 2.8 % of pixels hit the limit");
    }
}
