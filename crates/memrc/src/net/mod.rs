//! Networks of conductance-based point neurons at scale (COBAHH-type benchmarks).
//!
//! A [`Network`] is built by a [`NetworkBuilder`] from
//!
//! - populations ([`PopulationSpec`]): `n` neurons of one [`NeuronModel`] (built in:
//!   [`TraubMiles`], `"traub-miles"`; [`HodgkinHuxley`], `"hh"`; user-defined:
//!   [`ChannelNeuron`], `"conductance"`, a membrane with channels written as rate expressions,
//!   [`crate::element::expr`], or the catalogue's gated channels,
//!   [`crate::element::mechanism`]), with exponentially decaying synaptic conductances
//!   ([`Receptor`]: `ġ = −g/τ`, or a rise and a decay as NeuroML's `expTwoSynapse`; current
//!   `g (E − v)`), a spike threshold on `v`, a
//!   refractory period and optionally a voltage reset;
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
//! state at `t_s`; (3) every neuron advances by the network's [`Scheme`] — per-neuron adaptive
//! Dormand–Prince substeps `dopri5` (the default, [`Scheme::DEFAULT`]) or Bogacki–Shampine
//! `rk23`, the second-order exponential midpoint `exp2`, or exponential Euler with all
//! coefficients from the step-start state (Brian2's) — the receptor
//! conductances decaying exactly, `g ← g e^{−dt/τ}`; (4) a neuron spikes when `v(t_{s+1}) > θ`
//! and it is not refractory; the spike is recorded at the upward crossing of `θ` located
//! inside the step by the scheme's dense output (Brian2 labels it with the step's start time
//! `t_s`, NEST's `hh_cond_exp_traub` with the end of the step in which `v` peaks) and starts a
//! refractory period of `round(t_ref/dt)` steps during which `v` still evolves but no spike is
//! emitted — or, in a population with a reset ([`PopulationSpec::reset`]: integrate-and-fire
//! neurons), `v` is set to `v_reset` at the end of the spike's step and held there during the
//! refractory steps. Spikes are delivered on the grid whatever their time inside the step.

//! # Engine
//! State is a structure of arrays per population; the neurons are split into one contiguous
//! shard per thread, advanced step by step by a rayon parallel loop over the shards (one thread
//! runs on the calling thread); within a shard the per-step passes
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
pub mod exchange;
mod hh;
mod input;
pub mod model;
mod network;
mod receptor;
mod scheme;
pub use crate::simd;
mod spec;

pub use channel_neuron::ChannelNeuron;
pub use connect::Csr;
pub use engine::{Recording, RunOptions, RunResult, RunStats, SpikeRecord};
pub use hh::HodgkinHuxley;
pub use input::{InputKind, InputSpec};
pub use model::{Membrane, NeuronModel, SynapticInput, TraubMiles, VariableInfo};
pub use network::{DEFAULT_MEMORY_BUDGET, MemoryEstimate, Network, NetworkBuilder, PopulationInfo};
pub use scheme::Scheme;
pub use simd::SimdLevel;
pub use spec::{
    Connectivity, Delay, Init, PopulationSpec, ProjectionSpec, Receptor, RecordSpec, Weight,
};
pub use spec::{Kinetic, SynapseKind};

pub use crate::error::{
    NetError, NetworkKey, PopulationKey, ProjectionKey, ReceptorKey, RecordingKey, Subject,
};

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

#[cfg(test)]
mod tests;

#[cfg(test)]
mod conformance_tests;
#[cfg(test)]
mod coupling_tests;
#[cfg(test)]
mod distributed_tests;
#[cfg(test)]
mod input_tests;
#[cfg(test)]
mod receptor_tests;
#[cfg(test)]
mod reset_tests;
#[cfg(test)]
mod scheme_tests;
