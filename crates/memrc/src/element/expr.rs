//! User-defined ion channels from rate expressions (the `[[channel]]` section of model files).
//!
//! An [`ExprChannelSpec`] describes a gated channel like the built-in ones
//! ([`crate::element::channel`]), with the rate functions and the conductance written as text:
//!
//! ```text
//!   g = ḡ · c(x₁, …, x_k),        i = g (v_m − E)
//!   ẋ_j = φ_j (α_j(v)(1 − x_j) − β_j(v) x_j)      (α/β form)
//!   τ_j(v) ẋ_j = φ_j (x∞_j(v) − x_j)               (τ/x∞ form)
//!   x_k = x∞_k(v)                                 (instantaneous gate: no state)
//! ```
//!
//! [`ExprChannel::new`] parses and compiles it into an [`Element`] with one port, battery
//! `E = e_rev`, one state per gate with kinetics (named after the gate, in the given order) and
//! [`StateForm::Linear`]. Like every channel it takes `w = v_m − E` and evaluates the gates at
//! `v_m = w + E`.
//!
//! # Instantaneous gates and `v` in the conductance: the memoryless resistor
//!
//! A gate given only by its steady state ([`ExprKinetics::Instantaneous`], e.g. Morris–Lecar's
//! `m∞(v) = ½(1 + tanh((v − V1)/V2))`, Morris and Lecar 1981) is not a state: it is the
//! function `x∞(v)` itself, evaluated (removable singularities by their limit, as for rates)
//! and passed to the conductance expression in the gate's place, which may also use
//! `v` directly (the NMDA magnesium block `1/(1 + [Mg]/3.57 · e^{−0.062 v})`, Jahr and Stevens
//! 1990). The channel's conductance is then `g(x, v) = ḡ c(x, v)`: where it has no gate with
//! kinetics, `g` depends on the voltage only — the memoryless resistor of the paper's Theorem 1
//! (`i = g(v) v`, no state), here with a battery in series — and otherwise a memristive element
//! whose conductance depends on its state and on its voltage. Every solver evaluates it at the
//! voltage of the moment (no fast-gate approximation), and the Jacobian carries
//! `∂g/∂v = ḡ ∂c/∂v` \[S/V\].
//!
//! # Temperature
//!
//! A gate may carry a temperature factor ([`Q10`]): `φ = q10^{(T − T₀)/10}` (NEURON's
//! `q10^((celsius − 6.3)/10)` of `hh.mod`; NeuroML's `q10ExpTemp`) or a fixed `φ` (NeuroML's
//! `q10Fixed`), with `T` the temperature of the [`ExprContext`] \[°C\] (default
//! [`DEFAULT_CELSIUS`], NEURON's). It multiplies both rates (`α`, `β`), or divides `τ`, so the
//! steady state does not change. Without one, `φ = 1` at every temperature.
//!
//! # Named parameters
//!
//! The [`ExprContext`] holds named constants that every expression of the channel may use
//! (`V1`, `phi`, `mg`), in the expression units (mV, ms, 1/ms, mM, or dimensionless), and
//! `celsius`, the temperature in °C. They are folded into the programs at construction.
//!
//! # Expression language
//!
//! Units follow the neuroscience convention: **`v` is the membrane voltage in mV, rates `α`,
//! `β` are in 1/ms, `tau` is in ms, `inf` is dimensionless**; the channel converts to SI
//! (`α [1/s] = 10³ α`, `τ [s] = 10⁻³ τ`, `v = 10³ v_m`). The conductance expression uses the
//! gate names and `v` \[mV\] and is dimensionless: `ḡ` carries the unit (S/m² for densities, S
//! for point conductances).
//!
//! - numbers: `40`, `0.1`, `.5`, `1e-3`, `2.5E+2`; named parameters and `celsius`;
//! - operators: `+ - * / ^` and parentheses; `^` is right-associative and binds tighter than
//!   unary minus: `-v^2 = −(v²)`, `2^3^2 = 2⁹`, `2^-1 = 0.5`;
//! - comparisons `< <= > >= == !=` (loosest, not chained), `1` when they hold and `0`
//!   otherwise, and the conditional `if(c, a, b)` (`a` where `c ≠ 0`, else `b`; its derivative
//!   is that of the branch taken);
//! - functions: `exp`, `log` (natural), `sqrt`, `abs`, `tanh`, `sinh`, `cosh`, `min(a, b)`,
//!   `max(a, b)`, `pow(a, b)` (= `a^b`), `exprel(x) = (eˣ − 1)/x` (`= 1` at `0`, accurate
//!   everywhere, as in Brian2).
//!
//! Nothing else is accepted: an unknown name, a syntax error, an empty or over-long (> 4096
//! bytes) or over-nested (> 64 levels) expression gives [`ModelError::BadExpression`] with the
//! byte offset and, for misspelt names, the closest known name. Expressions are only ever
//! evaluated, never executed as code.
//!
//! # Removable singularities
//!
//! Rates such as `0.1*(v+40)/(1-exp(-(v+40)/10))` are `0/0` at `v = −40`. The compiler rewrites
//! `1 − e^x` and `e^x − 1` into `expm1`, which keeps the quotient exact to rounding as close to
//! the singular point as floating point allows; at the point itself (and wherever a sum or
//! difference on which the result depends loses more than three digits, e.g. in
//! `(0.1*v+4)/(1-exp(-0.1*v-4))`), the value is the limit, found by sixth-order extrapolation
//! of symmetric evaluations at `v ± h, ±2h, ±3h` (details in the `program` submodule). The
//! result has no NaN at removable singularities and agrees with the built-in
//! [`hh::alpha_m`](crate::element::channel::hh::alpha_m) to `≈ 1e-15` relative at and around
//! −40 mV.
//!
//! # Speed and derivatives
//!
//! Each expression is compiled once into a flat stack program (with constant folding and fused
//! constant operands) and evaluated without allocation. The Jacobian is closed-form: the
//! derivatives `dα/dv`, `dβ/dv` (or `dτ/dv`, `dx∞/dv`) and `∂c/∂x_j` are differentiated
//! symbolically at construction and compiled the same way.

