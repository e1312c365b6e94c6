//! memRC circuits (paper §IV): nodes with a capacitance to ground, memristive branches with
//! series batteries, and current sources.
//!
//! A [`Circuit`] has `n` nodes with voltages `v ∈ ℝⁿ` \[V\] and capacitances `C_j > 0` [F, or F/m²
//! for per-area neuron models]. Each [`Branch`] holds one [`Element`] with `p` ports; port `q`
//! is connected between a `plus` and a `minus` [`Terminal`] (a node or ground) and sees the
//! port voltage
//!
//! ```text
//!   w_q = v_plus − v_minus − E_q          (E_q = element.battery(q), eq. 59b–d)
//! ```
//!
//! and carries the current `i_q = Σ_r G_qr(x, w) w_r` from `plus` to `minus` through the element
//! and its battery. Kirchhoff's current law at node `j` gives the voltage equation
//!
//! ```text
//!   C_j v̇_j = − Σ_branches Σ_q P_qj i_q + I_j(t),     P_qj = [plus_q = j] − [minus_q = j]
//!           = − (A(t) v)_j + J_j(t) + I_j(t),           A = Σ Pᵀ G P,  J = Σ Pᵀ G E        (59a, 63d)
//! ```
//!
//! which is *linear in v once the conductances are fixed*: the structure the trajectory-space
//! solver exploits (Compute(v) of Example 4). One-port channels to ground give the neuron of
//! eq. (59); the kinetic synapse two-port couples a presynaptic to a postsynaptic node (eq. 3–4);
//! a linear gap junction is a `resistor` branch between two nodes.
//!
//! **Voltage sources** ([`VoltageSource`]) drive a node as in SPICE. An *ideal* source
//! prescribes its node's voltage, `v_j(t) = V(t)`: the node is no longer an unknown of any
//! solver (its equation is replaced by the prescription, and every element connected to it sees
//! `V(t)` exactly), and the source delivers whatever current Kirchhoff's law at the node asks
//! for, `i_s = C_j V̇ + Σ_q P_qj i_q − I_j`. A source *behind a series resistance* `R` is its
//! exact Norton equivalent: a current `V(t)/R` into the node and a conductance `1/R` to ground,
//! i.e. the current `i_s = (V(t) − v_j)/R` (Thevenin and Norton give the same node equations).

pub mod discrete;
pub mod neuron;
pub mod relaxation;
pub mod stimulus;
pub mod system;

pub use stimulus::Stimulus;

use crate::element::Element;
use crate::error::ModelError;

/// Index of a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(pub usize);

/// Index of a branch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BranchId(pub usize);

/// One end of a port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Terminal {
    /// The reference node, `v = 0`.
    Ground,
    /// A circuit node.
    Node(NodeId),
}

impl From<NodeId> for Terminal {
    fn from(n: NodeId) -> Self {
        Self::Node(n)
    }
}

/// A node: a capacitor to ground.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Name for reports.
    pub name: String,
    /// Capacitance to ground [F or F/m²].
    pub capacitance: f64,
}

/// A memristive branch: an element with its port connections.
#[derive(Debug)]
pub struct Branch {
    /// Name for reports.
    pub name: String,
    /// The element.
    pub element: Box<dyn Element>,
    /// `(plus, minus)` of every port.
    pub ports: Vec<(Terminal, Terminal)>,
}

/// One term of a branch's current `Pᵀ G (P v − E)` into the node equations (paper eq. 17,
/// incidence `P`, memconductance `G`, batteries `E`), from [`Branch::stamps`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Stamp {
    /// `(Pᵀ G E)_row += value` \[A\].
    Battery {
        /// Node index.
        row: usize,
        /// The term.
        value: f64,
    },
    /// `(Pᵀ G P)_row,col += value` \[S\].
    Conductance {
        /// Node index of the equation.
        row: usize,
        /// Node index of the voltage.
        col: usize,
        /// The term.
        value: f64,
    },
}

impl Branch {
    /// Calls `f` with every nonzero term of `Pᵀ G P` and `Pᵀ G E` for the memconductance `g`
    /// (row-major `p × p`), port pair by port pair; ground terminals give no term.
    pub(crate) fn stamps(&self, g: &[f64], mut f: impl FnMut(Stamp)) {
        let p = self.ports.len();
        let node = |t: Terminal| match t {
            Terminal::Node(NodeId(k)) => Some(k),
            Terminal::Ground => None,
        };
        for (q, (pq, mq)) in self.ports.iter().enumerate() {
            // Row q of G·(P v − E): Σ_r G_qr (v_plus_r − v_minus_r − E_r).
            for (r, (pr, mr)) in self.ports.iter().enumerate() {
                let gqr = g[q * p + r];
                if gqr == 0.0 {
                    continue;
                }
                let e = self.element.battery(r);
                for (row, s_row) in [(node(*pq), 1.0), (node(*mq), -1.0)] {
                    let Some(row) = row else { continue };
                    f(Stamp::Battery {
                        row,
                        value: s_row * gqr * e,
                    });
                    for (col, s_col) in [(node(*pr), 1.0), (node(*mr), -1.0)] {
                        let Some(col) = col else { continue };
                        f(Stamp::Conductance {
                            row,
                            col,
                            value: s_row * s_col * gqr,
                        });
                    }
                }
            }
        }
    }
}

