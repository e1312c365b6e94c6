//! Networks of conductance-based point neurons at scale (COBAHH-type benchmarks).
//!
//! A [`Network`] is built by a [`NetworkBuilder`] from
//!
//! - populations ([`PopulationSpec`]): `n` neurons of one [`NeuronModel`] (built in:
//!   [`TraubMiles`], `"traub-miles"`; [`HodgkinHuxley`], `"hh"`; user-defined:
//!   [`ChannelNeuron`], `"conductance"`, a membrane with channels written as rate expressions,
//!   [`crate::element::expr`]), with exponentially decaying synaptic conductances
//!   ([`Receptor`]: `ġ = −g/τ`, current `g (E − v)`), a spike threshold on `v` and a
//!   refractory period;
//! - projections ([`ProjectionSpec`]): a [`Connectivity`] rule (fixed probability, fixed
//!   in-degree, one-to-one, all-to-all, explicit list), a non-negative [`Weight`] \[S\] added to
//!   the target receptor's conductance per presynaptic spike and a [`Delay`] \[s\]; or, by
//!   [`SynapseKind`], continuous couplings that read presynaptic voltages every step
//!   (first-order kinetic synapses, gap junctions; their weight is a maximal conductance \[S\]: see
//!   [`coupling`]);
//! - recordings ([`RecordSpec`]): chosen variables of chosen neurons every `interval` (model
//!   variables, receptor conductances, the conductance received through a kinetic
//!   projection); spikes are always recorded;
//!
//! and simulated by [`Network::run`] into a [`RunResult`] (spike times and ids, sampled traces,
//! population rates, [`RunStats`]).
//!
//! # Semantics (Brian2's)
//! One step `t_s → t_{s+1}` (`dt` fixed): (1) spikes emitted at the end of step `s − 1` are
//! delivered: `g ← g + w` on the target receptor when the delay is 0, else `round(delay/dt)`
//! steps later (a delay of 0 acts at the next step, as in Brian2); (2) recordings sample the
//! state at `t_s`; (3) every neuron advances by exponential Euler with all coefficients from
//! the step-start state, the receptor conductances decaying exactly, `g ← g e^{−dt/τ}`;
//! (4) a neuron spikes when `v(t_{s+1}) > θ` and it is not refractory; the spike is recorded
//! at `t_{s+1}` (Brian2 labels it with the step's start time `t_s`) and starts a refractory
//! period of `round(t_ref/dt)` steps during which `v` still evolves but no spike is emitted.
//!
//! # Engine
//! State is a structure of arrays per population; the neurons are split into one contiguous
//! shard per thread, advanced step by step by a rayon parallel loop over the shards (or by
//! persistent workers meeting at a barrier: [`Scheduler`]); within a shard the per-step passes
//! run over blocks of 512 neurons that stay in cache between passes. Connectivity is compressed sparse rows by presynaptic neuron: `u32`
//! targets (sorted), plus `f32` weights and `u16` delays only when they vary per synapse —
//! 4 bytes per synapse for constant weights and delays (COBAHH), at most 10. Each shard pulls
//! the previous step's spikes of every population in id order and applies the part of each row
//! that targets its own neurons, so every conductance receives its increments in the same order
//! for any thread count: results are bitwise identical for 1, 2, … threads at a fixed seed.
//! The model kernels use a branch-free polynomial `exp` and run-time AVX2+FMA dispatch
//! ([`simd`]). Nothing is allocated per step except amortised growth of the spike record.
//!
//! # Randomness
//! Seeded ChaCha8 streams, one per (population, variable) for initial values and one per
//! (projection, presynaptic neuron) for connectivity, so a network does not depend on the
//! thread count or on the order of unrelated parts. Normal deviates use Box–Muller.
//!
//! The COBAHH benchmark ([`cobahh::build`], [`cobahh::bench()`]) is built through this API.

mod channel_neuron;
pub mod cobahh;
mod connect;
pub mod coupling;
mod engine;
mod hh;
pub mod model;
mod network;
pub use crate::simd;
mod spec;

pub use channel_neuron::{ChannelNeuron, Membrane};
pub use connect::Csr;
pub use coupling::{Kinetic, SynapseKind};
pub use engine::{Recording, RunOptions, RunResult, RunStats, Scheduler, SpikeRecord};
pub use hh::HodgkinHuxley;
pub use model::{NeuronModel, SynapticInput, TraubMiles, VariableInfo};
pub use network::{DEFAULT_MEMORY_BUDGET, MemoryEstimate, Network, NetworkBuilder, PopulationInfo};
pub use simd::SimdLevel;
pub use spec::{
    Connectivity, Delay, Init, PopulationSpec, ProjectionSpec, Receptor, RecordSpec, Weight,
};

use thiserror::Error;

