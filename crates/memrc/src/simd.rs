//! Run-time SIMD dispatch and the branch-free polynomial exponential of the network kernels.
//!
//! The default x86-64 target has no AVX2 or FMA, so the hot loops are compiled twice:
//!
//! - a kernel generic over [`MulAdd`] is monomorphised with [`Fused`] (`a·b + c` as one fused
//!   multiply-add) and run inside an AVX2+FMA context ([`pulp::x86::V3::vectorize`], which
//!   enables `avx,avx2,fma,…` on the inlined code after a cached `cpuid` check), where LLVM
//!   vectorises it to 4 lanes of `f64` (`ymm` registers, `vfmadd…pd`);
//! - and with [`Unfused`] (a multiplication and an addition) for the portable path, which
//!   vectorises to SSE2 (2 lanes) on the baseline target.
//!
//! [`dispatch`] picks the path; [`SimdLevel::Portable`] forces the portable one (tests compare
//! both). The two paths differ by rounding (a fused multiply-add rounds once): results are
//! bitwise reproducible for a given path, not across paths.
//!
//! The crate forbids `unsafe`; `pulp` encapsulates the one `unsafe` call to a
//! `#[target_feature]` function behind its safe, feature-checked token.

/// The arithmetic a kernel is written over: `a·b + c`, either fused (one rounding) or as a
/// multiplication and an addition, and the two transcendental primitives of the rate
/// functions, `e^x` and the linoid `x/(1 − e^{−x})`.
///
/// Rate shapes and gate kernels are written once over this trait
/// ([`crate::element::channel::gate::VoltageFn::eval_with`]) and run three ways: with
/// [`Fused`] or [`Unfused`] in the network kernels (branch-free [`exp`] and [`linoid`], so
/// loops vectorise), and with [`Libm`] in the scalar [`Element`](crate::Element) path used by
/// circuits and the trajectory-space solvers (the standard library's `exp`, `exp_m1`).
pub trait MulAdd: Copy {
    /// `a·b + c`.
    fn madd(a: f64, b: f64, c: f64) -> f64;

    /// `e^x`: the branch-free polynomial [`exp`] unless overridden.
    #[inline(always)]
    fn exp(x: f64) -> f64 {
        exp::<Self>(x)
    }

    /// `x/(1 − e^{−x})`, continuous at `x = 0` where it is 1: the branch-free [`linoid`]
    /// unless overridden.
    #[inline(always)]
    fn linoid(x: f64) -> f64 {
        linoid::<Self>(x)
    }
}

/// The scalar path: separate multiplication and addition, the standard library's `exp`, and
/// the linoid as `1/φ₁(−x)` with `exp_m1` (exact to rounding at and near 0).
#[derive(Debug, Clone, Copy)]
pub struct Libm;

impl MulAdd for Libm {
    #[inline(always)]
    fn madd(a: f64, b: f64, c: f64) -> f64 {
        a * b + c
    }

    #[inline(always)]
    fn exp(x: f64) -> f64 {
        x.exp()
    }

    #[inline(always)]
    fn linoid(x: f64) -> f64 {
        crate::math::x_over_one_minus_exp_neg(x)
    }
}

/// The Taylor series of `z/(e^z − 1)` through `z¹⁰`, used for `|z| < 0.2` (truncation
/// `< 2e-18`): `1 − z/2 + z²/12 − z⁴/720 + z⁶/30240 − z⁸/1209600 + z¹⁰/47900160`.
#[inline(always)]
pub fn linoid_series<M: MulAdd>(z: f64) -> f64 {
    let z2 = z * z;
    let mut s = 1.0 / 47_900_160.0;
    s = M::madd(s, z2, -1.0 / 1_209_600.0);
    s = M::madd(s, z2, 1.0 / 30_240.0);
    s = M::madd(s, z2, -1.0 / 720.0);
    s = M::madd(s, z2, 1.0 / 12.0);
    s = M::madd(s, z, -0.5);
    M::madd(s, z, 1.0)
}

