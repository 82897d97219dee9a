//! The iteration step of each fractal kind, and everything per-render that the kernels
//! need around it (start values, escape test, smooth value, shortcuts).

use super::simd::Simd;
use crate::fractal::Fractal;

/// One update `z ← f(z) + c`, written once for every [`Simd`] type.
pub(crate) trait Formula: Copy + Send + Sync {
    /// Whether the escape test may need `hypot` (the classic kind): lets the kernels of
    /// the other kinds compile without that check in their hot loops.
    const EXACT_HYPOT: bool = false;

    /// The next `(re, im)`.
    fn step<S: Simd>(&self, s: S, x: S::V, y: S::V, cx: S::V, cy: S::V) -> (S::V, S::V);

    /// The next `(re, im)` and |z|² of the current state, sharing products where the
    /// formula allows. On the non-fused (scalar) path the results equal `step` and
    /// `norm` exactly.
    #[inline(always)]
    fn step_norm<S: Simd>(&self, s: S, x: S::V, y: S::V, cx: S::V, cy: S::V) -> (S::V, S::V, S::V) {
        let (nx, ny) = self.step(s, x, y, cx, cy);
        (nx, ny, norm(s, x, y))
    }
}

/// |z|² as every path computes it for the escape test.
#[inline(always)]
pub(crate) fn norm<S: Simd>(s: S, x: S::V, y: S::V) -> S::V {
    s.mul_add(x, x, s.mul(y, y))
}

/// `z² + c` as the original faafo worker computed it: `x*x - y*y`, `x*y + y*x`, then `+ c`,
/// never fused, so every path reproduces Python's float results bit for bit.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ClassicStep;

impl Formula for ClassicStep {
    const EXACT_HYPOT: bool = true;

    #[inline(always)]
    fn step<S: Simd>(&self, s: S, x: S::V, y: S::V, cx: S::V, cy: S::V) -> (S::V, S::V) {
        let nx = s.add(s.sub(s.mul(x, x), s.mul(y, y)), cx);
        let ny = s.add(s.add(s.mul(x, y), s.mul(y, x)), cy);
        (nx, ny)
    }

    #[inline(always)]
    fn step_norm<S: Simd>(&self, s: S, x: S::V, y: S::V, cx: S::V, cy: S::V) -> (S::V, S::V, S::V) {
        // x*y + y*x is xy + xy exactly (IEEE products commute; doubling is exact).
        let (xx, yy, xy) = (s.mul(x, x), s.mul(y, y), s.mul(x, y));
        let nx = s.add(s.sub(xx, yy), cx);
        let ny = s.add(s.add(xy, xy), cy);
        // The classic escape test only trusts |z|² away from 4 (see `Setup::escaped`),
        // so this unfused sum is as good as `norm`'s.
        (nx, ny, s.add(xx, yy))
    }
}

/// `z² + c` in the fewest operations: three fused multiply-adds and one add.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Quadratic;

impl Formula for Quadratic {
    #[inline(always)]
    fn step<S: Simd>(&self, s: S, x: S::V, y: S::V, cx: S::V, cy: S::V) -> (S::V, S::V) {
        let nx = s.mul_add(x, x, s.neg_mul_add(y, y, cx));
        let ny = s.mul_add(s.add(x, x), y, cy);
        (nx, ny)
    }

    #[inline(always)]
    fn step_norm<S: Simd>(&self, s: S, x: S::V, y: S::V, cx: S::V, cy: S::V) -> (S::V, S::V, S::V) {
        // Shares y² between the update and |z|²; unfused this is `step` + `norm` exactly.
        let yy = s.mul(y, y);
        let nx = s.mul_add(x, x, s.sub(cx, yy));
        let ny = s.mul_add(s.add(x, x), y, cy);
        (nx, ny, s.mul_add(x, x, yy))
    }
}

/// Burning Ship: `(|x| + i|y|)² + c`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ship;

impl Formula for Ship {
    #[inline(always)]
    fn step<S: Simd>(&self, s: S, x: S::V, y: S::V, cx: S::V, cy: S::V) -> (S::V, S::V) {
        let (ax, ay) = (s.abs(x), s.abs(y));
        let nx = s.mul_add(x, x, s.neg_mul_add(y, y, cx));
        let ny = s.mul_add(s.add(ax, ax), ay, cy);
        (nx, ny)
    }
}

/// Multibrot: `z^power + c` by repeated complex multiplication.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Power {
    pub(crate) power: u32,
}

