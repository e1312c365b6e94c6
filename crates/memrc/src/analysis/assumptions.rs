//! Assumptions 1–3 and the dissipative properties of §II-B/C, measured on trajectories.

use super::{max_nan, min_nan, norm_inf_nan};
use crate::element::Element;
use crate::error::{Error, TrajectoryError};
use crate::memconductance::{Options, memconductance};
use crate::trajectory::{Grid, Trajectory};

/// Assumption 2 (eq. 11) for one-ports, Assumption 3 (eq. 37a) for multi-ports: how positive
/// and how symmetric the memconductance is along a trajectory.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct PositivityReport {
    /// `ε = min_t λ_min(sym G(t))` (for one-ports `min_t g(t)`) [S or S/m²]: the largest
    /// constant for which eq. (11)/(37a) holds on this trajectory.
    pub epsilon: f64,
    /// Time at which the minimum is reached \[s\].
    pub t_min: f64,
    /// `max_t ‖G(t)‖_max` [S or S/m²].
    pub max_conductance: f64,
    /// `max_t max_rc |G_rc − G_cr| / max_conductance` (0 for one-ports).
    pub asymmetry: f64,
    /// `asymmetry ≤ 1e-12`.
    pub symmetric: bool,
    /// `epsilon > 0` and `symmetric`: the assumption holds on this trajectory.
    pub holds: bool,
}

/// Smallest eigenvalue of the symmetric part of a small row-major `n × n` matrix.
pub fn min_eigenvalue_sym(g: &[f64], n: usize) -> f64 {
    match n {
        1 => g[0],
        2 => {
            let (a, d) = (g[0], g[3]);
            let b = 0.5 * (g[1] + g[2]);
            let m = 0.5 * (a + d);
            let r = (0.25 * (a - d) * (a - d) + b * b).sqrt();
            m - r
        }
        _ => {
            let m = nalgebra::DMatrix::from_fn(n, n, |r, c| 0.5 * (g[r * n + c] + g[c * n + r]));
            m.symmetric_eigenvalues()
                .iter()
                .copied()
                .fold(f64::INFINITY, min_nan)
        }
    }
}

/// Port count `n` of a conductance trajectory of dimension `n²`.
pub(crate) fn ports_of(g: &Trajectory) -> Result<usize, TrajectoryError> {
    let n = (g.dim() as f64).sqrt().round() as usize;
    if n * n != g.dim() {
        return Err(TrajectoryError::Mismatch {
            what: "conductance trajectory dimension (must be a square n²)".into(),
            expected: n * n,
            got: g.dim(),
        });
    }
    Ok(n)
}

/// Measures Assumption 2 / eq. (37a) on a conductance trajectory `g` (dimension `n²`).
pub fn positivity(g: &Trajectory) -> Result<PositivityReport, TrajectoryError> {
    let n = ports_of(g)?;
    let mut eps = f64::INFINITY;
    let mut t_min = g.grid().t0();
    let max_conductance = norm_inf_nan(g);
    let mut asym: f64 = 0.0;
    for k in 0..g.len() {
        let gk = g.at(k);
        let l = min_eigenvalue_sym(gk, n);
        // A NaN conductance fails the assumption (it would compare false and be skipped).
        if (l.is_nan() && !eps.is_nan()) || l < eps {
            eps = l;
            t_min = g.grid().time(k);
        }
        for r in 0..n {
            for c in 0..r {
                asym = max_nan(asym, (gk[r * n + c] - gk[c * n + r]).abs());
            }
        }
    }
    // A zero matrix is symmetric; a NaN one is not (NaN / NaN stays NaN).
    let asymmetry = if max_conductance == 0.0 {
        0.0
    } else {
        asym / max_conductance
    };
    let symmetric = asymmetry <= 1e-12;
    Ok(PositivityReport {
        epsilon: eps,
        t_min,
        max_conductance,
        asymmetry,
        symmetric,
        holds: eps > 0.0 && symmetric,
    })
}

