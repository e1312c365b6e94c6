//! Typed errors of the library.
//!
//! One top-level [`Error`](enum@Error) with `#[from]` conversions from the error enum of each layer:
//! [`ModelError`] (element catalogue and parameters), [`TrajectoryError`] (time grids and signals),
//! [`SolverError`] (numerical failures) and [`NetError`] (spiking networks, re-exported by `net`;
//! a [`Subject`] names the network entry and key an error concerns). Every variant carries the
//! data a user needs to find the cause: the element and parameter name, the offending value, the
//! accepted range.

use thiserror::Error;

/// Result alias used throughout the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Any error raised by the memrc library.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum Error {
    /// A model (element, parameter) is invalid.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// A trajectory or time grid is invalid.
    #[error(transparent)]
    Trajectory(#[from] TrajectoryError),
    /// A numerical procedure failed.
    #[error(transparent)]
    Solver(#[from] SolverError),
    /// A spiking network is invalid or failed.
    #[error(transparent)]
    Net(#[from] NetError),
}

/// Errors in the description of elements and their parameters.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum ModelError {
    /// No element kind of that name is in the catalogue.
    #[error("unknown element '{name}'{}", did_you_mean(suggestion))]
    UnknownElement {
        /// The name that was asked for.
        name: String,
        /// The closest catalogue name, if one is close.
        suggestion: Option<String>,
    },
    /// The element kind has no parameter of that name.
    #[error(
        "element '{element}' has no parameter '{param}'{}",
        did_you_mean(suggestion)
    )]
    UnknownParam {
        /// Element kind.
        element: String,
        /// Parameter name that was given.
        param: String,
        /// The closest parameter name, if one is close.
        suggestion: Option<String>,
    },
    /// A parameter value is NaN or infinite.
    #[error("parameter '{param}' of element '{element}' must be finite, got {}", brief(.value))]
    NonFinite {
        /// Element kind.
        element: String,
        /// Parameter name.
        param: String,
        /// The value given.
        value: f64,
    },
    /// A parameter value is outside its documented range.
    #[error(
        "parameter '{param}' of element '{element}' = {} {unit} is out of range: expected {range}",
        brief(.value)
    )]
    ParamOutOfRange {
        /// Element kind.
        element: String,
        /// Parameter name.
        param: String,
        /// The value given (SI).
        value: f64,
        /// Unit of the parameter.
        unit: String,
        /// The accepted range, rendered for people (e.g. `(0, inf)`).
        range: String,
    },
    /// Parameters are individually valid but inconsistent with each other.
    #[error("element '{element}': {reason}")]
    Inconsistent {
        /// Element kind.
        element: String,
        /// What is wrong.
        reason: String,
    },
    /// A state vector or port-voltage vector has the wrong length for the element.
    #[error("element '{element}' expects {expected} {what}, got {got}")]
    WrongLength {
        /// Element kind.
        element: String,
        /// What was counted ("ports", "states").
        what: &'static str,
        /// Expected length.
        expected: usize,
        /// Given length.
        got: usize,
    },
    /// A user expression (rate function, conductance) does not parse or names something
    /// unknown.
    #[error(
        "{context}: {reason}{} in \"{expression}\"",
        at_column(expression, position)
    )]
    BadExpression {
        /// Where the expression comes from, e.g. `channel 'my-k' gate 'n' alpha`.
        context: String,
        /// The expression as given.
        expression: String,
        /// Byte offset of the problem in `expression`, if it has a place.
        position: Option<usize>,
        /// What is wrong (with a suggestion for misspelt names).
        reason: String,
    },
}

