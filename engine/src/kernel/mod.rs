//! Kernels: the per-pixel iteration on every instruction set, and the choice between them.
//!
//! | path        | lanes × chains (first stage, then second) | arithmetic | where |
//! |-------------|-------------------------------------------|------------|-------|
//! | `avx512`    | 8 × 4 (classic 8 × 5), then 8 × 6 | fused multiply-add | x86-64 with AVX-512F/DQ |
//! | `avx2+fma`  | 4 × 3, then 4 × 6 | fused multiply-add | x86-64 with AVX2 + FMA |
//! | `scalar`    | 1 × 4, then 1 × 4 | separate multiply and add | everywhere (the plain fallback) |
//! | `reference` | 1 pixel | separate multiply and add | everywhere; tests and odd cases |
//!
//! `scalar` and `reference` do the same arithmetic, so they agree exactly. The FMA paths
//! round differently (one rounding per multiply-add instead of two), so orbits that pass
//! very close to the escape radius may escape one step earlier or later; the tests bound
//! how often. The classic kind never fuses on any path, so it is bit-exact everywhere.

pub use peak::peak_rate;
mod deferred;
pub(crate) mod derivative;
mod early;
mod feed;
mod fill;
mod formula;
mod grouped;
mod lanes;
mod peak;
mod reference;
mod simd;
mod stepwise;
pub(crate) mod stripes;

use std::fmt;
use std::str::FromStr;

pub(crate) use feed::Band;
pub(crate) use formula::Setup;
pub use formula::SmoothScale;

use crate::error::{ParamError, RenderError, parse_name};
use crate::fractal::Fractal;
use formula::{CLASSIC_BLOCK_MAX_C, ClassicStep, Formula, Power, Quadratic, Ship};
use simd::Scalar;
use stepwise::Pixels;

/// Which implementation computes the pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "kebab-case"))]
pub enum KernelPath {
    /// AVX-512 vectors of 8 lanes.
    Avx512,
    /// AVX2 vectors of 4 lanes with FMA.
    Avx2Fma,
    /// Portable scalar chains; the fallback on CPUs without the above.
    Scalar,
    /// One pixel at a time, no shortcuts: the yardstick for the others.
    Reference,
}

impl KernelPath {
    /// Every path, fastest first.
    pub const ALL: [Self; 4] = [Self::Avx512, Self::Avx2Fma, Self::Scalar, Self::Reference];

    /// The fastest path this CPU supports.
    pub fn detect() -> Self {
        Self::ALL.into_iter().find(|p| p.is_supported()).unwrap_or(Self::Scalar)
    }

    /// Whether this CPU can run the path.
    pub fn is_supported(self) -> bool {
        match self {
            #[cfg(target_arch = "x86_64")]
            Self::Avx512 => simd::Avx512::detect().is_some(),
            #[cfg(target_arch = "x86_64")]
            Self::Avx2Fma => simd::Avx2::detect().is_some(),
            #[cfg(not(target_arch = "x86_64"))]
            Self::Avx512 | Self::Avx2Fma => false,
            Self::Scalar | Self::Reference => true,
        }
    }

    /// The name printed in benchmarks and readouts.
    pub fn name(self) -> &'static str {
        match self {
            Self::Avx512 => "avx512",
            Self::Avx2Fma => "avx2+fma",
            Self::Scalar => "scalar",
            Self::Reference => "reference",
        }
    }
}

impl fmt::Display for KernelPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for KernelPath {
    type Err = ParamError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_name("kernel path", s, &Self::ALL, Self::name, &[("avx2", "avx2+fma"), ("avx-512", "avx512")])
    }
}

/// The path that will actually run for `fractal` when `wanted` is asked for: the classic
/// kind with |c| ≥ 1.99 needs an escape test after every step and always takes the
/// reference path.
pub(crate) fn effective_path(wanted: KernelPath, fractal: &Fractal) -> Result<KernelPath, RenderError> {
    if !wanted.is_supported() {
        return Err(RenderError::UnsupportedKernel(wanted.name()));
    }
    match fractal {
        Fractal::Classic { c } if c.norm() >= CLASSIC_BLOCK_MAX_C => Ok(KernelPath::Reference),
        _ => Ok(wanted),
    }
}

/// Computes one band with the given (already effective and supported) path; returns the
/// number of updates performed. Bands of several rows get the interior fill where it
/// applies ([`fill`]).
pub(crate) fn compute(path: KernelPath, fractal: &Fractal, setup: &Setup, band: &mut Band<'_>) -> u64 {
    if fill::applies(path, setup, band) {
        return fill::run(setup, band, |setup, band, runs| {
            compute_pixels(path, fractal, setup, band, Pixels::Runs(runs))
        });
    }
    compute_pixels(path, fractal, setup, band, Pixels::All)
}

