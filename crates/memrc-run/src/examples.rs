//! The model files under `examples/` at the repository root, embedded in the library so that
//! `memrc example NAME` and Python's `memrc.example_text(NAME)` work anywhere.
//!
//! `memrc example NAME` runs the embedded file like `memrc run` (default output `out/NAME`),
//! except for the two names that are also built-in paper examples: `hh_spike`/`hh-spike` is the
//! full Figure 3 reproduction (time stepping against every iterate of the alternating
//! iteration, on the same membrane and pulse as `examples/hh_spike.toml`), and `hopfield` the
//! built-in Hopfield example (the same network as `examples/hopfield.toml`, run to t = 40).
//! `memrc example NAME --print` prints the embedded file of any of them, to copy and edit.

/// One embedded model file.
pub struct ModelExample {
    /// File stem, e.g. `hh_spike`.
    pub name: &'static str,
    /// The file.
    pub text: &'static str,
}

macro_rules! examples {
    ($($name:literal),* $(,)?) => {
        &[$(ModelExample {
            name: $name,
            text: include_str!(concat!("../../../examples/", $name, ".toml")),
        }),*]
    };
}

/// Every file under `examples/`, by name (a test checks the list is complete).
pub const MODEL_EXAMPLES: &[ModelExample] = examples!(
    "hh_spike",
    "hh_step",
    "hh_user_channels",
    "ideal_memristor",
    "hp_memristor",
    "memrc_potassium",
    "two_neurons",
    "hopfield",
    "cobahh",
    "small_network",
    "hh_gap_ring",
    "hh_user_network",
    "hp_voltage_series",
    "hp_voltage_ideal",
    "hh_initial_gates",
    "traub_initial_zero",
    "network_inputs",
    "morris_lecar",
    "nmda_mg_block",
    "double_exp_synapse",
);

/// `-` and `_` are the same in example names.
pub fn normalise(name: &str) -> String {
    name.trim().replace('-', "_")
}

/// The embedded file called `name` (either spelling).
pub fn find(name: &str) -> Option<&'static ModelExample> {
    let n = normalise(name);
    MODEL_EXAMPLES.iter().find(|e| e.name == n)
}

/// The file's `description` (the `[model]` key), for `memrc example list`.
pub fn description(e: &ModelExample) -> String {
    memrc_io::parse_str(e.text, e.name)
        .ok()
        .and_then(|f| f.model.description.map(|d| d.into_inner()))
        .unwrap_or_default()
}
