//! The memconductance operator `v ↦ g(v)` (eq. 7–9): feed-forward from a port-voltage
//! trajectory and an initial state to the state, memconductance and current trajectories.
//!
//! Given `v` on the nodes of a grid (piecewise linear between them) and `x(t0) = x₀`:
//!
//! ```text
//!   x(t) = x₀ + ∫_{t0}^{t} f(x, v) ds,   g(t) = G(x(t), v(t)),   i(t) = g(t) v(t)       (7)–(9)
//! ```
//!
//! This is causal: `g(t)` depends on `v` only through its past `Δ_t(v)` (eq. 8), which is what
//! makes `g` a memory operator in the sense of eq. (7).
//!
//! **Integration.** Elements of [`StateForm::Linear`] (`ẋ = a(v) − b(v) x`: gates, synaptic
//! kinetics, the ideal memristor) are integrated exponentially with a
//! [`LinearStep`] (default [`LinearStep::Exponential2`]): exact when `v` is constant on each
//! step, second order for piecewise-linear `v`. Other elements ([`StateForm::General`]: HP,
//! VTEAM, Yakopcic) use classical RK4 with `v` interpolated linearly inside each step
//! (fourth-order integration of the piecewise-linear input, so second order in the sampling
//! of a smooth `v`), followed by [`Element::project_state`]. A state equation that is stiff at
//! the sampling step (HP + Biolek near `x = 1`: rate `≈ −2p k |i|`, RK4 unstable above
//! `h ≈ 2.79/(2p k |i|)`) needs [`GeneralStep::Adaptive`] instead: the library's adaptive
//! Dormand–Prince ([`memconductance_adaptive`]) with the same piecewise-linear `v`, landing on
//! every node and refining the step where the error control asks for it.

use crate::discretisation::LinearStep;
use crate::element::{Element, StateForm};
use crate::error::{Error, ModelError, SolverError};
use crate::math::{Rk4Work, rk4_step};
use crate::solver::{Config, Method, Output, Statistics, solve};
use crate::system::System;
use crate::trajectory::{Grid, Trajectory};

/// How [`memconductance`] integrates [`StateForm::General`] elements.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[non_exhaustive]
pub enum GeneralStep {
    /// Classical RK4, one step per interval of the grid of `v`, then
    /// [`Element::project_state`]: the discrete equations that memRC time stepping shares
    /// ([`step_state`]).
    #[default]
    Rk4,
    /// [`memconductance_adaptive`] to the tolerances `rtol` (relative) and `atol` (state units).
    Adaptive {
        /// Relative tolerance.
        rtol: f64,
        /// Absolute tolerance.
        atol: f64,
    },
}

/// Options of the memconductance operator.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[non_exhaustive]
pub struct Options {
    /// Scheme for [`StateForm::Linear`] elements.
    pub linear: LinearStep,
    /// Scheme for [`StateForm::General`] elements in [`memconductance`] ([`memconductance_into`]
    /// and [`step_state`] always use [`GeneralStep::Rk4`]).
    pub general: GeneralStep,
}

impl Options {
    /// Options with the given linear scheme.
    pub fn with_linear(linear: LinearStep) -> Self {
        Self {
            linear,
            ..Self::default()
        }
    }

    /// These options with the given scheme for general elements.
    pub fn with_general(mut self, general: GeneralStep) -> Self {
        self.general = general;
        self
    }
}

/// The response of an element to a port-voltage trajectory.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    /// State trajectory (dimension `ns`; a single zero column for stateless elements).
    pub x: Trajectory,
    /// Memconductance trajectory (dimension `n²`, row-major `G`) [S or S/m²].
    pub g: Trajectory,
    /// Port-current trajectory `i = G v` (dimension `n`) [A or A/m²].
    pub i: Trajectory,
}

/// Reusable buffers for [`memconductance_into`], sized once per element.
#[derive(Debug, Clone)]
pub struct Workspace {
    a_l: Vec<f64>,
    b_l: Vec<f64>,
    a_r: Vec<f64>,
    b_r: Vec<f64>,
    rk: Rk4Work,
    vs: Vec<f64>,
}

