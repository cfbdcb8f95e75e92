use crate::cli::report::{SourceArgs, evaluate_from, parse_time};
use crate::cli::{Outcome, SpecPaths};
use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use slo::core::model::ServiceSlo;
use std::io::Write;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    specs: SpecPaths,
    #[command(flatten)]
    source: SourceArgs,
    /// The spec's service.
    #[arg(long, value_name = "SERVICE")]
    service: String,
    /// A time inside the incident, RFC 3339.
    #[arg(long, value_name = "TIME")]
    at: String,
    /// The end of the data the incident is read from. Default: the last access-log file's
    /// interval, or now when reading CloudWatch.
    #[arg(long, value_name = "TIME")]
    end: Option<String>,
    /// Write the draft to FILE instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
}

pub fn run(mut args: Args) -> anyhow::Result<Outcome> {
    crate::cli::report::athena_output_from(&mut args.output, &mut args.source)?;
    let at = parse_time("--at", &args.at)?;
    let Some(loaded) = args.specs.load()? else {
        return Ok(Outcome::Findings);
    };
    let slos: Vec<&ServiceSlo> = loaded.specs.iter().map(|s| &s.slo).collect();
    let slo = crate::cli::spec_of(&slos, &args.service)?;
    // Access logs in a local folder: their file names say when they end, and the failing
    // requests' files can be named. In S3 they are read for the report only.
    let local_logs = args
        .source
        .access_logs
        .as_ref()
        .filter(|p| !p.to_string_lossy().starts_with("s3://"));
    let end = match (&args.end, local_logs) {
        (Some(t), _) => parse_time("--end", t)?,
        (None, Some(dir)) => last_log_time(dir)?,
        (None, None) => Utc::now(),
    };
    if at > end {
        bail!("--at {} is after the end of the data ({end})", args.at);
    }
    let evaluation = evaluate_from(&slos, &args.source, end, None)?;
    let Some((o, incident, others)) =
        slo::report::postmortem::covering(&evaluation.report, &args.service, at)
    else {
        let incidents: Vec<String> = evaluation
            .report
            .objectives
            .iter()
            .filter(|o| o.key.service == args.service)
            .flat_map(|o| {
                o.assessment.incidents.iter().map(move |i| {
                    format!(
                        "  {} {} → {}",
                        o.key,
                        i.start.format("%Y-%m-%d %H:%M"),
                        i.end.format("%Y-%m-%d %H:%M")
                    )
                })
            })
            .collect();
        if incidents.is_empty() {
            bail!(
                "no incident of {} covers {} (in the window ending {end}); it has no incident in that window",
                args.service,
                args.at
            );
        }
        bail!(
            "no incident of {} covers {} (in the window ending {end}); its incidents (UTC):\n{}\ngive --at a time inside one",
            args.service,
            args.at,
            incidents.join("\n")
        );
    };
    let failing = match local_logs {
        Some(dir) => {
            let files = slo::source::access_log::find_log_files(dir)?;
            let span = slo::core::window::TimeRange {
                start: incident.impact.start,
                end: incident.impact.end,
            };
            Some(slo::source::access_log::failing::failing_paths(
                &files, slo, o.sli, span,
            ))
        }
        None => None,
    };
    let links = evaluation
        .report
        .links
        .iter()
        .find(|l| l.service == args.service);
    let text = slo::render::postmortem::render(
        o,
        incident,
        &others,
        &slo::render::postmortem::Extras {
            failing: failing.as_ref(),
            links,
        },
    );
    match &args.output {
        Some(path) => slo::render::file::write_atomically(path, text.as_bytes())
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => std::io::stdout().lock().write_all(text.as_bytes())?,
    }
    Ok(Outcome::Fine)
}

/// The end of the newest access-log file's interval (ALB names its files by it).
fn last_log_time(dir: &std::path::Path) -> anyhow::Result<DateTime<Utc>> {
    let files = slo::source::access_log::find_log_files(dir)?;
    files
        .iter()
        .filter_map(|f| f.end_time)
        .max()
        .and_then(|s| DateTime::from_timestamp(s, 0))
        .with_context(|| {
            format!(
                "cannot tell when the access logs under {} end (no ALB file names): give --end",
                dir.display()
            )
        })
}
