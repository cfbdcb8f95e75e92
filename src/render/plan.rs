//! An alarm plan for people (`slo plan`, `slo apply`) and for scripts (`--format json`, whose
//! schema is `schema/plan.schema.json`).

use crate::core::alarms::dashboard::{
    CENTS_PER_DASHBOARD, Dashboard, FREE_DASHBOARD_METRICS, FREE_DASHBOARDS,
};
use crate::core::alarms::mute::MuteRuleChange;
use crate::core::alarms::{
    Action, Alarm, AlarmPlan, CENTS_PER_ALARM_METRIC, CENTS_PER_COMPOSITE, CENTS_PER_CUSTOM_METRIC,
    MetricFilter, monthly_cost_usd,
};
use crate::core::alarms::{DashboardChange, FilterPlan};
use schemars::JsonSchema;
use serde::Serialize;

/// Everything a plan covers: alarms, and the metric filters log-pattern alarms count with.
pub struct PlanView<'a> {
    pub alarms: &'a AlarmPlan,
    pub desired: &'a [Alarm],
    pub filters: &'a FilterPlan,
    pub desired_filters: &'a [MetricFilter],
    pub dashboards: &'a [Dashboard],
    pub dashboard_changes: &'a [DashboardChange],
    pub deployment: &'a crate::alarms::deployment::DeploymentPlan,
    /// Maintenance windows' alarm mute rules.
    pub mute_rules: &'a [crate::core::alarms::mute::MuteRuleChange],
    /// Exclusions a mute rule cannot express.
    pub mute_warnings: &'a [String],
}

impl PlanView<'_> {
    /// Alarms at list price, and a custom metric per metric filter.
    pub fn monthly_cost_usd(&self) -> f64 {
        monthly_cost_usd(self.desired)
            + (CENTS_PER_CUSTOM_METRIC * self.desired_filters.len() as u64) as f64 / 100.0
            + (CENTS_PER_DASHBOARD * self.dashboards.len() as u64) as f64 / 100.0
    }
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
#[schemars(title = "slo plan")]
pub struct PlanJson {
    /// In the order `slo apply` makes them: metric filters, ECS services losing the guard,
    /// mute rules going, alarms, ECS services gaining the guard, mute rules put, dashboards.
    pub changes: Vec<ChangeJson>,
    /// Desired alarms that already match.
    pub unchanged: usize,
    /// Names slo needs that alarms it does not manage already have.
    pub conflicts: Vec<String>,
    /// Log groups that do not exist: their metric filters are skipped.
    pub missing_log_groups: Vec<String>,
    /// What the plan tells and does not do: services whose deployment alarms cannot be kept
    /// (another deployment controller, unreadable), and `rollbackOnBurn: snippet` texts.
    pub warnings: Vec<String>,
    pub desired_alarms: usize,
    pub desired_metric_filters: usize,
    /// CloudWatch list price of the desired alarms and filter metrics per month.
    pub monthly_cost_usd: f64,
}

/// An alarm change keeps its shape (`alarm`, `type` metric or composite, `fields`); a metric
/// filter change carries its own key and `"type": "metric_filter"`.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum ChangeJson {
    Alarm {
        /// `create`, `update` or `delete`.
        #[schemars(extend("enum" = ["create", "update", "delete"]))]
        action: &'static str,
        alarm: String,
        /// `metric` or `composite`.
        #[serde(rename = "type")]
        #[schemars(extend("enum" = ["metric", "composite"]))]
        kind: &'static str,
        /// For updates: the AWS names of the fields that differ.
        fields: Vec<&'static str>,
    },
    Dashboard {
        #[schemars(extend("enum" = ["create", "update", "delete"]))]
        action: &'static str,
        #[serde(rename = "type")]
        #[schemars(extend("enum" = ["dashboard"]))]
        kind: &'static str,
        dashboard: String,
    },
    MetricFilter {
        #[schemars(extend("enum" = ["create", "update", "delete"]))]
        action: &'static str,
        #[serde(rename = "type")]
        #[schemars(extend("enum" = ["metric_filter"]))]
        kind: &'static str,
        metric_filter: String,
        log_group: String,
    },
    /// A maintenance window's alarm mute rule (CloudWatch mutes the named alarms' actions
    /// on its schedule).
    MuteRule {
        #[schemars(extend("enum" = ["create", "update", "delete"]))]
        action: &'static str,
        #[serde(rename = "type")]
        #[schemars(extend("enum" = ["mute_rule"]))]
        kind: &'static str,
        mute_rule: String,
        /// `cron(…)` or `at(…)`; null for a deletion.
        expression: Option<String>,
        /// ISO 8601 (`PT2H`); null for a deletion.
        duration: Option<String>,
        time_zone: Option<String>,
        /// The alarms it mutes; empty for a deletion.
        alarm_names: Vec<String>,
    },
    /// An ECS service's deployment alarms (`ecs.rollbackOnBurn`): the whole list after, and
    /// before, the change.
    EcsDeploymentAlarms {
        #[schemars(extend("enum" = ["update"]))]
        action: &'static str,
        #[serde(rename = "type")]
        #[schemars(extend("enum" = ["ecs_deployment_alarms"]))]
        kind: &'static str,
        /// The spec's service.
        service: String,
        cluster: String,
        /// The ECS service's name.
        ecs_service: String,
        alarm_names: Vec<String>,
        previous_alarm_names: Vec<String>,
        enable: bool,
        rollback: bool,
    },
}

