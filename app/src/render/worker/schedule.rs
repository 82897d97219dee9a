//! Which passes a request runs, how long each is expected to take, and when a newer
//! request may cancel it: pure functions of the request, the retained picture and the
//! cost model, with no thread, channel or buffer in sight.

use std::time::Duration;

use faafo_engine::FractalKind;

use super::{Pass, RenderKey, WorkerConfig};

/// Time to copy one kept pixel in a shift (counts, norms, smooth values, colour).
const COPY_SECS_PER_PX: f64 = 3e-9;

/// Cost model: wall time per pixel of the last pass, with what it was measured on.
#[derive(Debug, Clone, Copy)]
struct Cost {
    kind: FractalKind,
    max_iterations: u32,
    ns_per_px: f64,
}

/// The worker's planning state: its tuning, what pixels have cost lately, and whether
/// the last shift was cancelled.
#[derive(Debug)]
pub(super) struct Schedule {
    config: WorkerConfig,
    cost: Option<Cost>,
    /// See [`Schedule::cancel_after`].
    shift_cancelled: bool,
}

impl Schedule {
    pub(super) fn new(config: WorkerConfig) -> Self {
        Self { config, cost: None, shift_cancelled: false }
    }

    /// The passes for `key`, given the key of the retained full picture (if any).
    pub(super) fn plan(&self, key: &RenderKey, retained: Option<&RenderKey>) -> Vec<Pass> {
        let (w, h) = (i64::from(key.frame.width), i64::from(key.frame.height));
        if let Some(full) = retained
            && full.fractal == key.fractal
            && full.max_iterations == key.max_iterations
            && let Some((dx, dy)) = full.frame.pixel_offset_to(&key.frame)
        {
            let kept = (w - dx.abs()).max(0) * (h - dy.abs()).max(0);
            // Worth it while at least half of the picture is kept.
            if kept * 2 >= w * h {
                return vec![Pass::Shift { dx, dy }];
            }
        }
        let pixels = key.frame.width as f64 * key.frame.height as f64;
        let budget = self.config.budget.as_secs_f64();
        if !self.config.previews {
            return vec![Pass::Full];
        }
        match self.estimate(key, pixels as u64) {
            Some(t) if t <= budget => vec![Pass::Full],
            Some(t) => {
                let divisor = (t / budget).sqrt().ceil().clamp(2.0, f64::from(self.config.max_divisor)) as u32;
                vec![Pass::Preview { divisor }, Pass::Full]
            }
            None => vec![Pass::Preview { divisor: 4 }, Pass::Full],
        }
    }

    /// How long `pass` may run before a newer request cancels it: zero for passes
    /// expected to be expensive, a few budgets for cheap ones (in case the estimate was
    /// wrong), `None` for one that must finish.
    pub(super) fn cancel_after(&self, key: &RenderKey, pass: Pass) -> Option<Duration> {
        let estimate = self.pass_estimate(key, pass);
        let budget = self.config.budget;
        let over = |limit: f64| estimate.is_none_or(|t| t > limit * budget.as_secs_f64());
        // Cheap passes finish even when superseded (their pictures still show,
        // reprojected), unless they overrun their estimate by far.
        let overrun = Some(budget * 3);
        match pass {
            // A preview is what keeps pictures coming while the view moves: only one
            // far over budget is worth abandoning at once.
            Pass::Preview { .. } if estimate.is_some_and(|t| t > 4.0 * budget.as_secs_f64()) => Some(Duration::ZERO),
            Pass::Preview { .. } => overrun,
            Pass::Full if over(1.0) => Some(Duration::ZERO),
            Pass::Full => overrun,
            // Each shift builds on the last one that finished; cancelling shift after
            // shift during a drag would grow the strips until none ever finished, so
            // after one cancelled shift the next always completes.
            Pass::Shift { .. } if self.shift_cancelled => None,
            Pass::Shift { .. } if over(1.0) => Some(Duration::ZERO),
            Pass::Shift { .. } => overrun,
        }
    }

    /// Records how a pass ended: whether it was cancelled, and the time it took for the
    /// pixels it computed (all of them when it finished, those done before a cancel;
    /// `None` when it failed).
    pub(super) fn finished(&mut self, key: &RenderKey, pass: Pass, cancelled: bool, measured: Option<(Duration, u64)>) {
        if let Pass::Shift { .. } = pass {
            self.shift_cancelled = cancelled;
        } else if let Some((took, pixels)) = measured {
            // What was done before a cancel still says what pixels cost here; without it
            // an optimistic estimate would be cancelled again and again.
            self.learn_cost(key, took, pixels);
        }
    }