impl Workspace {
    /// Buffers for `el`.
    pub fn new(el: &dyn Element) -> Self {
        let (ns, n) = (el.n_states(), el.n_ports());
        let z = || vec![0.0; ns];
        Self {
            a_l: z(),
            b_l: z(),
            a_r: z(),
            b_r: z(),
            rk: Rk4Work::new(ns),
            vs: vec![0.0; n],
        }
    }
}

fn check_sizes(el: &dyn Element, v_dim: usize, x0: &[f64]) -> Result<(), ModelError> {
    let name = el.info().name.to_string();
    if v_dim != el.n_ports() {
        return Err(ModelError::WrongLength {
            element: name,
            what: "port voltages",
            expected: el.n_ports(),
            got: v_dim,
        });
    }
    if x0.len() != el.n_states() {
        return Err(ModelError::WrongLength {
            element: name,
            what: "initial states",
            expected: el.n_states(),
            got: x0.len(),
        });
    }
    Ok(())
}

/// Compute(g) of the paper's Example 4 for one element: states and memconductances at every
/// node of `v` (port voltages, `n` per node, row-major), from `x0`, written into `x_out`
/// (`nodes · ns`) and `g_out` (`nodes · n²`). Does not allocate.
///
/// [`StateForm::General`] elements take one RK4 step per interval whatever `opts.general` says
/// (these are the discrete equations of memRC time stepping, [`step_state`]).
///
/// Returns [`SolverError::NonFinite`] naming the state and time if the integration produces a
/// non-finite value.
#[allow(clippy::too_many_arguments)]
pub fn memconductance_into(
    el: &dyn Element,
    grid: &Grid,
    v: &[f64],
    x0: &[f64],
    opts: Options,
    ws: &mut Workspace,
    x_out: &mut [f64],
    g_out: &mut [f64],
) -> Result<(), Error> {
    let (ns, n) = (el.n_states(), el.n_ports());
    let nodes = grid.len();
    check_sizes(el, n, x0)?;
    for (what, len, want) in [
        ("port-voltage samples", v.len(), nodes * n),
        ("state output buffer", x_out.len(), nodes * ns),
        ("conductance output buffer", g_out.len(), nodes * n * n),
    ] {
        if len != want {
            return Err(crate::error::TrajectoryError::Mismatch {
                what: what.into(),
                expected: want,
                got: len,
            }
            .into());
        }
    }
    let h = grid.dt();
    x_out[..ns].copy_from_slice(x0);
    let linear = el.state_form() == StateForm::Linear;
    if linear && ns > 0 {
        el.linear_coefficients(&v[..n], &mut ws.a_l, &mut ws.b_l);
    }
    for k in 0..nodes.saturating_sub(1) {
        let (vl, vr) = (&v[k * n..(k + 1) * n], &v[(k + 1) * n..(k + 2) * n]);
        let (done, rest) = x_out.split_at_mut((k + 1) * ns);
        let xl = &done[k * ns..];
        let xr = &mut rest[..ns];
        if ns == 0 {
            continue;
        }
        if linear {
            el.linear_coefficients(vr, &mut ws.a_r, &mut ws.b_r);
            linear_update(opts.linear, ws, xl, h, xr);
            std::mem::swap(&mut ws.a_l, &mut ws.a_r);
            std::mem::swap(&mut ws.b_l, &mut ws.b_r);
        } else {
            general_update(el, (vl, vr), h, ws, xl, xr);
        }
        if let Some(j) = xr.iter().position(|x| !x.is_finite()) {
            return Err(SolverError::NonFinite {
                variable: format!(
                    "state '{}' of element '{}'",
                    el.state_names()[j],
                    el.info().name
                ),
                t: grid.time(k + 1),
            }
            .into());
        }
    }
    for k in 0..nodes {
        let gk = &mut g_out[k * n * n..(k + 1) * n * n];
        el.conductance(&x_out[k * ns..(k + 1) * ns], &v[k * n..(k + 1) * n], gk);
        if gk.iter().any(|g| !g.is_finite()) {
            return Err(SolverError::NonFinite {
                variable: format!("memconductance of element '{}'", el.info().name),
                t: grid.time(k),
            }
            .into());
        }
    }
    Ok(())
}

