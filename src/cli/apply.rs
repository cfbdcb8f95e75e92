use crate::cli::plan::prepare;
use crate::cli::{Outcome, SpecPaths};
use anyhow::{Context, bail};
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
    let deployment = &prepared.deployment;
    if plan.conflicts.is_empty()
        && plan.is_empty()
        && filters.changes.is_empty()
        && prepared.dashboard_changes.is_empty()
        && deployment.changes.is_empty()
        && prepared.mute_rules.is_empty()
    {
        return Ok(Outcome::Fine);
    }
    let changes = Changes {
        alarms: plan.changes.len(),
        filters: filters.changes.len(),
        dashboards: prepared.dashboard_changes.len(),
        services: deployment.changes.len(),
        mute_rules: prepared.mute_rules.len(),
    };
    if plan.conflicts.is_empty() && !args.yes && !confirm(&changes)? {
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
    // The guard leaves the services before its alarm is deleted, and is named by them only
    // once it exists.
    done += slo::alarms::deployment::apply(deployment, &prepared.ecs, false)
        .await
        .context("cannot update an ECS service's deployment alarms")?;
    // A mute rule goes before the alarms it names, and is put once they all exist.
    done += slo::alarms::reconcile::apply_mute_rules(&prepared.mute_rules, &prepared.store, true)
        .await?;
    done += slo::alarms::reconcile::apply(plan, &prepared.store).await?;
    done += slo::alarms::deployment::apply(deployment, &prepared.ecs, true)
        .await
        .context("cannot update an ECS service's deployment alarms")?;
    done += slo::alarms::reconcile::apply_mute_rules(&prepared.mute_rules, &prepared.store, false)
        .await?;
    // After the alarms its alarm widget names.
    done += slo::alarms::reconcile::apply_dashboards(&prepared.dashboard_changes, &prepared.store)
        .await?;
    writeln!(out, "Applied {done} change(s).")?;
    Ok(Outcome::Fine)
}

/// What an apply would change, by kind: alarms, metric filters and dashboards are counted
/// apart, as the plan shows them.
struct Changes {
    alarms: usize,
    filters: usize,
    dashboards: usize,
    services: usize,
    mute_rules: usize,
}

impl std::fmt::Display for Changes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut parts = vec![format!("{} alarm(s)", self.alarms)];
        if self.filters > 0 {
            parts.push(format!("{} metric filter(s)", self.filters));
        }
        if self.dashboards > 0 {
            parts.push(format!("{} dashboard(s)", self.dashboards));
        }
        if self.mute_rules > 0 {
            parts.push(format!("{} mute rule(s)", self.mute_rules));
        }
        if self.services > 0 {
            parts.push(format!(
                "{} ECS service(s)' deployment alarms",
                self.services
            ));
        }
        f.write_str(&parts.join(", "))
    }
}

fn confirm(changes: &Changes) -> anyhow::Result<bool> {
    if !std::io::stdin().is_terminal() {
        bail!("refusing to change {changes} without --yes (standard input is not a terminal)");
    }
    eprint!("Apply the changes to {changes} in CloudWatch? [y/N] ");
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes"))
}
