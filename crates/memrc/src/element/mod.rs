//! Memristive elements in Chua–Kang form (paper §II, eq. 1 and 34).
//!
//! A voltage-controlled memristive *n*-port is
//!
//! ```text
//!   ẋ = f(x, V),        I = G(x, V) · V                                   (eq. 1, 34)
//! ```
//!
//! with state `x ∈ ℝ^ns`, port voltages `V ∈ ℝ^n` \[V\], port currents `I` [A, or A/m² for
//! per-area channel densities] and memconductance `G(x, V) ∈ ℝ^{n×n}` [S, or S/m²]. For a
//! one-port `n = 1` and `G = g`.
//!
//! **Port voltage convention.** `V` is always the voltage across the *memristive part* of a
//! branch. Ion channels and synapses sit in series with a battery `E` (their reversal
//! potential, eq. 2 and 59): the branch current is `i = g(x, v − E) · (v − E)` with `v` the
//! terminal (membrane) voltage. Such elements report their batteries through
//! [`Element::battery`] and take `V = v − E` everywhere in this trait, so the gradient
//! identities of §III hold for them exactly as written in the paper (with `v − E` in place of
//! `v`, as in eq. 62). Their gating kinetics are functions of the membrane voltage `V + E`.
//!
//! Every element kind is described by a static [`KindInfo`] (catalogue name, literature source,
//! states and a [`ParamInfo`] table with unit, default and range); each family lists its kinds
//! as [`Entry`] values and the [`catalogue`] builds elements by name. The trait is what both the
//! feed-forward memconductance operator ([`crate::memconductance`]) and the circuit solvers use.
//!
//! Module layering: this module defines the shared vocabulary ([`Element`], [`KindInfo`],
//! [`Entry`]); the families (`memristor`, `channel`, `synapse`, `pi_two_port`) use it, and
//! [`catalogue`] alone collects the families, so no module imports one that imports it back.

/// Catalogue entries of kinds whose constructor `Type::ctor(&ParamSet)` takes a parameter set
/// of their [`KindInfo`] table: `entries![Type::KIND => ctor, …]` gives a `&'static [Entry]`
/// whose build function fills the table's defaults, applies the caller's overrides and boxes
/// the element (see [`with_overrides`]).
macro_rules! entries {
    ($($ty:ident :: $kind:ident => $ctor:ident),* $(,)?) => {
        &[$($crate::element::Entry {
            info: &$ty::$kind,
            build: |overrides| {
                $crate::element::with_overrides(&$ty::$kind, overrides, $ty::$ctor)
                    .map(|el| Box::new(el) as Box<dyn $crate::element::Element>)
            },
        }),*]
    };
}

pub mod catalogue;
pub mod channel;
pub mod expr;
pub mod gate;
pub mod mechanism;
pub mod memristor;
pub mod pi_two_port;
pub mod synapse;

use std::fmt;

use crate::error::ModelError;
use crate::params::{ParamInfo, ParamSet};

pub use crate::math::{phi1, x_over_one_minus_exp_neg};
pub use catalogue::{Catalogue, build};

/// Constructor of one element kind from `(key, value)` parameter overrides \[SI\].
pub type BuildFn = fn(&[(&str, f64)]) -> Result<Box<dyn Element>, ModelError>;

/// One catalogue entry.
#[derive(Clone, Copy)]
pub struct Entry {
    /// The kind's description (name, parameters, source).
    pub info: &'static KindInfo,
    /// Builds an instance from parameter overrides.
    pub build: BuildFn,
}

impl fmt::Debug for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Entry")
            .field("name", &self.info.name)
            .finish()
    }
}

/// The parameter table `base` followed by `extra`, for kinds derived from another kind (a
/// window variant has its base model's table plus the window's own parameters). `N` must be
/// `base.len() + extra.len()` and `base` must not be empty; both are checked at compile time
/// when the result initialises a `const`.
pub const fn extend_params<const N: usize>(
    base: &[ParamInfo],
    extra: &[ParamInfo],
) -> [ParamInfo; N] {
    assert!(!base.is_empty() && base.len() + extra.len() == N);
    let mut out = [base[0]; N];
    let mut k = 0;
    while k < N {
        out[k] = if k < base.len() {
            base[k]
        } else {
            extra[k - base.len()]
        };
        k += 1;
    }
    out
}

