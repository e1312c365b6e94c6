//! Progress and cancellation of a run.
//!
//! The solvers report the fraction done through observers; a run is split into chunks (at most
//! [`CHUNKS`]) with an observer call between chunks. Every call goes through an [`Observer`]:
//! it may draw a progress bar (the command line's, with `indicatif`), check for Ctrl-C (the
//! command line's signal flag, Python's `PyErr_CheckSignals`), and returns `false` to stop the
//! run, which then ends with [`crate::RunError::Interrupted`] and writes nothing.

/// Largest number of chunks a run is split into (progress and cancellation points).
pub const CHUNKS: u64 = 100;

/// Receives the fraction of a run done (0..=1); returns `false` to stop it.
pub trait Observer {
    /// Reports `fraction` done; `false` stops the run.
    fn observe(&mut self, fraction: f64) -> bool;
}

impl<F: FnMut(f64) -> bool> Observer for F {
    fn observe(&mut self, fraction: f64) -> bool {
        self(fraction)
    }
}

/// An observer that never stops a run and shows nothing.
#[derive(Debug, Default, Clone, Copy)]
pub struct Silent;

impl Observer for Silent {
    fn observe(&mut self, _fraction: f64) -> bool {
        true
    }
}
