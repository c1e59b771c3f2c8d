//! teloxide conversation: not written yet.
