//! Signals on a uniform time grid and the inner products of the paper.
//!
//! A [`Trajectory`] holds `n` samples of a `dim`-vector signal on the nodes `t_k = t0 + k·dt`
//! of a [`Grid`], stored row-major (`data[k·dim + c]`). Between nodes a trajectory is read as
//! **piecewise linear**, which is how the solvers discretise time (their second-order schemes
//! use the node values at both ends of each step). Accordingly every integral over time is the
//! **trapezoidal rule on the grid nodes**,
//!
//! ```text
//!   ∫ h(t) dt ≈ Σ_k dt/2 · (h_k + h_{k+1}),
//! ```
//!
//! applied to the pointwise integrand `h` (e.g. `aᵀb`, `aᵀG⁻¹b`). It is second-order accurate for
//! smooth signals and exact for the identities of §III, which hold node by node.
//!
//! Inner products (all on `[t0, T]`, `T` the last node):
//! - [`Trajectory::inner`]: `⟨a, b⟩ = ∫ aᵀb dt` (eq. 13, 27, 38);
//! - [`Trajectory::inner_fading`]: `⟨a, b⟩_λ = ∫ aᵀb e^{2λ(t−T)} dt` (eq. 6, shifted so the
//!   present is `T`);
//! - [`Trajectory::inner_metric`]: `⟨a, b⟩_{1/g} = ∫ a b / g dt` (eq. 28) for a scalar
//!   metric, `⟨a, b⟩_{1/G} = ∫ aᵀ G⁻¹ b dt` (eq. 41) for a symmetric positive definite `G(t)`
//!   (stored as a trajectory of dimension `n²`).
//!
//! Operations: norms, [`Trajectory::restrict`] to a window, the shift-and-project
//! [`Trajectory::shift_project`] `Δ_t` (eq. 8), [`Trajectory::value_at`] (linear interpolation)
//! and [`Trajectory::resample`].

use crate::error::TrajectoryError;

/// A uniform time grid: `n` nodes `t_k = t0 + k·dt` \[s\].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Grid {
    t0: f64,
    dt: f64,
    n: usize,
}

impl Grid {
    /// A grid of `n ≥ 1` nodes from `t0` with step `dt > 0` \[s\].
    pub fn new(t0: f64, dt: f64, n: usize) -> Result<Self, TrajectoryError> {
        if !t0.is_finite() {
            return Err(TrajectoryError::BadStart { t0 });
        }
        if !(dt.is_finite() && dt > 0.0) {
            return Err(TrajectoryError::BadStep { dt });
        }
        if n == 0 {
            return Err(TrajectoryError::TooFewNodes { got: 0, min: 1 });
        }
        Ok(Self { t0, dt, n })
    }

    /// The grid covering `[t0, t_end]` with `steps` equal steps (`steps + 1` nodes).
    pub fn span(t0: f64, t_end: f64, steps: usize) -> Result<Self, TrajectoryError> {
        if !(t0.is_finite() && t_end.is_finite() && t_end > t0) {
            return Err(TrajectoryError::BadWindow {
                start: t0,
                end: t_end,
            });
        }
        if steps == 0 {
            return Err(TrajectoryError::TooFewNodes { got: 1, min: 2 });
        }
        Self::new(t0, (t_end - t0) / steps as f64, steps + 1)
    }

