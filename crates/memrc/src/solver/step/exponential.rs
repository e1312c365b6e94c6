//! Exponential integrators on the linear-diagonal split `ẋ_j = a_j(t, x) − b_j(t, x) x_j`
//! ([`System::split`]).
//!
//! With `a`, `b` frozen over a step of size `h`, each scalar ODE is solved exactly:
//!
//! ```text
//!   x_{k+1} = e^{−b h} x_k + a h φ₁(−b h),     φ₁(z) = (e^z − 1)/z,
//! ```
//!
//! which equals `a/b + (x_k − a/b) e^{−bh}` and stays well defined as `b → 0` (then it is the
//! explicit Euler step). For `b ≥ 0` the update is a convex combination of `x_k` and the
//! steady state `a/b`, so gating variables stay in `[0, 1]` at any `h`.
//!
//! - [`ExponentialEuler`] freezes `a`, `b` at the left node (Rush–Larsen): order 1, exact when
//!   `a`, `b` are constant.
//! - [`Exponential2`] predicts with exponential Euler, evaluates the split at the predicted end
//!   point and repeats the step with the averaged coefficients `(a₀ + a₁)/2`, `(b₀ + b₁)/2`
//!   (the "EXP2" scheme of `docs/numerics.md#exp2`): order 2, still exact for constant coefficients.

use super::FixedStep;
use crate::element::phi1;
use crate::error::SolverError;
use crate::solver::Statistics;
use crate::system::System;

fn no_split(method: &str) -> SolverError {
    SolverError::BadSetting {
        name: "method".into(),
        value: f64::NAN,
        reason: format!("{method} needs the exponential split, and System::split returned false"),
    }
}

/// `x ← e^{−bh} x + a h φ₁(−bh)` component-wise.
fn exponential_update(x_from: &[f64], a: &[f64], b: &[f64], h: f64, x_to: &mut [f64]) {
    for (((xt, xf), a), b) in x_to.iter_mut().zip(x_from).zip(a).zip(b) {
        let z = -b * h;
        *xt = z.exp() * xf + a * h * phi1(z);
    }
}

/// Exponential Euler (Rush–Larsen) with the split frozen at the left node. Order 1.
#[derive(Debug, Clone)]
pub struct ExponentialEuler {
    a: Vec<f64>,
    b: Vec<f64>,
}

impl ExponentialEuler {
    /// Workspace for `n` states.
    pub fn new(n: usize) -> Self {
        ExponentialEuler {
            a: vec![0.0; n],
            b: vec![0.0; n],
        }
    }
}

impl FixedStep for ExponentialEuler {
    fn step(
        &mut self,
        system: &dyn System,
        t: f64,
        h: f64,
        x: &mut [f64],
        stats: &mut Statistics,
    ) -> Result<(), SolverError> {
        stats.split_evals += 1;
        if !system.split(t, x, &mut self.a, &mut self.b) {
            return Err(no_split("exponential Euler"));
        }
        for ((x, a), b) in x.iter_mut().zip(&self.a).zip(&self.b) {
            let z = -b * h;
            *x = z.exp() * *x + a * h * phi1(z);
        }
        Ok(())
    }
}

/// Second-order exponential predictor–corrector: split averaged over the step. Order 2.
#[derive(Debug, Clone)]
pub struct Exponential2 {
    a0: Vec<f64>,
    b0: Vec<f64>,
    a1: Vec<f64>,
    b1: Vec<f64>,
    predicted: Vec<f64>,
}

impl Exponential2 {
    /// Workspace for `n` states.
    pub fn new(n: usize) -> Self {
        Exponential2 {
            a0: vec![0.0; n],
            b0: vec![0.0; n],
            a1: vec![0.0; n],
            b1: vec![0.0; n],
            predicted: vec![0.0; n],
        }
    }
}

impl FixedStep for Exponential2 {
    fn step(
        &mut self,
        system: &dyn System,
        t: f64,
        h: f64,
        x: &mut [f64],
        stats: &mut Statistics,
    ) -> Result<(), SolverError> {
        stats.split_evals += 2;
        if !system.split(t, x, &mut self.a0, &mut self.b0) {
            return Err(no_split("exponential-2"));
        }
        exponential_update(x, &self.a0, &self.b0, h, &mut self.predicted);
        if !system.split(t + h, &self.predicted, &mut self.a1, &mut self.b1) {
            return Err(no_split("exponential-2"));
        }
        for (a0, a1) in self.a0.iter_mut().zip(&self.a1) {
            *a0 = 0.5 * (*a0 + a1);
        }
        for (b0, b1) in self.b0.iter_mut().zip(&self.b1) {
            *b0 = 0.5 * (*b0 + b1);
        }
        self.predicted.copy_from_slice(x);
        exponential_update(&self.predicted, &self.a0, &self.b0, h, x);
        Ok(())
    }
}
