//! Hopfield networks as nonlinear RC circuits (§IV-A, eq. 49–53).
//!
//! `n` units obey (eq. 49–50)
//!
//! ```text
//!   C V̇ = −W Φ(V) + I,
//! ```
//!
//! with `C = diag(C_k) ≻ 0` the capacitances, `W` a symmetric weight (conductance) matrix,
//! `Φ(V) = (Φ_1(v_1), …, Φ_n(v_n))` strictly increasing activations ([`Activation`]) and `I` a
//! constant input current.
//!
//! ## Gradient form
//! With the co-content `E(V) = ½ Φ(V)ᵀ W Φ(V)` (eq. 51) and the metric
//! `G(V) = diag(Φ'_1(v_1), …, Φ'_n(v_n))` (eq. 52), the chain rule gives
//! `∇E(V) = diag(Φ'(V)) W Φ(V)`, so the Riemannian gradient of `E` for the metric `G` is
//! `grad_G E = G⁻¹ ∇E = W Φ(V)`, and (50) reads (eq. 53)
//!
//! ```text
//!   C V̇ = −grad_G E(V) + grad⟨V, I⟩.
//! ```
//!
//! **What `grad⟨V, I⟩` means here.** The term is the constant vector `I`. It is the *Euclidean*
//! gradient of the linear map `V ↦ ⟨V, I⟩ = IᵀV`, not its `G`-gradient (which would be
//! `G⁻¹ I`): the two gradients in (53) are taken in different metrics. Equivalently, `I` is the
//! `G`-gradient of `V ↦ ⟨Φ(V), I⟩ = IᵀΦ(V)`, since `G⁻¹ diag(Φ') I = I`. Only this second
//! reading turns (53) into a single gradient flow:
//!
//! ```text
//!   C V̇ = −grad_G L(V),   L(V) = ½ Φᵀ W Φ − Iᵀ Φ,
//! ```
//!
//! so that, along solutions,
//!
//! ```text
//!   dL/dt = ∇L · V̇ = (diag(Φ') (WΦ − I))ᵀ V̇ = −V̇ᵀ C diag(Φ') V̇ ≤ 0.
//! ```
//!
//! [`Hopfield::lyapunov`] is this `L`: it decreases along every solution, whatever the sign of
//! `W`'s eigenvalues. The function obtained by reading (53) as in (43),
//! `½ΦᵀWΦ − VᵀI`, is **not** a Lyapunov function: its rate is
//! `−(diag(Φ') WΦ − I)ᵀ C⁻¹ (WΦ − I)`, which has no sign unless `Φ' ≡ 1` (a linear network).
//! On [`Hopfield::example`] it even ends higher than it starts (−0.2200 at `V(0)`, −0.1840 at the
//! equilibrium) while `L` falls from −0.02925 to −0.16333 (test `paper_potential_is_not_monotone`).
//!
//! The paper assumes `W ≻ 0` so that `E ≥ 0` can be read as a resistive co-content. The
//! constructor does not require it: it computes the smallest eigenvalue of `W` and reports it
//! ([`Hopfield::min_weight_eigenvalue`], [`HopfieldRun::weights_positive_definite`]).
//!
//! [`Hopfield::gradient_form_residual`] checks (53) pointwise, with `∇E` computed both by the
//! chain rule and by central finite differences of `E`; [`Hopfield::simulate`] integrates (50)
//! with the classical fourth-order Runge–Kutta method (the solver's [`crate::solver::step::Rk4`]
//! on the network as a [`crate::system::System`]) and reports `L(t)`, its monotonicity and
//! the residual of (53) along the trajectory.
//!
//! ## Units
//! In SI: `V` \[V\], `Φ` \[V\] (the output voltage of each amplifier), `W` \[S\], `C` \[F\], `I` \[A\],
//! activation gains \[1/V\], time \[s\]. [`Hopfield::example`] is in normalised (dimensionless)
//! units, as is customary for Hopfield networks.

use serde::Serialize;

use crate::error::{Error, ModelError, SolverError, TrajectoryError};
use crate::solver::step::{Ctx, FixedStep, Rk4};
use crate::system::System;
use crate::trajectory::{Grid, Trajectory};

const ELEMENT: &str = "hopfield";

/// Relative tolerance on the symmetry of `W`: `|W_kj − W_jk| ≤ SYMMETRY_RTOL · max|W|`.
pub const SYMMETRY_RTOL: f64 = 1e-12;

/// Relative tolerance under which an increase of `L` between steps counts as rounding (see
/// [`HopfieldRun::lyapunov_tolerance`]).
pub const LYAPUNOV_RTOL: f64 = 1e-12;

/// Relative tolerance for the final state to count as an equilibrium (see
/// [`HopfieldRun::equilibrium_tolerance`]).
pub const EQUILIBRIUM_RTOL: f64 = 1e-8;

/// Largest number of stored samples (`nodes · (2n + 1)`) a simulation may allocate.
const MAX_SAMPLES: f64 = 2e8;

/// A strictly increasing activation `Φ_k` of one unit (eq. 49).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub enum Activation {
    /// `Φ(v) = tanh(gain · v)`, `gain > 0` \[1/V\]; output in `(−1, 1)`.
    Tanh {
        /// Slope at the origin \[1/V\].
        gain: f64,
    },
    /// `Φ(v) = 1 / (1 + e^{−gain·v})`, `gain > 0` \[1/V\]; output in `(0, 1)`.
    Logistic {
        /// Four times the slope at the origin \[1/V\].
        gain: f64,
    },
    /// `Φ(v) = slope · v`, `slope > 0`.
    Linear {
        /// Constant slope.
        slope: f64,
    },
}

impl Activation {
    /// `tanh(gain · v)`, validated.
    pub fn tanh(gain: f64) -> Result<Self, ModelError> {
        let a = Self::Tanh { gain };
        a.validate()?;
        Ok(a)
    }

    /// `1 / (1 + e^{−gain·v})`, validated.
    pub fn logistic(gain: f64) -> Result<Self, ModelError> {
        let a = Self::Logistic { gain };
        a.validate()?;
        Ok(a)
    }

    /// `slope · v`, validated.
    pub fn linear(slope: f64) -> Result<Self, ModelError> {
        let a = Self::Linear { slope };
        a.validate()?;
        Ok(a)
    }