/// Runs the constructor `new` of the kind `kind` on the defaults of its parameter table
/// overridden by `(key, value)` pairs \[SI\] (unknown keys and values out of range are errors,
/// see [`ParamSet::with_overrides`]).
pub fn with_overrides<T>(
    kind: &'static KindInfo,
    overrides: &[(&str, f64)],
    new: impl FnOnce(&ParamSet) -> Result<T, ModelError>,
) -> Result<T, ModelError> {
    new(&ParamSet::with_overrides(
        kind.name,
        kind.params,
        overrides,
    )?)
}

/// Metadata of one state variable.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StateInfo {
    /// Column name, e.g. `"m"` or `"x"`.
    pub name: &'static str,
    /// SI unit, `"1"` for dimensionless.
    pub unit: &'static str,
    /// Meaning.
    pub doc: &'static str,
}

/// Static description of an element kind.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KindInfo {
    /// Catalogue name (`"hp"`, `"hh-na"`, …).
    pub name: &'static str,
    /// One-line description for `memrc element list`.
    pub summary: &'static str,
    /// Literature source of the model.
    pub source: &'static str,
    /// Number of ports.
    pub ports: usize,
    /// State variables (empty for composite elements, which override [`Element::state_names`]).
    pub states: &'static [StateInfo],
    /// Parameter table.
    pub params: &'static [ParamInfo],
    /// Unit of the memconductance: `"S"` for devices, `"S/m^2"` for channel densities.
    pub conductance_unit: &'static str,
    /// Unit of the port current: `"A"` or `"A/m^2"`.
    pub current_unit: &'static str,
}

/// How the state equation depends on the state, which decides how it is integrated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateForm {
    /// `ẋ_j = a_j(V) − b_j(V) x_j` with `b_j ≥ 0`: gating variables, synaptic kinetics and the
    /// ideal memristor (`b = 0`). Integrated exponentially (exact for constant `V` on a step).
    Linear,
    /// Any other `f(x, V)`; integrated by a Runge–Kutta method.
    General,
}

/// Derivatives of `f` and `G` at one point, row-major dense blocks.
#[derive(Debug, Clone, PartialEq)]
pub struct ElementJacobian {
    /// `∂f/∂x`, `ns × ns`.
    pub df_dx: Vec<f64>,
    /// `∂f/∂V`, `ns × n`.
    pub df_dv: Vec<f64>,
    /// `∂G/∂x`, `(n·n) × ns` (row `r·n + c` holds `∂G_rc/∂x`).
    pub dg_dx: Vec<f64>,
    /// `∂G/∂V`, `(n·n) × n`.
    pub dg_dv: Vec<f64>,
}

impl ElementJacobian {
    /// Zeroed buffers sized for `el`.
    pub fn for_element(el: &dyn Element) -> Self {
        let (ns, n) = (el.n_states(), el.n_ports());
        Self {
            df_dx: vec![0.0; ns * ns],
            df_dv: vec![0.0; ns * n],
            dg_dx: vec![0.0; n * n * ns],
            dg_dv: vec![0.0; n * n * n],
        }
    }

    /// Sets every entry of the four blocks to `value` (`0` before assembling a Jacobian by
    /// accumulation; any other value to check that a closed form writes every entry).
    pub fn fill(&mut self, value: f64) {
        for block in [
            &mut self.df_dx,
            &mut self.df_dv,
            &mut self.dg_dx,
            &mut self.dg_dv,
        ] {
            block.iter_mut().for_each(|e| *e = value);
        }
    }
}

/// A memristive element `ẋ = f(x, V)`, `I = G(x, V) V` (eq. 1, 34).
///
/// All slices are in SI units; `v` always has [`Element::n_ports`] entries (port voltages of the
/// memristive part, see the module docs), `x` has [`Element::n_states`], `g` has `n_ports²`
/// entries in row-major order. Methods do not allocate: the solvers call them in hot loops.
pub trait Element: Send + Sync + fmt::Debug {
    /// Static description of this kind.
    fn info(&self) -> &'static KindInfo;

    /// Number of ports `n`.
    fn n_ports(&self) -> usize {
        self.info().ports
    }

    /// Number of state variables `ns`.
    fn n_states(&self) -> usize {
        self.info().states.len()
    }

    /// Names of the state variables (for output columns).
    fn state_names(&self) -> Vec<String> {
        self.info()
            .states
            .iter()
            .map(|s| s.name.to_string())
            .collect()
    }

