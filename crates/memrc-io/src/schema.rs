//! The model file as written: serde structs mirroring `docs/model-format.md`, every value
//! wrapped in [`Spanned`] so that the loader can point at it. Quantities stay as written
//! ([`RawQuantity`]) so that [`ModelFile::to_toml_string`] reproduces them.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};
pub use toml::Spanned;

/// A quantity as written: a string `"<number> <unit>"` or a bare number (SI).
#[derive(Debug, Clone, PartialEq)]
pub enum RawQuantity {
    /// A string with a unit, e.g. `"120 mS/cm^2"`.
    Text(String),
    /// A bare TOML number, in SI units.
    Number(f64),
}

impl RawQuantity {
    /// The value as TOML would show it, for messages: at most an excerpt of a long text, a
    /// number briefly (`1e300`, not 301 digits).
    pub fn shown(&self) -> String {
        match self {
            Self::Text(s) => format!("'{}'", memrc::error::excerpt(s)),
            Self::Number(x) => memrc::error::brief(*x),
        }
    }
}

impl Serialize for RawQuantity {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Text(t) => s.serialize_str(t),
            Self::Number(x) => s.serialize_f64(*x),
        }
    }
}

impl<'de> Deserialize<'de> for RawQuantity {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = RawQuantity;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a quantity: a string \"<number> <unit>\" or a number (SI)")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawQuantity, E> {
                Ok(RawQuantity::Text(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<RawQuantity, E> {
                Ok(RawQuantity::Number(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawQuantity, E> {
                Ok(RawQuantity::Number(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawQuantity, E> {
                Ok(RawQuantity::Number(v as f64))
            }
        }
        d.deserialize_any(V)
    }
}

/// A spanned quantity.
pub type Q = Spanned<RawQuantity>;
/// A spanned string.
pub type S = Spanned<String>;

/// A whole model file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelFile {
    /// `[model]`.
    pub model: ModelSection,
    /// `[simulation]` (circuit models).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub simulation: Option<SimulationSection>,
    /// `[output]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<OutputSection>,
    /// `[hopfield]` (Hopfield models, instead of nodes and elements).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hopfield: Option<HopfieldSection>,
    /// `[[node]]`.
    #[serde(default, rename = "node", skip_serializing_if = "Vec::is_empty")]
    pub nodes: Vec<NodeSection>,
    /// `[[channel]]`.
    #[serde(default, rename = "channel", skip_serializing_if = "Vec::is_empty")]
    pub channels: Vec<ChannelSection>,
    /// `[parameters]`: named constants of the channel expressions (mV, ms, 1/ms, mM or
    /// dimensionless).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub parameters: BTreeMap<String, Q>,
    /// `[[element]]`.
    #[serde(default, rename = "element", skip_serializing_if = "Vec::is_empty")]
    pub elements: Vec<ElementSection>,
    /// `[[stimulus]]`.
    #[serde(default, rename = "stimulus", skip_serializing_if = "Vec::is_empty")]
    pub stimuli: Vec<StimulusSection>,
    /// `[[probe]]`.
    #[serde(default, rename = "probe", skip_serializing_if = "Vec::is_empty")]
    pub probes: Vec<ProbeSection>,
    /// `[network]` (spiking network models).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<NetworkSection>,
    /// `[[population]]` (network models).
    #[serde(default, rename = "population", skip_serializing_if = "Vec::is_empty")]
    pub populations: Vec<PopulationSection>,
    /// `[[projection]]` (network models).
    #[serde(default, rename = "projection", skip_serializing_if = "Vec::is_empty")]
    pub projections: Vec<ProjectionSection>,
    /// `[[recording]]` (network models).
    #[serde(default, rename = "recording", skip_serializing_if = "Vec::is_empty")]
    pub recordings: Vec<RecordingSection>,
    /// `[[input]]` (network models): currents that vary in time, Poisson trains.
    #[serde(default, rename = "input", skip_serializing_if = "Vec::is_empty")]
    pub inputs: Vec<InputSection>,
}

/// `[model]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelSection {
    /// Model name.
    pub name: S,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<S>,
}

/// `[simulation]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimulationSection {
    /// Start time (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub t_start: Option<Q>,
    /// End time.
    pub t_end: Q,
    /// Step.
    pub dt: Q,
    /// Solver name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub solver: Option<S>,
    /// One-step scheme (relaxation, stepping).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheme: Option<S>,
    /// Relaxation stop tolerance (voltage).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tol: Option<Q>,
    /// Relaxation iteration limit per window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_iterations: Option<Spanned<i64>>,
    /// Relaxation Newton switch (voltage).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub newton_switch: Option<Q>,
    /// Relaxation window (time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<Q>,
    /// Relaxation coupling treatment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coupling: Option<S>,
    /// Relative tolerance of adaptive methods.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rtol: Option<Q>,
    /// Absolute tolerance of adaptive methods.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub atol: Option<Q>,
    /// Step budget of the whole run of an adaptive method (accepted + rejected steps).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_steps: Option<Spanned<i64>>,
    /// Temperature of the channel expressions (°C; `celsius` and q10 factors).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub celsius: Option<Q>,
}

/// `[[node]]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeSection {
    /// Unique name.
    pub name: S,
    /// Capacitance to ground (F or F/m²).
    pub capacitance: Q,
    /// Membrane area.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub area: Option<Q>,
    /// `"rest"` or a voltage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initial: Option<Q>,
}

/// `[[element]]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ElementSection {
    /// Unique name.
    pub name: S,
    /// Catalogue kind or `[[channel]]` name.
    pub kind: S,
    /// One-port from this node to ground.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node: Option<S>,
    /// One-port plus terminal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<S>,
    /// One-port minus terminal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<S>,
    /// Multi-port `(plus, minus)` per port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ports: Option<Spanned<Vec<Vec<S>>>>,
    /// Catalogue parameters.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, Q>,
    /// Initial values of the element's states by state name (default: the steady state at the
    /// initial voltages, or the configured `x0`/`phi0` of devices).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub initial: BTreeMap<String, Q>,
}

/// `[[channel]]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelSection {
    /// Unique name, used as an element `kind`.
    pub name: S,
    /// Maximal conductance (S/m² or S).
    pub gbar: Q,
    /// Reversal potential.
    pub e_rev: Q,
    /// Conductance expression in the gate names.
    pub conductance: S,
    /// Gates by name.
    #[serde(default)]
    pub gates: BTreeMap<String, Spanned<GateSection>>,
    /// Named constants of this channel's expressions (over `[parameters]`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, Q>,
}

