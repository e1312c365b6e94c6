//! A memRC circuit as an ODE system for the general time-stepping methods of
//! [`crate::solver`] (RK4, Dormand–Prince, SDIRK2, exponential Euler/Rush–Larsen, …).
//!
//! State `y = [v; x]`: node voltages, then the concatenated branch states. The right-hand side
//! is eq. (59a) and each element's `ẋ = f(x, w)`; the linear-diagonal split for exponential
//! integrators is `b_j = A_jj / C_j`, `a_j = (J_j − Σ_{i≠j} A_ji v_i + I_j(t)) / C_j` for the
//! voltages (see [`super`]), and the element's own `a`, `b` for [`StateForm::Linear`] states
//! (`a = f`, `b = 0` for the others).
//!
//! **Voltage sources.** A node driven by an ideal source keeps its slot in `y` but is not an
//! unknown: every evaluation reads its voltage from the source at the stage time (`V(t)`, exact),
//! its derivative is zero (`a = b = 0`), and [`System::prescribe`] writes `V(t)` into the slot at
//! every step end and output sample, so the recorded voltage is the source's. A source behind a
//! resistance `R` adds its Norton current `V(t)/R` and the conductance `1/R` to its node.

use super::{Circuit, NodeId, Stamp, Terminal};
use crate::element::StateForm;
use crate::system::System;

/// Largest port count handled with stack buffers (larger elements fall back to the heap).
const MAXP: usize = 2;

/// The circuit as a [`System`].
#[derive(Debug, Clone)]
pub struct CircuitSystem<'c> {
    circuit: &'c Circuit,
    /// Whether an ideal voltage source drives a node (node voltages are then read through
    /// [`Circuit::node_voltage_at`]).
    driven: bool,
    /// Per branch, for a one-port channel from a node to ground (the common case, evaluated
    /// without the general port and stamp machinery): what its evaluation needs, looked up once.
    channels: Vec<Option<Channel>>,
}

/// A one-port branch from node `node` to ground, as [`CircuitSystem::split`] uses it.
#[derive(Debug, Clone, Copy)]
struct Channel {
    node: usize,
    battery: f64,
    offset: usize,
    n_states: usize,
    linear: bool,
}

impl<'c> CircuitSystem<'c> {
    /// Wraps `circuit`.
    pub fn new(circuit: &'c Circuit) -> Self {
        let channels = circuit
            .branches()
            .iter()
            .enumerate()
            .map(|(b, br)| match br.ports[..] {
                [(Terminal::Node(NodeId(node)), Terminal::Ground)] => Some(Channel {
                    node,
                    battery: br.element.battery(0),
                    offset: circuit.state_offset(b),
                    n_states: br.element.n_states(),
                    linear: br.element.state_form() == StateForm::Linear,
                }),
                _ => None,
            })
            .collect();
        let driven = (0..circuit.n_nodes()).any(|j| circuit.is_driven(j));
        Self {
            circuit,
            driven,
            channels,
        }
    }

    /// Node `j`'s voltage at time `t`: the driving source's value, or `v[j]`.
    #[inline]
    fn node_v(&self, v: &[f64], j: usize, t: f64) -> f64 {
        if self.driven {
            self.circuit.node_voltage_at(v, j, t)
        } else {
            v[j]
        }
    }

    /// The times in `[t0, t1]` at which a source or its slope jumps
    /// ([`super::Stimulus::breakpoints`]), sorted, for [`crate::solver::Config::t_stops`].
    pub fn breakpoints(&self, t0: f64, t1: f64) -> Vec<f64> {
        let mut t = Vec::new();
        for s in self.circuit.sources() {
            s.stimulus.breakpoints(t0, t1, &mut t);
        }
        for s in self.circuit.voltage_sources() {
            s.voltage.breakpoints(t0, t1, &mut t);
        }
        t.sort_by(f64::total_cmp);
        t.dedup();
        t
    }

    /// For each branch (if `only_general`, each that is not a channel to ground): port
    /// voltages, conductance and (if `with_currents`, else zeros) currents at `y`, passed to
    /// `visit`.
    fn each_branch(
        &self,
        t: f64,
        y: &[f64],
        with_currents: bool,
        only_general: bool,
        mut visit: impl FnMut(usize, &[f64], &[f64], &[f64], &[f64]),
    ) {
        let c = self.circuit;
        let n = c.n_nodes();
        let (v, x) = y.split_at(n);
        // Stack buffers for up to MAXP ports (channels and the synapse two-port; zeroing a
        // larger array on every call showed up in profiles), the heap beyond.
        let mut w = [0.0; MAXP];
        let mut g = [0.0; MAXP * MAXP];
        let mut i = [0.0; MAXP];
        let (mut wh, mut gh, mut ih) = (Vec::new(), Vec::new(), Vec::new());
        for (b, br) in c.branches().iter().enumerate() {
            if only_general && self.channels[b].is_some() {
                continue;
            }
            let p = br.ports.len();
            let (w, g, i): (&mut [f64], &mut [f64], &mut [f64]) = if p <= MAXP {
                (&mut w[..p], &mut g[..p * p], &mut i[..p])
            } else {
                wh.resize(p, 0.0);
                gh.resize(p * p, 0.0);
                ih.resize(p, 0.0);
                (&mut wh[..], &mut gh[..], &mut ih[..])
            };
            if self.driven {
                c.port_voltages_at(b, v, t, w);
            } else {
                c.port_voltages(b, v, w);
            }
            let off = c.state_offset(b);
            let xb = &x[off..off + br.element.n_states()];
            br.element.conductance(xb, w, g);
            if with_currents {
                for q in 0..p {
                    i[q] = (0..p).map(|r| g[q * p + r] * w[r]).sum();
                }
            }
            visit(b, w, g, i, xb);
        }
    }
}

