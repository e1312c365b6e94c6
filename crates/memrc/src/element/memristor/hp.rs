//! The HP/Strukov linear ion-drift memristor with the usual window functions.

use super::{device, resistance_range, state};
use crate::element::{Element, ElementJacobian, KindInfo, StateInfo, extend_params};
use crate::error::ModelError;
use crate::math::logistic_pair;
use crate::params::{ParamInfo, ParamSet};

/// Window function `F(x, i)` of the HP model, which slows the dopant front near the device
/// edges.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Window {
    /// `F = 1`; the state is clamped to `[0, 1]`, and the motion is stopped (`f = 0`) when the
    /// current pushes the state past a boundary (Strukov et al. 2008).
    None,
    /// `F = 1 − (2x − 1)^{2p}` (Joglekar & Wolf, Eur. J. Phys. 30, 2009).
    Joglekar {
        /// Integer exponent `p ≥ 1`.
        p: i32,
    },
    /// `F = 1 − (x − stp(−i))^{2p}` with `stp(z) = 1` for `z ≥ 0`, else `0`
    /// (Biolek, Biolek & Biolková, Radioengineering 18(2), 2009).
    Biolek {
        /// Integer exponent `p ≥ 1`.
        p: i32,
    },
    /// `F = j (1 − ((x − ½)² + ¾)^p)` (Prodromakis et al., IEEE TED 58(9), 2011).
    Prodromakis {
        /// Integer exponent `p ≥ 1`.
        p: i32,
        /// Scale `j > 0`.
        j: f64,
    },
}

impl Window {
    /// Whether `F` vanishes at both edges as `F = x (1 − x) Φ(x)` with a smooth, positive `Φ`
    /// (Joglekar, Prodromakis): then `x = 0` and `x = 1` are fixed points that the exact state
    /// approaches but never reaches, and [`HpMemristor`] integrates the edge coordinate `s`.
    pub fn vanishes_at_both_edges(&self) -> bool {
        matches!(self, Window::Joglekar { .. } | Window::Prodromakis { .. })
    }

    /// `Φ` and `dΦ/dz` of a window with [`Window::vanishes_at_both_edges`], from
    /// `z = 2x − 1 = tanh s` and `q = x (1 − x) = (1 − z²)/4` (both accurate at the edges):
    ///
    /// ```text
    ///   Joglekar:     1 − z^{2p} = (1 − z²) Σ_{j<p} z^{2j}       ⇒ Φ = 4 Σ_{j<p} z^{2j}
    ///   Prodromakis:  j (1 − u^p) = j (1 − u) Σ_{m<p} u^m,  u = 1 − q   ⇒ Φ = j Σ_{m<p} u^m
    /// ```
    ///
    /// (`(x − ½)² + ¾ = 1 − x(1 − x)`). Other windows return `(1, 0)`.
    #[inline]
    fn edge_factor(&self, z: f64, q: f64) -> (f64, f64) {
        match *self {
            Window::Joglekar { p } => {
                let (sum, dsum) = geometric_sum(z * z, p);
                (4.0 * sum, 8.0 * z * dsum)
            }
            Window::Prodromakis { p, j } => {
                // du/dz = −dq/dz = z/2.
                let (sum, dsum) = geometric_sum(1.0 - q, p);
                (j * sum, j * dsum * 0.5 * z)
            }
            Window::None | Window::Biolek { .. } => (1.0, 0.0),
        }
    }

    /// `F(x, i)` and `∂F/∂x`.
    #[inline]
    pub fn eval(&self, x: f64, i: f64) -> (f64, f64) {
        match *self {
            Window::None => (1.0, 0.0),
            Window::Joglekar { p } => {
                let z = 2.0 * x - 1.0;
                let zp = z.powi(2 * p - 1);
                (1.0 - zp * z, -4.0 * f64::from(p) * zp)
            }
            Window::Biolek { p } => {
                let s = if -i >= 0.0 { 1.0 } else { 0.0 };
                let z = x - s;
                let zp = z.powi(2 * p - 1);
                (1.0 - zp * z, -2.0 * f64::from(p) * zp)
            }
            Window::Prodromakis { p, j } => {
                let u = (x - 0.5) * (x - 0.5) + 0.75;
                let up = u.powi(p - 1);
                (j * (1.0 - up * u), -j * f64::from(p) * up * 2.0 * (x - 0.5))
            }
        }
    }
}

