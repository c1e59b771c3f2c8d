//! Wall-clock timestamps for records and logs.

/// Now, as ISO 8601 / RFC 3339 in UTC with microseconds (`2026-12-03T17:45:00.123456Z`).
pub fn iso_now() -> String {
    humantime::format_rfc3339_micros(std::time::SystemTime::now()).to_string()
}