/// One gate of a `[[channel]]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GateSection {
    /// Opening rate \[1/ms\].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alpha: Option<S>,
    /// Closing rate \[1/ms\].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub beta: Option<S>,
    /// Time constant \[ms\].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tau: Option<S>,
    /// Steady state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inf: Option<S>,
    /// Temperature factor per 10 °C of the rates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub q10: Option<Q>,
    /// Temperature at which the rates hold (°C), with `q10`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub q10_temperature: Option<Q>,
    /// A fixed factor of the rates (NeuroML's `q10Fixed`), instead of `q10`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub q10_fixed: Option<Q>,
}

/// `[[stimulus]]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StimulusSection {
    /// Name (voltage sources; default `vs_<node>`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<S>,
    /// Node the current flows into (the voltage source drives).
    pub node: S,
    /// `current` (default) or `voltage`: what the waveform is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<S>,
    /// Series resistance of a voltage source (none: ideal).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resistance: Option<Q>,
    /// `pulse | step | sine | pwl | samples`.
    pub kind: S,
    /// Amplitude (pulse, step, sine).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amplitude: Option<Q>,
    /// Start (pulse, step).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<Q>,
    /// End (pulse).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<Q>,
    /// Frequency (sine).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frequency: Option<Q>,
    /// Phase (sine).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<Q>,
    /// Offset (sine).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<Q>,
    /// Points `[t, i]` (pwl).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub points: Option<Spanned<Vec<Vec<Q>>>>,
    /// Sample file (samples).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<S>,
    /// Unit of the file's time column (samples).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_unit: Option<S>,
    /// Unit of the file's current column (samples).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<S>,
}

/// `[[probe]]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProbeSection {
    /// Column name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<S>,
    /// `v | state | current | conductance`.
    pub variable: S,
    /// Node (v).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node: Option<S>,
    /// Element (state, current, conductance).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub element: Option<S>,
    /// State name (state).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<S>,
    /// Port index, 0-based (current, conductance of multi-ports).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<Spanned<i64>>,
    /// Voltage source, by its stimulus name (current, instead of an element).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<S>,
    /// Sampling interval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub every: Option<Q>,
}

/// `[output]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputSection {
    /// `csv`, `npy`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub formats: Option<Spanned<Vec<S>>>,
    /// Write plots.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plots: Option<Spanned<bool>>,
}

/// `[hopfield]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HopfieldSection {
    /// Symmetric weights `W`, one row per unit (S).
    pub weights: Spanned<Vec<Vec<Q>>>,
    /// Capacitances, one per unit (F).
    pub capacitance: Spanned<Vec<Q>>,
    /// Input currents, one per unit (A; default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<Spanned<Vec<Q>>>,
    /// `tanh | logistic | linear` (default tanh).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activation: Option<S>,
    /// Gain (tanh, logistic: 1/V) or slope (linear), default 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gain: Option<Q>,
    /// Initial voltages, one per unit (V; default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initial: Option<Spanned<Vec<Q>>>,
    /// End time.
    pub t_end: Q,
    /// RK4 step.
    pub dt: Q,
}

