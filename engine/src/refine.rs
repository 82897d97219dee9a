//! Iterations that follow the picture: whether a render's limit was too low, and a
//! deeper limit for only the pixels that hit it.
//!
//! A limit that is too low shows as false interior: black blobs whose rims are pixels
//! that escaped late, just under the limit. [`LimitReport`] measures both — the share of
//! pixels at the limit, and how many of them border a pixel that escaped in the upper half
//! of the budget — and [`LimitReport::should_raise`] says when that is worth a deeper
//! pass (the rule Kalles Fraktaler's automatic iterations follow, in spirit: raise while
//! pixels keep escaping near the limit).
//!
//! [`deepen_limit_hits`] then computes only the pixels that hit the old limit, at the
//! new one, on the same fast kernels (a row's hits are gathered into one short row):
//! a pixel that escaped below the old limit escapes at the same step under any higher
//! limit, so it is kept as it is. The raise is kept when enough of the picture escaped
//! under it ([`Deepened::is_meaningful`]); false blobs pass that test, the true interior
//! of a shallow view (whose rim also escapes late, but thinly) does not.

use std::time::Instant;

use rayon::prelude::*;

use crate::buffer::EscapeBuffer;
use crate::control::Control;
use crate::error::RenderError;
use crate::kernel::Band;
use crate::kernel::derivative::Track;
use crate::params::Params;
use crate::render::{RenderOptions, RenderStats, Window};
use crate::sampling::SampleGrid;

/// Smallest share of pixels at the limit, bordering late escapes, that raises it.
pub const RAISE_MIN_SHARE: f64 = 0.0005;

/// Smallest number of such pixels that raises it (tiny views).
pub const RAISE_MIN_PIXELS: u64 = 8;

/// How a render's pixels relate to its iteration limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LimitReport {
    /// The limit the values were computed with.
    pub limit: u32,
    /// Pixels in the buffer.
    pub pixels: u64,
    /// Pixels that never escaped (hit the limit, or settled as interior).
    pub hits: u64,
    /// Of those, pixels with a 4-neighbour that escaped at or after half the limit:
    /// where a blob's rim says more steps would have let it escape.
    pub hits_by_late: u64,
    /// Pixels that escaped at or after half the limit.
    pub late: u64,
}

impl LimitReport {
    /// Measures `buffer`, computed with `limit`.
    pub fn of(buffer: &EscapeBuffer, limit: u32) -> Self {
        let (w, h) = (buffer.width() as usize, buffer.height() as usize);
        let (counts, norms) = (buffer.counts(), buffer.norms());
        let late_from = limit / 2;
        let late = |i: usize| norms[i] >= 0.0 && counts[i] >= late_from;
        let rows: Vec<(u64, u64, u64)> = (0..h)
            .into_par_iter()
            .map(|y| {
                let (mut hits, mut by_late, mut late_px) = (0, 0, 0);
                for x in 0..w {
                    let i = y * w + x;
                    if norms[i] >= 0.0 {
                        late_px += u64::from(counts[i] >= late_from);
                        continue;
                    }
                    hits += 1;
                    let near = (x > 0 && late(i - 1))
                        || (x + 1 < w && late(i + 1))
                        || (y > 0 && late(i - w))
                        || (y + 1 < h && late(i + w));
                    by_late += u64::from(near);
                }
                (hits, by_late, late_px)
            })
            .collect();
        let (hits, hits_by_late, late) = rows.iter().fold((0, 0, 0), |a, r| (a.0 + r.0, a.1 + r.1, a.2 + r.2));
        Self { limit, pixels: (w * h) as u64, hits, hits_by_late, late }
    }

    /// Share (0..=1) of pixels that hit the limit.
    pub fn hit_share(&self) -> f64 {
        if self.pixels == 0 { 0.0 } else { self.hits as f64 / self.pixels as f64 }
    }