    /// The kind's name (`tanh`, `logistic`, `linear`).
    pub fn name(&self) -> &'static str {
        match self {
            Self::Tanh { .. } => "tanh",
            Self::Logistic { .. } => "logistic",
            Self::Linear { .. } => "linear",
        }
    }

    /// The parameter (`gain` or `slope`) and its value.
    fn param(&self) -> (&'static str, f64) {
        match *self {
            Self::Tanh { gain } | Self::Logistic { gain } => ("gain", gain),
            Self::Linear { slope } => ("slope", slope),
        }
    }

    /// Checks that the gain (slope) is finite and positive, so that `Φ' > 0` (eq. 52).
    pub fn validate(&self) -> Result<(), ModelError> {
        self.check(&format!("activation {}", self.name()), "")
    }

    fn check(&self, element: &str, prefix: &str) -> Result<(), ModelError> {
        let (name, value) = self.param();
        let param = format!("{prefix}{name}");
        if !value.is_finite() {
            return Err(ModelError::NonFinite {
                element: element.into(),
                param,
                value,
            });
        }
        if value <= 0.0 {
            return Err(ModelError::ParamOutOfRange {
                element: element.into(),
                param,
                value,
                unit: if name == "gain" { "1/V" } else { "1" }.into(),
                range: "(0, inf)".into(),
            });
        }
        Ok(())
    }

    /// `Φ(v)`.
    #[inline]
    pub fn value(&self, v: f64) -> f64 {
        match *self {
            Self::Tanh { gain } => (gain * v).tanh(),
            Self::Logistic { gain } => {
                let x = gain * v;
                if x >= 0.0 {
                    1.0 / (1.0 + (-x).exp())
                } else {
                    let e = x.exp();
                    e / (1.0 + e)
                }
            }
            Self::Linear { slope } => slope * v,
        }
    }

    /// `Φ'(v)`, the diagonal entry of the metric `G` (eq. 52). Computed from `e^{−|x|}` so that it
    /// keeps full relative accuracy in saturation (where `1 − tanh²` would round to 0); it
    /// underflows to 0 only for `|gain · v| ≳ 370` (tanh) or `≳ 745` (logistic).
    #[inline]
    pub fn slope(&self, v: f64) -> f64 {
        match *self {
            Self::Tanh { gain } => {
                // sech²(x) = 4 e^{−2|x|} / (1 + e^{−2|x|})².
                let e = (-2.0 * (gain * v).abs()).exp();
                let d = 1.0 + e;
                gain * 4.0 * e / (d * d)
            }
            Self::Logistic { gain } => {
                // σ(1 − σ) = e^{−|x|} / (1 + e^{−|x|})².
                let e = (-(gain * v).abs()).exp();
                let d = 1.0 + e;
                gain * e / (d * d)
            }
            Self::Linear { slope } => slope,
        }
    }

    /// The voltage over which `Φ` changes appreciably (`1/gain`, `1/slope`) \[V\]; sets the step
    /// of the finite differences.
    fn voltage_scale(&self) -> f64 {
        1.0 / self.param().1
    }
}

/// The pointwise check of the gradient form (53) at one state `V`
/// ([`Hopfield::gradient_form_residual`]).
///
/// Mismatches are max-norms divided by `scale = max_k Σ_j |W_kj Φ_j| + max_k |I_k|`, the size of
/// the currents that cancel in `C V̇` (so they stay meaningful near an equilibrium, where `C V̇`
/// itself vanishes). When `scale = 0` (`Φ(V) = 0` and `I = 0`) the mismatches are absolute.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct GradientFormCheck {
    /// `‖C V̇ − (−G⁻¹ ∇E + I)‖∞ / scale` with `C V̇` from [`Hopfield::rhs`] and `∇E` by the chain
    /// rule. Rounding level: (53) is an identity.
    pub analytic: f64,
    /// The same with `∇E` from central finite differences of [`Hopfield::co_content`]
    /// (truncation `O(h²)` and rounding `O(ε/h)`, with `h = ε^{1/3} max(|v_k|, 1/gain_k)`,
    /// amplified by `1/Φ'_k` where a unit saturates).
    pub finite_difference: f64,
    /// `‖∇E_fd − ∇E_chain‖∞ / max_k Φ'_k Σ_j |W_kj Φ_j|` (absolute when the denominator is 0).
    pub gradient_fd_vs_chain: f64,
    /// The normalisation `scale` \[A\].
    pub scale: f64,
}

/// The result of [`Hopfield::simulate`]: the RK4 trajectory and what it shows about (50)–(53).
///
/// The trajectories are skipped when serialising; the scalar fields are the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HopfieldRun {
    /// `V(t_k)` at every node \[V\] (dimension `n`).
    #[serde(skip)]
    pub voltages: Trajectory,
    /// `Φ(V(t_k))` at every node \[V\] (dimension `n`).
    #[serde(skip)]
    pub outputs: Trajectory,
    /// `L(V(t_k)) = ½ΦᵀWΦ − IᵀΦ` at every node \[W\] (dimension 1).
    #[serde(skip)]
    pub lyapunov: Trajectory,
    /// Number of units `n`.
    pub units: usize,
    /// Number of RK4 steps.
    pub steps: usize,
    /// The step used \[s\] (`t_end / steps`, at most the step asked for).
    pub dt: f64,
    /// Final time \[s\] (the run starts at 0).
    pub t_end: f64,
    /// `L(V(0))` \[W\].
    pub lyapunov_initial: f64,
    /// `L(V(t_end))` \[W\].
    pub lyapunov_final: f64,
    /// `max_k (L_{k+1} − L_k)` \[W\]: negative when `L` strictly decreases at every step, of
    /// rounding size once the state has settled.
    pub max_lyapunov_increase: f64,
    /// `LYAPUNOV_RTOL · max_k (½|Φ|ᵀ|W||Φ| + |I|ᵀ|Φ|)` \[W\]: the rounding scale of `L`.
    pub lyapunov_tolerance: f64,
    /// `max_lyapunov_increase ≤ lyapunov_tolerance`.
    pub lyapunov_decreasing: bool,
    /// Max over the nodes of [`GradientFormCheck::analytic`] (the finite-difference check is
    /// `O(n³)` per node and is left to [`Hopfield::gradient_form_residual`]). Nodes where the
    /// metric is singular are left out (see `singular_metric_nodes`).
    pub max_gradient_form_residual: f64,
    /// Number of nodes where some `Φ'_k(v_k)` underflowed to 0 (a unit in deep saturation,
    /// `|gain·v| ≳ 370` for tanh), so that `G⁻¹` and the residual of (53) are undefined there.
    pub singular_metric_nodes: usize,
    /// `V(t_end)` \[V\].
    pub final_state: Vec<f64>,
    /// `Φ(V(t_end))` \[V\].
    pub final_outputs: Vec<f64>,
    /// `‖C V̇(t_end)‖∞ = ‖I − WΦ(V(t_end))‖∞` \[A\].
    pub final_residual: f64,
    /// `EQUILIBRIUM_RTOL · (max_k |I_k| + max over nodes of max_k Σ_j |W_kj Φ_j|)` \[A\].
    pub equilibrium_tolerance: f64,
    /// `final_residual ≤ equilibrium_tolerance`: the final state is an equilibrium `WΦ = I`.
    pub equilibrium: bool,
    /// Smallest eigenvalue of `W` \[S\].
    pub min_weight_eigenvalue: f64,
    /// `W ≻ 0`, the paper's assumption for reading `E` as a co-content (not needed for `L` to
    /// decrease).
    pub weights_positive_definite: bool,
}

