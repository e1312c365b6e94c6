//! # memrc-io: model files for memrc
//!
//! Reads the TOML model format of `docs/model-format.md` into a built
//! [`memrc::circuit::Circuit`] (or a [`memrc::hopfield::Hopfield`] network) with typed
//! simulation settings, and reports every problem as a one-line
//! `file:line:column: message` ([`LoadError`]).
//!
//! ## Map
//! - [`load`], [`load_str`], [`load_with`], [`load_str_with`]: file → [`LoadedModel`]
//!   ([`ModelKind::Circuit`] with [`CircuitModel`], [`ModelKind::Hopfield`], or
//!   [`ModelKind::Network`] with [`NetworkModel`]: a spiking network built through
//!   [`memrc::net::NetworkBuilder`]).
//! - [`parse_str`]: text → [`ModelFile`] (the file as written, [`schema`]), which
//!   [`ModelFile::to_toml_string`] writes back.
//! - [`units`]: quantities with units (`"120 mS/cm^2"`) → SI values with a [`units::Dimension`].
//! - [`samples`]: CSV/NPY sample files of `samples` stimuli.
//! - [`neuroml`]: NeuroML2 documents (single-compartment cells) → model-file text.
//!
//! ## Running a loaded circuit
//! ```no_run
//! use memrc::circuit::relaxation::{solve_relaxation, solve_stepping};
//! use memrc_io::{Solver, load};
//!
//! let model = load("examples/hh_spike.toml")?;
//! let c = model.circuit().expect("a circuit model");
//! let (v0, x0) = c.initial_state()?;
//! let grid = c.simulation.grid()?;
//! let solution = match &c.simulation.solver {
//!     Solver::Relaxation(opts) => solve_relaxation(&c.circuit, grid, &v0, &x0, *opts)?.solution,
//!     Solver::Stepping { scheme } => solve_stepping(&c.circuit, grid, &v0, &x0, *scheme)?,
//!     Solver::Ode { .. } => unimplemented!("memrc::solver::solve on CircuitSystem"),
//! };
//! # let _ = solution;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]

mod channel;
mod circuit;
mod error;
mod load;
mod model;
mod network;
pub mod neuroml;
pub mod samples;
pub mod schema;
pub mod units;

pub use error::LoadError;
pub use load::{
    DEFAULT_INPUT_LIMIT, DEFAULT_MEMORY_LIMIT, LoadOptions, human_bytes, load, load_str,
    load_str_with, load_with, parse_str, read_input, read_input_text,
};
pub use model::{
    COUPLING_NAMES, CircuitModel, HopfieldModel, Initial, InitialStateValue, LoadedModel,
    ModelKind, NetworkModel, OutputFormat, OutputSettings, Probe, ProbeTarget, Simulation, Solver,
    solver_names,
};
pub use schema::ModelFile;
