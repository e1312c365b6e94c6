//! The discrete memRC equations on a uniform grid, shared by the trajectory-space iteration
//! (Compute(g) / Compute(v) of Example 4), its Newton stage and time stepping.
//!
//! Unknowns at node `t_k` of the grid: node voltages `v(k) ∈ ℝⁿ` and branch states `x(k)`.
//! With `h` the step and `I_k` the exact average of the sources over step `k`, the discrete
//! equations of step `k → k+1` are
//!
//! ```text
//!   x_b(k+1) = Step_b(x_b(k); w_b(k), w_b(k+1))                               (states, eq. 7)
//!   v_j(k+1) = E_j v_j(k) + c_L,j a_j(k) + c_R,j a_j(k+1)                      (voltages, eq. 59)
//!   a_j(t)   = (J_j(t) − Σ_{i≠j} A_ji(t) v_i(t) + I_{k,j}) / C_j,  b_j(t) = A_jj(t) / C_j
//! ```
//!
//! where `Step_b` is [`crate::memconductance::step_state`] and `(E, c_L, c_R)` come from
//! [`LinearStep::split`] applied to `b_j` at both ends of the step; `A = Σ Pᵀ G P` and
//! `J = Σ Pᵀ G E` are assembled from the branch conductances `G_b(x_b, w_b)` at each node.
//! For one node this is the scheme of `../reference/hh_pulse.json` ("aL = (J_k + I_k)/C,
//! aR = (J_{k+1} + I_k)/C, bL = G_k/C, bR = G_{k+1}/C"). For several nodes the off-diagonal
//! coupling enters the forcing `a`, so the per-step voltage update is one linear system in
//! `v(k+1)` (exact trapezoid or implicit Euler for those schemes; a diagonally split exponential
//! scheme for the exponential ones).
//!
//! Every solver in [`super::relaxation`] and [`super::relaxation::solve_stepping`] solves exactly these equations,
//! so their solutions agree to the solvers' tolerances.
//!
//! **Voltage sources.** A node driven by an ideal source is not an unknown: its voltage is
//! `V(t_k)` at every grid node (set at construction and kept by every solver), its equation is
//! replaced by that prescription, and its neighbours see it through the off-diagonal coupling.
//! A source behind a resistance `R` adds `1/R` to the diagonal of `A` and its Norton current
//! `V(t)/R` to the forcing at each grid node, sampled there like the branch terms `J(t)` (the
//! exact step average used for current sources would lag a stiff node by half a step, an
//! `O(h)` error).

use super::{Assembly, Circuit};
use crate::discretisation::LinearStep;
use crate::error::{Error, SolverError, TrajectoryError};
use crate::math::DenseLu;
use crate::memconductance::{Options, Workspace, memconductance_into, step_state};
use crate::trajectory::{Grid, Trajectory};

/// Time stepping uses Newton's method per step up to this many unknowns per time node, and
/// fixed-point iteration above it.
const PICARD_ABOVE: usize = 64;
/// Iteration limit of the fixed-point time step.
const PICARD_MAX: usize = 200;

/// How Compute(v) treats the coupling between nodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Coupling {
    /// One linear solve per step for all node voltages (exact Compute(v)).
    #[default]
    Direct,
    /// Waveform-relaxation Jacobi sweep: each node integrates its own equation over the whole
    /// window with its neighbours' voltages from the previous iterate; nodes run in parallel
    /// (rayon), results independent of the thread count.
    Jacobi,
    /// Waveform-relaxation Gauss–Seidel sweep: nodes in index order, each using the voltages
    /// of the nodes before it from the current sweep.
    GaussSeidel,
}

/// The circuit discretised on a grid, with the current iterate of every trajectory.
#[derive(Debug)]
pub struct Engine<'c> {
    pub(crate) c: &'c Circuit,
    pub(crate) grid: Grid,
    pub(crate) scheme: LinearStep,
    pub(crate) n: usize,
    /// Node voltages, `(N+1) × n` row-major.
    pub(crate) v: Vec<f64>,
    /// Per branch: port voltages `(N+1) × p`, states `(N+1) × ns_b`, conductances `(N+1) × p²`.
    pub(crate) w: Vec<Vec<f64>>,
    pub(crate) xb: Vec<Vec<f64>>,
    pub(crate) g: Vec<Vec<f64>>,
    ws: Vec<Workspace>,
    /// Per-step current-source averages, `N × n`.
    src: Vec<f64>,
    /// Norton currents `V(t_k)/R` of the voltage sources behind a resistance at every grid
    /// node, `(N+1) × n` (empty when there are none).
    nsrc: Vec<f64>,
    /// Nodes driven by an ideal voltage source, and their voltages `V(t_k)`, `(N+1) × driven`.
    driven: Vec<usize>,
    drive_v: Vec<f64>,
    /// Sparsity pattern and scatter indices of `A`, `J`.
    asm: Assembly,
    /// Assembled `A(t_k)` (`nnz` values) and `J(t_k)` (`n`) at every node.
    a_all: Vec<f64>,
    j_all: Vec<f64>,
    step: StepWork,
}

/// Buffers of one step's residual and Jacobian (sizes fixed at construction).
#[derive(Debug, Clone)]
struct StepWork {
    m: usize,
    a_l: Vec<f64>,
    a_r: Vec<f64>,
    j_l: Vec<f64>,
    j_r: Vec<f64>,
    wl: Vec<f64>,
    wr: Vec<f64>,
    gb: Vec<f64>,
    xs: Vec<f64>,
    r: Vec<f64>,
    rp: Vec<f64>,
    rm: Vec<f64>,
    jl: Vec<f64>,
    jr: Vec<f64>,
    ul: Vec<f64>,
    ur: Vec<f64>,
    rhs: Vec<f64>,
    mat: Vec<f64>,
    lu_m: DenseLu,
    lu_n: DenseLu,
    /// Left forcing `C_j a_j(t_k)` of the time step (with the step's source average) \[A\].
    fl: Vec<f64>,
    /// Voltage residual of the time step at the trial right node \[V\].
    fr: Vec<f64>,
    /// Newton base point, its residual and update (`n` each), and the `n × n` Jacobian.
    vbase: Vec<f64>,
    fbase: Vec<f64>,
    dv: Vec<f64>,
    jn: Vec<f64>,
    /// The last secant slope of the one-node residual (the first slope of the next step).
    slope: f64,
    /// The error of the exponential-Euler prediction of the last one-node step, and the node
    /// it was made for: added to the next prediction (the error varies smoothly, so this makes
    /// the predictor one order higher).
    pred_err: f64,
    pred_at: Option<usize>,
    /// The node whose left-node data (`a_l`, `j_l`, the branches' left coefficients) is
    /// current, if any.
    left_at: Option<usize>,
}

