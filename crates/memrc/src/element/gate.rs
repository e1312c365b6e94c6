//! Gating variables: voltage-dependent rate functions, gate kinetics in the α/β and τ/x∞ forms,
//! and [`GatedConductance`], the `ḡ ∏ x_j^{p_j}` conductance shared by the HH and Traub channels.
//!
//! # Kinetics
//!
//! A gating variable `x ∈ [0, 1]` obeys the standard first-order kinetics
//!
//! ```text
//!   ẋ = α(V) (1 − x) − β(V) x                     (α/β form)
//!   τ(V) ẋ = x∞(V) − x                            (τ/x∞ form, paper eq. 60b–d)
//!   x∞ = α / (α + β),   τ = 1 / (α + β)           (conversion)
//!   α = x∞ / τ,         β = (1 − x∞) / τ
//! ```
//!
//! with `α` the opening and `β` the closing rate \[1/s\], `V` the *membrane* voltage \[V\]. The
//! paper's eq. (2)–(3) writes `ṅ = α n + β (1 − n)`, i.e. with `α` and `β` swapped (a slip noted
//! in `docs/numerics.md#paper-slips`); memrc uses the standard form above throughout. Both forms are
//! [`StateForm::Linear`](crate::element::StateForm::Linear), `ẋ = a(V) − b(V) x` with
//!
//! ```text
//!   a = α,       b = α + β          (α/β form)
//!   a = x∞ / τ,  b = 1 / τ          (τ/x∞ form)
//! ```
//!
//! # Rate functions
//!
//! [`VoltageFn`] holds the three classic shapes (exponential, sigmoid and the "linoid"
//! `x / (1 − e^{−x})`), evaluated in SI units directly (`V` in volts, half-point and slope
//! factor in volts, amplitude in the unit of the result, e.g. 1/s). The linoid has a removable
//! singularity at `x = 0` (`α_m` of HH at −40 mV); it is evaluated with
//! [`x_over_one_minus_exp_neg`], exact to rounding there, and its derivative with
//! [`linoid_slope`], also free of cancellation. Every shape has a closed-form derivative
//! `d/dV` for Newton solvers.

use crate::element::ElementJacobian;
pub use crate::math::linoid_slope;
use crate::math::x_over_one_minus_exp_neg;
use crate::simd::{Libm, MulAdd};

/// A scalar function of the membrane voltage with a closed-form derivative.
///
/// With `u = (V − v_half) / scale` (both in volts; `scale` may be negative):
///
/// | variant | value | derivative `d/dV` |
/// |---|---|---|
/// | `Const(c)` | `c` | `0` |
/// | `Exp` | `A e^{u}` | `A e^{u} / scale` |
/// | `Sigmoid` | `A / (1 + e^{−u})` | `A σ(u)(1 − σ(u)) / scale` |
/// | `Linoid` | `A u / (1 − e^{−u})` | `A L'(u) / scale` ([`linoid_slope`]) |
/// | `Custom(f)` | `f(V).0` | `f(V).1` |
///
/// `A` (`amplitude`) carries the unit of the result: 1/s for rates, s for time constants,
/// 1 for steady states, mol/L for transmitter concentrations.
#[derive(Debug, Clone, Copy)]
pub enum VoltageFn {
    /// A constant.
    Const(f64),
    /// `A e^{(V − v_half)/scale}`.
    Exp {
        /// `A` \[unit of the result\].
        amplitude: f64,
        /// Reference voltage \[V\].
        v_half: f64,
        /// Slope factor \[V\], signed.
        scale: f64,
    },
    /// `A / (1 + e^{−(V − v_half)/scale})` (a Boltzmann function when `A = 1`).
    Sigmoid {
        /// `A` \[unit of the result\].
        amplitude: f64,
        /// Half-point \[V\].
        v_half: f64,
        /// Slope factor \[V\], signed.
        scale: f64,
    },
    /// `A u / (1 − e^{−u})`, `u = (V − v_half)/scale`, continuous at `u = 0` where it is `A`.
    Linoid {
        /// `A` [unit of the result]: the value at `V = v_half`.
        amplitude: f64,
        /// Location of the removable singularity \[V\].
        v_half: f64,
        /// Slope factor \[V\], signed.
        scale: f64,
    },
    /// Any function given as `V ↦ (value, d value/dV)`.
    Custom(fn(f64) -> (f64, f64)),
}

