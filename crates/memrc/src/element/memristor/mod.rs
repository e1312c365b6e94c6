//! Memristive devices: one-port elements without a battery (`V` is the voltage across the
//! device).
//!
//! | catalogue name   | type                      | model                                           |
//! |------------------|---------------------------|-------------------------------------------------|
//! | `ideal`          | [`IdealMemristor`]        | flux-controlled memristor, Chua 1971            |
//! | `hp`             | [`HpMemristor`]           | HP/Strukov linear ion drift, clamped to `[0,1]` |
//! | `hp-joglekar`    | [`HpMemristor`]           | … with the Joglekar–Wolf window                 |
//! | `hp-biolek`      | [`HpMemristor`]           | … with the Biolek window                        |
//! | `hp-prodromakis` | [`HpMemristor`]           | … with the Prodromakis window                   |
//! | `vteam`          | [`Vteam`]                 | VTEAM threshold model, Kvatinsky et al. 2015    |
//! | `yakopcic`       | [`Yakopcic`]              | Yakopcic et al. 2011 generalised model          |
//! | `resistor`       | [`StaticResistor`]        | static nonlinear resistor (paper eq. 19)        |
//! | `relaxation`     | [`RelaxationMemristor`]   | first-order relaxation towards a resistor       |
//!
//! All devices use SI units: volts, amperes, siemens, seconds, ohms, metres. Normalised states
//! (`x` of HP, VTEAM, Yakopcic) are dimensionless and live in `[0, 1]`; their
//! [`Element::project_state`](super::Element::project_state) clamps them there. `hp-joglekar`
//! and `hp-prodromakis` integrate the edge coordinate `s = artanh(2x − 1)` next to `x`, which
//! keeps the distance to the window's edges (see [`HpMemristor`]).

/// The [`Element`](super::Element) methods of a device with fields `params: ParamSet` (the set
/// it was built from) and `x0`, and one normalised state `x ∈ [0, 1]` (VTEAM, Yakopcic):
/// it reports its parameter set, the initial state is `x0` whatever the voltage, and numerical
/// overshoot is clamped back into `[0, 1]`.
macro_rules! unit_state_device {
    () => {
        fn param_values(&self) -> Vec<(&'static str, f64)> {
            self.params.pairs()
        }

        fn initial_state(&self, _v: &[f64], x: &mut [f64]) {
            x[0] = self.x0;
        }

        fn project_state(&self, x: &mut [f64]) {
            super::clamp_unit(&mut x[0]);
        }
    };
}

pub(crate) mod hp;
mod ideal;
mod relaxation;
mod resistor;
mod vteam;
mod yakopcic;

pub use hp::{HpMemristor, S_PINNED, Window};
pub use ideal::IdealMemristor;
pub use relaxation::RelaxationMemristor;
pub use resistor::StaticResistor;
pub use vteam::Vteam;
pub use yakopcic::Yakopcic;

use super::{Entry, KindInfo, StateInfo};
use crate::error::ModelError;
use crate::params::{ParamInfo, ParamSet};

/// Catalogue entries of this family.
pub const CATALOGUE: &[Entry] = entries![
    IdealMemristor::KIND => new,
    HpMemristor::KIND => new,
    HpMemristor::KIND_JOGLEKAR => new,
    HpMemristor::KIND_BIOLEK => new,
    HpMemristor::KIND_PRODROMAKIS => new,
    Vteam::KIND => new,
    Yakopcic::KIND => new,
    StaticResistor::KIND => new,
    RelaxationMemristor::KIND => new,
];

/// The description of a device kind: a one-port without battery whose memconductance is in
/// siemens and whose current is in amperes.
const fn device(
    name: &'static str,
    summary: &'static str,
    source: &'static str,
    states: &'static [StateInfo],
    params: &'static [ParamInfo],
) -> KindInfo {
    KindInfo {
        name,
        summary,
        source,
        ports: 1,
        states,
        params,
        conductance_unit: "S",
        current_unit: "A",
    }
}

/// The description of a state variable.
const fn state(name: &'static str, unit: &'static str, doc: &'static str) -> StateInfo {
    StateInfo { name, unit, doc }
}

/// The parameters `r_on` and `r_off` \[Ohm\] of a device whose resistance moves between them,
/// checked to satisfy `r_on < r_off` (HP, VTEAM).
fn resistance_range(params: &ParamSet) -> Result<(f64, f64), ModelError> {
    let (r_on, r_off) = (params.get("r_on"), params.get("r_off"));
    if r_on >= r_off {
        return Err(params.inconsistent(format!(
            "r_on = {r_on} Ohm must be smaller than r_off = {r_off} Ohm"
        )));
    }
    Ok((r_on, r_off))
}

/// Largest polynomial degree accepted by the polynomial constructors (the coefficients are
/// reported by [`Element::param_values`](super::Element::param_values) under the names
/// `c0` … `c15`).
pub const MAX_POLY_DEGREE: usize = 15;