/// Errors in time grids and sampled signals.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum TrajectoryError {
    /// A grid needs at least `min` nodes.
    #[error("time grid has {got} nodes, at least {min} are needed")]
    TooFewNodes {
        /// Nodes given.
        got: usize,
        /// Nodes needed.
        min: usize,
    },
    /// The time step is not a positive finite number.
    #[error("time step must be positive and finite, got {}", brief(.dt))]
    BadStep {
        /// The step given \[s\].
        dt: f64,
    },
    /// A start time is not finite.
    #[error("start time must be finite, got {}", brief(.t0))]
    BadStart {
        /// The start time given \[s\].
        t0: f64,
    },
    /// Sample times do not increase.
    #[error("time grid is not increasing at index {index}: t[{index}] = {}, previous {}", brief(.t), brief(.previous))]
    NotIncreasing {
        /// Index of the offending sample.
        index: usize,
        /// Its time \[s\].
        t: f64,
        /// The time before it \[s\].
        previous: f64,
    },
    /// Sample times are not equally spaced.
    #[error("time grid is not uniform at index {index}: step {} differs from {}", brief(.step), brief(.dt))]
    NotUniform {
        /// Index of the offending sample.
        index: usize,
        /// The step found there \[s\].
        step: f64,
        /// The first step \[s\].
        dt: f64,
    },
    /// A sample value is NaN or infinite.
    #[error("{what} has a non-finite value {} at sample {index}", brief(.value))]
    NonFinite {
        /// Which signal.
        what: String,
        /// Sample index.
        index: usize,
        /// The value.
        value: f64,
    },
    /// Two trajectories or a trajectory and a buffer do not have compatible sizes.
    #[error("{what}: expected {expected}, got {got}")]
    Mismatch {
        /// What was compared.
        what: String,
        /// Expected size.
        expected: usize,
        /// Given size.
        got: usize,
    },
    /// Two trajectories live on different time grids.
    #[error("trajectories are on different time grids ({a} vs {b})")]
    GridMismatch {
        /// First grid, described.
        a: String,
        /// Second grid, described.
        b: String,
    },
    /// A time lies outside the grid.
    #[error("time {} is outside the grid [{}, {}]", brief(.t), brief(.t0), brief(.t1))]
    OutOfRange {
        /// The time asked for \[s\].
        t: f64,
        /// Grid start \[s\].
        t0: f64,
        /// Grid end \[s\].
        t1: f64,
    },
    /// A window is empty or reversed.
    #[error("window [{}, {}] is empty or not finite", brief(.start), brief(.end))]
    BadWindow {
        /// Window start \[s\].
        start: f64,
        /// Window end \[s\].
        end: f64,
    },
}

/// A time for messages, without the noise of binary fractions: rounded to 12 significant
/// digits and printed in ms below 1 s (`6.2 ms`, not `6.199999999999999 ms`), else in s; the
/// number as [`brief`] prints it (`1e-300 ms`, not 300 zeros).
pub fn time_text(t: impl std::borrow::Borrow<f64>) -> String {
    let t = *t.borrow();
    if t != 0.0 && t.abs() < 1.0 {
        format!("{} ms", brief(t * 1e3))
    } else {
        format!("{} s", brief(t))
    }
}

/// `x` printed briefly for messages: the shortest decimal of `x` rounded to 12 significant
/// digits, so that a value computed from a unit (`0.3 ms` = 3.0000000000000003e-4 s) prints as
/// written (`3e-4`), and `1e300` prints as `1e300`, not as a 301-digit decimal. Exponent form
/// below 1e-3 and from 1e6.
pub fn brief(x: impl std::borrow::Borrow<f64>) -> String {
    let x = *x.borrow();
    if !x.is_finite() || x == 0.0 {
        return format!("{x}");
    }
    let r: f64 = format!("{x:.11e}").parse().unwrap_or(x);
    let a = r.abs();
    if (1e-3..1e6).contains(&a) {
        format!("{r}")
    } else {
        format!("{r:e}")
    }
}

/// Longest excerpt of user text that messages quote, in characters ([`excerpt`]).
pub const EXCERPT_CHARS: usize = 60;

/// `s` as messages quote it: at most [`EXCERPT_CHARS`] characters, the rest replaced by `…`
/// and the number of characters left out, so that a 2 MB value gives a short error line.
pub fn excerpt(s: &str) -> String {
    match s.char_indices().nth(EXCERPT_CHARS) {
        None => s.to_string(),
        Some((cut, _)) => {
            let rest = s[cut..].chars().count();
            format!("{}… ({rest} more characters)", &s[..cut])
        }
    }
}

/// `x` rounded to three significant digits (a ratio in a message).
fn three_digits(x: f64) -> f64 {
    format!("{x:.2e}").parse().unwrap_or(x)
}

