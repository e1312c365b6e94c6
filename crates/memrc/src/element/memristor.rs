//! Placeholder, filled in by the element family work.
use super::catalogue::Entry;

/// Catalogue entries of this family.
pub const CATALOGUE: &[Entry] = &[];
