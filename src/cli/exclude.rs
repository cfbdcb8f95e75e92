use crate::cli::report::parse_time;
use crate::cli::{Outcome, SpecPaths};
use anyhow::{Context, bail};
use slo::core::model::ServiceSlo;

/// A correction after the fact (Datadog's "status correction"): the span's requests count for
/// nothing from now on, in every report, replay and post-mortem.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    specs: SpecPaths,
    /// The spec's service.
    #[arg(long, value_name = "SERVICE")]
    service: String,
    /// Start of the span, RFC 3339 (2026-11-08T02:00:00Z).
    #[arg(long, value_name = "TIME")]
    start: String,
    /// End of the span, RFC 3339.
    #[arg(long, value_name = "TIME")]
    end: String,
    /// Why its requests do not count (kept in the spec: the audit trail).
    #[arg(long)]
    reason: String,
    /// Only this objective (default: every objective of the service).
    #[arg(long, value_name = "NAME")]
    objective: Option<String>,
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let Some(loaded) = args.specs.load()? else {
        return Ok(Outcome::Findings);
    };
    let start = parse_time("--start", &args.start)?;
    let end = parse_time("--end", &args.end)?;
    if end <= start {
        bail!("--end {} is not after --start {}", args.end, args.start);
    }
    if args.reason.trim().is_empty() {
        bail!("--reason is empty: say why these requests do not count");
    }
    let all: Vec<&ServiceSlo> = loaded.specs.iter().map(|s| &s.slo).collect();
    let slo = crate::cli::spec_of(&all, &args.service)?;
    if let Some(o) = &args.objective
        && !slo.objectives.iter().any(|x| &x.name == o)
    {
        bail!("--objective {o}: {} has no such objective", slo.service);
    }
    let file = &loaded
        .specs
        .iter()
        .find(|s| s.slo.service == slo.service)
        .context("the spec's file")?
        .file;
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    // A JSON string is a YAML double-quoted scalar: the reason is written safely, whatever
    // it holds.
    let reason = serde_json::to_string(args.reason.trim())?;
    let stamp =
        |t: chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let only = args
        .objective
        .as_ref()
        .map(|o| serde_json::to_string(o).map(|o| format!(", objective: {o}")))
        .transpose()?
        .unwrap_or_default();
    let entry = format!(
        "{{ start: {}, end: {}, reason: {reason}{only} }}",
        stamp(start),
        stamp(end)
    );
    let edited = slo::spec::edit::add_exclusion(&text, &entry)
        .map_err(|e| anyhow::anyhow!("cannot add the exclusion to {}: {e}", file.display()))?;
    // The edited file must still be a valid spec, or nothing is written.
    let mut d = slo::spec::diag::Diagnostics::new(file);
    if slo::spec::load::parse_spec(edited.as_bytes(), &mut d).is_none() || d.has_errors() {
        crate::cli::print_diagnostics(&d.items)?;
        bail!(
            "the edited {} would not be a valid spec: nothing was written",
            file.display()
        );
    }
    slo::render::file::write_atomically(file, edited.as_bytes())
        .with_context(|| format!("cannot write {}", file.display()))?;
    println!(
        "{}: excluded {} → {} ({}) in {}",
        slo.service,
        stamp(start),
        stamp(end),
        args.reason.trim(),
        file.display()
    );
    Ok(Outcome::Fine)
}