/// `x/(1 − e^{−x})` without branches: the series of `z/(e^z − 1)` at `z = −x` for
/// `|x| < 0.2` ([`linoid_series`]), the quotient with the branch-free [`exp`] elsewhere
/// (cancellation `≲ 5e-15` relative), chosen by a select. Tends to `0` for `x → −∞` (the
/// quotient is `x/(1 − ∞) = −0`) and to `x` for `x → +∞`.
#[inline(always)]
pub fn linoid<M: MulAdd>(x: f64) -> f64 {
    let s = linoid_series::<M>(-x);
    let d = x / (1.0 - exp::<M>(-x));
    if x.abs() < 0.2 { s } else { d }
}

/// Fused multiply-add (`f64::mul_add`): one instruction when FMA is enabled, a slow library
/// call otherwise — only used inside the AVX2+FMA context.
#[derive(Debug, Clone, Copy)]
pub struct Fused;

/// Separate multiplication and addition, for targets without FMA.
#[derive(Debug, Clone, Copy)]
pub struct Unfused;

impl MulAdd for Fused {
    #[inline(always)]
    fn madd(a: f64, b: f64, c: f64) -> f64 {
        a.mul_add(b, c)
    }
}

impl MulAdd for Unfused {
    #[inline(always)]
    fn madd(a: f64, b: f64, c: f64) -> f64 {
        a * b + c
    }
}

/// Which instruction set the kernels may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[non_exhaustive]
pub enum SimdLevel {
    /// AVX2 + FMA when the CPU has them (checked at run time), else portable.
    #[default]
    Auto,
    /// The baseline target only (SSE2 on x86-64), no fused multiply-add.
    Portable,
}

impl SimdLevel {
    /// The path [`dispatch`] takes on this machine: `"avx2+fma"` or `"portable"`.
    pub fn resolved_name(self) -> &'static str {
        if self.uses_avx2_fma() {
            "avx2+fma"
        } else {
            "portable"
        }
    }

    fn uses_avx2_fma(self) -> bool {
        #[cfg(target_arch = "x86_64")]
        {
            self == Self::Auto && pulp::x86::V3::is_available()
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            false
        }
    }
}

/// A loop body compiled for each [`MulAdd`] flavour. Implementations must mark `run`
/// `#[inline(always)]` (and everything it calls), so that it is compiled inside the
/// feature-enabled context of [`dispatch`].
pub trait Kernel {
    /// Runs the loop with the multiply-add flavour `M`.
    fn run<M: MulAdd>(self);
}

/// Runs `kernel` with AVX2+FMA ([`Fused`]) when `level` allows it and the CPU has them, else
/// with the portable flavour ([`Unfused`]).
#[inline]
pub fn dispatch<K: Kernel>(level: SimdLevel, kernel: K) {
    #[cfg(target_arch = "x86_64")]
    {
        if level == SimdLevel::Auto {
            if let Some(v3) = pulp::x86::V3::try_new() {
                v3.vectorize(FusedRun(kernel));
                return;
            }
        }
    }
    let _ = level;
    kernel.run::<Unfused>();
}

/// Adapter running a [`Kernel`] with [`Fused`] as an always-inlined `pulp` closure (a plain
/// closure might not be inlined into the feature-enabled function).
#[cfg(target_arch = "x86_64")]
struct FusedRun<K>(K);

#[cfg(target_arch = "x86_64")]
impl<K: Kernel> pulp::NullaryFnOnce for FusedRun<K> {
    type Output = ();

    #[inline(always)]
    fn call(self) {
        self.0.run::<Fused>();
    }
}

