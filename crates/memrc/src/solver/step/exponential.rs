//! Exponential integrators on the linear-diagonal split `ẋ_j = a_j(t, x) − b_j(t, x) x_j`
//! ([`System::split`](crate::system::System::split)).
//!
//! With `a`, `b` frozen over a step of size `h`, each scalar ODE is solved exactly:
//!
//! ```text
//!   x_{k+1} = e^{−b h} x_k + a h φ₁(−b h),     φ₁(z) = (e^z − 1)/z,
//! ```
//!
//! which equals `a/b + (x_k − a/b) e^{−bh}` and stays well defined as `b → 0` (then it is the
//! explicit Euler step; [`crate::math::exp_relax`]). For `b ≥ 0` the update is a convex
//! combination of `x_k` and the steady state `a/b`, so gating variables stay in `[0, 1]` at any
//! `h`.
//!
//! [`Exponential`] runs any exponential [`LinearStep`] of [`crate::discretisation`] on the whole
//! system, the scheme's formulas written once there:
//!
//! - [`LinearStep::ExponentialEuler`] freezes `a`, `b` at the left node (Rush–Larsen): order 1,
//!   exact when `a`, `b` are constant.
//! - [`LinearStep::Exponential2`] predicts with exponential Euler, evaluates the split at the
//!   predicted end point and repeats the step with the averaged coefficients `(a₀ + a₁)/2`,
//!   `(b₀ + b₁)/2` (the "EXP2" scheme of `docs/numerics.md#exp2`): order 2, still exact for constant
//!   coefficients. [`LinearStep::ExponentialLinear`] uses the same predicted end point with
//!   coefficients linear over the step.

use super::{Ctx, FixedStep, StepResult};
use crate::discretisation::LinearStep;
use crate::error::SolverError;
use crate::math::exp_relax;
use crate::solver::Method;

/// The error of an exponential method on a system without the split.
pub(crate) fn no_split(method: &str) -> SolverError {
    SolverError::BadSetting {
        name: "method".into(),
        value: f64::NAN,
        reason: format!("{method} needs the exponential split, and System::split returned false"),
    }
}

/// An exponential [`LinearStep`] on [`System::split`](crate::system::System::split): coefficients at the left node, and, for
/// the schemes that use the right node, at the end point predicted by exponential Euler.
#[derive(Debug, Clone)]
pub struct Exponential {
    scheme: LinearStep,
    a0: Vec<f64>,
    b0: Vec<f64>,
    a1: Vec<f64>,
    b1: Vec<f64>,
    predicted: Vec<f64>,
}

impl Exponential {
    /// Workspace for `n` states; `scheme` must be exponential ([`LinearStep::is_exponential`]).
    pub fn new(n: usize, scheme: LinearStep) -> Self {
        Exponential {
            scheme,
            a0: vec![0.0; n],
            b0: vec![0.0; n],
            a1: vec![0.0; n],
            b1: vec![0.0; n],
            predicted: vec![0.0; n],
        }
    }
}

impl FixedStep for Exponential {
    fn step(&mut self, cx: &mut Ctx<'_>, t: f64, h: f64, x: &mut [f64]) -> StepResult {
        let name = Method::Linear(self.scheme).name();
        if !cx.split(t, x, &mut self.a0, &mut self.b0) {
            return Err(no_split(name));
        }
        let (a1, b1) = if self.scheme == LinearStep::ExponentialEuler {
            (&self.a0, &self.b0)
        } else {
            // The right node at the exponential-Euler prediction.
            let left = self.a0.iter().zip(&self.b0);
            for ((p, x), (a, b)) in self.predicted.iter_mut().zip(x.iter()).zip(left) {
                *p = exp_relax(*x, *a, *b, h);
            }
            if !cx.split(t + h, &self.predicted, &mut self.a1, &mut self.b1) {
                return Err(no_split(name));
            }
            (&self.a1, &self.b1)
        };
        for (j, x) in x.iter_mut().enumerate() {
            let (e, f) = self
                .scheme
                .coefficients(self.a0[j], a1[j], self.b0[j], b1[j], h);
            *x = e * *x + f;
        }
        Ok(())
    }
}