/// A Hopfield network `C V̇ = −W Φ(V) + I` (eq. 50). See the [module docs](self).
#[derive(Debug, Clone, PartialEq)]
pub struct Hopfield {
    n: usize,
    w: Vec<f64>,
    c: Vec<f64>,
    input: Vec<f64>,
    act: Vec<Activation>,
    min_eig: f64,
}

/// Smallest eigenvalue of the symmetric row-major `n × n` matrix `w`.
fn min_eigenvalue(w: &[f64], n: usize) -> f64 {
    nalgebra::DMatrix::from_row_slice(n, n, w)
        .symmetric_eigenvalues()
        .iter()
        .copied()
        .fold(f64::INFINITY, f64::min)
}

fn max_abs(x: &[f64]) -> f64 {
    x.iter().fold(0.0, |m, a| m.max(a.abs()))
}

/// `a / b`, or `a` when `b = 0`.
fn relative(a: f64, b: f64) -> f64 {
    if b > 0.0 { a / b } else { a }
}

impl Hopfield {
    /// Initial state of [`Hopfield::example`]: `V(0) = (1, −1)` (normalised units).
    pub const EXAMPLE_V0: [f64; 2] = [1.0, -1.0];

    /// A network from the row-major weights `w` (`n²` entries, `W_kj = w[k·n + j]`) \[S\], the
    /// capacitances `c` (`n` entries) \[F\], the input `input` \[A\] and one activation per unit.
    ///
    /// Checks sizes, finiteness, `C_k > 0`, the activations' parameters and the symmetry of `W`
    /// (`|W_kj − W_jk| ≤ SYMMETRY_RTOL · max|W|`); within that tolerance `W` is replaced by
    /// `½(W + Wᵀ)` so that the gradient structure holds exactly. `W ≻ 0` is not required: its
    /// smallest eigenvalue is computed and reported ([`Hopfield::min_weight_eigenvalue`]).
    pub fn new(
        w: Vec<f64>,
        c: Vec<f64>,
        input: Vec<f64>,
        activations: Vec<Activation>,
    ) -> Result<Self, ModelError> {
        let n = c.len();
        if n == 0 {
            return Err(ModelError::Inconsistent {
                element: ELEMENT.into(),
                reason: "a network needs at least one unit (no capacitances given)".into(),
            });
        }
        for (what, got) in [
            ("weights W (n² entries, row-major)", w.len()),
            ("inputs I", input.len()),
            ("activations", activations.len()),
        ] {
            let expected = if what.starts_with("weights") {
                n * n
            } else {
                n
            };
            if got != expected {
                return Err(ModelError::WrongLength {
                    element: format!("{ELEMENT} with {n} units"),
                    what,
                    expected,
                    got,
                });
            }
        }
        let non_finite = |param: String, value: f64| ModelError::NonFinite {
            element: ELEMENT.into(),
            param,
            value,
        };
        if let Some((i, &x)) = w.iter().enumerate().find(|(_, x)| !x.is_finite()) {
            return Err(non_finite(format!("W[{},{}]", i / n, i % n), x));
        }
        if let Some((k, &x)) = c.iter().enumerate().find(|(_, x)| !x.is_finite()) {
            return Err(non_finite(format!("C[{k}]"), x));
        }
        if let Some((k, &x)) = input.iter().enumerate().find(|(_, x)| !x.is_finite()) {
            return Err(non_finite(format!("I[{k}]"), x));
        }
        if let Some((k, &x)) = c.iter().enumerate().find(|(_, x)| **x <= 0.0) {
            return Err(ModelError::ParamOutOfRange {
                element: ELEMENT.into(),
                param: format!("C[{k}]"),
                value: x,
                unit: "F".into(),
                range: "(0, inf)".into(),
            });
        }
        for (k, a) in activations.iter().enumerate() {
            a.check(ELEMENT, &format!("activation[{k}] ({}) ", a.name()))?;
        }
        let tol = SYMMETRY_RTOL * max_abs(&w);
        let mut w = w;
        for k in 0..n {
            for j in k + 1..n {
                let (a, b) = (w[k * n + j], w[j * n + k]);
                if (a - b).abs() > tol {
                    return Err(ModelError::Inconsistent {
                        element: ELEMENT.into(),
                        reason: format!(
                            "W is not symmetric: W[{k},{j}] = {a} but W[{j},{k}] = {b} \
                             (|difference| {:e} > {SYMMETRY_RTOL:e}·max|W| = {tol:e})",
                            (a - b).abs()
                        ),
                    });
                }
                let m = 0.5 * (a + b);
                w[k * n + j] = m;
                w[j * n + k] = m;
            }
        }
        let min_eig = min_eigenvalue(&w, n);
        Ok(Self {
            n,
            w,
            c,
            input,
            act: activations,
            min_eig,
        })
    }

    /// The small example: `W = [[2, 1], [1, 2]]` (eigenvalues 1 and 3, so `W ≻ 0`),
    /// `C = diag(1, 2)`, `I = (0.5, −0.3)`, `Φ_k = tanh` (gain 1), to be started from
    /// [`Hopfield::EXAMPLE_V0`]. Normalised, dimensionless units (time in units of `C/W`).
    ///
    /// Its unique equilibrium is `Φ* = W⁻¹ I = (13/30, −11/30)`, `V* = atanh(Φ*)`.
    pub fn example() -> Self {
        let w = vec![2.0, 1.0, 1.0, 2.0];
        let min_eig = min_eigenvalue(&w, 2);
        Self {
            n: 2,
            w,
            c: vec![1.0, 2.0],
            input: vec![0.5, -0.3],
            act: vec![Activation::Tanh { gain: 1.0 }; 2],
            min_eig,
        }
    }