impl StepWork {
    /// Solves `J_R δu = rhs` in place in `rhs[..m]` (the Newton update of the right node); a
    /// singular `J_R` is [`SolverError::Singular`] for `what` at time `t` \[s\].
    fn solve_jr(&mut self, what: &str, t: f64) -> Result<(), Error> {
        let ok = self.lu_m.factor(&self.jr).is_ok();
        self.lu_m.solve(&mut self.rhs[..self.m]);
        if ok {
            Ok(())
        } else {
            Err(SolverError::Singular {
                what: what.into(),
                t,
            }
            .into())
        }
    }
}

impl<'c> Engine<'c> {
    /// Sets up the discrete equations of `circuit` on `grid` with `scheme`, starting from node
    /// voltages `v0` and states `x0` (concatenated over branches), all trajectories held
    /// constant at the initial values.
    pub fn new(
        circuit: &'c Circuit,
        grid: Grid,
        scheme: LinearStep,
        v0: &[f64],
        x0: &[f64],
    ) -> Result<Self, Error> {
        let n = circuit.n_nodes();
        let ns = circuit.n_states();
        for (what, got, expected) in [
            ("initial node voltages", v0.len(), n),
            ("initial states", x0.len(), ns),
        ] {
            if got != expected {
                return Err(TrajectoryError::Mismatch {
                    what: what.into(),
                    expected,
                    got,
                }
                .into());
            }
        }
        if grid.len() < 2 {
            return Err(TrajectoryError::TooFewNodes {
                got: grid.len(),
                min: 2,
            }
            .into());
        }
        let nodes = grid.len();
        let steps = grid.steps();
        let mut v = Vec::with_capacity(nodes * n);
        for _ in 0..nodes {
            v.extend_from_slice(v0);
        }
        let mut w = Vec::new();
        let mut xb = Vec::new();
        let mut g = Vec::new();
        let mut ws = Vec::new();
        let mut maxp = 1;
        for (b, br) in circuit.branches().iter().enumerate() {
            let p = br.ports.len();
            maxp = maxp.max(p);
            let nsb = br.element.n_states();
            let off = circuit.state_offset(b);
            w.push(vec![0.0; nodes * p]);
            let mut xs = Vec::with_capacity(nodes * nsb);
            for _ in 0..nodes {
                xs.extend_from_slice(&x0[off..off + nsb]);
            }
            xb.push(xs);
            g.push(vec![0.0; nodes * p * p]);
            ws.push(Workspace::new(br.element.as_ref()));
        }
        let mut src = vec![0.0; steps * n];
        for k in 0..steps {
            circuit.source_average(grid.time(k), grid.time(k + 1), &mut src[k * n..(k + 1) * n]);
        }
        let mut nsrc = Vec::new();
        if circuit.voltage_sources().iter().any(|s| !s.is_ideal()) {
            nsrc = vec![0.0; nodes * n];
            for k in 0..nodes {
                circuit.norton_current(grid.time(k), &mut nsrc[k * n..(k + 1) * n]);
            }
        }
        let driven: Vec<usize> = (0..n).filter(|&j| circuit.is_driven(j)).collect();
        let mut drive_v = Vec::with_capacity(nodes * driven.len());
        let mut vk = vec![0.0; n];
        for k in 0..nodes {
            circuit.prescribe(grid.time(k), &mut vk);
            drive_v.extend(driven.iter().map(|&j| vk[j]));
        }
        let m = n + ns;
        let asm = Assembly::new(circuit);
        let nnz = asm.nnz();
        let step = StepWork {
            m,
            a_l: vec![0.0; nnz],
            a_r: vec![0.0; nnz],
            j_l: vec![0.0; n],
            j_r: vec![0.0; n],
            wl: vec![0.0; maxp],
            wr: vec![0.0; maxp],
            gb: vec![0.0; maxp * maxp],
            xs: vec![0.0; ns.max(1)],
            r: vec![0.0; m],
            rp: vec![0.0; m],
            rm: vec![0.0; m],
            jl: vec![0.0; m * m],
            jr: vec![0.0; m * m],
            ul: vec![0.0; m],
            ur: vec![0.0; m],
            rhs: vec![0.0; n.max(m)],
            mat: vec![0.0; n * n],
            lu_m: DenseLu::new(m),
            lu_n: DenseLu::new(n),
            fl: vec![0.0; n],
            fr: vec![0.0; n],
            vbase: vec![0.0; n],
            fbase: vec![0.0; n],
            dv: vec![0.0; n],
            jn: vec![0.0; n * n],
            slope: 1.0,
            pred_err: 0.0,
            pred_at: None,
            left_at: None,
        };
        let mut eng = Self {
            c: circuit,
            grid,
            scheme,
            n,
            v,
            w,
            xb,
            g,
            ws,
            src,
            nsrc,
            driven,
            drive_v,
            a_all: vec![0.0; nodes * nnz],
            j_all: vec![0.0; nodes * n],
            asm,
            step,
        };
        for k in 0..nodes {
            eng.pin(k);
        }
        Ok(eng)
    }

    /// The source current into node `j` in the equations of step `step` at its grid node `k`
    /// (`step` or `step + 1`): the current sources' step average plus the Norton currents at
    /// `t_k` \[A\].
    #[inline]
    fn source(&self, j: usize, step: usize, k: usize) -> f64 {
        source_current(&self.src, &self.nsrc, self.n, j, step, k)
    }

    /// Sets the driven nodes' voltages at grid node `k` to their sources' `V(t_k)`.
    #[inline]
    fn pin(&mut self, k: usize) {
        let (n, d) = (self.n, self.driven.len());
        for (i, &j) in self.driven.iter().enumerate() {
            self.v[k * n + j] = self.drive_v[k * d + i];
        }
    }