/// One step of the state equation of `el` over `[t_k, t_k + h]`: from `xl` at port voltage `vl`
/// to `xr` at `vr`, by the same rule as [`memconductance_into`] (exponential `scheme` for
/// [`StateForm::Linear`] elements, RK4 with linear `v` otherwise, then
/// [`Element::project_state`]). Time stepping and Newton iterations on memRC circuits use it so
/// that they solve exactly the discrete equations of the trajectory-space iteration.
#[allow(clippy::too_many_arguments)]
pub fn step_state(
    el: &dyn Element,
    scheme: LinearStep,
    xl: &[f64],
    vl: &[f64],
    vr: &[f64],
    h: f64,
    ws: &mut Workspace,
    xr: &mut [f64],
) {
    if xl.is_empty() {
        return;
    }
    if el.state_form() == StateForm::Linear {
        el.linear_coefficients(vl, &mut ws.a_l, &mut ws.b_l);
        el.linear_coefficients(vr, &mut ws.a_r, &mut ws.b_r);
        linear_update(scheme, ws, xl, h, xr);
    } else {
        general_update(el, (vl, vr), h, ws, xl, xr);
    }
}

/// `xr = E·xl + F` state by state, with the scheme's coefficients from the node values
/// `a_l, b_l, a_r, b_r` held in `ws` ([`LinearStep::coefficients`]).
fn linear_update(scheme: LinearStep, ws: &Workspace, xl: &[f64], h: f64, xr: &mut [f64]) {
    for j in 0..xl.len() {
        let (e, f) = scheme.coefficients(ws.a_l[j], ws.a_r[j], ws.b_l[j], ws.b_r[j], h);
        xr[j] = e * xl[j] + f;
    }
}

/// One classical RK4 step ([`rk4_step`]) of `ẋ = f(x, v(t))` with `v` linear from `vl` to `vr`
/// (`v` at the midpoint for the two middle stages), then [`Element::project_state`].
fn general_update(
    el: &dyn Element,
    (vl, vr): (&[f64], &[f64]),
    h: f64,
    ws: &mut Workspace,
    xl: &[f64],
    xr: &mut [f64],
) {
    let Workspace { rk, vs, .. } = ws;
    for (m, (a, b)) in vs.iter_mut().zip(vl.iter().zip(vr)) {
        *m = 0.5 * (a + b);
    }
    let vs: &[f64] = vs;
    xr.copy_from_slice(xl);
    rk4_step(rk, h, xr, |c, x, dx| {
        let v = match c {
            c if c < 0.25 => vl,
            c if c > 0.75 => vr,
            _ => vs,
        };
        el.state_rhs(x, v, dx);
    });
    el.project_state(xr);
}

/// `ẋ = f(x, v(t))` of one element with the port voltages `v` linear between their samples
/// (constant beyond the ends).
struct Driven<'a> {
    el: &'a dyn Element,
    v: &'a Trajectory,
}

/// Largest port count of the stack buffer in [`Driven::rhs`].
const MAX_PORTS: usize = 8;

impl System for Driven<'_> {
    fn n_states(&self) -> usize {
        self.el.n_states()
    }

    fn rhs(&self, t: f64, x: &[f64], dx: &mut [f64]) {
        let n = self.el.n_ports();
        let mut buf = [0.0; MAX_PORTS];
        let mut heap = Vec::new();
        let w: &mut [f64] = if n <= MAX_PORTS {
            &mut buf[..n]
        } else {
            heap.resize(n, 0.0);
            &mut heap
        };
        let grid = self.v.grid();
        let u = ((t - grid.t0()) / grid.dt()).clamp(0.0, grid.steps() as f64);
        let k = (u.floor() as usize).min(grid.steps().saturating_sub(1));
        let theta = u - k as f64;
        let (a, b) = (self.v.at(k), self.v.at((k + 1).min(grid.steps())));
        for ((o, a), b) in w.iter_mut().zip(a).zip(b) {
            *o = a + theta * (b - a);
        }
        self.el.state_rhs(x, w, dx);
    }

    fn state_names(&self) -> Vec<String> {
        self.el.state_names()
    }
}