/// Names of polynomial coefficients, `c0` … `c15`.
const COEFF_NAMES: [&str; MAX_POLY_DEGREE + 1] = [
    "c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "c9", "c10", "c11", "c12", "c13", "c14",
    "c15",
];

/// Checks polynomial coefficients: non-empty, at most `MAX_POLY_DEGREE + 1`, all finite.
fn check_coeffs(element: &str, coeffs: &[f64]) -> Result<(), ModelError> {
    let inconsistent = |reason: String| ModelError::Inconsistent {
        element: element.to_string(),
        reason,
    };
    if coeffs.is_empty() {
        return Err(inconsistent(
            "polynomial needs at least one coefficient".into(),
        ));
    }
    if coeffs.len() > MAX_POLY_DEGREE + 1 {
        return Err(inconsistent(format!(
            "polynomial of degree {} exceeds the supported degree {MAX_POLY_DEGREE}",
            coeffs.len() - 1
        )));
    }
    if let Some((k, c)) = coeffs.iter().enumerate().find(|(_, c)| !c.is_finite()) {
        return Err(ModelError::NonFinite {
            element: element.to_string(),
            param: COEFF_NAMES[k].to_string(),
            value: *c,
        });
    }
    Ok(())
}

/// `Σ c_k z^k` and its derivative, by Horner's rule.
#[inline]
fn poly_eval(coeffs: &[f64], z: f64) -> (f64, f64) {
    let mut p = 0.0;
    let mut dp = 0.0;
    for &c in coeffs.iter().rev() {
        dp = dp * z + p;
        p = p * z + c;
    }
    (p, dp)
}

