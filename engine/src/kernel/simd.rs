//! A minimal vector abstraction over f64 lanes: portable scalar, AVX2+FMA and AVX-512.
//!
//! Each instruction set is a zero-sized *token* type. A token can only be obtained after
//! the CPU was checked for the features it needs ([`Avx2::detect`], [`Avx512::detect`]),
//! which is what makes the `unsafe` intrinsic calls inside the methods sound. The kernels
//! are written once, generic over [`Simd`], and instantiated inside
//! `#[target_feature]` functions so the `#[inline(always)]` methods compile to single
//! instructions.

/// Lanes per vector, at most; sizes the kernels' per-lane bookkeeping arrays.
pub(crate) const MAX_LANES: usize = 8;

/// Operations the fractal kernels need, on vectors of `LANES` f64 values.
pub(crate) trait Simd: Copy {
    /// f64 lanes per vector.
    const LANES: usize;
    /// The vector type.
    type V: Copy;
    /// A lane mask in the instruction set's own form (a k-register on AVX-512, a vector
    /// of all-ones/all-zeros lanes on AVX2), for hot loops that never look at bits.
    type M: Copy;

    /// All lanes `x`.
    fn splat(self, x: f64) -> Self::V;
    /// Loads `LANES` values from the front of `src`.
    fn load(self, src: &[f64; MAX_LANES]) -> Self::V;
    /// Stores `LANES` values to the front of `dst`.
    fn store(self, v: Self::V, dst: &mut [f64; MAX_LANES]);
    /// Appends the lanes of `v` that `mask` selects to `list`, lowest lane first.
    #[inline(always)]
    fn append(self, v: Self::V, mask: u32, list: &mut Vec<f64>) {
        let mut a = [0.0; MAX_LANES];
        self.store(v, &mut a);
        let mut m = mask;
        while m != 0 {
            list.push(a[m.trailing_zeros() as usize]);
            m &= m - 1;
        }
    }
    /// `a + b`.
    fn add(self, a: Self::V, b: Self::V) -> Self::V;
    /// `a - b`.
    fn sub(self, a: Self::V, b: Self::V) -> Self::V;
    /// `a * b`.
    fn mul(self, a: Self::V, b: Self::V) -> Self::V;
    /// `a * b + c`, fused (one rounding) where the instruction set has FMA.
    fn mul_add(self, a: Self::V, b: Self::V, c: Self::V) -> Self::V;
    /// `c - a * b`, fused where the instruction set has FMA.
    fn neg_mul_add(self, a: Self::V, b: Self::V, c: Self::V) -> Self::V;
    /// `|a|`.
    fn abs(self, a: Self::V) -> Self::V;
    /// Bit `i` set where `!(a[i] <= b[i])`, i.e. also where a lane is NaN.
    fn not_le_mask(self, a: Self::V, b: Self::V) -> u32;
    /// Bit `i` set where `a[i] <= b[i]` (false for NaN).
    fn le_mask(self, a: Self::V, b: Self::V) -> u32;
    /// Lanes whose bit is set in `mask` from `b`, the others from `a`.
    fn blend(self, mask: u32, a: Self::V, b: Self::V) -> Self::V;
    /// Stores the lanes, converted to u32 (they hold small non-negative integers), to
    /// the front of `dst`, which has at least `LANES` elements.
    fn store_u32(self, v: Self::V, dst: &mut [u32]);
    /// Stores the lanes, converted to f32, to the front of `dst` (at least `LANES` long).
    fn store_f32(self, v: Self::V, dst: &mut [f32]);
    /// Lanes where `a <= b` (false for NaN).
    fn le(self, a: Self::V, b: Self::V) -> Self::M;
    /// `a & !b`.
    fn m_and_not(self, a: Self::M, b: Self::M) -> Self::M;
    /// `a | b`.
    fn m_or(self, a: Self::M, b: Self::M) -> Self::M;
    /// Bit `i` set where lane `i` is set.
    fn m_bits(self, m: Self::M) -> u32;
    /// The mask with the lanes of `bits` set.
    fn m_from_bits(self, bits: u32) -> Self::M;
    /// Lanes of `m` from `b`, the others from `a`.
    fn select(self, m: Self::M, a: Self::V, b: Self::V) -> Self::V;
    /// `a + b` in the lanes of `m`, `a` in the others.
    fn add_where(self, m: Self::M, a: Self::V, b: Self::V) -> Self::V;
    /// A lane counter: `count + 1` in the lanes of `m`. Counters start at `splat(0.0)` and
    /// are read with [`Simd::count_value`]; in between their representation is the
    /// instruction set's own (integers on AVX2: one instruction instead of two).
    fn count_where(self, m: Self::M, count: Self::V) -> Self::V;
    /// A counter's lanes as f64.
    fn count_value(self, count: Self::V) -> Self::V;
    /// `rec` in the lanes of `m`, elsewhere `min(v, rec)` — with `rec` kept where `v` is
    /// NaN. Records the first |z|² outside the radius without knowing which step that was:
    /// after escape |z| only grows (or overflows to NaN), so the first value is the least.
    fn min_where_not(self, m: Self::M, v: Self::V, rec: Self::V) -> Self::V;
    /// Loads the first `LANES` values of `src` (at least `LANES` long).
    fn load_slice(self, src: &[f64]) -> Self::V;
    /// Sum of the lanes.
    fn reduce_add(self, v: Self::V) -> f64;
}