    /// Whether a meaningful share of pixels hit the limit next to late escapes (at least
    /// [`RAISE_MIN_SHARE`] of the picture and [`RAISE_MIN_PIXELS`] pixels): worth trying
    /// a deeper limit on them.
    pub fn worth_deepening(&self) -> bool {
        self.hits_by_late >= RAISE_MIN_PIXELS && self.hits_by_late as f64 >= RAISE_MIN_SHARE * self.pixels as f64
    }

    /// The next limit to try: four times this one, at most `cap`; `None` at the cap.
    pub fn next_limit(&self, cap: u32) -> Option<u32> {
        let next = self.limit.saturating_mul(4).min(cap);
        (next > self.limit).then_some(next)
    }
}

/// Smallest share of the picture that must escape under the deeper limit for the raise
/// to count (below it the deeper pass is dropped and the limit stays).
pub const RAISE_MIN_ESCAPED_SHARE: f64 = 0.005;

/// One row's deeper values.
#[derive(Debug, Clone)]
struct RowValues {
    row: usize,
    /// The row's hit columns.
    cols: Vec<usize>,
    counts: Vec<u32>,
    norms: Vec<f32>,
    /// Empty unless the picture keeps the derivative.
    derivatives: Vec<[f32; 2]>,
}

/// A deeper pass over the pixels that hit a limit, not yet written into the picture.
#[derive(Debug, Clone)]
pub struct Deepened {
    /// Per row with hits: the row, its hit columns and their new values.
    rows: Vec<RowValues>,
    /// Pixels computed again (those that had hit the old limit).
    pub pixels: u64,
    /// Of those, pixels that escaped under the new limit.
    pub escaped: u64,
    /// Figures of the computation.
    pub stats: RenderStats,
    /// One in this many pixels at the limit was computed (1: all of them).
    stride: u64,
}

impl Deepened {
    /// Whether enough of a picture of `pixels` pixels escaped under the deeper limit
    /// ([`RAISE_MIN_ESCAPED_SHARE`]) for the raise to be worth keeping.
    pub fn is_meaningful(&self, pixels: u64) -> bool {
        self.escaped as f64 >= RAISE_MIN_ESCAPED_SHARE * pixels as f64 && self.escaped >= RAISE_MIN_PIXELS
    }

    /// Whether a probe ([`probe_limit_hits`]) says the whole deeper pass is likely to be
    /// kept: its escapes, scaled up to all the pixels at the limit, reach three quarters
    /// of what [`Deepened::is_meaningful`] asks (the whole pass then decides).
    pub fn promises(&self, pixels: u64) -> bool {
        (self.escaped * self.stride) as f64 >= 0.75 * RAISE_MIN_ESCAPED_SHARE * pixels as f64
    }

    /// Writes the new values into the buffer they were computed from.
    pub fn apply(&self, buffer: &mut EscapeBuffer) {
        let width = buffer.width() as usize;
        let tracked = buffer.derivatives().is_some();
        let (counts, norms, derivatives) = if tracked {
            buffer.planes_with_derivatives_mut()
        } else {
            let (c, n) = buffer.planes_mut();
            (c, n, &mut [][..])
        };
        for r in &self.rows {
            for (k, &x) in r.cols.iter().enumerate() {
                let i = r.row * width + x;
                counts[i] = r.counts[k];
                norms[i] = r.norms[k];
                if let (Some(d), Some(u)) = (derivatives.get_mut(i), r.derivatives.get(k)) {
                    *d = *u;
                }
            }
        }
    }
}

/// Computes again, with `params.max_iterations` (higher than the buffer's limit), only
/// the pixels of `buffer` that never escaped; `buffer` must hold escape values of exactly
/// `params`' image at a lower limit (escape colouring). Escaped pixels need nothing: they
/// escape at the same step under any higher limit. [`Deepened::apply`] writes the result.
pub fn deepen_limit_hits(
    params: &Params,
    options: &RenderOptions,
    control: &Control,
    buffer: &EscapeBuffer,
) -> Result<Deepened, RenderError> {
    deepen_every(params, options, control, buffer, 1)
}

