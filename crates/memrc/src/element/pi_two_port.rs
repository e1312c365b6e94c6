//! The memristive Π two-port, the built-in multi-port memristive network (paper §III-C,
//! eq. 34–41).
//!
//! A memristive network is a multi-port `I = G(V) V` (eq. 34) whose memconductance matrix is
//! symmetric and uniformly positive definite (Assumption 3, eq. 37a). Such networks arise by
//! interconnecting memristive one-ports: each branch `k` with incidence vector `a_k ∈ ℝⁿ` sees
//! the branch voltage `w_k = a_kᵀ V` and carries `i_k = g_k w_k`, and Kirchhoff's current law
//! gives the port currents
//!
//! ```text
//!   I = Σ_k a_k i_k = (Σ_k g_k a_k a_kᵀ) V,     G = Σ_k g_k a_k a_kᵀ
//! ```
//!
//! `G` is symmetric by construction and positive definite as soon as every `g_k > 0` and the
//! incidence vectors span `ℝⁿ` (then `Vᵀ G V = Σ g_k w_k² > 0` for `V ≠ 0`).
//!
//! | catalogue name | type | ports | branches |
//! |---|---|---|---|
//! | `pi-network` | [`PiNetwork`] | 2 | shunt 1 across port 1, shunt 2 across port 2, a series element between the ports |

use super::Entry;
use super::memristor::{HpMemristor, hp};
use super::{Element, ElementJacobian, KindInfo, StateForm, with_overrides};
use crate::error::ModelError;
use crate::params::{ParamInfo, ParamSet};

/// Catalogue entries of this family.
pub const CATALOGUE: &[Entry] = entries![PiNetwork::KIND => from_params];

/// Branch names, in state order.
const BRANCH_NAMES: [&str; 3] = ["shunt1", "shunt2", "series"];

/// Incidence vectors of the three branches: `w_k = a_kᵀ V`.
const INCIDENCE: [[f64; 2]; 3] = [[1.0, 0.0], [0.0, 1.0], [1.0, -1.0]];