/// Passivity (eq. 12): the energy `∫_{t0}^{t} vᵀ i ds` absorbed by the element up to every
/// node.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PassivityReport {
    /// Dissipated energy over the whole trajectory `∫ vᵀ i dt` [J, or J/m²].
    pub dissipated_energy: f64,
    /// Smallest cumulative absorbed energy over all times \[J\].
    pub min_cumulative_energy: f64,
    /// Smallest instantaneous power `vᵀ i` \[W\].
    pub min_power: f64,
    /// `min_cumulative_energy ≥ −tol`, `tol = 1e-12 ∫|vᵀi| dt` (rounding): the element never
    /// returned more energy than it absorbed.
    pub passive: bool,
    /// Cumulative energy at every node \[J\] (trapezoidal).
    #[serde(skip)]
    pub cumulative: Vec<f64>,
}

/// Measures passivity (eq. 12) of port voltages `v` and currents `i` (same grid and dimension).
pub fn passivity(v: &Trajectory, i: &Trajectory) -> Result<PassivityReport, TrajectoryError> {
    let total = v.inner(i)?; // validates grids and dimensions
    let dt = v.grid().dt();
    let power: Vec<f64> = (0..v.len())
        .map(|k| v.at(k).iter().zip(i.at(k)).map(|(a, b)| a * b).sum())
        .collect();
    let mut cumulative = Vec::with_capacity(v.len());
    let mut e = 0.0;
    let mut abs = 0.0;
    cumulative.push(0.0);
    for w in power.windows(2) {
        e += 0.5 * dt * (w[0] + w[1]);
        abs += 0.5 * dt * (w[0].abs() + w[1].abs());
        cumulative.push(e);
    }
    let min_cumulative_energy = cumulative.iter().copied().fold(f64::INFINITY, min_nan);
    let min_power = power.iter().copied().fold(f64::INFINITY, min_nan);
    Ok(PassivityReport {
        dissipated_energy: total,
        min_cumulative_energy,
        min_power,
        passive: min_cumulative_energy >= -1e-12 * abs,
        cumulative,
    })
}

/// Pinched hysteresis: `i = 0` whenever `v = 0` (one-ports).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct PinchReport {
    /// Number of zero crossings (or exact zeros) of `v` found on the trajectory.
    pub crossings: usize,
    /// `max |G(x_c, 0)·0|` over the crossings, with `x_c` the state interpolated at the
    /// crossing: `0` when the conductance is finite at `v = 0`, NaN/∞ when it is not.
    pub max_current_at_zero: f64,
    /// `max |G(x_c, 0)|` over the crossings \[S\].
    pub max_conductance_at_zero: f64,
    /// At least one crossing and `i = 0` at every one.
    pub pinched: bool,
}

/// Checks the pinch of a one-port: at every sign change of `v`, the element's current
/// `i = G(x_c, 0)·0` evaluated with its own formula at the interpolated state.
pub fn pinching(el: &dyn Element, v: &Trajectory, x: &Trajectory) -> PinchReport {
    let ns = el.n_states();
    let mut xc = vec![0.0; ns];
    let mut g = [0.0];
    let mut crossings = 0;
    let mut max_i: f64 = 0.0;
    let mut max_g: f64 = 0.0;
    let mut finite = true;
    if el.n_ports() == 1 && v.dim() == 1 {
        for k in 0..v.len() {
            let vk = v.at(k)[0];
            let next = if k + 1 < v.len() {
                Some(v.at(k + 1)[0])
            } else {
                None
            };
            let theta = if vk == 0.0 {
                Some(0.0)
            } else {
                next.filter(|&vn| vk * vn < 0.0).map(|vn| vk / (vk - vn))
            };
            let Some(theta) = theta else { continue };
            crossings += 1;
            for (j, c) in xc.iter_mut().enumerate() {
                let a = if ns > 0 { x.at(k)[j] } else { 0.0 };
                let b = if ns > 0 && k + 1 < x.len() {
                    x.at(k + 1)[j]
                } else {
                    a
                };
                *c = (1.0 - theta) * a + theta * b;
            }
            el.conductance(&xc, &[0.0], &mut g);
            let i = g[0] * 0.0;
            finite &= i.is_finite();
            max_i = max_nan(max_i, i.abs());
            max_g = max_nan(max_g, g[0].abs());
        }
    }
    PinchReport {
        crossings,
        max_current_at_zero: if finite { max_i } else { f64::NAN },
        max_conductance_at_zero: max_g,
        pinched: crossings > 0 && finite && max_i == 0.0,
    }
}

