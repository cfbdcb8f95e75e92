use crate::cli::{Outcome, print_diagnostics, spec_paths};
use slo::spec::{Level, load_paths};
use std::io::Write;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Spec files or directories (searched recursively for *.yaml, *.yml).
    #[arg(value_name = "PATHS", default_value = "slo")]
    paths: Vec<PathBuf>,
    /// Treat warnings as errors.
    #[arg(long)]
    strict: bool,
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let loaded = load_paths(&spec_paths(args.paths))?;
    print_diagnostics(&loaded.diagnostics)?;
    let mut err = std::io::stderr().lock();
    let errors = loaded.diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = loaded
        .diagnostics
        .iter()
        .filter(|d| d.level == Level::Warning)
        .count();
    let failed = errors > 0 || (args.strict && warnings > 0);
    let mut out = std::io::stdout().lock();
    if failed {
        writeln!(
            err,
            "{errors} error(s), {warnings} warning(s) in {} file(s)",
            loaded.files
        )?;
        return Ok(Outcome::Failed);
    }
    let objectives: usize = loaded.specs.iter().map(|s| s.slo.objectives.len()).sum();
    writeln!(
        out,
        "ok: {} spec(s), {objectives} objective(s), {warnings} warning(s)",
        loaded.specs.len()
    )?;
    Ok(Outcome::Fine)
}
