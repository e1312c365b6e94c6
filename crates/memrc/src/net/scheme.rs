//! Integration schemes of the network engine: how a block of neurons is advanced over one
//! step of the network's grid, and where inside the step a spike's threshold crossing lies.
//!
//! Every scheme is written once over the model's one definition of its dynamics: the
//! exponential-Euler step of [`NeuronModel::advance`], or the right-hand side in the form
//! `ẏ_k = a_k − b_k y_k` of [`NeuronModel::coefficients`]. Synaptic input: each exponential
//! receptor's conductance decays exactly within a step (`g_r(t) = g_r e^{−(t − t_s)/τ_r}`;
//! spikes arrive on the grid), continuous couplings (gap junctions, kinetic synapses) are held
//! at their step-start value.

use super::NetError;
use super::model::{NeuronModel, SynapticInput};
use crate::math::{hermite_crossing, unit_root};
use crate::simd::{Kernel, MulAdd, SimdLevel, dispatch, exp};
use std::ops::Range;

/// How the network engine advances its neurons over one step `dt` of the network's grid
/// (spikes are exchanged, and delays and refractory periods counted, on that grid).
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Scheme {
    /// Exponential Euler (`"exp-euler"`, order 1): every equation `ẏ = a − b y` with `a`, `b`
    /// frozen at the step start, `y ← y∞ + (y − y∞) e^{−b dt}` — Brian2's
    /// `exponential_euler`, bitwise as before this scheme had siblings. Spike times: linear
    /// interpolation of `v` between the step's ends.
    ExpEuler,
    /// Exponential midpoint (`"exp2"`, order 2), the second-order Rush–Larsen scheme of
    /// Perego & Veneziani (2009, "An efficient generalization of the Rush–Larsen method for
    /// solving electro-physiology membrane equations", ETNA 35: 234–256): an exponential-Euler
    /// half step from `y_n` gives `y_{n+½}`; the coefficients `a`, `b` at `y_{n+½}` (and the
    /// synaptic input at `t_n + dt/2`) then advance every variable from `y_n` over the whole
    /// step, `y_{n+1} = y∞ + (y_n − y∞) e^{−b dt}`. Two coefficient evaluations per step.
    /// Spike times: the quadratic through `v_n`, `v̇_n` and `v_{n+1}`.
    Exp2,
    /// Per-neuron adaptive Dormand–Prince 5(4) (`"dopri5"`; Dormand & Prince 1980, the
    /// tableau of [`crate::solver::step::DormandPrince45`]): each neuron takes as many
    /// substeps inside a grid step as its local error asks for, with its own step size kept
    /// between grid steps — as NEST's `hh_cond_exp_traub` does with GSL's RKF45 inside each
    /// resolution step. The error of a substep, per variable, is measured against
    /// `rtol·(|y| + s)` with `s` = 0.1 V for voltages, 1 for dimensionless gates, 0
    /// otherwise. Neurons that still need substeps are regrouped after each one, so that the
    /// vectorised stages run only over them. Spike times: cubic Hermite interpolation of `v`
    /// inside the substep that crosses (`v`, `v̇` at both ends, order 4).
    Dopri5 {
        /// Relative tolerance of a substep (> 0).
        rtol: f64,
    },
    /// Per-neuron adaptive Bogacki–Shampine 3(2) (`"rk23"`; Bogacki & Shampine 1989, scipy's
    /// `RK23`): as [`Scheme::Dopri5`] with a third-order pair of three new derivatives per
    /// substep instead of six — cheaper where the grid step, not the tolerance, limits the
    /// substeps (loose tolerances).
    Rk23 {
        /// Relative tolerance of a substep (> 0).
        rtol: f64,
    },
}

