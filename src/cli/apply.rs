use crate::cli::plan::prepare;
use crate::cli::{Outcome, SpecPaths};
use anyhow::bail;
use std::io::{BufRead, IsTerminal, Write};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    specs: SpecPaths,
    /// Apply without asking.
    #[arg(long)]
    yes: bool,
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let runtime = crate::cli::runtime()?;
    runtime.block_on(apply(args))
}

async fn apply(args: Args) -> anyhow::Result<Outcome> {
    let prepared = match prepare(&args.specs).await? {
        Ok(p) => p,
        Err(outcome) => return Ok(outcome),
    };
    let plan = &prepared.plan;
    let mut out = std::io::stdout().lock();
    out.write_all(prepared.text().as_bytes())?;
    let filters = &prepared.filters;
    if plan.conflicts.is_empty()
        && plan.is_empty()
        && filters.changes.is_empty()
        && prepared.dashboard_changes.is_empty()
    {
        return Ok(Outcome::Fine);
    }
    let changes = plan.changes.len() + filters.changes.len() + prepared.dashboard_changes.len();
    if plan.conflicts.is_empty() && !args.yes && !confirm(changes)? {
        bail!("not applied: confirm at the prompt, or pass --yes");
    }
    if !plan.conflicts.is_empty() {
        // Nothing is changed, filters included.
        slo::alarms::reconcile::apply(plan, &prepared.store).await?;
    }
    for g in &filters.missing_log_groups {
        eprintln!("slo: warning: log group {g} does not exist: its metric filters were skipped");
    }
    let mut done = slo::alarms::reconcile::apply_filters(filters, &prepared.logs).await?;
    done += slo::alarms::reconcile::apply(plan, &prepared.store).await?;
    // After the alarms its alarm widget names.
    done += slo::alarms::reconcile::apply_dashboards(&prepared.dashboard_changes, &prepared.store)
        .await?;
    writeln!(out, "Applied {done} change(s).")?;
    Ok(Outcome::Fine)
}

fn confirm(changes: usize) -> anyhow::Result<bool> {
    if !std::io::stdin().is_terminal() {
        bail!(
            "refusing to change {changes} alarm(s) without --yes (standard input is not a terminal)"
        );
    }
    eprint!("Apply {changes} change(s) to CloudWatch? [y/N] ");
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes"))
}