    /// Number of units `n`.
    pub fn n_units(&self) -> usize {
        self.n
    }
    /// Row-major `W` (symmetrised) \[S\].
    pub fn weights(&self) -> &[f64] {
        &self.w
    }
    /// The diagonal of `C` \[F\].
    pub fn capacitances(&self) -> &[f64] {
        &self.c
    }
    /// The input `I` \[A\].
    pub fn input(&self) -> &[f64] {
        &self.input
    }
    /// The activations `Φ_k`.
    pub fn activations(&self) -> &[Activation] {
        &self.act
    }
    /// Smallest eigenvalue of `W` \[S\].
    pub fn min_weight_eigenvalue(&self) -> f64 {
        self.min_eig
    }
    /// `W ≻ 0` (the paper's assumption for eq. 51; not required here).
    pub fn weights_positive_definite(&self) -> bool {
        self.min_eig > 0.0
    }

    fn check_state(&self, v: &[f64], what: &'static str) -> Result<(), ModelError> {
        if v.len() != self.n {
            return Err(ModelError::WrongLength {
                element: format!("{ELEMENT} with {} units", self.n),
                what,
                expected: self.n,
                got: v.len(),
            });
        }
        Ok(())
    }

    #[inline]
    fn fill_phi(&self, v: &[f64], phi: &mut [f64]) {
        for ((p, a), &x) in phi.iter_mut().zip(&self.act).zip(v) {
            *p = a.value(x);
        }
    }

    /// `(W Φ)_k`.
    #[inline]
    fn w_row_dot(&self, k: usize, phi: &[f64]) -> f64 {
        self.w[k * self.n..(k + 1) * self.n]
            .iter()
            .zip(phi)
            .map(|(a, b)| a * b)
            .sum()
    }

    fn e_and_l(&self, phi: &[f64]) -> (f64, f64) {
        let mut e = 0.0;
        let mut ip = 0.0;
        for (k, p) in phi.iter().enumerate() {
            e += 0.5 * p * self.w_row_dot(k, phi);
            ip += self.input[k] * p;
        }
        (e, e - ip)
    }

    /// `Φ(V)` \[V\].
    pub fn outputs(&self, v: &[f64]) -> Result<Vec<f64>, ModelError> {
        self.check_state(v, "voltages V")?;
        let mut phi = vec![0.0; self.n];
        self.fill_phi(v, &mut phi);
        Ok(phi)
    }

    /// The diagonal of the metric `G(V) = diag(Φ'_1(v_1), …, Φ'_n(v_n))` (eq. 52).
    pub fn metric(&self, v: &[f64]) -> Result<Vec<f64>, ModelError> {
        self.check_state(v, "voltages V")?;
        Ok(self.act.iter().zip(v).map(|(a, &x)| a.slope(x)).collect())
    }

    /// The right-hand side of (50) divided by `C`: `dv = V̇ = C⁻¹(−W Φ(V) + I)` \[V/s\].
    pub fn rhs(&self, v: &[f64], dv: &mut [f64]) -> Result<(), ModelError> {
        self.check_state(v, "voltages V")?;
        self.check_state(dv, "derivative buffer dV")?;
        System::rhs(self, 0.0, v, dv);
        Ok(())
    }

    /// The co-content `E(V) = ½ Φ(V)ᵀ W Φ(V)` (eq. 51) \[W\].
    pub fn co_content(&self, v: &[f64]) -> Result<f64, ModelError> {
        let phi = self.outputs(v)?;
        Ok(self.e_and_l(&phi).0)
    }

    /// `∇E(V)` by the chain rule: `∂E/∂v_k = Φ'_k(v_k) · (½(W + Wᵀ) Φ)_k` (`= Φ'_k (WΦ)_k` since
    /// `W` is symmetric) \[A\].
    pub fn co_content_gradient(&self, v: &[f64]) -> Result<Vec<f64>, ModelError> {
        let phi = self.outputs(v)?;
        let n = self.n;
        Ok((0..n)
            .map(|k| {
                let sym: f64 = (0..n)
                    .map(|j| 0.5 * (self.w[k * n + j] + self.w[j * n + k]) * phi[j])
                    .sum();
                self.act[k].slope(v[k]) * sym
            })
            .collect())
    }

    /// The function that decreases along solutions, `L(V) = ½ΦᵀWΦ − IᵀΦ` \[W\] (see the
    /// [module docs](self): not the `½ΦᵀWΦ − VᵀI` printed with eq. 53).
    pub fn lyapunov(&self, v: &[f64]) -> Result<f64, ModelError> {
        let phi = self.outputs(v)?;
        Ok(self.e_and_l(&phi).1)
    }

    /// `dL/dt = −V̇ᵀ C diag(Φ'(V)) V̇ ≤ 0` along the solution through `V` \[W/s\].
    pub fn lyapunov_rate(&self, v: &[f64]) -> Result<f64, ModelError> {
        let g = self.metric(v)?;
        let mut dv = vec![0.0; self.n];
        self.rhs(v, &mut dv)?;
        Ok(-(0..self.n)
            .map(|k| dv[k] * self.c[k] * g[k] * dv[k])
            .sum::<f64>())
    }

    /// `∇E` by central differences of [`Hopfield::co_content`], step
    /// `h_k = ε^{1/3} max(|v_k|, 1/gain_k)`.
    fn co_content_gradient_fd(&self, v: &[f64]) -> Vec<f64> {
        let mut x = v.to_vec();
        let mut phi = vec![0.0; self.n];
        let h0 = f64::EPSILON.cbrt();
        (0..self.n)
            .map(|k| {
                let h = h0 * v[k].abs().max(self.act[k].voltage_scale());
                x[k] = v[k] + h;
                let hp = x[k] - v[k];
                self.fill_phi(&x, &mut phi);
                let ep = self.e_and_l(&phi).0;
                x[k] = v[k] - h;
                let hm = v[k] - x[k];
                self.fill_phi(&x, &mut phi);
                let em = self.e_and_l(&phi).0;
                x[k] = v[k];
                (ep - em) / (hp + hm)
            })
            .collect()
    }

