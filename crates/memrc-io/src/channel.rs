//! User-defined channels (`[[channel]]`): the adapter between the file's sections and the
//! core's expression channels.

use memrc::Element;

/// A gate as read from the file.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum GateKinetics {
    /// `alpha`, `beta` [1/ms] expressions.
    AlphaBeta { alpha: String, beta: String },
    /// `tau` [ms], `inf` expressions.
    TauInf { tau: String, inf: String },
}

/// A user-defined channel, units converted (gbar in SI, per area or absolute; e_rev in V).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ChannelSpec {
    pub name: String,
    pub gbar: f64,
    pub e_rev: f64,
    pub conductance: String,
    pub gates: Vec<(String, GateKinetics)>,
}

/// Why a channel could not be built.
#[derive(Debug, Clone, PartialEq)]
#[allow(dead_code)] // `Expression` is produced once the expression channels are wired in.
pub(crate) enum ChannelError {
    /// An expression does not parse or uses unknown names: `context` names the key
    /// (`conductance`, `gates.n.alpha`), `position` is a byte offset inside the expression.
    Expression {
        context: String,
        position: Option<usize>,
        message: String,
    },
    /// Anything else.
    Other(String),
}

/// Builds the element for `spec`.
pub(crate) fn build_channel(spec: &ChannelSpec) -> Result<Box<dyn Element>, ChannelError> {
    let _ = spec;
    Err(ChannelError::Other(
        "user-defined channels need the expression channels of the core library (branch dev-expr), which this build does not have yet".into(),
    ))
}
