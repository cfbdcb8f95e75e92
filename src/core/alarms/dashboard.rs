//! One CloudWatch dashboard per service, as a value: the SLI and the error budget burning down
//! per objective, the burn rate per tier, the alarms' status, and the golden signals. Every
//! metric comes from the one SLI → metric mapping the report and the alarms use.

use crate::core::model::{ServiceSlo, Sli};
use crate::core::sli_metrics::{Role, SliMetric, bad_expression, counting_metrics, p99_metric};
use crate::core::stat::Stat;
use crate::core::window::format_duration;
use serde_json::{Value, json};

/// The account's first dashboards of up to 50 metrics each are free; the others cost this a
/// month (CloudWatch list price).
pub const FREE_DASHBOARDS: usize = 3;
pub const FREE_DASHBOARD_METRICS: usize = 50;
pub const CENTS_PER_DASHBOARD: u64 = 300;

#[derive(Clone, Debug, PartialEq)]
pub struct Dashboard {
    pub name: String,
    pub body: Value,
}

impl Dashboard {
    /// Metrics the dashboard graphs (what counts against the free tier).
    pub fn metric_count(&self) -> usize {
        self.body["widgets"]
            .as_array()
            .map(|ws| {
                ws.iter()
                    .filter_map(|w| w["properties"]["metrics"].as_array())
                    .flatten()
                    .filter(|m| {
                        !m.as_array()
                            .is_some_and(|a| a.first().is_some_and(|f| f.is_object()))
                    })
                    .count()
            })
            .unwrap_or(0)
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("service `{0}`: a dashboard name allows only letters, digits, - and _ (slo-{0})")]
pub struct BadDashboardName(pub String);

/// `slo-<service>`: dashboard names allow letters, digits, `-` and `_` only.
pub fn dashboard_name(service: &str) -> Result<String, BadDashboardName> {
    service
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        .then(|| format!("slo-{service}"))
        .ok_or_else(|| BadDashboardName(service.to_owned()))
}

/// A metric line in the widget format: `[namespace, name, dim, value, …, {options}]`.
fn metric_line(m: &SliMetric, id: &str, period: i64, visible: bool) -> Value {
    let mut line: Vec<Value> = vec![m.namespace.into(), m.name.into()];
    for (k, v) in &m.dimensions {
        line.push((*k).into());
        line.push(v.clone().into());
    }
    line.push(json!({"id": id, "stat": m.stat.to_string(), "period": period, "visible": visible}));
    Value::Array(line)
}

fn expression(expr: String, label: String, id: &str) -> Value {
    json!([{ "expression": expr, "label": label, "id": id }])
}

fn widget(x: u32, y: u32, w: u32, h: u32, kind: &str, properties: Value) -> Value {
    json!({"type": kind, "x": x, "y": y, "width": w, "height": h, "properties": properties})
}

/// The dashboard of `slo`. `region`: the spec's region (the console's); `alarm_arns`: the
/// service's severity composites, infra and log alarms, for the alarm-status widget (none:
/// no such widget); `file`: the spec's file, for the text widget.
pub fn desired_dashboard(
    slo: &ServiceSlo,
    region: &str,
    alarm_arns: &[String],
    file: &str,
) -> Result<Dashboard, BadDashboardName> {
    let name = dashboard_name(&slo.service)?;
    let window = slo.window.nominal();
    let mut widgets = Vec::new();
    let mut y = 0;
    let runbook = slo
        .runbook
        .as_ref()
        .map_or("no runbook in the spec".to_owned(), |r| {
            format!("[runbook]({r})")
        });
    widgets.push(widget(
        0,
        y,
        24,
        3,
        "text",
        json!({"markdown": format!(
            "# {} SLOs\nKept by `slo apply` from `{file}` — edit the spec, then `slo plan` / `slo apply`; changes made here are overwritten. {runbook}.\n\nThe budget lines restart at the left edge of the time range: with the default range ({}) they match `slo report` for a rolling window.",
            slo.service, slo.window
        )}),
    ));
    y += 3;
    // Budget and SLI: hourly points over the window.
    let period = 3600;
    for (i, objective) in slo.objectives.iter().enumerate() {
        let metrics = counting_metrics(slo, objective.sli);
        let prefix = format!("o{i}m");
        let mut lines: Vec<Value> = metrics
            .iter()
            .enumerate()
            .map(|(k, m)| metric_line(m, &format!("{prefix}{}", k + 1), period, false))
            .collect();
        let bad = bad_expression(objective.sli, &metrics, &prefix);
        let allowance = objective.target.error_allowance();
        lines.push(expression(
            format!("100*(1-RUNNING_SUM({bad})/({allowance}*RUNNING_SUM({prefix}1)))"),
            format!("{} budget remaining (%)", objective.name),
            &format!("o{i}budget"),
        ));
        widgets.push(widget(
            0,
            y,
            12,
            6,
            "metric",
            json!({
                "title": format!("{}: error budget remaining", objective.name),
                "region": region, "view": "timeSeries", "stat": "Sum", "period": period,
                "metrics": lines,
                "annotations": {"horizontal": [{"label": "budget exhausted", "value": 0}]},
                "yAxis": {"left": {"max": 100}},
            }),
        ));
        let mut sli_lines: Vec<Value> = metrics
            .iter()
            .enumerate()
            .map(|(k, m)| metric_line(m, &format!("{prefix}{}", k + 1), period, false))
            .collect();
        sli_lines.push(expression(
            format!("100*(1-({bad})/{prefix}1)"),
            format!("{} SLI (%)", objective.name),
            &format!("o{i}sli"),
        ));
        widgets.push(widget(
            12,
            y,
            12,
            6,
            "metric",
            json!({
                "title": format!("{}: SLI (target {})", objective.name, objective.target),
                "region": region, "view": "timeSeries", "period": period,
                "metrics": sli_lines,
                "annotations": {"horizontal": [{"label": "target", "value": objective.target.get() * 100.0}]},
            }),
        ));
        y += 6;
        // Burn rate per tier, over fixed buckets of its long window (the alarms slide).
        let mut burn_lines = Vec::new();
        let mut thresholds = Vec::new();
        for (t, tier) in slo.alerting.tiers.iter().enumerate() {
            let long = tier.long.num_seconds();
            let tp = format!("o{i}t{t}m");
            for (k, m) in metrics.iter().enumerate() {
                burn_lines.push(metric_line(m, &format!("{tp}{}", k + 1), long, false));
            }
            let bad = bad_expression(objective.sli, &metrics, &tp);
            burn_lines.push(expression(
                format!("(({bad})/{tp}1)/{allowance}"),
                format!(
                    "{} burn rate over {}",
                    tier.name,
                    format_duration(tier.long)
                ),
                &format!("o{i}t{t}burn"),
            ));
            thresholds
                .push(json!({"label": format!("{} fires", tier.name), "value": tier.burn_rate}));
        }
        widgets.push(widget(
            0,
            y,
            24,
            6,
            "metric",
            json!({
                "title": format!("{}: burn rate per tier (fixed buckets of each long window; the alarms slide every minute)", objective.name),
                "region": region, "view": "timeSeries",
                "metrics": burn_lines,
                "annotations": {"horizontal": thresholds},
            }),
        ));
        y += 6;
    }
    if !alarm_arns.is_empty() {
        widgets.push(widget(
            0,
            y,
            24,
            4,
            "alarm",
            json!({"title": "Alarms", "alarms": alarm_arns, "sortBy": "stateUpdatedTimestamp"}),
        ));
        y += 4;
    }
    // Golden signals, per minute.
    let avail = counting_metrics(slo, Sli::Availability);
    let one = |role: Role| avail.iter().find(|m| m.role == role).cloned();
    let traffic: Vec<Value> = one(Role::Requests)
        .iter()
        .map(|m| metric_line(m, "traffic", 60, true))
        .collect();
    widgets.push(widget(0, y, 8, 6, "metric", json!({"title": "Traffic: requests", "region": region, "view": "timeSeries", "period": 60, "metrics": traffic})));
    let mut latency = Vec::new();
    for p in [50.0, 90.0, 99.0] {
        let mut m = p99_metric(slo);
        m.stat = Stat::Percentile(p);
        latency.push(metric_line(&m, &format!("p{}", p as u32), 60, true));
    }
    let latency_marks: Vec<Value> = slo
        .objectives
        .iter()
        .filter_map(|o| match o.sli {
            Sli::Latency { threshold } => Some(
                json!({"label": format!("{} threshold", o.name), "value": threshold.as_secs_f64()}),
            ),
            Sli::Availability => None,
        })
        .collect();
    widgets.push(widget(8, y, 8, 6, "metric", json!({"title": "Latency: target response time", "region": region, "view": "timeSeries", "period": 60, "metrics": latency, "annotations": {"horizontal": latency_marks}})));
    let errors: Vec<Value> = [Role::Target5xx, Role::Elb5xx]
        .into_iter()
        .filter_map(one)
        .enumerate()
        .map(|(k, m)| metric_line(&m, &format!("err{k}"), 60, true))
        .collect();
    widgets.push(widget(16, y, 8, 6, "metric", json!({"title": "Errors: 5xx", "region": region, "view": "timeSeries", "stat": "Sum", "period": 60, "metrics": errors})));
    y += 6;
    if let Some(ecs) = &slo.ecs {
        let saturation: Vec<Value> = ["CPUUtilization", "MemoryUtilization"]
            .iter()
            .enumerate()
            .map(|(k, name)| {
                json!(["AWS/ECS", name, "ClusterName", ecs.cluster, "ServiceName", ecs.service,
                       {"id": format!("sat{k}"), "stat": "Average", "period": 60}])
            })
            .collect();
        widgets.push(widget(0, y, 24, 6, "metric", json!({
            "title": "Saturation: ECS CPU and memory (%)", "region": region, "view": "timeSeries", "period": 60,
            "metrics": saturation,
            "annotations": {"horizontal": [
                {"label": "CPU alarm", "value": slo.alerting.infra.cpu.percent()},
                {"label": "memory alarm", "value": slo.alerting.infra.memory.percent()}
            ]},
        })));
    }
    Ok(Dashboard {
        name,
        body: json!({
            "start": format!("-PT{}H", window.num_hours()),
            "periodOverride": "inherit",
            "widgets": widgets,
        }),
    })
}
