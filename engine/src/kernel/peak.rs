//! The machine's limit for the Mandelbrot step: independent chains of `z ← z² + c` on the
//! widest vector unit, with no escape test and no memory traffic — the ceiling every
//! kernel is judged against (`faafo bench` prints each scene as a share of it).
//!
//! Enough chains run side by side to hide the latency of the multiply-adds (a chain's
//! step depends on its previous one). Each `c` lies in the main cardioid, so orbits stay
//! bounded and normal (no infinities or denormals, whose arithmetic can be slower).

use std::hint::black_box;

use super::KernelPath;
use super::formula::{Formula, Quadratic};
use super::simd::{MAX_LANES, Scalar, Simd};

/// Runs `CHAINS` independent vector chains for about `lane_iterations` lane-iterations in
/// all, each chain taking `T` steps in a row before the next chain's turn; returns the
/// lane-iterations done. `X_FIRST`: whether the step adds x² before it subtracts y² (as
/// this loop always did) or after (as the kernels' second stage does, `Quadratic::step`).
///
/// The shape and the order are parameters because which of them reaches the FMA units'
/// throughput depends on the core and even on the build (see [`x86::avx512`]).
#[inline(always)]
fn chains<S: Simd, const CHAINS: usize, const T: u64, const X_FIRST: bool>(s: S, lane_iterations: u64) -> u64 {
    let per_turn = (CHAINS * S::LANES) as u64 * T;
    let turns = lane_iterations.div_ceil(per_turn).max(1);
    // One c per lane, shared by the chains (two registers); each chain starts elsewhere.
    let mut re = [0.0; MAX_LANES];
    for (lane, r) in re.iter_mut().enumerate().take(S::LANES) {
        *r = -0.1 - 0.01 * lane as f64 / S::LANES as f64;
    }
    let cr = s.load(&black_box(re));
    let ci = s.splat(black_box(0.1));
    let mut zr = [s.splat(0.0); CHAINS];
    let mut zi = [s.splat(0.0); CHAINS];
    for (k, (r, i)) in zr.iter_mut().zip(&mut zi).enumerate() {
        *r = s.splat(black_box(0.01 * k as f64));
        *i = s.splat(black_box(-0.01 * k as f64));
    }
    for _ in 0..turns {
        for k in 0..CHAINS {
            for _ in 0..T {
                let (x, y) = (zr[k], zi[k]);
                // z² + c: (x² − y² + cr) + (2xy + ci)i, with the kernels' fused operations.
                (zr[k], zi[k]) = if X_FIRST {
                    (s.neg_mul_add(y, y, s.mul_add(x, x, cr)), s.mul_add(s.add(x, x), y, ci))
                } else {
                    Quadratic.step(s, x, y, cr, ci)
                };
            }
        }
    }
    let mut out = [0.0; MAX_LANES];
    for k in 0..CHAINS {
        s.store(s.add(zr[k], zi[k]), &mut out);
        black_box(out);
    }
    turns * per_turn
}

/// The machine's limit on `path`, on this thread: every shape of the peak loop (chain
/// counts, steps per chain's turn and operation orders that each reach the FMA units'
/// throughput on some core or build) runs about `lane_iterations` lane-iterations, timed
/// with `cpu_ns` (this thread's CPU clock in nanoseconds), and the best rate is returned,
/// in G lane-iterations per CPU-second; `None` without a clock.
///
/// The best, because which shape is fastest depends on the core and on the build: on a
/// Zen 3 core the AVX2 loop ran 6.1–8.0 G lane-iterations per CPU-second with eight chains
/// and 5.1 G with six; on a Zen 4 core the AVX2 loop's six and eight chains of one step
/// ran 5.7–8.0 G, six chains of two steps in the second stage's order 9.0 G.
pub fn peak_rate(path: KernelPath, lane_iterations: u64, mut cpu_ns: impl FnMut() -> Option<u64>) -> Option<f64> {
    let mut best = None;
    for shape in 0..shapes(path) {
        let start = cpu_ns()?;
        let lanes = run_shape(path, shape, lane_iterations);
        let ns = cpu_ns()?.saturating_sub(start).max(1);
        best = Some(f64::max(best.unwrap_or(f64::NAN), lanes as f64 / ns as f64));
    }
    best
}

/// How many shapes of the peak loop `path` has.
fn shapes(path: KernelPath) -> usize {
    match path {
        KernelPath::Avx512 => 4,
        KernelPath::Avx2Fma => 5,
        _ => 1,
    }
}

