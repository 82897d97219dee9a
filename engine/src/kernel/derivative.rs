//! The derivative kernel: the orbit together with its derivative with respect to the
//! pixel's point, one pixel at a time in scalar f64, for the colourings beyond escape
//! time (distance estimation, lighting; see `crate::shading`).
//!
//! It is a separate kernel on purpose: the fast escape kernels keep their speed and
//! their exact results, and only renders that asked for a derivative colouring pay for
//! the extra complex multiply per step. The z update is the formulas' own on the
//! unfused scalar path, so escape counts and |z|² equal the `reference`/`scalar` paths'
//! (up to periodicity checking, which settles interior points early).
//!
//! Per pixel it stores `u = z / z'` at escape, divided by the pixel step, so that
//! `|u| · ln|z|` is the exterior distance estimate in pixels and `u`'s direction is the
//! relief's normal.

use super::feed::Band;
use super::formula::{ClassicStep, Formula, Power, Quadratic, Setup, Ship};
use super::simd::{Scalar, Simd};
use crate::fractal::Fractal;

/// A band plus its derivative plane (`band.counts.len()` entries).
#[derive(Debug)]
pub(crate) struct DerivativeBand<'a> {
    pub(crate) band: Band<'a>,
    pub(crate) derivatives: &'a mut [[f32; 2]],
}

/// The derivative of one step, `z' ← f'(z) z' (+ 1 when c is the pixel)`.
#[derive(Debug, Clone, Copy)]
enum Slope {
    /// `2 z z'`.
    Square,
    /// Burning Ship: the Jacobian of `(|x| + i|y|)² + c` applied to `z'` as a vector,
    /// written `2 (|x| + i|y|)(sign(x) x' + i sign(y) y')`.
    Ship,
    /// `p z^(p−1) z'`.
    Power(u32),
}

impl Slope {
    #[inline(always)]
    fn step(self, x: f64, y: f64, dx: f64, dy: f64) -> (f64, f64) {
        match self {
            Self::Square => (2.0 * (x * dx - y * dy), 2.0 * (x * dy + y * dx)),
            Self::Ship => {
                let (ax, ay) = (x.abs(), y.abs());
                let (sx, sy) = (dx.copysign(x), dy.copysign(y));
                (2.0 * (ax * sx - ay * sy), 2.0 * (ax * sy + ay * sx))
            }
            Self::Power(p) => {
                let (mut wx, mut wy) = (1.0, 0.0);
                for _ in 1..p {
                    (wx, wy) = (wx * x - wy * y, wx * y + wy * x);
                }
                let p = f64::from(p);
                (p * (wx * dx - wy * dy), p * (wx * dy + wy * dx))
            }
        }
    }
}

/// What the orbit kernel keeps per pixel next to the escape values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Track {
    /// `u = z / z'` in pixels (distance, lighting).
    Derivative,
    /// The stripe average, `[value, 0]` (see [`super::stripes`]).
    Stripes,
}

/// Computes `band` with what `track` asks for; returns the number of updates performed.
pub(crate) fn compute(
    fractal: &Fractal,
    setup: &Setup,
    pixel_step: f64,
    track: Track,
    band: &mut DerivativeBand<'_>,
) -> u64 {
    match *fractal {
        Fractal::Classic { .. } => run(ClassicStep, Slope::Square, setup, pixel_step, track, band),
        Fractal::Mandelbrot | Fractal::Julia { .. } | Fractal::Multibrot { power: 2 } => {
            run(Quadratic, Slope::Square, setup, pixel_step, track, band)
        }
        Fractal::BurningShip => run(Ship, Slope::Ship, setup, pixel_step, track, band),
        Fractal::Multibrot { power } => run(Power { power }, Slope::Power(power), setup, pixel_step, track, band),
    }
}