impl Formula for Power {
    #[inline(always)]
    fn step<S: Simd>(&self, s: S, x: S::V, y: S::V, cx: S::V, cy: S::V) -> (S::V, S::V) {
        let (mut wx, mut wy) = (x, y);
        for _ in 1..self.power {
            let nx = s.neg_mul_add(wy, y, s.mul(wx, x));
            let ny = s.mul_add(wx, y, s.mul(wy, x));
            wx = nx;
            wy = ny;
        }
        (s.add(wx, cx), s.add(wy, cy))
    }
}

/// Relative half-width of the band around |z|² = 4 inside which the classic escape test
/// defers to `hypot`. `x*x + y*y` is within 2 ulps of the exact value and `hypot` within
/// 1 ulp, so outside ±2^-45 both give the same answer; inside it, `hypot` decides.
const CLASSIC_BAND: f64 = 1.0 / (1u64 << 45) as f64;

/// |c| below which the classic kind may test escape only every few steps: once
/// `hypot(z) > 2` with |c| < 1.99, |z| grows every step (|z² + c| ≥ 4 − 1.99 > 2), so
/// "escaped at the end of a block" is exactly "escaped somewhere in the block".
pub(crate) const CLASSIC_BLOCK_MAX_C: f64 = 1.99;

/// Constants of the smooth escape value ν = n + 1 − log_p(ln|z| / ln R).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SmoothScale {
    /// log2(R²).
    pub log2_r2: f32,
    /// 1 / log2(power).
    pub inv_log2_power: f32,
}

impl Default for SmoothScale {
    fn default() -> Self {
        Self { log2_r2: 8.0, inv_log2_power: 1.0 }
    }
}

impl SmoothScale {
    /// The smooth value of a pixel that escaped at `count` with |z|² = `norm`; negative
    /// for interior points (`norm < 0`). Continuous across count bands, ≥ 0.
    #[inline]
    pub fn smooth(&self, count: u32, norm: f32) -> f32 {
        if norm < 0.0 {
            return -1.0;
        }
        // log2(ln|z| / ln R) = log2(log2|z|² / log2 R²).
        let nu = count as f32 + 1.0 - (norm.log2() / self.log2_r2).log2() * self.inv_log2_power;
        if nu.is_finite() { nu.max(0.0) } else { count as f32 }
    }
}

/// Per-render constants shared by all kernels.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Setup {
    /// Escape tests per pixel: states `z_0 .. z_{limit-1}` are tested.
    pub(crate) limit: u32,
    /// `Some(c)` for Julia-type kinds (`z0` = pixel), `None` when `c` = pixel, `z0 = c`.
    pub(crate) julia_c: Option<(f64, f64)>,
    /// Lanes whose |z|² is not ≤ this may have escaped and are re-checked exactly.
    pub(crate) fast_r2: f64,
    /// The escape radius squared (the decisive test for all but classic).
    pub(crate) r2: f64,
    /// Classic: lanes with |z|² above this escaped for certain (no `hypot` needed).
    pub(crate) r2_high: f64,
    /// Classic: the escape test is `hypot(x, y) > 2`.
    pub(crate) exact_hypot: bool,
    /// ln of the escape radius, for the smooth value.
    pub(crate) ln_r: f64,
    /// ln of the power, for the smooth value.
    pub(crate) ln_power: f64,
    /// Mandelbrot: skip points inside the main cardioid and the period-2 bulb.
    pub(crate) cardioid: bool,
    /// Periodicity checking enabled.
    pub(crate) periodicity: bool,
    /// Two states closer than this (|Δx| + |Δy|) are taken as a cycle.
    pub(crate) period_eps: f64,
    /// Whether the interior fill may be used ([`super::fill`]): shortcuts on, and a kind
    /// whose non-escaping set is full (a polynomial map of the complex plane).
    pub(crate) fill: bool,
    /// Whether pixels settled as interior by the cardioid/bulb test or by periodicity get
    /// [`SETTLED_NORM`] instead of −1, for the interior fill to read (it puts −1 back).
    pub(crate) mark_settled: bool,
    /// Whether the first stage (a test after every step) takes every pixel to the limit,
    /// with no second stage: the classic kind whose `c` escapes (see [`Setup::new`]).
    pub(crate) one_stage: bool,
}

/// The |z|² the kernels write for interior pixels settled by a shortcut when
/// [`Setup::mark_settled`] asks for it (−1 otherwise, as for every interior pixel).
pub(crate) const SETTLED_NORM: f32 = -2.0;

/// What a finished pixel stores.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Outcome {
    /// Escape index, or `limit - 1` for interior points (the original's convention).
    pub(crate) count: u32,
    /// |z|² at the escape, or −1 for interior points; the smooth (continuous) escape
    /// value is derived from it when colouring, which keeps logarithms out of the kernels.
    pub(crate) norm: f32,
}