/// Errors of network construction and simulation.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum NetError {
    /// A projection or recording names a population that does not exist.
    #[error("unknown population '{name}'{}", crate::net::did_you_mean(suggestion))]
    UnknownPopulation {
        /// The name given.
        name: String,
        /// The closest existing name.
        suggestion: Option<String>,
    },
    /// Two populations share a name.
    #[error("population '{name}' is defined twice")]
    DuplicatePopulation {
        /// The name.
        name: String,
    },
    /// A projection targets a receptor the population does not have.
    #[error(
        "population '{population}' has no receptor '{receptor}'{}",
        crate::net::did_you_mean(suggestion)
    )]
    UnknownReceptor {
        /// Target population.
        population: String,
        /// Receptor name given.
        receptor: String,
        /// The closest receptor name.
        suggestion: Option<String>,
    },
    /// An initialiser or recording names a variable the population does not have.
    #[error(
        "population '{population}' has no variable '{variable}'{}",
        crate::net::did_you_mean(suggestion)
    )]
    UnknownVariable {
        /// Population.
        population: String,
        /// Variable name given.
        variable: String,
        /// The closest variable name.
        suggestion: Option<String>,
    },
    /// A synaptic weight is negative (or not finite): conductance increments must be `≥ 0`.
    #[error("projection '{projection}': weight {value} S is not a non-negative finite conductance")]
    NegativeWeight {
        /// Projection name.
        projection: String,
        /// The weight \[S\].
        value: f64,
    },
    /// A parameter is out of range.
    #[error("{what} = {value} is invalid: expected {expected}")]
    BadParameter {
        /// Which parameter.
        what: String,
        /// Value given (SI).
        value: f64,
        /// What is accepted.
        expected: std::borrow::Cow<'static, str>,
    },
    /// A neuron index (list connectivity, recording, initial values) is out of range.
    #[error("{what}: index {index} out of range for size {size}")]
    IndexOutOfRange {
        /// Where.
        what: String,
        /// Index given.
        index: usize,
        /// Size of the population or list.
        size: usize,
    },
    /// Sizes that must agree do not.
    #[error("{what}: expected {expected}, got {got}")]
    SizeMismatch {
        /// What was compared.
        what: String,
        /// Expected size.
        expected: usize,
        /// Given size.
        got: usize,
    },
    /// The network would need more memory than the budget; nothing was allocated.
    #[error(
        "network needs about {needed_bytes} bytes ({synapses} synapses), over the budget of {budget_bytes} bytes"
    )]
    MemoryBudget {
        /// Estimated bytes (upper bound).
        needed_bytes: u64,
        /// Estimated synapse count (upper bound).
        synapses: u64,
        /// The budget \[bytes\].
        budget_bytes: u64,
    },
    /// The worker threads could not be started.
    #[error("could not start the worker threads: {reason}")]
    Threads {
        /// What the operating system said.
        reason: String,
    },
    /// A channel of a user-defined neuron model ([`ChannelNeuron`]) is invalid: its parameters,
    /// gate names or expressions.
    #[error(transparent)]
    Channel(crate::error::ModelError),
    /// Two channels of a user-defined neuron model ([`ChannelNeuron`]) have a gate of the same
    /// name (gate names are the model's variable names).
    #[error(
        "gate '{gate}' of channel '{second}' is also a gate of channel '{first}': gate names must be distinct across the channels of a neuron"
    )]
    DuplicateGate {
        /// The gate name.
        gate: String,
        /// The channel that has it first.
        first: String,
        /// The channel that has it again.
        second: String,
    },
    /// A gate of a user-defined neuron model ([`ChannelNeuron`]) is named like a membrane
    /// variable (`i_ext`).
    #[error(
        "gate '{gate}' of channel '{channel}' has the name of the neuron's variable '{gate}' (the injected current): rename the gate"
    )]
    ReservedGateName {
        /// The gate name.
        gate: String,
        /// The channel.
        channel: String,
    },
    /// A value became NaN or infinite during a run.
    #[error("non-finite {variable} of neuron {neuron} in population '{population}' at t = {t} s")]
    NonFinite {
        /// Population.
        population: String,
        /// Neuron index in the population.
        neuron: usize,
        /// Variable name.
        variable: String,
        /// Time \[s\].
        t: f64,
    },
}

/// Something the builder changed or noticed without failing.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub enum NetWarning {
    /// A delay was not a multiple of `dt` and was rounded to the nearest step.
    DelayRounded {
        /// Projection name.
        projection: String,
        /// Delay given \[s\] (the largest deviation among the synapses).
        given: f64,
        /// Delay used \[s\].
        used: f64,
    },
    /// A refractory period was not a multiple of `dt` and was rounded to the nearest step.
    RefractoryRounded {
        /// Population.
        population: String,
        /// Given \[s\].
        given: f64,
        /// Used \[s\].
        used: f64,
    },
}

fn did_you_mean(s: &Option<String>) -> String {
    match s {
        Some(s) => format!(" (did you mean '{s}'?)"),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod conformance_tests;
#[cfg(test)]
mod coupling_tests;