/// A current source into a node.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    /// Node the current flows into.
    pub node: NodeId,
    /// The waveform [A or A/m²].
    pub stimulus: Stimulus,
}

/// A voltage source on a node (see the module docs): ideal, or behind a series resistance.
#[derive(Debug, Clone, PartialEq)]
pub struct VoltageSource {
    /// Name for reports (the energy balance).
    pub name: String,
    /// The node it drives (its minus terminal is ground).
    pub node: NodeId,
    /// The source voltage `V(t)` \[V\] (any [`Stimulus`] waveform, read in volts).
    pub voltage: Stimulus,
    /// `None` for an ideal source (the node's voltage is `V(t)`), or the series conductance
    /// `1/R` [S, or S/m² for per-area circuits] of a source behind a resistance `R`.
    pub conductance: Option<f64>,
}

impl VoltageSource {
    /// Whether the source is ideal (prescribes its node's voltage).
    pub fn is_ideal(&self) -> bool {
        self.conductance.is_none()
    }
}

/// A validated memRC circuit. Build it with [`CircuitBuilder`].
#[derive(Debug)]
pub struct Circuit {
    nodes: Vec<Node>,
    branches: Vec<Branch>,
    sources: Vec<Source>,
    voltage_sources: Vec<VoltageSource>,
    /// Per node: the index of the ideal voltage source that prescribes its voltage, if any.
    drive: Vec<Option<usize>>,
    /// Per node: the total series conductance of the voltage sources behind a resistance on it.
    shunt: Vec<f64>,
    /// Offset of each branch's states in the concatenated state vector.
    state_offsets: Vec<usize>,
    n_states: usize,
}

/// Builds a [`Circuit`], validating every part.
#[derive(Debug, Default)]
pub struct CircuitBuilder {
    nodes: Vec<Node>,
    branches: Vec<Branch>,
    sources: Vec<Source>,
    voltage_sources: Vec<VoltageSource>,
}

impl CircuitBuilder {
    /// An empty circuit.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a node with capacitance `capacitance` \[F\] to ground.
    pub fn node(&mut self, name: impl Into<String>, capacitance: f64) -> NodeId {
        self.nodes.push(Node {
            name: name.into(),
            capacitance,
        });
        NodeId(self.nodes.len() - 1)
    }

    /// Adds a one-port element between `plus` and `minus`.
    pub fn branch(
        &mut self,
        name: impl Into<String>,
        element: Box<dyn Element>,
        plus: impl Into<Terminal>,
        minus: impl Into<Terminal>,
    ) -> BranchId {
        self.multiport(name, element, vec![(plus.into(), minus.into())])
    }

    /// Adds a one-port element from `node` to ground (an ion channel with its battery).
    pub fn channel(
        &mut self,
        name: impl Into<String>,
        element: Box<dyn Element>,
        node: NodeId,
    ) -> BranchId {
        self.branch(name, element, node, Terminal::Ground)
    }

    /// Adds a multi-port element with the given `(plus, minus)` per port.
    pub fn multiport(
        &mut self,
        name: impl Into<String>,
        element: Box<dyn Element>,
        ports: Vec<(Terminal, Terminal)>,
    ) -> BranchId {
        self.branches.push(Branch {
            name: name.into(),
            element,
            ports,
        });
        BranchId(self.branches.len() - 1)
    }

    /// Adds a current source into `node`.
    pub fn source(&mut self, node: NodeId, stimulus: Stimulus) {
        self.sources.push(Source { node, stimulus });
    }

    /// Adds an ideal voltage source from `node` to ground: the node's voltage becomes
    /// `voltage(t)` \[V\] (see [`VoltageSource`]). A node takes at most one.
    pub fn voltage_source(&mut self, name: impl Into<String>, node: NodeId, voltage: Stimulus) {
        self.voltage_sources.push(VoltageSource {
            name: name.into(),
            node,
            voltage,
            conductance: None,
        });
    }