/// Computes the rows of `band` whose `sources` entry is `None`, leaving the others (the
/// copies of [`crate::mirror`]) untouched. Returns the updates performed.
pub(crate) fn compute_except_copies(
    path: KernelPath,
    fractal: &Fractal,
    setup: &Setup,
    band: &mut Band<'_>,
    sources: &[Option<u32>],
) -> u64 {
    let width = band.xs.len() as u32;
    let runs: Vec<[u32; 3]> =
        (0..band.ys.len()).filter(|&row| sources[row].is_none()).map(|row| [row as u32, 0, width]).collect();
    compute_pixels(path, fractal, setup, band, Pixels::Runs(&runs))
}

/// Whether renders of `fractal` with `setup` on `path` may copy rows from their mirror
/// image (see [`crate::mirror`]): the quadratic Mandelbrot set, not on the reference path,
/// not where the interior fill runs.
pub(crate) fn mirror_applies(path: KernelPath, fractal: &Fractal, setup: &Setup) -> bool {
    matches!(fractal, Fractal::Mandelbrot | Fractal::Multibrot { power: 2 })
        && path != KernelPath::Reference
        && !fill::may_apply(path, setup)
}

/// Rows per band for an image `width` pixels wide, given the rows a band of
/// `band_pixels` would have: at least [`fill::BAND_ROWS`] where the interior fill applies,
/// so that it has rectangles to fill.
pub(crate) fn band_rows(path: KernelPath, setup: &Setup, width: usize, band_pixels: usize) -> usize {
    let rows = (band_pixels / width.max(1)).max(1);
    if fill::may_apply(path, setup) { rows.max(fill::BAND_ROWS) } else { rows }
}

fn compute_pixels(path: KernelPath, fractal: &Fractal, setup: &Setup, band: &mut Band<'_>, pixels: Pixels<'_>) -> u64 {
    match *fractal {
        Fractal::Classic { .. } => with_formula(path, ClassicStep, setup, band, pixels),
        Fractal::Mandelbrot | Fractal::Julia { .. } | Fractal::Multibrot { power: 2 } => {
            with_formula(path, Quadratic, setup, band, pixels)
        }
        Fractal::BurningShip => with_formula(path, Ship, setup, band, pixels),
        Fractal::Multibrot { power } => with_formula(path, Power { power }, setup, band, pixels),
    }
}

fn with_formula<F: Formula>(path: KernelPath, f: F, setup: &Setup, band: &mut Band<'_>, pixels: Pixels<'_>) -> u64 {
    match path {
        #[cfg(target_arch = "x86_64")]
        KernelPath::Avx512 => match simd::Avx512::detect() {
            // SAFETY: the token proves the CPU has the features the function enables.
            Some(token) => unsafe { x86::avx512(token, f, setup, band, pixels) },
            None => two_stage::<Scalar, F, 4, 4, 4>(Scalar, f, setup, band, pixels),
        },
        #[cfg(target_arch = "x86_64")]
        KernelPath::Avx2Fma => match simd::Avx2::detect() {
            // SAFETY: as above.
            Some(token) => unsafe { x86::avx2(token, f, setup, band, pixels) },
            None => two_stage::<Scalar, F, 4, 4, 4>(Scalar, f, setup, band, pixels),
        },
        // The reference path computes whole bands only (the fill never runs on it).
        KernelPath::Reference => reference::run(f, setup, band),
        _ => two_stage::<Scalar, F, 4, 4, 4>(Scalar, f, setup, band, pixels),
    }
}

