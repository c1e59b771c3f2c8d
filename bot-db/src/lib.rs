//! Placeholder while the database is written (issue: bot-db).