/// `(name, value)` pairs of polynomial coefficients.
fn coeff_pairs(coeffs: &[f64]) -> impl Iterator<Item = (&'static str, f64)> + '_ {
    COEFF_NAMES.iter().copied().zip(coeffs.iter().copied())
}

/// Clamps a normalised state into `[0, 1]` (NaN stays NaN so that solvers see it).
#[inline]
fn clamp_unit(x: &mut f64) {
    *x = x.clamp(0.0, 1.0);
}

#[cfg(test)]
pub(crate) mod testutil {
    //! Small integrators and checks shared by the device tests.
    use crate::element::{Element, ElementJacobian, finite_difference_jacobian};
    use crate::error::ModelError;
    use crate::math::{Rk4Work, rk4_step};

    /// Sine drive `amp · sin(2π freq t)`.
    pub fn sine(amp: f64, freq: f64) -> impl Fn(f64) -> f64 {
        move |t| amp * (2.0 * std::f64::consts::PI * freq * t).sin()
    }

    /// Classical RK4 for `ẋ = f(x, v(t))` from `x` at `t0` to `t1` in equal steps of at most
    /// `dt`, projecting the state after each step. Returns the final state.
    pub fn rk4(
        el: &dyn Element,
        v: &dyn Fn(f64) -> f64,
        x: &[f64],
        t0: f64,
        t1: f64,
        dt: f64,
    ) -> Vec<f64> {
        let mut x = x.to_vec();
        rk4_observe(el, v, &mut x, t0, t1, dt, |_, _| {});
        x
    }

    /// RK4 as in [`rk4`], calling `obs(t, x)` at every node (including `t0` and `t1`).
    pub fn rk4_observe(
        el: &dyn Element,
        v: &dyn Fn(f64) -> f64,
        x: &mut [f64],
        t0: f64,
        t1: f64,
        dt: f64,
        mut obs: impl FnMut(f64, &[f64]),
    ) {
        let n = ((t1 - t0) / dt).ceil().max(1.0) as usize;
        let h = (t1 - t0) / n as f64;
        let mut work = Rk4Work::new(x.len());
        obs(t0, x);
        for s in 0..n {
            let t = t0 + s as f64 * h;
            rk4_step(&mut work, h, x, |c, y, dy| {
                el.state_rhs(y, &[v(t + c * h)], dy)
            });
            el.project_state(x);
            obs(t + h, x);
        }
    }

    /// The range `(min, max)` of the first state under the drive `(amp, freq)` ([`sine`]) over
    /// an RK4 run from `t = 0` to `t_end` as in [`rk4_observe`] (both ends included); `x` ends
    /// at the final state.
    pub fn state_range(
        el: &dyn Element,
        x: &mut [f64],
        (amp, freq): (f64, f64),
        t_end: f64,
        dt: f64,
    ) -> (f64, f64) {
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        rk4_observe(el, &sine(amp, freq), x, 0.0, t_end, dt, |_, x| {
            lo = lo.min(x[0]);
            hi = hi.max(x[0]);
        });
        (lo, hi)
    }

    /// Asserts that `result` is an error whose message contains `needle`.
    pub fn assert_rejected<T: std::fmt::Debug>(result: Result<T, ModelError>, needle: &str) {
        let e = result.expect_err("invalid input must be rejected");
        assert!(e.to_string().contains(needle), "{e}");
    }

    /// Current `g(x, v) v` of a one-port.
    pub fn current(el: &dyn Element, x: &[f64], v: f64) -> f64 {
        let mut g = [0.0];
        el.conductance(x, &[v], &mut g);
        g[0] * v
    }

    /// Currents at `v = amp/2` on the rising (`t = 1/12` period) and falling (`t = 5/12`
    /// period) branches of the first period of `amp · sin(2π freq t)`, from the default initial
    /// state, RK4 with `dt = 1e-4 s / freq` (1e-4 s at 1 Hz); the comparison voltage is
    /// `v = frac · amp` (`frac = 0.5` at 1 V gives `v = 0.5 V`).
    pub fn branch_currents(el: &dyn Element, amp: f64, freq: f64, frac: f64) -> (f64, f64) {
        let mut x0 = vec![0.0; el.n_states()];
        el.initial_state(&[0.0], &mut x0);
        let drive = sine(amp, freq);
        let s = frac.asin() / (2.0 * std::f64::consts::PI * freq);
        let (t_rise, t_fall) = (s, 0.5 / freq - s);
        let dt = 1e-4 / freq;
        let xr = rk4(el, &drive, &x0, 0.0, t_rise, dt);
        let xf = rk4(el, &drive, &xr, t_rise, t_fall, dt);
        let v = frac * amp;
        (current(el, &xr, v), current(el, &xf, v))
    }

    /// Asserts that the element's `jacobian`, started on buffers filled with `7`, agrees with the
    /// central finite differences to a relative `1e-6` (entries much smaller than their block's scale are compared absolutely
    /// against `1e-6 ·` that scale).
    pub fn assert_jacobian_matches_fd(el: &dyn Element, x: &[f64], v: &[f64]) {
        let mut exact = ElementJacobian::for_element(el);
        let mut fd = ElementJacobian::for_element(el);
        // Dirty buffers: the closed form must write every entry.
        exact.fill(7.0);
        el.jacobian(x, v, &mut exact);
        finite_difference_jacobian(el, x, v, &mut fd);
        let blocks = [
            ("df_dx", &exact.df_dx, &fd.df_dx),
            ("df_dv", &exact.df_dv, &fd.df_dv),
            ("dg_dx", &exact.dg_dx, &fd.dg_dx),
            ("dg_dv", &exact.dg_dv, &fd.dg_dv),
        ];
        for (name, a, b) in blocks {
            let scale = a
                .iter()
                .chain(b.iter())
                .fold(0.0_f64, |m, z| m.max(z.abs()));
            for (k, (p, q)) in a.iter().zip(b.iter()).enumerate() {
                let tol = 1e-6 * p.abs().max(q.abs()).max(1e-6 * scale);
                assert!(
                    (p - q).abs() <= tol,
                    "{}: {name}[{k}] closed form {p:e} vs finite differences {q:e} at x = {x:?}, v = {v:?}",
                    el.info().name
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::testutil::current;
    use super::*;
    use crate::element::build;

    #[test]
    fn poly_eval_matches_direct_sum() {
        let c = [1.0, -2.0, 0.5, 3.0];
        for z in [-1.3, 0.0, 0.7, 2.0] {
            let (p, dp) = poly_eval(&c, z);
            let pd = c[0] + c[1] * z + c[2] * z * z + c[3] * z * z * z;
            let dpd = c[1] + 2.0 * c[2] * z + 3.0 * c[3] * z * z;
            assert!((p - pd).abs() < 1e-14 && (dp - dpd).abs() < 1e-14);
        }
    }

    #[test]
    fn every_device_is_pinched_at_zero_voltage() {
        for e in CATALOGUE {
            let el = (e.build)(&[]).expect("defaults build");
            let mut x = vec![0.0; el.n_states()];
            el.initial_state(&[0.0], &mut x);
            let mut g = [0.0];
            el.conductance(&x, &[0.0], &mut g);
            assert!(
                g[0].is_finite() && g[0] > 0.0,
                "{}: g(x0, 0) = {}",
                e.info.name,
                g[0]
            );
            assert_eq!(current(el.as_ref(), &x, 0.0), 0.0, "{}", e.info.name);
            assert_eq!(el.info().conductance_unit, "S");
            assert_eq!(el.n_ports(), 1);
        }
    }

    #[test]
    fn polynomial_coefficients_are_validated() {
        assert!(check_coeffs("x", &[]).is_err());
        assert!(check_coeffs("x", &[0.0; MAX_POLY_DEGREE + 2]).is_err());
        super::testutil::assert_rejected(check_coeffs("x", &[1.0, f64::NAN]), "c1");
        assert!(check_coeffs("x", &[1.0, 2.0]).is_ok());
    }

    #[test]
    fn catalogue_names_are_the_documented_ones() {
        let names: Vec<&str> = CATALOGUE.iter().map(|e| e.info.name).collect();
        assert_eq!(
            names,
            [
                "ideal",
                "hp",
                "hp-joglekar",
                "hp-biolek",
                "hp-prodromakis",
                "vteam",
                "yakopcic",
                "resistor",
                "relaxation"
            ]
        );
        for n in names {
            assert_eq!(build(n, &[]).expect("builds").info().name, n);
        }
    }
}
