//! One-step discretisations of the scalar linear ODE `ẋ = a(t) − b(t)·x` on a step
//! `[t_k, t_k + h]`, written `x_{k+1} = E·x_k + F` from the node values `a_L = a(t_k)`,
//! `a_R = a(t_{k+1})`, `b_L`, `b_R`.
//!
//! Gating variables, synaptic kinetics (eq. 2–3) and the voltage equation of a memRC circuit
//! once its conductances are fixed (eq. 59 with `b = G/C`, `a = (Σ g_k E_k + i)/C`) all have this
//! form, so the memconductance operator ([`crate::memconductance`]) and the memRC solvers share
//! these formulas: with the same [`LinearStep`] the fixed point of the alternating iteration is
//! exactly the time-stepping solution of the same discrete equations.
//!
//! | scheme | `E` | `F` | order |
//! |---|---|---|---|
//! | [`LinearStep::ExponentialEuler`] | `e^{−b_L h}` | `a_L/b_L (1 − E)` | 1 |
//! | [`LinearStep::Exponential2`] | `e^{−b̄ h}`, `b̄ = (b_L+b_R)/2` | `ā/b̄ (1 − E)`, `ā = (a_L+a_R)/2` | 2 |
//! | [`LinearStep::ExponentialLinear`] | `e^{−b̄ h}` | `∫₀ʰ a(s) e^{−∫_s^h b} ds`, `a, b` linear (8-point Gauss–Legendre) | 2 |
//! | [`LinearStep::ImplicitEuler`] | `1/(1 + h b_R)` | `h a_R/(1 + h b_R)` | 1 |
//! | [`LinearStep::Trapezoid`] | `(1 − h b_L/2)/(1 + h b_R/2)` | `h (a_L+a_R)/2 / (1 + h b_R/2)` | 2 |
//!
//! The exponential schemes are exact when `a` and `b` are constant on the step (e.g. a gate under
//! a piecewise-constant voltage); `a/b·(1 − e^{−bh})` is evaluated as `a·h·φ₁(−bh)` so that
//! `b → 0` (the ideal memristor, `φ̇ = v`) is exact too.

use crate::math::exp_step;

/// A one-step scheme for `ẋ = a(t) − b(t) x` (see the module table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum LinearStep {
    /// Exponential Euler / Rush–Larsen: coefficients frozen at the left node (order 1).
    ExponentialEuler,
    /// Exponential with coefficients averaged over the step ("EXP2", order 2). The default.
    #[default]
    Exponential2,
    /// Exact exponential step for piecewise-linear coefficients (order 2).
    ExponentialLinear,
    /// Implicit (backward) Euler (order 1, L-stable).
    ImplicitEuler,
    /// Trapezoid / Crank–Nicolson (order 2, A-stable).
    Trapezoid,
}

/// 8-point Gauss–Legendre nodes on [−1, 1] (positive half) and weights.
const GL8_X: [f64; 4] = [
    0.183_434_642_495_649_8,
    0.525_532_409_916_329,
    0.796_666_477_413_626_7,
    0.960_289_856_497_536_3,
];
const GL8_W: [f64; 4] = [
    0.362_683_783_378_362,
    0.313_706_645_877_887_3,
    0.222_381_034_453_374_5,
    0.101_228_536_290_376_3,
];

impl LinearStep {
    /// All schemes, in table order.
    pub const ALL: [LinearStep; 5] = [
        Self::ExponentialEuler,
        Self::Exponential2,
        Self::ExponentialLinear,
        Self::ImplicitEuler,
        Self::Trapezoid,
    ];

    /// Convergence order.
    pub fn order(self) -> u32 {
        match self {
            Self::ExponentialEuler | Self::ImplicitEuler => 1,
            _ => 2,
        }
    }