/// `(Σ_{j<n} w^j, Σ_{j<n} j w^{j−1})` by Horner's rule (`n ≥ 1`).
#[inline]
fn geometric_sum(w: f64, n: i32) -> (f64, f64) {
    let (mut sum, mut dsum) = (0.0, 0.0);
    for _ in 0..n {
        dsum = dsum * w + sum;
        sum = sum * w + 1.0;
    }
    (sum, dsum)
}

/// The edge coordinate `s` that `x0 = 1` (`−S_PINNED` for `x0 = 0`) starts at. Both are fixed
/// points of the windows that vanish at the edges, where `s = ±∞`; the finite start keeps the
/// state finite for the solvers and pins it against any practical drive: leaving it takes a net
/// flux of about `S_PINNED · D² / (2 p μ_v)` with the Joglekar window (2500 V·s with the
/// defaults, `p = 2`),
/// while every `x0` inside `(0, 1)` starts at `|s| ≤ 373`.
pub const S_PINNED: f64 = 1e6;

/// HP/Strukov linear ion-drift memristor (D. B. Strukov, G. S. Snider, D. R. Stewart,
/// R. S. Williams, "The missing memristor found", Nature 453, 80–83, 2008) with an optional
/// window function ([`Window`]).
///
/// ```text
///   R(x) = R_on x + R_off (1 − x),      g = 1/R(x),      i = g v
///   ẋ    = k i F(x, i),                 k = μ_v R_on / D²      [1/(A s) = 1/C]
/// ```
///
/// `x = w/D ∈ [0, 1]` is the normalised width of the doped (low-resistance) region; positive
/// current grows it and lowers the resistance. Catalogue names: `hp` (no window),
/// `hp-joglekar`, `hp-biolek`, `hp-prodromakis`.
///
/// **States.** `hp` and `hp-biolek` have the one state `x`, clamped to `[0, 1]` by
/// [`Element::project_state`]; with [`Window::None`] the motion is also stopped (`f = 0`) when
/// the current pushes the state past a boundary. `hp-joglekar` and `hp-prodromakis` have a window
/// that vanishes at both edges, `F = x (1 − x) Φ(x)` ([`Window::vanishes_at_both_edges`]): the
/// exact state approaches `x = 1` (or `0`) exponentially in the charge and comes far closer
/// than the resolution of `x` near 1 (`1 − x ≈ 7e-188` at 1 V, 0.25 Hz, `p = 2`), where
/// integrating `x` would round it onto the fixed point `x = 1` and freeze it there. These two
/// integrate the **edge coordinate**
///
/// ```text
///   s = artanh(2x − 1) = ½ ln(x / (1 − x)),     x = 1/(1 + e^{−2s}),   1 − x = 1/(1 + e^{2s})
///   ṡ = ẋ / (2 x (1 − x)) = ½ k i Φ,            Φ = 4 Σ_{j<p} (2x − 1)^{2j}     (Joglekar)
///                                               Φ = j Σ_{m<p} (1 − x(1 − x))^m (Prodromakis)
/// ```
///
/// (for `p = 2`, `ṡ = 2 k i (1 + tanh² s)`; `docs/numerics.md#hp-at-the-window-edge`): `ṡ` is
/// bounded and smooth in `s`, so near an edge `s` grows linearly with the charge (no
/// stiffness) and `x` and `1 − x` are each evaluated to full relative precision
/// ([`crate::math::logistic_pair`]). Their state vector is `(x, s)`: `x` is carried along for
/// output and probes (`ẋ = 2 x (1 − x) ṡ`, both evaluated at `s`; nothing depends on it), and
/// [`Element::project_state`] resets it to `x(s)`. `s` is unbounded (1 V at 0.25 Hz takes it to
/// `s ≈ 215`); `x0 = 0` and `x0 = 1`, the fixed points, start at `s = ∓`[`S_PINNED`].
///
/// The Biolek window vanishes only at the edge the current pushes towards, `F ≈ 2p (1 − x)` near
/// `x = 1` for `i > 0`, so the state equation is stiff there: `∂ẋ/∂x ≈ −2p k i` (`≈ −400 /s` at
/// `i = 10 mA`, `p = 2`), which bounds the stable step of explicit methods (classical RK4:
/// `h < 2.79/(2p k i) ≈ 7 ms`).
///
/// | param   | unit      | default | range     | kinds                 | meaning                 |
/// |---------|-----------|---------|-----------|-----------------------|-------------------------|
/// | `r_on`  | Ohm       | 100     | (0, inf)  | all                   | resistance at `x = 1`   |
/// | `r_off` | Ohm       | 16e3    | (0, inf)  | all                   | resistance at `x = 0`, `> r_on` |
/// | `d`     | m         | 10e-9   | (0, inf)  | all                   | film thickness          |
/// | `mu_v`  | m^2/(V s) | 1e-14   | (0, inf)  | all                   | dopant mobility         |
/// | `x0`    | 1         | 0.1     | [0, 1]    | all                   | initial state           |
/// | `p`     | 1         | 2       | [1, 100], integer | windowed      | window exponent         |
/// | `j`     | 1         | 1       | (0, inf)  | `hp-prodromakis`      | window scale            |
///
/// **Default picture.** `k = 10⁴ C⁻¹`. Under `v = sin(2πt)` V, one half-cycle moves about 0.22
/// of the charge needed to sweep the device; with the Joglekar window (`p = 2`) and `x0 = 0.1`
/// the state stays within `[0.1, 0.304]` (`docs/numerics.md#hp-joglekar-peak`) and the
/// resistance swings between 14.41 kΩ and 11.17 kΩ: a visible loop pinched at the origin. Without a window, and with the Joglekar
/// and Prodromakis windows, `F` depends on `x` only, so `x` is a function of the flux and
/// returns to `x0` after every period.
#[derive(Debug, Clone, PartialEq)]
pub struct HpMemristor {
    /// The parameter set the device was built from (reported by `param_values`).
    params: ParamSet,
    r_on: f64,
    r_off: f64,
    /// `μ_v R_on / D²` \[1/C\].
    k: f64,
    x0: f64,
    window: Window,
    /// The window vanishes at both edges: the state is `(x, s)` (see the type docs).
    edge: bool,
}