impl Scheme {
    /// The names accepted by [`Self::from_name`].
    pub const NAMES: &'static [&'static str] = &["exp-euler", "exp2", "rk23", "dopri5"];

    /// Default `rtol` of the adaptive schemes: spike times to ≈ 4e-3 ms over 500 ms of the
    /// work-precision problem P1 (`bench/peers/work_precision.md`), better than NEST's at
    /// resolution 0.1 ms, for 11 % more than `rtol` 1e-3 and 22 % less than 1e-6.
    pub const DEFAULT_RTOL: f64 = 1e-4;

    /// The default scheme of networks: [`Scheme::Dopri5`] at [`Self::DEFAULT_RTOL`]. Measured
    /// (`bench/peers/work_precision.md`, 1 thread, quiet machine): on 4000 uncoupled Traub–Miles
    /// neurons over 500 ms its spike times are within 3.7e-3 ms of a DOP853 reference for
    /// 1560 ns per neuron and simulated ms, where exponential Euler at dt 0.1 ms (193 ns) is
    /// 50 ms off and loses 179 of 1961 spikes, `exp2` at 0.1 ms (374 ns) is 11 ms off and loses
    /// 30, and NEST at resolution 0.1 ms costs 5782 ns; on COBAHH its mean rates are within
    /// 2 % of a converged run (chaos alone moves them by 2 %), exponential Euler's 16 % low.
    /// Cheaper and coarser: `exp2`; Brian2's scheme: `exp-euler`.
    pub const DEFAULT: Scheme = Scheme::Dopri5 {
        rtol: Self::DEFAULT_RTOL,
    };

    /// The scheme's name in model files and on the command line.
    pub fn key(&self) -> &'static str {
        match self {
            Scheme::ExpEuler => "exp-euler",
            Scheme::Exp2 => "exp2",
            Scheme::Dopri5 { .. } => "dopri5",
            Scheme::Rk23 { .. } => "rk23",
        }
    }

    /// Order of accuracy (of the states; spike times are located to at least this order).
    pub fn order(&self) -> usize {
        match self {
            Scheme::ExpEuler => 1,
            Scheme::Exp2 => 2,
            Scheme::Dopri5 { .. } => 5,
            Scheme::Rk23 { .. } => 3,
        }
    }

    /// The scheme named `name`, with relative tolerance `rtol` for `dopri5` (default
    /// [`Self::DEFAULT_RTOL`]). Errors: [`NetError::UnknownScheme`] for another name,
    /// [`NetError::BadParameter`] for `rtol` not in `(0, 1)` or given to a fixed-step scheme.
    pub fn from_name(name: &str, rtol: Option<f64>) -> Result<Self, NetError> {
        let scheme = match name {
            "exp-euler" => Scheme::ExpEuler,
            "exp2" => Scheme::Exp2,
            "dopri5" => Scheme::Dopri5 {
                rtol: rtol.unwrap_or(Self::DEFAULT_RTOL),
            },
            "rk23" => Scheme::Rk23 {
                rtol: rtol.unwrap_or(Self::DEFAULT_RTOL),
            },
            _ => {
                return Err(NetError::UnknownScheme {
                    name: name.to_string(),
                    suggestion: crate::error::suggest(name, Self::NAMES.iter().copied()),
                });
            }
        };
        scheme.validate(rtol)?;
        Ok(scheme)
    }

    /// Checks the tolerance; `given` is the `rtol` given explicitly, if any (refused for the
    /// fixed-step schemes).
    pub(crate) fn validate(&self, given: Option<f64>) -> Result<(), NetError> {
        let subject = super::Subject::Network(super::NetworkKey::Rtol);
        match (*self, given) {
            (Scheme::Dopri5 { rtol } | Scheme::Rk23 { rtol }, _) if !(rtol > 0.0 && rtol < 1.0) => {
                Err(NetError::bad_parameter(subject, rtol, "in (0, 1)"))
            }
            (Scheme::ExpEuler | Scheme::Exp2, Some(rtol)) => Err(NetError::bad_parameter(
                subject,
                rtol,
                "absent for exp-euler and exp2 (fixed steps dt; rtol is for dopri5 and rk23)",
            )),
            _ => Ok(()),
        }
    }
}

/// Most substeps a neuron may take inside one grid step before the run is stopped (its state
/// is set to NaN, which the run reports as non-finite).
const MAX_ITERATIONS: usize = 100_000;

/// Scratch of a scheme for one population of one shard (one block of up to `block` neurons
/// at a time), allocated once per run.
#[derive(Debug, Default)]
pub(crate) struct SchemeWork {
    /// `v` at the start of the step, per neuron of the block.
    pub v0: Vec<f64>,
    /// `v̇` at the start of the step (exp2), per neuron of the block.
    dv0: Vec<f64>,
    /// Crossing time as a fraction of the step (dopri5; NaN if none), per neuron of the block.
    cross: Vec<f64>,
    /// State at the start of the step (exp2) or of the substep (dopri5), `[var][lane]`.
    y: Vec<Vec<f64>>,
    a: Vec<Vec<f64>>,
    b: Vec<Vec<f64>>,
    /// dopri5: stage derivatives `[stage][var][lane]`, stage state, 5th-order result.
    k: Vec<Vec<Vec<f64>>>,
    tmp: Vec<Vec<f64>>,
    y_new: Vec<Vec<f64>>,
    /// dopri5, per lane: neuron (block-local), time into the step \[s\], step, wanted step,
    /// stage time, error norm, clipped to the step's end.
    lane: Vec<usize>,
    t: Vec<f64>,
    h: Vec<f64>,
    want: Vec<f64>,
    ts: Vec<f64>,
    err: Vec<f64>,
    /// 1 where the substep was cut to end at the grid step's end, else 0.
    clipped: Vec<f64>,
    keep: Vec<usize>,
    /// dopri5, per lane: receptor conductances at the step start `[receptor][lane]`, held
    /// couplings `G`, `J`, and the input at a stage.
    rec: Vec<Vec<f64>>,
    cg: Vec<f64>,
    cj: Vec<f64>,
    gs: Vec<f64>,
    js: Vec<f64>,
    /// Absolute error scale of each variable (see [`Scheme::Dopri5`]).
    scale: Vec<f64>,
    /// Substeps accepted and rejected (dopri5).
    pub accepted: u64,
    pub rejected: u64,
}