/// `x` rounded to two significant digits (a suggested step).
fn two_digits(x: f64) -> f64 {
    format!("{x:.1e}").parse().unwrap_or(x)
}

/// Numerical failures.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum SolverError {
    /// A computed value became NaN or infinite.
    #[error("non-finite value in {variable} at t = {}", time_text(.t))]
    NonFinite {
        /// Name of the variable (state, voltage, conductance).
        variable: String,
        /// Time at which it was found \[s\].
        t: f64,
    },
    /// An explicit method's solution blew up: the step is beyond the method's stability limit.
    #[error(
        "{method} with dt = {} became unstable (non-finite {variable} at t = {}): the step is beyond its stability limit dt·|λ| ≤ {limit:.3} for the decay rates λ of the linearised system; here |λ| ≈ {rate:.3e} 1/s (largest eigenvalue of the Jacobian at t = {}), dt·|λ| ≈ {}. Use dt ≤ {}, or an implicit (implicit-euler, trapezoid, sdirk2), exponential (exp2) or adaptive (dopri5, sdirk2) solver",
        time_text(.dt), time_text(.t), time_text(.at), brief(three_digits(.dt * .rate)), time_text(two_digits(.limit / .rate))
    )]
    Unstable {
        /// The method.
        method: String,
        /// Its step \[s\].
        dt: f64,
        /// The first non-finite variable.
        variable: String,
        /// Time at which it was found \[s\].
        t: f64,
        /// The method's stability limit on the negative real axis, `dt·|λ|`.
        limit: f64,
        /// The spectral radius of the Jacobian at `at` \[1/s\].
        rate: f64,
        /// Time of the last finite sample, where `rate` was estimated \[s\].
        at: f64,
    },
    /// An iteration stopped without reaching its tolerance.
    #[error(
        "{method} did not converge in {iterations} iterations: last change {last_change:.3e}, last residual {last_residual:.3e}"
    )]
    NotConverged {
        /// The method.
        method: String,
        /// Iterations done.
        iterations: usize,
        /// Last change between iterates (in the solver's reporting unit).
        last_change: f64,
        /// Last residual.
        last_residual: f64,
    },
    /// A matrix that must be invertible is singular or not positive definite.
    #[error("{what} is singular or not positive definite at t = {}", time_text(.t))]
    Singular {
        /// Which matrix.
        what: String,
        /// Time \[s\].
        t: f64,
    },
    /// The caller's observer asked to stop (e.g. Ctrl-C).
    #[error("cancelled at {at}")]
    Cancelled {
        /// Where the solve was (e.g. "iteration 7", "t = 0.02 s").
        at: String,
    },
    /// Invalid solver settings.
    #[error("invalid solver setting {name} = {}: {reason}", brief(.value))]
    BadSetting {
        /// Setting name.
        name: String,
        /// Value given.
        value: f64,
        /// What is expected.
        reason: String,
    },
}