    /// Expected seconds for a pass: computed pixels at the learnt rate, plus copying the
    /// kept ones for a shift (a few nanoseconds each: four planes moved, no colouring).
    fn pass_estimate(&self, key: &RenderKey, pass: Pass) -> Option<f64> {
        let computed = self.estimate(key, pass_pixels(key, pass))?;
        let copied = match pass {
            Pass::Shift { dx, dy } => {
                kept_pixels(u64::from(key.frame.width), u64::from(key.frame.height), dx, dy) as f64 * COPY_SECS_PER_PX
            }
            Pass::Full | Pass::Preview { .. } => 0.0,
        };
        Some(computed + copied)
    }

    /// Expected seconds for `pixels` of `key`, from the last measured pass. Cost is
    /// taken to grow linearly with the iteration limit (pessimistic: interior pixels
    /// settled by periodicity checks do not grow), and a different kind means no idea.
    fn estimate(&self, key: &RenderKey, pixels: u64) -> Option<f64> {
        let cost = self.cost?;
        if cost.kind != key.fractal.kind() {
            return None;
        }
        let ratio = (f64::from(key.max_iterations) / f64::from(cost.max_iterations)).max(1.0);
        Some(cost.ns_per_px * 1e-9 * pixels as f64 * ratio)
    }

    /// Folds a measurement into the cost model: half the new sample, half the old
    /// estimate (brought to this iteration limit), so one noisy pass (another process
    /// taking the CPU for a moment) does not swing the preview size from frame to frame.
    fn learn_cost(&mut self, key: &RenderKey, took: Duration, pixels: u64) {
        if pixels < 1024 {
            return; // too small to say anything about a full frame
        }
        let sample = took.as_secs_f64() * 1e9 / pixels as f64;
        let ns_per_px = match self.cost {
            Some(old) if old.kind == key.fractal.kind() => {
                let ratio = (f64::from(key.max_iterations) / f64::from(old.max_iterations)).max(1.0);
                0.5 * old.ns_per_px * ratio + 0.5 * sample
            }
            _ => sample,
        };
        self.cost = Some(Cost { kind: key.fractal.kind(), max_iterations: key.max_iterations, ns_per_px });
    }
}

/// Pixels a pass computes.
pub(super) fn pass_pixels(key: &RenderKey, pass: Pass) -> u64 {
    let (w, h) = (u64::from(key.frame.width), u64::from(key.frame.height));
    match pass {
        Pass::Full => w * h,
        Pass::Preview { divisor } => (w / u64::from(divisor)).max(2) * (h / u64::from(divisor)).max(2),
        Pass::Shift { dx, dy } => w * h - kept_pixels(w, h, dx, dy),
    }
}

/// Pixels of a `w` × `h` picture still in view after a move by (`dx`, `dy`).
fn kept_pixels(w: u64, h: u64, dx: i64, dy: i64) -> u64 {
    w.saturating_sub(dx.unsigned_abs()) * h.saturating_sub(dy.unsigned_abs())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::view::{Frame, View};
    use faafo_engine::Fractal;

    fn key(view: View) -> RenderKey {
        RenderKey { fractal: Fractal::Mandelbrot, frame: Frame::new(view, 240, 160), max_iterations: 300 }
    }

    #[test]
    fn a_pan_by_whole_pixels_is_one_shift_and_a_zoom_starts_with_a_preview() {
        let schedule = Schedule::new(WorkerConfig::default());
        let first = key(View::new(-0.7, 0.2, 1.2));
        let moved = RenderKey { frame: Frame { view: first.frame.panned(13.0, -7.0), ..first.frame }, ..first };
        let plan = schedule.plan(&moved, Some(&first));
        let [Pass::Shift { dx, dy }] = plan[..] else { panic!("{plan:?}") };
        assert_eq!((dx.abs(), dy.abs()), (13, 7));
        assert_eq!(pass_pixels(&moved, plan[0]), 240 * 160 - 227 * 153);
        let zoomed = key(View::new(-0.7, 0.2, 0.6));
        // No cost measured yet: a quarter-size preview, then the full picture.
        assert_eq!(schedule.plan(&zoomed, Some(&first)), vec![Pass::Preview { divisor: 4 }, Pass::Full]);
    }
}