/// Runs shape `shape` (below [`shapes`]) of the peak loop on `path` for about
/// `lane_iterations` lane-iterations; returns those done. The reference path has no
/// vector form: it is measured as the scalar one.
fn run_shape(path: KernelPath, shape: usize, lane_iterations: u64) -> u64 {
    match path {
        #[cfg(target_arch = "x86_64")]
        KernelPath::Avx512 => match super::simd::Avx512::detect() {
            // SAFETY: the token proves the CPU has the features the function enables.
            Some(token) => unsafe { x86::avx512(token, shape, lane_iterations) },
            None => scalar(lane_iterations),
        },
        #[cfg(target_arch = "x86_64")]
        KernelPath::Avx2Fma => match super::simd::Avx2::detect() {
            // SAFETY: as above.
            Some(token) => unsafe { x86::avx2(token, shape, lane_iterations) },
            None => scalar(lane_iterations),
        },
        _ => scalar(lane_iterations),
    }
}

/// The scalar path's one shape: eight chains of one step.
fn scalar(lane_iterations: u64) -> u64 {
    chains::<Scalar, 8, 1, true>(Scalar, lane_iterations)
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::super::simd::{Avx2, Avx512};

    /// Twelve chains of one step (24 state registers of the 32), ten of one, six or eight
    /// of two steps in the second stage's order. On a Zen 4 core (one 512-bit multiply-add
    /// per cycle on each of two pipes for two cycles: three cycles a step) the twelve
    /// chains ran 9.3–9.8 G lane-iterations per CPU-second in some builds and 7.0–7.9 G
    /// in another build of the same source, where six or eight chains of two and ten of
    /// one reached 9.6 G; sixteen chains (state spilled) 6.8 G.
    ///
    /// # Safety
    /// The CPU must support AVX-512F, AVX-512DQ and FMA (guaranteed by the token).
    #[target_feature(enable = "avx512f,avx512dq,avx2,fma")]
    pub(super) unsafe fn avx512(s: Avx512, shape: usize, lane_iterations: u64) -> u64 {
        match shape {
            0 => super::chains::<Avx512, 12, 1, true>(s, lane_iterations),
            1 => super::chains::<Avx512, 10, 1, true>(s, lane_iterations),
            2 => super::chains::<Avx512, 6, 2, false>(s, lane_iterations),
            _ => super::chains::<Avx512, 8, 2, false>(s, lane_iterations),
        }
    }

    /// Six or eight chains of one step (Zen 3: eight chains 6.1–8.0 G, six 5.1 G; eight
    /// fill all 16 registers, so the constant and temporaries spill), six or eight chains
    /// of two steps and six of three in the second stage's order (Zen 4: six of two 9.0 G,
    /// eight of two 8.7–9.6 G, six of three 7.2–9.0 G, where six and eight of one ran
    /// 5.7–6.3 and 6.9–8.0 G).
    ///
    /// # Safety
    /// The CPU must support AVX2 and FMA (guaranteed by the token).
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn avx2(s: Avx2, shape: usize, lane_iterations: u64) -> u64 {
        match shape {
            0 => super::chains::<Avx2, 6, 1, true>(s, lane_iterations),
            1 => super::chains::<Avx2, 8, 1, true>(s, lane_iterations),
            2 => super::chains::<Avx2, 6, 2, false>(s, lane_iterations),
            3 => super::chains::<Avx2, 8, 2, false>(s, lane_iterations),
            _ => super::chains::<Avx2, 6, 3, false>(s, lane_iterations),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_path_counts_its_lanes() {
        for path in KernelPath::ALL.into_iter().filter(|p| p.is_supported()) {
            for shape in 0..shapes(path) {
                // Whole turns of every chain: at least the budget, less than a turn (≤ 128) more.
                let n = run_shape(path, shape, 100_000);
                assert!((100_000..100_128).contains(&n), "{path} shape {shape}: {n}");
            }
        }
    }

    #[test]
    fn the_rate_is_that_of_the_best_shape() {
        for path in KernelPath::ALL.into_iter().filter(|p| p.is_supported()) {
            // A clock that advances 1000 ns a reading: every shape takes 1000 ns.
            let mut now = 0;
            let clock = || {
                now += 1000;
                Some(now)
            };
            let best = (0..shapes(path)).map(|k| run_shape(path, k, 10_000)).max().unwrap();
            assert_eq!(peak_rate(path, 10_000, clock), Some(best as f64 / 1000.0), "{path}");
            assert_eq!(peak_rate(path, 10_000, || None), None, "{path}");
        }
    }
}
