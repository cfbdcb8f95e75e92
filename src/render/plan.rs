//! An alarm plan for people (`slo plan`, `slo apply`) and for scripts (`--format json`, whose
//! schema is `schema/plan.schema.json`).

use crate::core::alarms::{
    Action, Alarm, AlarmPlan, CENTS_PER_ALARM_METRIC, CENTS_PER_COMPOSITE, monthly_cost_usd,
};
use schemars::JsonSchema;
use serde::Serialize;

#[derive(Clone, Debug, Serialize, JsonSchema)]
#[schemars(title = "slo plan")]
pub struct PlanJson {
    /// In the order `slo apply` makes them.
    pub changes: Vec<ChangeJson>,
    /// Desired alarms that already match.
    pub unchanged: usize,
    /// Names slo needs that alarms it does not manage already have.
    pub conflicts: Vec<String>,
    pub desired_alarms: usize,
    /// CloudWatch list price of the desired alarms per month.
    pub monthly_cost_usd: f64,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct ChangeJson {
    /// `create`, `update` or `delete`.
    #[schemars(extend("enum" = ["create", "update", "delete"]))]
    pub action: &'static str,
    pub alarm: String,
    /// `metric` or `composite`.
    #[serde(rename = "type")]
    #[schemars(extend("enum" = ["metric", "composite"]))]
    pub kind: &'static str,
    /// For updates: the AWS names of the fields that differ.
    pub fields: Vec<&'static str>,
}

impl PlanJson {
    pub fn new(plan: &AlarmPlan, cost: f64, desired: usize) -> PlanJson {
        PlanJson {
            changes: plan
                .changes
                .iter()
                .map(|c| ChangeJson {
                    action: c.action().as_str(),
                    alarm: c.name().to_owned(),
                    kind: if c.is_composite() {
                        "composite"
                    } else {
                        "metric"
                    },
                    fields: c.fields().to_vec(),
                })
                .collect(),
            unchanged: plan.unchanged,
            conflicts: plan.conflicts.clone(),
            desired_alarms: desired,
            monthly_cost_usd: cost,
        }
    }
}

pub fn json(plan: &AlarmPlan, desired: &[Alarm]) -> String {
    super::json::pretty(&PlanJson::new(
        plan,
        monthly_cost_usd(desired),
        desired.len(),
    ))
}

pub fn text(plan: &AlarmPlan, desired: &[Alarm]) -> String {
    let mut out = String::new();
    for c in &plan.changes {
        let (sign, verb) = match c.action() {
            Action::Create => ('+', "create"),
            Action::Update => ('~', "update"),
            Action::Delete => ('-', "delete"),
        };
        out.push_str(&format!("{sign} {verb} {}", c.name()));
        if !c.fields().is_empty() {
            out.push_str(&format!("  ({})", c.fields().join(", ")));
        }
        out.push('\n');
    }
    for name in &plan.conflicts {
        out.push_str(&format!(
            "! conflict {name}: an alarm not managed by slo has this name; slo leaves it alone\n"
        ));
    }
    let count = |a| plan.changes.iter().filter(|c| c.action() == a).count();
    if plan.changes.is_empty() {
        out.push_str("No changes: CloudWatch matches the specs.\n");
    }
    out.push_str(&format!(
        "Plan: {} to create, {} to update, {} to delete, {} unchanged.\n",
        count(Action::Create),
        count(Action::Update),
        count(Action::Delete),
        plan.unchanged
    ));
    out.push_str(&cost_line(desired));
    out
}

/// The monthly cost of `desired`, and what it is made of.
fn cost_line(desired: &[Alarm]) -> String {
    let composites = desired.iter().filter(|a| a.is_composite()).count();
    let metrics: usize = desired
        .iter()
        .map(|a| match a {
            Alarm::Metric(m) => m.source.metric_count(),
            Alarm::Composite(_) => 0,
        })
        .sum();
    let dollars = |cents: u64| cents as f64 / 100.0;
    format!(
        "Monthly cost of the {} desired alarms: ${:.2} = {metrics} metrics read by {} metric alarms at ${:.2} + {composites} composite alarms at ${:.2} (CloudWatch list prices). One composite per severity, not per tier, costs ${:.2} less per objective with the four default tiers.\n",
        desired.len(),
        monthly_cost_usd(desired),
        desired.len() - composites,
        dollars(CENTS_PER_ALARM_METRIC),
        dollars(CENTS_PER_COMPOSITE),
        dollars(2 * CENTS_PER_COMPOSITE),
    )
}