    /// The grid of sample times `times`, which must be increasing and equally spaced (to a
    /// relative tolerance of 1e-9 of the step).
    pub fn from_times(times: &[f64]) -> Result<Self, TrajectoryError> {
        match times {
            [] => Err(TrajectoryError::TooFewNodes { got: 0, min: 1 }),
            [t0] if !t0.is_finite() => Err(TrajectoryError::BadStart { t0: *t0 }),
            [_] => Err(TrajectoryError::TooFewNodes { got: 1, min: 2 }),
            _ => {
                for (k, w) in times.windows(2).enumerate() {
                    if w[1].partial_cmp(&w[0]) != Some(std::cmp::Ordering::Greater) {
                        return Err(TrajectoryError::NotIncreasing {
                            index: k + 1,
                            t: w[1],
                            previous: w[0],
                        });
                    }
                }
                let n = times.len();
                let dt = (times[n - 1] - times[0]) / (n - 1) as f64;
                for (k, &t) in times.iter().enumerate() {
                    let expect = times[0] + k as f64 * dt;
                    if (t - expect).abs() > 1e-9 * dt {
                        return Err(TrajectoryError::NotUniform {
                            index: k,
                            step: if k > 0 { t - times[k - 1] } else { dt },
                            dt,
                        });
                    }
                }
                Self::new(times[0], dt, n)
            }
        }
    }

    /// First node \[s\].
    pub fn t0(&self) -> f64 {
        self.t0
    }
    /// Step \[s\].
    pub fn dt(&self) -> f64 {
        self.dt
    }
    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.n
    }
    /// Always false: a grid has at least one node.
    pub fn is_empty(&self) -> bool {
        false
    }
    /// Number of steps (`len − 1`).
    pub fn steps(&self) -> usize {
        self.n - 1
    }
    /// Last node `T` \[s\].
    pub fn t_end(&self) -> f64 {
        self.time(self.n - 1)
    }
    /// Node `k` \[s\].
    #[inline]
    pub fn time(&self, k: usize) -> f64 {
        self.t0 + k as f64 * self.dt
    }
    /// All node times.
    pub fn times(&self) -> Vec<f64> {
        (0..self.n).map(|k| self.time(k)).collect()
    }
    /// Trapezoid weight of node `k`: `dt/2` at the ends, `dt` inside, `0` for a single node.
    #[inline]
    pub fn weight(&self, k: usize) -> f64 {
        if self.n == 1 {
            0.0
        } else if k == 0 || k == self.n - 1 {
            0.5 * self.dt
        } else {
            self.dt
        }
    }

    fn same_as(&self, other: &Grid) -> bool {
        self.n == other.n
            && (self.dt - other.dt).abs() <= 1e-12 * self.dt
            && (self.t0 - other.t0).abs() <= 1e-12 * self.dt.max(self.t0.abs())
    }

    fn describe(&self) -> String {
        format!("t0={}, dt={}, n={}", self.t0, self.dt, self.n)
    }
}

/// A `dim`-vector signal sampled on a [`Grid`]; piecewise linear between nodes.
#[derive(Debug, Clone, PartialEq)]
pub struct Trajectory {
    grid: Grid,
    dim: usize,
    data: Vec<f64>,
}

impl Trajectory {
    /// A trajectory from row-major samples (`grid.len() · dim` values, all finite).
    pub fn new(grid: Grid, dim: usize, data: Vec<f64>) -> Result<Self, TrajectoryError> {
        if dim == 0 {
            return Err(TrajectoryError::Mismatch {
                what: "trajectory dimension".into(),
                expected: 1,
                got: 0,
            });
        }
        if data.len() != grid.len() * dim {
            return Err(TrajectoryError::Mismatch {
                what: format!("samples for {} nodes of dimension {dim}", grid.len()),
                expected: grid.len() * dim,
                got: data.len(),
            });
        }
        if let Some((index, &value)) = data.iter().enumerate().find(|(_, x)| !x.is_finite()) {
            return Err(TrajectoryError::NonFinite {
                what: "trajectory".into(),
                index: index / dim,
                value,
            });
        }
        Ok(Self { grid, dim, data })
    }

    /// A scalar trajectory from samples.
    pub fn scalar(grid: Grid, values: Vec<f64>) -> Result<Self, TrajectoryError> {
        Self::new(grid, 1, values)
    }

