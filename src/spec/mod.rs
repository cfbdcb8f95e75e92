//! SLO spec files: files and directories read and each document handed to its format's
//! loader (`load`), the `slo/v1` format (`slo_v1/`: wire types, structure walk, checks), OpenSLO
//! v1 mapped onto it and back (`openslo/`), the
//! notations formats share (`scalars`: targets, durations, rates), the diagnostics with
//! file, line, field and hint they all produce (`diag`), and the edits `slo` makes to a spec's
//! text (`edit`: `slo exclude`).

pub mod diag;
pub mod edit;
pub mod load;
pub mod openslo;
pub mod scalars;
pub mod slo_v1;

pub use diag::{Diagnostic, Level};
pub use load::{LoadError, Loaded, LoadedSpec, load_paths};

/// Where specs are read from when no path is given.
pub const DEFAULT_DIR: &str = "slo";
