//! The default terminal report: one row per objective, then the worst burn episodes.

use super::{SourceSummary, burn, episode_line, percent, sli_percent, time, worst_episodes};
use crate::core::model::Sli;
use crate::core::status::Status;
use crate::report::{ObjectiveReport, Report};

const HEADER: [&str; 12] = [
    "SERVICE",
    "OBJECTIVE",
    "SLI",
    "TARGET",
    "GOOD/TOTAL",
    "P99",
    "BUDGET LEFT",
    "BURN 1h",
    "6h",
    "1d",
    "3d",
    "STATUS",
];

/// Rows of cells; `colour` adds ANSI colours to the status column.
pub fn render(report: &Report, source: &SourceSummary, colour: bool) -> String {
    let mut out = format!(
        "slo report at {}, {}\n\n",
        time(report.at),
        describe(source)
    );
    let rows: Vec<[String; 12]> = report.objectives.iter().map(row).collect();
    let mut widths = HEADER.map(|h| h.chars().count());
    for r in &rows {
        for (w, cell) in widths.iter_mut().zip(r) {
            *w = (*w).max(cell.chars().count());
        }
    }
    push_row(&mut out, &HEADER.map(str::to_owned), &widths, None);
    for (r, o) in rows.iter().zip(&report.objectives) {
        push_row(&mut out, r, &widths, colour.then_some(o.assessment.status));
    }
    let worst = worst_episodes(report, 5);
    if !worst.is_empty() {
        out.push_str("\nWorst burn episodes:\n");
        for (o, e) in worst {
            out.push_str(&format!("  {}\n", episode_line(o, e)));
        }
    }
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
    }
}

fn row(o: &ObjectiveReport) -> [String; 12] {
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
    let rate = |i: usize| burn(a.burn_rates.get(i).and_then(|b| b.rate).map(|r| r.get()));
    [
        o.key.service.clone(),
        name,
        sli,
        o.target.to_string(),
        format!("{}/{}", a.counts.good, a.counts.total),
        p99,
        a.budget.map_or("-".to_owned(), |b| percent(b.remaining())),
        rate(0),
        rate(1),
        rate(2),
        rate(3),
        a.status.name().to_owned(),
    ]
}

fn push_row(out: &mut String, cells: &[String; 12], widths: &[usize; 12], status: Option<Status>) {
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
