use crate::cli::Outcome;
use crate::cli::plan::{prepare, text};
use anyhow::bail;
use slo::core::alarms::{self, Action};
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Spec files or directories.
    #[arg(value_name = "PATHS", default_value = "slo")]
    paths: Vec<PathBuf>,
    /// Apply without asking.
    #[arg(long)]
    yes: bool,
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let runtime = crate::cli::runtime()?;
    runtime.block_on(apply(args))
}

async fn apply(args: Args) -> anyhow::Result<Outcome> {
    let prepared = match prepare(args.paths).await? {
        Ok(p) => p,
        Err(outcome) => return Ok(outcome),
    };
    let plan = &prepared.plan;
    let cost = alarms::monthly_cost_usd(&prepared.desired);
    let mut out = std::io::stdout().lock();
    out.write_all(text(plan, cost, prepared.desired.len()).as_bytes())?;
    if !plan.conflicts.is_empty() {
        bail!(
            "{} alarm name(s) slo needs belong to alarms it does not manage; rename or remove them (nothing was changed)",
            plan.conflicts.len()
        );
    }
    if plan.is_empty() {
        return Ok(Outcome::Fine);
    }
    if !args.yes && !confirm(plan.changes.len())? {
        bail!("not applied: confirm at the prompt, or pass --yes");
    }
    let mut done = 0;
    let mut deletes = Vec::new();
    for change in &plan.changes {
        match (change.action, &change.desired) {
            (Action::Delete, _) => deletes.push(change.alarm.clone()),
            (_, Some(alarm)) => {
                let retag = change.action == Action::Update && change.fields.contains(&"Tags");
                prepared.store.put(alarm, retag).await.map_err(|e| {
                    anyhow::anyhow!(
                        "{e} (after {done} of {} changes; run apply again to finish)",
                        plan.changes.len()
                    )
                })?;
                done += 1;
            }
            (_, None) => {}
        }
    }
    // Deletions come last and in plan order: composites before the alarms they name.
    for name in &deletes {
        prepared
            .store
            .delete(std::slice::from_ref(name))
            .await
            .map_err(|e| {
                anyhow::anyhow!(
                    "{e} (after {done} of {} changes; run apply again to finish)",
                    plan.changes.len()
                )
            })?;
        done += 1;
    }
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