impl VoltageFn {
    /// The value at membrane voltage `v` \[V\], with the standard library's functions
    /// ([`Libm`]; the scalar [`Element`](crate::Element) path).
    #[inline]
    pub fn eval(&self, v: f64) -> f64 {
        self.eval_with::<Libm>(v)
    }

    /// The value at membrane voltage `v` \[V\] in the arithmetic `M`: [`VoltageFn::eval_block`]
    /// on a block of one.
    #[inline(always)]
    pub fn eval_with<M: MulAdd>(&self, v: f64) -> f64 {
        let mut out = [0.0];
        self.eval_block::<M>(&[v], &mut out);
        out[0]
    }

    /// `out[i] = f(v[i])` for a block of voltages \[V\] in the arithmetic `M`: the one
    /// definition of the rate shapes, shared by the scalar path ([`Libm`], a block of one) and
    /// the vectorised network kernels ([`Fused`](crate::simd::Fused),
    /// [`Unfused`](crate::simd::Unfused)). The shape is chosen once per block, so each loop is
    /// branch-free and vectorises. `out` must be at least as long as `v`.
    #[inline(always)]
    pub fn eval_block<M: MulAdd>(&self, v: &[f64], out: &mut [f64]) {
        let out = &mut out[..v.len()];
        // One loop per shape, each the shape's arm of `eval_with` with the constants hoisted.
        match *self {
            Self::Const(c) => out.fill(c),
            Self::Exp {
                amplitude,
                v_half,
                scale,
            } => {
                for (o, &vi) in out.iter_mut().zip(v) {
                    *o = amplitude * M::exp((vi - v_half) / scale);
                }
            }
            Self::Sigmoid {
                amplitude,
                v_half,
                scale,
            } => {
                for (o, &vi) in out.iter_mut().zip(v) {
                    *o = amplitude * sigmoid_value::<M>((vi - v_half) / scale);
                }
            }
            Self::Linoid {
                amplitude,
                v_half,
                scale,
            } => {
                for (o, &vi) in out.iter_mut().zip(v) {
                    *o = amplitude * M::linoid((vi - v_half) / scale);
                }
            }
            Self::Custom(f) => {
                for (o, &vi) in out.iter_mut().zip(v) {
                    *o = f(vi).0;
                }
            }
        }
    }

    /// The value and its derivative with respect to `v` \[unit/V\].
    #[inline]
    pub fn eval_with_slope(&self, v: f64) -> (f64, f64) {
        match *self {
            Self::Const(c) => (c, 0.0),
            Self::Exp {
                amplitude,
                v_half,
                scale,
            } => {
                let y = amplitude * ((v - v_half) / scale).exp();
                (y, y / scale)
            }
            Self::Sigmoid {
                amplitude,
                v_half,
                scale,
            } => {
                let (s, ds) = sigmoid((v - v_half) / scale);
                (amplitude * s, amplitude * ds / scale)
            }
            Self::Linoid {
                amplitude,
                v_half,
                scale,
            } => {
                let u = (v - v_half) / scale;
                (
                    amplitude * x_over_one_minus_exp_neg(u),
                    amplitude * linoid_slope(u) / scale,
                )
            }
            Self::Custom(f) => f(v),
        }
    }
}

/// `σ(u) = 1/(1 + e^{−u})` in the arithmetic `M`, from `e^{−|u|} ∈ (0, 1]` so that nothing
/// overflows (a select, not a branch).
#[inline(always)]
fn sigmoid_value<M: MulAdd>(u: f64) -> f64 {
    let e = M::exp(-u.abs());
    let r = 1.0 / (1.0 + e);
    if u >= 0.0 { r } else { e * r }
}