/// `[network]`: run settings of a spiking network.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkSection {
    /// Time step.
    pub dt: Q,
    /// End time (the run starts at 0).
    pub t_end: Q,
    /// RNG seed (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<Spanned<i64>>,
    /// Worker threads (default: the available cores; results do not depend on it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threads: Option<Spanned<i64>>,
    /// Record spikes (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spikes: Option<Spanned<bool>>,
    /// Integration scheme (`exp-euler` | `exp2` | `rk23` | `dopri5`; default `dopri5`,
    /// `memrc::net::Scheme::DEFAULT`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub solver: Option<S>,
    /// Relative tolerance of `dopri5` and `rk23` (default 1e-4, `Scheme::DEFAULT_RTOL`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rtol: Option<Q>,
    /// Temperature of the channel expressions (°C; `celsius` and q10 factors).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub celsius: Option<Q>,
}

/// `[[population]]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PopulationSection {
    /// Unique name.
    pub name: S,
    /// Number of neurons.
    pub size: Spanned<i64>,
    /// Neuron model (`traub-miles` | `hh` | `conductance`).
    pub model: S,
    /// `[[channel]]` names of a `conductance` population, in order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channels: Option<Spanned<Vec<S>>>,
    /// Model parameters (defaults: the model's).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, Q>,
    /// Spike threshold on `v` (default −20 mV).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<Q>,
    /// Refractory period (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refractory: Option<Q>,
    /// Voltage `v` is reset to after a spike and held at while refractory (default: no reset;
    /// below the threshold). A leak-only `conductance` population with a reset is a leaky
    /// integrate-and-fire neuron (NeuroML's `iafCell`, NEST's `iaf_cond_exp`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reset: Option<Q>,
    /// Spikes only at upward crossings of the threshold (default false; NeuroML's
    /// `spikeThresh`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upward_crossing: Option<Spanned<bool>>,
    /// Synaptic receptors.
    #[serde(default, rename = "receptor", skip_serializing_if = "Vec::is_empty")]
    pub receptors: Vec<ReceptorSection>,
    /// Initial values by variable name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub initial: BTreeMap<String, Spanned<Distribution>>,
}

/// `[[population.receptor]]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReceptorSection {
    /// Variable name of the receptor's conductance.
    pub name: S,
    /// `exponential` (default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<S>,
    /// Decay time constant.
    pub tau: Q,
    /// Rise time constant: a double exponential (NeuroML's `expTwoSynapse`) when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tau_rise: Option<Q>,
    /// Reversal potential.
    pub e_rev: Q,
}

/// A value or a distribution of values: a quantity (constant), `{ mean, sd }` (normal) or
/// `{ low, high }` (uniform).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Distribution {
    /// The same value everywhere.
    Constant(Q),
    /// A table of distribution parameters.
    Table(DistributionTable),
    /// One value per neuron, in order.
    List(Vec<Q>),
}

/// The keys of a distribution table (which ones are given decides the distribution).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct DistributionTable {
    /// Mean (normal).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mean: Option<Q>,
    /// Standard deviation (normal).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sd: Option<Q>,
    /// Lower bound (uniform).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub low: Option<Q>,
    /// Upper bound (uniform, exclusive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub high: Option<Q>,
}

const DISTRIBUTION_KEYS: &[&str] = &["mean", "sd", "low", "high"];

impl<'de> Deserialize<'de> for Distribution {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Distribution;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "a quantity, a list of quantities, or a table { mean, sd } or { low, high }",
                )
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Distribution, E> {
                Ok(Distribution::Constant(Spanned::new(
                    0..0,
                    RawQuantity::Text(v.to_string()),
                )))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Distribution, E> {
                Ok(Distribution::Constant(Spanned::new(
                    0..0,
                    RawQuantity::Number(v),
                )))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Distribution, E> {
                self.visit_f64(v as f64)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Distribution, E> {
                self.visit_f64(v as f64)
            }
            fn visit_seq<A: de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Distribution, A::Error> {
                let mut out = Vec::new();
                while let Some(q) = seq.next_element::<Q>()? {
                    out.push(q);
                }
                Ok(Distribution::List(out))
            }
            fn visit_map<A: de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Distribution, A::Error> {
                let mut t = DistributionTable::default();
                while let Some(key) = map.next_key::<String>()? {
                    let slot = match key.as_str() {
                        "mean" => &mut t.mean,
                        "sd" => &mut t.sd,
                        "low" => &mut t.low,
                        "high" => &mut t.high,
                        _ => return Err(de::Error::unknown_field(&key, DISTRIBUTION_KEYS)),
                    };
                    if slot.is_some() {
                        return Err(de::Error::custom(format!("duplicate key '{key}'")));
                    }
                    *slot = Some(map.next_value::<Q>()?);
                }
                Ok(Distribution::Table(t))
            }
        }
        d.deserialize_any(V)
    }
}