/// The memristive Π two-port: a shunt element across each port and a series element between
/// the ports' plus terminals (common minus terminal).
///
/// ```text
///   port 1 ──┬──── series (v1 − v2) ────┬── port 2
///            │                           │
///         shunt 1 (v1)               shunt 2 (v2)
///            │                           │
///   ─────────┴───────────────────────────┴─────────
///
///   G = ⎡ g1 + g3    −g3   ⎤      I = G V,   V = (v1, v2)
///       ⎣  −g3     g2 + g3 ⎦
/// ```
///
/// with `g1 = g_shunt1(x1, v1)`, `g2 = g_shunt2(x2, v2)`, `g3 = g_series(x3, v1 − v2)`. `G` is
/// symmetric, and positive definite when all three conductances are positive
/// (`Vᵀ G V = g1 v1² + g2 v2² + g3 (v1 − v2)²`), which is Assumption 3 (eq. 37a): since
/// `g3 a3 a3ᵀ ⪰ 0`, `λ_min(G) ≥ min(g1, g2)`. The state is the concatenation of the three
/// elements' states, named `shunt1.<name>`, `shunt2.<name>`, `series.<name>`.
///
/// Any three one-port elements without battery can be combined with [`PiNetwork::new`]. The
/// catalogue entry `pi-network` uses three `hp-joglekar` devices that share the material
/// parameters and differ in their initial states:
///
/// | param | unit | default | range | meaning |
/// |---|---|---|---|---|
/// | `r_on` | Ohm | 100 | (0, inf) | resistance of a fully doped device (all three) |
/// | `r_off` | Ohm | 16e3 | (0, inf) | resistance of an undoped device, `> r_on` |
/// | `mu_v` | m^2/(V s) | 1e-14 | (0, inf) | dopant mobility (film thickness 10 nm) |
/// | `p` | 1 | 2 | [1, 100], integer | Joglekar window exponent |
/// | `x0_shunt1` | 1 | 0.1 | [0, 1] | initial state of shunt 1 |
/// | `x0_shunt2` | 1 | 0.5 | [0, 1] | initial state of shunt 2 |
/// | `x0_series` | 1 | 0.3 | [0, 1] | initial state of the series device |
///
/// **Default picture.** Under the two-phase drive `v1 = sin 2πt`, `v2 = cos 2πt` V each device
/// sees a 1–1.4 V, 1 Hz sine, so as for a single `hp-joglekar` device its resistance swings by
/// 20–30 % over a half-period and both port currents trace loops pinched where the
/// corresponding port voltage and the coupling current vanish together.
#[derive(Debug)]
pub struct PiNetwork {
    parts: [Box<dyn Element>; 3],
    /// State offsets of the parts: part `k` owns `x[offsets\[k\]..offsets[k + 1]]`.
    offsets: [usize; 4],
    /// Reported parameters (the catalogue table, or the parts' values in branch order).
    params: Vec<(&'static str, f64)>,
}

/// The `hp-joglekar` table's material parameters and exponent with the network's meanings,
/// and one initial state per branch.
const PARAMS: &[ParamInfo] = &[
    ParamInfo {
        doc: "resistance of a fully doped device (all three branches)",
        ..hp::R_ON
    },
    ParamInfo {
        doc: "resistance of an undoped device (all three branches)",
        ..hp::R_OFF
    },
    hp::MU_V,
    ParamInfo {
        doc: "Joglekar window exponent (integer)",
        ..hp::P
    },
    branch_x0(
        "x0_shunt1",
        0.1,
        "initial state of the shunt device across port 1",
    ),
    branch_x0(
        "x0_shunt2",
        0.5,
        "initial state of the shunt device across port 2",
    ),
    branch_x0(
        "x0_series",
        0.3,
        "initial state of the series device between the ports",
    ),
];

/// The `x0` parameter of `hp-joglekar` renamed for one branch, with its own default.
const fn branch_x0(name: &'static str, default: f64, doc: &'static str) -> ParamInfo {
    ParamInfo {
        name,
        default,
        doc,
        ..hp::X0
    }
}

impl PiNetwork {
    /// Kind description (`pi-network`).
    pub const KIND: KindInfo = KindInfo {
        name: "pi-network",
        summary: "memristive Pi two-port: shunt elements across both ports and a series element between them, G = [[g1 + g3, -g3], [-g3, g2 + g3]]",
        source: "F. Forni, R. Sepulchre, Gradient modelling of memristive systems, Sec. III-C, eq. 34-41; devices: Strukov et al., Nature 453, 2008, Joglekar window",
        ports: 2,
        states: &[],
        params: PARAMS,
        conductance_unit: "S",
        current_unit: "A",
    };

    /// Combines three one-port elements without battery: `shunt1` across port 1, `shunt2`
    /// across port 2 and `series` between the two ports.
    pub fn new(
        shunt1: Box<dyn Element>,
        shunt2: Box<dyn Element>,
        series: Box<dyn Element>,
    ) -> Result<Self, ModelError> {
        let parts = [shunt1, shunt2, series];
        for (name, part) in BRANCH_NAMES.iter().zip(&parts) {
            let err = |reason: String| ModelError::Inconsistent {
                element: Self::KIND.name.to_string(),
                reason,
            };
            if part.n_ports() != 1 {
                return Err(err(format!(
                    "branch '{name}' must be a one-port, '{}' has {} ports",
                    part.info().name,
                    part.n_ports()
                )));
            }
            let e = part.battery(0);
            if e != 0.0 {
                return Err(err(format!(
                    "branch '{name}' ('{}') has a battery of {e} V; only elements without battery can be interconnected",
                    part.info().name
                )));
            }
        }
        let mut offsets = [0; 4];
        for k in 0..3 {
            offsets[k + 1] = offsets[k] + parts[k].n_states();
        }
        let params = parts.iter().flat_map(|p| p.param_values()).collect();
        Ok(Self {
            parts,
            offsets,
            params,
        })
    }