    /// The prescribed voltage of node `j` at grid node `k`, if an ideal source drives it.
    #[inline]
    fn driven_value(&self, j: usize, k: usize) -> Option<f64> {
        let d = self.driven.len();
        self.driven
            .iter()
            .position(|&i| i == j)
            .map(|i| self.drive_v[k * d + i])
    }

    /// Number of unknowns per time node (`n` voltages + all states).
    pub fn unknowns(&self) -> usize {
        self.step.m
    }

    /// Node voltages, `(N+1) × n`.
    pub fn voltages(&self) -> &[f64] {
        &self.v
    }

    /// Compute(g) on nodes `k0..=k1`: branch states from `x(k0)` and conductances, given the
    /// current node voltages; then `A(t_k)`, `J(t_k)`.
    pub fn compute_g(&mut self, k0: usize, k1: usize) -> Result<(), Error> {
        let n = self.n;
        let sub = Grid::new(self.grid.time(k0), self.grid.dt(), k1 - k0 + 1)?;
        let opts = Options::with_linear(self.scheme);
        for (b, br) in self.c.branches().iter().enumerate() {
            let p = br.ports.len();
            let nsb = br.element.n_states();
            for k in k0..=k1 {
                let (vk, wk) = (
                    &self.v[k * n..(k + 1) * n],
                    &mut self.w[b][k * p..(k + 1) * p],
                );
                self.c.port_voltages(b, vk, wk);
            }
            let x0: Vec<f64> = self.xb[b][k0 * nsb..(k0 + 1) * nsb].to_vec();
            memconductance_into(
                br.element.as_ref(),
                &sub,
                &self.w[b][k0 * p..(k1 + 1) * p],
                &x0,
                opts,
                &mut self.ws[b],
                &mut self.xb[b][k0 * nsb..(k1 + 1) * nsb],
                &mut self.g[b][k0 * p * p..(k1 + 1) * p * p],
            )?;
        }
        let nnz = self.asm.nnz();
        for k in k0..=k1 {
            let (a, j) = (
                &mut self.a_all[k * nnz..(k + 1) * nnz],
                &mut self.j_all[k * n..(k + 1) * n],
            );
            a.fill(0.0);
            j.fill(0.0);
            for (b, br) in self.c.branches().iter().enumerate() {
                let p = br.ports.len();
                self.asm
                    .stamp(self.c, b, &self.g[b][k * p * p..(k + 1) * p * p], a, j);
            }
            self.asm.stamp_series(self.c, a);
        }
        Ok(())
    }

    /// Diagonal split coefficients `(E, c_L, c_R)` of node `j` on step `k`.
    #[inline]
    fn node_split(&self, j: usize, k: usize) -> (f64, f64, f64) {
        let nnz = self.asm.nnz();
        let d = self.asm.diag[j];
        let cj = self.c.nodes()[j].capacitance;
        let bl = self.a_all[k * nnz + d] / cj;
        let br = self.a_all[(k + 1) * nnz + d] / cj;
        self.scheme.split(bl, br, self.grid.dt())
    }

    /// Forcing `a_j(t_k) · C_j` with neighbours' voltages from `vn` and source average of step
    /// `step`.
    #[inline]
    fn forcing(&self, j: usize, k: usize, step: usize, vn: &[f64]) -> f64 {
        let (n, nnz) = (self.n, self.asm.nnz());
        let a = &self.a_all[k * nnz..(k + 1) * nnz];
        self.j_all[k * n + j] + self.source(j, step, k)
            - self.asm.offdiag_dot(a, j, &vn[k * n..(k + 1) * n])
    }

    /// Compute(v) on nodes `k0..=k1` (`v(k0)` fixed) with the conductances of the last
    /// [`Engine::compute_g`]. Returns `‖v_new − v_old‖∞` over the window \[V\].
    pub fn compute_v(&mut self, k0: usize, k1: usize, coupling: Coupling) -> Result<f64, Error> {
        let n = self.n;
        let old: Vec<f64> = self.v[k0 * n..(k1 + 1) * n].to_vec();
        if n == 1 || coupling == Coupling::Direct {
            self.compute_v_direct(k0, k1)?;
        } else {
            let prev = self.v.clone();
            match coupling {
                Coupling::Jacobi => {
                    use rayon::prelude::*;
                    let cols: Vec<Vec<f64>> = (0..n)
                        .into_par_iter()
                        .map(|j| self.node_trajectory(j, k0, k1, &prev))
                        .collect();
                    for (j, col) in cols.iter().enumerate() {
                        for (k, val) in (k0..=k1).zip(col) {
                            self.v[k * n + j] = *val;
                        }
                    }
                }
                Coupling::GaussSeidel | Coupling::Direct => {
                    for j in 0..n {
                        let snapshot = self.v.clone();
                        let col = self.node_trajectory(j, k0, k1, &snapshot);
                        for (k, val) in (k0..=k1).zip(&col) {
                            self.v[k * n + j] = *val;
                        }
                    }
                }
            }
        }
        let mut change: f64 = 0.0;
        for (a, b) in old.iter().zip(&self.v[k0 * n..(k1 + 1) * n]) {
            change = change.max((a - b).abs());
        }
        if !change.is_finite() {
            return Err(self.non_finite_voltage(k0, k1));
        }
        Ok(change)
    }

    fn non_finite_voltage(&self, k0: usize, k1: usize) -> Error {
        let n = self.n;
        let k = (k0..=k1)
            .find(|k| self.v[k * n..(k + 1) * n].iter().any(|x| !x.is_finite()))
            .unwrap_or(k1);
        let j = self.v[k * n..(k + 1) * n]
            .iter()
            .position(|x| !x.is_finite())
            .unwrap_or(0);
        SolverError::NonFinite {
            variable: format!("voltage of node '{}'", self.c.nodes()[j].name),
            t: self.grid.time(k),
        }
        .into()
    }

    /// One node's voltage over the window with its neighbours from `vn` (relaxation sweeps).
    fn node_trajectory(&self, j: usize, k0: usize, k1: usize, vn: &[f64]) -> Vec<f64> {
        let n = self.n;
        if self.c.is_driven(j) {
            return (k0..=k1).map(|k| self.v[k * n + j]).collect();
        }
        let cj = self.c.nodes()[j].capacitance;
        let mut out = Vec::with_capacity(k1 - k0 + 1);
        let mut vj = vn[k0 * n + j];
        out.push(vj);
        for k in k0..k1 {
            let (e, cl, cr) = self.node_split(j, k);
            let al = self.forcing(j, k, k, vn) / cj;
            let ar = self.forcing(j, k + 1, k, vn) / cj;
            vj = e * vj + cl * al + cr * ar;
            out.push(vj);
        }
        out
    }