/// The area enclosed by the `i–v` curve of a one-port over the given samples [V·A]: the sum
/// of `|∫ i dv|` over the pieces between consecutive sign changes of `v` (trapezoidal,
/// `½(i_k + i_{k+1})(v_{k+1} − v_k)` per step, steps split at the interpolated zero of `v`).
///
/// Splitting at `v = 0` is exact bookkeeping, not an approximation: along `v = 0` the integrand
/// `i dv` vanishes, so each piece's `∫ i dv` is the signed area between the curve and the line
/// `v = 0` on one side, and closing a piece along `v = 0` adds nothing. The split matters for
/// pinched hysteresis loops: their two lobes are traversed in opposite senses, so the signed
/// total `∮ i dv` cancels (exactly, for a symmetric memristor under a sine), while the lobes'
/// areas add up. For a simple loop around the origin (e.g. an ellipse) the pieces have the
/// same sign and the result is the usual enclosed area.
pub fn loop_area(v: &Trajectory, i: &Trajectory) -> f64 {
    let n = v.len().min(i.len());
    let mut total = 0.0;
    let mut piece = 0.0;
    for k in 0..n.saturating_sub(1) {
        let (v0, v1) = (v.at(k)[0], v.at(k + 1)[0]);
        let (i0, i1) = (i.at(k)[0], i.at(k + 1)[0]);
        if v0 * v1 < 0.0 {
            // Split the step at the zero of the linear interpolant.
            let theta = v0 / (v0 - v1);
            let ic = i0 + theta * (i1 - i0);
            piece += 0.5 * (i0 + ic) * (0.0 - v0);
            total += piece.abs();
            piece = 0.5 * (ic + i1) * v1;
        } else {
            piece += 0.5 * (i0 + i1) * (v1 - v0);
            if v1 == 0.0 {
                total += piece.abs();
                piece = 0.0;
            }
        }
    }
    total + piece.abs()
}

/// One point of a hysteresis sweep.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct LoopPoint {
    /// Drive frequency \[Hz\].
    pub frequency: f64,
    /// Area of the `i–v` loop over the last period \[V·A\].
    pub area: f64,
    /// Area divided by `amplitude · max|i|` over that period (dimensionless lobe size).
    pub relative_area: f64,
}

/// Loop area against frequency.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LoopSweep {
    /// One point per frequency, in the order given.
    pub points: Vec<LoopPoint>,
    /// The relative area decreases monotonically over the upper half of the frequencies
    /// (sorted): the loop collapses towards the memoryless curve as the frequency grows.
    pub shrinks_with_frequency: bool,
}

/// Drives `el` with the port voltage `offset + amplitude·sin(2πft)` for `periods` periods of
/// each frequency (`steps_per_period` nodes per period), from the state `x0`, and measures the
/// loop area over the last period. The response is integrated by [`memconductance`] with
/// `opts` (e.g. [`GeneralStep::Adaptive`](crate::memconductance::GeneralStep::Adaptive) for a
/// state equation that is stiff at the low frequencies' sampling step).
#[allow(clippy::too_many_arguments)]
pub fn hysteresis_sweep(
    el: &dyn Element,
    offset: f64,
    amplitude: f64,
    frequencies: &[f64],
    periods: usize,
    steps_per_period: usize,
    x0: &[f64],
    opts: Options,
) -> Result<LoopSweep, Error> {
    let mut points = Vec::with_capacity(frequencies.len());
    let spp = steps_per_period.max(8);
    let periods = periods.max(1);
    for &f in frequencies {
        let grid = Grid::span(0.0, periods as f64 / f, periods * spp)?;
        let v = Trajectory::from_fn(grid, |t| {
            offset + amplitude * (2.0 * std::f64::consts::PI * f * t).sin()
        })?;
        let r = memconductance(el, &v, x0, opts)?;
        let t_last = (periods - 1) as f64 / f;
        let (vl, il) = (
            v.restrict(t_last, grid.t_end())?,
            r.i.restrict(t_last, grid.t_end())?,
        );
        let area = loop_area(&vl, &il);
        let scale = amplitude.abs() * norm_inf_nan(&il);
        points.push(LoopPoint {
            frequency: f,
            area,
            relative_area: if scale == 0.0 { 0.0 } else { area / scale },
        });
    }
    let mut sorted = points.clone();
    sorted.sort_by(|a, b| a.frequency.total_cmp(&b.frequency));
    let upper = &sorted[sorted.len() / 2..];
    let shrinks_with_frequency = upper.len() >= 2
        && upper
            .windows(2)
            .all(|w| w[1].relative_area < w[0].relative_area);
    Ok(LoopSweep {
        points,
        shrinks_with_frequency,
    })
}