/// `σ(u) = 1/(1 + e^{−u})` and `σ'(u) = σ(1 − σ)`, without overflow or NaN for any finite `u`.
#[inline]
fn sigmoid(u: f64) -> (f64, f64) {
    let e = (-u.abs()).exp(); // ∈ (0, 1]
    let r = 1.0 / (1.0 + e);
    let s = if u >= 0.0 { r } else { e * r };
    (s, e * r * r)
}

/// The linear-form coefficients of a gate, `ẋ = a − b x`, and their voltage derivatives.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GateCoefficients {
    /// `a` \[1/s\].
    pub a: f64,
    /// `b ≥ 0` \[1/s\].
    pub b: f64,
    /// `da/dV` \[1/(s·V)\].
    pub da_dv: f64,
    /// `db/dV` \[1/(s·V)\].
    pub db_dv: f64,
}

impl GateCoefficients {
    /// `a = x∞/τ`, `b = 1/τ` and their derivatives from `τ` \[s\], `dτ/dV` \[s/V\], `x∞` and
    /// `dx∞/dV` \[1/V\] (the τ/x∞ form).
    #[inline]
    pub fn from_tau_inf(tau: f64, dtau: f64, inf: f64, dinf: f64) -> Self {
        let r = 1.0 / tau;
        Self {
            a: inf * r,
            b: r,
            da_dv: (dinf - inf * dtau * r) * r,
            db_dv: -dtau * r * r,
        }
    }
}

/// The kinetics of one gating variable, in either of the two equivalent forms (module docs).
#[derive(Debug, Clone, Copy)]
pub enum GateKinetics {
    /// `ẋ = α(V)(1 − x) − β(V) x`.
    AlphaBeta {
        /// Opening rate `α(V)` \[1/s\].
        alpha: VoltageFn,
        /// Closing rate `β(V)` \[1/s\].
        beta: VoltageFn,
    },
    /// `τ(V) ẋ = x∞(V) − x`.
    TauInf {
        /// Time constant `τ(V) > 0` \[s\].
        tau: VoltageFn,
        /// Steady state `x∞(V) ∈ [0, 1]` \[1\].
        inf: VoltageFn,
    },
}

impl GateKinetics {
    /// `(a, b)` of `ẋ = a − b x` at membrane voltage `v` \[V\] (both \[1/s\]), with the
    /// standard library's functions: [`GateKinetics::coefficients_block`] on a block of one.
    #[inline]
    pub fn coefficients(&self, v: f64) -> (f64, f64) {
        let (mut a, mut b) = ([0.0], [0.0]);
        self.coefficients_block::<Libm>(&[v], &mut a, &mut b);
        (a[0], b[0])
    }

    /// `a[i], b[i]` of `ẋ = a − b x` at the voltages `v[i]` \[V\] of a block, in the arithmetic
    /// `M` (α/β form: `a = α`, `b = α + β`; τ/x∞ form: `b = 1/τ`, `a = x∞ b`). `a` and `b`
    /// must be at least as long as `v`.
    #[inline(always)]
    pub fn coefficients_block<M: MulAdd>(&self, v: &[f64], a: &mut [f64], b: &mut [f64]) {
        let (a, b) = (&mut a[..v.len()], &mut b[..v.len()]);
        match self {
            Self::AlphaBeta { alpha, beta } => {
                alpha.eval_block::<M>(v, a);
                beta.eval_block::<M>(v, b);
                for (bi, &ai) in b.iter_mut().zip(a.iter()) {
                    *bi += ai;
                }
            }
            Self::TauInf { tau, inf } => {
                tau.eval_block::<M>(v, b);
                inf.eval_block::<M>(v, a);
                for (ai, bi) in a.iter_mut().zip(b.iter_mut()) {
                    *bi = 1.0 / *bi;
                    *ai *= *bi;
                }
            }
        }
    }