mod parse;
mod program;

use parse::{ExprError, Node, diff, parse_with};
use program::Program;

use super::gate::GateCoefficients;
use super::{Element, ElementJacobian, KindInfo, StateForm};
use crate::error::ModelError;
use crate::params::ParamInfo;

/// The kinetics of one gate, as expressions in `v` \[mV\].
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKinetics {
    /// `ẋ = α(v)(1 − x) − β(v) x`, rates in 1/ms.
    AlphaBeta {
        /// Opening rate `α(v)` \[1/ms\].
        alpha: String,
        /// Closing rate `β(v)` \[1/ms\].
        beta: String,
    },
    /// `τ(v) ẋ = x∞(v) − x`.
    TauInf {
        /// Time constant `τ(v) > 0` \[ms\].
        tau: String,
        /// Steady state `x∞(v) ∈ [0, 1]`.
        inf: String,
    },
    /// An instantaneous (memoryless) gate, `x = x∞(v)` at every instant (NeuroML's
    /// `gateHHInstantaneous`): not a state; the conductance uses `x∞(v)` in its place (module
    /// docs, the memoryless resistor of the paper's Theorem 1).
    Instantaneous {
        /// Steady state `x∞(v)`.
        inf: String,
    },
}

/// Temperature dependence of a gate's rates: both rates are multiplied by `φ` (τ divided by
/// it), the steady state is unchanged.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Q10 {
    /// `φ = q10^{(T − T₀)/10}` at the temperature `T` \[°C\] of the [`ExprContext`]
    /// (Hodgkin, Huxley and Katz 1952; NEURON's `hh.mod`, NeuroML's `q10ExpTemp`).
    Temperature {
        /// The factor per 10 °C, `> 0`.
        q10: f64,
        /// The temperature `T₀` \[°C\] at which the rates were measured.
        reference: f64,
    },
    /// A fixed `φ > 0` (NeuroML's `q10Fixed`).
    Fixed(f64),
}

impl Q10 {
    /// `φ` at the temperature `celsius` \[°C\].
    pub fn factor(&self, celsius: f64) -> f64 {
        match *self {
            Self::Temperature { q10, reference } => q10.powf((celsius - reference) / 10.0),
            Self::Fixed(f) => f,
        }
    }
}

/// One gate of a user-defined channel.
#[derive(Debug, Clone, PartialEq)]
pub struct ExprGateSpec {
    /// Gate name: an identifier (`[A-Za-z_][A-Za-z0-9_]*`), unique in the channel, not `v`,
    /// `celsius`, a parameter or a function name. It names the state (instantaneous gates:
    /// none) and is a variable of the conductance expression.
    pub name: String,
    /// Its kinetics.
    pub kinetics: ExprKinetics,
    /// Its temperature factor (`None`: `φ = 1`); not for instantaneous gates.
    pub q10: Option<Q10>,
}

/// NEURON's default temperature \[°C\] (`celsius = 6.3`), the temperature of the Hodgkin–Huxley
/// rates.
pub const DEFAULT_CELSIUS: f64 = 6.3;