    fn compute_v_direct(&mut self, k0: usize, k1: usize) -> Result<(), Error> {
        let n = self.n;
        for k in k0..k1 {
            if n == 1 {
                if !self.driven.is_empty() {
                    continue;
                }
                let c = self.c.nodes()[0].capacitance;
                let (e, cl, cr) = self.node_split(0, k);
                let al = (self.j_all[k] + self.source(0, k, k)) / c;
                let ar = (self.j_all[k + 1] + self.source(0, k, k + 1)) / c;
                self.v[k + 1] = e * self.v[k] + cl * al + cr * ar;
                continue;
            }
            let mut mat = std::mem::take(&mut self.step.mat);
            let mut rhs = std::mem::take(&mut self.step.rhs);
            for j in 0..n {
                mat[j * n..(j + 1) * n].fill(0.0);
                mat[j * n + j] = 1.0;
                if let Some(vd) = self.driven_value(j, k + 1) {
                    // A driven node's row is its prescription.
                    rhs[j] = vd;
                    continue;
                }
                let cj = self.c.nodes()[j].capacitance;
                let (e, cl, cr) = self.node_split(j, k);
                let al = self.forcing(j, k, k, &self.v) / cj;
                rhs[j] = e * self.v[k * n + j]
                    + cl * al
                    + cr * (self.j_all[(k + 1) * n + j] + self.source(j, k, k + 1)) / cj;
                let nnz = self.asm.nnz();
                let arow = &self.a_all[(k + 1) * nnz..(k + 2) * nnz];
                let (lo, hi) = (self.asm.rowptr[j], self.asm.rowptr[j + 1]);
                let entries = self.asm.cols[lo..hi].iter().zip(&arow[lo..hi]);
                for (idx, (&col, &a)) in (lo..hi).zip(entries) {
                    if idx == self.asm.diag[j] {
                        continue;
                    }
                    let coef = cr * a / cj;
                    // A driven neighbour is known: its term moves to the right-hand side.
                    match self.driven_value(col, k + 1) {
                        Some(vd) => rhs[j] -= coef * vd,
                        None => mat[j * n + col] = coef,
                    }
                }
            }
            let ok = self.step.lu_n.factor(&mat).is_ok();
            self.step.lu_n.solve(&mut rhs[..n]);
            self.v[(k + 1) * n..(k + 2) * n].copy_from_slice(&rhs[..n]);
            self.pin(k + 1);
            self.step.mat = mat;
            self.step.rhs = rhs;
            if !ok {
                return Err(SolverError::Singular {
                    what: "per-step voltage system".into(),
                    t: self.grid.time(k + 1),
                }
                .into());
            }
        }
        Ok(())
    }

    /// Residual of the discrete voltage equations at the current iterate, with the
    /// conductances of the last [`Engine::compute_g`] (so states are consistent with `v`):
    /// `max_{k,j} |v_j(k+1) − E v_j(k) − c_L a_j(k) − c_R a_j(k+1)|` over the window \[V\].
    pub fn voltage_residual(&self, k0: usize, k1: usize) -> f64 {
        let n = self.n;
        let mut res: f64 = 0.0;
        for k in k0..k1 {
            for j in (0..n).filter(|&j| !self.c.is_driven(j)) {
                let cj = self.c.nodes()[j].capacitance;
                let (e, cl, cr) = self.node_split(j, k);
                let pred = e * self.v[k * n + j]
                    + cl * self.forcing(j, k, k, &self.v) / cj
                    + cr * self.forcing(j, k + 1, k, &self.v) / cj;
                res = res.max((self.v[(k + 1) * n + j] - pred).abs());
            }
        }
        res
    }

    /// Gathers the unknowns at node `k` into `u` (voltages then states).
    fn gather(&self, k: usize, u: &mut [f64]) {
        let n = self.n;
        u[..n].copy_from_slice(&self.v[k * n..(k + 1) * n]);
        let mut o = n;
        for (b, br) in self.c.branches().iter().enumerate() {
            let nsb = br.element.n_states();
            u[o..o + nsb].copy_from_slice(&self.xb[b][k * nsb..(k + 1) * nsb]);
            o += nsb;
        }
    }

    /// Scatters `u` into node `k`.
    fn scatter(&mut self, k: usize, u: &[f64]) {
        let n = self.n;
        self.v[k * n..(k + 1) * n].copy_from_slice(&u[..n]);
        let mut o = n;
        for (b, br) in self.c.branches().iter().enumerate() {
            let nsb = br.element.n_states();
            self.xb[b][k * nsb..(k + 1) * nsb].copy_from_slice(&u[o..o + nsb]);
            o += nsb;
        }
    }

    /// Residual `R_k(u_l, u_r)` of step `k` into `r` (states and voltages).
    fn step_residual(&mut self, k: usize, ul: &[f64], ur: &[f64], r: &mut [f64]) {
        let n = self.n;
        let h = self.grid.dt();
        let sw = &mut self.step;
        sw.a_l.fill(0.0);
        sw.a_r.fill(0.0);
        sw.j_l.fill(0.0);
        sw.j_r.fill(0.0);
        let mut o = n;
        for (b, br) in self.c.branches().iter().enumerate() {
            let el = br.element.as_ref();
            let p = br.ports.len();
            let nsb = el.n_states();
            let (wl, wr) = (&mut sw.wl[..p], &mut sw.wr[..p]);
            self.c.port_voltages(b, &ul[..n], wl);
            self.c.port_voltages(b, &ur[..n], wr);
            let (xl, xr) = (&ul[o..o + nsb], &ur[o..o + nsb]);
            let xs = &mut sw.xs[..nsb];
            step_state(el, self.scheme, xl, wl, wr, h, &mut self.ws[b], xs);
            for q in 0..nsb {
                r[o + q] = xr[q] - xs[q];
            }
            let gb = &mut sw.gb[..p * p];
            el.conductance(xl, wl, gb);
            self.asm.stamp(self.c, b, gb, &mut sw.a_l, &mut sw.j_l);
            el.conductance(xr, wr, gb);
            self.asm.stamp(self.c, b, gb, &mut sw.a_r, &mut sw.j_r);
            o += nsb;
        }
        self.asm.stamp_series(self.c, &mut sw.a_l);
        self.asm.stamp_series(self.c, &mut sw.a_r);
        let d_count = self.driven.len();
        for j in 0..n {
            if let Some(i) = self.driven.iter().position(|&i| i == j) {
                r[j] = ur[j] - self.drive_v[(k + 1) * d_count + i];
                continue;
            }
            let cj = self.c.nodes()[j].capacitance;
            let d = self.asm.diag[j];
            let (e, cl, cr) = self.scheme.split(sw.a_l[d] / cj, sw.a_r[d] / cj, h);
            let sl = source_current(&self.src, &self.nsrc, n, j, k, k);
            let sr = source_current(&self.src, &self.nsrc, n, j, k, k + 1);
            let al = sw.j_l[j] + sl - self.asm.offdiag_dot(&sw.a_l, j, &ul[..n]);
            let ar = sw.j_r[j] + sr - self.asm.offdiag_dot(&sw.a_r, j, &ur[..n]);
            r[j] = ur[j] - (e * ul[j] + cl * al / cj + cr * ar / cj);
        }
    }

