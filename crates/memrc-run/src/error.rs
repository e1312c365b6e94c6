//! The errors of a run: one type, [`RunError`], whose `Display` is the one line the command line
//! prints and the message a Python exception carries.

use std::path::PathBuf;

use thiserror::Error;

/// Why a run (or its check, or writing its outputs) failed.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum RunError {
    /// The model file: `file:line:col: message`.
    #[error(transparent)]
    Load(#[from] memrc_io::LoadError),
    /// A setting or override is invalid (`--t-end 200: give a unit, e.g. 200ms`); the message
    /// names the option and the value.
    #[error("{0}")]
    Setting(String),
    /// The run would need more memory than the limit.
    #[error(
        "the run would need about {needed} (traces {traces}, solver {solver}), more than the limit of {limit}: use a larger --dt or a shorter --t-end"
    )]
    TooLarge {
        /// Estimated total, in words (`1.2 GiB`).
        needed: String,
        /// Estimated traces.
        traces: String,
        /// Estimated solver and network state.
        solver: String,
        /// The limit.
        limit: String,
    },
    /// The solver or the network engine failed (`what`: "solving the circuit", …).
    // The cause is in the message, not an error `source`: printers that follow sources (anyhow's
    // `{:#}`) would repeat it.
    #[error("{what}: {cause}")]
    Simulation {
        /// What was being done.
        what: &'static str,
        /// The cause.
        cause: Box<memrc::Error>,
    },
    /// Building or running the spiking network failed.
    #[error("{what}: {message}")]
    Network {
        /// What was being done.
        what: &'static str,
        /// The engine's message.
        message: String,
    },
    /// A state left its physical range during a run (issue #14 §3): the message names the
    /// variable, its value, the time and the range.
    #[error("{what}: {message}")]
    OutOfRange {
        /// What was being done.
        what: &'static str,
        /// The variable, its value, the time and the range.
        message: String,
    },
    /// An adaptive circuit run spent its whole-run step budget (`max_steps` of `[simulation]`)
    /// before its end.
    #[error(
        "solving the circuit: the step budget of {budget} steps (accepted + rejected) is spent at t = {reached} of {t_end}: raise 'max_steps' in [simulation] (e.g. --set simulation.max_steps={}), loosen rtol/atol, or make the model less stiff (smaller drives or conductances, a shorter t_end)",
        budget.saturating_mul(10)
    )]
    StepBudget {
        /// The budget \[steps\].
        budget: usize,
        /// The time reached, as text.
        reached: String,
        /// The end time of the run, as text.
        t_end: String,
    },
    /// The run was stopped (Ctrl-C, SIGTERM, KeyboardInterrupt); nothing was written.
    #[error("interrupted")]
    Interrupted,
    /// An error of a distributed run that every rank returns (the ranks agreed on it through
    /// a collective): the one of the lowest rank that had one.
    #[error("{}{message}", if *rank > 0 { format!("rank {rank}: ") } else { String::new() })]
    Distributed {
        /// The rank it happened on.
        rank: usize,
        /// What happened there.
        message: String,
    },
    /// Reading or writing a file.
    #[error("{what} {}: {cause}", .path.display())]
    Io {
        /// What was being done ("writing", "creating", …).
        what: &'static str,
        /// The path.
        path: PathBuf,
        /// The cause.
        cause: std::io::Error,
    },
    /// The output directory cannot be used (`--out /`, a file in the way, a directory that is not
    /// a memrc output directory).
    #[error("{0}")]
    Output(String),
}

impl RunError {
    /// A [`RunError::Setting`].
    pub fn setting(message: impl Into<String>) -> Self {
        Self::Setting(message.into())
    }

    /// A [`RunError::Simulation`].
    pub fn simulation(what: &'static str, source: impl Into<memrc::Error>) -> Self {
        Self::Simulation {
            what,
            cause: Box::new(source.into()),
        }
    }

    /// A [`RunError::Io`].
    pub fn io(what: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            what,
            path: path.into(),
            cause: source,
        }
    }

    /// The location of a model-file error (`file`, `line`, `column`), if the error has one.
    pub fn location(&self) -> Option<(&str, usize, usize)> {
        match self {
            Self::Load(e) => Some((e.file.as_str(), e.line, e.column)),
            _ => None,
        }
    }
}

/// Result of the run pipeline.
pub type Result<T, E = RunError> = std::result::Result<T, E>;

/// `x` printed briefly: one helper for every message, [`memrc::error::brief`].
pub use memrc::error::brief;

#[cfg(test)]
mod tests {
    use super::brief;

    #[test]
    fn brief_numbers() {
        assert_eq!(brief(0.3 * 1e-3), "3e-4");
        assert_eq!(brief(0.1 + 0.2), "0.3");
        assert_eq!(brief(200e-3), "0.2");
        assert_eq!(brief(1.5e7), "1.5e7");
        assert_eq!(brief(-2.5e-5), "-2.5e-5");
        assert_eq!(brief(0.0), "0");
        assert_eq!(brief(f64::NAN), "NaN");
        assert_eq!(brief(123456.0), "123456");
    }
}
