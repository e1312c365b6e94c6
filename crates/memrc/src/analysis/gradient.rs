//! The gradient structure of memristive elements (§III, Theorems 1 and 2).
//!
//! For a memristive element with memconductance operator `g` (eq. 7–9), on the Riemannian
//! manifold `(L2, 1/g)`:
//!
//! - dissipation (eq. 29a): `D_{1/g}(v) = ⟨i, v⟩_{1/g} = ⟨v, v⟩` — [`dissipation`];
//! - co-content (eq. 29b, Remark 1 eq. 31): `E_{1/g}(v̄) = ∫₀¹ ⟨i_s, dv_s/ds⟩_{1/g_s} ds =
//!   ½⟨v̄, v̄⟩` along *any* path `s ↦ v_s` from `0` to `v̄`, where `i_s` and `g_s` are the
//!   element's response to `v_s` — [`cocontent`] with the paths of [`Path`];
//! - Riemannian gradient (eq. 33d): `grad_{1/g} E_{1/g}(v) = g(v)·v = i`, i.e.
//!   `⟨i, w⟩_{1/g} = D_w E_{1/g}(v)` for every direction `w` — [`gradient`], which computes
//!   `D_w E` by central differences of the path-integral co-content (exact up to rounding
//!   because `E` is quadratic) and compares it with the element's current;
//! - multi-port versions (eq. 38–41): the same functions with `n`-vector signals and the metric
//!   `1/G = G⁻¹`.
//!
//! The static nonlinear resistor of Theorem 1 has the classical co-content
//! `E(v̄) = ∫₀^v̄ g(v) v dv ≠ ½ g(v̄) v̄²` (eq. 20b) — [`resistive_cocontent`] — while its
//! `1/g`-weighted co-content is `½ v̄²` (eq. 24b), the memoryless special case of the above.
//!
//! **Initial state along a path.** Each `v_s` is a signal on `[t0, T]`; its past before `t0` is
//! taken as the constant `v_s(t0)`, so the element starts from
//! [`Element::initial_state`]`(v_s(t0))` (the steady state for gates, the configured `x₀` for
//! devices). Quadratures: trapezoidal in time (see [`crate::trajectory`]), Gauss–Legendre in
//! `s`.

use super::MetricFloor;
use super::assumptions::{min_eigenvalue_sym, ports_of};
use crate::element::Element;
use crate::error::{Error, TrajectoryError};
use crate::memconductance::{Options, Response, memconductance};
use crate::trajectory::{Trajectory, metric_form};

/// An identity `lhs = rhs` measured on a trajectory.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct IdentityReport {
    /// Left-hand side as computed from the element.
    pub lhs: f64,
    /// Right-hand side (the paper's closed expression).
    pub rhs: f64,
    /// `|lhs − rhs| / |rhs|` (absolute when `rhs = 0`).
    pub rel_error: f64,
    /// Samples where the metric was floored (see [`MetricFloor`]).
    pub degenerate_samples: usize,
}

impl IdentityReport {
    fn new(lhs: f64, rhs: f64, degenerate_samples: usize) -> Self {
        let d = (lhs - rhs).abs();
        Self {
            lhs,
            rhs,
            rel_error: if rhs != 0.0 { d / rhs.abs() } else { d },
            degenerate_samples,
        }
    }
}

/// `⟨a, b⟩_{1/G}` with the metric floored where `G` degenerates; returns the value and the
/// number of floored samples. `g` has dimension `n²` for `n`-vector `a`, `b`.
pub fn metric_inner_floored(
    a: &Trajectory,
    b: &Trajectory,
    g: &Trajectory,
    floor: MetricFloor,
) -> Result<(f64, usize), TrajectoryError> {
    a.inner(b)?; // validates grid and dimension of a and b
    let n = ports_of(g)?;
    if n != a.dim() || g.len() != a.len() {
        return Err(TrajectoryError::Mismatch {
            what: "metric for the signals (n² entries per sample, same grid)".into(),
            expected: a.dim() * a.dim(),
            got: g.dim(),
        });
    }
    let eps = floor.value(g.norm_inf());
    let mut work = vec![0.0; n * n + 2 * n];
    let mut gk = vec![0.0; n * n];
    let mut total = 0.0;
    let mut degenerate = 0;
    for k in 0..a.len() {
        gk.copy_from_slice(g.at(k));
        let lmin = min_eigenvalue_sym(&gk, n);
        if !(lmin >= eps && lmin > 0.0) {
            degenerate += 1;
            let shift = eps.max(f64::MIN_POSITIVE) - lmin;
            for d in 0..n {
                gk[d * n + d] += shift;
            }
        }
        let val =
            metric_form(&gk, a.at(k), b.at(k), &mut work).ok_or(TrajectoryError::NonFinite {
                what: "metric 1/G".into(),
                index: k,
                value: lmin,
            })?;
        total += a.grid().weight(k) * val;
    }
    Ok((total, degenerate))
}

