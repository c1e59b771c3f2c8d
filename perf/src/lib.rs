//! The performance suite and the local test servers: not written yet (issues: local servers, perf suite).