pub(crate) const R_ON: ParamInfo = ParamInfo::positive(
    "r_on",
    "Ohm",
    100.0,
    f64::INFINITY,
    "resistance of the fully doped device (x = 1)",
);
pub(crate) const R_OFF: ParamInfo = ParamInfo::positive(
    "r_off",
    "Ohm",
    16e3,
    f64::INFINITY,
    "resistance of the undoped device (x = 0)",
);
const D: ParamInfo = ParamInfo::positive("d", "m", 10e-9, f64::INFINITY, "film thickness");
pub(crate) const MU_V: ParamInfo =
    ParamInfo::positive("mu_v", "m^2/(V s)", 1e-14, f64::INFINITY, "dopant mobility");
pub(crate) const X0: ParamInfo = ParamInfo::new(
    "x0",
    "1",
    0.1,
    0.0,
    1.0,
    "initial normalised doped width w/D",
);
pub(crate) const P: ParamInfo =
    ParamInfo::new("p", "1", 2.0, 1.0, 100.0, "window exponent (integer)");
const J: ParamInfo = ParamInfo::positive("j", "1", 1.0, f64::INFINITY, "Prodromakis window scale");

/// The table of `hp`; every window variant extends it.
const PARAMS: [ParamInfo; 5] = [R_ON, R_OFF, D, MU_V, X0];
/// `hp` plus the window exponent (`hp-joglekar`, `hp-biolek`).
const PARAMS_P: [ParamInfo; 6] = extend_params(&PARAMS, &[P]);
/// `hp-joglekar`'s table plus the Prodromakis scale (`hp-prodromakis`).
const PARAMS_PJ: [ParamInfo; 7] = extend_params(&PARAMS_P, &[J]);

const STATE_X: StateInfo = state(
    "x",
    "1",
    "normalised width of the doped region, w/D in [0, 1]",
);
/// The state of `hp` and `hp-biolek`.
const STATES: &[StateInfo] = &[STATE_X];
/// The states of `hp-joglekar` and `hp-prodromakis` (see [`HpMemristor`]).
const STATES_EDGE: &[StateInfo] = &[
    STATE_X,
    state(
        "s",
        "1",
        "edge coordinate artanh(2x - 1), the integrated state (x = 1/(1 + exp(-2s)))",
    ),
];