/// Eq. (29a): `D_{1/g}(v) = ⟨i, v⟩_{1/g}` against `⟨v, v⟩`, for the response `r` of an element
/// to the port voltages `v`.
pub fn dissipation(
    v: &Trajectory,
    r: &Response,
    floor: MetricFloor,
) -> Result<IdentityReport, Error> {
    let (lhs, degenerate) = metric_inner_floored(&r.i, v, &r.g, floor)?;
    Ok(IdentityReport::new(lhs, v.inner(v)?, degenerate))
}

/// A path `s ↦ v_s`, `s ∈ [0, 1]`, from `v_0 = 0` to `v_1 = v̄` in trajectory space (Remark 1).
#[derive(Debug, Clone, PartialEq)]
pub enum Path {
    /// `v_s = s·v̄`.
    Straight,
    /// `v_s = s²·v̄`.
    Quadratic,
    /// `v_s = sin(πs/2)·v̄`.
    Sine,
    /// `v_s(t) = (s + c(t)·s(1 − s))·v̄(t)` with `c(t) = sin(2π (t − t0)/(T − t0))`: different
    /// times travel at different speeds (monotonically, since `|c| ≤ 1`), so the path leaves
    /// every ray through `v̄`.
    Staggered,
    /// `v_s = s·v̄ + s(1 − s)·w`: bent away from the straight line in the direction `w`.
    Bent(Trajectory),
}

impl Path {
    /// `v_s` and `dv_s/ds` into the given buffers (same shape as `v̄`).
    pub fn eval(
        &self,
        v_bar: &Trajectory,
        s: f64,
        vs: &mut Trajectory,
        dvs: &mut Trajectory,
    ) -> Result<(), TrajectoryError> {
        let dim = v_bar.dim();
        let len = v_bar.len();
        let pi2 = std::f64::consts::FRAC_PI_2;
        for k in 0..len {
            let (p, dp) = match self {
                Self::Straight => (s, 1.0),
                Self::Quadratic => (s * s, 2.0 * s),
                Self::Sine => ((pi2 * s).sin(), pi2 * (pi2 * s).cos()),
                Self::Staggered => {
                    let c = (2.0 * std::f64::consts::PI * k as f64 / (len.max(2) - 1) as f64).sin();
                    (s + c * s * (1.0 - s), 1.0 + c * (1.0 - 2.0 * s))
                }
                Self::Bent(_) => (s, 1.0),
            };
            for c in 0..dim {
                let vb = v_bar.at(k)[c];
                vs.at_mut(k)[c] = p * vb;
                dvs.at_mut(k)[c] = dp * vb;
            }
        }
        if let Self::Bent(w) = self {
            if w.dim() != dim || w.len() != len {
                return Err(TrajectoryError::Mismatch {
                    what: "bend direction samples".into(),
                    expected: dim * len,
                    got: w.dim() * w.len(),
                });
            }
            for (j, wj) in w.data().iter().enumerate() {
                vs.data_mut()[j] += s * (1.0 - s) * wj;
                dvs.data_mut()[j] += (1.0 - 2.0 * s) * wj;
            }
        }
        Ok(())
    }

    /// Short name for reports.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Straight => "straight",
            Self::Quadratic => "quadratic",
            Self::Sine => "sine",
            Self::Staggered => "staggered",
            Self::Bent(_) => "bent",
        }
    }
}

