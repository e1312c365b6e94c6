//! Parameter metadata: every element kind publishes a table of [`ParamInfo`] (name, unit,
//! default, valid range, meaning). Validation, the command line's `--param key=value`, the
//! documentation tables and (later) model files all read the same table, so they cannot drift.
//!
//! All values are SI base units without prefixes (V, A, S, s, F, m); per-area quantities are
//! per square metre (S/m², F/m², A/m²).

use crate::error::{ModelError, suggest};

/// Metadata of one scalar parameter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ParamInfo {
    /// Key used by the catalogue, the CLI and model files.
    pub name: &'static str,
    /// SI unit, e.g. `"S"`, `"V"`, `"S/m^2"`, `"1"` for dimensionless.
    pub unit: &'static str,
    /// Default value \[unit\].
    pub default: f64,
    /// Smallest accepted value \[unit\].
    pub min: f64,
    /// Largest accepted value \[unit\].
    pub max: f64,
    /// Whether `min` itself is excluded (e.g. conductances must be `> 0`).
    pub min_exclusive: bool,
    /// One-line meaning.
    pub doc: &'static str,
}

impl ParamInfo {
    /// A parameter with range `[min, max]`.
    pub const fn new(
        name: &'static str,
        unit: &'static str,
        default: f64,
        min: f64,
        max: f64,
        doc: &'static str,
    ) -> Self {
        Self {
            name,
            unit,
            default,
            min,
            max,
            min_exclusive: false,
            doc,
        }
    }

    /// A parameter with range `(min, max]` (the lower bound excluded).
    pub const fn positive(
        name: &'static str,
        unit: &'static str,
        default: f64,
        max: f64,
        doc: &'static str,
    ) -> Self {
        Self {
            min_exclusive: true,
            ..Self::new(name, unit, default, 0.0, max, doc)
        }
    }

    /// The accepted range, rendered for messages and documentation.
    pub fn range_text(&self) -> String {
        let lo = if self.min_exclusive { "(" } else { "[" };
        let hi = if self.max.is_infinite() { ")" } else { "]" };
        format!("{lo}{}, {}{hi}", fmt_bound(self.min), fmt_bound(self.max))
    }

    /// What the parameter accepts, for messages: `finite and > 0` (a lower bound only) or
    /// `finite, within [-1, 1] V`.
    pub fn expected(&self) -> String {
        if self.max.is_infinite() {
            let op = if self.min_exclusive { ">" } else { ">=" };
            format!("finite and {op} {}", fmt_bound(self.min))
        } else {
            format!("finite, within {} {}", self.range_text(), self.unit)
        }
    }

    /// Checks one value against this parameter's finiteness and range.
    pub fn check(&self, element: &str, value: f64) -> Result<f64, ModelError> {
        if !value.is_finite() {
            return Err(ModelError::NonFinite {
                element: element.to_string(),
                param: self.name.to_string(),
                value,
            });
        }
        let below = if self.min_exclusive {
            value <= self.min
        } else {
            value < self.min
        };
        if below || value > self.max {
            return Err(ModelError::ParamOutOfRange {
                element: element.to_string(),
                param: self.name.to_string(),
                value,
                unit: self.unit.to_string(),
                range: self.range_text(),
            });
        }
        Ok(value)
    }
}

fn fmt_bound(x: f64) -> String {
    if x == f64::INFINITY {
        "inf".into()
    } else if x == f64::NEG_INFINITY {
        "-inf".into()
    } else {
        format!("{x}")
    }
}

/// A struct of `f64` parameters whose one source of truth is its [`ParamInfo`] table:
/// names, units, defaults and ranges; validation, the setters by name that model files use,
/// and the documentation all read it. Declared with [`param_struct!`](crate::param_struct),
/// which writes the fields and the table from one list, so that they cannot drift.
pub trait Parameters: Sized + Copy {
    /// The kind, for messages (`"traub-miles"`).
    const KIND: &'static str;
    /// The parameters, in field order.
    const PARAMS: &'static [ParamInfo];

    /// The value of parameter `index` (in table order) \[SI\]; NaN past the end.
    fn value(&self, index: usize) -> f64;

    /// The field of parameter `index`, if there is one.
    fn value_mut(&mut self, index: usize) -> Option<&mut f64>;

    /// The value of the parameter called `name` \[SI\].
    fn get(&self, name: &str) -> Option<f64> {
        Self::PARAMS
            .iter()
            .position(|p| p.name == name)
            .map(|i| self.value(i))
    }

    /// Sets the parameter called `name`, checked against its range; an unknown name is an
    /// error with the closest known name.
    fn set(&mut self, name: &str, value: f64) -> Result<(), ModelError> {
        let Some(i) = Self::PARAMS.iter().position(|p| p.name == name) else {
            return Err(ModelError::UnknownParam {
                element: Self::KIND.to_string(),
                param: name.to_string(),
                suggestion: suggest(name, Self::PARAMS.iter().map(|p| p.name)),
            });
        };
        let checked = Self::PARAMS[i].check(Self::KIND, value)?;
        if let Some(slot) = self.value_mut(i) {
            *slot = checked;
        }
        Ok(())
    }

    /// The first parameter outside its range (or NaN), with its table entry and value.
    fn first_invalid(&self) -> Option<(&'static ParamInfo, f64)> {
        Self::PARAMS
            .iter()
            .enumerate()
            .map(|(i, p)| (p, self.value(i)))
            .find(|(p, v)| p.check(Self::KIND, *v).is_err())
    }
}