/// Plain f64, one lane: runs everywhere, never fuses, and is the arithmetic of the
/// reference path.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scalar;

impl Simd for Scalar {
    const LANES: usize = 1;
    type V = f64;
    type M = bool;

    #[inline(always)]
    fn le(self, a: f64, b: f64) -> bool {
        a <= b
    }
    #[inline(always)]
    fn m_and_not(self, a: bool, b: bool) -> bool {
        a & !b
    }
    #[inline(always)]
    fn m_or(self, a: bool, b: bool) -> bool {
        a | b
    }
    #[inline(always)]
    fn m_bits(self, m: bool) -> u32 {
        u32::from(m)
    }
    #[inline(always)]
    fn m_from_bits(self, bits: u32) -> bool {
        bits & 1 != 0
    }
    #[inline(always)]
    fn select(self, m: bool, a: f64, b: f64) -> f64 {
        if m { b } else { a }
    }
    #[inline(always)]
    fn add_where(self, m: bool, a: f64, b: f64) -> f64 {
        if m { a + b } else { a }
    }
    #[inline(always)]
    fn count_where(self, m: bool, count: f64) -> f64 {
        if m { count + 1.0 } else { count }
    }
    #[inline(always)]
    fn count_value(self, count: f64) -> f64 {
        count
    }
    #[inline(always)]
    fn min_where_not(self, m: bool, v: f64, rec: f64) -> f64 {
        if !m && v < rec { v } else { rec }
    }

    #[inline(always)]
    fn splat(self, x: f64) -> f64 {
        x
    }
    #[inline(always)]
    fn load(self, src: &[f64; MAX_LANES]) -> f64 {
        src[0]
    }
    #[inline(always)]
    fn store(self, v: f64, dst: &mut [f64; MAX_LANES]) {
        dst[0] = v;
    }
    #[inline(always)]
    fn add(self, a: f64, b: f64) -> f64 {
        a + b
    }
    #[inline(always)]
    fn sub(self, a: f64, b: f64) -> f64 {
        a - b
    }
    #[inline(always)]
    fn mul(self, a: f64, b: f64) -> f64 {
        a * b
    }
    #[inline(always)]
    fn mul_add(self, a: f64, b: f64, c: f64) -> f64 {
        a * b + c
    }
    #[inline(always)]
    fn neg_mul_add(self, a: f64, b: f64, c: f64) -> f64 {
        c - a * b
    }
    #[inline(always)]
    fn abs(self, a: f64) -> f64 {
        a.abs()
    }
    #[inline(always)]
    #[allow(clippy::neg_cmp_op_on_partial_ord)] // NaN must count as "not ≤"
    fn not_le_mask(self, a: f64, b: f64) -> u32 {
        u32::from(!(a <= b))
    }
    #[inline(always)]
    fn le_mask(self, a: f64, b: f64) -> u32 {
        u32::from(a <= b)
    }
    #[inline(always)]
    fn blend(self, mask: u32, a: f64, b: f64) -> f64 {
        if mask & 1 != 0 { b } else { a }
    }
    #[inline(always)]
    fn store_u32(self, v: f64, dst: &mut [u32]) {
        dst[0] = v as u32;
    }
    #[inline(always)]
    fn store_f32(self, v: f64, dst: &mut [f32]) {
        dst[0] = v as f32;
    }
    #[inline(always)]
    fn load_slice(self, src: &[f64]) -> f64 {
        src[0]
    }
    #[inline(always)]
    fn reduce_add(self, v: f64) -> f64 {
        v
    }
}

