//! Time-stepping methods. (Being filled in.)
