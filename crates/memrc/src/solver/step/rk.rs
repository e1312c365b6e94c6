//! Explicit Runge–Kutta methods: classical [`Rk4`] and adaptive [`DormandPrince45`].
//!
//! Dormand–Prince 5(4) (Dormand & Prince 1980; Hairer, Nørsett & Wanner, *Solving ODEs I*,
//! §II.5) advances with the 5th-order solution (local extrapolation), estimates the error with
//! the embedded 4th-order one, reuses its last stage as the next first stage (FSAL: six new
//! `f` evaluations per step) and has a 4th-order continuous extension (Shampine's dense output)
//! used to fill output grids between steps.

use super::{AdaptiveStep, Attempt, Ctx, FixedStep, StepResult, starting_step};
use crate::math::{Rk4Work, rk4_step};

/// Classical fourth-order Runge–Kutta ([`rk4_step`]).
#[derive(Debug, Clone)]
pub struct Rk4 {
    work: Rk4Work,
}

impl Rk4 {
    /// Workspace for `n` states.
    pub fn new(n: usize) -> Self {
        Rk4 {
            work: Rk4Work::new(n),
        }
    }
}

/// `out = x + h Σ c_i k_i` over the given pairs.
fn combine(out: &mut [f64], x: &[f64], h: f64, terms: &[(f64, &[f64])]) {
    out.copy_from_slice(x);
    for &(c, k) in terms {
        if c != 0.0 {
            for (o, k) in out.iter_mut().zip(k) {
                *o += h * c * k;
            }
        }
    }
}

impl FixedStep for Rk4 {
    fn step(&mut self, cx: &mut Ctx<'_>, t: f64, h: f64, x: &mut [f64]) -> StepResult {
        rk4_step(&mut self.work, h, x, |c, y, dy| cx.rhs(t + c * h, y, dy));
        Ok(())
    }
}

// Dormand–Prince 5(4) tableau.
const C: [f64; 7] = [0.0, 1.0 / 5.0, 3.0 / 10.0, 4.0 / 5.0, 8.0 / 9.0, 1.0, 1.0];
const A2: [f64; 1] = [1.0 / 5.0];
const A3: [f64; 2] = [3.0 / 40.0, 9.0 / 40.0];
const A4: [f64; 3] = [44.0 / 45.0, -56.0 / 15.0, 32.0 / 9.0];
const A5: [f64; 4] = [
    19372.0 / 6561.0,
    -25360.0 / 2187.0,
    64448.0 / 6561.0,
    -212.0 / 729.0,
];
const A6: [f64; 5] = [
    9017.0 / 3168.0,
    -355.0 / 33.0,
    46732.0 / 5247.0,
    49.0 / 176.0,
    -5103.0 / 18656.0,
];
/// 5th-order weights (= the last row of A: FSAL).
const B: [f64; 6] = [
    35.0 / 384.0,
    0.0,
    500.0 / 1113.0,
    125.0 / 192.0,
    -2187.0 / 6784.0,
    11.0 / 84.0,
];
/// `b − b̂`: the error estimate is `h Σ E_i k_i`.
const E: [f64; 7] = [
    71.0 / 57600.0,
    0.0,
    -71.0 / 16695.0,
    71.0 / 1920.0,
    -17253.0 / 339200.0,
    22.0 / 525.0,
    -1.0 / 40.0,
];
/// Dense-output coefficients (Shampine), as in Hairer's DOPRI5.
const D: [f64; 7] = [
    -12715105075.0 / 11282082432.0,
    0.0,
    87487479700.0 / 32700410799.0,
    -10690763975.0 / 1880347072.0,
    701980252875.0 / 199316789632.0,
    -1453857185.0 / 822651844.0,
    69997945.0 / 29380423.0,
];

/// Dormand–Prince 5(4) with FSAL and 4th-order dense output.
#[derive(Debug, Clone)]
pub struct DormandPrince45 {
    /// Stage derivatives; `k[0] = f(t, x)` on entry to a step, `k[6] = f(t + h, x_new)`.
    k: [Vec<f64>; 7],
    x_old: Vec<f64>,
    x_new: Vec<f64>,
    tmp: Vec<f64>,
    h: f64,
    /// `k[6]` of the accepted step is the next `k[0]`; swapped lazily so that
    /// interpolation still sees the accepted step's stages.
    fsal_pending: bool,
}

impl DormandPrince45 {
    /// Workspace for `n` states.
    pub fn new(n: usize) -> Self {
        DormandPrince45 {
            k: std::array::from_fn(|_| vec![0.0; n]),
            x_old: vec![0.0; n],
            x_new: vec![0.0; n],
            tmp: vec![0.0; n],
            h: 0.0,
            fsal_pending: false,
        }
    }

