//! TMDb server tests: not written yet.