/// Both stages on `pixels` of one band: each through [`stepwise`] (`C1` chains) for its
/// first states, the rest through [`grouped`] (`C2` chains, `T2` steps per chain's turn).
/// The classic kind's pixels that escape within a few states are settled first by a
/// streaming pass, and only the others go through the stages ([`early`]).
#[inline(always)]
fn two_stage<S: simd::Simd, F: Formula, const C1: usize, const C2: usize, const T2: u32>(
    s: S,
    f: F,
    setup: &Setup,
    band: &mut Band<'_>,
    pixels: Pixels<'_>,
) -> u64 {
    thread_local! {
        /// The pending list, reused for every band a thread computes: growing a fresh
        /// one cost a band about a dozen allocations (measured: about 8 % of the
        /// `standard` scene's CPU time).
        static PENDING: std::cell::RefCell<lanes::Pending> = std::cell::RefCell::default();
        /// The runs the early pass leaves to the stages, reused the same way.
        static RUNS: std::cell::RefCell<Vec<[u32; 3]>> = std::cell::RefCell::default();
    }
    // Taken out and put back rather than borrowed in a closure: a closure is compiled
    // without the caller's target features, and the kernels inside it would be too.
    let mut runs = RUNS.take();
    runs.clear();
    let mut iterations = 0;
    let early = F::EXACT_HYPOT && matches!(pixels, Pixels::All);
    if early {
        iterations += early::run(s, f, setup, band, &mut runs);
    }
    let pixels = if early { Pixels::Runs(&runs) } else { pixels };
    let states = if setup.one_stage { setup.limit } else { stepwise::FIRST_STAGE_STATES.min(setup.limit) };
    let mut pending = PENDING.take();
    pending.clear();
    iterations += stepwise::run::<S, F, C1>(s, f, setup, states, band, pixels, &mut pending);
    if pending.len() > 0 {
        iterations += if setup.limit >= grouped::LONG_BLOCK_LIMIT {
            grouped::run::<S, F, C2, T2, { grouped::LONG_BLOCK }>(s, f, setup, &mut pending, band)
        } else {
            grouped::run::<S, F, C2, T2, { grouped::BLOCK }>(s, f, setup, &mut pending, band)
        };
    }
    PENDING.set(pending);
    RUNS.set(runs);
    iterations
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::feed::Band;
    use super::formula::{Formula, Setup};
    use super::simd::{Avx2, Avx512};
    use super::stepwise::Pixels;

    /// The two-stage kernel compiled for AVX-512.
    ///
    /// The second stage runs six chains of two steps per turn. A step is a chain of two
    /// dependent multiply-adds (8 cycles on Intel) and four operations on two ports (2
    /// cycles), so four chains leave no slack for the block ends; on an AVX-512 Xeon,
    /// one thread each, both binaries at once, best of 6, Seahorse Valley took 0.91× the
    /// CPU of four chains of four steps (1035 against 1136 ms; seven chains of 2: 0.91×,
    /// five of 2: 0.95×, six of 1 or 8: 0.96–0.99×), `standard` and `classic` 0.98× and
    /// 0.96×. On Zen 4 (three cycles a step, so three chains already cover the latency)
    /// four steps per turn had been 2–3 % better than one, and five or six chains no
    /// better and no worse than four.
    ///
    /// The first stage runs four chains, but five for the classic kind, the one kind whose
    /// round loop is left as soon as one chain is done (see `stepwise::rounds`): on Zen 4
    /// (one thread, the binaries in turn on one core, best of 5, both cores) `classic`
    /// took 0.935× the CPU with five (2.96 against 3.16–3.18 ms; three chains
    /// 0.97–0.98×, six 0.98×), the other kinds unchanged. Why five suits that exit rule
    /// better than four was not measured.
    ///
    /// # Safety
    /// The CPU must support AVX-512F, AVX-512DQ, FMA and POPCNT (guaranteed by the token).
    #[target_feature(enable = "avx512f,avx512dq,avx2,fma,popcnt")]
    pub(super) unsafe fn avx512<F: Formula>(
        s: Avx512,
        f: F,
        setup: &Setup,
        band: &mut Band<'_>,
        pixels: Pixels<'_>,
    ) -> u64 {
        if F::EXACT_HYPOT {
            super::two_stage::<Avx512, F, 5, 6, 2>(s, f, setup, band, pixels)
        } else {
            super::two_stage::<Avx512, F, 4, 6, 2>(s, f, setup, band, pixels)
        }
    }

    /// The two-stage kernel compiled for AVX2 + FMA.
    ///
    /// Three chains in the first stage: four need 24 vectors of state in 16 registers,
    /// and the spills cost more than the latency a fourth chain hides (measured: ~10%
    /// fewer cycles on the dense scene). The second stage runs six chains of 2 steps per
    /// chain's turn (their constants are read from memory): on a Zen 3 core, one thread
    /// each, both binaries at once, Seahorse Valley took 0.92× the CPU of four chains of
    /// 2 (1498 against 1629 ms; five chains: about the same as six; seven: 1.1×, eight of
    /// 2: 1.02×, eight of 1: 1.06×, six of 4: 1.04×), `standard` and `classic` the same
    /// within 1 %; an AVX-512 Xeon with this path forced, 0.89–0.90×. Zen 1 (256-bit
    /// operations split in two, FMA latency 5) had measured the other way: four chains
    /// of 2 took 4405–4505 ms, six chains of 1, 2 or 4 steps 4725–5940.
    ///
    /// # Safety
    /// The CPU must support AVX2, FMA and POPCNT (guaranteed by the token).
    #[target_feature(enable = "avx2,fma,popcnt")]
    pub(super) unsafe fn avx2<F: Formula>(
        s: Avx2,
        f: F,
        setup: &Setup,
        band: &mut Band<'_>,
        pixels: Pixels<'_>,
    ) -> u64 {
        super::two_stage::<Avx2, F, 3, 6, 2>(s, f, setup, band, pixels)
    }
}
