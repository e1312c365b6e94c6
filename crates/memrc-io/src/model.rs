//! What a loaded model file gives: the built circuit (or Hopfield network) with typed settings.

use memrc::circuit::Circuit;
use memrc::circuit::discrete::Coupling;
use memrc::circuit::relaxation::RelaxationOptions;
use memrc::discretisation::LinearStep;
use memrc::hopfield::Hopfield;
use memrc::net::{MemoryEstimate, Network, NetworkBuilder};
use memrc::solver::{Config, Method};
use memrc::trajectory::Grid;

use crate::schema::ModelFile;

/// A model file, validated and built.
#[derive(Debug)]
#[non_exhaustive]
pub struct LoadedModel {
    /// `model.name`.
    pub name: String,
    /// `model.description` (empty if absent).
    pub description: String,
    /// Where it was loaded from (path or origin).
    pub origin: String,
    /// What the file describes.
    pub kind: ModelKind,
    /// `[output]`.
    pub output: OutputSettings,
    /// The file as parsed (for `to_toml_string` and tools that echo settings).
    pub file: ModelFile,
}

/// The two kinds of model a file can hold.
#[derive(Debug)]
pub enum ModelKind {
    /// A memRC circuit (`[[node]]`, `[[element]]`, …, `[simulation]`).
    Circuit(CircuitModel),
    /// A Hopfield network (`[hopfield]`).
    Hopfield(HopfieldModel),
    /// A spiking network (`[network]`, `[[population]]`, `[[projection]]`, `[[recording]]`).
    Network(NetworkModel),
}

impl LoadedModel {
    /// The circuit model, if the file describes one.
    pub fn circuit(&self) -> Option<&CircuitModel> {
        match &self.kind {
            ModelKind::Circuit(c) => Some(c),
            _ => None,
        }
    }

    /// The Hopfield model, if the file describes one.
    pub fn hopfield(&self) -> Option<&HopfieldModel> {
        match &self.kind {
            ModelKind::Hopfield(h) => Some(h),
            _ => None,
        }
    }

    /// The spiking network model, if the file describes one.
    pub fn network(&self) -> Option<&NetworkModel> {
        match &self.kind {
            ModelKind::Network(n) => Some(n),
            _ => None,
        }
    }

    /// The spiking network model, mutable (to take its built network).
    pub fn network_mut(&mut self) -> Option<&mut NetworkModel> {
        match &mut self.kind {
            ModelKind::Network(n) => Some(n),
            _ => None,
        }
    }
}

/// A memRC circuit with its initial conditions, simulation settings and probes.
#[derive(Debug)]
#[non_exhaustive]
pub struct CircuitModel {
    /// The circuit, every quantity in SI (absolute where nodes have an `area`, per area where
    /// the whole circuit is written per area).
    pub circuit: Circuit,
    /// Initial condition of each node, in node order (a node driven by an ideal voltage source
    /// takes the source's voltage whatever this says).
    pub initial: Vec<Initial>,
    /// Initial values given in the file for individual states (`[[element]] initial`), in file
    /// order; every other state starts at its steady state.
    pub initial_states: Vec<InitialStateValue>,
    /// `[simulation]`.
    pub simulation: Simulation,
    /// `[[probe]]`, resolved to indices (one `v` probe per node when the file has none).
    pub probes: Vec<Probe>,
}

impl CircuitModel {
    /// Initial node voltages and states `(v0, x0)` at `t_start`: nodes with
    /// [`Initial::Rest`] take their voltage from the circuit's rest state at `t_start`
    /// ([`memrc::circuit::Circuit::rest_state_at`], computed with every node free, the voltage
    /// sources at their values at `t_start`), nodes with [`Initial::Voltage`] the given
    /// voltage, nodes driven by an ideal voltage source the source's voltage; every element
    /// starts in its steady state at the initial voltages (its configured `x0` for devices
    /// whose state does not relax), except the states given in [`Self::initial_states`], which
    /// start at their given values.
    ///
    /// Lines for `memrc check`: each voltage source (its node, waveform and voltage at
    /// `t_start`, ideal or behind its series resistance) and each state value the file sets
    /// (`[[element]] initial`). `per_area`: the circuit is written per area (resistances in
    /// Ω·m²).
    pub fn drive_report(&self, per_area: bool) -> Vec<String> {
        use memrc::circuit::Stimulus;
        let c = &self.circuit;
        let t0 = self.simulation.t_start;
        let brief = memrc::error::brief;
        let mut out: Vec<String> = c
            .voltage_sources()
            .iter()
            .map(|s| {
                let wave = match &s.voltage {
                    Stimulus::Pulse { .. } => "pulse",
                    Stimulus::Step { .. } => "step",
                    Stimulus::Sine { .. } => "sine",
                    Stimulus::PiecewiseLinear { .. } => "pwl",
                    Stimulus::Sampled(_) => "samples",
                    Stimulus::Wave { .. } => "wave",
                };
                let how = match s.conductance {
                    None => "ideal (the node takes its voltage)".to_string(),
                    Some(g) => {
                        let unit = if per_area { "Ohm*m^2" } else { "Ohm" };
                        format!("behind {} {unit}", brief(1.0 / g))
                    }
                };
                format!(
                    "voltage source {}: node {}, {wave}, V({}) = {} V, {how}",
                    s.name,
                    c.nodes()[s.node.0].name,
                    brief(t0),
                    brief(s.voltage.value(t0))
                )
            })
            .collect();
        out.extend(
            self.initial_states
                .iter()
                .map(|x| format!("initial {} = {} (set in the file)", x.name, brief(x.value))),
        );
        out
    }

