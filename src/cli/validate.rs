use crate::cli::{Outcome, SpecPaths, print_diagnostics};
use slo::spec::{Level, load_paths};
use std::io::Write;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    specs: SpecPaths,
    /// Treat warnings as errors.
    #[arg(long)]
    strict: bool,
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let loaded = load_paths(&args.specs.paths)?;
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
        return Ok(Outcome::Findings);
    }
    let objectives: usize = loaded.specs.iter().map(|s| s.slo.objectives.len()).sum();
    writeln!(
        out,
        "ok: {} spec(s), {objectives} objective(s), {warnings} warning(s)",
        loaded.specs.len()
    )?;
    Ok(Outcome::Fine)
}