    /// The pointwise check of the gradient form (53),
    /// `C V̇ = −grad_G E(V) + grad⟨V, I⟩ = −G(V)⁻¹ ∇E(V) + I`: compares `C V̇` from
    /// [`Hopfield::rhs`] with `−G⁻¹∇E + I`, `∇E` computed by the chain rule
    /// ([`Hopfield::co_content_gradient`]) and, independently, by central finite differences of
    /// `E`. See [`GradientFormCheck`] for the normalisation.
    ///
    /// Fails with [`ModelError::Inconsistent`] if some `Φ'_k(v_k)` underflows to 0 (a unit in
    /// deep saturation), where `G⁻¹` does not exist.
    pub fn gradient_form_residual(&self, v: &[f64]) -> Result<GradientFormCheck, ModelError> {
        let g = self.metric(v)?;
        self.check_metric(v, &g)?;
        let mut c_dv = vec![0.0; self.n];
        self.rhs(v, &mut c_dv)?;
        for (x, c) in c_dv.iter_mut().zip(&self.c) {
            *x *= c;
        }
        let phi = self.outputs(v)?;
        let grad = self.co_content_gradient(v)?;
        let grad_fd = self.co_content_gradient_fd(v);
        let mut scale = 0.0_f64;
        let mut grad_scale = 0.0_f64;
        for (row, gk) in self.w.chunks_exact(self.n).zip(&g) {
            let a: f64 = row.iter().zip(&phi).map(|(w, p)| (w * p).abs()).sum();
            scale = scale.max(a);
            grad_scale = grad_scale.max(gk * a);
        }
        scale += max_abs(&self.input);
        let mismatch = |grad: &[f64]| {
            (0..self.n).fold(0.0_f64, |m, k| {
                let form = -grad[k] / g[k] + self.input[k];
                m.max((c_dv[k] - form).abs())
            })
        };
        let gdiff = grad
            .iter()
            .zip(&grad_fd)
            .fold(0.0_f64, |m, (a, b)| m.max((a - b).abs()));
        Ok(GradientFormCheck {
            analytic: relative(mismatch(&grad), scale),
            finite_difference: relative(mismatch(&grad_fd), scale),
            gradient_fd_vs_chain: relative(gdiff, grad_scale),
            scale,
        })
    }

    fn check_metric(&self, v: &[f64], g: &[f64]) -> Result<(), ModelError> {
        match g.iter().position(|&x| !(x > 0.0 && x.is_finite())) {
            Some(k) => Err(ModelError::Inconsistent {
                element: ELEMENT.into(),
                reason: format!(
                    "metric G = diag(Φ'(V)) is singular: Φ'_{k}(v_{k} = {}) = {} (unit {k} saturated)",
                    v[k], g[k]
                ),
            }),
            None => Ok(()),
        }
    }

    /// Integrates (50) from `V(0) = v0` to `t_end` \[s\] with the classical fourth-order
    /// Runge–Kutta method on a uniform grid of `⌈t_end/dt⌉` steps (the step is shortened, if
    /// needed, so that the last node is `t_end`). No allocation per step.
    ///
    /// At every node it records `V`, `Φ(V)`, `L(V)` and the analytic residual of (53); see
    /// [`HopfieldRun`] for the report.
    ///
    /// Errors: wrong length or non-finite `v0` ([`ModelError`]), a bad `dt` or `t_end`
    /// ([`TrajectoryError`]), more than 2·10⁸ stored samples ([`SolverError::BadSetting`]), a
    /// non-finite state ([`SolverError::NonFinite`]; possible with linear activations and an
    /// indefinite `W`). A metric that underflows to 0 is not an error: those nodes are counted
    /// in [`HopfieldRun::singular_metric_nodes`].
    pub fn simulate(&self, v0: &[f64], t_end: f64, dt: f64) -> Result<HopfieldRun, Error> {
        let n = self.n;
        self.check_state(v0, "initial voltages V0")?;
        if let Some((k, &x)) = v0.iter().enumerate().find(|(_, x)| !x.is_finite()) {
            return Err(ModelError::NonFinite {
                element: ELEMENT.into(),
                param: format!("V0[{k}]"),
                value: x,
            }
            .into());
        }
        if !(dt.is_finite() && dt > 0.0) {
            return Err(TrajectoryError::BadStep { dt }.into());
        }
        if !(t_end.is_finite() && t_end > 0.0) {
            return Err(TrajectoryError::BadWindow {
                start: 0.0,
                end: t_end,
            }
            .into());
        }
        let steps_f = (t_end / dt - 1e-9).ceil().max(1.0);
        if (steps_f + 1.0) * (2 * n + 1) as f64 > MAX_SAMPLES {
            return Err(SolverError::BadSetting {
                name: "dt".into(),
                value: dt,
                reason: format!(
                    "t_end/dt = {steps_f:.3e} steps of {n} units would store more than \
                     {MAX_SAMPLES:.0e} samples"
                ),
            }
            .into());
        }
        let steps = steps_f as usize;
        let grid = Grid::span(0.0, t_end, steps)?;
        let h = grid.dt();
        let nodes = grid.len();

        let mut vs = Vec::with_capacity(nodes * n);
        let mut phis = Vec::with_capacity(nodes * n);
        let mut ls = Vec::with_capacity(nodes);
        // The shared RK4 stepper on the network as a `System` (tolerances unused: fixed step).
        let mut cx = Ctx::new(self, 0.0, 0.0);
        let mut rk4 = Rk4::new(n);
        let mut phi = vec![0.0; n];
        let mut v = v0.to_vec();
        let mut stats = NodeStats::default();
        self.record(&v, &mut phi, &mut stats);
        vs.extend_from_slice(&v);
        phis.extend_from_slice(&phi);
        ls.push(stats.l);
        let mut max_increase = f64::NEG_INFINITY;

        for s in 0..steps {
            rk4.step(&mut cx, grid.time(s), h, &mut v)?;
            let t = grid.time(s + 1);
            if v.iter().any(|x| !x.is_finite()) {
                return Err(SolverError::NonFinite {
                    variable: "V".into(),
                    t,
                }
                .into());
            }
            let l_prev = stats.l;
            self.record(&v, &mut phi, &mut stats);
            max_increase = max_increase.max(stats.l - l_prev);
            vs.extend_from_slice(&v);
            phis.extend_from_slice(&phi);
            ls.push(stats.l);
        }

        let lyapunov_tolerance = LYAPUNOV_RTOL * stats.max_l_scale;
        let equilibrium_tolerance =
            EQUILIBRIUM_RTOL * (max_abs(&self.input) + stats.max_current_scale);
        let final_outputs = phi;
        Ok(HopfieldRun {
            lyapunov_initial: ls[0],
            lyapunov_final: stats.l,
            voltages: Trajectory::new(grid, n, vs)?,
            outputs: Trajectory::new(grid, n, phis)?,
            lyapunov: Trajectory::scalar(grid, ls)?,
            units: n,
            steps,
            dt: h,
            t_end: grid.t_end(),
            max_lyapunov_increase: max_increase,
            lyapunov_tolerance,
            lyapunov_decreasing: max_increase <= lyapunov_tolerance,
            max_gradient_form_residual: stats.max_residual,
            singular_metric_nodes: stats.singular_nodes,
            final_state: v,
            final_outputs,
            final_residual: stats.c_dv_norm,
            equilibrium_tolerance,
            equilibrium: stats.c_dv_norm <= equilibrium_tolerance,
            min_weight_eigenvalue: self.min_eig,
            weights_positive_definite: self.weights_positive_definite(),
        })
    }