impl SchemeWork {
    /// Scratch for `scheme` on blocks of up to `block` neurons of `model` with `receptors`
    /// exponential receptors.
    pub fn new(scheme: Scheme, model: &dyn NeuronModel, receptors: usize, block: usize) -> Self {
        let n = model.variables().len();
        let grid = |rows: usize| vec![vec![0.0; block]; rows];
        let mut w = SchemeWork {
            v0: vec![0.0; block],
            ..Self::default()
        };
        match scheme {
            Scheme::ExpEuler => {}
            Scheme::Exp2 => {
                w.dv0 = vec![0.0; block];
                (w.y, w.a, w.b) = (grid(n), grid(n), grid(n));
            }
            Scheme::Dopri5 { .. } | Scheme::Rk23 { .. } => {
                (w.y, w.a, w.b) = (grid(n), grid(n), grid(n));
                let stages = match scheme {
                    Scheme::Rk23 { .. } => RK23.e.len(),
                    _ => DOPRI5.e.len(),
                };
                w.k = (0..stages).map(|_| grid(n)).collect();
                (w.tmp, w.y_new, w.rec) = (grid(n), grid(n), grid(receptors));
                w.cross = vec![0.0; block];
                for v in [
                    &mut w.t,
                    &mut w.h,
                    &mut w.want,
                    &mut w.ts,
                    &mut w.err,
                    &mut w.cg,
                    &mut w.cj,
                    &mut w.gs,
                    &mut w.js,
                ] {
                    *v = vec![0.0; block];
                }
                w.lane = vec![0; block];
                w.keep = Vec::with_capacity(block);
                w.clipped = vec![0.0; block];
                w.scale = model
                    .variables()
                    .iter()
                    .map(|v| match v.unit.as_ref() {
                        "V" => 0.1,
                        "1" => 1.0,
                        _ => 0.0,
                    })
                    .collect();
            }
        }
        w
    }

    /// Where inside the step neuron `i` (block-local) crossed `theta` upwards, as a fraction
    /// of the step in `(0, 1]`, given its voltage `v1` at the step end (1 when the crossing
    /// cannot be located: `v` was already above `theta` at the step start).
    pub fn crossing(&self, scheme: Scheme, i: usize, theta: f64, v1: f64, dt: f64) -> f64 {
        let v0 = self.v0[i];
        if !(v0 <= theta && theta < v1) {
            return 1.0;
        }
        match scheme {
            Scheme::ExpEuler => ((theta - v0) / (v1 - v0)).clamp(0.0, 1.0),
            Scheme::Exp2 => {
                // p(s) = v0 + s dt v̇0 + s² (v1 − v0 − dt v̇0).
                let d = dt * self.dv0[i];
                let c = v1 - v0 - d;
                unit_root(|s| v0 + s * (d + s * c) - theta)
            }
            Scheme::Dopri5 { .. } | Scheme::Rk23 { .. } => {
                let s = self.cross[i];
                if s.is_finite() { s } else { 1.0 }
            }
        }
    }
}

/// `out = y∞ + (y − y∞) e^{−b h}`, `y∞ = a/b` (`y + a h` where `b = 0`).
struct ExpStep<'a> {
    y: &'a [f64],
    a: &'a [f64],
    b: &'a [f64],
    out: &'a mut [f64],
    h: f64,
}

