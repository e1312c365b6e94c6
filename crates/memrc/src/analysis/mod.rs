//! The paper's assumptions and properties as reports, and the gradient structure of §III.
//!
//! Reports never panic and never fail on a property that does not hold: they *measure* it and
//! say so (`passive: false`, `epsilon ≤ 0`, `lambda ≈ 0`).
//!
//! - [`assumptions`]: Assumption 2 / eq. (37a) positivity and symmetry of the memconductance
//!   ([`assumptions::positivity`]), Assumption 1 fading memory measured by a perturbation
//!   experiment ([`assumptions::fading_memory`]), passivity eq. (12)
//!   ([`assumptions::passivity`]), pinched hysteresis and loop area against frequency
//!   ([`assumptions::pinching`], [`assumptions::loop_area`], [`assumptions::hysteresis_sweep`]).
//! - [`gradient`]: the `1/g`-weighted dissipation (eq. 29a), the co-content as a path integral
//!   along explicit paths (Remark 1, eq. 31), the Riemannian gradient `g(v)·v` (eq. 33d) checked
//!   by directional derivatives, the static nonlinear resistor (Theorem 1, eq. 20b) and the
//!   multi-port versions (eq. 38–41).
//!
//! ## Degenerate metrics
//! The metric `1/g` needs `g ≥ ε > 0` (Assumption 2). Some elements come arbitrarily close to
//! `g = 0` (a sodium channel `ḡ m³h` when hyperpolarised, a synapse at rest, a Yakopcic device
//! with `x → 0`), and the kinetic synapse's two-port `G` is only positive *semi*-definite.
//! memrc treats this with a **floor**: wherever `g < ε_floor` (or, for multi-ports, the smallest
//! eigenvalue of `G` is below `ε_floor`) the metric uses `ε_floor` instead (`G + (ε_floor −
//! λ_min) I` for matrices). [`MetricFloor`] sets it; the default is `1e-12 ×` the largest
//! conductance on the trajectory, far below any physical value, so it only engages at true
//! zeros. Every gradient report counts the floored samples (`degenerate_samples`); where it is
//! non-zero, the identities hold only on the non-degenerate part. For whole neurons the
//! alternative is the metric of the *total* membrane conductance `Σ g_k`, bounded below by the
//! leak, which is what the memRC solvers use.

pub mod assumptions;
pub mod energy;
pub mod gradient;

use crate::trajectory::Trajectory;

/// The smaller of `a` and `b`, NaN if either is: the fold of every minimum the reports take, so
/// a NaN sample fails a check (`NaN ≥ 0` is false) instead of being dropped as `f64::min` drops
/// it (IEEE 754 `minNum`; issue #14 §3).
pub(crate) fn min_nan(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.min(b)
    }
}

/// `max |x|` over the samples of `t`, NaN if any sample is (unlike [`Trajectory::norm_inf`],
/// which folds with `f64::max` and drops a NaN).
pub(crate) fn norm_inf_nan(t: &Trajectory) -> f64 {
    t.data().iter().fold(0.0, |m, x| max_nan(m, x.abs()))
}

/// The larger of `a` and `b`, NaN if either is ([`min_nan`]'s counterpart).
pub(crate) fn max_nan(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.max(b)
    }
}

/// The floor of the `1/g` metric (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MetricFloor {
    /// `ε_floor = factor × max |g|` over the trajectory (default factor `1e-12`).
    Relative(f64),
    /// A fixed `ε_floor` [S or S/m²].
    Absolute(f64),
}

impl Default for MetricFloor {
    fn default() -> Self {
        Self::Relative(1e-12)
    }
}

impl MetricFloor {
    /// The floor for a conductance trajectory whose largest magnitude is `g_max`.
    pub fn value(self, g_max: f64) -> f64 {
        match self {
            Self::Relative(f) => f * g_max,
            Self::Absolute(e) => e,
        }
    }
}