    /// Short name (`"exp-euler"`, `"exp2"`, `"exp-linear"`, `"implicit-euler"`, `"trapezoid"`).
    pub fn name(self) -> &'static str {
        match self {
            Self::ExponentialEuler => "exp-euler",
            Self::Exponential2 => "exp2",
            Self::ExponentialLinear => "exp-linear",
            Self::ImplicitEuler => "implicit-euler",
            Self::Trapezoid => "trapezoid",
        }
    }

    /// Whether the step uses the right-node coefficients (so that time stepping must solve an
    /// implicit equation when the coefficients depend on the state).
    pub fn is_implicit(self) -> bool {
        !matches!(self, Self::ExponentialEuler)
    }

    /// Whether the scheme is exponential (exact for constant coefficients): it needs `a`, `b`
    /// separately, i.e. [`crate::system::System::split`] in the general ODE solver.
    pub fn is_exponential(self) -> bool {
        matches!(
            self,
            Self::ExponentialEuler | Self::Exponential2 | Self::ExponentialLinear
        )
    }

    /// `(E, F)` with `x_{k+1} = E·x_k + F` for the step of length `h` \[s\].
    #[inline]
    pub fn coefficients(self, a_l: f64, a_r: f64, b_l: f64, b_r: f64, h: f64) -> (f64, f64) {
        let (e, c_l, c_r) = self.split(b_l, b_r, h);
        (e, c_l * a_l + c_r * a_r)
    }

    /// `(E, c_L, c_R)` with `x_{k+1} = E·x_k + c_L·a_L + c_R·a_R`: every scheme is linear in
    /// the forcing node values, which is what lets a multi-node voltage step be written as one
    /// linear system in the right-node voltages.
    #[inline]
    pub fn split(self, b_l: f64, b_r: f64, h: f64) -> (f64, f64, f64) {
        match self {
            Self::ExponentialEuler => {
                let (e, c) = exp_step(b_l, h);
                (e, c, 0.0)
            }
            Self::Exponential2 => {
                let (e, c) = exp_step(0.5 * (b_l + b_r), h);
                (e, 0.5 * c, 0.5 * c)
            }
            Self::ExponentialLinear => {
                let db = b_r - b_l;
                // ∫_s^h b = b_L (h − s) + db (h² − s²)/(2h); a(s) = a_L (1 − s/h) + a_R s/h.
                let (mut c_l, mut c_r) = (0.0, 0.0);
                for (x, w) in GL8_X.iter().zip(GL8_W) {
                    for s in [0.5 * h * (1.0 - x), 0.5 * h * (1.0 + x)] {
                        let int_b = b_l * (h - s) + db * (h * h - s * s) / (2.0 * h);
                        let e = w * (-int_b).exp();
                        c_l += e * (1.0 - s / h);
                        c_r += e * (s / h);
                    }
                }
                (
                    exp_step(0.5 * (b_l + b_r), h).0,
                    0.5 * h * c_l,
                    0.5 * h * c_r,
                )
            }
            Self::ImplicitEuler => {
                let d = 1.0 + h * b_r;
                (1.0 / d, 0.0, h / d)
            }
            Self::Trapezoid => {
                let d = 1.0 + 0.5 * h * b_r;
                ((1.0 - 0.5 * h * b_l) / d, 0.5 * h / d, 0.5 * h / d)
            }
        }
    }
}

impl std::str::FromStr for LinearStep {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|m| m.name() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Self::ALL.iter().map(|m| m.name()).collect();
                format!("unknown scheme '{s}', expected one of {}", names.join(", "))
            })
    }
}

/// Asserts that the errors `error(n)` at the doubling step counts `steps` fall at the observed
/// order `log₂(e₀/e₃)/3` within 0.2 of `order` (shared by the convergence tests).
#[cfg(test)]
pub(crate) fn assert_order(
    name: &str,
    order: u32,
    steps: [usize; 4],
    error: impl Fn(usize) -> f64,
) {
    let errs: Vec<f64> = steps.iter().map(|&n| error(n).abs()).collect();
    let slope = (errs[0] / errs[3]).log2() / 3.0;
    assert!(
        (slope - f64::from(order)).abs() < 0.2,
        "{name}: slope {slope}, errors {errs:?}"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ẋ = a(t) − b(t) x with a = 1 + t, b = 2 + sin t, x(0) = 0.3 on [0, 1]; reference by
    /// 20000 RK4 steps.
    fn solve(scheme: LinearStep, steps: usize) -> f64 {
        let a = |t: f64| 1.0 + t;
        let b = |t: f64| 2.0 + t.sin();
        let h = 1.0 / steps as f64;
        let mut x = 0.3;
        for k in 0..steps {
            let (tl, tr) = (k as f64 * h, (k + 1) as f64 * h);
            let (e, f) = scheme.coefficients(a(tl), a(tr), b(tl), b(tr), h);
            x = e * x + f;
        }
        x
    }

    fn reference() -> f64 {
        crate::math::rk4_reference(|t, x| 1.0 + t - (2.0 + t.sin()) * x, 0.3, 1.0, 20_000)
    }

    #[test]
    fn every_scheme_converges_at_its_order() {
        let xr = reference();
        for s in LinearStep::ALL {
            assert_order(s.name(), s.order(), [20, 40, 80, 160], |n| solve(s, n) - xr);
        }
    }

    #[test]
    fn exponential_schemes_are_exact_for_constant_coefficients_and_b_zero() {
        let (a, b, h, x0): (f64, f64, f64, f64) = (2.0, 5.0, 0.3, 0.1);
        let exact = a / b + (x0 - a / b) * (-b * h).exp();
        for s in [
            LinearStep::ExponentialEuler,
            LinearStep::Exponential2,
            LinearStep::ExponentialLinear,
        ] {
            let (e, f) = s.coefficients(a, a, b, b, h);
            assert!((e * x0 + f - exact).abs() < 1e-15, "{}", s.name());
            let (e, f) = s.coefficients(a, a, 0.0, 0.0, h);
            assert!(
                (e * x0 + f - (x0 + a * h)).abs() < 1e-15,
                "{} at b = 0",
                s.name()
            );
        }
    }

    #[test]
    fn names_round_trip() {
        for s in LinearStep::ALL {
            assert_eq!(s.name().parse::<LinearStep>(), Ok(s));
        }
        assert!("rk5".parse::<LinearStep>().is_err());
    }
}
