//! The machine's limit for the Mandelbrot step: independent chains of `z ← z² + c` on the
//! widest vector unit, with no escape test and no memory traffic — the ceiling every
//! kernel is judged against (`faafo bench` prints each scene as a share of it).
//!
//! Enough chains run side by side to hide the latency of the multiply-adds (a chain's
//! step depends on its previous one). Each `c` lies in the main cardioid, so orbits stay
//! bounded and normal (no infinities or denormals, whose arithmetic can be slower).

use std::hint::black_box;

use super::KernelPath;
use super::simd::{MAX_LANES, Scalar, Simd};

/// Runs `steps` steps of `CHAINS` independent vector chains; returns lane-iterations done.
#[inline(always)]
fn chains<S: Simd, const CHAINS: usize>(s: S, steps: u64) -> u64 {
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
    for _ in 0..steps {
        for k in 0..CHAINS {
            let (x, y) = (zr[k], zi[k]);
            // z² + c: (x² − y² + cr) + (2xy + ci)i, with the kernels' fused operations.
            zr[k] = s.neg_mul_add(y, y, s.mul_add(x, x, cr));
            zi[k] = s.mul_add(s.add(x, x), y, ci);
        }
    }
    let mut out = [0.0; MAX_LANES];
    for k in 0..CHAINS {
        s.store(s.add(zr[k], zi[k]), &mut out);
        black_box(out);
    }
    steps * (CHAINS * S::LANES) as u64
}

/// The machine's limit on `path`, on this thread: every shape of the peak loop (chain
/// counts that each hide the multiply-add latency on some machines) runs `steps` steps
/// per chain, timed with `cpu_ns` (this thread's CPU clock in nanoseconds), and the best
/// rate is returned, in G lane-iterations per CPU-second; `None` without a clock.
///
/// The best, because which shape is fastest depends on the core: on a Zen 3 core the AVX2
/// loop ran 6.1–8.0 G lane-iterations per CPU-second with eight chains and 5.1 G with
/// six, and the `seahorse` scene's kernel beat the six-chain loop.
pub fn peak_rate(path: KernelPath, steps: u64, mut cpu_ns: impl FnMut() -> Option<u64>) -> Option<f64> {
    let mut best = None;
    for shape in 0..shapes(path) {
        let start = cpu_ns()?;
        let lanes = lane_iterations(path, shape, steps);
        let ns = cpu_ns()?.saturating_sub(start).max(1);
        best = Some(f64::max(best.unwrap_or(f64::NAN), lanes as f64 / ns as f64));
    }
    best
}

/// How many shapes of the peak loop `path` has.
fn shapes(path: KernelPath) -> usize {
    match path {
        KernelPath::Avx2Fma => 2,
        _ => 1,
    }
}

/// Runs shape `shape` (below [`shapes`]) of the peak loop on `path` for `steps` steps per
/// chain; returns the lane-iterations done. The reference path has no vector form: it is
/// measured as the scalar one.
fn lane_iterations(path: KernelPath, shape: usize, steps: u64) -> u64 {
    match path {
        #[cfg(target_arch = "x86_64")]
        KernelPath::Avx512 => match super::simd::Avx512::detect() {
            // SAFETY: the token proves the CPU has the features the function enables.
            Some(token) => unsafe { x86::avx512(token, steps) },
            None => chains::<Scalar, 8>(Scalar, steps),
        },
        #[cfg(target_arch = "x86_64")]
        KernelPath::Avx2Fma => match super::simd::Avx2::detect() {
            // SAFETY: as above.
            Some(token) => unsafe { x86::avx2(token, shape, steps) },
            None => chains::<Scalar, 8>(Scalar, steps),
        },
        _ => chains::<Scalar, 8>(Scalar, steps),
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::super::simd::{Avx2, Avx512};

    /// Twelve chains of 8 lanes: 24 state registers of the 32 plus the constant, and
    /// enough independent multiply-adds in flight to cover their latency on two FMA ports.
    ///
    /// # Safety
    /// The CPU must support AVX-512F, AVX-512DQ and FMA (guaranteed by the token).
    #[target_feature(enable = "avx512f,avx512dq,avx2,fma")]
    pub(super) unsafe fn avx512(s: Avx512, steps: u64) -> u64 {
        super::chains::<Avx512, 12>(s, steps)
    }

    /// Shape 0: six chains of 4 lanes, 12 state registers of the 16, the constant and
    /// temporaries. Shape 1: eight chains, whose state fills all 16 registers (the
    /// constant and temporaries spill), and more steps in flight.
    ///
    /// # Safety
    /// The CPU must support AVX2 and FMA (guaranteed by the token).
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn avx2(s: Avx2, shape: usize, steps: u64) -> u64 {
        match shape {
            0 => super::chains::<Avx2, 6>(s, steps),
            _ => super::chains::<Avx2, 8>(s, steps),
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
                let n = lane_iterations(path, shape, 1000);
                assert!(n >= 8 * 1000 && n.is_multiple_of(1000), "{path} shape {shape}: {n}");
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
            let best = (0..shapes(path)).map(|k| lane_iterations(path, k, 100)).max().unwrap();
            assert_eq!(peak_rate(path, 100, clock), Some(best as f64 / 1000.0), "{path}");
            assert_eq!(peak_rate(path, 100, || None), None, "{path}");
        }
    }
}