    /// `(a, b)` and their derivatives with respect to `v`.
    #[inline]
    pub fn coefficients_with_slopes(&self, v: f64) -> GateCoefficients {
        match self {
            Self::AlphaBeta { alpha, beta } => {
                let (a, da) = alpha.eval_with_slope(v);
                let (bt, dbt) = beta.eval_with_slope(v);
                GateCoefficients {
                    a,
                    b: a + bt,
                    da_dv: da,
                    db_dv: da + dbt,
                }
            }
            Self::TauInf { tau, inf } => {
                let (t, dt) = tau.eval_with_slope(v);
                let (x, dx) = inf.eval_with_slope(v);
                GateCoefficients::from_tau_inf(t, dt, x, dx)
            }
        }
    }

    /// The rates `(α, β)` \[1/s\] at `v`; for the τ/x∞ form `α = x∞/τ`, `β = (1 − x∞)/τ`.
    #[inline]
    pub fn alpha_beta(&self, v: f64) -> (f64, f64) {
        match self {
            Self::AlphaBeta { alpha, beta } => (alpha.eval(v), beta.eval(v)),
            Self::TauInf { tau, inf } => {
                let (t, x) = (tau.eval(v), inf.eval(v));
                (x / t, (1.0 - x) / t)
            }
        }
    }

    /// `(τ \[s\], x∞ [1])` at `v`; for the α/β form `τ = 1/(α+β)`, `x∞ = α/(α+β)`.
    #[inline]
    pub fn tau_inf(&self, v: f64) -> (f64, f64) {
        match self {
            Self::AlphaBeta { alpha, beta } => {
                let a = alpha.eval(v);
                let s = a + beta.eval(v);
                (1.0 / s, a / s)
            }
            Self::TauInf { tau, inf } => (tau.eval(v), inf.eval(v)),
        }
    }

    /// The steady state `x∞(v) = a/b` \[1\] (`0` in the degenerate case `a = b = 0`).
    #[inline]
    pub fn steady_state(&self, v: f64) -> f64 {
        match self {
            Self::TauInf { inf, .. } => inf.eval(v),
            Self::AlphaBeta { .. } => {
                let (a, b) = self.coefficients(v);
                if b > 0.0 { a / b } else { 0.0 }
            }
        }
    }
}

/// A channel conductance `g = ḡ ∏_j x_j^{p_j}` with `N` gates, in series with the battery
/// `e_rev`: the branch current is `i = g (v_m − e_rev) = g w`.
///
/// The methods take the voltage across the memristive part `w = v_m − e_rev` (module docs of
/// [`crate::element`]) and evaluate the gates at `v_m = w + e_rev`. They implement the
/// [`Element`](crate::element::Element) methods of the gated channel kinds and are usable
/// directly by neuron code.
#[derive(Debug, Clone, Copy)]
pub struct GatedConductance<const N: usize> {
    /// Kinetics of each gate.
    pub gates: [GateKinetics; N],
    /// Exponent `p_j ≥ 1` of each gate.
    pub powers: [i32; N],
    /// Maximal conductance `ḡ` \[S/m²\].
    pub gbar: f64,
    /// Reversal potential `E` \[V\].
    pub e_rev: f64,
}

impl<const N: usize> GatedConductance<N> {
    /// `g(x) = ḡ ∏ x_j^{p_j}` \[S/m²\].
    #[inline]
    pub fn conductance(&self, x: &[f64]) -> f64 {
        let mut g = self.gbar;
        for (xj, &p) in x.iter().zip(&self.powers) {
            g *= xj.powi(p);
        }
        g
    }

    /// `∂g/∂x_j = ḡ p_j x_j^{p_j − 1} ∏_{k≠j} x_k^{p_k}` (no division: exact at `x_j = 0`).
    #[inline]
    pub fn conductance_gradient(&self, x: &[f64], out: &mut [f64]) {
        for (j, o) in out.iter_mut().enumerate().take(N) {
            let mut d = self.gbar;
            for (k, (&xk, &p)) in x.iter().zip(&self.powers).enumerate() {
                d *= if k == j {
                    if p == 0 {
                        0.0
                    } else {
                        f64::from(p) * xk.powi(p - 1)
                    }
                } else {
                    xk.powi(p)
                };
            }
            *o = d;
        }
    }

