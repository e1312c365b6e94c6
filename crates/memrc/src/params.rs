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
            name,
            unit,
            default,
            min: 0.0,
            max,
            min_exclusive: true,
            doc,
        }
    }

    /// The accepted range, rendered for messages and documentation.
    pub fn range_text(&self) -> String {
        let lo = if self.min_exclusive { "(" } else { "[" };
        let hi = if self.max.is_infinite() { ")" } else { "]" };
        format!("{lo}{}, {}{hi}", fmt_bound(self.min), fmt_bound(self.max))
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
