//! Solvers: time stepping ([`step`]) on a [`crate::system::System`]. (Being filled in.)
pub mod step;