    /// Adds a voltage source `voltage(t)` \[V\] in series with `resistance` [Ohm, or Ohm·m² for
    /// per-area circuits] from `node` to ground (see [`VoltageSource`]).
    pub fn series_voltage_source(
        &mut self,
        name: impl Into<String>,
        node: NodeId,
        voltage: Stimulus,
        resistance: f64,
    ) {
        self.voltage_sources.push(VoltageSource {
            name: name.into(),
            node,
            voltage,
            conductance: Some(1.0 / resistance),
        });
    }

    /// Validates and builds: at least one node, every capacitance finite and `> 0`, every port
    /// count matching its element, every terminal an existing node, every stimulus valid, every
    /// series resistance finite and `> 0`, at most one ideal voltage source per node and unique
    /// voltage-source names.
    pub fn build(self) -> Result<Circuit, ModelError> {
        let bad = |element: &str, reason: String| ModelError::Inconsistent {
            element: element.to_string(),
            reason,
        };
        if self.nodes.is_empty() {
            return Err(bad("circuit", "a circuit needs at least one node".into()));
        }
        for n in &self.nodes {
            if !(n.capacitance.is_finite() && n.capacitance > 0.0) {
                return Err(bad(
                    &format!("node '{}'", n.name),
                    format!("capacitance must be finite and > 0, got {}", n.capacitance),
                ));
            }
        }
        let n_nodes = self.nodes.len();
        let check_terminal = |t: &Terminal, what: &str| match t {
            Terminal::Node(NodeId(j)) if *j >= n_nodes => Err(bad(
                what,
                format!("refers to node {j}, but the circuit has {n_nodes} node(s)"),
            )),
            _ => Ok(()),
        };
        let mut state_offsets = Vec::with_capacity(self.branches.len());
        let mut n_states = 0;
        for b in &self.branches {
            let what = format!("branch '{}'", b.name);
            if b.ports.len() != b.element.n_ports() {
                return Err(ModelError::WrongLength {
                    element: b.element.info().name.to_string(),
                    what: "port connections",
                    expected: b.element.n_ports(),
                    got: b.ports.len(),
                });
            }
            for (p, m) in &b.ports {
                check_terminal(p, &what)?;
                check_terminal(m, &what)?;
            }
            state_offsets.push(n_states);
            n_states += b.element.n_states();
        }
        for s in &self.sources {
            check_terminal(&Terminal::Node(s.node), "current source")?;
            s.stimulus.validate()?;
        }
        let mut drive: Vec<Option<usize>> = vec![None; n_nodes];
        let mut shunt = vec![0.0; n_nodes];
        for (k, s) in self.voltage_sources.iter().enumerate() {
            let what = format!("voltage source '{}'", s.name);
            check_terminal(&Terminal::Node(s.node), &what)?;
            s.voltage.validate()?;
            if self.voltage_sources[..k].iter().any(|o| o.name == s.name) {
                return Err(bad(&what, "duplicate voltage-source name".into()));
            }
            let j = s.node.0;
            match s.conductance {
                None => {
                    if let Some(other) = drive[j] {
                        return Err(bad(
                            &what,
                            format!(
                                "node '{}' is already driven by the ideal voltage source '{}': a node takes one ideal source",
                                self.nodes[j].name, self.voltage_sources[other].name
                            ),
                        ));
                    }
                    drive[j] = Some(k);
                }
                Some(g) => {
                    if !(g.is_finite() && g > 0.0) {
                        return Err(bad(
                            &what,
                            format!("series resistance must be finite and > 0, got {}", 1.0 / g),
                        ));
                    }
                    shunt[j] += g;
                }
            }
        }
        Ok(Circuit {
            nodes: self.nodes,
            branches: self.branches,
            sources: self.sources,
            voltage_sources: self.voltage_sources,
            drive,
            shunt,
            state_offsets,
            n_states,
        })
    }
}

