//! The default terminal report: one row per objective, then the worst burn episodes.

use super::{SourceSummary, burn, percent, sli_percent, time};
use crate::core::assess::REPORT_BURN_WINDOWS;
use crate::core::model::Sli;
use crate::core::status::Status;
use crate::core::window::format_duration;
use crate::report::{ObjectiveReport, Report};

/// The columns: fixed ones around one burn-rate column per report window.
fn header() -> Vec<String> {
    let mut h: Vec<String> = [
        "SERVICE",
        "OBJECTIVE",
        "SLI",
        "TARGET",
        "GOOD/TOTAL",
        "P99",
        "BUDGET LEFT",
    ]
    .map(str::to_owned)
    .into();
    for (i, w) in REPORT_BURN_WINDOWS.iter().enumerate() {
        let w = format_duration(*w);
        h.push(if i == 0 { format!("BURN {w}") } else { w });
    }
    h.push("STATUS".to_owned());
    h
}

/// Rows of cells; `colour` adds ANSI colours to the status column.
pub fn render(report: &Report, source: &SourceSummary, colour: bool) -> String {
    let mut out = format!(
        "slo report at {}, {}\n\n",
        time(report.at),
        describe(source)
    );
    let header = header();
    let rows: Vec<Vec<String>> = report.objectives.iter().map(row).collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in &rows {
        for (w, cell) in widths.iter_mut().zip(r) {
            *w = (*w).max(cell.chars().count());
        }
    }
    push_row(&mut out, &header, &widths, None);
    for (r, o) in rows.iter().zip(&report.objectives) {
        push_row(&mut out, r, &widths, colour.then_some(o.assessment.status));
    }
    out.push_str(&super::sections(
        report,
        &super::Layout {
            incidents: "\nIncidents:\n",
            deployments: "\nDeployments:\n",
            notifications: "\nNotifications the planned alarms would have sent (replayed):\n",
            excluded: "\nExcluded (maintenance windows and corrections; their requests count for nothing):\n",
            item: "  ",
            sub_item: "    ",
            escape: str::to_owned,
        },
    ));
    if report
        .objectives
        .iter()
        .any(|o| o.assessment.status == Status::NoData)
    {
        out.push_str(
            "\nno_data: no requests in the window; nothing is known, which is not 100 %.\n",
        );
    }
    out
}

fn describe(source: &SourceSummary) -> String {
    match source {
        SourceSummary::AccessLogs(s) => format!(
            "from ALB access logs: {} file(s) read, {} skipped, {} lines, {} malformed",
            s.files_read, s.files_skipped, s.lines, s.malformed
        ),
        SourceSummary::CloudWatch { calls } => {
            format!("from CloudWatch metrics ({calls} GetMetricData call(s))")
        }
        SourceSummary::Athena(a) => format!(
            "from ALB access logs by Athena ({}: {} scanned, ${:.4})",
            a.table,
            crate::source::athena::human_bytes(a.scanned_bytes),
            crate::source::athena::price_usd(a.scanned_bytes)
        ),
    }
}

fn row(o: &ObjectiveReport) -> Vec<String> {
    let a = &o.assessment;
    let sli = sli_percent(o).unwrap_or_else(|| "-".to_owned());
    let p99 = match (o.sli, o.p99) {
        (Sli::Latency { .. }, Some(p)) => format!("{:.3}s", p.as_secs_f64()),
        _ => "-".to_owned(),
    };
    let name = match o.sli {
        Sli::Latency { threshold } => format!("{} ≤{}ms", o.key.objective, threshold.as_millis()),
        Sli::Availability => o.key.objective.clone(),
    };
    let mut cells = vec![
        o.key.service.clone(),
        name,
        sli,
        o.target.to_string(),
        format!("{}/{}", a.counts.good, a.counts.total),
        p99,
        a.budget.map_or("-".to_owned(), |b| percent(b.remaining())),
    ];
    cells.extend(a.burn_rates.iter().map(|b| burn(b.rate.map(|r| r.get()))));
    cells.push(a.status.name().to_owned());
    cells
}

fn push_row(out: &mut String, cells: &[String], widths: &[usize], status: Option<Status>) {
    let last = cells.len() - 1;
    for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
        if i == last {
            match status {
                Some(s) => out.push_str(&format!("{}{cell}\x1b[0m", colour_of(s))),
                None => out.push_str(cell),
            }
        } else {
            let pad = w - cell.chars().count();
            out.push_str(cell);
            out.push_str(&" ".repeat(pad + 2));
        }
    }
    out.push('\n');
}

fn colour_of(s: Status) -> &'static str {
    match s {
        Status::Ok => "\x1b[32m",
        Status::Warning => "\x1b[33m",
        Status::Breached => "\x1b[1;31m",
        Status::NoData => "\x1b[2m",
    }
}
