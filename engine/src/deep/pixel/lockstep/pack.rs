//! Lanes' values, one per element of a vector (lane 0 first), for the packed stretch
//! loop of a group: [`P2`] in 128-bit vectors (SSE2, every x86-64), [`P4`] in 256-bit
//! ones (AVX). The layout is fixed — each of a lane's quantities in its own element — so
//! every operation of the loop is one vector instruction: left to itself, the compiler
//! packed each lane's (re, im) together instead and spent a shuffle on most operations
//! to get the lanes apart again.
//!
//! Every operation is the IEEE operation of each element alone (no fused multiply-add),
//! so a lane computes exactly what it computes on its own. Comparisons give a bit mask,
//! bit l for lane l.

use std::ops::{Add, Mul, Sub};

/// What the stretch loop does with its lanes' values.
pub(super) trait Pack<const N: usize>:
    Copy + Add<Output = Self> + Sub<Output = Self> + Mul<Output = Self>
{
    /// Lane l's value is `f(l)`.
    fn from_fn(f: impl FnMut(usize) -> f64) -> Self;
    fn splat(v: f64) -> Self;
    fn to_array(self) -> [f64; N];
    fn abs(self) -> Self;
    /// Each lane's max(|re|, |im|) as `super::super::norm_inf` takes it (`if a > b { a }
    /// else { b }`, which is what `maxpd` does).
    fn norm_inf(re: Self, im: Self) -> Self;
    /// `self < o`.
    fn lt(self, o: Self) -> u32;
    /// `!(self <= o)`: set for NaN, as the escape test wants.
    fn not_le(self, o: Self) -> u32;
    /// `!(self >= o)`.
    fn not_ge(self, o: Self) -> u32;
}

#[cfg(target_arch = "x86_64")]
pub(super) use x86::{P2, P4};

/// Elsewhere: the same operations element by element.
#[cfg(not(target_arch = "x86_64"))]
pub(super) type P2 = Lanes<2>;
#[cfg(not(target_arch = "x86_64"))]
pub(super) type P4 = Lanes<4>;

/// Lanes' values as an array, operated on element by element (where no vector type is
/// written out).
#[allow(dead_code)] // on x86-64 only the tests use it
#[derive(Debug, Clone, Copy)]
pub(super) struct Lanes<const N: usize>([f64; N]);

impl<const N: usize> Lanes<N> {
    #[inline(always)]
    fn zip(self, o: Self, f: impl Fn(f64, f64) -> f64) -> Self {
        Self(std::array::from_fn(|l| f(self.0[l], o.0[l])))
    }

    #[inline(always)]
    fn mask(self, o: Self, f: impl Fn(f64, f64) -> bool) -> u32 {
        (0..N).fold(0, |m, l| m | (u32::from(f(self.0[l], o.0[l])) << l))
    }
}

impl<const N: usize> Pack<N> for Lanes<N> {
    #[inline(always)]
    fn from_fn(f: impl FnMut(usize) -> f64) -> Self {
        Self(std::array::from_fn(f))
    }
    #[inline(always)]
    fn splat(v: f64) -> Self {
        Self([v; N])
    }
    #[inline(always)]
    fn to_array(self) -> [f64; N] {
        self.0
    }
    #[inline(always)]
    fn abs(self) -> Self {
        Self(self.0.map(f64::abs))
    }
    #[inline(always)]
    fn norm_inf(re: Self, im: Self) -> Self {
        re.abs().zip(im.abs(), |a, b| if a > b { a } else { b })
    }
    #[inline(always)]
    fn lt(self, o: Self) -> u32 {
        self.mask(o, |a, b| a < b)
    }
    #[inline(always)]
    #[allow(clippy::neg_cmp_op_on_partial_ord)]
    fn not_le(self, o: Self) -> u32 {
        self.mask(o, |a, b| !(a <= b))
    }
    #[inline(always)]
    #[allow(clippy::neg_cmp_op_on_partial_ord)]
    fn not_ge(self, o: Self) -> u32 {
        self.mask(o, |a, b| !(a >= b))
    }
}

impl<const N: usize> Add for Lanes<N> {
    type Output = Self;
    #[inline(always)]
    fn add(self, o: Self) -> Self {
        self.zip(o, |a, b| a + b)
    }
}

impl<const N: usize> Sub for Lanes<N> {
    type Output = Self;
    #[inline(always)]
    fn sub(self, o: Self) -> Self {
        self.zip(o, |a, b| a - b)
    }
}

impl<const N: usize> Mul for Lanes<N> {
    type Output = Self;
    #[inline(always)]
    fn mul(self, o: Self) -> Self {
        self.zip(o, |a, b| a * b)
    }
}

