//! placeholder
/// placeholder
pub struct Grid;
/// placeholder
pub struct Trajectory;