impl Circuit {
    /// Number of nodes `n`.
    pub fn n_nodes(&self) -> usize {
        self.nodes.len()
    }
    /// Total number of branch states.
    pub fn n_states(&self) -> usize {
        self.n_states
    }
    /// Nodes.
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }
    /// Branches.
    pub fn branches(&self) -> &[Branch] {
        &self.branches
    }
    /// Current sources.
    pub fn sources(&self) -> &[Source] {
        &self.sources
    }
    /// Voltage sources.
    pub fn voltage_sources(&self) -> &[VoltageSource] {
        &self.voltage_sources
    }
    /// The ideal voltage source that prescribes node `j`'s voltage, if any.
    #[inline]
    pub fn driving_source(&self, j: usize) -> Option<&VoltageSource> {
        self.drive[j].map(|k| &self.voltage_sources[k])
    }
    /// Whether node `j`'s voltage is prescribed by an ideal voltage source.
    #[inline]
    pub fn is_driven(&self, j: usize) -> bool {
        self.drive[j].is_some()
    }
    /// Total series conductance `Σ 1/R` of the voltage sources behind a resistance on node `j`
    /// [S or S/m²]: the diagonal term their Norton equivalents add to `A`.
    #[inline]
    pub fn series_conductance(&self, j: usize) -> f64 {
        self.shunt[j]
    }
    /// Sets the voltage of every node driven by an ideal source to its value at `t` in `v`.
    pub fn prescribe(&self, t: f64, v: &mut [f64]) {
        for (j, d) in self.drive.iter().enumerate() {
            if let Some(k) = d {
                v[j] = self.voltage_sources[*k].voltage.value(t);
            }
        }
    }
    /// Voltage of node `j` at time `t`: the source's `V(t)` if an ideal source drives it,
    /// `v[j]` otherwise.
    #[inline]
    pub fn node_voltage_at(&self, v: &[f64], j: usize, t: f64) -> f64 {
        match self.drive[j] {
            Some(k) => self.voltage_sources[k].voltage.value(t),
            None => v[j],
        }
    }
    /// Current delivered by voltage source `k` into its node \[A or A/m²\] at sample `k_t` of a
    /// solution `(v, x)` at time `t`: `(V(t) − v_j)/R` for a source behind a resistance; for an
    /// ideal source the current Kirchhoff's law at the node asks for,
    /// `C_j V̇(t) + Σ_q P_qj i_q − I_j(t)` (with the right derivative of `V` at a corner, and
    /// the other voltage sources' currents into the node counted in `I_j`).
    pub fn voltage_source_current(&self, k: usize, t: f64, v: &[f64], x: &[f64]) -> f64 {
        let s = &self.voltage_sources[k];
        let j = s.node.0;
        if let Some(g) = s.conductance {
            return g * (s.voltage.value(t) - v[j]);
        }
        let mut leave = vec![0.0; self.n_nodes()];
        self.branch_currents(v, x, &mut leave);
        let mut inflow = self.nodes[j].capacitance * s.voltage.derivative(t) + leave[j];
        for c in &self.sources {
            if c.node.0 == j {
                inflow -= c.stimulus.value(t);
            }
        }
        for o in &self.voltage_sources {
            if let (Some(g), true) = (o.conductance, o.node.0 == j) {
                inflow -= g * (o.voltage.value(t) - v[j]);
            }
        }
        inflow
    }
    /// Net current leaving each node through the branches at node voltages `v` and states `x`,
    /// into `out` \[A\].
    pub fn branch_currents(&self, v: &[f64], x: &[f64], out: &mut [f64]) {
        out.fill(0.0);
        let (mut w, mut g, mut i) = (Vec::new(), Vec::new(), Vec::new());
        for (b, br) in self.branches.iter().enumerate() {
            let p = br.ports.len();
            w.resize(p, 0.0);
            g.resize(p * p, 0.0);
            i.resize(p, 0.0);
            self.port_voltages(b, v, &mut w);
            let off = self.state_offsets[b];
            br.element
                .conductance(&x[off..off + br.element.n_states()], &w, &mut g);
            for q in 0..p {
                i[q] = (0..p).map(|r| g[q * p + r] * w[r]).sum();
            }
            self.scatter_currents(b, &i, out);
        }
    }
    /// Offset of branch `b`'s states in the concatenated state vector.
    pub fn state_offset(&self, b: usize) -> usize {
        self.state_offsets[b]
    }
    /// Names of the concatenated states, `"branch.state"`.
    pub fn state_names(&self) -> Vec<String> {
        self.branches
            .iter()
            .flat_map(|b| {
                b.element
                    .state_names()
                    .into_iter()
                    .map(move |s| format!("{}.{s}", b.name))
            })
            .collect()
    }

    /// Voltage of a terminal given the node voltages.
    #[inline]
    pub fn terminal_voltage(v: &[f64], t: Terminal) -> f64 {
        match t {
            Terminal::Ground => 0.0,
            Terminal::Node(NodeId(j)) => v[j],
        }
    }

    /// Port voltages of branch `b` like [`Circuit::port_voltages`], with the voltage of every
    /// node driven by an ideal source taken from the source at time `t` instead of `v`.
    #[inline]
    pub fn port_voltages_at(&self, b: usize, v: &[f64], t: f64, w: &mut [f64]) {
        let br = &self.branches[b];
        let at = |term: Terminal| match term {
            Terminal::Ground => 0.0,
            Terminal::Node(NodeId(j)) => self.node_voltage_at(v, j, t),
        };
        for (q, (p, m)) in br.ports.iter().enumerate() {
            w[q] = at(*p) - at(*m) - br.element.battery(q);
        }
    }

    /// Port voltages `w_q = v_plus − v_minus − E_q` of branch `b` into `w`.
    #[inline]
    pub fn port_voltages(&self, b: usize, v: &[f64], w: &mut [f64]) {
        let br = &self.branches[b];
        for (q, (p, m)) in br.ports.iter().enumerate() {
            w[q] = Self::terminal_voltage(v, *p)
                - Self::terminal_voltage(v, *m)
                - br.element.battery(q);
        }
    }

    /// Total current-source current into each node, averaged exactly over `[a, b]`, into
    /// `out` \[A\] (the voltage sources are not included: see [`Circuit::norton_current`]).
    pub fn source_average(&self, a: f64, b: f64, out: &mut [f64]) {
        out.fill(0.0);
        for s in &self.sources {
            out[s.node.0] += s.stimulus.average(a, b);
        }
    }

    /// Total current-source current into each node at time `t`, into `out` \[A\].
    pub fn source_value(&self, t: f64, out: &mut [f64]) {
        out.fill(0.0);
        for s in &self.sources {
            out[s.node.0] += s.stimulus.value(t);
        }
    }

    /// Adds the Norton currents `V(t)/R` of the voltage sources behind a resistance into each
    /// node at time `t` to `out` \[A\] (their conductances `1/R` enter `A`,
    /// [`Circuit::series_conductance`]). The discrete equations sample them at the grid nodes,
    /// like the branch terms (an average over the step would lag a stiff node by half a step).
    pub fn norton_current(&self, t: f64, out: &mut [f64]) {
        for s in &self.voltage_sources {
            if let Some(g) = s.conductance {
                out[s.node.0] += g * s.voltage.value(t);
            }
        }
    }

    /// Adds branch `b`'s contribution to the node-current balance: the net current *leaving*
    /// each node, `Σ_q P_qj i_q`, for port currents `i` into `out`.
    #[inline]
    pub fn scatter_currents(&self, b: usize, i: &[f64], out: &mut [f64]) {
        for (q, (p, m)) in self.branches[b].ports.iter().enumerate() {
            if let Terminal::Node(NodeId(j)) = p {
                out[*j] += i[q];
            }
            if let Terminal::Node(NodeId(j)) = m {
                out[*j] -= i[q];
            }
        }
    }

    /// Adds `Pᵀ G P` into the dense row-major `n × n` matrix `a` and `Pᵀ G E` into `j`, for
    /// branch `b` with memconductance `g` (row-major `p × p`).
    pub fn stamp(&self, b: usize, g: &[f64], a: &mut [f64], j: &mut [f64]) {
        let n = self.n_nodes();
        self.branches[b].stamps(g, |term| match term {
            Stamp::Battery { row, value } => j[row] += value,
            Stamp::Conductance { row, col, value } => a[row * n + col] += value,
        });
    }

    /// Net current leaving each node through the branches, with every element at the steady
    /// state of the given node voltages (no sources), into `out` \[A\]; `x` receives the states.
    pub fn static_current(&self, v: &[f64], x: &mut [f64], out: &mut [f64]) {
        out.fill(0.0);
        let mut w = [0.0; 8];
        let mut wv = Vec::new();
        let mut gv = Vec::new();
        let mut iv = Vec::new();
        for (b, br) in self.branches.iter().enumerate() {
            let p = br.ports.len();
            let ns = br.element.n_states();
            let off = self.state_offsets[b];
            let wq: &mut [f64] = if p <= 8 {
                &mut w[..p]
            } else {
                wv.resize(p, 0.0);
                &mut wv[..]
            };
            self.port_voltages(b, v, wq);
            let xb = &mut x[off..off + ns];
            br.element.initial_state(wq, xb);
            gv.resize(p * p, 0.0);
            iv.resize(p, 0.0);
            br.element.conductance(xb, wq, &mut gv);
            for q in 0..p {
                iv[q] = (0..p).map(|r| gv[q * p + r] * wq[r]).sum();
            }
            self.scatter_currents(b, &iv, out);
        }
    }

    /// The rest state for zero input: [`Circuit::rest_state_at`] at `t = 0`.
    pub fn rest_state(&self) -> Result<(Vec<f64>, Vec<f64>), ModelError> {
        self.rest_state_at(0.0)
    }

    /// Net current leaving each node at rest, into `f`: the branches with every element at the
    /// steady state of `v` ([`Circuit::static_current`], states into `x`), plus
    /// `(v_j − V(t0))/R` into each voltage source behind a resistance; zero at driven nodes
    /// (their voltage is prescribed, not solved for).
    fn rest_residual(&self, t0: f64, v: &[f64], x: &mut [f64], f: &mut [f64]) {
        self.static_current(v, x, f);
        for s in &self.voltage_sources {
            if let Some(g) = s.conductance {
                f[s.node.0] += g * (v[s.node.0] - s.voltage.value(t0));
            }
        }
        for (j, d) in self.drive.iter().enumerate() {
            if d.is_some() {
                f[j] = 0.0;
            }
        }
    }

    /// The rest state: node voltages `v*` with every element at its steady state and no net
    /// current at any node, with the current sources off and every voltage source at its value
    /// at `t0` (a driven node at `V(t0)`, a source behind a resistance pulling through it: a
    /// voltage clamp starts from its holding potential). Found by damped Newton iteration
    /// (finite-difference Jacobian) on the free nodes from the conductance-weighted battery
    /// average. Returns `(v*, x*)`.
    ///
    /// Fails with [`ModelError::Inconsistent`] when a node has no DC path (singular Jacobian)
    /// or Newton does not converge to `|I| ≤ 1e-13 · (typical branch current)`.
    pub fn rest_state_at(&self, t0: f64) -> Result<(Vec<f64>, Vec<f64>), ModelError> {
        let n = self.n_nodes();
        let mut x = vec![0.0; self.n_states];
        let mut f = vec![0.0; n];
        let free: Vec<usize> = (0..n).filter(|&j| !self.is_driven(j)).collect();
        // Initial guess: v = J/A with conductances at v = 0 (exact for linear circuits).
        let mut v = vec![0.0; n];
        self.prescribe(t0, &mut v);
        if free.is_empty() {
            self.static_current(&v, &mut x, &mut f);
            return Ok((v, x));
        }
        let mut a = vec![0.0; n * n];
        let mut jv = vec![0.0; n];
        let fail = |reason: String| ModelError::Inconsistent {
            element: "circuit".into(),
            reason,
        };
        // A, J of the branches and the series sources; driven rows hold their voltage.
        let assemble = |x: &[f64], v: &[f64], a: &mut [f64], jv: &mut [f64]| {
            a.fill(0.0);
            jv.fill(0.0);
            self.stamp_all(x, v, a, jv);
            for s in &self.voltage_sources {
                if let Some(g) = s.conductance {
                    a[s.node.0 * n + s.node.0] += g;
                    jv[s.node.0] += g * s.voltage.value(t0);
                }
            }
        };
        for _ in 0..3 {
            self.static_current(&v, &mut x, &mut f);
            assemble(&x, &v, &mut a, &mut jv);
            for j in (0..n).filter(|&j| self.is_driven(j)) {
                a[j * n..(j + 1) * n].fill(0.0);
                a[j * n + j] = 1.0;
                jv[j] = v[j];
            }
            if let Some(sol) = solve_dense(&a, &jv, n) {
                v = sol;
                self.prescribe(t0, &mut v);
            } else {
                break;
            }
        }
        let scale = {
            self.static_current(&v, &mut x, &mut f);
            let mut s: f64 = 1e-30;
            assemble(&x, &v, &mut a, &mut jv);
            for &j in &free {
                s = s.max(jv[j].abs()).max((a[j * n + j] * v[j]).abs());
            }
            s
        };
        let mut jac = vec![0.0; n * n];
        let mut fp = vec![0.0; n];
        let mut xp = x.clone();
        if let [only] = free[..] {
            // One free node: the static current is continuous and changes sign between the
            // batteries, so the bracketed scalar iteration finds a root even where Newton from
            // the guess meets a fold (a Traub–Miles cell, whose only rest is near −32 mV).
            let mut vt = v.clone();
            let slope = if a[only * n + only] > 0.0 {
                a[only * n + only]
            } else {
                1.0
            };
            let r = crate::math::root_1d(
                |y| {
                    vt[only] = y;
                    self.rest_residual(t0, &vt, &mut xp, &mut fp);
                    fp[only]
                },
                v[only],
                slope,
                |y| 1e-13 * y.abs().max(1e-3),
                400,
            );
            v[only] = r.x;
            self.static_current(&v, &mut x, &mut f);
            if r.converged && r.x.is_finite() && x.iter().all(|y| y.is_finite()) {
                return Ok((v, x));
            }
            return Err(fail(
                "rest state: the static current has no zero (it keeps its sign, or is not finite, from the batteries outwards); give the node an initial voltage".into(),
            ));
        }
        // Newton steps are capped at half the span of the batteries and source voltages:
        // without current sources the rest voltages lie between the smallest and the largest of
        // them (each node's voltage is a conductance-weighted average of batteries, sources and
        // neighbours), and near a fold of the static current-voltage curve an uncapped step
        // leaves for voltages where the gates' rates overflow.
        let batteries = self
            .branches
            .iter()
            .flat_map(|b| (0..b.element.n_ports()).map(move |q| b.element.battery(q)))
            .chain(self.voltage_sources.iter().map(|s| s.voltage.value(t0)));
        let (lo, hi) = batteries.fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), e| {
            (l.min(e), h.max(e))
        });
        let cap = if hi > lo { 0.5 * (hi - lo) } else { 1.0 }.max(1e-3);
        for _iter in 0..100 {
            self.rest_residual(t0, &v, &mut x, &mut f);
            // NaN-keeping (f64::max would drop a NaN current and call it converged).
            let norm = f.iter().fold(0.0_f64, |m, y| {
                if m.is_nan() || y.is_nan() {
                    f64::NAN
                } else {
                    m.max(y.abs())
                }
            });
            if !norm.is_finite() || x.iter().any(|y| !y.is_finite()) {
                break;
            }
            if norm <= 1e-13 * scale {
                return Ok((v, x));
            }
            jac.fill(0.0);
            for c in 0..n {
                if self.is_driven(c) {
                    // The driven voltage is not an unknown: its row and column are the identity.
                    jac[c * n + c] = 1.0;
                    continue;
                }
                let h = 1e-7 * v[c].abs().max(1e-3);
                let mut vp = v.clone();
                vp[c] += h;
                self.rest_residual(t0, &vp, &mut xp, &mut fp);
                for r in free.iter().copied() {
                    jac[r * n + c] = (fp[r] - f[r]) / h;
                }
            }
            let neg_f: Vec<f64> = f.iter().map(|y| -y).collect();
            let Some(mut dv) = solve_dense(&jac, &neg_f, n) else {
                return Err(fail(
                    "cannot compute the rest state: a node has no DC path to ground (singular conductance matrix); give the nodes initial voltages".into(),
                ));
            };
            for (j, d) in dv.iter_mut().enumerate() {
                if self.is_driven(j) {
                    *d = 0.0;
                }
            }
            let big = dv.iter().fold(0.0_f64, |m, d| m.max(d.abs()));
            if big > cap {
                dv.iter_mut().for_each(|d| *d *= cap / big);
            }
            // Damped step: halve until the residual decreases (a NaN residual never does).
            let mut lambda = 1.0;
            loop {
                let vt: Vec<f64> = v.iter().zip(&dv).map(|(a, d)| a + lambda * d).collect();
                self.rest_residual(t0, &vt, &mut xp, &mut fp);
                let nt = fp.iter().fold(0.0_f64, |m, y| {
                    if m.is_nan() || y.is_nan() {
                        f64::NAN
                    } else {
                        m.max(y.abs())
                    }
                });
                if nt < norm || (lambda < 1e-6 && nt.is_finite()) {
                    v = vt;
                    break;
                }
                if lambda < 1e-6 {
                    return Err(fail(
                        "rest state: the static current is not finite near the Newton iterate"
                            .into(),
                    ));
                }
                lambda *= 0.5;
            }
        }
        Err(fail("rest state: Newton iteration did not converge".into()))
    }

    /// Stamps every branch at states `x` and node voltages `v` (for their `G`).
    pub fn stamp_all(&self, x: &[f64], v: &[f64], a: &mut [f64], j: &mut [f64]) {
        let mut w = Vec::new();
        let mut g = Vec::new();
        for (b, br) in self.branches.iter().enumerate() {
            let p = br.ports.len();
            w.resize(p, 0.0);
            g.resize(p * p, 0.0);
            self.port_voltages(b, v, &mut w);
            let off = self.state_offsets[b];
            br.element
                .conductance(&x[off..off + br.element.n_states()], &w, &mut g);
            self.stamp(b, &g, a, j);
        }
    }
}