/// The memconductance operator with the state integrated by the library's adaptive
/// Dormand–Prince 5(4) ([`Method::DormandPrince45`], Dormand & Prince 1980) to the tolerances
/// `rtol`, `atol`: `v` linear between its samples as in [`memconductance`], every node a
/// breakpoint (the kinks of the interpolant), no step longer than the grid step, so the result
/// is exact for the piecewise-linear `v` to the tolerance whatever the stiffness at the
/// sampling step; each node's state is projected by [`Element::project_state`]. Returns the
/// response and the solver's work counters (more accepted steps than grid intervals: the step
/// was refined). Allocates.
///
/// # Errors
/// As [`crate::solver::solve`] (a state that becomes non-finite, a step size that collapses,
/// more than `100 · max(intervals, 10⁴)` steps) and [`memconductance`].
pub fn memconductance_adaptive(
    el: &dyn Element,
    v: &Trajectory,
    x0: &[f64],
    rtol: f64,
    atol: f64,
) -> Result<(Response, Statistics), Error> {
    check_sizes(el, v.dim(), x0)?;
    let (ns, n) = (el.n_states(), el.n_ports());
    let grid = *v.grid();
    let intervals = grid.steps();
    let (mut x, stats) = if ns == 0 {
        (Vec::new(), Statistics::default())
    } else {
        let stops: Vec<f64> = (1..intervals).map(|k| grid.time(k)).collect();
        let config = Config::adaptive(rtol, atol)
            .with_h_max(grid.dt())
            .with_t_stops(stops)
            .with_max_steps(100 * intervals.max(10_000));
        let sol = solve(
            &Driven { el, v },
            Method::DormandPrince45,
            &config,
            grid.t0(),
            x0,
            grid.t_end(),
            Output::Intervals(intervals),
        )?;
        (sol.states, sol.stats)
    };
    let mut g = vec![0.0; grid.len() * n * n];
    let mut i = vec![0.0; grid.len() * n];
    for k in 0..grid.len() {
        let xk = &mut x[k * ns..(k + 1) * ns];
        el.project_state(xk);
        let (gk, vk) = (&mut g[k * n * n..(k + 1) * n * n], v.at(k));
        el.conductance(xk, vk, gk);
        if gk.iter().any(|g| !g.is_finite()) {
            return Err(SolverError::NonFinite {
                variable: format!("memconductance of element '{}'", el.info().name),
                t: grid.time(k),
            }
            .into());
        }
        for r in 0..n {
            i[k * n + r] = (0..n).map(|c| gk[r * n + c] * vk[c]).sum();
        }
    }
    let x = if ns == 0 {
        Trajectory::zeros(grid, 1)
    } else {
        Trajectory::new(grid, ns, x)?
    };
    let response = Response {
        x,
        g: Trajectory::new(grid, n * n, g)?,
        i: Trajectory::new(grid, n, i)?,
    };
    Ok((response, stats))
}

