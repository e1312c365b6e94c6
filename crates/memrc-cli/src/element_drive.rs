//! The element analysis of `memrc element NAME`, which lives in [`memrc_run::element`]
//! (re-exported here for the writers and plots of the command line).

pub use memrc_run::element::Run;