    /// Central finite-difference Jacobians of `R_k` with respect to `u_l` and `u_r` into
    /// `self.step.jl`, `self.step.jr`; `self.step.r` receives `R_k` itself.
    fn step_jacobians(&mut self, k: usize, with_left: bool) {
        let m = self.step.m;
        let mut ul = std::mem::take(&mut self.step.ul);
        let mut ur = std::mem::take(&mut self.step.ur);
        let mut r = std::mem::take(&mut self.step.r);
        let mut rp = std::mem::take(&mut self.step.rp);
        let mut rm = std::mem::take(&mut self.step.rm);
        let mut jl = std::mem::take(&mut self.step.jl);
        let mut jr = std::mem::take(&mut self.step.jr);
        self.step_residual(k, &ul, &ur, &mut r);
        for (which, jac) in [(false, &mut jr), (true, &mut jl)] {
            if which && !with_left {
                continue;
            }
            for c in 0..m {
                let u = if which { &mut ul } else { &mut ur };
                let u0 = u[c];
                let hstep = 1e-6 * u0.abs().max(1e-3);
                u[c] = u0 + hstep;
                self.step_residual(k, &ul, &ur, &mut rp);
                let u = if which { &mut ul } else { &mut ur };
                u[c] = u0 - hstep;
                self.step_residual(k, &ul, &ur, &mut rm);
                let u = if which { &mut ul } else { &mut ur };
                u[c] = u0;
                for row in 0..m {
                    jac[row * m + c] = (rp[row] - rm[row]) / (2.0 * hstep);
                }
            }
        }
        self.step.ul = ul;
        self.step.ur = ur;
        self.step.r = r;
        self.step.rp = rp;
        self.step.rm = rm;
        self.step.jl = jl;
        self.step.jr = jr;
    }

    /// One Newton (waveform-relaxation) iteration on nodes `k0..=k1` for all unknowns: the
    /// linearised discrete equations are block lower-bidiagonal
    /// (`J_L,k δu_k + J_R,k δu_{k+1} = −R_k`, `δu_{k0} = 0`) and are solved by forward
    /// substitution, O(N). Returns `(max |δv|, max |R| before the update)`.
    pub fn newton_step(&mut self, k0: usize, k1: usize) -> Result<(f64, f64), Error> {
        let m = self.step.m;
        let n = self.n;
        let mut du_prev = vec![0.0; m];
        let mut change: f64 = 0.0;
        let mut res: f64 = 0.0;
        let mut next_left = vec![0.0; m];
        self.gather(k0, &mut next_left);
        for k in k0..k1 {
            // u_l is the already-updated left node; R and J are evaluated at the old iterate,
            // so keep the old left values for the linearisation.
            let mut ul = std::mem::take(&mut self.step.ul);
            let mut ur = std::mem::take(&mut self.step.ur);
            ul.copy_from_slice(&next_left);
            self.gather(k + 1, &mut ur);
            next_left.copy_from_slice(&ur);
            self.step.ul = ul;
            self.step.ur = ur;
            self.step_jacobians(k, true);
            let sw = &mut self.step;
            res = res.max(sw.r.iter().fold(0.0_f64, |a, x| a.max(x.abs())));
            // rhs = −(R + J_L δu_prev)
            for row in 0..m {
                let jl_row = &sw.jl[row * m..(row + 1) * m];
                let s: f64 =
                    sw.r[row] + jl_row.iter().zip(&du_prev).map(|(a, b)| a * b).sum::<f64>();
                sw.rhs[row] = -s;
            }
            sw.solve_jr("Newton step Jacobian", self.grid.time(k + 1))?;
            du_prev.copy_from_slice(&self.step.rhs[..m]);
            change = du_prev[..n].iter().fold(change, |a, d| a.max(d.abs()));
            let mut u = self.step.ur.clone();
            for (a, d) in u.iter_mut().zip(&du_prev) {
                *a += d;
            }
            if u.iter().any(|x| !x.is_finite()) {
                return Err(self.non_finite_voltage(k + 1, k + 1));
            }
            self.scatter(k + 1, &u);
            self.pin(k + 1);
        }
        Ok((change, res))
    }

    /// Time stepping of the same discrete equations on nodes `k0..=k1`. The states of step
    /// `k → k+1` are an explicit function of the node voltages at both ends
    /// (`x(k+1) = Step(x(k); w(k), w(k+1))`), so they are eliminated and each step solves the
    /// `n` voltage equations alone for `v(k+1)`: a bracketed secant iteration for one node
    /// ([`crate::math::root_1d`]), damped Newton for up to 64 nodes, fixed-point iteration
    /// above. Every step starts from the exponential-Euler prediction and stops when the update
    /// is below `1e-13 · max(|v|, 1e-3 V)` per node. Returns the number of residual
    /// evaluations.
    pub fn time_step(&mut self, k0: usize, k1: usize) -> Result<usize, Error> {
        self.time_step_observed(k0, k1, &mut |_| true)
    }