/// Errors of network construction and simulation (`net`).
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum NetError {
    /// A projection or recording names a population that does not exist.
    #[error("unknown population '{name}'{}", did_you_mean(suggestion))]
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
        did_you_mean(suggestion)
    )]
    UnknownReceptor {
        /// Target population.
        population: String,
        /// Receptor name given.
        receptor: String,
        /// The closest receptor name.
        suggestion: Option<String>,
    },
    /// An integration scheme that the network engine does not have.
    #[error(
        "unknown network method '{name}' (known: exp-euler, exp2, rk23, dopri5){}",
        did_you_mean(suggestion)
    )]
    UnknownScheme {
        /// Name given.
        name: String,
        /// The closest known name.
        suggestion: Option<String>,
    },
    /// An initialiser or recording names a variable the population does not have.
    #[error(
        "population '{population}' has no variable '{variable}'{}",
        did_you_mean(suggestion)
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
    #[error("projection '{projection}': weight {} S is not a non-negative finite conductance", brief(.value))]
    NegativeWeight {
        /// Projection name.
        projection: String,
        /// The weight \[S\].
        value: f64,
    },
    /// A parameter is out of range.
    #[error("{subject} = {} is invalid: expected {expected}", brief(.value))]
    BadParameter {
        /// Which parameter: the entry and its key.
        subject: Subject,
        /// Value given (SI).
        value: f64,
        /// What is accepted.
        expected: std::borrow::Cow<'static, str>,
    },
    /// A neuron index (list connectivity, recording, initial values) is out of range.
    #[error("{subject}: index {index} out of range for size {size}")]
    IndexOutOfRange {
        /// Where: the entry and its key.
        subject: Subject,
        /// Index given.
        index: usize,
        /// Size of the population or list.
        size: usize,
    },
    /// Sizes that must agree do not.
    #[error("{subject}: expected {expected}, got {got}")]
    SizeMismatch {
        /// What was compared: the entry and its key.
        subject: Subject,
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
    /// A distributed run failed (on this or another rank), or was misused.
    #[error("distributed run: {reason}")]
    Distributed {
        /// Which rank, and what happened.
        reason: String,
    },
    /// A channel of a user-defined neuron model (`net::ChannelNeuron`) is invalid: its parameters,
    /// gate names or expressions.
    #[error(transparent)]
    Channel(ModelError),
    /// Two channels of a user-defined neuron model (`net::ChannelNeuron`) have a gate of the same
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
    /// A gate of a user-defined neuron model (`net::ChannelNeuron`) is named like a membrane
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
    #[error("non-finite {variable} of neuron {neuron} in population '{population}' at t = {} s", brief(.t))]
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

impl NetError {
    /// [`NetError::BadParameter`]: `subject` = `value` (SI) is invalid, `expected` is accepted.
    pub fn bad_parameter(
        subject: Subject,
        value: f64,
        expected: impl Into<std::borrow::Cow<'static, str>>,
    ) -> Self {
        Self::BadParameter {
            subject,
            value,
            expected: expected.into(),
        }
    }
}

/// What a [`NetError`] concerns: the entry of the network (a population, receptor,
/// projection, recording, a neuron model or the network itself) and which of its keys, as ids,
/// so that a caller (e.g. a model-file loader) can point at the entry without reading the
/// message. Its `Display` is the wording of the messages (`projection 'e->i' delay`).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Subject {
    /// A setting of the whole network or of a run.
    Network(NetworkKey),
    /// A parameter of a neuron model (`traub-miles c_m`); models check their parameters
    /// without knowing the population that uses them.
    Model {
        /// The model (`traub-miles`, `hh`, `conductance`).
        model: &'static str,
        /// The parameter.
        param: String,
    },
    /// A key of a population (`population 'exc' size`).
    Population {
        /// Population name.
        name: String,
        /// The key.
        key: PopulationKey,
    },
    /// A key of a receptor of a population (`receptor 'ampa' tau`).
    Receptor {
        /// The population that has the receptor.
        population: String,
        /// Position of the receptor in the population (0-based, in the order added).
        index: usize,
        /// Receptor name.
        name: String,
        /// The key.
        key: ReceptorKey,
    },
    /// A key of a projection (`projection 'e->i' probability`).
    Projection {
        /// Projection name.
        name: String,
        /// The key.
        key: ProjectionKey,
    },
    /// A recording of `variable` in `population`.
    Recording {
        /// Population recorded.
        population: String,
        /// Variable recorded.
        variable: String,
        /// The key.
        key: RecordingKey,
    },
    /// An external input of a network ([`crate::net::InputSpec`]), by its position from 0.
    Input {
        /// Position of the input, in the order added.
        index: usize,
        /// The key (`neurons`, `rate`, `weight`, `stimulus`).
        key: &'static str,
    },
}

impl Subject {
    /// A parameter `param` of the neuron model `model`.
    pub fn model(model: &'static str, param: impl Into<String>) -> Self {
        Self::Model {
            model,
            param: param.into(),
        }
    }

    /// Key `key` of population `name`.
    pub fn population(name: impl Into<String>, key: PopulationKey) -> Self {
        Self::Population {
            name: name.into(),
            key,
        }
    }

    /// Key `key` of projection `name`.
    pub fn projection(name: impl Into<String>, key: ProjectionKey) -> Self {
        Self::Projection {
            name: name.into(),
            key,
        }
    }
}