impl System for CircuitSystem<'_> {
    fn n_states(&self) -> usize {
        self.circuit.n_nodes() + self.circuit.n_states()
    }

    fn rhs(&self, t: f64, y: &[f64], dy: &mut [f64]) {
        let c = self.circuit;
        let n = c.n_nodes();
        let (dv, dx) = dy.split_at_mut(n);
        c.source_value(t, dv);
        c.norton_current(t, dv);
        for d in dv.iter_mut() {
            *d = -*d;
        }
        self.each_branch(t, y, true, false, |b, w, _g, i, xb| {
            c.scatter_currents(b, i, dv);
            let off = c.state_offset(b);
            c.branches()[b]
                .element
                .state_rhs(xb, w, &mut dx[off..off + xb.len()]);
        });
        for (j, d) in dv.iter_mut().enumerate() {
            *d = if c.is_driven(j) {
                0.0
            } else {
                -(*d + c.series_conductance(j) * y[j]) / c.nodes()[j].capacitance
            };
        }
    }

    fn split(&self, t: f64, y: &[f64], a: &mut [f64], b: &mut [f64]) -> bool {
        let c = self.circuit;
        let n = c.n_nodes();
        let (av, ax) = a.split_at_mut(n);
        let (bv, bx) = b.split_at_mut(n);
        c.source_value(t, av);
        c.norton_current(t, av);
        bv.fill(0.0);
        let v = &y[..n];
        let x = &y[n..];
        // Channels to ground: their two terms g·E into a and g into b directly.
        for (ch, br) in self.channels.iter().zip(c.branches()) {
            let Some(ch) = ch else { continue };
            let el = br.element.as_ref();
            let w = [self.node_v(v, ch.node, t) - ch.battery];
            let (off, ns) = (ch.offset, ch.n_states);
            let xb = &x[off..off + ns];
            let mut g = [0.0];
            el.conductance(xb, &w, &mut g);
            av[ch.node] += g[0] * ch.battery;
            bv[ch.node] += g[0];
            let (a_b, b_b) = (&mut ax[off..off + ns], &mut bx[off..off + ns]);
            if ns == 0 || (ch.linear && el.linear_coefficients(&w, a_b, b_b)) {
                continue;
            }
            el.state_rhs(xb, &w, a_b);
            b_b.fill(0.0);
        }
        self.each_branch(t, y, false, true, |br, w, g, _i, xb| {
            // Node-current contributions −Pᵀ G (P v − E): diagonal part into b, the rest into a.
            let branch = &c.branches()[br];
            branch.stamps(g, |term| match term {
                Stamp::Battery { row, value } => av[row] += value,
                Stamp::Conductance { row, col, value } if col == row => bv[row] += value,
                Stamp::Conductance { row, col, value } => {
                    av[row] -= value * self.node_v(v, col, t);
                }
            });
            let off = c.state_offset(br);
            let el = branch.element.as_ref();
            let ns = xb.len();
            let (a_b, b_b) = (&mut ax[off..off + ns], &mut bx[off..off + ns]);
            if el.state_form() == StateForm::Linear && el.linear_coefficients(w, a_b, b_b) {
                return;
            }
            el.state_rhs(xb, w, a_b);
            b_b.fill(0.0);
        });
        for j in 0..n {
            if c.is_driven(j) {
                av[j] = 0.0;
                bv[j] = 0.0;
                continue;
            }
            let cj = c.nodes()[j].capacitance;
            av[j] /= cj;
            bv[j] = (bv[j] + c.series_conductance(j)) / cj;
        }
        true
    }

    fn prescribe(&self, t: f64, y: &mut [f64]) {
        if self.driven {
            self.circuit.prescribe(t, &mut y[..self.circuit.n_nodes()]);
        }
    }

    fn state_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .circuit
            .nodes()
            .iter()
            .map(|n| format!("v({})", n.name))
            .collect();
        names.extend(self.circuit.state_names());
        names
    }
}