    /// [`Engine::time_step`] calling `observer(fraction done)` about every 1 % of the steps; the
    /// observer returns `false` to cancel ([`SolverError::Cancelled`]).
    pub fn time_step_observed(
        &mut self,
        k0: usize,
        k1: usize,
        observer: &mut dyn FnMut(f64) -> bool,
    ) -> Result<usize, Error> {
        let mut total = 0;
        let every = ((k1 - k0) / 100).max(1);
        self.step.left_at = None;
        for k in k0..k1 {
            if (k - k0) % every == 0 && !observer((k - k0) as f64 / (k1 - k0) as f64) {
                return Err(SolverError::Cancelled {
                    at: format!("t = {}", crate::error::time_text(self.grid.time(k))),
                }
                .into());
            }
            if self.n > PICARD_ABOVE {
                self.step.left_at = None;
                total += self.picard_step(k)?;
                continue;
            }
            self.prepare_left(k);
            total += if self.n == 1 {
                self.step_one_node(k)?
            } else {
                self.step_newton(k)?
            };
            // The last evaluation was at the accepted v(k+1): its right node is the next left.
            let sw = &mut self.step;
            std::mem::swap(&mut sw.a_l, &mut sw.a_r);
            std::mem::swap(&mut sw.j_l, &mut sw.j_r);
            for ws in &mut self.ws {
                ws.right_to_left();
            }
            sw.left_at = Some(k + 1);
        }
        Ok(total)
    }

    /// The left node of step `k`: port voltages, conductances and their stamps `A(t_k)`,
    /// `J(t_k)` into `step.a_l`, `step.j_l`, the branches' left state coefficients, and the
    /// left forcing `C_j a_j(t_k)` with the step's source average into `step.fl`.
    fn prepare_left(&mut self, k: usize) {
        let n = self.n;
        let sw = &mut self.step;
        let vl = &self.v[k * n..(k + 1) * n];
        if sw.left_at != Some(k) {
            sw.a_l.fill(0.0);
            sw.j_l.fill(0.0);
            for (b, br) in self.c.branches().iter().enumerate() {
                let el = br.element.as_ref();
                let p = br.ports.len();
                let nsb = el.n_states();
                let wl = &mut self.w[b][k * p..(k + 1) * p];
                self.c.port_voltages(b, vl, wl);
                let gl = &mut self.g[b][k * p * p..(k + 1) * p * p];
                el.conductance(&self.xb[b][k * nsb..(k + 1) * nsb], wl, gl);
                self.asm.stamp(self.c, b, gl, &mut sw.a_l, &mut sw.j_l);
                self.ws[b].set_left(el, wl);
            }
            self.asm.stamp_series(self.c, &mut sw.a_l);
        }
        for j in 0..n {
            sw.fl[j] = sw.j_l[j] + source_current(&self.src, &self.nsrc, n, j, k, k)
                - self.asm.offdiag_dot(&sw.a_l, j, vl);
        }
    }

    /// The right node of step `k` at the trial voltages in `v(k+1)`: every branch's states
    /// `x(k+1) = Step_b(x(k); w(k), w(k+1))`, port voltages and conductances (stored at node
    /// `k+1`), `A(t_{k+1})`, `J(t_{k+1})` into `step.a_r`, `step.j_r`, and the voltage residual
    /// `v_j(k+1) − E v_j(k) − c_L a_j(k) − c_R a_j(k+1)` into `step.fr` \[V\]. Needs
    /// [`Engine::prepare_left`] for `k`.
    fn eval_right(&mut self, k: usize) {
        let n = self.n;
        let h = self.grid.dt();
        let sw = &mut self.step;
        sw.a_r.fill(0.0);
        sw.j_r.fill(0.0);
        let vr = &self.v[(k + 1) * n..(k + 2) * n];
        for (b, br) in self.c.branches().iter().enumerate() {
            let el = br.element.as_ref();
            let p = br.ports.len();
            let nsb = el.n_states();
            let (w_done, w_next) = self.w[b].split_at_mut((k + 1) * p);
            let (wl, wr) = (&w_done[k * p..], &mut w_next[..p]);
            self.c.port_voltages(b, vr, wr);
            let (x_done, x_next) = self.xb[b].split_at_mut((k + 1) * nsb);
            let (xl, xr) = (&x_done[k * nsb..], &mut x_next[..nsb]);
            self.ws[b].step_from_left(el, self.scheme, xl, wl, wr, h, xr);
            let gr = &mut self.g[b][(k + 1) * p * p..(k + 2) * p * p];
            el.conductance(xr, wr, gr);
            self.asm.stamp(self.c, b, gr, &mut sw.a_r, &mut sw.j_r);
        }
        self.asm.stamp_series(self.c, &mut sw.a_r);
        let d_count = self.driven.len();
        for j in 0..n {
            if let Some(i) = self.driven.iter().position(|&i| i == j) {
                sw.fr[j] = vr[j] - self.drive_v[(k + 1) * d_count + i];
                continue;
            }
            let cj = self.c.nodes()[j].capacitance;
            let d = self.asm.diag[j];
            let (e, cl, cr) = self.scheme.split(sw.a_l[d] / cj, sw.a_r[d] / cj, h);
            let ar = sw.j_r[j] + source_current(&self.src, &self.nsrc, n, j, k, k + 1)
                - self.asm.offdiag_dot(&sw.a_r, j, vr);
            sw.fr[j] = vr[j] - (e * self.v[k * n + j] + cl * sw.fl[j] / cj + cr * ar / cj);
        }
    }

    /// The exponential-Euler prediction of `v(k+1)` from the left node of step `k` (a convex
    /// combination of `v(k)` and the left steady state), written into `v(k+1)`.
    fn predict(&mut self, k: usize) {
        let (n, h) = (self.n, self.grid.dt());
        for j in 0..n {
            let cj = self.c.nodes()[j].capacitance;
            let bl = self.step.a_l[self.asm.diag[j]] / cj;
            let (e, c, _) = LinearStep::ExponentialEuler.split(bl, bl, h);
            self.v[(k + 1) * n + j] = e * self.v[k * n + j] + c * self.step.fl[j] / cj;
        }
        self.pin(k + 1);
    }

    /// Residual of step `k` of a one-node circuit at `v(k+1) = x` \[V\].
    fn residual_one(&mut self, k: usize, x: f64) -> f64 {
        self.v[k + 1] = x;
        self.eval_right(k);
        self.step.fr[0]
    }