impl HpMemristor {
    /// Catalogue description of `"hp"` (no window, clamped state).
    pub const KIND: KindInfo = device(
        "hp",
        "HP/Strukov linear ion drift, state clamped to [0, 1]",
        "D. B. Strukov, G. S. Snider, D. R. Stewart, R. S. Williams, The missing memristor found, Nature 453, 80-83, 2008",
        STATES,
        &PARAMS,
    );
    /// Catalogue description of `"hp-joglekar"`.
    pub const KIND_JOGLEKAR: KindInfo = Self::windowed(
        STATES_EDGE,
        "hp-joglekar",
        "HP/Strukov linear ion drift with the Joglekar window 1 - (2x - 1)^(2p)",
        "Strukov et al., Nature 453, 2008; window: Y. N. Joglekar, S. J. Wolf, The elusive memristor, Eur. J. Phys. 30, 661-675, 2009",
        &PARAMS_P,
    );
    /// Catalogue description of `"hp-biolek"`.
    pub const KIND_BIOLEK: KindInfo = Self::windowed(
        STATES,
        "hp-biolek",
        "HP/Strukov linear ion drift with the Biolek window 1 - (x - stp(-i))^(2p)",
        "Strukov et al., Nature 453, 2008; window: Z. Biolek, D. Biolek, V. Biolkova, SPICE model of memristor with nonlinear dopant drift, Radioengineering 18(2), 210-214, 2009",
        &PARAMS_P,
    );
    /// Catalogue description of `"hp-prodromakis"`.
    pub const KIND_PRODROMAKIS: KindInfo = Self::windowed(
        STATES_EDGE,
        "hp-prodromakis",
        "HP/Strukov linear ion drift with the Prodromakis window j (1 - ((x - 1/2)^2 + 3/4)^p)",
        "Strukov et al., Nature 453, 2008; window: T. Prodromakis, B. P. Peh, C. Papavassiliou, C. Toumazou, A versatile memristor model with nonlinear dopant kinetics, IEEE Trans. Electron Devices 58(9), 3099-3105, 2011",
        &PARAMS_PJ,
    );

    /// A window variant derived from [`Self::KIND`]: the same ports and units, its own states,
    /// name, summary and source, and a table that extends `hp`'s (checked at compile time).
    const fn windowed(
        states: &'static [StateInfo],
        name: &'static str,
        summary: &'static str,
        source: &'static str,
        params: &'static [ParamInfo],
    ) -> KindInfo {
        let base = Self::KIND.params;
        assert!(params.len() > base.len());
        let mut k = 0;
        while k < base.len() {
            assert!(params[k].default == base[k].default);
            k += 1;
        }
        KindInfo {
            name,
            summary,
            source,
            states,
            params,
            ..Self::KIND
        }
    }

    /// Builds the variant named by the parameter set's element (`hp`, `hp-joglekar`,
    /// `hp-biolek`, `hp-prodromakis`); checks `r_on < r_off` and that `p` is an integer.
    pub fn new(params: &ParamSet) -> Result<Self, ModelError> {
        let exponent = || -> Result<i32, ModelError> {
            let p = params.get("p");
            if p.fract() != 0.0 {
                return Err(
                    params.inconsistent(format!("window exponent p = {p} must be an integer"))
                );
            }
            // Range [1, 100] is checked by the table, so the cast is exact.
            Ok(p as i32)
        };
        let window = match params.element() {
            "hp" => Window::None,
            "hp-joglekar" => Window::Joglekar { p: exponent()? },
            "hp-biolek" => Window::Biolek { p: exponent()? },
            "hp-prodromakis" => Window::Prodromakis {
                p: exponent()?,
                j: params.get("j"),
            },
            other => {
                return Err(
                    params.inconsistent(format!("'{other}' is not an HP memristor variant"))
                );
            }
        };
        let (r_on, r_off) = resistance_range(params)?;
        let (d, mu_v) = (params.get("d"), params.get("mu_v"));
        let k = mu_v * r_on / (d * d);
        if !k.is_finite() {
            return Err(params.inconsistent(format!(
                "drift coefficient mu_v r_on / d^2 = {k} is not finite"
            )));
        }
        Ok(Self {
            params: params.clone(),
            r_on,
            r_off,
            k,
            x0: params.get("x0"),
            window,
            edge: window.vanishes_at_both_edges(),
        })
    }