/// Declares a struct of `f64` parameters and its [`Parameters`] table from one list: each
/// field's name is its parameter name, and its unit, range, default and meaning are written
/// once.
///
/// ```ignore
/// param_struct! {
///     /// Doc of the struct.
///     pub struct Membrane("membrane") {
///         area: "m^2", positive(f64::INFINITY) = 2e-8, "membrane area";
///         e_leak: "V", new(-1.0, 1.0) = -0.054387, "leak reversal potential";
///     }
/// }
/// ```
///
/// `positive(max)` is the range `(0, max]`, `new(min, max)` the range `[min, max]`
/// ([`ParamInfo::positive`], [`ParamInfo::new`]). The struct gets `pub` fields documented with
/// meaning and unit, `DEFAULTS` (a `const`) and `Default`.
#[macro_export]
macro_rules! param_struct {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident($kind:literal) {
            $($field:ident: $unit:literal, $ctor:ident($($bound:expr),*) = $default:expr, $doc:literal;)*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq)]
        $vis struct $name {
            $(
                #[doc = concat!($doc, " \\[", $unit, "\\].")]
                pub $field: f64,
            )*
        }

        impl $name {
            /// Every parameter at its default (the table's).
            pub const DEFAULTS: Self = Self { $($field: $default,)* };
        }

        impl Default for $name {
            fn default() -> Self {
                Self::DEFAULTS
            }
        }

        impl $crate::params::Parameters for $name {
            const KIND: &'static str = $kind;
            const PARAMS: &'static [$crate::params::ParamInfo] = &[
                $($crate::params::ParamInfo::$ctor(
                    stringify!($field), $unit, $default, $($bound,)* $doc
                ),)*
            ];

            fn value(&self, index: usize) -> f64 {
                [$(self.$field,)*].get(index).copied().unwrap_or(f64::NAN)
            }

            fn value_mut(&mut self, index: usize) -> Option<&mut f64> {
                [$(&mut self.$field,)*].into_iter().nth(index)
            }
        }
    };
}

/// A full set of parameter values for one element kind, in the order of its [`ParamInfo`] table,
/// each validated against its range.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamSet {
    element: &'static str,
    infos: &'static [ParamInfo],
    values: Vec<f64>,
}

impl ParamSet {
    /// All defaults.
    pub fn defaults(element: &'static str, infos: &'static [ParamInfo]) -> Self {
        Self {
            element,
            infos,
            values: infos.iter().map(|p| p.default).collect(),
        }
    }

    /// Defaults overridden by `(key, value)` pairs; unknown keys and invalid values are errors.
    pub fn with_overrides(
        element: &'static str,
        infos: &'static [ParamInfo],
        overrides: &[(&str, f64)],
    ) -> Result<Self, ModelError> {
        let mut set = Self::defaults(element, infos);
        for (key, value) in overrides {
            set.set(key, *value)?;
        }
        Ok(set)
    }

    /// Sets one value by name, validating it.
    pub fn set(&mut self, key: &str, value: f64) -> Result<(), ModelError> {
        let Some(idx) = self.infos.iter().position(|p| p.name == key) else {
            return Err(ModelError::UnknownParam {
                element: self.element.to_string(),
                param: key.to_string(),
                suggestion: suggest(key, self.infos.iter().map(|p| p.name)),
            });
        };
        self.values[idx] = self.infos[idx].check(self.element, value)?;
        Ok(())
    }

    /// Value of a parameter by name \[SI\]. Names are the `'static` keys of the table; an
    /// unknown name is a programming error inside an element implementation.
    pub fn get(&self, key: &str) -> f64 {
        let idx = self.infos.iter().position(|p| p.name == key);
        debug_assert!(
            idx.is_some(),
            "invariant: element asks for its own parameter {key}"
        );
        idx.map_or(f64::NAN, |i| self.values[i])
    }

    /// `(name, value)` pairs in table order.
    pub fn pairs(&self) -> Vec<(&'static str, f64)> {
        self.infos
            .iter()
            .zip(&self.values)
            .map(|(p, v)| (p.name, *v))
            .collect()
    }

    /// The element kind this set belongs to.
    pub fn element(&self) -> &'static str {
        self.element
    }

    /// An error for a relation between parameters that does not hold.
    pub fn inconsistent(&self, reason: impl Into<String>) -> ModelError {
        ModelError::Inconsistent {
            element: self.element.to_string(),
            reason: reason.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: &[ParamInfo] = &[
        ParamInfo::positive("r_on", "Ohm", 100.0, f64::INFINITY, "on resistance"),
        ParamInfo::new("p", "1", 2.0, 1.0, 10.0, "window exponent"),
    ];

    #[test]
    fn overrides_are_validated() {
        let s = ParamSet::with_overrides("hp", T, &[("p", 3.0)]).expect("valid");
        assert_eq!(s.get("p"), 3.0);
        assert_eq!(s.get("r_on"), 100.0);
        let e = ParamSet::with_overrides("hp", T, &[("r_on", 0.0)]).unwrap_err();
        assert!(
            e.to_string().contains("r_on") && e.to_string().contains("(0, inf)"),
            "{e}"
        );
        let e = ParamSet::with_overrides("hp", T, &[("r_onn", 1.0)]).unwrap_err();
        assert!(e.to_string().contains("did you mean 'r_on'"), "{e}");
        let e = ParamSet::with_overrides("hp", T, &[("p", f64::NAN)]).unwrap_err();
        assert!(matches!(e, ModelError::NonFinite { .. }));
    }
}