#[cfg(target_arch = "x86_64")]
pub(crate) use x86::{Avx2, Avx512};

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::*;

    use super::{MAX_LANES, Simd};

    /// AVX2 + FMA, 4 lanes. Only constructed by [`Avx2::detect`].
    #[derive(Debug, Clone, Copy)]
    pub(crate) struct Avx2(());

    impl Avx2 {
        /// The token, if this CPU has AVX2, FMA and POPCNT (every AVX2 CPU has the last;
        /// the kernels count lanes with it).
        pub(crate) fn detect() -> Option<Self> {
            (is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") && is_x86_feature_detected!("popcnt"))
                .then_some(Self(()))
        }
    }

    // SAFETY (all methods): an `Avx2` value exists only after `detect` confirmed AVX2 and
    // FMA; `load`/`store` access at most 4 of the array's 8 elements, and the slice stores
    // assert their length first.
    impl Simd for Avx2 {
        const LANES: usize = 4;
        type V = __m256d;
        type M = __m256d;

        #[inline(always)]
        fn le(self, a: __m256d, b: __m256d) -> __m256d {
            unsafe { _mm256_cmp_pd::<_CMP_LE_OQ>(a, b) }
        }
        #[inline(always)]
        fn m_and_not(self, a: __m256d, b: __m256d) -> __m256d {
            unsafe { _mm256_andnot_pd(b, a) }
        }
        #[inline(always)]
        fn m_or(self, a: __m256d, b: __m256d) -> __m256d {
            unsafe { _mm256_or_pd(a, b) }
        }
        #[inline(always)]
        fn m_bits(self, m: __m256d) -> u32 {
            unsafe { _mm256_movemask_pd(m) as u32 }
        }
        #[inline(always)]
        fn m_from_bits(self, bits: u32) -> __m256d {
            unsafe {
                // Spread the 4 mask bits to 4 all-ones/all-zeros 64-bit lanes.
                let lane_bits = _mm256_set_epi64x(8, 4, 2, 1);
                let m = _mm256_and_si256(_mm256_set1_epi64x(i64::from(bits)), lane_bits);
                _mm256_castsi256_pd(_mm256_cmpeq_epi64(m, lane_bits))
            }
        }
        #[inline(always)]
        fn select(self, m: __m256d, a: __m256d, b: __m256d) -> __m256d {
            unsafe { _mm256_blendv_pd(a, b, m) }
        }
        #[inline(always)]
        fn add_where(self, m: __m256d, a: __m256d, b: __m256d) -> __m256d {
            unsafe { _mm256_add_pd(a, _mm256_and_pd(m, b)) }
        }
        #[inline(always)]
        fn count_where(self, m: __m256d, count: __m256d) -> __m256d {
            // i64 lanes; a set mask lane is −1.
            unsafe { _mm256_castsi256_pd(_mm256_sub_epi64(_mm256_castpd_si256(count), _mm256_castpd_si256(m))) }
        }
        #[inline(always)]
        fn count_value(self, count: __m256d) -> __m256d {
            // Exact for counts below 2^52: put the integer in the mantissa of 2^52, subtract.
            unsafe {
                let magic = _mm256_set1_pd(4_503_599_627_370_496.0);
                _mm256_sub_pd(_mm256_or_pd(count, magic), magic)
            }
        }
        #[inline(always)]
        fn min_where_not(self, m: __m256d, v: __m256d, rec: __m256d) -> __m256d {
            // All-ones lanes are NaN, and `vminpd` returns its second operand when either
            // is NaN: two instructions, no blend.
            unsafe { _mm256_min_pd(_mm256_or_pd(v, m), rec) }
        }

        #[inline(always)]
        fn splat(self, x: f64) -> __m256d {
            unsafe { _mm256_set1_pd(x) }
        }
        #[inline(always)]
        fn load(self, src: &[f64; MAX_LANES]) -> __m256d {
            unsafe { _mm256_loadu_pd(src.as_ptr()) }
        }
        #[inline(always)]
        fn store(self, v: __m256d, dst: &mut [f64; MAX_LANES]) {
            unsafe { _mm256_storeu_pd(dst.as_mut_ptr(), v) }
        }
        #[inline(always)]
        fn add(self, a: __m256d, b: __m256d) -> __m256d {
            unsafe { _mm256_add_pd(a, b) }
        }
        #[inline(always)]
        fn sub(self, a: __m256d, b: __m256d) -> __m256d {
            unsafe { _mm256_sub_pd(a, b) }
        }
        #[inline(always)]
        fn mul(self, a: __m256d, b: __m256d) -> __m256d {
            unsafe { _mm256_mul_pd(a, b) }
        }
        #[inline(always)]
        fn mul_add(self, a: __m256d, b: __m256d, c: __m256d) -> __m256d {
            unsafe { _mm256_fmadd_pd(a, b, c) }
        }
        #[inline(always)]
        fn neg_mul_add(self, a: __m256d, b: __m256d, c: __m256d) -> __m256d {
            unsafe { _mm256_fnmadd_pd(a, b, c) }
        }
        #[inline(always)]
        fn abs(self, a: __m256d) -> __m256d {
            unsafe { _mm256_andnot_pd(_mm256_set1_pd(-0.0), a) }
        }
        #[inline(always)]
        fn not_le_mask(self, a: __m256d, b: __m256d) -> u32 {
            unsafe { _mm256_movemask_pd(_mm256_cmp_pd::<_CMP_NLE_UQ>(a, b)) as u32 }
        }
        #[inline(always)]
        fn le_mask(self, a: __m256d, b: __m256d) -> u32 {
            unsafe { _mm256_movemask_pd(_mm256_cmp_pd::<_CMP_LE_OQ>(a, b)) as u32 }
        }
        #[inline(always)]
        fn blend(self, mask: u32, a: __m256d, b: __m256d) -> __m256d {
            self.select(self.m_from_bits(mask), a, b)
        }
        #[inline(always)]
        fn store_u32(self, v: __m256d, dst: &mut [u32]) {
            assert!(dst.len() >= 4);
            // Counts stay below 2^31, so the signed conversion is exact.
            unsafe { _mm_storeu_si128(dst.as_mut_ptr().cast(), _mm256_cvttpd_epi32(v)) }
        }
        #[inline(always)]
        fn store_f32(self, v: __m256d, dst: &mut [f32]) {
            assert!(dst.len() >= 4);
            unsafe { _mm_storeu_ps(dst.as_mut_ptr(), _mm256_cvtpd_ps(v)) }
        }
        #[inline(always)]
        fn load_slice(self, src: &[f64]) -> __m256d {
            assert!(src.len() >= 4);
            unsafe { _mm256_loadu_pd(src.as_ptr()) }
        }
        #[inline(always)]
        fn reduce_add(self, v: __m256d) -> f64 {
            unsafe {
                let pair = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd::<1>(v));
                _mm_cvtsd_f64(_mm_add_sd(pair, _mm_unpackhi_pd(pair, pair)))
            }
        }
    }

    /// AVX-512F (+DQ), 8 lanes. Only constructed by [`Avx512::detect`].
    #[derive(Debug, Clone, Copy)]
    pub(crate) struct Avx512(());

    impl Avx512 {
        /// The token, if this CPU has AVX-512F, AVX-512DQ, FMA and POPCNT.
        pub(crate) fn detect() -> Option<Self> {
            (is_x86_feature_detected!("avx512f")
                && is_x86_feature_detected!("avx512dq")
                && is_x86_feature_detected!("fma")
                && is_x86_feature_detected!("popcnt"))
            .then_some(Self(()))
        }
    }

    // SAFETY (all methods): an `Avx512` value exists only after `detect` confirmed the
    // features; `load`/`store` access exactly the array's 8 elements, and the slice stores
    // assert their length first.
    impl Simd for Avx512 {
        const LANES: usize = 8;
        type V = __m512d;
        // Plain bits rather than `__mmask8`: measured faster here, because LLVM then keeps
        // the few k-registers for the compares instead of spilling vectors around them.
        type M = u32;

        #[inline(always)]
        fn le(self, a: __m512d, b: __m512d) -> u32 {
            self.le_mask(a, b)
        }
        #[inline(always)]
        fn m_and_not(self, a: u32, b: u32) -> u32 {
            a & !b
        }
        #[inline(always)]
        fn m_or(self, a: u32, b: u32) -> u32 {
            a | b
        }
        #[inline(always)]
        fn m_bits(self, m: u32) -> u32 {
            m
        }
        #[inline(always)]
        fn m_from_bits(self, bits: u32) -> u32 {
            bits
        }
        #[inline(always)]
        fn select(self, m: u32, a: __m512d, b: __m512d) -> __m512d {
            self.blend(m, a, b)
        }
        #[inline(always)]
        fn add_where(self, m: u32, a: __m512d, b: __m512d) -> __m512d {
            unsafe { _mm512_mask_add_pd(a, m as u8, a, b) }
        }
        #[inline(always)]
        fn count_where(self, m: u32, count: __m512d) -> __m512d {
            self.add_where(m, count, self.splat(1.0))
        }
        #[inline(always)]
        fn count_value(self, count: __m512d) -> __m512d {
            count
        }
        #[inline(always)]
        fn min_where_not(self, m: u32, v: __m512d, rec: __m512d) -> __m512d {
            // `vminpd` returns its second operand (`rec`) when either is NaN.
            unsafe { _mm512_mask_min_pd(rec, !m as u8, v, rec) }
        }

        #[inline(always)]
        fn splat(self, x: f64) -> __m512d {
            unsafe { _mm512_set1_pd(x) }
        }
        #[inline(always)]
        fn load(self, src: &[f64; MAX_LANES]) -> __m512d {
            unsafe { _mm512_loadu_pd(src.as_ptr()) }
        }
        #[inline(always)]
        fn store(self, v: __m512d, dst: &mut [f64; MAX_LANES]) {
            unsafe { _mm512_storeu_pd(dst.as_mut_ptr(), v) }
        }
        /// One compress in registers and one full store past the end, then the length
        /// cut back: a store per selected lane cost a group's hand-on several times more.
        #[inline(always)]
        fn append(self, v: __m512d, mask: u32, list: &mut Vec<f64>) {
            let at = list.len();
            list.extend_from_slice(&[0.0; 8]);
            let dst: &mut [f64; 8] = (&mut list[at..at + 8]).try_into().expect("eight lanes");
            unsafe { _mm512_storeu_pd(dst.as_mut_ptr(), _mm512_maskz_compress_pd(mask as u8, v)) }
            list.truncate(at + mask.count_ones() as usize);
        }
        #[inline(always)]
        fn add(self, a: __m512d, b: __m512d) -> __m512d {
            unsafe { _mm512_add_pd(a, b) }
        }
        #[inline(always)]
        fn sub(self, a: __m512d, b: __m512d) -> __m512d {
            unsafe { _mm512_sub_pd(a, b) }
        }
        #[inline(always)]
        fn mul(self, a: __m512d, b: __m512d) -> __m512d {
            unsafe { _mm512_mul_pd(a, b) }
        }
        #[inline(always)]
        fn mul_add(self, a: __m512d, b: __m512d, c: __m512d) -> __m512d {
            unsafe { _mm512_fmadd_pd(a, b, c) }
        }
        #[inline(always)]
        fn neg_mul_add(self, a: __m512d, b: __m512d, c: __m512d) -> __m512d {
            unsafe { _mm512_fnmadd_pd(a, b, c) }
        }
        #[inline(always)]
        fn abs(self, a: __m512d) -> __m512d {
            unsafe { _mm512_abs_pd(a) }
        }
        #[inline(always)]
        fn not_le_mask(self, a: __m512d, b: __m512d) -> u32 {
            u32::from(unsafe { _mm512_cmp_pd_mask::<_CMP_NLE_UQ>(a, b) })
        }
        #[inline(always)]
        fn le_mask(self, a: __m512d, b: __m512d) -> u32 {
            u32::from(unsafe { _mm512_cmp_pd_mask::<_CMP_LE_OQ>(a, b) })
        }
        #[inline(always)]
        fn blend(self, mask: u32, a: __m512d, b: __m512d) -> __m512d {
            unsafe { _mm512_mask_blend_pd(mask as u8, a, b) }
        }
        #[inline(always)]
        fn store_u32(self, v: __m512d, dst: &mut [u32]) {
            assert!(dst.len() >= 8);
            unsafe { _mm256_storeu_si256(dst.as_mut_ptr().cast(), _mm512_cvttpd_epu32(v)) }
        }
        #[inline(always)]
        fn store_f32(self, v: __m512d, dst: &mut [f32]) {
            assert!(dst.len() >= 8);
            unsafe { _mm256_storeu_ps(dst.as_mut_ptr(), _mm512_cvtpd_ps(v)) }
        }
        #[inline(always)]
        fn load_slice(self, src: &[f64]) -> __m512d {
            assert!(src.len() >= 8);
            unsafe { _mm512_loadu_pd(src.as_ptr()) }
        }
        #[inline(always)]
        fn reduce_add(self, v: __m512d) -> f64 {
            unsafe { _mm512_reduce_add_pd(v) }
        }
    }
}