    /// One step of a one-node circuit: the root of the scalar voltage residual
    /// `F(x) = x − Φ(x)`, where `Φ(x)` is the scheme's update with the right-node
    /// conductances at `v(k+1) = x`, by [`crate::math::root_1d`] from the exponential-Euler
    /// prediction. `Φ` is bounded (for the exponential schemes and implicit Euler it is a convex
    /// combination of `v(k)` and steady states between the batteries plus source over
    /// conductance), so `F` changes sign and a root exists; the bracketed iteration cannot
    /// diverge or meet a singular Jacobian, and fails only if the residual is not finite.
    /// Returns the number of residual evaluations.
    fn step_one_node(&mut self, k: usize) -> Result<usize, Error> {
        if !self.driven.is_empty() {
            // The node's voltage is prescribed: only the states advance.
            self.pin(k + 1);
            self.eval_right(k);
            return Ok(1);
        }
        self.predict(k);
        let ee = self.v[k + 1];
        if self.step.pred_at == Some(k) {
            self.v[k + 1] += self.step.pred_err;
        }
        let x0 = self.v[k + 1];
        let slope0 = self.step.slope;
        let r = crate::math::root_1d(
            |x| self.residual_one(k, x),
            x0,
            slope0,
            |x| 1e-13 * x.abs().max(1e-3),
            200,
        );
        // F(x) = x − Φ(x) has slope 1 − Φ′, close to 1 at small steps: keep a plausible one.
        self.step.slope = if r.slope > 0.05 && r.slope < 20.0 {
            r.slope
        } else {
            1.0
        };
        if r.converged {
            self.step.pred_err = r.x - ee;
            self.step.pred_at = Some(k + 1);
            // v(k+1) and the states hold the last point evaluated, r.x.
            return Ok(r.evals);
        }
        if !r.f.is_finite() {
            return Err(self.non_finite_step(k));
        }
        Err(SolverError::NotConverged {
            method: format!(
                "time step at t = {}",
                crate::error::time_text(self.grid.time(k + 1))
            ),
            iterations: r.evals,
            last_change: (r.x - r.x_prev).abs(),
            last_residual: r.f.abs(),
        }
        .into())
    }

    /// One step of a circuit with `2..=64` nodes: Newton's method on the `n` voltage
    /// residuals (forward-difference Jacobian, dense LU) from the exponential-Euler
    /// prediction, with a backtracking line search on `max |F|` (Deuflhard, *Newton Methods
    /// for Nonlinear Problems*, §3). Returns the number of residual evaluations.
    fn step_newton(&mut self, k: usize) -> Result<usize, Error> {
        const MAX_ITERS: usize = 50;
        let n = self.n;
        let tol = |x: f64| 1e-13 * x.abs().max(1e-3);
        let inf_norm = |r: &[f64]| r.iter().fold(0.0_f64, |a, x| a.max(x.abs()));
        let (r0, r1) = ((k + 1) * n, (k + 2) * n);
        self.predict(k);
        self.eval_right(k);
        let mut evals = 1;
        let mut norm = inf_norm(&self.step.fr);
        if !norm.is_finite() {
            return Err(self.non_finite_step(k));
        }
        let mut last = f64::INFINITY;
        for _ in 0..MAX_ITERS {
            self.step.vbase.copy_from_slice(&self.v[r0..r1]);
            self.step.fbase.copy_from_slice(&self.step.fr);
            for c in 0..n {
                if self.c.is_driven(c) {
                    // Not an unknown: the identity row and column (its residual is zero).
                    let sw = &mut self.step;
                    for r in 0..n {
                        sw.jn[r * n + c] = f64::from(u8::from(r == c));
                    }
                    continue;
                }
                let x = self.step.vbase[c];
                let d = 1e-7 * x.abs().max(1e-3);
                self.v[r0 + c] = x + d;
                self.eval_right(k);
                evals += 1;
                self.v[r0 + c] = x;
                let sw = &mut self.step;
                for r in 0..n {
                    sw.jn[r * n + c] = (sw.fr[r] - sw.fbase[r]) / d;
                }
            }
            let sw = &mut self.step;
            let ok = sw.lu_n.factor(&sw.jn).is_ok();
            for (d, f) in sw.dv.iter_mut().zip(&sw.fbase) {
                *d = -f;
            }
            sw.lu_n.solve(&mut sw.dv);
            for &j in &self.driven {
                sw.dv[j] = 0.0;
            }
            if !ok || sw.dv.iter().any(|d| !d.is_finite()) {
                return Err(SolverError::Singular {
                    what: "time-step voltage Jacobian".into(),
                    t: self.grid.time(k + 1),
                }
                .into());
            }
            last = inf_norm(&sw.dv);
            if sw.dv.iter().zip(&sw.vbase).all(|(d, x)| d.abs() <= tol(*x)) {
                // Converged: re-evaluate at the base point so the stored states match it.
                self.eval_right(k);
                return Ok(evals + 1);
            }
            let mut lambda = 1.0;
            loop {
                for j in 0..n {
                    self.v[r0 + j] = self.step.vbase[j] + lambda * self.step.dv[j];
                }
                self.eval_right(k);
                evals += 1;
                let trial = inf_norm(&self.step.fr);
                if trial.is_finite() && (trial <= norm || lambda < 1e-3) {
                    norm = trial;
                    break;
                }
                if lambda < 1e-3 {
                    return Err(self.non_finite_step(k));
                }
                lambda *= 0.5;
            }
        }
        Err(SolverError::NotConverged {
            method: format!(
                "time step at t = {}",
                crate::error::time_text(self.grid.time(k + 1))
            ),
            iterations: MAX_ITERS,
            last_change: last,
            last_residual: norm,
        }
        .into())
    }

    /// A non-finite residual at step `k`, naming the voltages' step and the remedy.
    fn non_finite_step(&self, k: usize) -> Error {
        SolverError::NonFinite {
            variable: "the time-step voltage residual (an element's state or conductance overflowed; try a smaller dt)".into(),
            t: self.grid.time(k + 1),
        }
        .into()
    }