fn run<F: Formula>(
    f: F,
    slope: Slope,
    setup: &Setup,
    pixel_step: f64,
    track: Track,
    b: &mut DerivativeBand<'_>,
) -> u64 {
    let width = b.band.xs.len();
    let inv_step = 1.0 / pixel_step;
    // z0 = c for the Mandelbrot-type kinds: z0' = 1 and every step adds 1; for Julia
    // kinds z0 is the pixel itself: z0' = 1 and nothing is added.
    let plus = if setup.julia_c.is_some() { 0.0 } else { 1.0 };
    let mut iterations = 0;
    for (row, &py) in b.band.ys.iter().enumerate() {
        for (col, &px) in b.band.xs.iter().enumerate() {
            let index = row * width + col;
            let (count, norm, kept, updates) = match track {
                Track::Derivative => {
                    let (count, norm, u, updates) = pixel(f, slope, setup, plus, px, py);
                    (count, norm, u.map(|v| (v * inv_step) as f32), updates)
                }
                Track::Stripes => super::stripes::pixel(f, setup, px, py),
            };
            iterations += updates;
            b.band.counts[index] = count;
            b.band.norms[index] = norm;
            b.derivatives[index] = kept;
        }
    }
    iterations
}

/// Brent-style periodicity checking for the scalar orbit kernels: the orbit is compared
/// with a checkpoint refreshed at powers of two.
#[derive(Debug, Clone, Copy)]
pub(super) struct Cycle {
    x: f64,
    y: f64,
    next: u32,
}

impl Cycle {
    /// Starting from `z0`.
    pub(super) fn new(x: f64, y: f64) -> Self {
        Self { x, y, next: 2 }
    }

    /// Whether state `j`, `(x, y)`, repeats the checkpoint (the point is interior).
    #[inline(always)]
    pub(super) fn repeats(&mut self, setup: &Setup, j: u32, x: f64, y: f64) -> bool {
        if !setup.periodicity {
            return false;
        }
        if (x - self.x).abs() + (y - self.y).abs() <= setup.period_eps {
            return true;
        }
        if j == self.next {
            *self = Self { x, y, next: self.next.saturating_mul(2) };
        }
        false
    }
}

/// One pixel: (count, |z|² or −1, `u` in plane units, updates performed).
#[inline(always)]
fn pixel<F: Formula>(f: F, slope: Slope, setup: &Setup, plus: f64, px: f64, py: f64) -> (u32, f32, [f64; 2], u64) {
    let s = Scalar;
    let interior = setup.interior();
    let (mut x, mut y, cx, cy) = setup.start(px, py);
    if setup.known_interior(cx, cy) {
        return (interior.count, interior.norm, [0.0; 2], 0);
    }
    let (mut dx, mut dy) = (1.0, 0.0);
    let norm = x * x + y * y;
    if setup.escaped(x, y, norm) {
        return (0, norm as f32, [x, y], 0);
    }
    let mut cycle = Cycle::new(x, y);
    for j in 1..setup.limit {
        let (ndx, ndy) = slope.step(x, y, dx, dy);
        (dx, dy) = (ndx + plus, ndy);
        (x, y) = f.step(s, x, y, cx, cy);
        let norm = s.mul_add(x, x, s.mul(y, y));
        if setup.escaped(x, y, norm) {
            return (j, norm as f32, divide(x, y, dx, dy), u64::from(j));
        }
        if cycle.repeats(setup, j, x, y) {
            return (interior.count, interior.norm, [0.0; 2], u64::from(j));
        }
    }
    (interior.count, interior.norm, [0.0; 2], u64::from(setup.limit - 1))
}

/// `z / z'`, or 0 when the derivative overflowed (a point on the boundary, for colours).
#[inline]
fn divide(x: f64, y: f64, dx: f64, dy: f64) -> [f64; 2] {
    // Scaled first, so that |z'|² cannot overflow while z' itself is finite.
    let m = dx.abs().max(dy.abs());
    let (dx, dy) = (dx / m, dy / m);
    let d = (dx * dx + dy * dy) * m;
    let u = [(x * dx + y * dy) / d, (y * dx - x * dy) / d];
    if u[0].is_finite() && u[1].is_finite() { u } else { [0.0; 2] }
}
