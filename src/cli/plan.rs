use crate::cli::{Outcome, print_diagnostics, spec_paths};
use anyhow::Context;
use slo::aws::alarms::AlarmStore;
use slo::core::alarms::{self, Alarm, AlarmPlan, naming};
use std::collections::BTreeSet;
use std::io::Write;
use std::path::PathBuf;

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Spec files or directories.
    #[arg(value_name = "PATHS", default_value = "slo")]
    pub paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

/// The desired alarms, the plan against CloudWatch, and the store to apply it with; or the
/// outcome to exit with when the specs do not allow a plan.
pub struct Prepared {
    pub desired: Vec<Alarm>,
    pub plan: AlarmPlan,
    pub store: AlarmStore,
}

pub async fn prepare(paths: Vec<PathBuf>) -> anyhow::Result<Result<Prepared, Outcome>> {
    let loaded = slo::spec::load_paths(&spec_paths(paths))?;
    print_diagnostics(&loaded.diagnostics)?;
    if loaded.has_errors() {
        return Ok(Err(Outcome::Failed));
    }
    let mut desired = Vec::new();
    let mut limits = Vec::new();
    for s in &loaded.specs {
        match alarms::desired_alarms(&s.slo) {
            Ok(a) => desired.extend(a),
            Err(e) => limits.extend(e.into_iter().map(|e| (s.file.clone(), e))),
        }
    }
    if !limits.is_empty() {
        let mut err = std::io::stderr().lock();
        for (file, e) in limits {
            writeln!(
                err,
                "{}: error: CloudWatch would refuse this alarm: {e}",
                file.display()
            )?;
        }
        return Ok(Err(Outcome::Failed));
    }
    let services: BTreeSet<String> = loaded.specs.iter().map(|s| s.slo.service.clone()).collect();
    let store = AlarmStore::from_environment().await;
    let existing = store
        .list(naming::PREFIX)
        .await
        .context("cannot read the existing alarms")?;
    let plan = alarms::plan(&desired, &existing, &services);
    Ok(Ok(Prepared {
        desired,
        plan,
        store,
    }))
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let runtime = crate::cli::runtime()?;
    let prepared = match runtime.block_on(prepare(args.paths))? {
        Ok(p) => p,
        Err(outcome) => return Ok(outcome),
    };
    let cost = alarms::monthly_cost_usd(&prepared.desired);
    let text = match args.format {
        Format::Json => json(&prepared.plan, cost, prepared.desired.len()),
        Format::Text => text(&prepared.plan, cost, prepared.desired.len()),
    };
    std::io::stdout().lock().write_all(text.as_bytes())?;
    Ok(Outcome::Fine)
}

pub fn json(plan: &AlarmPlan, cost: f64, desired: usize) -> String {
    let changes: Vec<serde_json::Value> = plan
        .changes
        .iter()
        .map(|c| {
            serde_json::json!({
                "action": c.action.as_str(),
                "alarm": c.alarm,
                "type": if c.composite { "composite" } else { "metric" },
                "fields": c.fields,
            })
        })
        .collect();
    let v = serde_json::json!({
        "changes": changes,
        "unchanged": plan.unchanged,
        "conflicts": plan.conflicts,
        "desired_alarms": desired,
        "monthly_cost_usd": cost,
    });
    let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
    s.push('\n');
    s
}

pub fn text(plan: &AlarmPlan, cost: f64, desired: usize) -> String {
    let mut out = String::new();
    for c in &plan.changes {
        let (sign, verb) = match c.action {
            alarms::Action::Create => ('+', "create"),
            alarms::Action::Update => ('~', "update"),
            alarms::Action::Delete => ('-', "delete"),
        };
        out.push_str(&format!("{sign} {verb} {}", c.alarm));
        if !c.fields.is_empty() {
            out.push_str(&format!("  ({})", c.fields.join(", ")));
        }
        out.push('\n');
    }
    for name in &plan.conflicts {
        out.push_str(&format!(
            "! conflict {name}: an alarm not managed by slo has this name; slo leaves it alone\n"
        ));
    }
    let count = |a| plan.changes.iter().filter(|c| c.action == a).count();
    if plan.changes.is_empty() {
        out.push_str("No changes: CloudWatch matches the specs.\n");
    }
    out.push_str(&format!(
        "Plan: {} to create, {} to update, {} to delete, {} unchanged.\n",
        count(alarms::Action::Create),
        count(alarms::Action::Update),
        count(alarms::Action::Delete),
        plan.unchanged
    ));
    out.push_str(&format!(
        "Monthly cost of the {desired} desired alarms: ${cost:.2} (CloudWatch list prices: $0.10 per metric an alarm reads, $0.50 per composite alarm).\n"
    ));
    out
}