/// What the expressions of a channel see besides `v` and the gates: named parameters and the
/// temperature (module docs).
#[derive(Debug, Clone, PartialEq)]
pub struct ExprContext {
    /// Named constants, in the expression units (mV, ms, 1/ms, mM, or dimensionless); names
    /// are identifiers, distinct, not `v`, `celsius`, a gate or a function name.
    pub parameters: Vec<(String, f64)>,
    /// Temperature \[°C\]: the name `celsius` in expressions and the `T` of [`Q10`] factors.
    pub celsius: f64,
}

impl Default for ExprContext {
    /// No parameters, [`DEFAULT_CELSIUS`].
    fn default() -> Self {
        Self {
            parameters: Vec::new(),
            celsius: DEFAULT_CELSIUS,
        }
    }
}

/// A user-defined channel, as a model file describes it (module docs).
#[derive(Debug, Clone, PartialEq)]
pub struct ExprChannelSpec {
    /// Channel name, for messages.
    pub name: String,
    /// Maximal conductance `ḡ ≥ 0` \[S/m² or S\].
    pub gbar: f64,
    /// Reversal potential `E` \[V\].
    pub e_rev: f64,
    /// Conductance factor `c` in the gate names, e.g. `"m^3*h"`: `g = ḡ c`.
    pub conductance: String,
    /// The gates, in state order.
    pub gates: Vec<ExprGateSpec>,
}

/// The rate functions of the classic Hodgkin–Huxley channels (Hodgkin and Huxley 1952, modern
/// −65 mV convention, as in the paper's Example 4) as expressions: `v` in mV, rates in 1/ms.
/// The built-in [`hh`](crate::element::channel::hh) channels use the same formulas.
pub mod hh_rates {
    /// Sodium activation opening rate `α_m(v)` \[1/ms\] (`0/0` at −40 mV, removable).
    pub const ALPHA_M: &str = "0.1*(v+40)/(1-exp(-(v+40)/10))";
    /// Sodium activation closing rate `β_m(v)` \[1/ms\].
    pub const BETA_M: &str = "4*exp(-(v+65)/18)";
    /// Sodium inactivation opening rate `α_h(v)` \[1/ms\].
    pub const ALPHA_H: &str = "0.07*exp(-(v+65)/20)";
    /// Sodium inactivation closing rate `β_h(v)` \[1/ms\].
    pub const BETA_H: &str = "1/(1+exp(-(v+35)/10))";
    /// Potassium activation opening rate `α_n(v)` \[1/ms\] (`0/0` at −55 mV, removable).
    pub const ALPHA_N: &str = "0.01*(v+55)/(1-exp(-(v+55)/10))";
    /// Potassium activation closing rate `β_n(v)` \[1/ms\].
    pub const BETA_N: &str = "0.125*exp(-(v+65)/80)";
    /// All six, in the order above.
    pub const ALL: [&str; 6] = [ALPHA_M, BETA_M, ALPHA_H, BETA_H, ALPHA_N, BETA_N];
}

impl ExprGateSpec {
    /// A gate `name` in the α/β form, `ẋ = α(v)(1 − x) − β(v) x` (rates in 1/ms, `v` in mV).
    pub fn alpha_beta(name: &str, alpha: &str, beta: &str) -> Self {
        Self {
            name: name.into(),
            kinetics: ExprKinetics::AlphaBeta {
                alpha: alpha.into(),
                beta: beta.into(),
            },
            q10: None,
        }
    }

    /// A gate `name` in the τ/x∞ form, `τ(v) ẋ = x∞(v) − x` (`τ` in ms, `v` in mV).
    pub fn tau_inf(name: &str, tau: &str, inf: &str) -> Self {
        Self {
            name: name.into(),
            kinetics: ExprKinetics::TauInf {
                tau: tau.into(),
                inf: inf.into(),
            },
            q10: None,
        }
    }

    /// An instantaneous gate `name`, `x = x∞(v)` (no state).
    pub fn instantaneous(name: &str, inf: &str) -> Self {
        Self {
            name: name.into(),
            kinetics: ExprKinetics::Instantaneous { inf: inf.into() },
            q10: None,
        }
    }

    /// The gate with the temperature factor `q10`.
    pub fn with_q10(mut self, q10: Q10) -> Self {
        self.q10 = Some(q10);
        self
    }
}

impl ExprChannelSpec {
    /// The classic Hodgkin–Huxley sodium channel `na`, `g = ḡ m³h` (rates [`hh_rates`]), with
    /// maximal conductance `gbar` \[S/m² or S\] and reversal potential `e_rev` \[V\].
    pub fn hh_sodium(gbar: f64, e_rev: f64) -> Self {
        use hh_rates::{ALPHA_H, ALPHA_M, BETA_H, BETA_M};
        Self {
            name: "na".into(),
            gbar,
            e_rev,
            conductance: "m^3*h".into(),
            gates: vec![
                ExprGateSpec::alpha_beta("m", ALPHA_M, BETA_M),
                ExprGateSpec::alpha_beta("h", ALPHA_H, BETA_H),
            ],
        }
    }