    /// Fills `phi = Φ(v)` and updates the node statistics (no allocation).
    fn record(&self, v: &[f64], phi: &mut [f64], stats: &mut NodeStats) {
        let n = self.n;
        self.fill_phi(v, phi);
        let mut l = 0.0;
        let mut l_scale = 0.0;
        let mut current = 0.0_f64;
        let mut scale = 0.0_f64;
        let mut residual = 0.0_f64;
        let mut singular = false;
        for k in 0..n {
            let row = &self.w[k * n..(k + 1) * n];
            let (mut wp, mut awp) = (0.0, 0.0);
            for (a, p) in row.iter().zip(phi.iter()) {
                wp += a * p;
                awp += (a * p).abs();
            }
            l += phi[k] * (0.5 * wp - self.input[k]);
            l_scale += phi[k].abs() * (0.5 * awp + self.input[k].abs());
            scale = scale.max(awp);
            // C V̇ as `rhs` computes it, against −G⁻¹∇E + I with the chain-rule ∇E.
            let c_dv = self.c[k] * ((self.input[k] - wp) / self.c[k]);
            current = current.max(c_dv.abs());
            let g = self.act[k].slope(v[k]);
            if g > 0.0 && g.is_finite() {
                let form = -(g * wp) / g + self.input[k];
                residual = residual.max((c_dv - form).abs());
            } else {
                singular = true;
            }
        }
        let rel_scale = scale + max_abs(&self.input);
        stats.l = l;
        stats.max_l_scale = stats.max_l_scale.max(l_scale);
        stats.max_current_scale = stats.max_current_scale.max(scale);
        if singular {
            stats.singular_nodes += 1;
        } else {
            stats.max_residual = stats.max_residual.max(relative(residual, rel_scale));
        }
        stats.c_dv_norm = current;
    }
}

/// The network (50) as an ODE system for the solvers of [`crate::solver`]: states `V` \[V\],
/// autonomous.
impl System for Hopfield {
    fn n_states(&self) -> usize {
        self.n
    }

    /// `V̇ = C⁻¹(−W Φ(V) + I)` (eq. 50) \[V/s\]: the `n` activations `Φ(V)` once into a
    /// per-thread buffer (grown once, so no allocation per call), then `W Φ` row by row.
    fn rhs(&self, _t: f64, v: &[f64], dv: &mut [f64]) {
        thread_local! {
            static PHI: std::cell::RefCell<Vec<f64>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        let n = self.n;
        PHI.with_borrow_mut(|phi| {
            phi.clear();
            phi.extend(self.act.iter().zip(v).map(|(a, &x)| a.value(x)));
            for (k, d) in dv.iter_mut().enumerate() {
                let wp: f64 = self.w[k * n..(k + 1) * n]
                    .iter()
                    .zip(phi.iter())
                    .map(|(w, p)| w * p)
                    .sum();
                *d = (self.input[k] - wp) / self.c[k];
            }
        });
    }

    fn state_names(&self) -> Vec<String> {
        (0..self.n).map(|k| format!("V[{k}]")).collect()
    }
}

/// Running statistics of [`Hopfield::simulate`].
#[derive(Default)]
struct NodeStats {
    l: f64,
    max_l_scale: f64,
    max_current_scale: f64,
    max_residual: f64,
    singular_nodes: usize,
    c_dv_norm: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example_equilibrium() -> [f64; 2] {
        // Φ* = W⁻¹ I = (1/3)[[2, −1], [−1, 2]] (0.5, −0.3) = (13/30, −11/30).
        [(13.0_f64 / 30.0).atanh(), (-11.0_f64 / 30.0).atanh()]
    }

    fn tanh_net(w: Vec<f64>, c: Vec<f64>, i: Vec<f64>) -> Result<Hopfield, ModelError> {
        let n = c.len();
        Hopfield::new(w, c, i, vec![Activation::Tanh { gain: 1.0 }; n])
    }

    #[test]
    fn example_lyapunov_decreases_and_reaches_equilibrium() {
        let net = Hopfield::example();
        assert!(net.weights_positive_definite());
        assert!((net.min_weight_eigenvalue() - 1.0).abs() < 1e-14);
        let run = net
            .simulate(&Hopfield::EXAMPLE_V0, 60.0, 0.01)
            .expect("valid run");
        assert_eq!(run.steps, 6000);
        // L decreases at every step, to rounding relative to the size of its terms.
        let ls = run.lyapunov.data();
        let max_inc = ls
            .windows(2)
            .map(|w| w[1] - w[0])
            .fold(f64::NEG_INFINITY, f64::max);
        assert_eq!(max_inc, run.max_lyapunov_increase);
        assert!(
            run.lyapunov_tolerance <= 1e-11,
            "{}",
            run.lyapunov_tolerance
        );
        assert!(run.lyapunov_decreasing, "max increase {max_inc:e}");
        assert!(max_inc <= 1e-12 * ls[0].abs(), "max increase {max_inc:e}");
        // Strictly decreasing while the state moves (first 20 time units).
        assert!(ls[..2000].windows(2).all(|w| w[1] < w[0]));
        assert!(run.lyapunov_final < run.lyapunov_initial);
        // The final state is the equilibrium W Φ(V*) = I.
        let phi = net.outputs(&run.final_state).expect("length 2");
        let w = net.weights();
        for k in 0..2 {
            let wp = w[2 * k] * phi[0] + w[2 * k + 1] * phi[1];
            assert!((wp - net.input()[k]).abs() <= 1e-8, "unit {k}: {wp}");
        }
        assert!(run.equilibrium, "residual {:e}", run.final_residual);
        assert!(run.final_residual <= 1e-8);
        let vstar = example_equilibrium();
        for (v, s) in run.final_state.iter().zip(vstar) {
            assert!((v - s).abs() < 1e-8, "{v} vs {s}");
        }
        // L(V*) is the minimum of ½ΦᵀWΦ − IᵀΦ over Φ: −½ IᵀW⁻¹I = −½ IᵀΦ*.
        let l_star = -0.5 * (0.5 * 13.0 / 30.0 + 0.3 * 11.0 / 30.0);
        assert!((run.lyapunov_final - l_star).abs() < 1e-14);
        assert!(run.max_gradient_form_residual <= 1e-15);
    }