/// Gauss–Legendre nodes and weights on `[0, 1]` (Newton iteration on the Legendre polynomial).
pub fn gauss_legendre(n: usize) -> (Vec<f64>, Vec<f64>) {
    if n <= 1 {
        return (vec![0.5], vec![1.0]);
    }
    let mut x = vec![0.0; n];
    let mut w = vec![0.0; n];
    for i in 0..n.div_ceil(2) {
        // Initial guess for the i-th root of P_n, refined by Newton's method.
        let mut z = (std::f64::consts::PI * (i as f64 + 0.75) / (n as f64 + 0.5)).cos();
        let mut dp = 1.0;
        for _ in 0..100 {
            let (mut p0, mut p1) = (1.0, z);
            for k in 2..=n {
                let p2 = ((2 * k - 1) as f64 * z * p1 - (k - 1) as f64 * p0) / k as f64;
                p0 = p1;
                p1 = p2;
            }
            dp = n as f64 * (z * p1 - p0) / (z * z - 1.0);
            let dz = p1 / dp;
            z -= dz;
            if dz.abs() < 1e-16 {
                break;
            }
        }
        let wi = 1.0 / ((1.0 - z * z) * dp * dp);
        x[i] = 0.5 * (1.0 - z);
        x[n - 1 - i] = 0.5 * (1.0 + z);
        w[i] = wi;
        w[n - 1 - i] = wi;
    }
    (x, w)
}

/// Settings of the path-integral computations.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct PathOptions {
    /// Gauss–Legendre nodes in `s` (default 16: exact for the polynomial paths — straight,
    /// quadratic, staggered, bent — whose integrand `⟨v_s, dv_s/ds⟩` has degree ≤ 3 in `s`, and
    /// accurate to rounding for [`Path::Sine`], whose integrand is entire).
    pub nodes: usize,
    /// Memconductance operator options.
    pub memconductance: Options,
    /// Metric floor.
    pub floor: MetricFloor,
}

impl Default for PathOptions {
    fn default() -> Self {
        Self {
            nodes: 16,
            memconductance: Options::default(),
            floor: MetricFloor::default(),
        }
    }
}

fn respond_from_rest(el: &dyn Element, v: &Trajectory, opts: Options) -> Result<Response, Error> {
    let mut x0 = vec![0.0; el.n_states()];
    el.initial_state(v.at(0), &mut x0);
    memconductance(el, v, &x0, opts)
}

/// Eq. (31): the co-content `E_{1/g}(v̄) = ∫₀¹ ⟨i_s, dv_s/ds⟩_{1/g_s} ds` along `path`, against
/// `½⟨v̄, v̄⟩`. `v_bar` holds port voltages (dimension `n_ports`).
pub fn cocontent(
    el: &dyn Element,
    v_bar: &Trajectory,
    path: &Path,
    opts: PathOptions,
) -> Result<IdentityReport, Error> {
    let (s_nodes, s_weights) = gauss_legendre(opts.nodes);
    let mut vs = v_bar.clone();
    let mut dvs = v_bar.clone();
    let mut total = 0.0;
    let mut degenerate = 0;
    for (s, w) in s_nodes.iter().zip(&s_weights) {
        path.eval(v_bar, *s, &mut vs, &mut dvs)?;
        let r = respond_from_rest(el, &vs, opts.memconductance)?;
        let (val, d) = metric_inner_floored(&r.i, &dvs, &r.g, opts.floor)?;
        total += w * val;
        degenerate += d;
    }
    Ok(IdentityReport::new(
        total,
        0.5 * v_bar.inner(v_bar)?,
        degenerate,
    ))
}

/// The Riemannian-gradient check of eq. (33d) in one direction.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct GradientReport {
    /// `D_w E_{1/g}(v)` by central differences of the path-integral co-content.
    pub directional_derivative: f64,
    /// `⟨i, w⟩_{1/g}` with `i` the element's current at `v`.
    pub metric_product: f64,
    /// `⟨v, w⟩`, the closed form of `D_w ½⟨v, v⟩`.
    pub l2_product: f64,
    /// `|D_w E − ⟨i, w⟩_{1/g}| / (‖v‖ ‖w‖)`.
    pub rel_error: f64,
    /// Samples where the metric was floored.
    pub degenerate_samples: usize,
}

