//! An alarm plan for people (`slo plan`, `slo apply`) and for scripts (`--format json`, whose
//! schema is `schema/plan.schema.json`).

use crate::core::alarms::{Action, AlarmPlan, CENTS_PER_ALARM_METRIC, CENTS_PER_COMPOSITE};
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

pub fn json(plan: &AlarmPlan, cost: f64, desired: usize) -> String {
    super::json::pretty(&PlanJson::new(plan, cost, desired))
}

pub fn text(plan: &AlarmPlan, cost: f64, desired: usize) -> String {
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
    out.push_str(&format!(
        "Monthly cost of the {desired} desired alarms: ${cost:.2} (CloudWatch list prices: ${:.2} per metric an alarm reads, ${:.2} per composite alarm).\n",
        CENTS_PER_ALARM_METRIC as f64 / 100.0,
        CENTS_PER_COMPOSITE as f64 / 100.0,
    ));
    out
}