/// Settings of a whole network or run ([`Subject::Network`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum NetworkKey {
    /// The time step \[s\].
    Dt,
    /// The number of neurons of all populations.
    TotalNeurons,
    /// The duration of a run \[s\].
    RunDuration,
    /// The relative tolerance of an adaptive scheme.
    Rtol,
}

/// Keys of a population ([`Subject::Population`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PopulationKey {
    /// Number of neurons.
    Size,
    /// Spike threshold \[V\].
    Threshold,
    /// Refractory period \[s\].
    Refractory,
    /// Reset voltage after a spike \[V\].
    Reset,
    /// The initial values of this variable.
    Initial(String),
}

/// Keys of a receptor ([`Subject::Receptor`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReceptorKey {
    /// Decay time constant \[s\].
    Tau,
    /// Rise time constant of a double exponential \[s\].
    TauRise,
    /// Reversal potential \[V\].
    ERev,
    /// The name, given twice in the population (or that of a model variable).
    Name,
}

/// Keys of a projection ([`Subject::Projection`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProjectionKey {
    /// Connection probability of the fixed-probability rule.
    Probability,
    /// In-degree of the fixed-in-degree rule, more than the presynaptic neurons available.
    InDegree,
    /// Population sizes of the one-to-one rule.
    OneToOne,
    /// A presynaptic index of a list connectivity.
    PresynapticIndex,
    /// A postsynaptic index of a list connectivity.
    PostsynapticIndex,
    /// Upper bound of a uniform weight \[S\].
    UniformWeight,
    /// Per-synapse weights (their count).
    Weights,
    /// Per-synapse weights without a list connectivity.
    WeightsNeedList,
    /// A delay \[s\].
    Delay,
    /// Per-synapse delays (their count).
    Delays,
    /// Per-synapse delays without a list connectivity.
    DelaysNeedList,
    /// A parameter of a kinetic synapse (`net::Kinetic`).
    Kinetic(&'static str),
}

/// Keys of a recording ([`Subject::Recording`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RecordingKey {
    /// The neurons recorded.
    Neurons,
    /// The sampling interval \[s\].
    Interval,
}

impl std::fmt::Display for Subject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Network(key) => f.write_str(match key {
                NetworkKey::Dt => "dt",
                NetworkKey::TotalNeurons => "total neurons",
                NetworkKey::RunDuration => "run duration",
                NetworkKey::Rtol => "rtol",
            }),
            Self::Model { model, param } => write!(f, "{model} {param}"),
            Self::Input { index, key } => write!(f, "input {index} {key}"),
            Self::Population { name, key } => {
                write!(f, "population '{name}' ")?;
                match key {
                    PopulationKey::Size => f.write_str("size"),
                    PopulationKey::Threshold => f.write_str("threshold"),
                    PopulationKey::Refractory => f.write_str("refractory"),
                    PopulationKey::Reset => f.write_str("reset"),
                    PopulationKey::Initial(var) => write!(f, "initial {var}"),
                }
            }
            Self::Receptor {
                population,
                name,
                key: ReceptorKey::Name,
                ..
            } => write!(
                f,
                "population '{population}' receptor name '{name}' (duplicate)"
            ),
            Self::Receptor { name, key, .. } => {
                let key = match key {
                    ReceptorKey::Tau => "tau",
                    ReceptorKey::TauRise => "tau_rise",
                    _ => "e_rev",
                };
                write!(f, "receptor '{name}' {key}")
            }
            Self::Projection { name, key } => {
                write!(f, "projection '{name}'")?;
                match key {
                    ProjectionKey::Probability => f.write_str(" probability"),
                    ProjectionKey::InDegree => {
                        f.write_str(" in-degree exceeds the available presynaptic neurons")
                    }
                    ProjectionKey::OneToOne => f.write_str(" one-to-one sizes"),
                    ProjectionKey::PresynapticIndex => f.write_str(" presynaptic index"),
                    ProjectionKey::PostsynapticIndex => f.write_str(" postsynaptic index"),
                    ProjectionKey::UniformWeight => f.write_str(" uniform weight upper bound"),
                    ProjectionKey::Weights => f.write_str(" weights"),
                    ProjectionKey::WeightsNeedList => {
                        f.write_str(" per-synapse weights need a list connectivity")
                    }
                    ProjectionKey::Delay => f.write_str(" delay"),
                    ProjectionKey::Delays => f.write_str(" delays"),
                    ProjectionKey::DelaysNeedList => {
                        f.write_str(": per-synapse delays need a list connectivity")
                    }
                    ProjectionKey::Kinetic(param) => write!(f, " kinetic {param}"),
                }
            }
            Self::Recording {
                population,
                variable,
                key: RecordingKey::Neurons,
            } => write!(f, "recording of '{variable}' in '{population}'"),
            Self::Recording { .. } => f.write_str("recording interval"),
        }
    }
}