    /// The six stages after `k[0]` and the 5th-order result in `x_new`, then `k[6]`.
    fn stages(&mut self, cx: &mut Ctx<'_>, t: f64, h: f64, x: &[f64]) {
        let [k1, k2, k3, k4, k5, k6, k7] = &mut self.k;
        let tmp = &mut self.tmp;
        combine(tmp, x, h, &[(A2[0], k1)]);
        cx.rhs(t + C[1] * h, tmp, k2);
        combine(tmp, x, h, &[(A3[0], k1), (A3[1], k2)]);
        cx.rhs(t + C[2] * h, tmp, k3);
        combine(tmp, x, h, &[(A4[0], k1), (A4[1], k2), (A4[2], k3)]);
        cx.rhs(t + C[3] * h, tmp, k4);
        combine(
            tmp,
            x,
            h,
            &[(A5[0], k1), (A5[1], k2), (A5[2], k3), (A5[3], k4)],
        );
        cx.rhs(t + C[4] * h, tmp, k5);
        combine(
            tmp,
            x,
            h,
            &[
                (A6[0], k1),
                (A6[1], k2),
                (A6[2], k3),
                (A6[3], k4),
                (A6[4], k5),
            ],
        );
        cx.rhs(t + C[5] * h, tmp, k6);
        combine(
            &mut self.x_new,
            x,
            h,
            &[(B[0], k1), (B[2], k3), (B[3], k4), (B[4], k5), (B[5], k6)],
        );
        cx.rhs(t + h, &self.x_new, k7);
    }
}

impl FixedStep for DormandPrince45 {
    fn step(&mut self, cx: &mut Ctx<'_>, t: f64, h: f64, x: &mut [f64]) -> StepResult {
        cx.rhs(t, x, &mut self.k[0]);
        self.stages(cx, t, h, x);
        x.copy_from_slice(&self.x_new);
        Ok(())
    }
}

impl AdaptiveStep for DormandPrince45 {
    fn error_order(&self) -> usize {
        4
    }

    fn restart(&mut self, cx: &mut Ctx<'_>, t: f64, x: &[f64]) {
        cx.rhs(t, x, &mut self.k[0]);
        self.fsal_pending = false;
    }

    fn initial_step(&mut self, cx: &mut Ctx<'_>, t: f64, x: &[f64]) -> f64 {
        let [f0, f1, ..] = &mut self.k;
        // f1 is only scratch here; restart wrote f0 = f(t, x).
        starting_step(cx, t, x, f0, &mut self.tmp, f1, 5)
    }

    fn attempt(&mut self, cx: &mut Ctx<'_>, t: f64, h: f64, x: &[f64]) -> StepResult<Attempt> {
        if self.fsal_pending {
            self.k.swap(0, 6);
            self.fsal_pending = false;
        }
        self.x_old.copy_from_slice(x);
        self.h = h;
        self.stages(cx, t, h, x);
        // Error estimate h Σ E_i k_i into tmp.
        let tmp = &mut self.tmp;
        tmp.fill(0.0);
        for (e, k) in E.iter().zip(&self.k) {
            if *e != 0.0 {
                for (d, k) in tmp.iter_mut().zip(k) {
                    *d += h * e * k;
                }
            }
        }
        Ok(cx.judge(tmp, x, &self.x_new))
    }

    fn accept(&mut self, x: &mut [f64]) {
        x.copy_from_slice(&self.x_new);
        self.fsal_pending = true;
    }

    fn has_dense_output(&self) -> bool {
        true
    }

    fn interpolate(&self, theta: f64, out: &mut [f64]) {
        // y(θ) = y0 + θ(Δ + (1−θ)(r3 + θ(r4 + (1−θ) r5))) with Δ = y1 − y0, r3 = h k1 − Δ,
        // r4 = Δ − h k7 − r3, r5 = h Σ D_i k_i.
        let (h, s) = (self.h, theta);
        let s1 = 1.0 - s;
        for (i, o) in out.iter_mut().enumerate() {
            let y0 = self.x_old[i];
            let diff = self.x_new[i] - y0;
            let r3 = h * self.k[0][i] - diff;
            let r4 = diff - h * self.k[6][i] - r3;
            let r5 = h * D.iter().zip(&self.k).map(|(d, k)| d * k[i]).sum::<f64>();
            *o = y0 + s * (diff + s1 * (r3 + s * (r4 + s1 * r5)));
        }
    }
}

/// The Dormand–Prince 5(4) tableau above, for the network engine's per-neuron scheme
/// ([`crate::net::Scheme::Dopri5`]): one table for both.
pub(crate) mod dp45 {
    /// Nodes `c_s`.
    pub(crate) const C: [f64; 7] = super::C;
    /// Rows `a_{s+1, ·}` of stages 2…6.
    pub(crate) const A: [&[f64]; 5] = [&super::A2, &super::A3, &super::A4, &super::A5, &super::A6];
    /// 5th-order weights.
    pub(crate) const B: [f64; 6] = super::B;
    /// `b − b̂` (error weights, 7 stages).
    pub(crate) const E: [f64; 7] = super::E;
}
