//! Two lanes' values, one per element of a 128-bit vector (lane a first), for the
//! packed stretch loop of a pair. The layout is fixed — each of a lane's quantities in
//! its own element — so every operation of the loop is one vector instruction: left to
//! itself, the compiler packed each lane's (re, im) together instead and spent a shuffle
//! on most operations to get the lanes apart again.
//!
//! Every operation is the IEEE operation of each element alone (no fused multiply-add),
//! so a lane computes exactly what it computes on its own. Comparisons give a bit mask:
//! bit 0 for lane a, bit 1 for lane b.

#[cfg(target_arch = "x86_64")]
use std::arch::x86_64::{
    __m128d, _mm_add_pd, _mm_and_pd, _mm_castsi128_pd, _mm_cmplt_pd, _mm_cmpnge_pd, _mm_cmpnle_pd, _mm_max_pd,
    _mm_movemask_pd, _mm_mul_pd, _mm_set_pd, _mm_set1_epi64x, _mm_set1_pd, _mm_storeu_pd, _mm_sub_pd,
};

/// Both lanes' values of one quantity.
#[cfg(target_arch = "x86_64")]
#[derive(Debug, Clone, Copy)]
pub(super) struct P2(__m128d);

#[cfg(target_arch = "x86_64")]
impl P2 {
    #[inline(always)]
    pub(super) fn new(a: f64, b: f64) -> Self {
        // SAFETY (here and below): SSE2 is part of every x86-64 processor.
        Self(unsafe { _mm_set_pd(b, a) })
    }

    #[inline(always)]
    pub(super) fn splat(v: f64) -> Self {
        // SAFETY: SSE2.
        Self(unsafe { _mm_set1_pd(v) })
    }

    #[inline(always)]
    pub(super) fn to_array(self) -> [f64; 2] {
        let mut out = [0.0; 2];
        // SAFETY: SSE2; `out` holds two doubles and the store needs no alignment.
        unsafe { _mm_storeu_pd(out.as_mut_ptr(), self.0) };
        out
    }

    #[inline(always)]
    pub(super) fn abs(self) -> Self {
        // SAFETY: SSE2.
        Self(unsafe { _mm_and_pd(self.0, _mm_castsi128_pd(_mm_set1_epi64x(i64::MAX))) })
    }

    /// Each lane's max(|re|, |im|) as `super::super::norm_inf` takes it (`if a > b { a }
    /// else { b }`, which is what `maxpd` does).
    #[inline(always)]
    pub(super) fn norm_inf(re: Self, im: Self) -> Self {
        // SAFETY: SSE2.
        Self(unsafe { _mm_max_pd(re.abs().0, im.abs().0) })
    }

    /// `self < o`.
    #[inline(always)]
    pub(super) fn lt(self, o: Self) -> u32 {
        // SAFETY: SSE2.
        unsafe { _mm_movemask_pd(_mm_cmplt_pd(self.0, o.0)) as u32 }
    }

    /// `!(self <= o)`: set for NaN, as the escape test wants.
    #[inline(always)]
    pub(super) fn not_le(self, o: Self) -> u32 {
        // SAFETY: SSE2.
        unsafe { _mm_movemask_pd(_mm_cmpnle_pd(self.0, o.0)) as u32 }
    }

    /// `!(self >= o)`.
    #[inline(always)]
    pub(super) fn not_ge(self, o: Self) -> u32 {
        // SAFETY: SSE2.
        unsafe { _mm_movemask_pd(_mm_cmpnge_pd(self.0, o.0)) as u32 }
    }
}

#[cfg(target_arch = "x86_64")]
impl std::ops::Add for P2 {
    type Output = Self;
    #[inline(always)]
    fn add(self, o: Self) -> Self {
        // SAFETY: SSE2.
        Self(unsafe { _mm_add_pd(self.0, o.0) })
    }
}

#[cfg(target_arch = "x86_64")]
impl std::ops::Sub for P2 {
    type Output = Self;
    #[inline(always)]
    fn sub(self, o: Self) -> Self {
        // SAFETY: SSE2.
        Self(unsafe { _mm_sub_pd(self.0, o.0) })
    }
}

