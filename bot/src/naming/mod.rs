//! Naming: from the name a file arrived with to the path it gets in the Jellyfin library.
//! Pure functions only, no I/O (hunch's DESIGN.md D1, and the architecture invariant
//! "naming is a pure function"): the organizer does the moving, and passes in whatever
//! this layer must know about the disk (see [`unique_name`]).
//!
//! The steps, each in its own module:
//! 1. [`parse`] reads the name with hunch (`parse.rs`), [`classify_extension`] its kind.
//! 2. The TMDb client (`crate::tmdb`) may find a [`TmdbMatch`] for the parsed title.
//! 3. [`identify`] decides the [`Category`] and title, weighing the match by [`similarity`]
//!    against the [`Thresholds`] (`identify.rs`, `similarity.rs`).
//! 4. [`plan_path`] lays the file out as CONTRACT.md's "Library layout" says, every
//!    component through [`sanitize_component`]; [`is_inside`] and [`unique_name`] are the
//!    organizer's last checks before it moves anything (`plan.rs`, `sanitize.rs`).

mod identify;
mod parse;
mod plan;
mod sanitize;
mod similarity;

pub use identify::{
    identify, Category, Identified, TmdbKeyword, TmdbKind, TmdbMatch, ANIMATION_GENRE_ID, ANIME_KEYWORD_ID,
};
pub use parse::{classify_extension, parse, warm_up, MediaClass, MediaKind, ParseConfidence, Parsed};
pub use plan::{is_inside, plan_path, unique_name, LibraryDirs, MAX_NAME_ATTEMPTS};
pub use sanitize::{sanitize_component, EMPTY_NAME, MAX_COMPONENT_BYTES};
pub use similarity::{decide, similarity, Confidence, Thresholds};