    /// The classic Hodgkin–Huxley potassium channel `k`, `g = ḡ n⁴` (rates [`hh_rates`]), with
    /// maximal conductance `gbar` \[S/m² or S\] and reversal potential `e_rev` \[V\].
    pub fn hh_potassium(gbar: f64, e_rev: f64) -> Self {
        use hh_rates::{ALPHA_N, BETA_N};
        Self {
            name: "k".into(),
            gbar,
            e_rev,
            conductance: "n^4".into(),
            gates: vec![ExprGateSpec::alpha_beta("n", ALPHA_N, BETA_N)],
        }
    }

    /// The classic Hodgkin–Huxley channels `[sodium, potassium]` ([`hh_sodium`](Self::hh_sodium),
    /// [`hh_potassium`](Self::hh_potassium)), from the `(gbar, e_rev)` of each.
    pub fn hodgkin_huxley(na: (f64, f64), k: (f64, f64)) -> [Self; 2] {
        [Self::hh_sodium(na.0, na.1), Self::hh_potassium(k.0, k.1)]
    }
}

/// A compiled one-variable function of `v` \[mV\] and its derivative.
#[derive(Debug, Clone)]
struct VoltageExpr {
    value: Program,
    slope: Program,
}

impl VoltageExpr {
    fn new(
        src: &str,
        constants: &[(&str, f64)],
        context: impl Fn() -> String,
    ) -> Result<Self, ModelError> {
        let wrap = |e: ExprError| bad(context(), src, e);
        let node = parse_with(src, &["v"], "variable", constants).map_err(wrap)?;
        let value = Program::compile(&node, 1).map_err(wrap)?;
        let slope = Program::compile(&diff(&node, 0), 1).map_err(wrap)?;
        Ok(Self { value, slope })
    }
}

#[derive(Debug, Clone)]
enum Rates {
    AlphaBeta {
        alpha: VoltageExpr,
        beta: VoltageExpr,
    },
    TauInf {
        tau: VoltageExpr,
        inf: VoltageExpr,
    },
}

/// The compiled kinetics of a gate with a state, and `scale = 10³ φ` (1/ms → 1/s times the
/// temperature factor).
#[derive(Debug, Clone)]
struct Kinetics {
    rates: Rates,
    scale: f64,
}

impl Kinetics {
    /// `(a, b)` \[1/s\] of `ẋ = a − b x` at `v` \[mV\].
    #[inline]
    fn coefficients(&self, v: f64) -> (f64, f64) {
        let s = self.scale;
        match &self.rates {
            Rates::AlphaBeta { alpha, beta } => {
                let a = alpha.value.eval(v);
                let b = beta.value.eval(v);
                (s * a, s * (a + b))
            }
            Rates::TauInf { tau, inf } => {
                let r = s / tau.value.eval(v);
                (inf.value.eval(v) * r, r)
            }
        }
    }

    /// [`Kinetics::coefficients`] at every `v[k]` \[mV\] into `(a[k], b[k])`, bitwise equal
    /// (the programs run over the whole block).
    fn coefficients_batch(&self, v: &[f64], a: &mut [f64], b: &mut [f64]) {
        let s = self.scale;
        match &self.rates {
            Rates::AlphaBeta { alpha, beta } => {
                alpha.value.eval_batch(v, a);
                beta.value.eval_batch(v, b);
                for (x, y) in a.iter_mut().zip(b.iter_mut()) {
                    let (al, be) = (*x, *y);
                    *x = s * al;
                    *y = s * (al + be);
                }
            }
            Rates::TauInf { tau, inf } => {
                tau.value.eval_batch(v, b);
                inf.value.eval_batch(v, a);
                for (x, y) in a.iter_mut().zip(b.iter_mut()) {
                    let r = s / *y;
                    *x *= r;
                    *y = r;
                }
            }
        }
    }

    /// `(a, b)` and their derivatives with respect to `v_m` \[1/(s·V)\] at `v` \[mV\].
    fn coefficients_with_slopes(&self, v: f64) -> GateCoefficients {
        let s = self.scale;
        match &self.rates {
            Rates::AlphaBeta { alpha, beta } => {
                let (a, b) = (alpha.value.eval(v), beta.value.eval(v));
                let (da, db) = (alpha.slope.eval(v), beta.slope.eval(v));
                // d/dV = 10³ d/dv.
                GateCoefficients {
                    a: s * a,
                    b: s * (a + b),
                    da_dv: 1e3 * s * da,
                    db_dv: 1e3 * s * (da + db),
                }
            }
            Rates::TauInf { tau, inf } => {
                // τ [s] = τ[ms]·10³/scale; dτ[s]/dV = (dτ[ms]/dv[mV])·10³/scale; x∞ per V =
                // 10³ · per mV.
                let k = 1e3 / s;
                let (t, x) = (1e-3 * k * tau.value.eval(v), inf.value.eval(v));
                let (dt, dx) = (k * tau.slope.eval(v), 1e3 * inf.slope.eval(v));
                GateCoefficients::from_tau_inf(t, dt, x, dx)
            }
        }
    }

