//! `--format markdown`: for pull requests, wikis and chat.

use super::{
    SourceSummary, burn, deployment_line, evidence_lines, incident_line, incidents_to_show,
    notification_line, notifications, percent, rfc3339, sli_percent,
};
use crate::core::assess::REPORT_BURN_WINDOWS;
use crate::core::model::Sli;
use crate::core::window::format_duration;
use crate::report::Report;

pub fn render(report: &Report, source: &SourceSummary) -> String {
    let mut out = format!(
        "## SLO report at {} ({})\n\n",
        rfc3339(report.at),
        source.name()
    );
    let windows: Vec<String> = REPORT_BURN_WINDOWS
        .iter()
        .map(|w| format_duration(*w))
        .collect();
    out.push_str(&format!(
        "| service | objective | SLI | target | good / total | P99 | budget left | burn {} | status |\n",
        windows.join(" / ")
    ));
    out.push_str("|---|---|---|---|---|---|---|---|---|\n");
    for o in &report.objectives {
        let a = &o.assessment;
        let rates: Vec<String> = a
            .burn_rates
            .iter()
            .map(|b| burn(b.rate.map(|r| r.get())))
            .collect();
        let p99 = match (o.sli, o.p99) {
            (Sli::Latency { .. }, Some(p)) => format!("{:.3} s", p.as_secs_f64()),
            _ => "–".to_owned(),
        };
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} / {} | {} | {} | {} | **{}** |\n",
            o.key.service,
            o.key.objective,
            sli_percent(o).unwrap_or_else(|| "–".to_owned()),
            o.target,
            a.counts.good,
            a.counts.total,
            p99,
            a.budget.map_or("–".to_owned(), |b| percent(b.remaining())),
            rates.join(" / "),
            a.status.name(),
        ));
    }
    let (incidents, left_out) = incidents_to_show(report);
    if !incidents.is_empty() {
        out.push_str("\n### Incidents\n\n");
        for (o, i) in incidents {
            out.push_str(&format!("- {}\n", incident_line(o, i)));
            for e in evidence_lines(i, 3) {
                out.push_str(&format!("  - {e}\n"));
            }
        }
        if left_out > 0 {
            out.push_str(&format!("- … and {left_out} older incident(s)\n"));
        }
    }
    if !report.deployments.is_empty() {
        out.push_str("\n### Deployments\n\n");
        for d in &report.deployments {
            out.push_str(&format!("- {}\n", deployment_line(report, d)));
        }
    }
    let sent = notifications(report);
    if !sent.is_empty() {
        out.push_str("\n### Notifications the planned alarms would have sent (replayed)\n\n");
        for (o, n) in sent {
            out.push_str(&format!("- {}\n", notification_line(o, n)));
        }
    }
    out
}
