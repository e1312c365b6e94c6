//! User-defined channels (`[[channel]]`): the adapter between the file's sections and the
//! core's expression channels, and what their expressions see besides `v` and the gates:
//! named parameters (`[parameters]`, a channel's `params`) and the temperature (`celsius` of
//! `[simulation]` or `[network]`, the q10 factors of gates).

use std::collections::BTreeMap;

use memrc::element::expr::{
    DEFAULT_CELSIUS, ExprChannel, ExprChannelSpec, ExprContext, ExprGateSpec, ExprKinetics, Q10,
};
use memrc::{Element, ModelError};

use crate::error::LoadError;
use crate::load::Ctx;
use crate::schema::{GateSection, ModelFile, Q, RawQuantity};
use crate::units::Dimension;

/// A gate as read from the file.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum GateKinetics {
    /// `alpha`, `beta` \[1/ms\] expressions.
    AlphaBeta { alpha: String, beta: String },
    /// `tau` \[ms\], `inf` expressions.
    TauInf { tau: String, inf: String },
    /// `inf` alone: an instantaneous gate (no state).
    Instantaneous { inf: String },
}

/// A user-defined channel, units converted (gbar in SI, per area or absolute; e_rev in V),
/// with its gates (name, kinetics, temperature factor) and the context of its expressions.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ChannelSpec {
    pub name: String,
    pub gbar: f64,
    pub e_rev: f64,
    pub conductance: String,
    pub gates: Vec<(String, GateKinetics, Option<Q10>)>,
    pub context: ExprContext,
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
                .map(|(name, k, q10)| ExprGateSpec {
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
                        GateKinetics::Instantaneous { inf } => {
                            ExprKinetics::Instantaneous { inf: inf.clone() }
                        }
                    },
                    q10: *q10,
                })
                .collect(),
        }
    }

    /// The core channel with maximal conductance `gbar` (instead of the spec's), compiled in
    /// the spec's context.
    pub(crate) fn compile_with_gbar(&self, gbar: f64) -> Result<ExprChannel, ModelError> {
        let core = ExprChannelSpec {
            gbar,
            ..self.to_core()
        };
        ExprChannel::with_context(&core, &self.context)
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
    Ok(Box::new(compile(spec)?))
}

/// Compiles `spec` and checks its expressions' ranges ([`check_ranges`]) for a `gbar` of
/// dimension `conductance`.
pub(crate) fn compile_checked(
    spec: &ChannelSpec,
    conductance: Dimension,
) -> Result<(), ChannelError> {
    check_ranges(spec, &compile(spec)?, conductance)
}