    /// The window in use.
    pub fn window(&self) -> Window {
        self.window
    }

    /// The drift coefficient `k = μ_v R_on / D²` \[1/C\].
    pub fn drift_coefficient(&self) -> f64 {
        self.k
    }

    /// The resistance `R(x)` \[Ohm\].
    #[inline]
    pub fn resistance(&self, x: f64) -> f64 {
        self.r_on * x + self.r_off * (1.0 - x)
    }

    /// `F(x, i)`, `∂F/∂x`, with the hard stop of the windowless model.
    #[inline]
    fn window_at(&self, x: f64, i: f64) -> (f64, f64) {
        if self.window == Window::None && ((x >= 1.0 && i > 0.0) || (x <= 0.0 && i < 0.0)) {
            return (0.0, 0.0);
        }
        self.window.eval(x, i)
    }
}

impl Element for HpMemristor {
    fn info(&self) -> &'static KindInfo {
        match self.window {
            Window::None => &Self::KIND,
            Window::Joglekar { .. } => &Self::KIND_JOGLEKAR,
            Window::Biolek { .. } => &Self::KIND_BIOLEK,
            Window::Prodromakis { .. } => &Self::KIND_PRODROMAKIS,
        }
    }

    fn param_values(&self) -> Vec<(&'static str, f64)> {
        self.params.pairs()
    }

    fn initial_state(&self, _v: &[f64], x: &mut [f64]) {
        x[0] = self.x0;
        if self.edge {
            // ½ ln(x0/(1 − x0)); the fixed points x0 = 0 and 1 (∓∞) start pinned.
            x[1] = (0.5 * (self.x0.ln() - (1.0 - self.x0).ln())).clamp(-S_PINNED, S_PINNED);
        }
    }

    fn project_state(&self, x: &mut [f64]) {
        if self.edge {
            x[0] = logistic_pair(2.0 * x[1]).0;
        } else {
            super::clamp_unit(&mut x[0]);
        }
    }

    fn state_rhs(&self, x: &[f64], v: &[f64], dx: &mut [f64]) {
        if self.edge {
            let e = self.edge_point(x[1]);
            let i = e.g * v[0];
            let (phi, _) = self.window.edge_factor(e.z, e.q);
            let ds = 0.5 * self.k * i * phi;
            dx[0] = 2.0 * e.q * ds;
            dx[1] = ds;
            return;
        }
        let i = v[0] / self.resistance(x[0]);
        dx[0] = self.k * i * self.window_at(x[0], i).0;
    }

    fn conductance(&self, x: &[f64], _v: &[f64], g: &mut [f64]) {
        g[0] = if self.edge {
            self.edge_point(x[1]).g
        } else {
            1.0 / self.resistance(x[0])
        };
    }

    fn jacobian(&self, x: &[f64], v: &[f64], jac: &mut ElementJacobian) {
        if self.edge {
            // States (x, s); nothing depends on x. With q = x(1 − x): dx/ds = 2q,
            // dq/ds = −2zq, dz/ds = 4q, dR/ds = −(R_off − R_on) 2q.
            let e = self.edge_point(x[1]);
            let dg_ds = (self.r_off - self.r_on) * 2.0 * e.q * e.g * e.g;
            let (phi, dphi_dz) = self.window.edge_factor(e.z, e.q);
            let dphi_ds = dphi_dz * 4.0 * e.q;
            let i = e.g * v[0];
            let ds = 0.5 * self.k * i * phi;
            let dds_ds = 0.5 * self.k * (v[0] * dg_ds * phi + i * dphi_ds);
            let dds_dv = 0.5 * self.k * e.g * phi;
            jac.df_dx.copy_from_slice(&[
                0.0,
                -4.0 * e.z * e.q * ds + 2.0 * e.q * dds_ds,
                0.0,
                dds_ds,
            ]);
            jac.df_dv.copy_from_slice(&[2.0 * e.q * dds_dv, dds_dv]);
            jac.dg_dx.copy_from_slice(&[0.0, dg_ds]);
            jac.dg_dv[0] = 0.0;
            return;
        }
        let r = self.resistance(x[0]);
        let g = 1.0 / r;
        let dg_dx = (self.r_off - self.r_on) * g * g;
        let i = g * v[0];
        let (f, df) = self.window_at(x[0], i);
        jac.df_dx[0] = self.k * v[0] * (dg_dx * f + g * df);
        jac.df_dv[0] = self.k * g * f;
        jac.dg_dx[0] = dg_dx;
        jac.dg_dv[0] = 0.0;
    }
}