    /// Fails when a rest voltage is needed and the circuit has no rest state (a node without a
    /// DC path to ground): give such nodes explicit initial voltages.
    pub fn initial_state(&self) -> Result<(Vec<f64>, Vec<f64>), memrc::ModelError> {
        let c = &self.circuit;
        let t0 = self.simulation.t_start;
        let mut v = if self.initial.iter().any(|i| matches!(i, Initial::Rest)) {
            c.rest_state_at(t0)?.0
        } else {
            vec![0.0; c.n_nodes()]
        };
        for (vj, init) in v.iter_mut().zip(&self.initial) {
            if let Initial::Voltage(x) = init {
                *vj = *x;
            }
        }
        c.prescribe(t0, &mut v);
        let mut x = vec![0.0; c.n_states()];
        let mut scratch = vec![0.0; c.n_nodes()];
        c.static_current(&v, &mut x, &mut scratch);
        for s in &self.initial_states {
            x[s.index] = s.value;
        }
        Ok((v, x))
    }
}

/// An initial value given in the file for one state of one element.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct InitialStateValue {
    /// `"element.state"`, as in [`memrc::circuit::Circuit::state_names`].
    pub name: String,
    /// Index in the concatenated state vector.
    pub index: usize,
    /// The value \[the state's unit\].
    pub value: f64,
}

/// Initial condition of a node.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Initial {
    /// The circuit's rest state.
    Rest,
    /// A given voltage \[V\].
    Voltage(f64),
}

/// `[simulation]`, typed.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Simulation {
    /// Start time \[s\].
    pub t_start: f64,
    /// End time \[s\].
    pub t_end: f64,
    /// Step (output interval of adaptive solvers) \[s\].
    pub dt: f64,
    /// Number of steps, `(t_end − t_start)/dt`.
    pub steps: usize,
    /// The solver and its settings.
    pub solver: Solver,
}

impl Simulation {
    /// The time grid `t_start, t_start + dt, …, t_end` (cannot fail for a loaded model, whose
    /// span and step are validated).
    pub fn grid(&self) -> Result<Grid, memrc::TrajectoryError> {
        Grid::span(self.t_start, self.t_end, self.steps)
    }
}

/// Which solver runs the circuit, with its settings.
#[derive(Debug, Clone, PartialEq)]
pub enum Solver {
    /// `solver = "relaxation"`: the trajectory-space iteration
    /// ([`memrc::circuit::relaxation::solve_relaxation`]).
    Relaxation(RelaxationOptions),
    /// `solver = "stepping"`: time stepping of the same discrete equations
    /// ([`memrc::circuit::relaxation::solve_stepping`]).
    Stepping {
        /// One-step scheme.
        scheme: LinearStep,
    },
    /// A general ODE method on the circuit as a system ([`memrc::solver::solve`] with
    /// [`memrc::circuit::system::CircuitSystem`]); output every `dt`.
    Ode {
        /// The method.
        method: Method,
        /// Its settings (`dt`, and `rtol`/`atol` for adaptive methods).
        config: Config,
    },
}

impl Solver {
    /// The name used in model files.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Relaxation(_) => "relaxation",
            Self::Stepping { .. } => "stepping",
            Self::Ode { method, .. } => method.key(),
        }
    }
}

/// Names of the solvers accepted by `simulation.solver`: the trajectory-space `relaxation`,
/// time `stepping` of the same discrete equations, and every general ODE method by its key
/// ([`Method::ALL`], [`Method::key`]).
pub fn solver_names() -> Vec<&'static str> {
    ["relaxation", "stepping"]
        .into_iter()
        .chain(Method::ALL.iter().map(|m| m.key()))
        .collect()
}