    /// Steady state `a/b` (`0` if `b ≤ 0`); `x∞` directly in the τ/x∞ form.
    fn steady_state(&self, v: f64) -> f64 {
        match &self.rates {
            Rates::TauInf { inf, .. } => inf.value.eval(v),
            Rates::AlphaBeta { .. } => {
                let (a, b) = self.coefficients(v);
                if b > 0.0 { a / b } else { 0.0 }
            }
        }
    }
}

/// The names of the functions of the expression language (`exp`, …, `if`): names that gates
/// and parameters cannot take.
pub fn function_names() -> impl Iterator<Item = &'static str> {
    parse::FUNCTIONS.iter().map(|f| f.0)
}

/// Most instantaneous gates of one channel.
pub const MAX_INSTANTANEOUS: usize = 16;

thread_local! {
    /// Scratch of [`ExprChannel::conductance_factor_batch`]: the instantaneous gates of a block.
    static INSTANTANEOUS: std::cell::RefCell<Vec<f64>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// A channel built from an [`ExprChannelSpec`] (module docs).
#[derive(Debug, Clone)]
pub struct ExprChannel {
    name: String,
    gbar: f64,
    e_rev: f64,
    /// Names of the gates with kinetics (the states), in order.
    gate_names: Vec<String>,
    gates: Vec<Kinetics>,
    /// Names of the instantaneous gates, in order.
    instantaneous_names: Vec<String>,
    /// Their `x∞(v)` and its slope (`v` in mV).
    instantaneous: Vec<VoltageExpr>,
    /// `c`: variables the states, the instantaneous gates, then `v` \[mV\].
    conductance: Program,
    /// `∂c/∂y` for every variable `y` of `conductance`, same variables.
    gradient: Vec<Program>,
    /// Whether `c` depends on `v` (an instantaneous gate or `v` in the expression).
    voltage_dependent: bool,
}

fn bad(context: String, expression: &str, e: ExprError) -> ModelError {
    ModelError::BadExpression {
        context,
        expression: expression.to_string(),
        position: e.position,
        reason: e.reason,
    }
}

fn is_identifier(s: &str) -> bool {
    let mut c = s.chars();
    matches!(c.next(), Some(f) if f.is_ascii_alphabetic() || f == '_')
        && c.all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
}

const PARAMS: &[ParamInfo] = &[
    ParamInfo::new(
        "gbar",
        "S/m^2",
        0.0,
        0.0,
        f64::INFINITY,
        "maximal conductance (density)",
    ),
    ParamInfo::new(
        "e_rev",
        "V",
        0.0,
        -1.0,
        1.0,
        "reversal potential (battery in series)",
    ),
];

impl ExprChannel {
    /// Kind description (`expr-channel`); the states are the gate names
    /// ([`Element::state_names`]).
    pub const KIND: KindInfo = KindInfo {
        name: "expr-channel",
        summary: "user-defined gated channel, g = gbar * conductance(gates), rates as expressions",
        source: "user model file",
        ports: 1,
        states: &[],
        params: PARAMS,
        conductance_unit: "S/m^2",
        current_unit: "A/m^2",
    };

    /// Parses, checks and compiles `spec` with no parameters at [`DEFAULT_CELSIUS`]
    /// ([`ExprChannel::with_context`]).
    ///
    /// Errors: as for [`ExprChannel::with_context`].
    pub fn new(spec: &ExprChannelSpec) -> Result<Self, ModelError> {
        Self::with_context(spec, &ExprContext::default())
    }

    /// Parses, checks and compiles `spec`, its expressions seeing the parameters and the
    /// temperature of `context`.
    ///
    /// Errors: [`ModelError::NonFinite`] / [`ModelError::ParamOutOfRange`] for `gbar` (finite,
    /// `≥ 0`) and `e_rev` (finite, within ±1 V); [`ModelError::Inconsistent`] for a gate or
    /// parameter name that is not an identifier, is `v`, `celsius` or a function name, or is
    /// repeated (also across gates and parameters), for a non-finite parameter or temperature,
    /// for a [`Q10`] factor that is not finite and `> 0`, and for a [`Q10`] on an
    /// instantaneous gate; [`ModelError::BadExpression`] for any expression that does not parse
    /// or names an unknown function, variable, gate or parameter.
    pub fn with_context(spec: &ExprChannelSpec, context: &ExprContext) -> Result<Self, ModelError> {
        let element = spec.name.as_str();
        let gbar = PARAMS[0].check(element, spec.gbar)?;
        let e_rev = PARAMS[1].check(element, spec.e_rev)?;
        let inconsistent = |reason: String| ModelError::Inconsistent {
            element: element.to_string(),
            reason,
        };
        let reserved = |n: &str, what: &str| -> Result<(), ModelError> {
            if !is_identifier(n) {
                return Err(inconsistent(format!(
                    "{what} name '{n}' is not an identifier (letters, digits, '_')"
                )));
            }
            if n == "v" {
                return Err(inconsistent(format!(
                    "{what} name 'v' collides with the membrane voltage of the expressions"
                )));
            }
            if n == "celsius" {
                return Err(inconsistent(format!(
                    "{what} name 'celsius' collides with the temperature of the expressions"
                )));
            }
            if parse::FUNCTIONS.iter().any(|f| f.0 == n) {
                return Err(inconsistent(format!(
                    "{what} name '{n}' collides with the function of that name"
                )));
            }
            Ok(())
        };
        if !context.celsius.is_finite() {
            return Err(inconsistent(format!(
                "temperature {} °C is not finite",
                context.celsius
            )));
        }
        let mut constants: Vec<(&str, f64)> = Vec::with_capacity(context.parameters.len() + 1);
        for (n, x) in &context.parameters {
            reserved(n, "parameter")?;
            if constants.iter().any(|c| c.0 == n) {
                return Err(inconsistent(format!("parameter '{n}' is defined twice")));
            }
            if !x.is_finite() {
                return Err(inconsistent(format!("parameter '{n}' = {x} is not finite")));
            }
            constants.push((n, *x));
        }
        constants.push(("celsius", context.celsius));
        let mut gate_names: Vec<String> = Vec::with_capacity(spec.gates.len());
        let mut gates = Vec::with_capacity(spec.gates.len());
        let mut instantaneous: Vec<(String, VoltageExpr)> = Vec::new();
        for g in &spec.gates {
            let n = g.name.as_str();
            reserved(n, "gate")?;
            if gate_names.iter().any(|x| x == n) || instantaneous.iter().any(|x| x.0 == n) {
                return Err(inconsistent(format!("gate '{n}' is defined twice")));
            }
            if constants.iter().any(|c| c.0 == n) {
                return Err(inconsistent(format!(
                    "gate '{n}' has the name of a parameter"
                )));
            }
            let ctx = |what: &str| {
                let (c, w) = (spec.name.clone(), what.to_string());
                move || format!("channel '{c}' gate '{n}' {w}")
            };
            let phi = match g.q10 {
                None => 1.0,
                Some(q) => {
                    if matches!(g.kinetics, ExprKinetics::Instantaneous { .. }) {
                        return Err(inconsistent(format!(
                            "gate '{n}' is instantaneous: a q10 factor does not apply (it scales rates)"
                        )));
                    }
                    let ok = match q {
                        Q10::Temperature { q10, reference } => {
                            q10.is_finite() && q10 > 0.0 && reference.is_finite()
                        }
                        Q10::Fixed(f) => f.is_finite() && f > 0.0,
                    };
                    let phi = q.factor(context.celsius);
                    if !(ok && phi.is_finite() && phi > 0.0) {
                        return Err(inconsistent(format!(
                            "gate '{n}': the q10 factor must be finite and > 0 (and its temperature finite), got {q:?}"
                        )));
                    }
                    phi
                }
            };
            let rates = match &g.kinetics {
                ExprKinetics::AlphaBeta { alpha, beta } => Rates::AlphaBeta {
                    alpha: VoltageExpr::new(alpha, &constants, ctx("alpha"))?,
                    beta: VoltageExpr::new(beta, &constants, ctx("beta"))?,
                },
                ExprKinetics::TauInf { tau, inf } => Rates::TauInf {
                    tau: VoltageExpr::new(tau, &constants, ctx("tau"))?,
                    inf: VoltageExpr::new(inf, &constants, ctx("inf"))?,
                },
                ExprKinetics::Instantaneous { inf } => {
                    if instantaneous.len() == MAX_INSTANTANEOUS {
                        return Err(inconsistent(format!(
                            "more than {MAX_INSTANTANEOUS} instantaneous gates"
                        )));
                    }
                    let x = VoltageExpr::new(inf, &constants, ctx("inf"))?;
                    instantaneous.push((n.to_string(), x));
                    continue;
                }
            };
            gate_names.push(n.to_string());
            gates.push(Kinetics {
                rates,
                scale: 1e3 * phi,
            });
        }
        // The conductance in [states…, instantaneous gates…, v].
        let (ns, ni) = (gate_names.len(), instantaneous.len());
        let names: Vec<&str> = gate_names
            .iter()
            .map(String::as_str)
            .chain(instantaneous.iter().map(|g| g.0.as_str()))
            .chain(std::iter::once("v"))
            .collect();
        let ctx = || format!("channel '{}' conductance", spec.name);
        let wrap = |e: ExprError| bad(ctx(), &spec.conductance, e);
        let node: Node = parse_with(&spec.conductance, &names, "gate", &constants).map_err(wrap)?;
        let conductance = Program::compile(&node, names.len()).map_err(wrap)?;
        let gradient = (0..names.len())
            .map(|j| Program::compile(&diff(&node, j), names.len()).map_err(wrap))
            .collect::<Result<Vec<_>, _>>()?;
        let voltage_dependent = (ns..=ns + ni).any(|j| parse::depends(&node, j));
        let (instantaneous_names, instantaneous) = instantaneous.into_iter().unzip();
        Ok(Self {
            name: spec.name.clone(),
            gbar,
            e_rev,
            gate_names,
            gates,
            instantaneous_names,
            instantaneous,
            conductance,
            gradient,
            voltage_dependent,
        })
    }

    /// The channel name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The names of the gates with kinetics (the states), in state order.
    pub fn gate_names(&self) -> &[String] {
        &self.gate_names
    }

    /// The names of the instantaneous gates (not states), in the given order.
    pub fn instantaneous_gate_names(&self) -> &[String] {
        &self.instantaneous_names
    }

    /// Whether the conductance depends on the voltage directly (an instantaneous gate or `v`
    /// in the conductance expression): then `g = ḡ c(x, v)` is, without states, the memoryless
    /// resistor of the paper's Theorem 1.
    pub fn is_voltage_dependent(&self) -> bool {
        self.voltage_dependent
    }

    /// Maximal conductance `ḡ` \[S/m² or S\].
    pub fn gbar(&self) -> f64 {
        self.gbar
    }

    /// Reversal potential `E` \[V\].
    pub fn e_rev(&self) -> f64 {
        self.e_rev
    }

    /// `(a, b)` \[1/s\] of gate `j`'s equation `ẋ = a − b x` at the membrane voltage `v`
    /// \[mV\] (`a = α`, `b = α + β`, or `a = x∞/τ`, `b = 1/τ`), limits at removable
    /// singularities included.
    #[inline]
    pub(crate) fn gate_coefficients(&self, j: usize, v: f64) -> (f64, f64) {
        self.gates[j].coefficients(v)
    }

    /// [`ExprChannel::gate_coefficients`] at every `v[k]` \[mV\] of a block, into
    /// `(a[k], b[k])`: bitwise the same values, evaluated a program at a time over the block.
    pub(crate) fn gate_coefficients_batch(
        &self,
        j: usize,
        v: &[f64],
        a: &mut [f64],
        b: &mut [f64],
    ) {
        self.gates[j].coefficients_batch(v, a, b);
    }

    /// Steady state of gate `j` at `v` \[mV\]: `a/b` (`0` if `b ≤ 0`), `x∞(v)` in the τ/x∞
    /// form (as [`Element::initial_state`]).
    pub(crate) fn gate_steady_state(&self, j: usize, v: f64) -> f64 {
        self.gates[j].steady_state(v)
    }

    /// The conductance factor `c(x, v)` (so `g = ḡ c`) for the gate values `x`, in state
    /// order, at the membrane voltage `v` \[mV\] (instantaneous gates at their `x∞(v)`).
    #[inline]
    pub(crate) fn conductance_factor(&self, x: &[f64], v: f64) -> f64 {
        self.run_conductance(&self.conductance, x, v)
    }

    /// Runs `program` (a function of the conductance's variables) at the states `x`, the
    /// instantaneous gates at `v` \[mV\] and `v`; no allocation.
    #[inline]
    fn run_conductance(&self, program: &Program, x: &[f64], v: f64) -> f64 {
        let ns = x.len();
        let mut m = [0.0; MAX_INSTANTANEOUS];
        for (mk, g) in m.iter_mut().zip(&self.instantaneous) {
            *mk = g.value.eval(v);
        }
        let ni = self.instantaneous.len();
        program
            .run_vars(|i| {
                if i < ns {
                    x[i]
                } else if i < ns + ni {
                    m[i - ns]
                } else {
                    v
                }
            })
            .0
    }

    /// [`ExprChannel::conductance_factor`] over a block, bitwise: `gate(j)` gives gate `j` of
    /// every lane, `v[k]` is lane `k`'s membrane voltage \[mV\], `out[k]` receives lane `k`'s
    /// factor.
    pub(crate) fn conductance_factor_batch<'a>(
        &self,
        gate: impl Fn(usize) -> &'a [f64],
        v: &'a [f64],
        out: &mut [f64],
    ) {
        let (ns, ni) = (self.gate_names.len(), self.instantaneous.len());
        if ni == 0 {
            self.conductance
                .values_batch(|j| if j < ns { gate(j) } else { v }, out);
            return;
        }
        let n = out.len();
        INSTANTANEOUS.with_borrow_mut(|m| {
            if m.len() < ni * n {
                m.resize(ni * n, 0.0);
            }
            for (k, g) in self.instantaneous.iter().enumerate() {
                g.value.eval_batch(&v[..n], &mut m[k * n..(k + 1) * n]);
            }
            let m = &m[..ni * n];
            self.conductance.values_batch(
                |j| {
                    if j < ns {
                        gate(j)
                    } else if j < ns + ni {
                        &m[(j - ns) * n..(j - ns + 1) * n]
                    } else {
                        v
                    }
                },
                out,
            );
        });
    }

    /// Membrane voltage \[mV\] for the port voltage `w` \[V\].
    #[inline]
    fn v_mv(&self, w: f64) -> f64 {
        (w + self.e_rev) * 1e3
    }
}