#[cfg(target_arch = "x86_64")]
impl std::ops::Mul for P2 {
    type Output = Self;
    #[inline(always)]
    fn mul(self, o: Self) -> Self {
        // SAFETY: SSE2.
        Self(unsafe { _mm_mul_pd(self.0, o.0) })
    }
}

/// Elsewhere: the same operations element by element.
#[cfg(not(target_arch = "x86_64"))]
#[derive(Debug, Clone, Copy)]
pub(super) struct P2([f64; 2]);

#[cfg(not(target_arch = "x86_64"))]
impl P2 {
    #[inline(always)]
    pub(super) fn new(a: f64, b: f64) -> Self {
        Self([a, b])
    }

    #[inline(always)]
    pub(super) fn splat(v: f64) -> Self {
        Self([v, v])
    }

    #[inline(always)]
    pub(super) fn to_array(self) -> [f64; 2] {
        self.0
    }

    #[inline(always)]
    pub(super) fn abs(self) -> Self {
        Self(self.0.map(f64::abs))
    }

    #[inline(always)]
    pub(super) fn norm_inf(re: Self, im: Self) -> Self {
        let (a, b) = (re.abs().0, im.abs().0);
        Self([0, 1].map(|l| if a[l] > b[l] { a[l] } else { b[l] }))
    }

    #[inline(always)]
    fn mask(f: impl Fn(usize) -> bool) -> u32 {
        u32::from(f(0)) | (u32::from(f(1)) << 1)
    }

    #[inline(always)]
    pub(super) fn lt(self, o: Self) -> u32 {
        Self::mask(|l| self.0[l] < o.0[l])
    }

    #[inline(always)]
    #[allow(clippy::neg_cmp_op_on_partial_ord)]
    pub(super) fn not_le(self, o: Self) -> u32 {
        Self::mask(|l| !(self.0[l] <= o.0[l]))
    }

    #[inline(always)]
    #[allow(clippy::neg_cmp_op_on_partial_ord)]
    pub(super) fn not_ge(self, o: Self) -> u32 {
        Self::mask(|l| !(self.0[l] >= o.0[l]))
    }
}

#[cfg(not(target_arch = "x86_64"))]
impl std::ops::Add for P2 {
    type Output = Self;
    #[inline(always)]
    fn add(self, o: Self) -> Self {
        Self([self.0[0] + o.0[0], self.0[1] + o.0[1]])
    }
}

#[cfg(not(target_arch = "x86_64"))]
impl std::ops::Sub for P2 {
    type Output = Self;
    #[inline(always)]
    fn sub(self, o: Self) -> Self {
        Self([self.0[0] - o.0[0], self.0[1] - o.0[1]])
    }
}

#[cfg(not(target_arch = "x86_64"))]
impl std::ops::Mul for P2 {
    type Output = Self;
    #[inline(always)]
    fn mul(self, o: Self) -> Self {
        Self([self.0[0] * o.0[0], self.0[1] * o.0[1]])
    }
}

#[cfg(test)]
mod tests {
    use super::P2;

    /// The masks and the edge cases the loop's tests rely on: NaN fails `<=` and `>=`
    /// (so it counts as escaped and as small), and `norm_inf` takes the larger magnitude.
    #[test]
    fn comparisons_give_one_bit_per_lane_and_treat_nan_as_the_loop_wants() {
        let (a, b) = (P2::new(1.0, f64::NAN), P2::splat(2.0));
        assert_eq!(a.lt(b), 0b01);
        assert_eq!(a.not_le(b), 0b10);
        assert_eq!(a.not_ge(b), 0b11);
        assert_eq!(P2::new(3.0, -1.0).lt(P2::new(2.0, 0.0)), 0b10);
        assert_eq!(P2::norm_inf(P2::new(-3.0, 0.5), P2::new(2.0, -0.75)).to_array(), [3.0, 0.75]);
        assert_eq!((P2::new(1.5, 2.0) * P2::new(2.0, -1.0) - P2::splat(1.0)).to_array(), [2.0, -3.0]);
    }
}