/// Solves the dense `n × n` system `a x = b` (LU with partial pivoting,
/// [`crate::math::DenseLu`]); `None` if singular or the solution is not finite.
pub(crate) fn solve_dense(a: &[f64], b: &[f64], n: usize) -> Option<Vec<f64>> {
    let mut lu = crate::math::DenseLu::new(n);
    lu.factor(a).ok()?;
    let mut x = b.to_vec();
    lu.solve(&mut x);
    x.iter().all(|v| v.is_finite()).then_some(x)
}

/// The sparsity pattern of `A = Σ Pᵀ G P` (compressed rows, diagonal always present) and, per
/// branch, where each `G_qr` lands in it: assembling `A(t)` and `J(t)` from the branch
/// conductances is then a scatter over precomputed indices, `O(nnz)` per time node, and the
/// memory is `O(nnz)` instead of `O(n²)`.
#[derive(Debug, Clone)]
pub struct Assembly {
    /// Row starts into `cols` (length `n + 1`).
    pub rowptr: Vec<usize>,
    /// Column of each stored entry, sorted within a row.
    pub cols: Vec<usize>,
    /// Index of the diagonal entry of each row.
    pub diag: Vec<usize>,
    /// Per branch: `(q·p + r, sign, entry index)` for every contribution of `G_qr` to `A`.
    a_entries: Vec<Vec<(usize, f64, usize)>>,
    /// Per branch: `(q·p + r, sign, row, r)` for every contribution of `G_qr E_r` to `J`.
    j_entries: Vec<Vec<(usize, f64, usize, usize)>>,
}

