use crate::cli::{Outcome, SpecPaths};
use anyhow::Context;
use slo::aws::CloudWatchAlarms;
use slo::core::alarms::{self, Alarm, AlarmPlan};
use slo::render;
use std::collections::BTreeSet;
use std::io::Write;

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub specs: SpecPaths,
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

/// The desired alarms, the plan against CloudWatch, and the store to apply it with; or the
/// outcome to exit with when the specs do not allow a plan.
pub struct Prepared {
    pub desired: Vec<Alarm>,
    pub plan: AlarmPlan,
    pub store: CloudWatchAlarms,
}

impl Prepared {
    pub fn text(&self) -> String {
        render::plan::text(&self.plan, &self.desired)
    }
}

pub async fn prepare(specs: &SpecPaths) -> anyhow::Result<Result<Prepared, Outcome>> {
    let Some(loaded) = specs.load()? else {
        return Ok(Err(Outcome::Findings));
    };
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
        return Ok(Err(Outcome::Findings));
    }
    // The heartbeat alarm belongs to the account, not to a service: every apply keeps it.
    desired.push(alarms::heartbeat_alarm());
    let mut services: BTreeSet<String> =
        loaded.specs.iter().map(|s| s.slo.service.clone()).collect();
    services.insert(alarms::naming::HEARTBEAT_OWNER.to_owned());
    let store = CloudWatchAlarms::new(&slo::aws::load_config().await);
    let plan = slo::reconcile::plan(&store, &desired, &services)
        .await
        .context("cannot read the existing alarms")?;
    Ok(Ok(Prepared {
        desired,
        plan,
        store,
    }))
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let runtime = crate::cli::runtime()?;
    let prepared = match runtime.block_on(prepare(&args.specs))? {
        Ok(p) => p,
        Err(outcome) => return Ok(outcome),
    };
    let text = match args.format {
        Format::Json => render::plan::json(&prepared.plan, &prepared.desired),
        Format::Text => prepared.text(),
    };
    std::io::stdout().lock().write_all(text.as_bytes())?;
    Ok(Outcome::Fine)
}