impl PlanJson {
    pub fn new(view: &PlanView<'_>) -> PlanJson {
        let filters = view
            .filters
            .changes
            .iter()
            .map(|c| ChangeJson::MetricFilter {
                action: c.action().as_str(),
                kind: "metric_filter",
                metric_filter: c.name().to_owned(),
                log_group: c.log_group().to_owned(),
            });
        let alarms = view.alarms.changes.iter().map(|c| ChangeJson::Alarm {
            action: c.action().as_str(),
            alarm: c.name().to_owned(),
            kind: if c.is_composite() {
                "composite"
            } else {
                "metric"
            },
            fields: c.fields().to_vec(),
        });
        let dashboards = view
            .dashboard_changes
            .iter()
            .map(|c| ChangeJson::Dashboard {
                action: c.action().as_str(),
                kind: "dashboard",
                dashboard: c.name().to_owned(),
            });
        let services = |adding: bool| {
            view.deployment
                .changes
                .iter()
                .filter(move |c| c.adds_guard() == adding)
                .map(|c| ChangeJson::EcsDeploymentAlarms {
                    action: "update",
                    kind: "ecs_deployment_alarms",
                    service: c.service.clone(),
                    cluster: c.cluster.clone(),
                    ecs_service: c.ecs_service.clone(),
                    alarm_names: c.after.names.clone(),
                    previous_alarm_names: c.before.names.clone(),
                    enable: c.after.enable,
                    rollback: c.after.rollback,
                })
        };
        let mutes = |deletes: bool| {
            view.mute_rules
                .iter()
                .filter(move |c| matches!(c, MuteRuleChange::Delete { .. }) == deletes)
                .map(|c| {
                    let rule = match c {
                        MuteRuleChange::Put { rule, .. } => Some(rule),
                        MuteRuleChange::Delete { .. } => None,
                    };
                    ChangeJson::MuteRule {
                        action: c.action().as_str(),
                        kind: "mute_rule",
                        mute_rule: c.name().to_owned(),
                        expression: rule.map(|r| r.expression.clone()),
                        duration: rule.map(|r| r.duration.clone()),
                        time_zone: rule.map(|r| r.time_zone.clone()),
                        alarm_names: rule.map(|r| r.alarm_names.clone()).unwrap_or_default(),
                    }
                })
        };
        PlanJson {
            changes: filters
                .chain(services(false))
                .chain(mutes(true))
                .chain(alarms)
                .chain(services(true))
                .chain(mutes(false))
                .chain(dashboards)
                .collect(),
            warnings: view
                .deployment
                .warnings
                .iter()
                .chain(&view.deployment.snippets)
                .chain(view.mute_warnings)
                .cloned()
                .collect(),
            unchanged: view.alarms.unchanged,
            conflicts: view.alarms.conflicts.clone(),
            missing_log_groups: view.filters.missing_log_groups.clone(),
            desired_alarms: view.desired.len(),
            desired_metric_filters: view.desired_filters.len(),
            monthly_cost_usd: view.monthly_cost_usd(),
        }
    }
}

pub fn json(view: &PlanView<'_>) -> String {
    super::json::pretty(&PlanJson::new(view))
}

fn sign(a: Action) -> (char, &'static str) {
    match a {
        Action::Create => ('+', "create"),
        Action::Update => ('~', "update"),
        Action::Delete => ('-', "delete"),
    }
}