impl Assembly {
    /// The pattern of `circuit`.
    pub fn new(circuit: &Circuit) -> Self {
        let n = circuit.n_nodes();
        let node = |t: Terminal| match t {
            Terminal::Node(NodeId(k)) => Some(k),
            Terminal::Ground => None,
        };
        let mut rows: Vec<Vec<usize>> = (0..n).map(|j| vec![j]).collect();
        for br in &circuit.branches {
            for (pq, mq) in &br.ports {
                for (pr, mr) in &br.ports {
                    for row in [node(*pq), node(*mq)].into_iter().flatten() {
                        for col in [node(*pr), node(*mr)].into_iter().flatten() {
                            rows[row].push(col);
                        }
                    }
                }
            }
        }
        let mut rowptr = vec![0];
        let mut cols = Vec::new();
        let mut diag = Vec::with_capacity(n);
        for (j, r) in rows.iter_mut().enumerate() {
            r.sort_unstable();
            r.dedup();
            diag.push(cols.len() + r.iter().position(|&c| c == j).unwrap_or(0));
            cols.extend_from_slice(r);
            rowptr.push(cols.len());
        }
        let find = |row: usize, col: usize, cols: &[usize]| {
            let s = &cols[rowptr[row]..rowptr[row + 1]];
            rowptr[row] + s.partition_point(|&c| c < col)
        };
        let mut a_entries = Vec::new();
        let mut j_entries = Vec::new();
        for br in &circuit.branches {
            let p = br.ports.len();
            let (mut ae, mut je) = (Vec::new(), Vec::new());
            for (q, (pq, mq)) in br.ports.iter().enumerate() {
                for (r, (pr, mr)) in br.ports.iter().enumerate() {
                    for (row, sr) in [(node(*pq), 1.0), (node(*mq), -1.0)] {
                        let Some(row) = row else { continue };
                        je.push((q * p + r, sr, row, r));
                        for (col, sc) in [(node(*pr), 1.0), (node(*mr), -1.0)] {
                            let Some(col) = col else { continue };
                            ae.push((q * p + r, sr * sc, find(row, col, &cols)));
                        }
                    }
                }
            }
            a_entries.push(ae);
            j_entries.push(je);
        }
        Self {
            rowptr,
            cols,
            diag,
            a_entries,
            j_entries,
        }
    }