    /// A scalar trajectory from `(time, value)` samples on an equally spaced, increasing grid.
    pub fn from_samples(times: &[f64], values: &[f64]) -> Result<Self, TrajectoryError> {
        let grid = Grid::from_times(times)?;
        if values.len() != times.len() {
            return Err(TrajectoryError::Mismatch {
                what: "values for the sample times".into(),
                expected: times.len(),
                got: values.len(),
            });
        }
        Self::scalar(grid, values.to_vec())
    }

    /// The scalar trajectory `f(t_k)`.
    pub fn from_fn(grid: Grid, f: impl Fn(f64) -> f64) -> Result<Self, TrajectoryError> {
        Self::scalar(grid, (0..grid.len()).map(|k| f(grid.time(k))).collect())
    }

    /// All zeros.
    pub fn zeros(grid: Grid, dim: usize) -> Self {
        Self {
            grid,
            dim: dim.max(1),
            data: vec![0.0; grid.len() * dim.max(1)],
        }
    }

    /// The time grid.
    pub fn grid(&self) -> &Grid {
        &self.grid
    }
    /// Dimension of each sample.
    pub fn dim(&self) -> usize {
        self.dim
    }
    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.grid.len()
    }
    /// Always false: a grid has at least one node.
    pub fn is_empty(&self) -> bool {
        false
    }
    /// Row-major samples.
    pub fn data(&self) -> &[f64] {
        &self.data
    }
    /// Mutable row-major samples (callers keep them finite).
    pub fn data_mut(&mut self) -> &mut [f64] {
        &mut self.data
    }
    /// Sample `k` (a slice of length `dim`).
    #[inline]
    pub fn at(&self, k: usize) -> &[f64] {
        &self.data[k * self.dim..(k + 1) * self.dim]
    }
    /// Mutable sample `k`.
    #[inline]
    pub fn at_mut(&mut self, k: usize) -> &mut [f64] {
        &mut self.data[k * self.dim..(k + 1) * self.dim]
    }
    /// Component `c` of every sample.
    pub fn component(&self, c: usize) -> Vec<f64> {
        self.data
            .iter()
            .skip(c)
            .step_by(self.dim)
            .copied()
            .collect()
    }
    /// Consumes the trajectory, returning its samples.
    pub fn into_data(self) -> Vec<f64> {
        self.data
    }

    /// `self + s·other` (same grid and dimension).
    pub fn add_scaled(&self, s: f64, other: &Trajectory) -> Result<Trajectory, TrajectoryError> {
        self.check_same(other, "add_scaled")?;
        let data = self
            .data
            .iter()
            .zip(&other.data)
            .map(|(a, b)| a + s * b)
            .collect();
        Ok(Self {
            grid: self.grid,
            dim: self.dim,
            data,
        })
    }

    /// `s·self`.
    pub fn scaled(&self, s: f64) -> Trajectory {
        Self {
            grid: self.grid,
            dim: self.dim,
            data: self.data.iter().map(|a| s * a).collect(),
        }
    }

    /// Pointwise map of the samples.
    pub fn map(&self, f: impl Fn(f64) -> f64) -> Trajectory {
        Self {
            grid: self.grid,
            dim: self.dim,
            data: self.data.iter().map(|&a| f(a)).collect(),
        }
    }

    fn check_same(&self, other: &Trajectory, what: &str) -> Result<(), TrajectoryError> {
        if !self.grid.same_as(&other.grid) {
            return Err(TrajectoryError::GridMismatch {
                a: self.grid.describe(),
                b: other.grid.describe(),
            });
        }
        if self.dim != other.dim {
            return Err(TrajectoryError::Mismatch {
                what: format!("dimension of the second trajectory in {what}"),
                expected: self.dim,
                got: other.dim,
            });
        }
        Ok(())
    }

    /// Trapezoid integral of a pointwise integrand `h(k)` over the grid.
    fn integrate(&self, mut h: impl FnMut(usize) -> f64) -> f64 {
        (0..self.len()).map(|k| self.grid.weight(k) * h(k)).sum()
    }

    /// `∫ h(t) dt` of the scalar pointwise products; shared by the inner products.
    fn dot_at(&self, other: &Trajectory, k: usize) -> f64 {
        self.at(k).iter().zip(other.at(k)).map(|(a, b)| a * b).sum()
    }

    /// The L2 inner product `⟨a, b⟩ = ∫_{t0}^{T} a(t)ᵀ b(t) dt` (eq. 13, 27, 38), trapezoidal.
    pub fn inner(&self, other: &Trajectory) -> Result<f64, TrajectoryError> {
        self.check_same(other, "inner product")?;
        Ok(self.integrate(|k| self.dot_at(other, k)))
    }

    /// `‖a‖ = √⟨a, a⟩`.
    pub fn norm(&self) -> f64 {
        self.integrate(|k| self.dot_at(self, k)).sqrt()
    }

    /// The sup norm `max_k max_c |a_k,c|`.
    pub fn norm_inf(&self) -> f64 {
        self.data.iter().fold(0.0, |m, x| m.max(x.abs()))
    }

    /// The fading-memory inner product `⟨a, b⟩_λ = ∫ aᵀb e^{2λ(t−T)} dt` (eq. 6, with the present
    /// at the last node `T`); `λ ≥ 0` \[1/s\].
    pub fn inner_fading(&self, other: &Trajectory, lambda: f64) -> Result<f64, TrajectoryError> {
        self.check_same(other, "fading-memory inner product")?;
        let t_end = self.grid.t_end();
        Ok(self.integrate(|k| {
            self.dot_at(other, k) * (2.0 * lambda * (self.grid.time(k) - t_end)).exp()
        }))
    }

    /// The metric inner product `⟨a, b⟩_{1/g} = ∫ a b / g dt` (eq. 28) when `g` is scalar
    /// (`dim 1`), and `⟨a, b⟩_{1/G} = ∫ aᵀ G⁻¹ b dt` (eq. 41) when `g` has dimension `n²` for
    /// `n`-vector `a`, `b` (row-major `G`, symmetric positive definite at every node).
    ///
    /// Fails with [`TrajectoryError::NonFinite`] where `g ≤ 0` or `G` is not positive definite
    /// (the metric is degenerate; see [`crate::analysis`] for floored variants).
    pub fn inner_metric(&self, other: &Trajectory, g: &Trajectory) -> Result<f64, TrajectoryError> {
        self.check_same(other, "metric inner product")?;
        let n = self.dim;
        if !self.grid.same_as(&g.grid) {
            return Err(TrajectoryError::GridMismatch {
                a: self.grid.describe(),
                b: g.grid.describe(),
            });
        }
        if g.dim != n * n {
            return Err(TrajectoryError::Mismatch {
                what: "metric dimension (n² for n-vector signals)".into(),
                expected: n * n,
                got: g.dim,
            });
        }
        let mut total = 0.0;
        let mut work = vec![0.0; n * n + 2 * n];
        for k in 0..self.len() {
            let w = self.grid.weight(k);
            let val =
                metric_form(g.at(k), self.at(k), other.at(k), &mut work).ok_or_else(|| {
                    TrajectoryError::NonFinite {
                        what: "metric 1/G (G not positive definite)".into(),
                        index: k,
                        value: g.at(k)[0],
                    }
                })?;
            total += w * val;
        }
        Ok(total)
    }

    /// The samples at the nodes within the window `[start, end]` (inclusive, to a tolerance of
    /// 1e-9 of a step), as a trajectory on the sub-grid.
    pub fn restrict(&self, start: f64, end: f64) -> Result<Trajectory, TrajectoryError> {
        if !(start.is_finite() && end.is_finite() && end >= start) {
            return Err(TrajectoryError::BadWindow { start, end });
        }
        let g = &self.grid;
        let tol = 1e-9;
        let first = ((start - g.t0) / g.dt - tol).ceil().max(0.0) as usize;
        let last_f = ((end - g.t0) / g.dt + tol).floor();
        if last_f < 0.0 || first >= g.len() || (last_f as usize) < first {
            return Err(TrajectoryError::BadWindow { start, end });
        }
        let last = (last_f as usize).min(g.len() - 1);
        let grid = Grid::new(g.time(first), g.dt, last - first + 1)?;
        Ok(Self {
            grid,
            dim: self.dim,
            data: self.data[first * self.dim..(last + 1) * self.dim].to_vec(),
        })
    }

    /// Linear interpolation at time `t` into `out` (length `dim`); `t` must lie in the grid.
    pub fn value_at(&self, t: f64, out: &mut [f64]) -> Result<(), TrajectoryError> {
        let g = &self.grid;
        let s = (t - g.t0) / g.dt;
        let tol = 1e-9;
        if !(s >= -tol && s <= g.steps() as f64 + tol) {
            return Err(TrajectoryError::OutOfRange {
                t,
                t0: g.t0,
                t1: g.t_end(),
            });
        }
        if out.len() != self.dim {
            return Err(TrajectoryError::Mismatch {
                what: "interpolation output buffer".into(),
                expected: self.dim,
                got: out.len(),
            });
        }
        let s = s.clamp(0.0, g.steps() as f64);
        let k = (s.floor() as usize).min(g.steps().saturating_sub(1));
        let theta = s - k as f64;
        if g.len() == 1 {
            out.copy_from_slice(self.at(0));
            return Ok(());
        }
        for ((o, a), b) in out.iter_mut().zip(self.at(k)).zip(self.at(k + 1)) {
            *o = (1.0 - theta) * a + theta * b;
        }
        Ok(())
    }

    /// The trajectory linearly interpolated onto `grid` (which must lie within this one).
    pub fn resample(&self, grid: Grid) -> Result<Trajectory, TrajectoryError> {
        let mut data = vec![0.0; grid.len() * self.dim];
        for (k, row) in data.chunks_exact_mut(self.dim).enumerate() {
            self.value_at(grid.time(k), row)?;
        }
        Ok(Self {
            grid,
            dim: self.dim,
            data,
        })
    }

    /// The shift-and-project operator `Δ_t` (eq. 8): the past of the signal up to time `t`,
    /// shifted so that `t` becomes `0`, i.e. `Δ_t(v)(s) = v(s + t)` for `s ∈ [t0 − t, 0]`.
    /// It is sampled with this grid's step backwards from `s = 0` (nodes `s_j = −j·dt`), by
    /// linear interpolation when `t` falls between nodes.
    pub fn shift_project(&self, t: f64) -> Result<Trajectory, TrajectoryError> {
        let g = &self.grid;
        if !(t.is_finite() && t >= g.t0 - 1e-9 * g.dt && t <= g.t_end() + 1e-9 * g.dt) {
            return Err(TrajectoryError::OutOfRange {
                t,
                t0: g.t0,
                t1: g.t_end(),
            });
        }
        let m = (((t - g.t0) / g.dt) + 1e-9).floor().max(0.0) as usize;
        let grid = Grid::new(-(m as f64) * g.dt, g.dt, m + 1)?;
        let mut data = vec![0.0; (m + 1) * self.dim];
        for (j, row) in data.chunks_exact_mut(self.dim).enumerate() {
            let s = grid.time(j);
            self.value_at((s + t).max(g.t0), row)?;
        }
        Ok(Self {
            grid,
            dim: self.dim,
            data,
        })
    }
}

