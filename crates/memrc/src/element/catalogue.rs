//! The element catalogue: catalogue name → constructor with validated parameters.
//!
//! Each element family module exposes a `CATALOGUE` slice of [`Entry`]; [`Catalogue::all`]
//! concatenates them in a fixed order (devices, channels, synapses, the Π two-port). Unknown
//! names get a "did you mean" suggestion. This module only collects the families: they take
//! [`Entry`] from the parent module, not from here, so the imports stay acyclic.

pub use super::{BuildFn, Entry};

use super::Element;
use crate::error::{ModelError, suggest};

/// The built-in element kinds.
#[derive(Debug, Clone, Copy, Default)]
pub struct Catalogue;

impl Catalogue {
    /// Every entry, in listing order.
    pub fn all() -> impl Iterator<Item = &'static Entry> {
        super::memristor::CATALOGUE
            .iter()
            .chain(super::channel::CATALOGUE)
            .chain(super::synapse::CATALOGUE)
            .chain(super::pi_two_port::CATALOGUE)
    }

    /// The entry named `name`, or an error with the closest name as a suggestion.
    pub fn get(name: &str) -> Result<&'static Entry, ModelError> {
        Self::all()
            .find(|e| e.info.name == name)
            .ok_or_else(|| ModelError::UnknownElement {
                name: name.to_string(),
                suggestion: suggest(name, Self::all().map(|e| e.info.name)),
            })
    }
}

/// Builds the element `name` with parameter overrides `(key, value)` \[SI\].
///
/// ```
/// let hp = memrc::element::build("hp-joglekar", &[("r_off", 20e3)]).unwrap();
/// assert_eq!(hp.n_ports(), 1);
/// assert!(memrc::element::build("hp-jogelkar", &[]).unwrap_err().to_string().contains("did you mean"));
/// ```
pub fn build(name: &str, params: &[(&str, f64)]) -> Result<Box<dyn Element>, ModelError> {
    (Catalogue::get(name)?.build)(params)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_every_entry_builds_with_defaults() {
        let mut names: Vec<&str> = Catalogue::all().map(|e| e.info.name).collect();
        let n = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), n, "duplicate catalogue names");
        for e in Catalogue::all() {
            let el = (e.build)(&[]).unwrap_or_else(|err| panic!("{}: {err}", e.info.name));
            assert_eq!(el.info().name, e.info.name);
            assert_eq!(el.state_names().len(), el.n_states());
            for p in e.info.params {
                p.check(e.info.name, p.default)
                    .expect("default within its own range");
            }
        }
    }
}
