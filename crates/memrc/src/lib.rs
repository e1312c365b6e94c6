//! # memrc: gradient modelling and simulation of memristive systems
//!
//! memrc implements the framework of Forni and Sepulchre, *Gradient modelling of memristive
//! systems*: a memristive element `ẋ = f(x, v)`, `i = g(x, v) v` (eq. 1) is the Riemannian
//! gradient, with metric `1/g`, of the quadratic co-content `½⟨v, v⟩` in the space of past
//! voltage trajectories (Theorem 2, eq. 32).
//!
//! ## Map
//! - [`trajectory`]: signals on a uniform time grid ([`Trajectory`], [`Grid`]) and the inner
//!   products of the paper: L2 (eq. 13, 27, 38), fading memory (eq. 6), the metrics `1/g`
//!   (eq. 28) and `1/G` (eq. 41); window restriction, the shift-and-project `Δ_t` (eq. 8) and
//!   interpolation.
//! - [`element`]: the [`Element`] trait (Chua–Kang form) and the built-in kinds — ideal,
//!   HP/Strukov (with Joglekar, Biolek, Prodromakis windows), VTEAM, Yakopcic, Hodgkin–Huxley
//!   and Traub–Miles channels, the kinetic synapse two-port, static and relaxation resistors and
//!   multi-port networks — with the [`element::Catalogue`] that builds them by name; gate
//!   kinetics as data with block kernels ([`element::gate`]) and channels as network
//!   mechanisms ([`element::mechanism`]).
//! - [`memconductance`]: the feed-forward memconductance operator `v ↦ g(v)` (eq. 7–9).
//! - [`analysis`]: the paper's assumptions and properties as reports (positivity, fading
//!   memory, passivity, pinched hysteresis) and the gradient structure (dissipation, co-content
//!   path integrals, Riemannian gradient; Theorems 1 and 2).
//! - [`discretisation`]: the one-step schemes for `ẋ = a − b x` shared by the memconductance
//!   operator and the memRC solvers.
//! - [`hopfield`]: Hopfield networks as nonlinear RC circuits (eq. 49–53): co-content, metric,
//!   the decreasing function `½ΦᵀWΦ − IᵀΦ`, the gradient-form check and an RK4 simulation.
//! - [`math`]: the bottom of the crate, depending on nothing else in it: the φ-functions, the
//!   linoid, the one exponential update of `ẋ = a − b x`, the one RK4 step and the dense LU.
//! - [`simd`]: the arithmetic every kernel is written over (fused, unfused, standard library),
//!   the branch-free `exp` and linoid, and the run-time AVX2+FMA dispatch.
//! - [`net`]: conductance-based neuron networks at scale (populations, projections, COBAHH).
//! - [`params`]: parameter metadata (unit, default, range) shared by validation, model files
//!   and docs; [`params::Parameters`] and [`param_struct!`] declare a model's fields and table
//!   from one list.
//! - [`error`]: typed errors, one module for every layer.
//!
//! ## Units
//! SI base units throughout, no prefixes: volts, amperes, siemens, seconds, farads; channel
//! densities per square metre (S/m², A/m², F/m²).

#![warn(missing_docs)]

pub mod analysis;
pub mod circuit;
pub mod discretisation;
pub mod element;
pub mod error;
pub mod hopfield;
pub mod math;
pub mod memconductance;
pub mod net;
pub mod params;
pub mod simd;
pub mod solver;
pub mod system;
pub mod trajectory;

pub use element::{Element, ElementJacobian, KindInfo, StateForm, StateInfo};
pub use error::{Error, ModelError, Result, SolverError, TrajectoryError};
pub use params::{ParamInfo, ParamSet};
pub use trajectory::{Grid, Trajectory};
