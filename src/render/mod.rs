//! Reports as JSON, a terminal table, or Markdown. Every renderer reads the same `Report` and
//! the same source summary, so the formats never disagree.

pub mod json;
pub mod markdown;
pub mod plan;
pub mod schema;
pub mod table;

use crate::core::alerting::Episode;
pub use crate::report::SourceSummary;
use crate::report::{ObjectiveReport, Report};
use chrono::{DateTime, Utc};

/// Finite numbers only: JSON has no infinity, and a table should not print `inf`.
pub fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

pub fn time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// `12.3%`, `-250.0%`, or `-∞%` for a budget of zero that was spent.
pub fn percent(x: f64) -> String {
    if x == f64::NEG_INFINITY {
        "-∞%".to_owned()
    } else if x == f64::INFINITY {
        "∞%".to_owned()
    } else {
        format!("{:.1}%", x * 100.0)
    }
}

pub fn burn(x: Option<f64>) -> String {
    match x {
        None => "-".to_owned(),
        Some(v) if v.is_infinite() => "∞".to_owned(),
        Some(v) => format!("{v:.2}"),
    }
}

/// The objectives' worst episodes (most budget spent first), at most `n`.
pub fn worst_episodes(report: &Report, n: usize) -> Vec<(&ObjectiveReport, &Episode)> {
    let mut all: Vec<_> = report
        .objectives
        .iter()
        .flat_map(|o| o.assessment.episodes.iter().map(move |e| (o, e)))
        .collect();
    all.sort_by(|a, b| {
        b.1.budget_spent
            .total_cmp(&a.1.budget_spent)
            .then(a.1.start.cmp(&b.1.start))
    });
    all.truncate(n);
    all
}

pub fn episode_line(o: &ObjectiveReport, e: &Episode) -> String {
    let end = if e.ongoing {
        "ongoing".to_owned()
    } else {
        e.end.format("%Y-%m-%d %H:%M").to_string()
    };
    format!(
        "{}/{}: {} ({}) {} → {} ({}), peak burn {}×, spent {} of the budget",
        o.key.service,
        o.key.objective,
        e.tier,
        e.severity,
        e.start.format("%Y-%m-%d %H:%M"),
        end,
        human_duration(e.duration()),
        burn(Some(e.peak_burn_rate)),
        percent(e.budget_spent),
    )
}

pub fn sli_value(o: &ObjectiveReport) -> Option<f64> {
    let c = o.assessment.counts;
    (c.total > 0).then(|| c.good as f64 / c.total as f64)
}

/// The SLI as a percentage with three decimals, rounded down so it never looks better than it
/// is (`99.91%`); `None` with no traffic.
pub fn sli_percent(o: &ObjectiveReport) -> Option<String> {
    sli_value(o).map(|v| crate::core::ratio::format_percent((v * 100_000.0).floor() / 1000.0))
}

/// `2h17m`, `45m`, `3d4h`: for people, not for parsing.
pub fn human_duration(d: chrono::TimeDelta) -> String {
    let m = d.num_minutes();
    match (m / 1440, (m % 1440) / 60, m % 60) {
        (0, 0, min) => format!("{min}m"),
        (0, h, 0) => format!("{h}h"),
        (0, h, min) => format!("{h}h{min}m"),
        (days, h, _) => format!("{days}d{h}h"),
    }
}