pub fn text(view: &PlanView<'_>) -> String {
    let plan = view.alarms;
    let mut out = String::new();
    for c in &view.filters.changes {
        let (sign, verb) = sign(c.action());
        out.push_str(&format!(
            "{sign} {verb} metric filter {} on {}\n",
            c.name(),
            c.log_group()
        ));
    }
    for g in &view.filters.missing_log_groups {
        out.push_str(&format!(
            "! log group {g} does not exist: its metric filters are skipped (the alarms on them stay at no data)\n"
        ));
    }
    for c in &plan.changes {
        let (sign, verb) = sign(c.action());
        out.push_str(&format!("{sign} {verb} {}", c.name()));
        if !c.fields().is_empty() {
            out.push_str(&format!("  ({})", c.fields().join(", ")));
        }
        out.push('\n');
    }
    for c in view.dashboard_changes {
        let (sign, verb) = sign(c.action());
        out.push_str(&format!("{sign} {verb} dashboard {}\n", c.name()));
    }
    for c in &view.deployment.changes {
        let guard = crate::core::alarms::naming::guard(&c.service);
        let what = if c.adds_guard() {
            format!("+ {guard}")
        } else {
            format!("- {guard}")
        };
        let kept: Vec<&String> = c.after.names.iter().filter(|n| **n != guard).collect();
        let kept = if kept.is_empty() {
            String::new()
        } else {
            format!(
                ", keeping {}",
                kept.iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        out.push_str(&format!(
            "~ update ECS service {}/{} deployment alarms: {what}{kept} (enable {}, rollback {}; circuit breaker and percentages kept)\n",
            c.cluster, c.ecs_service, c.after.enable, c.after.rollback
        ));
    }
    for c in view.mute_rules {
        let (sign, verb) = sign(c.action());
        match c {
            MuteRuleChange::Put { rule, .. } => out.push_str(&format!(
                "{sign} {verb} mute rule {}: {} for {} ({}), muting {} alarm(s) — {}\n",
                rule.name,
                rule.expression,
                rule.duration,
                rule.time_zone,
                rule.alarm_names.len(),
                rule.description
            )),
            MuteRuleChange::Delete { name } => {
                out.push_str(&format!("{sign} {verb} mute rule {name}\n"))
            }
        }
    }
    for w in view.mute_warnings {
        out.push_str(&format!("! {w}\n"));
    }
    for w in &view.deployment.warnings {
        out.push_str(&format!("! {w}\n"));
    }
    for s in &view.deployment.snippets {
        out.push_str(s);
    }
    for name in &plan.conflicts {
        out.push_str(&format!(
            "! conflict {name}: an alarm not managed by slo has this name; slo leaves it alone\n"
        ));
    }
    let count = |a| plan.changes.iter().filter(|c| c.action() == a).count();
    if plan.changes.is_empty()
        && view.filters.changes.is_empty()
        && view.dashboard_changes.is_empty()
        && view.deployment.changes.is_empty()
        && view.mute_rules.is_empty()
    {
        out.push_str("No changes: CloudWatch matches the specs.\n");
    }
    out.push_str(&format!(
        "Plan: {} alarm(s) to create, {} to update, {} to delete, {} unchanged.\n",
        count(Action::Create),
        count(Action::Update),
        count(Action::Delete),
        plan.unchanged
    ));
    if !view.dashboard_changes.is_empty() {
        let dcount = |a| {
            view.dashboard_changes
                .iter()
                .filter(|c| c.action() == a)
                .count()
        };
        out.push_str(&format!(
            "Dashboards: {} to create, {} to update, {} to delete.\n",
            dcount(Action::Create),
            dcount(Action::Update),
            dcount(Action::Delete)
        ));
    }
    if !view.desired_filters.is_empty() || !view.filters.changes.is_empty() {
        let fcount = |a| {
            view.filters
                .changes
                .iter()
                .filter(|c| c.action() == a)
                .count()
        };
        out.push_str(&format!(
            "Metric filters: {} to create, {} to update, {} to delete ({} desired).\n",
            fcount(Action::Create),
            fcount(Action::Update),
            fcount(Action::Delete),
            view.desired_filters.len()
        ));
    }
    out.push_str(&cost_line(view));
    if !view.dashboards.is_empty() {
        let metrics: Vec<String> = view
            .dashboards
            .iter()
            .map(|d| format!("{} ({} metrics)", d.name, d.metric_count()))
            .collect();
        let all_small = view
            .dashboards
            .iter()
            .all(|d| d.metric_count() <= FREE_DASHBOARD_METRICS);
        out.push_str(&format!(
            "Dashboards: {} at ${:.2} a month each: ${:.2} a month in all; free instead if they are among the account's first {FREE_DASHBOARDS} and have at most {FREE_DASHBOARD_METRICS} metrics ({}).\n",
            metrics.join(", "),
            CENTS_PER_DASHBOARD as f64 / 100.0,
            view.monthly_cost_usd(),
            if all_small { "these do" } else { "not all of these do" }
        ));
    }
    out
}

/// The monthly cost of the plan, and what it is made of.
fn cost_line(view: &PlanView<'_>) -> String {
    let desired = view.desired;
    let composites = desired.iter().filter(|a| a.is_composite()).count();
    let metrics: usize = desired
        .iter()
        .map(|a| match a {
            Alarm::Metric(m) => m.source.metric_count(),
            Alarm::Composite(_) => 0,
        })
        .sum();
    let dollars = |cents: u64| cents as f64 / 100.0;
    let filters = if view.desired_filters.is_empty() {
        String::new()
    } else {
        format!(
            " + {} filter metrics at ${:.2}",
            view.desired_filters.len(),
            dollars(CENTS_PER_CUSTOM_METRIC)
        )
    };
    format!(
        "Monthly cost of the {} desired alarms: ${:.2} = {metrics} metrics read by {} metric alarms at ${:.2} + {composites} composite alarms at ${:.2}{filters} (CloudWatch list prices). One composite per severity, not per tier, costs ${:.2} less per objective with the four default tiers.\n",
        desired.len(),
        monthly_cost_usd(desired)
            + (CENTS_PER_CUSTOM_METRIC * view.desired_filters.len() as u64) as f64 / 100.0,
        desired.len() - composites,
        dollars(CENTS_PER_ALARM_METRIC),
        dollars(CENTS_PER_COMPOSITE),
        dollars(2 * CENTS_PER_COMPOSITE),
    )
}
