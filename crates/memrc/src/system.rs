//! The `System` trait: what time-stepping solvers see. (Being filled in.)