    #[test]
    fn gradient_form_holds_pointwise() {
        let ex = Hopfield::example();
        let mixed = Hopfield::new(
            vec![1.5, -0.4, 0.3, -0.4, 0.8, 0.2, 0.3, 0.2, -0.5],
            vec![1e-3, 2e-3, 0.5e-3],
            vec![0.2, -0.1, 0.05],
            vec![
                Activation::tanh(2.0).expect("valid"),
                Activation::logistic(3.0).expect("valid"),
                Activation::linear(0.7).expect("valid"),
            ],
        )
        .expect("symmetric");
        assert!(!mixed.weights_positive_definite());
        let run = ex
            .simulate(&Hopfield::EXAMPLE_V0, 10.0, 0.05)
            .expect("valid run");
        let mut points: Vec<(&Hopfield, Vec<f64>)> = (0..run.voltages.len())
            .step_by(10)
            .map(|k| (&ex, run.voltages.at(k).to_vec()))
            .collect();
        points.push((&ex, vec![0.0, 0.0]));
        points.push((&ex, vec![3.0, -2.5]));
        for p in [[0.1, -0.2, 0.3], [1.0, 0.5, -2.0], [-0.6, 1.2, 0.0]] {
            points.push((&mixed, p.to_vec()));
        }
        for (net, v) in &points {
            let chk = net.gradient_form_residual(v).expect("regular metric");
            assert!(chk.analytic <= 1e-9, "{v:?}: {chk:?}");
            assert!(chk.finite_difference <= 1e-7, "{v:?}: {chk:?}");
            assert!(chk.gradient_fd_vs_chain <= 1e-7, "{v:?}: {chk:?}");
            // grad_G E = W Φ exactly (up to rounding).
            let g = net.metric(v).expect("length");
            let grad = net.co_content_gradient(v).expect("length");
            let phi = net.outputs(v).expect("length");
            let n = net.n_units();
            for k in 0..n {
                let wp: f64 = (0..n).map(|j| net.weights()[k * n + j] * phi[j]).sum();
                assert!((grad[k] / g[k] - wp).abs() <= 1e-14 * (1.0 + wp.abs()));
            }
        }
        // A deeply saturated unit has no inverse metric: an error pointwise, a count in a run.
        assert!(matches!(
            ex.gradient_form_residual(&[800.0, 0.0]),
            Err(ModelError::Inconsistent { .. })
        ));
        let sat = ex.simulate(&[800.0, 0.0], 5.0, 0.1).expect("run");
        assert_eq!(sat.singular_metric_nodes, sat.voltages.len());
        assert!(sat.lyapunov_decreasing);
        assert_eq!(run.singular_metric_nodes, 0);
    }

    #[test]
    fn lyapunov_rate_matches_finite_difference_second_order() {
        let net = Hopfield::example();
        // max over the coarse nodes in (0, 5] of |(L_{k+1} − L_{k−1})/(2dt) − dL/dt(V_k)|.
        let err = |dt: f64| {
            let run = net.simulate(&Hopfield::EXAMPLE_V0, 6.0, dt).expect("run");
            let ls = run.lyapunov.data();
            let stride = (0.1 / dt).round() as usize;
            (1..=50)
                .map(|m| {
                    let k = m * stride;
                    let fd = (ls[k + 1] - ls[k - 1]) / (2.0 * dt);
                    let rate = net.lyapunov_rate(run.voltages.at(k)).expect("length");
                    assert!(rate < 0.0);
                    (fd - rate).abs()
                })
                .fold(0.0, f64::max)
        };
        let (e1, e2, e3) = (err(0.02), err(0.01), err(0.005));
        assert!(e1 < 1e-3, "{e1:e}");
        for (a, b) in [(e1, e2), (e2, e3)] {
            let order = (a / b).log2();
            assert!((order - 2.0).abs() < 0.1, "order {order} ({a:e}, {b:e})");
        }
    }

    #[test]
    fn rk4_converges_at_fourth_order() {
        let net = Hopfield::example();
        let t_end = 4.0;
        let reference = net
            .simulate(&Hopfield::EXAMPLE_V0, t_end, 0.2 / 64.0)
            .expect("run");
        let err = |dt: f64| {
            let run = net.simulate(&Hopfield::EXAMPLE_V0, t_end, dt).expect("run");
            run.final_state
                .iter()
                .zip(&reference.final_state)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f64::max)
        };
        let errs: Vec<f64> = [0.4, 0.2, 0.1, 0.05].iter().map(|&dt| err(dt)).collect();
        for w in errs.windows(2) {
            let order = (w[0] / w[1]).log2();
            assert!((order - 4.0).abs() < 0.2, "order {order} from {errs:?}");
        }
    }

    #[test]
    fn paper_potential_is_not_monotone() {
        // P = ½ΦᵀWΦ − VᵀI (the function printed with eq. 53) increases somewhere along the
        // example, while L = ½ΦᵀWΦ − IᵀΦ does not.
        let net = Hopfield::example();
        let run = net
            .simulate(&Hopfield::EXAMPLE_V0, 20.0, 0.01)
            .expect("run");
        let p: Vec<f64> = (0..run.voltages.len())
            .map(|k| {
                let v = run.voltages.at(k);
                net.co_content(v).expect("length")
                    - v.iter().zip(net.input()).map(|(a, b)| a * b).sum::<f64>()
            })
            .collect();
        let max_inc = p.windows(2).map(|w| w[1] - w[0]).fold(f64::MIN, f64::max);
        assert!(max_inc > 1e-6, "P increase {max_inc:e}");
        assert!(
            p[p.len() - 1] > p[0] + 0.03,
            "P from {} to {}",
            p[0],
            p[p.len() - 1]
        );
        assert!(run.lyapunov_decreasing);
    }

    #[test]
    fn activations_and_their_slopes() {
        for a in [
            Activation::tanh(1.7).expect("valid"),
            Activation::logistic(2.3).expect("valid"),
            Activation::linear(0.4).expect("valid"),
        ] {
            for v in [-2.0, -0.3, 0.0, 0.5, 1.4] {
                let h = 1e-5;
                let fd = (a.value(v + h) - a.value(v - h)) / (2.0 * h);
                assert!((fd - a.slope(v)).abs() < 1e-9, "{a:?} at {v}");
                assert!(a.slope(v) > 0.0);
            }
        }
        // Slopes keep relative accuracy in saturation: sech²(20) ≈ 4e^{−40}.
        let t = Activation::Tanh { gain: 1.0 };
        assert!((t.slope(20.0) / (4.0 * (-40.0_f64).exp()) - 1.0).abs() < 1e-12);
        let l = Activation::Logistic { gain: 1.0 };
        assert!((l.value(-800.0)).abs() < 1e-300 && (l.value(800.0) - 1.0).abs() == 0.0);
        assert!(matches!(
            Activation::tanh(0.0),
            Err(ModelError::ParamOutOfRange { .. })
        ));
        assert!(matches!(
            Activation::logistic(f64::NAN),
            Err(ModelError::NonFinite { .. })
        ));
        assert!(matches!(
            Activation::linear(-1.0),
            Err(ModelError::ParamOutOfRange { .. })
        ));
    }

