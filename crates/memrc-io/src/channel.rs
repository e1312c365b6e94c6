//! User-defined channels (`[[channel]]`): the adapter between the file's sections and the
//! core's expression channels.

use memrc::element::expr::{ExprChannel, ExprChannelSpec, ExprGateSpec, ExprKinetics};
use memrc::{Element, ModelError};

/// A gate as read from the file.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum GateKinetics {
    /// `alpha`, `beta` \[1/ms\] expressions.
    AlphaBeta { alpha: String, beta: String },
    /// `tau` \[ms\], `inf` expressions.
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

impl ChannelSpec {
    /// The core's description of the channel (same `gbar` and `e_rev`).
    pub(crate) fn to_core(&self) -> ExprChannelSpec {
        ExprChannelSpec {
            name: self.name.clone(),
            gbar: self.gbar,
            e_rev: self.e_rev,
            conductance: self.conductance.clone(),
            gates: self
                .gates
                .iter()
                .map(|(name, k)| ExprGateSpec {
                    name: name.clone(),
                    kinetics: match k {
                        GateKinetics::AlphaBeta { alpha, beta } => ExprKinetics::AlphaBeta {
                            alpha: alpha.clone(),
                            beta: beta.clone(),
                        },
                        GateKinetics::TauInf { tau, inf } => ExprKinetics::TauInf {
                            tau: tau.clone(),
                            inf: inf.clone(),
                        },
                    },
                })
                .collect(),
        }
    }
}

/// Why a channel could not be built.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ChannelError {
    /// An expression does not parse or uses unknown names: `context` names the key
    /// (`conductance`, `gates.n.alpha`), `position` is a byte offset inside the expression.
    Expression {
        context: String,
        position: Option<usize>,
        message: String,
    },
    /// `gbar` or `e_rev` is out of range.
    Param { param: String, message: String },
    /// Anything else (e.g. a gate name that is not an identifier).
    Other(String),
}

/// Builds the element for `spec` ([`memrc::element::expr::ExprChannel`]).
pub(crate) fn build_channel(spec: &ChannelSpec) -> Result<Box<dyn Element>, ChannelError> {
    let core = spec.to_core();
    match ExprChannel::new(&core) {
        Ok(c) => Ok(Box::new(c)),
        Err(ModelError::BadExpression {
            context,
            position,
            reason,
            ..
        }) => Err(ChannelError::Expression {
            context: key_of_context(&context),
            position,
            message: reason,
        }),
        Err(e @ (ModelError::ParamOutOfRange { .. } | ModelError::NonFinite { .. })) => {
            let param = match &e {
                ModelError::ParamOutOfRange { param, .. } | ModelError::NonFinite { param, .. } => {
                    param.clone()
                }
                _ => String::new(),
            };
            Err(ChannelError::Param {
                param,
                message: e.to_string(),
            })
        }
        Err(e) => Err(ChannelError::Other(e.to_string())),
    }
}

/// The file key of a core expression context: `channel 'c' conductance` → `conductance`,
/// `channel 'c' gate 'n' alpha` → `gates.n.alpha`.
fn key_of_context(context: &str) -> String {
    if context.ends_with(" conductance") {
        return "conductance".into();
    }
    if let Some(i) = context.rfind(" gate '") {
        let rest = &context[i + 7..];
        if let Some(j) = rest.rfind("' ") {
            return format!("gates.{}.{}", &rest[..j], &rest[j + 2..]);
        }
    }
    context.to_string()
}