/// Names of the couplings accepted by `simulation.coupling`.
pub const COUPLING_NAMES: &[(&str, Coupling)] = &[
    ("direct", Coupling::Direct),
    ("jacobi", Coupling::Jacobi),
    ("gauss-seidel", Coupling::GaussSeidel),
];

/// A recorded quantity.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Probe {
    /// Column name.
    pub name: String,
    /// What is recorded.
    pub target: ProbeTarget,
    /// Sampling interval in steps (`every / dt`, ≥ 1).
    pub every: usize,
}

/// What a probe records, as indices into the circuit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProbeTarget {
    /// Voltage of node `node` \[V\].
    Voltage {
        /// Node index.
        node: usize,
    },
    /// State `state` of branch `branch`; `index` is its position in the concatenated state
    /// vector ([`Circuit::state_offset`] + `state`).
    State {
        /// Branch index.
        branch: usize,
        /// State index within the branch.
        state: usize,
        /// Index in the concatenated state vector.
        index: usize,
    },
    /// Current through port `port` of branch `branch` [A or A/m²].
    Current {
        /// Branch index.
        branch: usize,
        /// Port index.
        port: usize,
    },
    /// Diagonal memconductance `G_pp` of port `port` of branch `branch` [S or S/m²].
    Conductance {
        /// Branch index.
        branch: usize,
        /// Port index.
        port: usize,
    },
    /// Current delivered by voltage source `source` into its node [A or A/m²]
    /// ([`memrc::circuit::Circuit::voltage_source_current`]).
    SourceCurrent {
        /// Index in [`memrc::circuit::Circuit::voltage_sources`].
        source: usize,
    },
}

/// `[output]`, typed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct OutputSettings {
    /// Data formats to write (default `csv` and `npz`).
    pub formats: Vec<OutputFormat>,
    /// Write plots (default true).
    pub plots: bool,
}

impl Default for OutputSettings {
    fn default() -> Self {
        Self {
            formats: vec![OutputFormat::Csv, OutputFormat::Npz],
            plots: true,
        }
    }
}

/// A data format for results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OutputFormat {
    /// Comma-separated text with a header (`traces.csv`, `spikes.csv`).
    Csv,
    /// One NumPy archive, `traces.npz`, whose keys are Python identifiers.
    Npz,
    /// One NumPy `.npy` file per array of the archive (`t.npy`, `v_soma_V.npy`, …).
    Npy,
    /// The spikes of a network as a SONATA spike file, `spikes.h5` (HDF5; written by memrc
    /// built with the cargo feature `hdf5`).
    Sonata,
}

/// A Hopfield network with its run settings.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct HopfieldModel {
    /// The network.
    pub network: Hopfield,
    /// Initial voltages \[V\].
    pub initial: Vec<f64>,
    /// End time \[s\].
    pub t_end: f64,
    /// RK4 step \[s\].
    pub dt: f64,
}

/// A spiking network model: its description (the [`NetworkBuilder`] the file gives), the
/// memory estimate, the run settings and, unless [`crate::LoadOptions::build_networks`] was
/// turned off, the built network at `t = 0`.
#[derive(Debug)]
#[non_exhaustive]
pub struct NetworkModel {
    /// The populations, projections and recordings of the file, ready to build (build it again
    /// for a fresh network with the same seed: the result is identical).
    pub builder: NetworkBuilder,
    /// The network built from [`Self::builder`] (`None` when loaded without building).
    pub network: Option<Box<Network>>,
    /// Memory estimate of the builder (an upper bound for random rules).
    pub estimate: MemoryEstimate,
    /// Bytes the recordings will hold after the run (samples × neurons × 8 B, plus times).
    pub recording_bytes: u64,
    /// `[[population]]`: name and size, in file order (global ids follow it).
    pub populations: Vec<(String, usize)>,
    /// The model variables of each population (name, SI unit, meaning), in file order:
    /// `v`, the model's gates, `i_ext` (receptors not included).
    pub variables: Vec<Vec<memrc::net::VariableInfo>>,
    /// Time step \[s\].
    pub dt: f64,
    /// End time \[s\] (the run starts at 0).
    pub t_end: f64,
    /// Steps, `t_end / dt`.
    pub steps: u64,
    /// RNG seed.
    pub seed: u64,
    /// Worker threads.
    pub threads: usize,
    /// Whether spikes are written out (`[network] spikes`, default true; the engine always
    /// records them).
    pub spikes: bool,
}

impl NetworkModel {
    /// Total neurons.
    pub fn n_neurons(&self) -> usize {
        self.populations.iter().map(|(_, n)| n).sum()
    }
}