impl Element for ExprChannel {
    fn info(&self) -> &'static KindInfo {
        &Self::KIND
    }

    fn n_states(&self) -> usize {
        self.gates.len()
    }

    fn state_names(&self) -> Vec<String> {
        self.gate_names.clone()
    }

    fn param_values(&self) -> Vec<(&'static str, f64)> {
        vec![("gbar", self.gbar), ("e_rev", self.e_rev)]
    }

    fn battery(&self, port: usize) -> f64 {
        if port == 0 { self.e_rev } else { 0.0 }
    }

    fn initial_state(&self, v: &[f64], x: &mut [f64]) {
        let vm = self.v_mv(v[0]);
        for (xj, g) in x.iter_mut().zip(&self.gates) {
            *xj = g.steady_state(vm);
        }
    }

    fn state_rhs(&self, x: &[f64], v: &[f64], dx: &mut [f64]) {
        let vm = self.v_mv(v[0]);
        for ((d, &xj), g) in dx.iter_mut().zip(x).zip(&self.gates) {
            let (a, b) = g.coefficients(vm);
            *d = a - b * xj;
        }
    }

    /// `g = ḡ c(x, v_m)`; with instantaneous gates or `v` in the expression `g` depends on the
    /// port voltage (module docs).
    fn conductance(&self, x: &[f64], v: &[f64], g: &mut [f64]) {
        g[0] = self.gbar * self.conductance_factor(x, self.v_mv(v[0]));
    }

    fn linear_coefficients(&self, v: &[f64], a: &mut [f64], b: &mut [f64]) -> bool {
        let vm = self.v_mv(v[0]);
        for ((aj, bj), g) in a.iter_mut().zip(b.iter_mut()).zip(&self.gates) {
            (*aj, *bj) = g.coefficients(vm);
        }
        true
    }

    fn state_form(&self) -> StateForm {
        StateForm::Linear
    }

    /// Closed form: `∂f/∂x = −diag(b)`, `∂f_j/∂w = a_j' − b_j' x_j` from the symbolic rate
    /// derivatives, `∂g/∂x_j = ḡ ∂c/∂x_j`, `∂g/∂w = 10³ ḡ ∂c/∂v` \[S/V\] (`0` unless the
    /// conductance depends on `v`).
    fn jacobian(&self, x: &[f64], v: &[f64], jac: &mut ElementJacobian) {
        let ns = self.gates.len();
        let vm = self.v_mv(v[0]);
        jac.df_dx.iter_mut().for_each(|e| *e = 0.0);
        for (j, g) in self.gates.iter().enumerate() {
            let c = g.coefficients_with_slopes(vm);
            jac.df_dx[j * ns + j] = -c.b;
            jac.df_dv[j] = c.da_dv - c.db_dv * x[j];
        }
        for (d, p) in jac.dg_dx.iter_mut().zip(&self.gradient) {
            *d = self.gbar * self.run_conductance(p, x, vm);
        }
        // dc/dv = ∂c/∂v + Σ_k ∂c/∂m_k · m_k'(v), per mV; 10³ per V.
        let mut dc = self.run_conductance(&self.gradient[ns + self.instantaneous.len()], x, vm);
        for (k, g) in self.instantaneous.iter().enumerate() {
            dc += self.run_conductance(&self.gradient[ns + k], x, vm) * g.slope.eval(vm);
        }
        jac.dg_dv[0] = 1e3 * self.gbar * dc;
    }
}

#[cfg(test)]
mod tests;