    /// The catalogue variant: three `hp-joglekar` devices (see the type docs).
    pub fn from_params(params: &ParamSet) -> Result<Self, ModelError> {
        if params.element() != Self::KIND.name {
            return Err(params.inconsistent(format!(
                "parameter set of '{}' given to the constructor of '{}'",
                params.element(),
                Self::KIND.name
            )));
        }
        let device = |x0: &str| -> Result<Box<dyn Element>, ModelError> {
            let overrides = [
                ("r_on", params.get("r_on")),
                ("r_off", params.get("r_off")),
                ("mu_v", params.get("mu_v")),
                ("p", params.get("p")),
                ("x0", params.get(x0)),
            ];
            // Report inconsistencies (r_on ≥ r_off, fractional p) under the network's name.
            with_overrides(&HpMemristor::KIND_JOGLEKAR, &overrides, HpMemristor::new)
                .map(|d| Box::new(d) as Box<dyn Element>)
                .map_err(|e| match e {
                    ModelError::Inconsistent { reason, .. } => params.inconsistent(reason),
                    other => other,
                })
        };
        let mut net = Self::new(
            device("x0_shunt1")?,
            device("x0_shunt2")?,
            device("x0_series")?,
        )?;
        net.params = params.pairs();
        Ok(net)
    }

    /// The three branch elements: shunt 1, shunt 2, series.
    pub fn parts(&self) -> [&dyn Element; 3] {
        [
            self.parts[0].as_ref(),
            self.parts[1].as_ref(),
            self.parts[2].as_ref(),
        ]
    }

    /// The branch voltage `w_k = a_kᵀ V` of branch `k` (0: shunt 1, 1: shunt 2, 2: series).
    #[inline]
    pub fn branch_voltage(k: usize, v: &[f64]) -> f64 {
        INCIDENCE[k][0] * v[0] + INCIDENCE[k][1] * v[1]
    }

    /// The states of branch `k` within the network state `x`.
    #[inline]
    fn slice<'a>(&self, k: usize, x: &'a [f64]) -> &'a [f64] {
        &x[self.offsets[k]..self.offsets[k + 1]]
    }

    /// The branch conductances `(g1, g2, g3)` at state `x` and port voltages `v`.
    pub fn branch_conductances(&self, x: &[f64], v: &[f64]) -> [f64; 3] {
        let mut out = [0.0; 3];
        for (k, o) in out.iter_mut().enumerate() {
            let mut g = [0.0];
            self.parts[k].conductance(self.slice(k, x), &[Self::branch_voltage(k, v)], &mut g);
            *o = g[0];
        }
        out
    }
}