    /// Parameter values `(name, SI value)`, for reports.
    fn param_values(&self) -> Vec<(&'static str, f64)>;

    /// Battery in series with port `port` \[V\]: the reversal potential of a channel or synapse,
    /// `0` for devices. The terminal voltage is `V + E`.
    fn battery(&self, port: usize) -> f64 {
        let _ = port;
        0.0
    }

    /// The state the element is in when it has been held at the constant port voltage `v` for a
    /// long time: the steady state of gating variables (`x = a/b`), the configured initial
    /// state `x₀` for devices whose state does not relax (HP, VTEAM, Yakopcic, ideal memristor).
    fn initial_state(&self, v: &[f64], x: &mut [f64]);

    /// The state derivative `f(x, V)` [state unit / s].
    fn state_rhs(&self, x: &[f64], v: &[f64], dx: &mut [f64]);

    /// The memconductance `G(x, V)` (row-major `n × n`).
    fn conductance(&self, x: &[f64], v: &[f64], g: &mut [f64]);

    /// For [`StateForm::Linear`] elements: the coefficients of `ẋ_j = a_j(V) − b_j(V) x_j`.
    /// Returns `false` (and leaves the buffers alone) for [`StateForm::General`] elements.
    fn linear_coefficients(&self, v: &[f64], a: &mut [f64], b: &mut [f64]) -> bool {
        let _ = (v, a, b);
        false
    }

    /// Whether the state equation is linear in the state (see [`StateForm`]).
    fn state_form(&self) -> StateForm {
        StateForm::General
    }

    /// Maps a state back into the element's physical domain after a numerical step (e.g. the
    /// normalised dopant front of the HP model into `[0, 1]`). Default: no constraint.
    fn project_state(&self, x: &mut [f64]) {
        let _ = x;
    }

    /// Derivatives of `f` and `G`. The default uses central finite differences with relative
    /// step `1e-6` (error `O(1e-12)` relative for smooth models); elements override it with
    /// closed forms where a solver's Newton stage needs them fast and exact.
    fn jacobian(&self, x: &[f64], v: &[f64], jac: &mut ElementJacobian) {
        finite_difference_jacobian(self, x, v, jac);
    }

    /// This element as a channel [`Mechanism`](mechanism::Mechanism) of a network neuron, if
    /// it is one (a one-port gated channel in series with its reversal potential: the same
    /// kinetics, `ḡ` and `E`). Default: `None`.
    fn mechanism(&self) -> Option<mechanism::Mechanism> {
        None
    }
}

/// Central finite-difference Jacobian of any element (used as the default of
/// [`Element::jacobian`] and to test closed forms).
pub fn finite_difference_jacobian<E: Element + ?Sized>(
    el: &E,
    x: &[f64],
    v: &[f64],
    jac: &mut ElementJacobian,
) {
    let (ns, n) = (el.n_states(), el.n_ports());
    let mut xp = x.to_vec();
    let mut vp = v.to_vec();
    let mut fp = vec![0.0; ns];
    let mut fm = vec![0.0; ns];
    let mut gp = vec![0.0; n * n];
    let mut gm = vec![0.0; n * n];
    for j in 0..ns {
        let h = 1e-6 * x[j].abs().max(1e-3);
        xp[j] = x[j] + h;
        el.state_rhs(&xp, v, &mut fp);
        el.conductance(&xp, v, &mut gp);
        xp[j] = x[j] - h;
        el.state_rhs(&xp, v, &mut fm);
        el.conductance(&xp, v, &mut gm);
        xp[j] = x[j];
        for r in 0..ns {
            jac.df_dx[r * ns + j] = (fp[r] - fm[r]) / (2.0 * h);
        }
        for r in 0..n * n {
            jac.dg_dx[r * ns + j] = (gp[r] - gm[r]) / (2.0 * h);
        }
    }
    for j in 0..n {
        let h = 1e-6 * v[j].abs().max(1e-3);
        vp[j] = v[j] + h;
        el.state_rhs(x, &vp, &mut fp);
        el.conductance(x, &vp, &mut gp);
        vp[j] = v[j] - h;
        el.state_rhs(x, &vp, &mut fm);
        el.conductance(x, &vp, &mut gm);
        vp[j] = v[j];
        for r in 0..ns {
            jac.df_dv[r * n + j] = (fp[r] - fm[r]) / (2.0 * h);
        }
        for r in 0..n * n {
            jac.dg_dv[r * n + j] = (gp[r] - gm[r]) / (2.0 * h);
        }
    }
}
