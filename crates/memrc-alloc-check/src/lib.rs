//! Test-only crate. Its one test (`tests/no_alloc_per_step.rs`) counts the heap allocations of
//! network runs with a counting global allocator, which would distort every other test binary
//! if it lived in `memrc` itself.