impl Kernel for ExpStep<'_> {
    #[inline(always)]
    fn run<M: MulAdd>(self) {
        let len = self.out.len();
        let (y, a, b, out, h) = (
            &self.y[..len],
            &self.a[..len],
            &self.b[..len],
            self.out,
            self.h,
        );
        for i in 0..len {
            let (yi, ai, bi) = (y[i], a[i], b[i]);
            let inf = ai / bi;
            let e = M::madd(yi - inf, exp::<M>(-bi * h), inf);
            out[i] = if bi != 0.0 { e } else { M::madd(ai, h, yi) };
        }
    }
}

/// One [`Scheme::Exp2`] step of the neurons `block`: `input0` is the synaptic input at the
/// step start, `input_half` at its midpoint. Leaves `v`, `v̇` at the step start in `w` for
/// [`SchemeWork::crossing`].
#[allow(clippy::too_many_arguments)]
pub(crate) fn exp2(
    model: &dyn NeuronModel,
    state: &mut [Vec<f64>],
    block: Range<usize>,
    input0: SynapticInput<'_>,
    input_half: SynapticInput<'_>,
    dt: f64,
    simd: SimdLevel,
    w: &mut SchemeWork,
) {
    let len = block.len();
    let b0 = block.start;
    let nd = model.evolving().min(state.len());
    // Coefficients at the step start; the half step overwrites the state with y_{n+½}
    // (constants are left alone).
    model.coefficients(state, block.clone(), input0, &mut w.a, &mut w.b, simd);
    for (k, x) in state.iter_mut().enumerate().take(nd) {
        let (y, x) = (&mut w.y[k][..len], &mut x[block.clone()]);
        y.copy_from_slice(x);
        let (a, b) = (&w.a[k][..len], &w.b[k][..len]);
        dispatch(
            simd,
            ExpStep {
                y,
                a,
                b,
                out: x,
                h: 0.5 * dt,
            },
        );
    }
    for i in 0..len {
        let v = w.y[0][i];
        w.v0[i] = v;
        w.dv0[i] = w.a[0][i] - w.b[0][i] * v;
    }
    // Coefficients at the midpoint, applied from y_n over the whole step.
    model.coefficients(state, block, input_half, &mut w.a, &mut w.b, simd);
    for (k, x) in state.iter_mut().enumerate().take(nd) {
        let (y, out) = (&w.y[k][..len], &mut x[b0..b0 + len]);
        let (a, b) = (&w.a[k][..len], &w.b[k][..len]);
        dispatch(
            simd,
            ExpStep {
                y,
                a,
                b,
                out,
                h: dt,
            },
        );
    }
}

/// An explicit embedded Runge–Kutta pair with the first-same-as-last property: stages
/// `k_0 … k_{S−1}` (`S = e.len()`), `k_0 = f(t, y)`; `k_s = f(t + c_s h, y + h Σ_{i<s} a_{s−1,i} k_i)`
/// for `0 < s < S − 1`; `y_new = y + h Σ_{i<S−1} b_i k_i` and `k_{S−1} = f(t + h, y_new)` (the next
/// step's `k_0`); error estimate `h Σ_i e_i k_i`.
#[derive(Debug)]
pub(crate) struct Tableau {
    c: &'static [f64],
    a: &'static [&'static [f64]],
    b: &'static [f64],
    e: &'static [f64],
}

/// Dormand–Prince 5(4) (Dormand & Prince 1980), the ODE solver's table
/// ([`crate::solver::step::DormandPrince45`]).
pub(crate) const DOPRI5: Tableau = {
    use crate::solver::step::rk::dp45 as dp;
    Tableau {
        c: &dp::C,
        a: &dp::A,
        b: &dp::B,
        e: &dp::E,
    }
};

/// Bogacki–Shampine 3(2) (Bogacki & Shampine 1989, "A 3(2) pair of Runge–Kutta formulas",
/// Appl. Math. Lett. 2: 321–325; scipy's `RK23`): three new derivatives per step.
pub(crate) const RK23: Tableau = Tableau {
    c: &[0.0, 0.5, 0.75, 1.0],
    a: &[&[0.5], &[0.0, 0.75]],
    b: &[2.0 / 9.0, 1.0 / 3.0, 4.0 / 9.0],
    // b − b̂ with b̂ = (7/24, 1/4, 1/3, 1/8).
    e: &[
        2.0 / 9.0 - 7.0 / 24.0,
        1.0 / 3.0 - 0.25,
        4.0 / 9.0 - 1.0 / 3.0,
        -0.125,
    ],
};

/// `Σ_r g_r e^{−t k_r}` and `Σ_r g_r E_r e^{−t k_r}` added to `gs`, `js` for one receptor.
struct Decayed<'a> {
    t: &'a [f64],
    g0: &'a [f64],
    rate: f64,
    e: f64,
    gs: &'a mut [f64],
    js: &'a mut [f64],
}

