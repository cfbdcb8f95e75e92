//! The page's first table: a row per objective, worst first — status in words, SLI against
//! its target, budget left as a bar and a number, burn rates against the tier that watches
//! each window (value/threshold), whether a page or ticket is firing, when the budget is gone at the current
//! rate, the last incident — each row linking to its objective's detail.

use super::svg::escape;
use super::{burn, percent};
use crate::core::status::Status;
use crate::report::{ObjectiveReport, Report};
use std::fmt::Write;

/// Worst first: breached, warning, no data, ok; then the least budget left.
fn rank(o: &ObjectiveReport) -> (u8, f64) {
    let s = match o.assessment.status {
        Status::Breached => 0,
        Status::Warning => 1,
        Status::NoData => 2,
        Status::Ok => 3,
    };
    let left = o.assessment.budget.map_or(f64::INFINITY, |b| b.remaining());
    (s, if left.is_nan() { f64::INFINITY } else { left })
}

/// The objectives, worst first: the overview's order and the details'.
pub fn worst_first(report: &Report) -> Vec<&ObjectiveReport> {
    let mut rows: Vec<&ObjectiveReport> = report.objectives.iter().collect();
    rows.sort_by(|a, b| {
        let (ra, rb) = (rank(a), rank(b));
        ra.0.cmp(&rb.0).then(ra.1.total_cmp(&rb.1))
    });
    rows
}

/// The status in plain words.
pub fn status_words(o: &ObjectiveReport) -> &'static str {
    match o.assessment.status {
        Status::Breached => "budget spent",
        Status::Warning if o.assessment.firing.is_empty() => "budget low",
        Status::Warning => "burning fast",
        Status::NoData => "no data",
        Status::Ok => "healthy",
    }
}

/// Page or ticket still notifying at the report's end (the replayed composites).
pub fn replayed_alerting(o: &ObjectiveReport) -> String {
    let mut firing: Vec<&str> = o
        .notifications
        .iter()
        .filter(|n| n.notification.end.is_none())
        .map(|n| n.notification.severity.name())
        .collect();
    firing.sort_unstable();
    firing.dedup();
    if firing.is_empty() {
        "none".to_owned()
    } else {
        format!("{} firing", firing.join(" + "))
    }
}

/// Sort key of an alert state: page above ticket above none.
fn alerting_rank(state: &str) -> u8 {
    if state.contains("page") {
        2
    } else if state.contains("ticket") {
        1
    } else {
        0
    }
}

/// When the budget is gone at the last hour's burn rate, and in how many seconds (the sort
/// key: spent first, never last).
fn exhaustion(o: &ObjectiveReport) -> (String, f64) {
    const NEVER: f64 = 1e15;
    let Some(left) = o.assessment.budget.map(|b| b.remaining()) else {
        return ("—".to_owned(), NEVER);
    };
    if left <= 0.0 {
        return ("spent".to_owned(), 0.0);
    }
    match o.assessment.burn_rates.first().and_then(|b| b.rate) {
        Some(r) if r.get() > 0.0 && r.get().is_finite() => {
            let window = o.window.nominal().num_seconds() as f64;
            let secs = (left * window / r.get()).min(window * 100.0);
            (
                super::human_duration(chrono::TimeDelta::seconds(secs as i64)),
                secs,
            )
        }
        _ => ("not at this rate".to_owned(), NEVER),
    }
}

fn budget_cell(o: &ObjectiveReport) -> String {
    match o.assessment.budget.map(|b| b.remaining()) {
        None => "<td data-label=\"budget left\" data-v=\"-1e15\">no data</td>".to_owned(),
        Some(left) => {
            let width = (left.clamp(0.0, 1.0) * 100.0).round();
            let class = if left < 0.0 {
                "bad"
            } else if left < 0.25 {
                "warn"
            } else {
                "ok"
            };
            format!(
                "<td data-label=\"budget left\" data-v=\"{left}\"><span class=\"bar {class}\" aria-hidden=\"true\"><i style=\"width:{width}%\"></i></span> {}</td>",
                escape(&percent(left))
            )
        }
    }
}