/// Assumption 1 (fading memory), measured: how fast the effect of a perturbation of the past
/// voltage on the memconductance dies out.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FadingReport {
    /// Perturbation end `τ` \[s\].
    pub tau: f64,
    /// `max |Δg|` at `τ` \[S\].
    pub effect_at_tau: f64,
    /// `max |Δg|` at the end of the trajectory \[S\].
    pub effect_at_end: f64,
    /// Estimated decay rate `λ` of `|Δg(t)| ∝ e^{−λ(t−τ)}` for `t ≥ τ` \[1/s\], from a
    /// least-squares fit of `ln|Δg|` above the rounding level; `≈ 0` means no fading memory
    /// (the ideal memristor and drift models remember forever).
    pub lambda: f64,
    /// The effect fell below the rounding level within a few steps, so `lambda` is only a lower
    /// bound.
    pub lower_bound: bool,
    /// Samples `(t, max|Δg|)` for `t ≥ τ`, at most 200, for plots.
    pub decay: Vec<(f64, f64)>,
}

/// Measures fading memory: the response to `v` and to `v + δ` on `t ≤ τ` (same `v` after) are
/// compared for `t ≥ τ`.
pub fn fading_memory(
    el: &dyn Element,
    v: &Trajectory,
    x0: &[f64],
    tau: f64,
    delta: f64,
) -> Result<FadingReport, Error> {
    let grid = *v.grid();
    if !(tau.is_finite() && tau > grid.t0() && tau < grid.t_end()) {
        return Err(TrajectoryError::OutOfRange {
            t: tau,
            t0: grid.t0(),
            t1: grid.t_end(),
        }
        .into());
    }
    let mut vp = v.clone();
    let k_tau = ((tau - grid.t0()) / grid.dt()).round() as usize;
    for k in 0..=k_tau {
        for c in vp.at_mut(k) {
            *c += delta;
        }
    }
    let opts = Options::default();
    let r1 = memconductance(el, v, x0, opts)?;
    let r2 = memconductance(el, &vp, x0, opts)?;
    let gmax = max_nan(norm_inf_nan(&r1.g), norm_inf_nan(&r2.g));
    let noise = 1e-12 * gmax.max(f64::MIN_POSITIVE);
    let dg: Vec<(f64, f64)> = (k_tau..grid.len())
        .map(|k| {
            let d =
                r1.g.at(k)
                    .iter()
                    .zip(r2.g.at(k))
                    .fold(0.0_f64, |m, (a, b)| max_nan(m, (a - b).abs()));
            (grid.time(k), d)
        })
        .collect();
    let effect_at_tau = dg.first().map_or(0.0, |p| p.1);
    let effect_at_end = dg.last().map_or(0.0, |p| p.1);
    let above: Vec<(f64, f64)> = dg.iter().copied().take_while(|p| p.1 > noise).collect();
    let (lambda, lower_bound) = if above.len() >= 3 {
        let n = above.len() as f64;
        let (st, sy) = above
            .iter()
            .fold((0.0, 0.0), |(a, b), p| (a + p.0, b + p.1.ln()));
        let (mt, my) = (st / n, sy / n);
        let (sxy, sxx) = above.iter().fold((0.0, 0.0), |(a, b), p| {
            (
                a + (p.0 - mt) * (p.1.ln() - my),
                b + (p.0 - mt) * (p.0 - mt),
            )
        });
        ((-sxy / sxx).max(0.0), false)
    } else if effect_at_tau > noise {
        let span = (above.len().max(1)) as f64 * grid.dt();
        ((effect_at_tau / noise).ln() / span, true)
    } else {
        (f64::INFINITY, true)
    };
    let stride = (dg.len() / 200).max(1);
    Ok(FadingReport {
        tau,
        effect_at_tau,
        effect_at_end,
        lambda,
        lower_bound,
        decay: dg.into_iter().step_by(stride).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eigenvalues_and_symmetry() {
        assert!((min_eigenvalue_sym(&[2.0, 1.0, 1.0, 2.0], 2) - 1.0).abs() < 1e-15);
        let m3 = [2.0, -1.0, 0.0, -1.0, 2.0, -1.0, 0.0, -1.0, 2.0];
        assert!((min_eigenvalue_sym(&m3, 3) - (2.0 - 2f64.sqrt())).abs() < 1e-12);
        let grid = Grid::span(0.0, 1.0, 4).expect("valid");
        let g = Trajectory::new(grid, 4, [0.0, 0.0, 0.0, 1.0].repeat(5)).expect("finite");
        let r = positivity(&g).expect("square");
        assert_eq!(r.epsilon, 0.0);
        assert!(r.symmetric && !r.holds);
        let g = Trajectory::new(grid, 4, [2.0, 0.5, 0.0, 1.0].repeat(5)).expect("finite");
        let r = positivity(&g).expect("square");
        assert!(!r.symmetric && (r.asymmetry - 0.25).abs() < 1e-15);
        assert!(positivity(&Trajectory::zeros(grid, 3)).is_err());
    }

    #[test]
    fn passivity_of_a_resistor_and_of_a_source() {
        let grid = Grid::span(0.0, 1.0, 1000).expect("valid");
        let v = Trajectory::from_fn(grid, |t| (6.0 * t).sin()).expect("finite");
        let i = v.scaled(2.0);
        let r = passivity(&v, &i).expect("same grid");
        assert!(r.passive && r.min_power >= 0.0);
        // 2 ∫₀¹ sin²(6t) dt = 1 − sin(12)/12.
        assert!((r.dissipated_energy - (1.0 - 12f64.sin() / 12.0)).abs() < 1e-5);
        let r = passivity(&v, &i.scaled(-1.0)).expect("same grid");
        assert!(!r.passive);
    }

    /// Issue #14 §3: a NaN sample fails the checks instead of being dropped by the folds. A
    /// resistor's power `2 sin²` is ≥ 0, so the trajectory is passive until one current sample
    /// is NaN; from there on the cumulative energy is NaN, and `f64::min` would have kept the
    /// finite part's minimum (≥ 0) and reported `passive: true`.
    #[test]
    fn a_nan_sample_fails_passivity_and_positivity() {
        let grid = Grid::span(0.0, 1.0, 100).expect("valid");
        let v = Trajectory::from_fn(grid, |t| (6.0 * t).sin()).expect("finite");
        let mut i = v.scaled(2.0);
        i.data_mut()[50] = f64::NAN;
        let r = passivity(&v, &i).expect("same grid");
        assert!(r.min_cumulative_energy.is_nan() && r.min_power.is_nan());
        assert!(!r.passive);
        // Overflow to ±∞ and then NaN (∞ − ∞) in the cumulative energy fails too.
        let mut i = v.scaled(2.0);
        i.data_mut()[10] = f64::MAX;
        i.data_mut()[11] = -f64::MAX;
        let r = passivity(&v.scaled(1e10), &i).expect("same grid");
        assert!(!r.passive, "{r:?}");
        // Positivity: a NaN conductance sample gives ε = NaN, a NaN largest conductance and
        // `holds: false`; a NaN off-diagonal entry gives a NaN asymmetry, not symmetric.
        let mut g = Trajectory::new(grid, 1, vec![1.0; grid.len()]).expect("finite");
        g.data_mut()[30] = f64::NAN;
        let r = positivity(&g).expect("square");
        assert!(r.epsilon.is_nan() && r.max_conductance.is_nan() && !r.holds);
        let mut g =
            Trajectory::new(grid, 4, [2.0, 0.0, 0.0, 2.0].repeat(grid.len())).expect("finite");
        g.data_mut()[4 * 30 + 1] = f64::NAN;
        let r = positivity(&g).expect("square");
        assert!(r.asymmetry.is_nan() && !r.symmetric && !r.holds, "{r:?}");
        // The eigenvalue fold of n ≥ 3 keeps a NaN.
        let m3 = [2.0, 0.0, 0.0, 0.0, f64::NAN, 0.0, 0.0, 0.0, 2.0];
        assert!(min_eigenvalue_sym(&m3, 3).is_nan());
    }

    #[test]
    fn loop_area_of_an_ellipse() {
        // i = cos, v = sin over one period: area π.
        let grid = Grid::span(0.0, 1.0, 4000).expect("valid");
        let tau = 2.0 * std::f64::consts::PI;
        let v = Trajectory::from_fn(grid, |t| (tau * t).sin()).expect("finite");
        let i = Trajectory::from_fn(grid, |t| (tau * t).cos()).expect("finite");
        // Cut at the two crossings of v = 0: two half-ellipses of area π/2 each.
        assert!((loop_area(&v, &i) - std::f64::consts::PI).abs() < 1e-5);
        assert!(loop_area(&v, &v) < 1e-12);
        // A figure-eight i = v·(1 + s) with s lagging: lobes of opposite sense do not cancel.
        let i8 = Trajectory::from_fn(grid, |t| (tau * t).sin() * (1.0 + 0.5 * (tau * t).cos()))
            .expect("finite");
        let signed: f64 = (0..grid.steps())
            .map(|k| 0.5 * (i8.at(k)[0] + i8.at(k + 1)[0]) * (v.at(k + 1)[0] - v.at(k)[0]))
            .sum();
        assert!(signed.abs() < 1e-9, "signed area cancels: {signed}");
        // Each lobe: |∫ sin x (1 + ½cos x) cos x dx| over a half period = ½·(2/3) = 1/3.
        assert!(
            (loop_area(&v, &i8) - 2.0 / 3.0).abs() < 1e-5,
            "{}",
            loop_area(&v, &i8)
        );
    }

    #[test]
    fn loop_area_of_a_pinched_figure_eight() {
        // A memristor-like pinched loop: v = sin θ, θ = 2πt, and i = g v with
        // g = 1 − a sin 2θ · sign(sin θ), smaller on the rising and larger on the falling branch
        // of each half-period. The two lobes have opposite orientation, so the signed ∮ i dv
        // over the period vanishes, while each lobe encloses
        // |∫₀^π (1 − a sin 2θ) sin θ cos θ dθ| = (a/2) ∫₀^π sin² 2θ dθ = aπ/4.
        let grid = Grid::span(0.0, 1.0, 20_000).expect("valid");
        let tau = 2.0 * std::f64::consts::PI;
        let a = 0.3;
        let v = Trajectory::from_fn(grid, |t| (tau * t).sin()).expect("finite");
        let i = Trajectory::from_fn(grid, |t| {
            let th = tau * t;
            (1.0 - a * (2.0 * th).sin() * th.sin().signum()) * th.sin()
        })
        .expect("finite");
        let signed: f64 = (0..grid.len() - 1)
            .map(|k| 0.5 * (i.at(k)[0] + i.at(k + 1)[0]) * (v.at(k + 1)[0] - v.at(k)[0]))
            .sum();
        assert!(signed.abs() < 1e-9, "signed {signed}");
        let area = loop_area(&v, &i);
        let exact = a * std::f64::consts::PI / 2.0;
        assert!((area - exact).abs() < 1e-7, "{area} vs {exact}");
    }
}
