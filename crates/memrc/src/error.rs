//! Typed errors of the library.
//!
//! One top-level [`Error`](enum@Error) with `#[from]` conversions from the error enum of each layer:
//! [`ModelError`] (element catalogue and parameters), [`TrajectoryError`] (time grids and signals)
//! and [`SolverError`] (numerical failures). Every variant carries the data a user needs to find
//! the cause: the element and parameter name, the offending value, the accepted range.

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
    Net(#[from] crate::net::NetError),
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
    #[error("parameter '{param}' of element '{element}' must be finite, got {value}")]
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
        "parameter '{param}' of element '{element}' = {value} {unit} is out of range: expected {range}"
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
    #[error("time step must be positive and finite, got {dt}")]
    BadStep {
        /// The step given \[s\].
        dt: f64,
    },
    /// A start time is not finite.
    #[error("start time must be finite, got {t0}")]
    BadStart {
        /// The start time given \[s\].
        t0: f64,
    },
    /// Sample times do not increase.
    #[error("time grid is not increasing at index {index}: t[{index}] = {t}, previous {previous}")]
    NotIncreasing {
        /// Index of the offending sample.
        index: usize,
        /// Its time \[s\].
        t: f64,
        /// The time before it \[s\].
        previous: f64,
    },
    /// Sample times are not equally spaced.
    #[error("time grid is not uniform at index {index}: step {step} differs from {dt}")]
    NotUniform {
        /// Index of the offending sample.
        index: usize,
        /// The step found there \[s\].
        step: f64,
        /// The first step \[s\].
        dt: f64,
    },
    /// A sample value is NaN or infinite.
    #[error("{what} has a non-finite value {value} at sample {index}")]
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
    #[error("time {t} is outside the grid [{t0}, {t1}]")]
    OutOfRange {
        /// The time asked for \[s\].
        t: f64,
        /// Grid start \[s\].
        t0: f64,
        /// Grid end \[s\].
        t1: f64,
    },
    /// A window is empty or reversed.
    #[error("window [{start}, {end}] is empty or not finite")]
    BadWindow {
        /// Window start \[s\].
        start: f64,
        /// Window end \[s\].
        end: f64,
    },
}

/// Numerical failures.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum SolverError {
    /// A computed value became NaN or infinite.
    #[error("non-finite value in {variable} at t = {t} s")]
    NonFinite {
        /// Name of the variable (state, voltage, conductance).
        variable: String,
        /// Time at which it was found \[s\].
        t: f64,
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
    #[error("{what} is singular or not positive definite at t = {t} s")]
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
    #[error("invalid solver setting {name} = {value}: {reason}")]
    BadSetting {
        /// Setting name.
        name: String,
        /// Value given.
        value: f64,
        /// What is expected.
        reason: String,
    },
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

fn did_you_mean(s: &Option<String>) -> String {
    match s {
        Some(s) => format!(" (did you mean '{s}'?)"),
        None => String::new(),
    }
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
}