/// ` at column N` (1-based, in characters) for a byte offset into `text`.
fn at_column(text: &str, position: &Option<usize>) -> String {
    match position {
        Some(p) => {
            let p = (*p).min(text.len());
            let col = text.char_indices().take_while(|(i, _)| *i < p).count() + 1;
            format!(" at column {col}")
        }
        None => String::new(),
    }
}

/// `" (did you mean 'X'?)"` for a suggestion `X`, or nothing: the hint of every "unknown …"
/// message of the library, the model files and the command line.
pub fn did_you_mean(s: &Option<String>) -> String {
    match s {
        Some(s) => format!(" (did you mean '{s}'?)"),
        None => String::new(),
    }
}

/// [`did_you_mean`] for the candidate closest to `name` ([`suggest`]).
pub fn hint<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    did_you_mean(&suggest(name, candidates))
}

/// The candidate closest to `name` by edit distance, if it is close enough to be a likely typo.
pub fn suggest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let lower = name.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|c| (levenshtein(&lower, &c.to_ascii_lowercase()), c))
        .filter(|(d, c)| *d <= (c.len().max(name.len()) / 3).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c.to_string())
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestion_finds_typos_and_rejects_strangers() {
        let names = ["hp", "vteam", "yakopcic", "hh-na", "hh-k"];
        assert_eq!(suggest("vtaem", names), Some("vteam".into()));
        assert_eq!(suggest("yakopik", names), Some("yakopcic".into()));
        assert_eq!(suggest("completely-different", names), None);
    }

    #[test]
    fn messages_name_the_value() {
        let e = ModelError::UnknownElement {
            name: "vtaem".into(),
            suggestion: Some("vteam".into()),
        };
        assert_eq!(
            e.to_string(),
            "unknown element 'vtaem' (did you mean 'vteam'?)"
        );
    }

    #[test]
    fn network_subjects_render_the_words_of_the_messages() {
        let e = NetError::bad_parameter(
            Subject::projection("e->i", ProjectionKey::Kinetic("alpha")),
            -1.0,
            "finite and > 0",
        );
        assert_eq!(
            e.to_string(),
            "projection 'e->i' kinetic alpha = -1 is invalid: expected finite and > 0"
        );
        let e = NetError::SizeMismatch {
            subject: Subject::projection("p", ProjectionKey::DelaysNeedList),
            expected: 0,
            got: 3,
        };
        assert_eq!(
            e.to_string(),
            "projection 'p': per-synapse delays need a list connectivity: expected 0, got 3"
        );
        let receptor = |key| Subject::Receptor {
            population: "exc".into(),
            index: 1,
            name: "ampa".into(),
            key,
        };
        assert_eq!(
            receptor(ReceptorKey::ERev).to_string(),
            "receptor 'ampa' e_rev"
        );
        assert_eq!(
            receptor(ReceptorKey::Name).to_string(),
            "population 'exc' receptor name 'ampa' (duplicate)"
        );
        let initial = Subject::population("exc", PopulationKey::Initial("v".into()));
        assert_eq!(initial.to_string(), "population 'exc' initial v");
        let recording = Subject::Recording {
            population: "exc".into(),
            variable: "v".into(),
            key: RecordingKey::Neurons,
        };
        assert_eq!(recording.to_string(), "recording of 'v' in 'exc'");
    }
}
