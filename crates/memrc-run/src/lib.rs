//! memrc's run pipeline, shared by the command line (`memrc run`, `memrc check`) and Python
//! (`memrc.load(...).run()`): load a model file, apply overrides, simulate, and return a typed
//! result (time axis, traces with units, spikes, summary) or write it to an output directory.

// Elements and the embedded example files (issue #11 §2, §4).
pub mod element;
pub mod examples;