impl Kernel for Decayed<'_> {
    #[inline(always)]
    fn run<M: MulAdd>(self) {
        let len = self.gs.len();
        let (t, g0, gs, js) = (
            &self.t[..len],
            &self.g0[..len],
            self.gs,
            &mut self.js[..len],
        );
        for i in 0..len {
            let g = g0[i] * exp::<M>(-t[i] * self.rate);
            gs[i] += g;
            js[i] = M::madd(g, self.e, js[i]);
        }
    }
}

/// The receptors of a block for [`embedded_rk`].
pub(crate) struct Receptors<'a> {
    /// Reversal potential \[V\] and rate \[1/s\] of each exponential the receptors'
    /// conductances are sums of over a step
    /// ([`ReceptorState::components`](super::receptor::ReceptorState::components), in order).
    pub rates: &'a [(f64, f64)],
    /// The receptors.
    pub states: &'a [super::receptor::ReceptorState],
    /// Their states at the step start (the shard's arrays `g` and `cond`).
    pub g: &'a [Vec<f64>],
    pub cond: &'a [Vec<f64>],
    /// Offset of the block in those arrays.
    pub offset: usize,
}

/// Evaluates `f(t, y) = a − b y` of the first `m` lanes into `out`, with the synaptic input
/// at each lane's own time `ts`.
#[allow(clippy::too_many_arguments)]
fn rhs(
    model: &dyn NeuronModel,
    y: &[Vec<f64>],
    m: usize,
    ts: &[f64],
    rec: &[Vec<f64>],
    rates: &[(f64, f64)],
    (cg, cj, gs, js): (&[f64], &[f64], &mut [f64], &mut [f64]),
    a: &mut [Vec<f64>],
    b: &mut [Vec<f64>],
    out: &mut [Vec<f64>],
    simd: SimdLevel,
) {
    let (gs, js) = (&mut gs[..m], &mut js[..m]);
    gs.copy_from_slice(&cg[..m]);
    js.copy_from_slice(&cj[..m]);
    for (g0, &(e, rate)) in rec.iter().zip(rates) {
        let (t, g0) = (&ts[..m], &g0[..m]);
        let (gs, js) = (&mut *gs, &mut *js);
        dispatch(
            simd,
            Decayed {
                t,
                g0,
                rate,
                e,
                gs,
                js,
            },
        );
    }
    let input = SynapticInput { g: gs, g_e: js };
    model.coefficients(y, 0..m, input, a, b, simd);
    // Only the evolving variables (`out.len()` of them); the constants' derivative is 0.
    for (((out, a), b), y) in out.iter_mut().zip(&*a).zip(&*b).zip(y) {
        let (out, a, b, y) = (&mut out[..m], &a[..m], &b[..m], &y[..m]);
        dispatch(simd, Derivative { out, a, b, y });
    }
}

/// `out[j] = base[j] + h[j] Σ_s c_s k_s[j]` over the lanes of one variable (`base` `None`:
/// 0), one pass.
struct Weighted<'a, const S: usize> {
    out: &'a mut [f64],
    base: Option<&'a [f64]>,
    h: &'a [f64],
    k: [&'a [f64]; S],
    c: [f64; S],
}

impl<const S: usize> Kernel for Weighted<'_, S> {
    #[inline(always)]
    fn run<M: MulAdd>(self) {
        let m = self.out.len();
        let (out, h, c) = (self.out, &self.h[..m], self.c);
        let k = self.k.map(|k| &k[..m]);
        let sum = |j: usize| {
            let mut acc = c[0] * k[0][j];
            for s in 1..S {
                acc = M::madd(c[s], k[s][j], acc);
            }
            acc
        };
        match self.base {
            Some(base) => {
                let base = &base[..m];
                for j in 0..m {
                    out[j] = M::madd(h[j], sum(j), base[j]);
                }
            }
            None => {
                for j in 0..m {
                    out[j] = h[j] * sum(j);
                }
            }
        }
    }
}

