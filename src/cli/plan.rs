use crate::cli::{Outcome, SpecPaths};
use anyhow::Context;
use slo::aws::{CloudWatchAlarms, CloudWatchLogs};
use slo::core::alarms::dashboard::Dashboard;
use slo::core::alarms::{self, Alarm, AlarmPlan, MetricFilter};
use slo::core::alarms::{DashboardChange, FilterPlan};
use slo::render;
use std::collections::{BTreeMap, BTreeSet};
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
    pub desired_filters: Vec<MetricFilter>,
    pub filters: FilterPlan,
    pub logs: CloudWatchLogs,
    pub dashboards: Vec<Dashboard>,
    pub dashboard_changes: Vec<DashboardChange>,
    pub deployment: slo::alarms::deployment::DeploymentPlan,
    pub ecs: slo::aws::EcsDeployments,
    pub mute_rules: Vec<slo::core::alarms::mute::MuteRuleChange>,
    pub mute_warnings: Vec<String>,
}

impl Prepared {
    pub fn view(&self) -> render::plan::PlanView<'_> {
        render::plan::PlanView {
            alarms: &self.plan,
            desired: &self.desired,
            filters: &self.filters,
            desired_filters: &self.desired_filters,
            dashboards: &self.dashboards,
            dashboard_changes: &self.dashboard_changes,
            deployment: &self.deployment,
            mute_rules: &self.mute_rules,
            mute_warnings: &self.mute_warnings,
        }
    }

    pub fn text(&self) -> String {
        render::plan::text(&self.view())
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
    let config = slo::aws::load_config().await;
    slo::aws::check_config(&config).await?;
    let region = config
        .region()
        .map_or_else(|| "us-east-1".to_owned(), |r| r.to_string());
    let slos: Vec<&slo::core::model::ServiceSlo> = loaded.specs.iter().map(|s| &s.slo).collect();
    let wrong = slo::core::model::region_mismatches(&slos, &region);
    if !wrong.is_empty() {
        anyhow::bail!("{}", wrong.join("\n"));
    }
    let mut dashboards = Vec::new();
    for s in loaded.specs.iter().filter(|s| s.slo.dashboard) {
        // The alarm widget needs ARNs: the account comes from the spec's SNS topic.
        let account = s
            .slo
            .notify
            .sns_topic
            .as_ref()
            .and_then(|t| t.split(':').nth(4).map(str::to_owned));
        let arns: Vec<String> = account
            .iter()
            .flat_map(|account| {
                let region = &region;
                desired
                    .iter()
                    .filter(|a| a.tags().get(alarms::naming::TAG_SERVICE) == Some(&s.slo.service))
                    .filter(|a| {
                        let n = a.name();
                        n.ends_with(":page")
                            || n.ends_with(":ticket")
                            || n.contains(":infra:")
                            || n.contains(":logs:")
                    })
                    .map(move |a| {
                        format!("arn:aws:cloudwatch:{region}:{account}:alarm:{}", a.name())
                    })
            })
            .collect();
        match alarms::dashboard::desired_dashboard(&s.slo, &region, &arns, &spec_file_name(&s.file))
        {
            Ok(d) => dashboards.push(d),
            Err(e) => {
                writeln!(std::io::stderr(), "{}: error: {e}", s.file.display())?;
                return Ok(Err(Outcome::Findings));
            }
        }
    }
    let store = CloudWatchAlarms::new(&config);
    let plan = slo::alarms::reconcile::plan(&store, &desired, &services)
        .await
        .context("cannot read the existing alarms")?;
    let desired_filters: Vec<MetricFilter> = loaded
        .specs
        .iter()
        .flat_map(|s| alarms::desired_filters(&s.slo))
        .collect();
    let owned: BTreeMap<String, String> = loaded
        .specs
        .iter()
        .filter_map(|s| {
            let group = s.slo.ecs.as_ref()?.log_group.clone()?;
            Some((s.slo.service.clone(), group))
        })
        .collect();
    let logs = CloudWatchLogs::new(&config);
    // Specs without log alarms need no Logs call (nor its permission).
    let filters = if desired_filters.is_empty() && owned.is_empty() {
        FilterPlan::default()
    } else {
        slo::alarms::reconcile::plan_filters(&logs, &desired_filters, &owned)
            .await
            .context("cannot read the existing metric filters")?
    };
    let dashboard_changes = slo::alarms::reconcile::plan_dashboards(&store, &dashboards, &services)
        .await
        .context("cannot read the existing dashboards")?;
    // The services' deployment alarms: only where a spec wants the guard, or its guard alarm
    // is being deleted (the flag went: our name leaves the service first).
    let ecs = slo::aws::EcsDeployments::new(&config);
    let deleting: BTreeSet<String> = plan
        .changes
        .iter()
        .filter(|c| c.action() == alarms::Action::Delete)
        .map(|c| c.name().to_owned())
        .collect();
    let deployment =
        slo::alarms::deployment::plan(&ecs, &slos, &|guard| deleting.contains(guard)).await;
    // Maintenance windows: a mute rule per exclusion that can still mute something.
    let names: Vec<&str> = desired.iter().map(|a| a.name()).collect();
    let mut wanted_rules = Vec::new();
    let mut mute_warnings = Vec::new();
    for slo in &slos {
        let (rules, warnings) = alarms::mute::desired_mute_rules(slo, &names, chrono::Utc::now());
        wanted_rules.extend(rules);
        mute_warnings.extend(warnings);
    }
    // Accounts without any exclusion make no mute-rule call (nor need its permission).
    let mute_rules = if wanted_rules.is_empty() && slos.iter().all(|s| s.exclusions.is_empty()) {
        match slo::alarms::reconcile::plan_mute_rules(&store, &[], &services).await {
            Ok(changes) => changes,
            Err(e) if e.kind == slo::aws::ErrorKind::AccessDenied => Vec::new(),
            Err(e) => return Err(e).context("cannot read the existing alarm mute rules"),
        }
    } else {
        slo::alarms::reconcile::plan_mute_rules(&store, &wanted_rules, &services)
            .await
            .context("cannot read the existing alarm mute rules")?
    };
    Ok(Ok(Prepared {
        mute_rules,
        mute_warnings,
        deployment,
        ecs,
        desired,
        plan,
        store,
        desired_filters,
        filters,
        logs,
        dashboards,
        dashboard_changes,
    }))
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let runtime = crate::cli::runtime()?;
    let prepared = match runtime.block_on(prepare(&args.specs))? {
        Ok(p) => p,
        Err(outcome) => return Ok(outcome),
    };
    let text = match args.format {
        Format::Json => render::plan::json(&prepared.view()),
        Format::Text => prepared.text(),
    };
    std::io::stdout().lock().write_all(text.as_bytes())?;
    Ok(Outcome::Fine)
}

/// The spec's file name, for the dashboard's text: not its path, which depends on where
/// `slo` runs from, so the dashboard does not change with the working directory.
fn spec_file_name(path: &std::path::Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}