/// The memconductance operator (eq. 7–9): the response of `el` to the port-voltage trajectory
/// `v` (dimension `n_ports`) from the initial state `x0`. [`StateForm::General`] elements are
/// integrated as `opts.general` says ([`GeneralStep`]).
///
/// ```
/// use memrc::{Grid, Trajectory, memconductance::{memconductance, Options}};
/// let el = memrc::element::build("hh-k", &[]).unwrap();
/// let grid = Grid::span(0.0, 0.01, 1000).unwrap();
/// // Voltage clamp of the membrane at -20 mV: the port voltage is v_m - E_K.
/// let w = Trajectory::from_fn(grid, |_| -0.020 - el.battery(0)).unwrap();
/// let mut x0 = vec![0.0; el.n_states()];
/// el.initial_state(&[-0.065 - el.battery(0)], &mut x0);
/// let r = memconductance(el.as_ref(), &w, &x0, Options::default()).unwrap();
/// assert!(r.g.at(1000)[0] > r.g.at(0)[0]); // K⁺ conductance opens on depolarisation
/// ```
pub fn memconductance(
    el: &dyn Element,
    v: &Trajectory,
    x0: &[f64],
    opts: Options,
) -> Result<Response, Error> {
    check_sizes(el, v.dim(), x0)?;
    if let GeneralStep::Adaptive { rtol, atol } = opts.general
        && el.n_states() > 0
        && el.state_form() == StateForm::General
    {
        return Ok(memconductance_adaptive(el, v, x0, rtol, atol)?.0);
    }
    let (ns, n) = (el.n_states(), el.n_ports());
    let grid = *v.grid();
    let mut x = vec![0.0; grid.len() * ns];
    let mut g = vec![0.0; grid.len() * n * n];
    let mut ws = Workspace::new(el);
    memconductance_into(el, &grid, v.data(), x0, opts, &mut ws, &mut x, &mut g)?;
    let mut i = vec![0.0; grid.len() * n];
    for k in 0..grid.len() {
        let (gk, vk) = (&g[k * n * n..(k + 1) * n * n], v.at(k));
        for r in 0..n {
            i[k * n + r] = (0..n).map(|c| gk[r * n + c] * vk[c]).sum();
        }
    }
    let x = if ns == 0 {
        Trajectory::zeros(grid, 1)
    } else {
        Trajectory::new(grid, ns, x)?
    };
    Ok(Response {
        x,
        g: Trajectory::new(grid, n * n, g)?,
        i: Trajectory::new(grid, n, i)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discretisation::assert_order;
    use crate::element::{KindInfo, StateInfo};

    /// A gate `ẋ = a(v) − b(v) x` with `a = 1 + v²`, `b = 2 + v`, `g = x`; `general` switches
    /// it to the RK4 path.
    #[derive(Debug)]
    struct TestGate {
        general: bool,
    }

    static INFO: KindInfo = KindInfo {
        name: "test-gate",
        summary: "test",
        source: "test",
        ports: 1,
        states: &[StateInfo {
            name: "x",
            unit: "S",
            doc: "",
        }],
        params: &[],
        conductance_unit: "S",
        current_unit: "A",
    };

    impl Element for TestGate {
        fn info(&self) -> &'static KindInfo {
            &INFO
        }
        fn param_values(&self) -> Vec<(&'static str, f64)> {
            vec![]
        }
        fn initial_state(&self, v: &[f64], x: &mut [f64]) {
            x[0] = (1.0 + v[0] * v[0]) / (2.0 + v[0]);
        }
        fn state_rhs(&self, x: &[f64], v: &[f64], dx: &mut [f64]) {
            dx[0] = 1.0 + v[0] * v[0] - (2.0 + v[0]) * x[0];
        }
        fn conductance(&self, x: &[f64], _v: &[f64], g: &mut [f64]) {
            g[0] = x[0];
        }
        fn linear_coefficients(&self, v: &[f64], a: &mut [f64], b: &mut [f64]) -> bool {
            if self.general {
                return false;
            }
            a[0] = 1.0 + v[0] * v[0];
            b[0] = 2.0 + v[0];
            true
        }
        fn state_form(&self) -> StateForm {
            if self.general {
                StateForm::General
            } else {
                StateForm::Linear
            }
        }
    }

    fn drive(steps: usize) -> Trajectory {
        let grid = Grid::span(0.0, 2.0, steps).expect("valid");
        Trajectory::from_fn(grid, |t| (3.0 * t).sin()).expect("finite")
    }

    fn final_state(el: &TestGate, steps: usize, scheme: LinearStep) -> f64 {
        let r =
            memconductance(el, &drive(steps), &[0.5], Options::with_linear(scheme)).expect("ok");
        r.x.at(steps)[0]
    }

    #[test]
    fn error_shrinks_at_the_documented_order() {
        let el = TestGate { general: false };
        // Reference: RK4 on the smooth drive with 64000 steps (error ≪ 1e-14).
        let exact = crate::math::rk4_reference(
            |t, x| {
                let v = (3.0 * t).sin();
                1.0 + v * v - (2.0 + v) * x
            },
            0.5,
            2.0,
            64_000,
        );
        let steps = [50, 100, 200, 400];
        for scheme in LinearStep::ALL {
            assert_order(scheme.name(), scheme.order(), steps, |n| {
                final_state(&el, n, scheme) - exact
            });
        }
        // The RK4 path with linearly interpolated v is second order in the sampling of v.
        let general = TestGate { general: true };
        assert_order("rk4 path", 2, steps, |n| {
            final_state(&general, n, LinearStep::default()) - exact
        });
    }

    #[test]
    fn adaptive_integration_solves_the_piecewise_linear_input_to_its_tolerance() {
        // v sampled on 50 steps; the reference integrates the same piecewise-linear v by RK4 on
        // a grid 64 times finer (its nodes hold the interpolant), error ≈ (h/64)⁴ ≪ 1e-10.
        let el = TestGate { general: true };
        let coarse = drive(50);
        let fine_grid = Grid::span(0.0, 2.0, 50 * 64).expect("valid");
        let fine_v = Trajectory::from_fn(fine_grid, |t| {
            let u = (t / coarse.grid().dt()).min(49.999_999);
            let k = u.floor() as usize;
            let th = u - k as f64;
            (1.0 - th) * coarse.at(k)[0] + th * coarse.at(k + 1)[0]
        })
        .expect("finite");
        let fine = memconductance(&el, &fine_v, &[0.5], Options::default()).expect("ok");
        let opts = Options::default().with_general(GeneralStep::Adaptive {
            rtol: 1e-11,
            atol: 1e-13,
        });
        let adaptive = memconductance(&el, &coarse, &[0.5], opts).expect("ok");
        let (_, stats) = memconductance_adaptive(&el, &coarse, &[0.5], 1e-11, 1e-13).expect("ok");
        assert!(stats.accepted_steps >= 50);
        for k in 0..=50 {
            let (a, b) = (adaptive.x.at(k)[0], fine.x.at(64 * k)[0]);
            assert!((a - b).abs() < 1e-9, "node {k}: {a} vs {b}");
        }
        // Linear elements keep the exponential scheme whatever `general` says.
        let lin = TestGate { general: false };
        assert_eq!(
            memconductance(&lin, &coarse, &[0.5], opts).expect("ok"),
            memconductance(&lin, &coarse, &[0.5], Options::default()).expect("ok")
        );
    }

    #[test]
    fn exponential_integration_is_exact_for_piecewise_constant_voltage() {
        // v = 0.5 on [0, 1], −0.3 on [1, 2], sampled so every step sees a constant voltage
        // (a zero-length jump is not representable on nodes, so use exponential Euler, whose
        // coefficients come from the left node: exact for left-continuous steps).
        let grid = Grid::span(0.0, 2.0, 20).expect("valid");
        let v = Trajectory::from_fn(grid, |t| if t < 1.0 - 1e-12 { 0.5 } else { -0.3 })
            .expect("finite");
        let el = TestGate { general: false };
        let r = memconductance(
            &el,
            &v,
            &[0.2],
            Options::with_linear(LinearStep::ExponentialEuler),
        )
        .expect("ok");
        let relax = |x0: f64, v: f64, t: f64| {
            let (a, b) = (1.0 + v * v, 2.0 + v);
            a / b + (x0 - a / b) * (-b * t).exp()
        };
        let x1 = relax(0.2, 0.5, 1.0);
        assert!((r.x.at(10)[0] - x1).abs() < 1e-14);
        assert!((r.x.at(20)[0] - relax(x1, -0.3, 1.0)).abs() < 1e-14);
        // Current is g·v node by node.
        for k in 0..=20 {
            assert_eq!(r.i.at(k)[0], r.g.at(k)[0] * v.at(k)[0]);
        }
    }

    #[test]
    fn causality_future_voltage_does_not_change_the_past() {
        let el = TestGate { general: true };
        let v1 = drive(200);
        let mut v2 = v1.clone();
        for k in 120..=200 {
            v2.at_mut(k)[0] += 1.0;
        }
        let r1 = memconductance(&el, &v1, &[0.5], Options::default()).expect("ok");
        let r2 = memconductance(&el, &v2, &[0.5], Options::default()).expect("ok");
        assert_eq!(&r1.g.data()[..120], &r2.g.data()[..120]);
        assert_ne!(r1.g.at(150), r2.g.at(150));
    }

    #[test]
    fn wrong_sizes_are_errors() {
        let el = TestGate { general: false };
        let v = drive(10);
        assert!(matches!(
            memconductance(&el, &v, &[0.1, 0.2], Options::default()),
            Err(Error::Model(ModelError::WrongLength { .. }))
        ));
        let v2 = Trajectory::zeros(*v.grid(), 2);
        assert!(memconductance(&el, &v2, &[0.1], Options::default()).is_err());
    }
}