    #[test]
    fn invalid_inputs_are_rejected_with_the_reason() {
        let msg = |r: Result<Hopfield, ModelError>| match r {
            Ok(_) => panic!("accepted an invalid network"),
            Err(e) => e.to_string(),
        };
        let w = || vec![2.0, 1.0, 1.0, 2.0];
        let m = msg(tanh_net(
            vec![2.0, 1.0, 1.1, 2.0],
            vec![1.0, 2.0],
            vec![0.0; 2],
        ));
        assert!(m.contains("not symmetric") && m.contains("W[0,1]"), "{m}");
        // Asymmetry at rounding level is accepted and removed.
        let net = tanh_net(
            vec![2.0, 1.0, 1.0 + 1e-15, 2.0],
            vec![1.0, 2.0],
            vec![0.0; 2],
        )
        .expect("symmetric to rounding");
        assert_eq!(net.weights()[1], net.weights()[2]);
        for c in [0.0, -1.0] {
            let m = msg(tanh_net(w(), vec![1.0, c], vec![0.0; 2]));
            assert!(m.contains("C[1]") && m.contains("(0, inf)"), "{m}");
        }
        let m = msg(tanh_net(vec![2.0, 1.0, 1.0], vec![1.0, 2.0], vec![0.0; 2]));
        assert!(m.contains("weights W") && m.contains("expects 4"), "{m}");
        let m = msg(tanh_net(w(), vec![1.0, 2.0], vec![0.0; 3]));
        assert!(m.contains("inputs I") && m.contains("got 3"), "{m}");
        let m = msg(Hopfield::new(
            w(),
            vec![1.0, 2.0],
            vec![0.0; 2],
            vec![Activation::Tanh { gain: 1.0 }],
        ));
        assert!(m.contains("activations"), "{m}");
        let m = msg(tanh_net(vec![], vec![], vec![]));
        assert!(m.contains("at least one unit"), "{m}");
        let m = msg(tanh_net(
            vec![2.0, f64::NAN, 1.0, 2.0],
            vec![1.0, 2.0],
            vec![0.0; 2],
        ));
        assert!(m.contains("W[0,1]") && m.contains("finite"), "{m}");
        let m = msg(tanh_net(w(), vec![f64::INFINITY, 2.0], vec![0.0; 2]));
        assert!(m.contains("C[0]") && m.contains("finite"), "{m}");
        let m = msg(tanh_net(w(), vec![1.0, 2.0], vec![0.0, f64::NAN]));
        assert!(m.contains("I[1]"), "{m}");
        let m = msg(Hopfield::new(
            w(),
            vec![1.0, 2.0],
            vec![0.0; 2],
            vec![
                Activation::Tanh { gain: 1.0 },
                Activation::Logistic { gain: -2.0 },
            ],
        ));
        assert!(m.contains("activation[1]") && m.contains("gain"), "{m}");

        let ex = Hopfield::example();
        let err = |r: Result<HopfieldRun, Error>| match r {
            Ok(_) => panic!("accepted an invalid run"),
            Err(e) => e,
        };
        assert!(matches!(
            err(ex.simulate(&[1.0], 1.0, 0.1)),
            Error::Model(ModelError::WrongLength { got: 1, .. })
        ));
        let e = err(ex.simulate(&[1.0, f64::NAN], 1.0, 0.1));
        assert!(e.to_string().contains("V0[1]"), "{e}");
        assert!(matches!(
            err(ex.simulate(&[1.0, 0.0], 1.0, 0.0)),
            Error::Trajectory(TrajectoryError::BadStep { .. })
        ));
        assert!(matches!(
            err(ex.simulate(&[1.0, 0.0], -1.0, 0.1)),
            Error::Trajectory(TrajectoryError::BadWindow { .. })
        ));
        assert!(matches!(
            err(ex.simulate(&[1.0, 0.0], 1.0, 1e-12)),
            Error::Solver(SolverError::BadSetting { .. })
        ));
        let mut dv = [0.0; 3];
        assert!(ex.rhs(&[0.0, 0.0], &mut dv).is_err());
        assert!(ex.lyapunov(&[0.0]).is_err());
    }

    #[test]
    fn indefinite_weights_are_accepted_and_reported() {
        // W = [[0, 1], [1, 0]] has eigenvalues ±1: not a co-content in the paper's sense, but L
        // still decreases (dL/dt = −V̇ᵀ C diag(Φ') V̇ whatever W is).
        let net = tanh_net(vec![0.0, 1.0, 1.0, 0.0], vec![1.0, 1.0], vec![0.1, 0.0])
            .expect("indefinite W is allowed");
        assert!(!net.weights_positive_definite());
        assert!((net.min_weight_eigenvalue() + 1.0).abs() < 1e-14);
        let run = net.simulate(&[0.5, 0.2], 40.0, 0.01).expect("run");
        assert!(!run.weights_positive_definite);
        assert!((run.min_weight_eigenvalue + 1.0).abs() < 1e-14);
        assert!(run.lyapunov_decreasing, "{:e}", run.max_lyapunov_increase);
        assert!(run.max_gradient_form_residual <= 1e-15);
        assert_eq!(run.singular_metric_nodes, 0);
        // No equilibrium: Φ → (1, −1), L → −1.1 while V drifts (C V̇ → (1.1, −1)).
        assert!(!run.equilibrium);
        assert!((run.lyapunov_final + 1.1).abs() < 1e-12);
        // The co-content ½ΦᵀWΦ = Φ₁Φ₂ takes negative values.
        assert!(net.co_content(&[1.0, -1.0]).expect("length") < 0.0);
    }

    #[test]
    fn rhs_agrees_with_the_equation() {
        let net = Hopfield::example();
        let v = [0.3, -0.7];
        let mut dv = [0.0; 2];
        net.rhs(&v, &mut dv).expect("lengths");
        let (p0, p1) = (0.3_f64.tanh(), (-0.7_f64).tanh());
        assert!((dv[0] - (0.5 - 2.0 * p0 - p1)).abs() < 1e-15);
        assert!((dv[1] - (-0.3 - p0 - 2.0 * p1) / 2.0).abs() < 1e-15);
        let l = net.lyapunov(&v).expect("length");
        let e = net.co_content(&v).expect("length");
        assert!((l - (e - 0.5 * p0 + 0.3 * p1)).abs() < 1e-15);
    }
}