/// `e^x` without branches or library calls, so that loops calling it vectorise.
///
/// Range reduction `x = k ln2 + r`, `|r| ≤ ln2/2`, with `k = round(x/ln2)` obtained by adding
/// `1.5·2⁵²` (round-to-nearest in the addition; no float→int conversion, which blocks AVX2
/// vectorisation) and a two-constant Cody–Waite split of `ln2` (fdlibm's `ln2_hi`, `ln2_lo`);
/// `e^r` by its Taylor polynomial of degree 12 (truncation `< r¹³/13! ≤ 1.7e-16`) in Horner
/// form; `2^k` built directly in the exponent bits. Relative error `≤ 5e-16` on
/// `[−708, 709]` (tested against libm at `1e-15`); `x < −708` gives `0` (true value
/// `< 3.3e-308`), `x > 709` gives `+∞` (the true overflow is at 709.78), NaN gives NaN.
#[inline(always)]
pub fn exp<M: MulAdd>(x: f64) -> f64 {
    const LOG2E: f64 = std::f64::consts::LOG2_E;
    const LN2_HI: f64 = f64::from_bits(0x3FE6_2E42_FEE0_0000); // fdlibm ln2_hi
    const LN2_LO: f64 = f64::from_bits(0x3DEA_39EF_3579_3C76); // fdlibm ln2_lo
    const SHIFT: f64 = 6_755_399_441_055_744.0; // 1.5 · 2⁵²
    // 1/k! for k = 12 down to 2.
    const C: [f64; 11] = [
        1.0 / 479_001_600.0,
        1.0 / 39_916_800.0,
        1.0 / 3_628_800.0,
        1.0 / 362_880.0,
        1.0 / 40_320.0,
        1.0 / 5_040.0,
        1.0 / 720.0,
        1.0 / 120.0,
        1.0 / 24.0,
        1.0 / 6.0,
        0.5,
    ];
    let lo = x < -708.0;
    let hi = x > 709.0;
    let xc = if lo {
        -708.0
    } else if hi {
        709.0
    } else {
        x
    };
    let t = M::madd(xc, LOG2E, SHIFT);
    let kf = t - SHIFT;
    let r = M::madd(kf, -LN2_HI, xc);
    let r = M::madd(kf, -LN2_LO, r);
    let mut p = C[0];
    for &c in &C[1..] {
        p = M::madd(p, r, c);
    }
    p = M::madd(p, r, 1.0);
    p = M::madd(p, r, 1.0);
    // t = 1.5·2⁵² + k exactly: its low bits hold k; (k + 1023) << 52 is 2^k.
    let scale = f64::from_bits(t.to_bits().wrapping_add(1023) << 52);
    let y = p * scale;
    if lo {
        0.0
    } else if hi {
        f64::INFINITY
    } else {
        y
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha8Rng;
    use rand_chacha::rand_core::{RngCore, SeedableRng};

    fn rel(a: f64, b: f64) -> f64 {
        ((a - b) / b).abs()
    }

    #[test]
    fn exp_matches_libm_to_1e_15_relative() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let mut worst = [0.0_f64; 2];
        for k in 0..400_000 {
            let u = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
            // Half the samples in the range the kernels use, half over the whole domain.
            let x = if k % 2 == 0 {
                -40.0 + 80.0 * u
            } else {
                -708.0 + 1417.0 * u
            };
            let want = x.exp();
            worst[0] = worst[0].max(rel(exp::<Unfused>(x), want));
            worst[1] = worst[1].max(rel(exp::<Fused>(x), want));
        }
        for x in [
            0.0,
            1.0,
            -1.0,
            1e-300,
            -1e-18,
            0.5 * std::f64::consts::LN_2,
            -708.0,
            709.0,
        ] {
            worst[0] = worst[0].max(rel(exp::<Unfused>(x), x.exp()));
            worst[1] = worst[1].max(rel(exp::<Fused>(x), x.exp()));
        }
        assert!(worst[0] <= 1e-15 && worst[1] <= 1e-15, "{worst:?}");
        assert_eq!(exp::<Fused>(0.0), 1.0);
    }

    #[test]
    fn exp_edges() {
        for e in [exp::<Fused>, exp::<Unfused>] {
            assert_eq!(e(-709.0), 0.0);
            assert_eq!(e(-1e300), 0.0);
            assert_eq!(e(f64::NEG_INFINITY), 0.0);
            assert_eq!(e(710.0), f64::INFINITY);
            assert_eq!(e(f64::INFINITY), f64::INFINITY);
            assert!(e(f64::NAN).is_nan());
        }
    }

    #[test]
    fn dispatch_runs_the_kernel() {
        struct K<'a>(&'a mut [f64]);
        impl Kernel for K<'_> {
            #[inline(always)]
            fn run<M: MulAdd>(self) {
                for x in self.0.iter_mut() {
                    *x = exp::<M>(*x);
                }
            }
        }
        for level in [SimdLevel::Auto, SimdLevel::Portable] {
            let mut xs: Vec<f64> = (0..37).map(|k| f64::from(k) * 0.3 - 5.0).collect();
            let want: Vec<f64> = xs.iter().map(|x| x.exp()).collect();
            dispatch(level, K(&mut xs));
            for (a, b) in xs.iter().zip(&want) {
                assert!(rel(*a, *b) <= 1e-15);
            }
        }
    }
}