/// `aᵀ G⁻¹ b` for a small symmetric positive definite `G` (row-major `n × n`) by an in-place
/// Cholesky factorisation in `work` (`n² + 2n` entries); `None` if `G` is not positive definite.
/// Hand-written because it runs once per grid node on tiny matrices (the port count of one
/// element), where a general-purpose factorisation's allocation would dominate.
pub(crate) fn metric_form(g: &[f64], a: &[f64], b: &[f64], work: &mut [f64]) -> Option<f64> {
    let n = a.len();
    if n == 1 {
        return (g[0] > 0.0).then(|| a[0] * b[0] / g[0]);
    }
    let (l, rest) = work.split_at_mut(n * n);
    let (ya, yb) = rest.split_at_mut(n);
    l.copy_from_slice(g);
    for j in 0..n {
        let mut d = l[j * n + j];
        for k in 0..j {
            d -= l[j * n + k] * l[j * n + k];
        }
        if d.is_nan() || d <= 0.0 {
            return None;
        }
        let d = d.sqrt();
        l[j * n + j] = d;
        for i in j + 1..n {
            let mut s = 0.5 * (l[i * n + j] + l[j * n + i]);
            for k in 0..j {
                s -= l[i * n + k] * l[j * n + k];
            }
            l[i * n + j] = s / d;
        }
    }
    // aᵀ G⁻¹ b = (L⁻¹a)ᵀ (L⁻¹b): solve L y = a, L z = b, return y·z.
    let solve = |rhs: &[f64], out: &mut [f64]| {
        for i in 0..n {
            let mut s = rhs[i];
            for k in 0..i {
                s -= l[i * n + k] * out[k];
            }
            out[i] = s / l[i * n + i];
        }
    };
    solve(a, ya);
    solve(b, yb);
    Some(ya.iter().zip(yb.iter()).map(|(p, q)| p * q).sum())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(n: usize) -> Grid {
        Grid::span(0.0, 1.0, n).expect("valid grid")
    }

    #[test]
    fn bad_grids_are_rejected() {
        assert!(matches!(
            Grid::new(0.0, 0.0, 3),
            Err(TrajectoryError::BadStep { .. })
        ));
        assert!(matches!(
            Grid::new(0.0, -1.0, 3),
            Err(TrajectoryError::BadStep { .. })
        ));
        assert!(matches!(
            Grid::new(0.0, f64::NAN, 3),
            Err(TrajectoryError::BadStep { .. })
        ));
        assert!(matches!(
            Grid::new(0.0, 1.0, 0),
            Err(TrajectoryError::TooFewNodes { .. })
        ));
        assert!(matches!(
            Grid::from_times(&[]),
            Err(TrajectoryError::TooFewNodes { .. })
        ));
        assert!(matches!(
            Grid::from_times(&[0.0, 1.0, 1.0]),
            Err(TrajectoryError::NotIncreasing { index: 2, .. })
        ));
        assert!(matches!(
            Grid::from_times(&[0.0, 1.0, 2.5]),
            Err(TrajectoryError::NotUniform { .. })
        ));
        let g = Grid::from_times(&[0.0, 0.1, 0.2, 0.30000000000000004]).expect("uniform");
        assert_eq!(g.len(), 4);
        assert!(Trajectory::scalar(g, vec![0.0, 1.0]).is_err());
        assert!(Trajectory::scalar(g, vec![0.0, 1.0, f64::NAN, 0.0]).is_err());
        let a = Trajectory::zeros(grid(10), 1);
        let b = Trajectory::zeros(grid(20), 1);
        assert!(matches!(
            a.inner(&b),
            Err(TrajectoryError::GridMismatch { .. })
        ));
    }

    #[test]
    fn inner_product_is_second_order_and_exact_for_linear_integrands() {
        // ∫₀¹ t · 1 dt = 1/2 exactly with the trapezoid rule.
        let g = grid(7);
        let t = Trajectory::from_fn(g, |t| t).expect("finite");
        let one = Trajectory::from_fn(g, |_| 1.0).expect("finite");
        assert!((t.inner(&one).expect("same grid") - 0.5).abs() < 1e-15);
        // ∫₀¹ sin²(πt) dt = 1/2; error ∝ dt².
        let err = |n| {
            let s = Trajectory::from_fn(grid(n), |t| (std::f64::consts::PI * t).sin() + t * t)
                .expect("finite");
            let exact = 0.5
                + 1.0 / 5.0
                + 2.0 * (std::f64::consts::PI.powi(2) - 4.0) / std::f64::consts::PI.powi(3);
            (s.norm().powi(2) - exact).abs()
        };
        let ratio = err(40) / err(80);
        assert!((ratio - 4.0).abs() < 0.1, "trapezoid order ratio {ratio}");
    }

    #[test]
    fn fading_and_metric_products() {
        let g = grid(2000);
        let one = Trajectory::from_fn(g, |_| 1.0).expect("finite");
        // ∫₀¹ e^{2λ(t−1)} dt = (1 − e^{−2λ})/(2λ).
        let lam: f64 = 3.0;
        let exact = (1.0 - (-2.0 * lam).exp()) / (2.0 * lam);
        let got = one.inner_fading(&one, lam).expect("same grid");
        assert!((got - exact).abs() < 1e-6, "{got} vs {exact}");
        // λ = 0 is the plain L2 product: exact up to the rounding of 2000 summed weights.
        assert!(
            (one.inner_fading(&one, 0.0).expect("same grid") - 1.0).abs() < 2000.0 * f64::EPSILON
        );
        // Scalar metric: ∫ 1·1/(1+t) dt = ln 2.
        let gm = Trajectory::from_fn(g, |t| 1.0 + t).expect("finite");
        let got = one.inner_metric(&one, &gm).expect("positive metric");
        assert!((got - 2f64.ln()).abs() < 1e-7);
        // Matrix metric: G = [[2,1],[1,2]] constant, a = (1,0), b = (0,1): aᵀG⁻¹b = −1/3.
        let a = Trajectory::new(g, 2, [1.0, 0.0].repeat(g.len())).expect("finite");
        let b = Trajectory::new(g, 2, [0.0, 1.0].repeat(g.len())).expect("finite");
        let gg = Trajectory::new(g, 4, [2.0, 1.0, 1.0, 2.0].repeat(g.len())).expect("finite");
        let got = a.inner_metric(&b, &gg).expect("positive definite");
        assert!((got + 1.0 / 3.0).abs() < 1e-14, "{got}");
        let bad = Trajectory::new(g, 4, [1.0, 2.0, 2.0, 1.0].repeat(g.len())).expect("finite");
        assert!(a.inner_metric(&b, &bad).is_err());
        let zero = Trajectory::zeros(g, 1);
        assert!(one.inner_metric(&one, &zero).is_err());
    }

    #[test]
    fn restrict_interpolate_and_shift() {
        let g = Grid::new(0.0, 0.1, 11).expect("valid");
        let v = Trajectory::from_fn(g, |t| 2.0 * t).expect("finite");
        let w = v.restrict(0.2, 0.5).expect("inside");
        assert_eq!(w.len(), 4);
        assert!((w.grid().t0() - 0.2).abs() < 1e-12);
        assert!((w.at(3)[0] - 1.0).abs() < 1e-12);
        let mut out = [0.0];
        v.value_at(0.25, &mut out).expect("inside");
        assert!((out[0] - 0.5).abs() < 1e-12);
        assert!(v.value_at(1.5, &mut out).is_err());
        assert!(v.restrict(0.5, 0.2).is_err());
        // Δ_t at t = 0.35: samples v(0.35 − j·0.1), j = 0..3, on s = −0.3 .. 0.
        let d = v.shift_project(0.35).expect("inside");
        assert_eq!(d.len(), 4);
        assert!((d.grid().t_end()).abs() < 1e-12);
        assert!((d.at(3)[0] - 0.7).abs() < 1e-12);
        assert!((d.at(0)[0] - 0.1).abs() < 1e-12);
        let r = v
            .resample(Grid::new(0.05, 0.1, 10).expect("valid"))
            .expect("inside");
        assert!((r.at(0)[0] - 0.1).abs() < 1e-12);
    }
}