/// The quantities of the edge coordinate `s` that the state equation needs, each to full
/// relative precision at the edges.
#[derive(Debug, Clone, Copy)]
struct EdgePoint {
    /// `z = 2x − 1 = tanh s`.
    z: f64,
    /// `q = x (1 − x)`.
    q: f64,
    /// `g = 1/(R_on x + R_off (1 − x))` \[S\].
    g: f64,
}

impl HpMemristor {
    /// `x`, `1 − x` and what follows from them at the edge coordinate `s`.
    #[inline]
    fn edge_point(&self, s: f64) -> EdgePoint {
        let (x, y) = logistic_pair(2.0 * s);
        EdgePoint {
            z: s.tanh(),
            q: x * y,
            g: 1.0 / (self.r_on * x + self.r_off * y),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{
        assert_jacobian_matches_fd, assert_rejected, branch_currents, state_range,
    };
    use super::*;
    use crate::element::with_overrides;
    use crate::error::ModelError;

    fn make(kind: &'static KindInfo, ov: &[(&str, f64)]) -> Result<HpMemristor, ModelError> {
        with_overrides(kind, ov, HpMemristor::new)
    }

    /// The state vector of `m` at `x`: `[x]`, or `[x, artanh(2x − 1)]` for the windows that
    /// vanish at both edges.
    fn state_at(m: &HpMemristor, x: f64) -> Vec<f64> {
        if m.n_states() == 2 {
            vec![x, (2.0 * x - 1.0).atanh()]
        } else {
            vec![x]
        }
    }

    const KINDS: [&KindInfo; 4] = [
        &HpMemristor::KIND,
        &HpMemristor::KIND_JOGLEKAR,
        &HpMemristor::KIND_BIOLEK,
        &HpMemristor::KIND_PRODROMAKIS,
    ];

    #[test]
    fn jacobian_closed_form_matches_finite_differences() {
        for kind in KINDS {
            let m = make(
                kind,
                &[("p", 3.0)]
                    .into_iter()
                    .filter(|_| kind.name != "hp")
                    .collect::<Vec<_>>(),
            )
            .expect("valid");
            for (x, v) in [
                (0.1, 0.8),
                (0.5, -0.4),
                (0.83, 1.5),
                (0.3, -2.0),
                (0.999, 0.7),
            ] {
                assert_jacobian_matches_fd(&m, &state_at(&m, x), &[v]);
            }
        }
    }

    #[test]
    fn windows_vanish_at_the_edges() {
        let jog = Window::Joglekar { p: 2 };
        assert_eq!(jog.eval(0.0, 1.0).0, 0.0);
        assert_eq!(jog.eval(1.0, -1.0).0, 0.0);
        assert_eq!(jog.eval(0.5, 1.0).0, 1.0);
        let bio = Window::Biolek { p: 2 };
        // Growing (i > 0) stops at x = 1 but not at x = 0, and the reverse for i < 0.
        assert_eq!(bio.eval(1.0, 1.0).0, 0.0);
        assert_eq!(bio.eval(0.0, 1.0).0, 1.0);
        assert_eq!(bio.eval(0.0, -1.0).0, 0.0);
        assert_eq!(bio.eval(1.0, -1.0).0, 1.0);
        let pro = Window::Prodromakis { p: 2, j: 1.0 };
        assert!(pro.eval(0.0, 1.0).0.abs() < 1e-15 && pro.eval(1.0, 1.0).0.abs() < 1e-15);
        assert!((pro.eval(0.5, 1.0).0 - (1.0 - 0.75f64.powi(2))).abs() < 1e-15);
    }

    #[test]
    fn conductance_is_positive_on_the_domain() {
        for kind in KINDS {
            let m = make(kind, &[]).expect("defaults");
            for k in 0..=20 {
                let x = f64::from(k) / 20.0;
                let mut g = [0.0];
                m.conductance(&state_at(&m, x), &[0.3], &mut g);
                assert!(g[0] >= 1.0 / 16e3 - 1e-18 && g[0] <= 1.0 / 100.0 + 1e-18);
            }
        }
    }

    #[test]
    fn state_stays_in_unit_interval_under_large_drives() {
        for kind in KINDS {
            let m = make(kind, &[]).expect("defaults");
            let mut x = state_at(&m, 0.1);
            let (lo, hi) = state_range(&m, &mut x, (20.0, 1.0), 3.0, 1e-4);
            assert!(
                (0.0..=1.0).contains(&lo) && (0.0..=1.0).contains(&hi),
                "{}: [{lo}, {hi}]",
                kind.name
            );
            assert!(
                hi > 0.9,
                "{}: a 20 V drive should nearly switch the device, max x = {hi}",
                kind.name
            );
        }
        // Without a window, pushing past a boundary is a hard stop.
        let m = make(&HpMemristor::KIND, &[]).expect("defaults");
        let mut dx = [0.0];
        m.state_rhs(&[1.0], &[1.0], &mut dx);
        assert_eq!(dx[0], 0.0);
        m.state_rhs(&[0.0], &[-1.0], &mut dx);
        assert_eq!(dx[0], 0.0);
        m.state_rhs(&[1.0], &[-1.0], &mut dx);
        assert!(dx[0] < 0.0);
        let mut x = [1.2];
        m.project_state(&mut x);
        assert_eq!(x[0], 1.0);
    }

    #[test]
    fn joglekar_default_loop_is_visible_and_state_stays_in_range() {
        let m = make(&HpMemristor::KIND_JOGLEKAR, &[]).expect("defaults");
        let (rise, fall) = branch_currents(&m, 1.0, 1.0, 0.5);
        let rel = (fall - rise).abs() / rise.abs().max(fall.abs());
        assert!(rel > 0.01, "rising {rise} A vs falling {fall} A");
        let mut x = state_at(&m, 0.1);
        let (lo, hi) = state_range(&m, &mut x, (1.0, 1.0), 3.0, 1e-4);
        // `docs/numerics.md#hp-joglekar-peak`: the exact maximum, from the flux-controlled form
        // ∫_{0.1}^{x_max} R(x)/F(x) dx = k/π (Simpson, 20000 panels), is 0.3040482.
        assert!(
            lo >= 0.1 - 1e-9 && (hi - 0.304_048_2).abs() < 1e-5,
            "x in [{lo}, {hi}]"
        );
        // F depends on x only: the state returns to x0 after each period.
        assert!((x[0] - 0.1).abs() < 1e-8, "x(3 s) = {}", x[0]);
    }

    #[test]
    fn invalid_parameters_name_the_culprit() {
        let e = make(&HpMemristor::KIND, &[("r_on", 20e3)])
            .expect_err("invalid input must be rejected");
        assert!(
            matches!(e, ModelError::Inconsistent { .. }) && e.to_string().contains("r_on"),
            "{e}"
        );
        assert_rejected(make(&HpMemristor::KIND, &[("r_on", 16e3)]), "r_on");
        let e = make(&HpMemristor::KIND_JOGLEKAR, &[("d", -1e-9)])
            .expect_err("invalid input must be rejected");
        assert!(
            matches!(e, ModelError::ParamOutOfRange { ref param, .. } if param == "d"),
            "{e}"
        );
        let e = make(&HpMemristor::KIND_BIOLEK, &[("mu_v", f64::NAN)])
            .expect_err("invalid input must be rejected");
        assert!(
            matches!(e, ModelError::NonFinite { ref param, .. } if param == "mu_v"),
            "{e}"
        );
        assert_rejected(
            make(&HpMemristor::KIND_PRODROMAKIS, &[("p", 1.5)]),
            "p = 1.5",
        );
        let e =
            make(&HpMemristor::KIND, &[("p", 2.0)]).expect_err("invalid input must be rejected");
        assert!(matches!(e, ModelError::UnknownParam { .. }), "{e}");
        assert_rejected(make(&HpMemristor::KIND, &[("x0", 1.5)]), "x0");
    }
}