/// `[[projection]]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectionSection {
    /// Name in messages and warnings (default `source->target`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<S>,
    /// Presynaptic population.
    pub source: S,
    /// Postsynaptic population.
    pub target: S,
    /// Receptor of the target population (exponential synapses only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receptor: Option<S>,
    /// `exponential` (default) | `kinetic` | `gap-junction`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub synapse: Option<S>,
    /// `fixed-probability | fixed-in-degree | one-to-one | all-to-all | list`.
    pub rule: S,
    /// Connection probability (fixed-probability).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p: Option<Q>,
    /// In-degree (fixed-in-degree).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub k: Option<Spanned<i64>>,
    /// `[pre, post]` pairs (list).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pairs: Option<Spanned<Vec<Vec<i64>>>>,
    /// CSV file of `pre, post` lines (list).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<S>,
    /// Conductance increment per spike: a quantity, `{ low, high }`, or (rule `list`) one
    /// quantity per pair.
    pub weight: Spanned<Distribution>,
    /// Delay (default 0: the next step): a quantity or (rule `list`) one quantity per pair.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay: Option<Spanned<Distribution>>,
    /// Self-connections within a population (random rules; default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub autapses: Option<Spanned<bool>>,
    /// Parameters of kinetic synapses (`synapse = "kinetic"`; defaults: AMPA).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kinetic: Option<Spanned<BTreeMap<String, Q>>>,
}

/// Which neurons a recording samples: ids, `"all"`, or a count (the first `n`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum NeuronSelection {
    /// Population-local ids.
    Ids(Vec<i64>),
    /// The first `n` neurons.
    Count(i64),
    /// A word (`"all"`).
    Word(String),
}

impl<'de> Deserialize<'de> for NeuronSelection {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = NeuronSelection;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array of neuron ids, a count, or \"all\"")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<NeuronSelection, E> {
                Ok(NeuronSelection::Word(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<NeuronSelection, E> {
                Ok(NeuronSelection::Count(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<NeuronSelection, E> {
                Ok(NeuronSelection::Count(i64::try_from(v).unwrap_or(i64::MAX)))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<NeuronSelection, A::Error> {
                let mut ids = Vec::new();
                while let Some(i) = seq.next_element::<i64>()? {
                    ids.push(i);
                }
                Ok(NeuronSelection::Ids(ids))
            }
        }
        d.deserialize_any(V)
    }
}

/// `[[recording]]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordingSection {
    /// Population.
    pub population: S,
    /// Variables (model variables or receptor names).
    pub variables: Spanned<Vec<S>>,
    /// Neurons (default `"all"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub neurons: Option<Spanned<NeuronSelection>>,
    /// Sampling interval (default dt).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub every: Option<Q>,
}

/// `[[input]]` (network models).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputSection {
    /// Population.
    pub population: S,
    /// Neurons (default `"all"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub neurons: Option<Spanned<NeuronSelection>>,
    /// `pulse | step | sine | pwl | samples` (a current into `i_ext`) or `poisson` (a train
    /// into a receptor).
    pub kind: S,
    /// Amplitude (pulse, step, sine).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amplitude: Option<Q>,
    /// Start (pulse, step).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<Q>,
    /// End (pulse).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<Q>,
    /// Frequency (sine).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frequency: Option<Q>,
    /// Phase (sine).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<Q>,
    /// Offset (sine).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<Q>,
    /// Points `[t, i]` (pwl).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub points: Option<Spanned<Vec<Vec<Q>>>>,
    /// Rate of each neuron's train (poisson).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate: Option<Q>,
    /// Conductance added per event (poisson).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<Q>,
    /// Receptor the events arrive at (poisson).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receptor: Option<S>,
    /// Two-column file `t, i` (samples).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<S>,
    /// Unit of the file's time column (samples; default `s`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_unit: Option<S>,
    /// Unit of the file's current column (samples; default `A`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<S>,
}

impl ModelFile {
    /// The file back as TOML text (quantities as written). Loading it again gives an equal
    /// [`ModelFile`].
    pub fn to_toml_string(&self) -> Result<String, toml::ser::Error> {
        toml::to_string(self)
    }
}