    /// One step of time stepping by fixed-point iteration of the step's own discrete equations
    /// (the alternating iteration restricted to `[t_k, t_{k+1}]`): states from the current
    /// right-node voltages, then the voltages from the states, until the voltage change is
    /// below `1e-13 · max(|v|, 1e-3 V)`. Used for circuits with many unknowns, where the dense
    /// Newton Jacobian would cost `O(m³)` per step; contraction is `O(h)`, so a handful of
    /// iterations suffice at the step sizes the schemes are accurate at.
    fn picard_step(&mut self, k: usize) -> Result<usize, Error> {
        self.hold(k, k + 1);
        let n = self.n;
        let mut last = f64::INFINITY;
        for it in 1..=PICARD_MAX {
            self.compute_g(k, k + 1)?;
            let change = self.compute_v(k, k + 1, Coupling::Direct)?;
            last = change;
            let scale = self.v[(k + 1) * n..(k + 2) * n]
                .iter()
                .fold(1e-3_f64, |a, v| a.max(v.abs()));
            if change <= 1e-13 * scale {
                self.compute_g(k, k + 1)?;
                return Ok(it);
            }
        }
        Err(SolverError::NotConverged {
            method: format!(
                "fixed-point time step at t = {}",
                crate::error::time_text(self.grid.time(k + 1))
            ),
            iterations: PICARD_MAX,
            last_change: last,
            last_residual: self.voltage_residual(k, k + 1),
        }
        .into())
    }

    /// Resets nodes `k0+1..=k1` to the values at `k0` (the rest-like initial guess of a window).
    pub fn hold(&mut self, k0: usize, k1: usize) {
        let n = self.n;
        for k in k0 + 1..=k1 {
            self.v.copy_within(k0 * n..(k0 + 1) * n, k * n);
            self.pin(k);
            for (b, br) in self.c.branches().iter().enumerate() {
                let nsb = br.element.n_states();
                self.xb[b].copy_within(k0 * nsb..(k0 + 1) * nsb, k * nsb);
            }
        }
    }

    /// The current iterate as a [`CircuitSolution`].
    pub fn solution(&self) -> Result<CircuitSolution, Error> {
        let ns = self.c.n_states();
        let nodes = self.grid.len();
        let mut x = vec![0.0; nodes * ns];
        for (b, br) in self.c.branches().iter().enumerate() {
            let nsb = br.element.n_states();
            let off = self.c.state_offset(b);
            for k in 0..nodes {
                x[k * ns + off..k * ns + off + nsb]
                    .copy_from_slice(&self.xb[b][k * nsb..(k + 1) * nsb]);
            }
        }
        let v = Trajectory::new(self.grid, self.n, self.v.clone())?;
        let x = if ns == 0 {
            Trajectory::zeros(self.grid, 1)
        } else {
            Trajectory::new(self.grid, ns, x)?
        };
        Ok(CircuitSolution {
            v,
            x,
            state_names: self.c.state_names(),
        })
    }
}

/// The source current into node `j` of `n` in the equations of step `step` at its grid node `k`:
/// the step average `src` of the current sources plus the Norton currents `nsrc` at `t_k`
/// (empty when there are none) \[A\].
#[inline]
fn source_current(src: &[f64], nsrc: &[f64], n: usize, j: usize, step: usize, k: usize) -> f64 {
    src[step * n + j] + nsrc.get(k * n + j).copied().unwrap_or(0.0)
}

/// A solution of a memRC circuit on a grid.
#[derive(Debug, Clone, PartialEq)]
pub struct CircuitSolution {
    /// Node voltages (dimension `n`) \[V\].
    pub v: Trajectory,
    /// Branch states, concatenated (dimension `Σ ns_b`; one zero column if there are none).
    pub x: Trajectory,
    /// Names of the state columns, `"branch.state"`.
    pub state_names: Vec<String>,
}

impl CircuitSolution {
    /// Upward crossings of `threshold` by node `node`'s voltage, linearly interpolated \[s\].
    pub fn spike_times(&self, node: usize, threshold: f64) -> Vec<f64> {
        spike_times(&self.v.component(node), self.v.grid(), threshold)
    }

    /// Upward crossings of `threshold` by node `node`'s voltage, located on the cubic Hermite
    /// interpolant of each step ([`crate::math::hermite_crossing`]) with the derivatives of the
    /// circuit's equations (eq. 59a) at both ends, the source taken as its average over the
    /// step as in the discrete equations \[s\]. The interpolation error is `O(h⁴)` (linear
    /// interpolation of the samples: `O(h²)`, a few µs at 0.1 ms on a spike's upstroke).
    /// `circuit` must be the one solved.
    pub fn spike_times_hermite(&self, circuit: &Circuit, node: usize, threshold: f64) -> Vec<f64> {
        use crate::system::System;
        let sys = super::system::CircuitSystem::new(circuit);
        let (n, ns) = (circuit.n_nodes(), circuit.n_states());
        let grid = self.v.grid();
        let h = grid.dt();
        let cj = circuit.nodes()[node].capacitance;
        let mut y = vec![0.0; n + ns];
        let mut dy = vec![0.0; n + ns];
        let mut src = vec![0.0; n];
        let mut avg_src = vec![0.0; n];
        let mut slope = |k: usize, avg: f64| {
            y[..n].copy_from_slice(self.v.at(k));
            y[n..].copy_from_slice(&self.x.at(k)[..ns]);
            let t = grid.time(k);
            sys.rhs(t, &y, &mut dy);
            circuit.source_value(t, &mut src);
            dy[node] + (avg - src[node]) / cj
        };
        let col = self.v.component(node);
        let mut out = Vec::new();
        for k in 0..col.len().saturating_sub(1) {
            let (y0, y1) = (col[k], col[k + 1]);
            if !(y0 < threshold && y1 >= threshold) {
                continue;
            }
            circuit.source_average(grid.time(k), grid.time(k + 1), &mut avg_src);
            let avg = avg_src[node];
            let d = [slope(k, avg), slope(k + 1, avg)];
            let theta = crate::math::hermite_crossing([y0, y1], d, h, threshold);
            out.push(grid.time(k) + theta * h);
        }
        out
    }
}

/// Upward crossings of `threshold` by the samples `v` on `grid`, linearly interpolated \[s\].
pub fn spike_times(v: &[f64], grid: &Grid, threshold: f64) -> Vec<f64> {
    v.windows(2)
        .enumerate()
        .filter(|(_, w)| w[0] < threshold && w[1] >= threshold)
        .map(|(k, w)| grid.time(k) + (threshold - w[0]) / (w[1] - w[0]) * grid.dt())
        .collect()
}
