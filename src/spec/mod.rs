//! SLO spec files: wire format (`wire`), notations (`scalars`), checks (`convert`), files
//! and directories (`load`), and the diagnostics they produce (`diag`).

pub mod convert;
pub mod diag;
pub mod keys;
pub mod load;
pub mod scalars;
pub mod wire;

pub use diag::{Diagnostic, Level};
pub use load::{LoadError, Loaded, LoadedSpec, load_paths};

/// Where specs are read from when no path is given.
pub const DEFAULT_DIR: &str = "slo";