/// Runs the generic check `$check(s)` with the token of every path this CPU supports:
/// scalar always, AVX2 and AVX-512 where the CPU has them (tests of the vector code).
#[cfg(test)]
macro_rules! on_every_path {
    ($check:ident) => {{
        $check($crate::kernel::simd::Scalar);
        #[cfg(target_arch = "x86_64")]
        {
            if let Some(s) = $crate::kernel::simd::Avx2::detect() {
                $check(s);
            }
            if let Some(s) = $crate::kernel::simd::Avx512::detect() {
                $check(s);
            }
        }
    }};
}
#[cfg(test)]
pub(crate) use on_every_path;

#[cfg(test)]
mod tests {
    use super::*;

    /// `append` keeps exactly the selected lanes, in lane order, after what the list held,
    /// for every mask of a vector.
    fn append_keeps_the_selected_lanes<S: Simd>(s: S) {
        let values: [f64; MAX_LANES] = std::array::from_fn(|l| 10.0 + l as f64);
        let v = s.load(&values);
        for mask in 0..1u32 << S::LANES {
            let mut list = vec![-1.0, -2.0];
            s.append(v, mask, &mut list);
            let mut want = vec![-1.0, -2.0];
            want.extend((0..S::LANES).filter(|l| mask & (1 << l) != 0).map(|l| values[l]));
            assert_eq!(list, want, "mask {mask:#b}");
        }
    }

    #[test]
    fn append_keeps_the_selected_lanes_on_every_path() {
        on_every_path!(append_keeps_the_selected_lanes);
    }
}
