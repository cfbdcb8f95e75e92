//! `--format markdown`: for pull requests, wikis and chat.

use super::{SourceSummary, burn, percent, rfc3339, sli_percent};
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
    out.push_str(&super::sections(
        report,
        &super::Layout {
            incidents: "\n### Incidents\n\n",
            deployments: "\n### Deployments\n\n",
            notifications: "\n### Notifications the planned alarms would have sent (replayed)\n\n",
            excluded: "\n### Excluded (maintenance windows and corrections; their requests count for nothing)\n\n",
            item: "- ",
            sub_item: "  - ",
            escape: super::escape::markdown,
        },
    ));
    if !report.links.is_empty() {
        out.push_str("\n### In the CloudWatch console\n\n");
        for l in &report.links {
            let mut parts: Vec<String> = l
                .dashboard
                .iter()
                .map(|d| format!("[dashboard]({d})"))
                .collect();
            parts.extend(l.alarms.iter().map(|(n, u)| format!("[{n}]({u})")));
            out.push_str(&format!("- {}: {}\n", l.service, parts.join(" · ")));
        }
    }
    out
}
