//! The catalogue stage: the input model, units, and loading YAML/CSV with located errors.
//!
//! `load` turns a directory of files into a validated [`Catalog`] or the full list of
//! [`Diagnostic`]s; nothing downstream ever sees an invalid catalogue.

pub mod diag;
pub mod dialect;
pub mod export;
pub mod fields;
pub mod load;
pub mod model;
pub mod reach;
pub mod tree;
pub mod units;

pub use diag::{Diagnostic, Loc};
pub use load::{LoadOptions, Loaded, Locations, load};
pub use model::*;
pub use units::{Density, Quantity, Unit, UnitKind};