/// The vector types, one macro expansion per width: the 128-bit intrinsics need SSE2,
/// which every x86-64 processor has; the 256-bit ones AVX, which the per-pixel loop's
/// V3 and V4 variants enable — the only code that uses [`P4`] (see `Context::pixels4`).
#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::*;
    use std::ops::{Add, Mul, Sub};

    use super::Pack;

    macro_rules! pack {
        ($name:ident, $n:literal, $v:ty, $set1:ident, $set1i:ident, $cast:ident, $storeu:ident, $add:ident,
         $sub:ident, $mul:ident, $and:ident, $max:ident, $cmp:ident, $movemask:ident) => {
            #[derive(Debug, Clone, Copy)]
            pub(in super::super) struct $name($v);

            // SAFETY (every `unsafe` below): the intrinsics need SSE2 (every x86-64
            // processor) for the 128-bit type, and AVX for the 256-bit one, which is only
            // used inside the per-pixel loop's variants that enable AVX2.
            impl Pack<$n> for $name {
                #[inline(always)]
                fn from_fn(f: impl FnMut(usize) -> f64) -> Self {
                    let a: [f64; $n] = std::array::from_fn(f);
                    // SAFETY: see above; `a` holds the vector's doubles.
                    Self(unsafe { std::mem::transmute::<[f64; $n], $v>(a) })
                }
                #[inline(always)]
                fn splat(v: f64) -> Self {
                    // SAFETY: see above.
                    Self(unsafe { $set1(v) })
                }
                #[inline(always)]
                fn to_array(self) -> [f64; $n] {
                    let mut out = [0.0; $n];
                    // SAFETY: see above; `out` holds the vector's doubles, and the store
                    // needs no alignment.
                    unsafe { $storeu(out.as_mut_ptr(), self.0) };
                    out
                }
                #[inline(always)]
                fn abs(self) -> Self {
                    // SAFETY: see above.
                    Self(unsafe { $and(self.0, $cast($set1i(i64::MAX))) })
                }
                #[inline(always)]
                fn norm_inf(re: Self, im: Self) -> Self {
                    // SAFETY: see above.
                    Self(unsafe { $max(re.abs().0, im.abs().0) })
                }
                #[inline(always)]
                fn lt(self, o: Self) -> u32 {
                    // SAFETY: see above.
                    unsafe { $movemask($cmp::<_CMP_LT_OQ>(self.0, o.0)) as u32 }
                }
                #[inline(always)]
                fn not_le(self, o: Self) -> u32 {
                    // SAFETY: see above.
                    unsafe { $movemask($cmp::<_CMP_NLE_UQ>(self.0, o.0)) as u32 }
                }
                #[inline(always)]
                fn not_ge(self, o: Self) -> u32 {
                    // SAFETY: see above.
                    unsafe { $movemask($cmp::<_CMP_NGE_UQ>(self.0, o.0)) as u32 }
                }
            }

            impl Add for $name {
                type Output = Self;
                #[inline(always)]
                fn add(self, o: Self) -> Self {
                    // SAFETY: see above.
                    Self(unsafe { $add(self.0, o.0) })
                }
            }

            impl Sub for $name {
                type Output = Self;
                #[inline(always)]
                fn sub(self, o: Self) -> Self {
                    // SAFETY: see above.
                    Self(unsafe { $sub(self.0, o.0) })
                }
            }

            impl Mul for $name {
                type Output = Self;
                #[inline(always)]
                fn mul(self, o: Self) -> Self {
                    // SAFETY: see above.
                    Self(unsafe { $mul(self.0, o.0) })
                }
            }
        };
    }

    pack!(
        P2,
        2,
        __m128d,
        _mm_set1_pd,
        _mm_set1_epi64x,
        _mm_castsi128_pd,
        _mm_storeu_pd,
        _mm_add_pd,
        _mm_sub_pd,
        _mm_mul_pd,
        _mm_and_pd,
        _mm_max_pd,
        _mm_cmp_pd,
        _mm_movemask_pd
    );
    pack!(
        P4,
        4,
        __m256d,
        _mm256_set1_pd,
        _mm256_set1_epi64x,
        _mm256_castsi256_pd,
        _mm256_storeu_pd,
        _mm256_add_pd,
        _mm256_sub_pd,
        _mm256_mul_pd,
        _mm256_and_pd,
        _mm256_max_pd,
        _mm256_cmp_pd,
        _mm256_movemask_pd
    );
}

#[cfg(test)]
mod tests {
    use super::{Lanes, P2, Pack};

    /// The masks and the edge cases the loop's tests rely on: NaN fails `<=` and `>=`
    /// (so it counts as escaped and as small), and `norm_inf` takes the larger magnitude;
    /// the vector type and the element-wise one agree.
    #[test]
    fn comparisons_give_one_bit_per_lane_and_treat_nan_as_the_loop_wants() {
        fn check<V: Pack<2>>() {
            let v = |a, b| V::from_fn(|l| [a, b][l]);
            let (a, b) = (v(1.0, f64::NAN), V::splat(2.0));
            assert_eq!(a.lt(b), 0b01);
            assert_eq!(a.not_le(b), 0b10);
            assert_eq!(a.not_ge(b), 0b11);
            assert_eq!(v(3.0, -1.0).lt(v(2.0, 0.0)), 0b10);
            assert_eq!(V::norm_inf(v(-3.0, 0.5), v(2.0, -0.75)).to_array(), [3.0, 0.75]);
            assert_eq!((v(1.5, 2.0) * v(2.0, -1.0) - V::splat(1.0)).to_array(), [2.0, -3.0]);
            assert_eq!((v(1.0, 2.0) + v(0.5, 0.25)).abs().to_array(), [1.5, 2.25]);
        }
        check::<P2>();
        check::<Lanes<2>>();
    }
}
