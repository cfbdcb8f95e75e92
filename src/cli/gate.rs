use crate::cli::report::{SourceArgs, evaluate_from, parse_time};
use crate::cli::{Outcome, SpecPaths};
use anyhow::bail;
use chrono::Utc;
use slo::core::gate::{Verdict, judge};
use slo::core::model::ServiceSlo;
use slo::render::percent;
use std::io::Write;

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    /// For a CI step summary.
    Markdown,
}

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    specs: SpecPaths,
    #[command(flatten)]
    source: SourceArgs,
    /// The spec's service about to be deployed.
    #[arg(long, value_name = "SERVICE")]
    service: String,
    /// When to judge, RFC 3339. Default: now.
    #[arg(long, value_name = "TIME")]
    at: Option<String>,
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Deploy despite a freeze, saying why: exit 0, and the reason is in the output (the CI
    /// log is the audit trail).
    #[arg(long = "override", value_name = "REASON")]
    override_reason: Option<String>,
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let Some(loaded) = args.specs.load()? else {
        return Ok(Outcome::Findings);
    };
    let all: Vec<&ServiceSlo> = loaded.specs.iter().map(|s| &s.slo).collect();
    let slo = crate::cli::spec_of(&all, &args.service)?;
    if matches!(&args.override_reason, Some(r) if r.trim().is_empty()) {
        bail!("--override needs a reason: it is the audit trail");
    }
    let at = match &args.at {
        Some(t) => parse_time("--at", t)?,
        None => Utc::now(),
    };
    let slos: Vec<&ServiceSlo> = vec![slo];
    let evaluation = evaluate_from(&slos, &args.source, at, None)?;
    for w in &evaluation.report.warnings {
        eprintln!("slo: warning: {}", w.message);
    }
    let empty = slo::core::events::EventSeries::new(chrono::TimeDelta::minutes(1))?;
    let freeze_below = slo.policy.freeze_below;
    let verdicts: Vec<(String, Verdict)> = evaluation
        .report
        .objectives
        .iter()
        .map(|o| {
            let series = evaluation.data.get(&o.key).map_or(&empty, |d| &d.series);
            (
                o.key.objective.clone(),
                judge(&series.prefix_sums(), o.target, &o.window, at, freeze_below),
            )
        })
        .collect();
    let outcome = decide(&verdicts);
    let text = match args.format {
        Format::Text => text(slo, &verdicts, outcome, args.override_reason.as_deref()),
        Format::Markdown => markdown(slo, &verdicts, outcome, args.override_reason.as_deref()),
    };
    std::io::stdout().lock().write_all(text.as_bytes())?;
    match outcome {
        Decision::NoData => bail!(
            "{}: no objective has data at {}: the gate cannot decide on nothing",
            slo.service,
            at.to_rfc3339()
        ),
        Decision::Freeze if args.override_reason.is_none() => Ok(Outcome::Findings),
        _ => Ok(Outcome::Fine),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Decision {
    Allow,
    Freeze,
    NoData,
}

/// Any objective freezing freezes; objectives without data are told, and decide only when
/// no objective has data.
fn decide(verdicts: &[(String, Verdict)]) -> Decision {
    if verdicts
        .iter()
        .any(|(_, v)| matches!(v, Verdict::Freeze { .. }))
    {
        Decision::Freeze
    } else if verdicts.iter().all(|(_, v)| *v == Verdict::NoData) {
        Decision::NoData
    } else {
        Decision::Allow
    }
}

fn line(objective: &str, v: &Verdict, freeze_below: f64) -> String {
    match v {
        Verdict::NoData => format!("{objective}: no data in the window (not counted)"),
        Verdict::Allow { remaining } => format!("{objective}: budget left {}", percent(*remaining)),
        Verdict::Freeze {
            remaining,
            recovers_at,
        } => format!(
            "{objective}: budget left {} (below {}); {}",
            percent(*remaining),
            percent(freeze_below),
            recovers_at.map_or_else(
                || "does not recover within a window at the current rate".to_owned(),
                |t| format!(
                    "back at {} by {} at the current rate",
                    percent(freeze_below),
                    t.format("%Y-%m-%d %H:%M UTC")
                )
            )
        ),
    }
}

fn headline(slo: &ServiceSlo, d: Decision, override_reason: Option<&str>) -> String {
    let s = &slo.service;
    match (d, override_reason) {
        (Decision::Allow, _) => format!("{s}: deploy allowed"),
        (Decision::Freeze, Some(r)) => format!("{s}: FREEZE OVERRIDDEN — deploying anyway: {r}"),
        (Decision::Freeze, None) => format!(
            "{s}: FREEZE — deployments stop while an objective's error budget is below {}",
            percent(slo.policy.freeze_below)
        ),
        (Decision::NoData, _) => format!("{s}: no data — cannot decide"),
    }
}

fn text(
    slo: &ServiceSlo,
    verdicts: &[(String, Verdict)],
    d: Decision,
    override_reason: Option<&str>,
) -> String {
    let mut out = format!("slo gate: {}\n", headline(slo, d, override_reason));
    for (o, v) in verdicts {
        out.push_str(&format!("  {}\n", line(o, v, slo.policy.freeze_below)));
    }
    out
}

fn markdown(
    slo: &ServiceSlo,
    verdicts: &[(String, Verdict)],
    d: Decision,
    override_reason: Option<&str>,
) -> String {
    let md = slo::render::escape::markdown;
    let mut out = format!(
        "### Error-budget gate: {}\n\n",
        md(&headline(slo, d, override_reason))
    );
    for (o, v) in verdicts {
        out.push_str(&format!("- {}\n", md(&line(o, v, slo.policy.freeze_below))));
    }
    out
}