    /// Number of stored entries.
    pub fn nnz(&self) -> usize {
        self.cols.len()
    }

    /// Adds branch `b`'s `Pᵀ G P` into `a` (`nnz` values) and `Pᵀ G E` into `j`, for its
    /// memconductance `g` (row-major `p × p`).
    #[inline]
    pub fn stamp(&self, circuit: &Circuit, b: usize, g: &[f64], a: &mut [f64], j: &mut [f64]) {
        for &(qr, s, idx) in &self.a_entries[b] {
            a[idx] += s * g[qr];
        }
        let el = &circuit.branches[b].element;
        for &(qr, s, row, r) in &self.j_entries[b] {
            j[row] += s * g[qr] * el.battery(r);
        }
    }

    /// Adds the series conductances of the voltage sources behind a resistance
    /// ([`Circuit::series_conductance`]) to the diagonal of `a` (`nnz` values).
    #[inline]
    pub fn stamp_series(&self, circuit: &Circuit, a: &mut [f64]) {
        for (j, &d) in self.diag.iter().enumerate() {
            a[d] += circuit.shunt[j];
        }
    }

    /// `Σ_{i≠j} A_ji v_i` for row `j` of the values `a`.
    #[inline]
    pub fn offdiag_dot(&self, a: &[f64], j: usize, v: &[f64]) -> f64 {
        let mut s = 0.0;
        for idx in self.rowptr[j]..self.rowptr[j + 1] {
            if idx != self.diag[j] {
                s += a[idx] * v[self.cols[idx]];
            }
        }
        s
    }
}