    /// Steady state of every gate at `w` (membrane voltage `w + e_rev`).
    #[inline]
    pub fn initial_state(&self, w: f64, x: &mut [f64]) {
        let vm = w + self.e_rev;
        for (xj, gate) in x.iter_mut().zip(&self.gates) {
            *xj = gate.steady_state(vm);
        }
    }

    /// `ẋ_j = a_j − b_j x_j` at `w`.
    #[inline]
    pub fn state_rhs(&self, x: &[f64], w: f64, dx: &mut [f64]) {
        let vm = w + self.e_rev;
        for ((d, &xj), gate) in dx.iter_mut().zip(x).zip(&self.gates) {
            let (a, b) = gate.coefficients(vm);
            *d = a - b * xj;
        }
    }

    /// The coefficients `a_j`, `b_j` at `w`.
    #[inline]
    pub fn linear_coefficients(&self, w: f64, a: &mut [f64], b: &mut [f64]) {
        let vm = w + self.e_rev;
        for ((aj, bj), gate) in a.iter_mut().zip(b.iter_mut()).zip(&self.gates) {
            (*aj, *bj) = gate.coefficients(vm);
        }
    }

    /// Closed-form Jacobian for the one-port element: `∂f/∂x = −diag(b)`,
    /// `∂f_j/∂w = a_j' − b_j' x_j`, `∂g/∂x` from [`Self::conductance_gradient`], `∂g/∂w = 0`.
    pub fn jacobian(&self, x: &[f64], w: f64, jac: &mut ElementJacobian) {
        let vm = w + self.e_rev;
        jac.df_dx.iter_mut().for_each(|e| *e = 0.0);
        for (j, gate) in self.gates.iter().enumerate() {
            let c = gate.coefficients_with_slopes(vm);
            jac.df_dx[j * N + j] = -c.b;
            jac.df_dv[j] = c.da_dv - c.db_dv * x[j];
        }
        self.conductance_gradient(x, &mut jac.dg_dx);
        jac.dg_dv[0] = 0.0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::excessive_precision)] // the reference digits are kept as mpmath printed them
    fn linoid_slope_matches_high_precision_values() {
        // L'(x) from the closed form evaluated with mpmath at 40 digits.
        let refs = [
            (1e-3, 0.500_166_666_661_111_111_31),
            (-0.05, 0.491_667_361_049_112_309_45),
            (0.3, 0.549_850_480_700_526_540_36),
            (-0.3, 0.450_149_519_299_473_459_64),
            (0.49, 0.581_018_621_260_224_851_03),
            (0.51, 0.584_269_836_870_026_697_23),
            (-0.51, 0.415_730_163_129_973_302_77),
            (1.0, 0.661_303_112_661_534_105_44),
            (-2.0, 0.205_513_187_733_489_581_39),
            (3.0, 0.886_972_679_985_076_662_23),
            (10.0, 0.999_591_361_467_504_933_65),
            (-10.0, 4.086_385_324_950_663_526_5e-4),
            (-40.0, 1.656_858_159_563_719_722_4e-16),
        ];
        for (x, want) in refs {
            let got = linoid_slope(x);
            assert!(
                (got - want).abs() <= 4e-15 * want,
                "x = {x}: {got} vs {want}"
            );
        }
        // Near 0 against the first terms of the series.
        for &x in &[0.0, 1e-12, -1e-9, 1e-5, -1e-3] {
            let want = 0.5 + x / 6.0 - x * x * x / 180.0;
            assert!((linoid_slope(x) - want).abs() <= 1e-16, "x = {x}");
        }
        // Continuous across the switch at |x| = 1/2.
        for s in [-1.0, 1.0] {
            let (lo, hi) = (linoid_slope(s * (0.5 - 1e-15)), linoid_slope(s * 0.5));
            assert!((lo - hi).abs() <= 2e-15, "{lo} vs {hi}");
        }
        // Away from 0: compare with a central difference of L.
        for &x in &[-30.0, -5.0, -0.7, 0.2, 1.0, 4.0, 40.0] {
            let h = 1e-6 * f64::max(1.0, f64::abs(x));
            let fd =
                (x_over_one_minus_exp_neg(x + h) - x_over_one_minus_exp_neg(x - h)) / (2.0 * h);
            let d = linoid_slope(x);
            assert!(
                (d - fd).abs() <= 1e-8 * d.abs().max(1e-12),
                "x = {x}: {d} vs {fd}"
            );
        }
        // Far tails: finite, with the right limits.
        assert_eq!(linoid_slope(-1e4), 0.0);
        assert!((linoid_slope(1e4) - 1.0).abs() < 1e-15);
        assert!(linoid_slope(-750.0).is_finite() && linoid_slope(-699.0).is_finite());
        let (s, ds) = sigmoid(-1e4);
        assert!(s == 0.0 && ds == 0.0);
        let (s, ds) = sigmoid(1e4);
        assert!(s == 1.0 && ds == 0.0);
    }

    #[test]
    fn voltage_fn_slopes_match_finite_differences() {
        let fns = [
            VoltageFn::Const(3.0),
            VoltageFn::Exp {
                amplitude: 4e3,
                v_half: -0.065,
                scale: -0.018,
            },
            VoltageFn::Sigmoid {
                amplitude: 1e3,
                v_half: -0.035,
                scale: 0.010,
            },
            VoltageFn::Sigmoid {
                amplitude: 4e3,
                v_half: -0.023,
                scale: -0.005,
            },
            VoltageFn::Linoid {
                amplitude: 1e3,
                v_half: -0.040,
                scale: 0.010,
            },
            VoltageFn::Linoid {
                amplitude: 1.4e3,
                v_half: -0.023,
                scale: -0.005,
            },
        ];
        for f in &fns {
            for k in 0..=40 {
                let v = -0.100 + 0.004 * f64::from(k);
                let h = 1e-7;
                let fd = (f.eval(v + h) - f.eval(v - h)) / (2.0 * h);
                let (y, d) = f.eval_with_slope(v);
                assert_eq!(y, f.eval(v));
                // Truncation O(h²) plus rounding ≈ ε|y|/h of the difference quotient.
                let tol = 1e-7 * d.abs() + 1e-15 * y.abs() / h;
                assert!((d - fd).abs() <= tol, "{f:?} at {v}: {d} vs {fd}");
            }
        }
    }

    mod forms {
        use super::super::*;
        use crate::element::channel::hh::{ALPHA_M, ALPHA_N, BETA_M, BETA_N};

        /// `τ_n = 1/(α_n + β_n)` and its derivative.
        fn tau_n(v: f64) -> (f64, f64) {
            let ((a, da), (b, db)) = (ALPHA_N.eval_with_slope(v), BETA_N.eval_with_slope(v));
            let s = a + b;
            (1.0 / s, -(da + db) / (s * s))
        }

        /// `n∞ = α_n/(α_n + β_n)` and its derivative.
        fn n_inf(v: f64) -> (f64, f64) {
            let ((a, da), (b, db)) = (ALPHA_N.eval_with_slope(v), BETA_N.eval_with_slope(v));
            let s = a + b;
            (a / s, (da * b - a * db) / (s * s))
        }

        const AB: GateKinetics = GateKinetics::AlphaBeta {
            alpha: ALPHA_N,
            beta: BETA_N,
        };
        const TI: GateKinetics = GateKinetics::TauInf {
            tau: VoltageFn::Custom(tau_n),
            inf: VoltageFn::Custom(n_inf),
        };

        fn rel(a: f64, b: f64) -> f64 {
            (a - b).abs() / b.abs().max(f64::MIN_POSITIVE)
        }

        #[test]
        fn both_forms_give_the_same_coefficients_and_conversions() {
            for k in 0..=60 {
                let v = -0.100 + 0.0025 * f64::from(k) + 1e-5;
                let (c1, c2) = (
                    AB.coefficients_with_slopes(v),
                    TI.coefficients_with_slopes(v),
                );
                assert!(
                    rel(c1.a, c2.a) <= 1e-14 && rel(c1.b, c2.b) <= 1e-14,
                    "{v}: {c1:?} {c2:?}"
                );
                assert!(rel(c1.da_dv, c2.da_dv) <= 1e-12 && rel(c1.db_dv, c2.db_dv) <= 1e-12);
                assert_eq!((c1.a, c1.b), AB.coefficients(v));
                assert_eq!((c2.a, c2.b), TI.coefficients(v));
                let ((a1, b1), (a2, b2)) = (AB.alpha_beta(v), TI.alpha_beta(v));
                assert!(
                    rel(a1, a2) <= 1e-14 && rel(b1, b2) <= 1e-13,
                    "{v}: {b1} {b2}"
                );
                let ((t1, i1), (t2, i2)) = (AB.tau_inf(v), TI.tau_inf(v));
                assert!(rel(t1, t2) <= 1e-15 && rel(i1, i2) <= 1e-15);
                assert!(rel(AB.steady_state(v), TI.steady_state(v)) <= 1e-15);
                // The closed-form slopes of the τ/x∞ form against finite differences.
                let h = 1e-7;
                let fd = (TI.coefficients(v + h).1 - TI.coefficients(v - h).1) / (2.0 * h);
                assert!((fd - c2.db_dv).abs() <= 1e-6 * c2.db_dv.abs().max(1.0));
            }
        }

        #[test]
        fn both_forms_give_the_same_trajectory() {
            // A voltage-clamp ramp and step protocol, integrated with RK4 at dt = 10 µs.
            let vm = |t: f64| if t < 0.005 { -0.065 + 10.0 * t } else { -0.020 };
            let run = |gate: GateKinetics| {
                let f = |x: f64, t: f64| {
                    let (a, b) = gate.coefficients(vm(t));
                    a - b * x
                };
                let dt = 1e-5;
                let mut x = gate.steady_state(vm(0.0));
                let mut out = vec![x];
                for k in 0..2000 {
                    let t = dt * f64::from(k);
                    let k1 = f(x, t);
                    let k2 = f(x + 0.5 * dt * k1, t + 0.5 * dt);
                    let k3 = f(x + 0.5 * dt * k2, t + 0.5 * dt);
                    let k4 = f(x + dt * k3, t + dt);
                    x += dt / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4);
                    out.push(x);
                }
                out
            };
            let (p, q) = (run(AB), run(TI));
            assert!(
                p[2000] > 0.7 && p[0] < 0.33,
                "n rises under the step: {} -> {}",
                p[0],
                p[2000]
            );
            for (a, b) in p.iter().zip(&q) {
                assert!((a - b).abs() <= 1e-14, "{a} vs {b}");
            }
        }

        #[test]
        fn gated_conductance_gradient_and_jacobian_layout() {
            let ch = GatedConductance {
                gates: [
                    GateKinetics::AlphaBeta {
                        alpha: ALPHA_M,
                        beta: BETA_M,
                    },
                    TI,
                ],
                powers: [3, 4],
                gbar: 2.0,
                e_rev: 0.01,
            };
            let x = [0.4, 0.0];
            let mut d = [9.0; 2];
            ch.conductance_gradient(&x, &mut d);
            assert_eq!(d, [0.0, 0.0]); // n = 0 kills every term, without division by zero.
            let x = [0.4, 0.5];
            ch.conductance_gradient(&x, &mut d);
            assert!((d[0] - 2.0 * 3.0 * 0.16 * 0.0625).abs() < 1e-15);
            assert!((d[1] - 2.0 * 0.064 * 4.0 * 0.125).abs() < 1e-15);
            assert!((ch.conductance(&x) - 2.0 * 0.064 * 0.0625).abs() < 1e-15);
        }
    }
}