/// A burn rate with the threshold of the tier whose long window it is, marked when at or
/// above it.
fn burn_cell(o: &ObjectiveReport, i: usize, tiers: &[crate::core::tiers::Tier]) -> String {
    let Some(b) = o.assessment.burn_rates.get(i) else {
        return "<td data-v=\"-1\"></td>".to_owned();
    };
    let value = burn(b.rate.map(|r| r.get()));
    let key = b.rate.map_or(-1.0, |r| r.get());
    let window = crate::core::window::format_duration(b.window);
    match tiers.iter().find(|t| t.long == b.window) {
        Some(t) => {
            let over = b.rate.is_some_and(|r| r.get() >= t.burn_rate);
            let threshold = format!("{}", (t.burn_rate * 100.0).round() / 100.0);
            format!(
                "<td data-label=\"burn {window}\" data-v=\"{key}\"{} title=\"{} tier fires at {threshold}\">{value}<span class=\"meta\">/{threshold}{}</span></td>",
                if over { " class=\"over\"" } else { "" },
                escape(&t.name),
                if over { " ▲" } else { "" }
            )
        }
        None => format!("<td data-label=\"burn {window}\" data-v=\"{key}\">{value}</td>"),
    }
}

/// The last incident, and its start as the sort key (none: 0).
fn last_incident(o: &ObjectiveReport) -> (String, i64) {
    match o.assessment.incidents.last() {
        None => ("none".to_owned(), 0),
        Some(i) => (
            format!(
                "{} ({})",
                i.impact.start.format("%m-%d %H:%M"),
                super::human_duration(i.impact.duration())
            ),
            i.impact.start.timestamp(),
        ),
    }
}

/// The overview table. `tiers`: each objective's alert tiers, for the thresholds;
/// `alert_state`: whether a page or ticket fires now (else the replay's answer).
pub fn overview(
    s: &mut String,
    report: &Report,
    tiers: &dyn Fn(&ObjectiveReport) -> Vec<crate::core::tiers::Tier>,
    alert_state: Option<&dyn Fn(&ObjectiveReport) -> String>,
) {
    let rows = worst_first(report);
    let windows: Vec<String> = report
        .objectives
        .first()
        .map(|o| {
            o.assessment
                .burn_rates
                .iter()
                .map(|b| crate::core::window::format_duration(b.window))
                .collect()
        })
        .unwrap_or_default();
    let alerting_title = if alert_state.is_some() {
        "alerting now"
    } else {
        "alerting (replayed)"
    };
    s.push_str("<section id=\"overview\" aria-labelledby=\"overview-title\"><h2 id=\"overview-title\">Overview, worst first</h2><div class=\"scroll\" tabindex=\"0\"><table class=\"overview sortable\"><thead><tr><th scope=\"col\">objective</th><th scope=\"col\" aria-sort=\"ascending\">status</th><th scope=\"col\">SLI / target</th><th scope=\"col\">budget left</th>");
    for w in &windows {
        let _ = write!(s, "<th scope=\"col\">burn {w}</th>");
    }
    let _ = write!(
        s,
        "<th scope=\"col\">{alerting_title}</th><th scope=\"col\">budget gone in</th><th scope=\"col\">last incident</th></tr></thead><tbody>"
    );
    for (position, o) in rows.into_iter().enumerate() {
        let id = format!("{}-{}", o.key.service, o.key.objective);
        let sli = super::sli_value(o).unwrap_or(-1.0);
        let _ = write!(
            s,
            "<tr class=\"{}\"><th scope=\"row\" data-v=\"{}\"><a href=\"#{}\">{} / {}</a><br><span class=\"meta\">{}</span></th><td data-label=\"status\" data-v=\"{position}\"><span class=\"status {}\">{}</span></td><td data-label=\"SLI / target\" data-v=\"{sli}\">{} / {}</td>{}",
            o.assessment.status.name(),
            escape(&o.key.to_string()),
            escape(&id),
            escape(&o.key.service),
            escape(&o.key.objective),
            escape(&o.window.to_string()),
            o.assessment.status.name(),
            status_words(o),
            escape(&super::sli_percent(o).unwrap_or_else(|| "no data".to_owned())),
            escape(&crate::core::ratio::format_percent(o.target.get() * 100.0)),
            budget_cell(o)
        );
        let t = tiers(o);
        for i in 0..windows.len() {
            s.push_str(&burn_cell(o, i, &t));
        }
        let alerting = match alert_state {
            Some(f) => f(o),
            None => replayed_alerting(o),
        };
        let (gone, gone_key) = exhaustion(o);
        let (last, last_key) = last_incident(o);
        let _ = write!(
            s,
            "<td data-label=\"{alerting_title}\" data-v=\"{}\">{}</td><td data-label=\"budget gone in\" data-v=\"{gone_key}\">{}</td><td data-label=\"last incident\" data-v=\"{last_key}\">{}</td></tr>",
            alerting_rank(&alerting),
            escape(&alerting),
            escape(&gone),
            escape(&last)
        );
    }
    s.push_str("</tbody></table></div></section>");
}