impl Setup {
    /// Constants for `fractal` over a view whose pixel step is `pixel_step`.
    pub(crate) fn new(fractal: &Fractal, limit: u32, pixel_step: f64, shortcuts: bool) -> Self {
        let power = fractal.power();
        let (julia_c, radius, exact_hypot) = match *fractal {
            Fractal::Classic { c } => (Some((c.re, c.im)), 2.0, true),
            // Radius ≥ max(2, |c|) makes escape monotonic, which the blocked kernels
            // rely on; 16 gives smooth colours without visible banding.
            Fractal::Julia { c } => (Some((c.re, c.im)), (2.0 * c.norm()).max(16.0), false),
            _ => (None, 16.0_f64, false),
        };
        let r2 = radius * radius;
        let fast_r2 = if exact_hypot { r2 * (1.0 - CLASSIC_BAND) } else { r2 };
        Self {
            limit,
            julia_c,
            fast_r2,
            r2,
            r2_high: if exact_hypot { r2 * (1.0 + CLASSIC_BAND) } else { r2 },
            exact_hypot,
            ln_r: radius.ln(),
            ln_power: f64::from(power).ln(),
            cardioid: shortcuts && matches!(fractal, Fractal::Mandelbrot),
            periodicity: shortcuts,
            // The classic kind only accepts exact repetition, which keeps it bit-exact.
            period_eps: if exact_hypot { 0.0 } else { pixel_step * (1.0 / 1024.0) },
            fill: shortcuts
                && matches!(fractal, Fractal::Mandelbrot | Fractal::Julia { .. } | Fractal::Multibrot { .. }),
            mark_settled: false,
            // A Julia set whose c escapes is dust, without interior (the original's tasks
            // all pick such a c): no pixel runs long, and the second stage's blocks would
            // be mostly replays. On the `classic` scene they were a fifth of its CPU for a
            // tenth of its iterations.
            // (An orbit that escapes at state `limit − 1` counts as escaping: hence one
            // state more.)
            one_stage: match *fractal {
                Fractal::Classic { c } => crate::classic::classic_escape_count(c, limit + 1) < limit,
                _ => false,
            },
        }
    }

    /// `(z0.re, z0.im, c.re, c.im)` for the pixel at (`px`, `py`).
    #[inline(always)]
    pub(crate) fn start(&self, px: f64, py: f64) -> (f64, f64, f64, f64) {
        match self.julia_c {
            Some((cx, cy)) => (px, py, cx, cy),
            None => (px, py, px, py),
        }
    }

    /// The exact escape test for one lane, given its |z|² as the kernel computed it.
    /// Written as `!(a <= b)` on purpose: a NaN |z|² (overflowed orbit) counts as escaped.
    #[inline]
    #[allow(clippy::neg_cmp_op_on_partial_ord)]
    pub(crate) fn escaped(&self, x: f64, y: f64, norm: f64) -> bool {
        if !self.exact_hypot {
            return !(norm <= self.r2);
        }
        if !(norm <= self.r2_high) {
            true
        } else if norm < self.fast_r2 {
            false
        } else {
            x.hypot(y) > 2.0
        }
    }

    /// True for points that certainly never escape (main cardioid, period-2 bulb).
    #[inline]
    pub(crate) fn known_interior(&self, cx: f64, cy: f64) -> bool {
        if !self.cardioid {
            return false;
        }
        let y2 = cy * cy;
        let xq = cx - 0.25;
        let q = xq * xq + y2;
        q * (q + xq) <= 0.25 * y2 || (cx + 1.0) * (cx + 1.0) + y2 <= 0.0625
    }

    /// Outcome of a point that escaped at state `index` with |z|² = `norm`.
    #[inline]
    pub(crate) fn escaped_at(&self, index: u32, norm: f64) -> Outcome {
        Outcome { count: index, norm: norm as f32 }
    }

    /// Outcome of a point that never escaped.
    #[inline]
    pub(crate) fn interior(&self) -> Outcome {
        Outcome { count: self.limit.saturating_sub(1), norm: -1.0 }
    }

    /// How to turn (count, |z|²) into a smooth escape value for this render.
    pub(crate) fn smooth_scale(&self) -> SmoothScale {
        SmoothScale {
            log2_r2: (2.0 * self.ln_r / std::f64::consts::LN_2) as f32,
            inv_log2_power: (std::f64::consts::LN_2 / self.ln_power) as f32,
        }
    }
}