impl Element for PiNetwork {
    fn info(&self) -> &'static KindInfo {
        &Self::KIND
    }

    fn n_states(&self) -> usize {
        self.offsets[3]
    }

    fn state_names(&self) -> Vec<String> {
        BRANCH_NAMES
            .iter()
            .zip(&self.parts)
            .flat_map(|(b, p)| p.state_names().into_iter().map(move |s| format!("{b}.{s}")))
            .collect()
    }

    fn param_values(&self) -> Vec<(&'static str, f64)> {
        self.params.clone()
    }

    fn initial_state(&self, v: &[f64], x: &mut [f64]) {
        for k in 0..3 {
            let w = [Self::branch_voltage(k, v)];
            self.parts[k].initial_state(&w, &mut x[self.offsets[k]..self.offsets[k + 1]]);
        }
    }

    fn state_rhs(&self, x: &[f64], v: &[f64], dx: &mut [f64]) {
        for k in 0..3 {
            let w = [Self::branch_voltage(k, v)];
            self.parts[k].state_rhs(
                self.slice(k, x),
                &w,
                &mut dx[self.offsets[k]..self.offsets[k + 1]],
            );
        }
    }

    fn conductance(&self, x: &[f64], v: &[f64], g: &mut [f64]) {
        g.iter_mut().for_each(|e| *e = 0.0);
        for (k, gk) in self.branch_conductances(x, v).into_iter().enumerate() {
            let a = INCIDENCE[k];
            for r in 0..2 {
                for c in 0..2 {
                    g[r * 2 + c] += gk * a[r] * a[c];
                }
            }
        }
    }

    fn linear_coefficients(&self, v: &[f64], a: &mut [f64], b: &mut [f64]) -> bool {
        if self.state_form() != StateForm::Linear {
            return false;
        }
        for k in 0..3 {
            let (lo, hi) = (self.offsets[k], self.offsets[k + 1]);
            let w = [Self::branch_voltage(k, v)];
            if lo < hi && !self.parts[k].linear_coefficients(&w, &mut a[lo..hi], &mut b[lo..hi]) {
                return false;
            }
        }
        true
    }

    fn state_form(&self) -> StateForm {
        // Stateless parts (static resistors) do not constrain the form.
        if self
            .parts
            .iter()
            .all(|p| p.n_states() == 0 || p.state_form() == StateForm::Linear)
        {
            StateForm::Linear
        } else {
            StateForm::General
        }
    }

    fn project_state(&self, x: &mut [f64]) {
        for k in 0..3 {
            self.parts[k].project_state(&mut x[self.offsets[k]..self.offsets[k + 1]]);
        }
    }

    /// Assembled from the parts' Jacobians (closed forms where the parts have them) by the chain
    /// rule through `w_k = a_kᵀ V` and `G = Σ g_k a_k a_kᵀ`. Allocates the parts' buffers.
    fn jacobian(&self, x: &[f64], v: &[f64], jac: &mut ElementJacobian) {
        let ns = self.n_states();
        jac.fill(0.0);
        for (k, &a) in INCIDENCE.iter().enumerate() {
            let part = self.parts[k].as_ref();
            let (off, nk) = (self.offsets[k], part.n_states());
            let mut pj = ElementJacobian::for_element(part);
            part.jacobian(self.slice(k, x), &[Self::branch_voltage(k, v)], &mut pj);
            for r in 0..nk {
                for c in 0..nk {
                    jac.df_dx[(off + r) * ns + off + c] = pj.df_dx[r * nk + c];
                }
                for (j, aj) in a.iter().enumerate() {
                    jac.df_dv[(off + r) * 2 + j] = pj.df_dv[r] * aj;
                }
            }
            for r in 0..2 {
                for c in 0..2 {
                    let w = a[r] * a[c];
                    let row = r * 2 + c;
                    for s in 0..nk {
                        jac.dg_dx[row * ns + off + s] += w * pj.dg_dx[s];
                    }
                    for (j, aj) in a.iter().enumerate() {
                        jac.dg_dv[row * 2 + j] += w * pj.dg_dv[0] * aj;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::assumptions::positivity;
    use crate::element::build;
    use crate::element::memristor::testutil::assert_jacobian_matches_fd;
    use crate::memconductance::{Options, memconductance};
    use crate::trajectory::{Grid, Trajectory};
    use std::f64::consts::PI;

    fn two_phase(grid: Grid, amp: f64, freq: f64) -> Trajectory {
        let data = (0..grid.len())
            .flat_map(|k| {
                let t = grid.time(k);
                let p = 2.0 * PI * freq * t;
                [amp * p.sin(), amp * p.cos()]
            })
            .collect();
        Trajectory::new(grid, 2, data).expect("finite")
    }

    fn respond(el: &dyn Element, v: &Trajectory) -> crate::memconductance::Response {
        let mut x0 = vec![0.0; el.n_states()];
        el.initial_state(v.at(0), &mut x0);
        memconductance(el, v, &x0, Options::default()).expect("response")
    }

    #[test]
    fn catalogue_default_is_three_joglekar_devices() {
        let el = build("pi-network", &[]).expect("defaults");
        assert_eq!(el.n_ports(), 2);
        // Each hp-joglekar device carries x and its edge coordinate s.
        assert_eq!(el.n_states(), 6);
        assert_eq!(
            el.state_names(),
            [
                "shunt1.x", "shunt1.s", "shunt2.x", "shunt2.s", "series.x", "series.s"
            ]
            .map(String::from)
        );
        assert_eq!(el.state_form(), StateForm::General);
        let mut x = [0.0; 6];
        el.initial_state(&[0.0, 0.0], &mut x);
        assert_eq!([x[0], x[2], x[4]], [0.1, 0.5, 0.3]);
        assert_eq!(el.param_values().len(), PARAMS.len());
        let e = build("pi-network", &[("r_on", 2e4)]).expect_err("r_on > r_off");
        assert!(
            e.to_string().contains("pi-network") && e.to_string().contains("r_on"),
            "{e}"
        );
        let e = build("pi-network", &[("p", 1.5)]).expect_err("fractional p");
        assert!(e.to_string().contains("p = 1.5"), "{e}");
    }

    #[test]
    fn parts_must_be_one_ports_without_battery() {
        let dev = || build("hp-joglekar", &[]).expect("defaults");
        let k = build("hh-k", &[]).expect("defaults");
        let e = PiNetwork::new(dev(), k, dev()).expect_err("battery");
        assert!(e.to_string().contains("shunt2") && e.to_string().contains("battery"));
        let syn = build("synapse", &[]).expect("defaults");
        let e = PiNetwork::new(dev(), dev(), syn).expect_err("two-port");
        assert!(e.to_string().contains("series") && e.to_string().contains("one-port"));
    }

    #[test]
    fn g_is_symmetric_positive_definite_along_a_driven_trajectory() {
        let el = build("pi-network", &[]).expect("defaults");
        let grid = Grid::span(0.0, 3.0, 6000).expect("valid");
        let v = two_phase(grid, 1.0, 1.0);
        let r = respond(el.as_ref(), &v);
        let p = positivity(&r.g).expect("square");
        assert!(p.holds && p.symmetric && p.asymmetry == 0.0, "{p:?}");
        // Every device stays between 1/r_off and 1/r_on, and λ_min(G) ≥ min(g1, g2).
        assert!(p.epsilon >= 1.0 / 16e3, "{p:?}");
        // The two-port loop is open: the state moves.
        let x = &r.x;
        let (lo, hi) = (0..x.len()).fold((f64::INFINITY, 0.0_f64), |(lo, hi), k| {
            (lo.min(x.at(k)[0]), hi.max(x.at(k)[0]))
        });
        assert!(hi - lo > 0.1, "shunt 1 state range [{lo}, {hi}]");
    }

    #[test]
    fn currents_are_the_sum_of_the_branch_currents() {
        let net = PiNetwork::from_params(&ParamSet::defaults("pi-network", PARAMS)).expect("ok");
        let grid = Grid::span(0.0, 1.0, 2000).expect("valid");
        let v = two_phase(grid, 1.2, 1.0);
        let r = respond(&net, &v);
        for k in (0..grid.len()).step_by(37) {
            let (vk, xk, ik) = (v.at(k), r.x.at(k), r.i.at(k));
            let g = net.branch_conductances(xk, vk);
            let branch: Vec<f64> = (0..3)
                .map(|b| g[b] * PiNetwork::branch_voltage(b, vk))
                .collect();
            // KCL at the plus terminals: port 1 feeds shunt 1 and the series branch, port 2
            // feeds shunt 2 and receives the series current.
            let kcl = [branch[0] + branch[2], branch[1] - branch[2]];
            // Rounding: both forms sum the same three terms in a different order.
            let gk = r.g.at(k);
            for p in 0..2 {
                let scale: f64 = branch.iter().map(|b| b.abs()).sum::<f64>()
                    + (0..2).map(|c| (gk[p * 2 + c] * vk[c]).abs()).sum::<f64>();
                assert!(
                    (ik[p] - kcl[p]).abs() <= 4.0 * f64::EPSILON * scale,
                    "node {k} port {p}: {} vs {}",
                    ik[p],
                    kcl[p]
                );
            }
        }
    }

    #[test]
    fn removing_the_series_element_decouples_the_ports() {
        let shunts = || {
            (
                build("hp-joglekar", &[]).expect("defaults"),
                build("ideal", &[]).expect("defaults"),
            )
        };
        for g0 in [1e-6, 1e-9, 1e-12] {
            let (s1, s2) = shunts();
            let series = build("resistor", &[("g0", g0), ("g2", 0.0)]).expect("valid");
            let net = PiNetwork::new(s1, s2, series).expect("one-ports");
            assert_eq!(net.n_states(), 3);
            assert_eq!(
                net.state_names(),
                ["shunt1.x", "shunt1.s", "shunt2.phi"].map(String::from)
            );
            let grid = Grid::span(0.0, 1.0, 1000).expect("valid");
            let v = two_phase(grid, 1.0, 1.0);
            let r = respond(&net, &v);
            // The shunts alone.
            let (s1, s2) = shunts();
            let r1 = respond(
                s1.as_ref(),
                &Trajectory::scalar(grid, v.component(0)).expect("finite"),
            );
            let r2 = respond(
                s2.as_ref(),
                &Trajectory::scalar(grid, v.component(1)).expect("finite"),
            );
            for k in 0..grid.len() {
                let g = r.g.at(k);
                let (g1, g2) = (r1.g.at(k)[0], r2.g.at(k)[0]);
                assert!((g[0] - g1 - g0).abs() <= 1e-15 * g1 + 1e-20);
                assert!((g[3] - g2 - g0).abs() <= 1e-15 * g2 + 1e-20);
                assert_eq!(g[1], -g0);
                assert_eq!(g[2], -g0);
                // Relative distance to diag(g1, g2) ∝ g0.
                let off = g[1].abs() / g1.min(g2);
                assert!(
                    off <= g0 * 16e3 * (1.0 + 1e-12),
                    "g0 = {g0}: off-diagonal ratio {off}"
                );
            }
        }
    }

    #[test]
    fn jacobian_matches_finite_differences() {
        let nets = [
            PiNetwork::from_params(&ParamSet::defaults("pi-network", PARAMS)).expect("ok"),
            PiNetwork::new(
                build("relaxation", &[]).expect("defaults"),
                build("ideal", &[]).expect("defaults"),
                build("resistor", &[]).expect("defaults"),
            )
            .expect("one-ports"),
        ];
        for net in &nets {
            let ns = net.n_states();
            // Three hp-joglekar devices hold (x, artanh(2x − 1)) each.
            let edge = |xs: [f64; 3]| -> Vec<f64> {
                xs.iter()
                    .flat_map(|&x| [x, (2.0 * x - 1.0).atanh()])
                    .collect()
            };
            let states: Vec<Vec<f64>> = match ns {
                6 => vec![edge([0.2, 0.5, 0.7]), edge([0.35, 0.1, 0.9])],
                _ => vec![vec![1.5e-3, 0.2], vec![2.5e-3, -0.4]],
            };
            for x in &states {
                for v in [[0.8, -0.3], [-1.1, 0.4], [0.5, 0.5]] {
                    assert_jacobian_matches_fd(net, x, &v);
                }
            }
        }
    }

    #[test]
    fn linear_parts_make_a_linear_network() {
        let net = PiNetwork::new(
            build("relaxation", &[]).expect("defaults"),
            build("ideal", &[]).expect("defaults"),
            build("resistor", &[]).expect("defaults"),
        )
        .expect("one-ports");
        assert_eq!(net.state_form(), StateForm::Linear);
        let (mut a, mut b) = ([0.0; 2], [0.0; 2]);
        let v = [0.7, -0.2];
        assert!(net.linear_coefficients(&v, &mut a, &mut b));
        // ẋ = a − b x reproduces state_rhs.
        let x = [1.3e-3, 0.05];
        let mut dx = [0.0; 2];
        net.state_rhs(&x, &v, &mut dx);
        for j in 0..2 {
            assert!((dx[j] - (a[j] - b[j] * x[j])).abs() <= 1e-14 * dx[j].abs().max(1e-3));
        }
        // The ideal shunt sees v2: φ̇ = v2.
        assert_eq!(dx[1], -0.2);
    }
}