/// Pixels at the limit probed per pixel computed by [`probe_limit_hits`].
pub const PROBE_STRIDE: usize = 8;

/// [`deepen_limit_hits`] for one in [`PROBE_STRIDE`] of the pixels at the limit (spread
/// evenly over the picture): an estimate, at an eighth of the cost, of whether the whole
/// deeper pass would be kept ([`Deepened::promises`]). Not to be applied.
pub fn probe_limit_hits(
    params: &Params,
    options: &RenderOptions,
    control: &Control,
    buffer: &EscapeBuffer,
) -> Result<Deepened, RenderError> {
    deepen_every(params, options, control, buffer, PROBE_STRIDE)
}

/// The deeper pass over every `stride`-th pixel at the limit of each row (rows offset
/// so the sample is spread in both directions).
fn deepen_every(
    params: &Params,
    options: &RenderOptions,
    control: &Control,
    buffer: &EscapeBuffer,
    stride: usize,
) -> Result<Deepened, RenderError> {
    params.validate(&options.limits)?;
    if (buffer.width(), buffer.height()) != (params.width, params.height) {
        return Err(RenderError::Params(crate::ParamError::Unparsable {
            what: "escape buffer",
            given: format!("{} x {}", buffer.width(), buffer.height()),
            expected: "the size of the image whose limit is raised",
        }));
    }
    let started = Instant::now();
    let mut grid = SampleGrid::new(params, Window::full(params.width, params.height), (0.0, 0.0), options)?;
    // The derivative is computed for exactly the pictures that keep it.
    grid.derivative = buffer.derivatives().is_some();
    grid.track = if buffer.holds_stripes() { Track::Stripes } else { Track::Derivative };
    let width = params.width as usize;
    let norms = buffer.norms();
    // One in `stride` of each row's pixels at the limit, the rows offset from each other.
    let picked = move |row: usize, norms: &[f32]| -> Vec<usize> {
        (0..width).filter(|&x| norms[x] < 0.0 && (x + row).is_multiple_of(stride)).collect()
    };
    control.start(norms.chunks(width).enumerate().map(|(row, n)| picked(row, n).len() as u64).sum());
    let rows: Vec<(u64, RowValues)> = norms
        .par_chunks(width)
        .enumerate()
        .filter_map(|(row, norms)| {
            let cols = picked(row, norms);
            if cols.is_empty() || control.is_cancelled() {
                return None;
            }
            // The row's hits side by side: one short row through the usual kernel.
            let xs: Vec<f64> = cols.iter().map(|&x| grid.xs()[x]).collect();
            let mut counts = vec![0u32; cols.len()];
            let mut norms = vec![0f32; cols.len()];
            let mut derivatives = vec![[0f32; 2]; if grid.derivative { cols.len() } else { 0 }];
            let ys = &grid.ys()[row..=row];
            let band = Band { xs: &xs, ys, counts: &mut counts, norms: &mut norms };
            let iterations = grid.compute_band(band, &mut derivatives);
            control.add_done(cols.len() as u64);
            Some((iterations, RowValues { row, cols, counts, norms, derivatives }))
        })
        .collect();
    if control.is_cancelled() {
        return Err(RenderError::Cancelled);
    }
    let iterations = rows.iter().map(|(i, _)| i).sum();
    let rows: Vec<_> = rows.into_iter().map(|(_, r)| r).collect();
    let pixels = rows.iter().map(|r| r.cols.len() as u64).sum();
    let escaped = rows.iter().flat_map(|r| r.norms.iter()).filter(|n| **n >= 0.0).count() as u64;
    let stats = RenderStats { iterations, kernel: grid.path, wall: started.elapsed() };
    Ok(Deepened { rows, pixels, escaped, stats, stride: stride as u64 })
}