/// Eq. (33d): checks `grad_{1/g} E_{1/g}(v) = i` in the direction `w` by
/// `D_w E(v) ≈ (E(v + εw) − E(v − εw)) / 2ε`, `E` from [`cocontent`] along straight paths, against
/// `⟨i(v), w⟩_{1/g(v)}`. `ε = 1e-3 ‖v‖/‖w‖`.
pub fn gradient(
    el: &dyn Element,
    v: &Trajectory,
    w: &Trajectory,
    opts: PathOptions,
) -> Result<GradientReport, Error> {
    let (nv, nw) = (v.norm(), w.norm());
    let eps = if nw > 0.0 {
        1e-3 * nv.max(1e-30) / nw
    } else {
        0.0
    };
    let e_plus = cocontent(el, &v.add_scaled(eps, w)?, &Path::Straight, opts)?;
    let e_minus = cocontent(el, &v.add_scaled(-eps, w)?, &Path::Straight, opts)?;
    let dd = if eps > 0.0 {
        (e_plus.lhs - e_minus.lhs) / (2.0 * eps)
    } else {
        0.0
    };
    let r = respond_from_rest(el, v, opts.memconductance)?;
    let (mp, degenerate) = metric_inner_floored(&r.i, w, &r.g, opts.floor)?;
    let scale = (nv * nw).max(f64::MIN_POSITIVE);
    Ok(GradientReport {
        directional_derivative: dd,
        metric_product: mp,
        l2_product: v.inner(w)?,
        rel_error: (dd - mp).abs() / scale,
        degenerate_samples: degenerate + e_plus.degenerate_samples + e_minus.degenerate_samples,
    })
}

/// The classical co-content of a static resistor `i = g(v) v` (eq. 20b),
/// `E(v̄) = ∫₀^v̄ g(v) v dv`, by 32-point Gauss–Legendre quadrature.
pub fn resistive_cocontent(g: impl Fn(f64) -> f64, v_bar: f64) -> f64 {
    let (x, w) = gauss_legendre(32);
    x.iter()
        .zip(&w)
        .map(|(s, w)| w * v_bar * g(s * v_bar) * s * v_bar)
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gauss_legendre_integrates_polynomials_exactly() {
        for n in [1, 2, 5, 16, 32] {
            let (x, w) = gauss_legendre(n);
            assert!((w.iter().sum::<f64>() - 1.0).abs() < 1e-14, "n = {n}");
            // ∫₀¹ s^{2n−1} ds = 1/(2n).
            let deg = 2 * n - 1;
            let q: f64 = x.iter().zip(&w).map(|(s, w)| w * s.powi(deg as i32)).sum();
            assert!((q - 1.0 / (2 * n) as f64).abs() < 1e-14, "n = {n}: {q}");
        }
    }

    #[test]
    fn staggered_path_integral_is_accurate() {
        // For any element the integrand is d/ds ½⟨v_s, v_s⟩ (Remark 1), a cubic in s for the
        // staggered path, which 16 Gauss–Legendre nodes integrate exactly.
        let el = crate::element::build("resistor", &[("g2", 0.0)]).expect("valid");
        let grid = crate::trajectory::Grid::span(0.0, 1.0, 500).expect("valid");
        let v = Trajectory::from_fn(grid, |t| (6.0 * t).sin() + 0.2).expect("finite");
        let r = cocontent(el.as_ref(), &v, &Path::Staggered, PathOptions::default())
            .expect("cocontent");
        assert!(r.rel_error < 1e-13, "{r:?}");
    }

    #[test]
    fn resistive_cocontent_of_a_cubic_resistor() {
        // g(v) = 1 + v²: E(v̄) = v̄²/2 + v̄⁴/4, while ½ g(v̄) v̄² = v̄²/2 + v̄⁴/2.
        let e = resistive_cocontent(|v| 1.0 + v * v, 2.0);
        assert!((e - 6.0).abs() < 1e-13);
    }
}