/// `out = y + h Σ_s c_s k_s` (`c` of length `k.len()` ≤ 7) over the first `m` lanes of every
/// variable, per-lane `h`; `y` `None`: without the `y` term.
fn combine(
    out: &mut [Vec<f64>],
    y: Option<&[Vec<f64>]>,
    h: &[f64],
    k: &[Vec<Vec<f64>>],
    c: &[f64],
    m: usize,
    simd: SimdLevel,
) {
    use std::array::from_fn;
    let h = &h[..m];
    for (var, out) in out.iter_mut().enumerate() {
        let out = &mut out[..m];
        let base = y.map(|y| &y[var][..m]);
        let row = |s: usize| k[s][var].as_slice();
        macro_rules! go {
            ($n:literal) => {
                dispatch(
                    simd,
                    Weighted::<$n> {
                        out,
                        base,
                        h,
                        k: from_fn(row),
                        c: from_fn(|s| c[s]),
                    },
                )
            };
        }
        match c.len() {
            1 => go!(1),
            2 => go!(2),
            3 => go!(3),
            4 => go!(4),
            5 => go!(5),
            6 => go!(6),
            _ => go!(7),
        }
    }
}

/// The error norm of a substep over the lanes of one variable: `err = max(err, q)` with
/// `q = |e| / (rtol (max(|y0|, |y1|) + sc))` (0 where `e = 0`); `bad` becomes NaN where `q`
/// is NaN.
struct ErrorNorm<'a> {
    e: &'a [f64],
    y0: &'a [f64],
    y1: &'a [f64],
    sc: f64,
    rtol: f64,
    err: &'a mut [f64],
    bad: &'a mut [f64],
}

impl Kernel for ErrorNorm<'_> {
    #[inline(always)]
    fn run<M: MulAdd>(self) {
        let m = self.err.len();
        let (e, y0, y1, bad) = (
            &self.e[..m],
            &self.y0[..m],
            &self.y1[..m],
            &mut self.bad[..m],
        );
        let err = self.err;
        for j in 0..m {
            let tol = self.rtol * (y0[j].abs().max(y1[j].abs()) + self.sc);
            let q = e[j].abs() / tol;
            let q = if e[j] == 0.0 { 0.0 } else { q };
            err[j] = err[j].max(q);
            bad[j] += if q.is_nan() { f64::NAN } else { 0.0 };
        }
    }
}

/// Step-size control of one substep per lane: `err` (in: the error norm, `bad` NaN where it
/// is undefined) becomes the lane's verdict, 1 accepted, 0 rejected, NaN failed (the step
/// fell below `h_min`); `want` becomes the next step, `h·min(5, max(0.2, 0.9 err^{−1/4}))`
/// (on an accepted substep cut at the grid step's end, no less than the step wanted
/// before); `t` advances on acceptance.
struct Judge<'a> {
    err: &'a mut [f64],
    bad: &'a [f64],
    h: &'a [f64],
    t: &'a mut [f64],
    want: &'a mut [f64],
    clipped: &'a [f64],
    dt: f64,
    h_min: f64,
}

impl Kernel for Judge<'_> {
    #[inline(always)]
    fn run<M: MulAdd>(self) {
        let m = self.err.len();
        let (err, bad, h) = (self.err, &self.bad[..m], &self.h[..m]);
        let (t, want, clipped) = (&mut self.t[..m], &mut self.want[..m], &self.clipped[..m]);
        for j in 0..m {
            let e = err[j] + bad[j];
            let fac = (0.9 / e.sqrt().sqrt()).clamp(0.2, 5.0);
            let fac = if fac.is_nan() { 0.2 } else { fac };
            let hf = h[j] * fac;
            let acc = e <= 1.0;
            let clip = clipped[j] == 1.0;
            let kept = if clip { want[j].max(hf) } else { hf };
            want[j] = if acc { kept } else { hf };
            let moved = if clip { self.dt } else { t[j] + h[j] };
            t[j] = if acc { moved } else { t[j] };
            let verdict = if hf >= self.h_min { 0.0 } else { f64::NAN };
            err[j] = if acc { 1.0 } else { verdict };
        }
    }
}

/// `dst = src` on the lanes where `mask = 1`.
struct Select<'a> {
    dst: &'a mut [f64],
    src: &'a [f64],
    mask: &'a [f64],
}

impl Kernel for Select<'_> {
    #[inline(always)]
    fn run<M: MulAdd>(self) {
        let m = self.dst.len();
        let (dst, src, mask) = (self.dst, &self.src[..m], &self.mask[..m]);
        for j in 0..m {
            dst[j] = if mask[j] == 1.0 { src[j] } else { dst[j] };
        }
    }
}

/// `out = a − b y` over the lanes of one variable.
struct Derivative<'a> {
    out: &'a mut [f64],
    a: &'a [f64],
    b: &'a [f64],
    y: &'a [f64],
}

impl Kernel for Derivative<'_> {
    #[inline(always)]
    fn run<M: MulAdd>(self) {
        let m = self.out.len();
        let (out, a, b, y) = (self.out, &self.a[..m], &self.b[..m], &self.y[..m]);
        for j in 0..m {
            out[j] = M::madd(-b[j], y[j], a[j]);
        }
    }
}