/// Compiles `spec`, its errors as [`ChannelError`]s.
fn compile(spec: &ChannelSpec) -> Result<ExprChannel, ChannelError> {
    match spec.compile_with_gbar(spec.gbar) {
        Ok(c) => Ok(c),
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

/// Points per gate of the box grid of [`check_ranges`], by gate count: 5 (0, ¼, ½, ¾, 1) up to
/// 5 gates, 3 up to 7, the corners beyond; at most [`BOX_POINTS`] points.
fn box_levels(gates: usize) -> usize {
    match gates {
        0..=5 => 5,
        6..=7 => 3,
        _ => 2,
    }
}

/// Most gate points of [`check_ranges`]' box grid.
const BOX_POINTS: usize = 4096;

/// Fastest plausible relaxation rate of a gate, `α + β` or `1/τ` \[1/s\]: 10⁷/s, a 0.1 µs time
/// constant, 350 times faster than the fastest gate of the Hodgkin–Huxley axon within ±100 mV
/// (sodium activation, `α_m + β_m ≈ 28/ms` at −100 mV and 6.3 °C; Hodgkin & Huxley 1952) and
/// still 12 times faster at 37 °C with a q10 of 3. Faster gates are instantaneous for the
/// membrane and only make the equations stiff (rates of 10³⁰/ms made a network's `v`
/// non-finite).
const MAX_GATE_RATE: f64 = 1e7;

/// The voltages \[mV\] over which [`MAX_GATE_RATE`] applies: ±100 mV, the physiological range
/// (rates fitted to it grow exponentially beyond, e.g. the HH sodium β_m reaches 10¹¹/ms at
/// −500 mV).
const PHYSIOLOGICAL_MV: f64 = 100.0;

/// Membrane voltages of [`check_ranges`] \[mV\]: ±[`crate::units::MEMBRANE_VOLTAGE`] in 5 mV
/// steps (201 points, 0 mV and the usual removable singularities such as −40 mV among them).
fn membrane_grid_mv() -> impl Iterator<Item = f64> {
    let half = (crate::units::MEMBRANE_VOLTAGE * 1e3 / 5.0).round() as i32;
    (-half..=half).map(|k| f64::from(k) * 5.0)
}

/// Checks the physical ranges of a channel's expressions at load (issue #14 §3), where
/// `channel` is `spec` compiled and `conductance` the dimension of its `gbar` (a conductance or
/// a conductance density), by evaluating them on a grid of the states' physical box: every
/// gate with kinetics at the levels of [`box_levels`] in `[0, 1]`, the membrane voltage on
/// [`membrane_grid_mv`] (±0.5 V, [`crate::units::MEMBRANE_VOLTAGE`]).
///
/// - The gates: `ẋ = a(v) − b(v) x` keeps `[0, 1]` invariant iff `0 ≤ a ≤ b` (at `x = 0`
///   `ẋ = a ≥ 0`, at `x = 1` `ẋ = a − b ≤ 0`; Hodgkin & Huxley 1952 eq. 7): `α ≥ 0` and `β ≥ 0`,
///   finite, at every voltage of the grid; in the τ/x∞ form `τ > 0` (or infinite) and `x∞ ≥ 0`.
///   `x∞ > 1` is not refused: NeuroML's `HHExpVariable` and `HHExpLinearVariable` steady states
///   are unbounded by definition and imported models use them where the voltage keeps them
///   below 1 (a network run's gate check catches a gate that does leave `[0, 1]`). A violation
///   names `gates.<g>.alpha`, `beta`, `tau` or `inf`. Within ±100 mV ([`PHYSIOLOGICAL_MV`])
///   the relaxation rate `b = α + β = 1/τ` is at most [`MAX_GATE_RATE`] (10⁷/s).
/// - The conductance `g = ḡ · c(x, v)` \[S/m² or S\]: finite, `≥ 0` (an open probability times
///   a single-channel conductance), and within the plausible range of its dimension
///   ([`crate::units::PLAUSIBLE`], 10 S/cm² for a density) at every grid point. A violation
///   names `conductance`.
///
/// The grid is a sampling, not a bound: an expression that misbehaves only between its points
/// passes; the run's range checks catch what it does then. Cost: at most [`BOX_POINTS`] × 201
/// conductance evaluations.
pub(crate) fn check_ranges(
    spec: &ChannelSpec,
    channel: &ExprChannel,
    conductance: Dimension,
) -> Result<(), ChannelError> {
    let range_error = |context: String, message: String| ChannelError::Expression {
        context,
        position: None,
        message,
    };
    let ns = channel.n_states();
    let mut a = vec![0.0; ns];
    let mut b = vec![0.0; ns];
    // Gate j's file key: the j-th gate with kinetics of the spec.
    let kinetic: Vec<&(String, GateKinetics, Option<Q10>)> = spec
        .gates
        .iter()
        .filter(|g| !matches!(g.1, GateKinetics::Instantaneous { .. }))
        .collect();
    let at = |v_mv: f64| format!("v = {} mV", memrc::error::brief(v_mv));
    for v_mv in membrane_grid_mv() {
        // The port voltage is the membrane voltage less the battery (`Element::battery`).
        let w = v_mv * 1e-3 - spec.e_rev;
        if !channel.linear_coefficients(&[w], &mut a, &mut b) {
            break;
        }
        for (j, (&aj, &bj)) in a.iter().zip(&b).enumerate() {
            let Some((gate, kinetics, _)) = kinetic.get(j) else {
                continue;
            };
            let tiny = 1e-12 * bj.abs();
            let upper = match kinetics {
                GateKinetics::AlphaBeta { .. } => bj + tiny,
                _ => f64::INFINITY,
            };
            if aj.is_finite() && bj.is_finite() && aj >= -tiny && bj >= 0.0 && aj <= upper {
                if v_mv.abs() <= PHYSIOLOGICAL_MV && bj > MAX_GATE_RATE {
                    let (key, what) = match kinetics {
                        GateKinetics::AlphaBeta { .. } if aj >= bj - aj => ("alpha", aj),
                        GateKinetics::AlphaBeta { .. } => ("beta", bj - aj),
                        _ => ("tau", bj),
                    };
                    let shown = if key == "tau" {
                        format!("tau = {} ms", memrc::error::brief(1e3 / what))
                    } else {
                        format!("{key} = {} 1/ms", memrc::error::brief(what * 1e-3))
                    };
                    return Err(range_error(
                        format!("gates.{gate}.{key}"),
                        format!(
                            "{shown} at {}: gate '{gate}' relaxes at {} 1/ms, faster than the plausible {} 1/ms (a 0.1 µs time constant; alpha + beta or 1/tau, temperature factor included, within ±{} mV)",
                            at(v_mv),
                            memrc::error::brief(bj * 1e-3),
                            memrc::error::brief(MAX_GATE_RATE * 1e-3),
                            memrc::error::brief(PHYSIOLOGICAL_MV)
                        ),
                    ));
                }
                continue;
            }
            let (key, what) = match kinetics {
                GateKinetics::AlphaBeta { .. } if aj.is_nan() || aj < -tiny => (
                    "alpha",
                    format!("alpha = {} 1/ms", memrc::error::brief(aj * 1e-3)),
                ),
                GateKinetics::AlphaBeta { .. } => (
                    "beta",
                    format!("beta = {} 1/ms", memrc::error::brief((bj - aj) * 1e-3)),
                ),
                GateKinetics::TauInf { .. } if bj.is_nan() || bj < 0.0 => {
                    ("tau", format!("tau = {} ms", memrc::error::brief(1e3 / bj)))
                }
                _ => ("inf", format!("inf = {}", memrc::error::brief(aj / bj))),
            };
            return Err(range_error(
                format!("gates.{gate}.{key}"),
                format!(
                    "{what} at {}: gate '{gate}' would leave [0, 1] (its rates must be finite with alpha, beta ≥ 0, or tau > 0 and inf ≥ 0, at every membrane voltage within ±{} mV)",
                    at(v_mv),
                    memrc::error::brief(crate::units::MEMBRANE_VOLTAGE * 1e3)
                ),
            ));
        }
    }
    // The conductance over the box (× the voltages when it depends on v).
    let levels = box_levels(ns);
    let points = levels
        .checked_pow(u32::try_from(ns).unwrap_or(u32::MAX))
        .map_or(BOX_POINTS, |p| p.min(BOX_POINTS));
    let voltages: Vec<f64> = if channel.is_voltage_dependent() {
        membrane_grid_mv().collect()
    } else {
        vec![0.0]
    };
    let mut x = vec![0.0; ns];
    let mut g = [0.0];
    // The first NaN, else the smallest and the largest value, with their points.
    let mut worst: Option<(f64, Vec<f64>, f64)> = None;
    let mut lowest: Option<(f64, Vec<f64>, f64)> = None;
    for p in 0..points {
        let mut rest = p;
        for xj in &mut x {
            *xj = (rest % levels) as f64 / (levels - 1) as f64;
            rest /= levels;
        }
        for &v_mv in &voltages {
            channel.conductance(&x, &[v_mv * 1e-3 - spec.e_rev], &mut g);
            let value = g[0];
            if value.is_nan() || worst.as_ref().is_none_or(|w| value.abs() > w.0.abs()) {
                worst = Some((value, x.clone(), v_mv));
            }
            if lowest.as_ref().is_none_or(|l| value < l.0) {
                lowest = Some((value, x.clone(), v_mv));
            }
            if value.is_nan() {
                break;
            }
        }
        if worst.as_ref().is_some_and(|w| w.0.is_nan()) {
            break;
        }
    }
    let point = |x: &[f64], v_mv: f64| {
        let mut parts: Vec<String> = channel
            .gate_names()
            .iter()
            .zip(x)
            .map(|(n, x)| format!("{n} = {}", memrc::error::brief(*x)))
            .collect();
        if channel.is_voltage_dependent() {
            parts.push(at(v_mv));
        }
        if parts.is_empty() {
            String::new()
        } else {
            format!(" at {}", parts.join(", "))
        }
    };
    let unit = conductance.unit_text();
    let shown = |value: f64| {
        format!(
            "g = gbar·conductance = {} {unit}",
            memrc::error::brief(value)
        )
    };
    if let Some((value, x, v_mv)) = &worst
        && value.is_nan()
    {
        return Err(range_error(
            "conductance".into(),
            format!("{}{} is not a number", shown(*value), point(x, *v_mv)),
        ));
    }
    if let Some((value, x, v_mv)) = &worst
        && let Err(m) = crate::units::check_plausible(*value, conductance)
    {
        return Err(range_error(
            "conductance".into(),
            format!("{}{} {m}", shown(*value), point(x, *v_mv)),
        ));
    }
    if let Some((value, x, v_mv)) = &lowest
        && *value < 0.0
    {
        return Err(range_error(
            "conductance".into(),
            format!(
                "{}{} is negative: a channel's conductance (an open probability times its single-channel conductance) is ≥ 0",
                shown(*value),
                point(x, *v_mv)
            ),
        ));
    }
    Ok(())
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

/// Names an expression parameter may not take (they mean something else in expressions).
const RESERVED: &[&str] = &["v", "celsius"];

/// The units parameters are converted to (the expression convention): dimension, factor from
/// SI, unit name.
const PARAMETER_UNITS: &[(Dimension, f64, &str)] = &[
    (Dimension::NONE, 1.0, "1"),
    (Dimension::VOLTAGE, 1e3, "mV"),
    (Dimension::TIME, 1e3, "ms"),
    (Dimension::FREQUENCY, 1e-3, "1/ms"),
    (Dimension::CONCENTRATION, 1.0, "mM"),
];

impl Ctx<'_> {
    /// The temperature of the channel expressions \[°C\]: `celsius` of `[simulation]` (circuit
    /// files) or `[network]` (network files), [`DEFAULT_CELSIUS`] when not given.
    pub(crate) fn celsius(&self, file: &ModelFile) -> Result<f64, LoadError> {
        let q = file
            .simulation
            .as_ref()
            .and_then(|s| s.celsius.as_ref())
            .or_else(|| file.network.as_ref().and_then(|n| n.celsius.as_ref()));
        match q {
            Some(q) => self.temperature(q, "celsius"),
            None => Ok(DEFAULT_CELSIUS),
        }
    }

    /// A temperature in °C: a bare number (°C), `"<number> degC"`, `"<number> °C"` or
    /// `"<number> K"` (kelvin, `T − 273.15`); finite and above absolute zero.
    pub(crate) fn temperature(&self, q: &Q, key: &str) -> Result<f64, LoadError> {
        let bad = |why: String| self.err_q(q, key, format!("'{key}': {why}"));
        let t = match q.get_ref() {
            RawQuantity::Number(x) => *x,
            RawQuantity::Text(text) => {
                let s = text.trim();
                let (number, kelvin) = if let Some(n) = s.strip_suffix("degC") {
                    (n, false)
                } else if let Some(n) = s.strip_suffix("°C") {
                    (n, false)
                } else if let Some(n) = s.strip_suffix('K') {
                    (n, true)
                } else {
                    (s, false)
                };
                let x: f64 = number.trim().parse().map_err(|_| {
                    bad(format!(
                        "expected a temperature such as \"6.3 degC\" or \"279.45 K\" (or a number in degC), got '{text}'"
                    ))
                })?;
                if kelvin { x - 273.15 } else { x }
            }
        };
        if !t.is_finite() || t < -273.15 {
            return Err(bad(format!(
                "temperature {t} degC is not a finite temperature above absolute zero"
            )));
        }
        Ok(t)
    }

    /// The named parameters of the expressions of a channel: `[parameters]` of the file, then
    /// the channel's `params` (which take precedence), converted to the expression units
    /// ([`PARAMETER_UNITS`]; a bare number is used as it is).
    pub(crate) fn expression_parameters(
        &self,
        file: &BTreeMap<String, Q>,
        channel: &BTreeMap<String, Q>,
    ) -> Result<Vec<(String, f64)>, LoadError> {
        let mut out: Vec<(String, f64)> = Vec::with_capacity(file.len() + channel.len());
        for (table, prefix) in [(file, "parameters"), (channel, "params")] {
            for (name, q) in table {
                let key = format!("{prefix}.{name}");
                let value = self.expression_parameter(name, q, &key)?;
                match out.iter_mut().find(|(n, _)| n == name) {
                    Some(slot) => slot.1 = value,
                    None => out.push((name.clone(), value)),
                }
            }
        }
        Ok(out)
    }

    fn expression_parameter(&self, name: &str, q: &Q, key: &str) -> Result<f64, LoadError> {
        let identifier = {
            let mut c = name.chars();
            matches!(c.next(), Some(f) if f.is_ascii_alphabetic() || f == '_')
                && c.all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
        };
        if !identifier {
            return Err(self.err_q(
                q,
                key,
                format!("'{key}': a parameter name is an identifier (letters, digits, '_')"),
            ));
        }
        if RESERVED.contains(&name) {
            return Err(self.err_q(
                q,
                key,
                format!(
                    "'{key}': '{name}' is reserved in expressions ('v' is the membrane voltage, 'celsius' the temperature set by 'celsius' in [simulation] or [network])"
                ),
            ));
        }
        if memrc::element::expr::function_names().any(|f| f == name) {
            return Err(self.err_q(
                q,
                key,
                format!("'{key}': '{name}' is the name of a function of the expressions"),
            ));
        }
        let p = self.parse(q, key)?;
        let Some(dim) = p.dim else {
            return Ok(p.value);
        };
        match PARAMETER_UNITS.iter().find(|(d, _, _)| *d == dim) {
            Some(&(_, factor, _)) => Ok(p.value * factor),
            None => Err(self.err_q(
                q,
                key,
                format!(
                    "'{key}': expression parameters are voltages (mV), times (ms), rates (1/ms), concentrations (mM) or dimensionless numbers; got '{}' ({})",
                    p.unit,
                    dim.describe()
                ),
            )),
        }
    }

    /// The temperature factor of gate `gate` of channel `channel`: `q10` with
    /// `q10_temperature`, or `q10_fixed`, or none; none for an `instantaneous` gate (which
    /// has no rates to scale: a factor there is an error).
    pub(crate) fn gate_q10(
        &self,
        s: &GateSection,
        gate: &str,
        channel: &str,
        instantaneous: bool,
    ) -> Result<Option<Q10>, LoadError> {
        let key = |k: &str| format!("gates.{gate}.{k}");
        if instantaneous {
            if let Some((q, k)) = [
                (&s.q10, "q10"),
                (&s.q10_temperature, "q10_temperature"),
                (&s.q10_fixed, "q10_fixed"),
            ]
            .into_iter()
            .find_map(|(q, k)| q.as_ref().map(|q| (q, k)))
            {
                return Err(self.err_q(
                    q,
                    &key(k),
                    format!(
                        "gate '{gate}' of channel '{channel}' is instantaneous (inf alone): '{k}' scales rates and does not apply"
                    ),
                ));
            }
            return Ok(None);
        }
        let factor = |q: &Q, k: &str| -> Result<f64, LoadError> {
            let x = self.qty(q, &key(k), Dimension::NONE)?;
            if x.is_finite() && x > 0.0 {
                Ok(x)
            } else {
                Err(self.err_q(
                    q,
                    &key(k),
                    format!("'{k}' of gate '{gate}' of channel '{channel}' must be > 0, got {x}"),
                ))
            }
        };
        match (&s.q10, &s.q10_temperature, &s.q10_fixed) {
            (None, None, None) => Ok(None),
            (Some(q), Some(t), None) => Ok(Some(Q10::Temperature {
                q10: factor(q, "q10")?,
                reference: self.temperature(t, &key("q10_temperature"))?,
            })),
            (None, None, Some(f)) => Ok(Some(Q10::Fixed(factor(f, "q10_fixed")?))),
            (Some(q), None, None) => Err(self.err_q(
                q,
                &key("q10"),
                format!(
                    "gate '{gate}' of channel '{channel}': 'q10' needs 'q10_temperature', the temperature at which the rates hold (e.g. \"6.3 degC\")"
                ),
            )),
            (None, Some(t), None) => Err(self.err_q(
                t,
                &key("q10_temperature"),
                format!("gate '{gate}' of channel '{channel}': 'q10_temperature' needs 'q10'"),
            )),
            (_, _, Some(f)) => Err(self.err_q(
                f,
                &key("q10_fixed"),
                format!(
                    "gate '{gate}' of channel '{channel}': give either 'q10' with 'q10_temperature', or 'q10_fixed'"
                ),
            )),
        }
    }
}