/// Keeps the lanes `keep` (ascending) of `row`, in order, at its front.
fn compact<T: Copy>(row: &mut [T], keep: &[usize]) {
    for (w, &j) in keep.iter().enumerate() {
        row[w] = row[j];
    }
}

/// One grid step of an adaptive scheme ([`Scheme::Dopri5`], [`Scheme::Rk23`]: the pair `tab`)
/// for the neurons `block`: each neuron advances with
/// its own substeps from `t_s` to `t_s + dt`, starting with its step `h_next[i]` (updated).
/// `held` are the couplings' `(G, J)` per neuron of the block, held over the step. Records
/// the first upward crossing of `theta` by `v` for [`SchemeWork::crossing`]. A neuron whose
/// error stays NaN or whose step falls below `1e-12 dt` gets a NaN state. Step-size control:
/// `h ← h·min(5, max(0.2, 0.9 err^{−1/4}))` (the exponent of an error-per-unit-step
/// controller, evaluated with two square roots, which vectorise).
#[allow(clippy::too_many_arguments)]
pub(crate) fn embedded_rk(
    tab: &Tableau,
    model: &dyn NeuronModel,
    state: &mut [Vec<f64>],
    block: Range<usize>,
    receptors: Receptors<'_>,
    held: (&[f64], &[f64]),
    h_next: &mut [f64],
    (dt, rtol, theta): (f64, f64, f64),
    simd: SimdLevel,
    w: &mut SchemeWork,
) {
    let b0 = block.start;
    let mut m = block.len();
    let rates = receptors.rates;
    let nd = model.evolving().min(state.len());
    let last = tab.e.len() - 1;
    let SchemeWork {
        v0,
        cross,
        y,
        a,
        b,
        k,
        tmp,
        y_new,
        lane,
        t,
        h,
        want,
        ts,
        err,
        clipped,
        rec,
        cg,
        cj,
        gs,
        js,
        scale,
        accepted,
        rejected,
        keep,
        ..
    } = w;
    for j in 0..m {
        let i = b0 + j;
        for (yk, x) in y.iter_mut().zip(state.iter()) {
            yk[j] = x[i];
        }
        v0[j] = state[0][i];
        cross[j] = f64::NAN;
        lane[j] = j;
        t[j] = 0.0;
        let hn = h_next[i];
        want[j] = if hn > 0.0 && hn.is_finite() { hn } else { dt };
        h[j] = want[j].min(dt);
        clipped[j] = if want[j] >= dt { 1.0 } else { 0.0 };
        // The amplitude of each exponential at the step start.
        let mut q = 0;
        let at = receptors.offset + j;
        for ((r, g), c) in receptors.states.iter().zip(receptors.g).zip(receptors.cond) {
            match r.rise {
                None => rec[q][j] = g[at],
                Some(rise) => {
                    let slow = rise.factor * g[at];
                    rec[q][j] = c[at] - slow;
                    q += 1;
                    rec[q][j] = slow;
                }
            }
            q += 1;
        }
        cg[j] = held.0[j];
        cj[j] = held.1[j];
    }
    let h_min = 1e-12 * dt;
    ts[..m].fill(0.0);
    rhs(
        model,
        y,
        m,
        ts,
        rec,
        rates,
        (cg, cj, gs, js),
        a,
        b,
        &mut k[0][..nd],
        simd,
    );
    let mut iterations = 0;
    while m > 0 {
        iterations += 1;
        // The constants of each lane in the stage states (the model reads them).
        for var in nd..y.len() {
            tmp[var][..m].copy_from_slice(&y[var][..m]);
            y_new[var][..m].copy_from_slice(&y[var][..m]);
        }
        // The inner stages, the result and its derivative (FSAL: the next k[0]).
        for s in 1..last {
            combine(&mut tmp[..nd], Some(y), h, &k[..s], tab.a[s - 1], m, simd);
            let c = tab.c[s];
            for ((ts, &t), &h) in ts[..m].iter_mut().zip(&t[..m]).zip(&h[..m]) {
                *ts = t + c * h;
            }
            let (_, rest) = k.split_at_mut(s);
            rhs(
                model,
                tmp,
                m,
                ts,
                rec,
                rates,
                (cg, cj, gs, js),
                a,
                b,
                &mut rest[0][..nd],
                simd,
            );
        }
        combine(&mut y_new[..nd], Some(y), h, &k[..last], tab.b, m, simd);
        for ((ts, &t), &h) in ts[..m].iter_mut().zip(&t[..m]).zip(&h[..m]) {
            *ts = t + h;
        }
        rhs(
            model,
            y_new,
            m,
            ts,
            rec,
            rates,
            (cg, cj, gs, js),
            a,
            b,
            &mut k[last][..nd],
            simd,
        );
        // Error norm per lane: max over variables of |h Σ E_s k_s| / (rtol (|y| + s)); a NaN
        // anywhere makes it NaN.
        combine(&mut tmp[..nd], None, h, &k[..=last], tab.e, m, simd);
        err[..m].fill(0.0);
        ts[..m].fill(0.0);
        for (var, e) in tmp[..nd].iter().enumerate() {
            let (e, y0, y1) = (&e[..m], &y[var][..m], &y_new[var][..m]);
            let (err, bad) = (&mut err[..m], &mut ts[..m]);
            let (sc, rtol) = (scale[var], rtol);
            dispatch(
                simd,
                ErrorNorm {
                    e,
                    y0,
                    y1,
                    sc,
                    rtol,
                    err,
                    bad,
                },
            );
        }
        // Accept or reject each lane, propose its next step (err becomes the lane's mask).
        {
            let (err, bad, h) = (&mut err[..m], &ts[..m], &h[..m]);
            let (t, want, clipped) = (&mut t[..m], &mut want[..m], &clipped[..m]);
            dispatch(
                simd,
                Judge {
                    err,
                    bad,
                    h,
                    t,
                    want,
                    clipped,
                    dt,
                    h_min,
                },
            );
        }
        // Out of iterations: every remaining lane fails (after the verdicts, which would
        // otherwise turn the failure into a rejection).
        if iterations > MAX_ITERATIONS {
            err[..m].fill(f64::NAN);
        }
        let n_acc = err[..m].iter().filter(|&&e| e == 1.0).count() as u64;
        *accepted += n_acc;
        *rejected += m as u64 - n_acc;
        // Crossings of θ by v inside accepted substeps (cubic Hermite on v, v̇ at the ends).
        for (j, ((&mask, &va), &vb)) in err[..m]
            .iter()
            .zip(&y[0][..m])
            .zip(&y_new[0][..m])
            .enumerate()
        {
            if mask == 1.0 && va <= theta && theta < vb && cross[lane[j]].is_nan() {
                let (hh, fa, fb) = (h[j], k[0][0][j], k[last][0][j]);
                let s = hermite_crossing([va, vb], [fa, fb], hh, theta);
                cross[lane[j]] = ((t[j] - hh + s * hh) / dt).clamp(0.0, 1.0);
            }
        }
        // Accepted lanes move to the new state; FSAL.
        for var in 0..nd {
            let (first, fsal) = k.split_at_mut(last);
            let mask = &err[..m];
            let (dst, src) = (&mut y[var][..m], &y_new[var][..m]);
            dispatch(simd, Select { dst, src, mask });
            let (dst, src) = (&mut first[0][var][..m], &fsal[0][var][..m]);
            dispatch(simd, Select { dst, src, mask });
        }
        // Finished lanes (accepted at the step's end, or failed) are written back.
        let mut finished = false;
        for j in 0..m {
            let failed = err[j].is_nan();
            if (err[j] == 1.0 && clipped[j] == 1.0) || failed {
                let i = lane[j];
                for (x, yk) in state.iter_mut().zip(y.iter()) {
                    x[b0 + i] = if failed { f64::NAN } else { yk[j] };
                }
                h_next[b0 + i] = want[j];
                finished = true;
                err[j] = f64::NAN; // marks the lane as gone
            }
        }
        // The next substep of the others: as wanted, or up to the step's end.
        for ((clipped, h), (&t, &want)) in clipped[..m]
            .iter_mut()
            .zip(&mut h[..m])
            .zip(t[..m].iter().zip(&want[..m]))
        {
            let left = dt - t;
            *clipped = if want >= left { 1.0 } else { 0.0 };
            *h = want.min(left);
        }
        if finished {
            keep.clear();
            keep.extend((0..m).filter(|&j| !err[j].is_nan()));
            for row in y
                .iter_mut()
                .chain(k[0][..nd].iter_mut())
                .chain(rec.iter_mut())
            {
                compact(row, keep);
            }
            for row in [
                &mut *t,
                &mut *h,
                &mut *want,
                &mut *cg,
                &mut *cj,
                &mut *clipped,
            ] {
                compact(row, keep);
            }
            compact(lane, keep);
            m = keep.len();
        }
    }
}
