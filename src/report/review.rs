//! The SLO review (`slo report --period week|month|quarter --periods N`): per objective and
//! calendar period, attainment against the target, budget spent, incidents and the deployments
//! behind them, excluded requests, and the change from the period before — each period's
//! figures those of a report over exactly that period, from the same data.

use super::{ObjectiveReport, build};
use crate::core::collected::Lookup;
use crate::core::deployments::ServiceHistory;
use crate::core::events::Counts;
use crate::core::model::{ObjectiveKey, ServiceSlo};
use crate::core::ratio::Target;
use crate::core::window::{CalendarPeriod, SloWindow, TimeRange, calendar_periods};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use std::collections::BTreeMap;

/// One objective in one period.
#[derive(Clone, Debug, PartialEq)]
pub struct ReviewRow {
    pub key: ObjectiveKey,
    /// `2026-11`, `2026-Q4`, `2026-W46`, in the spec's time zone.
    pub label: String,
    /// The period (its end is `at` for the one still running).
    pub range: TimeRange,
    /// `false` for the period still running at `at`.
    pub complete: bool,
    pub target: Target,
    pub counts: Counts,
    /// good / total; `None`: no requests in the period.
    pub attainment: Option<f64>,
    /// Bad requests over the period's allowance ((1 − target) × total); `None`: no requests.
    pub budget_spent: Option<f64>,
    pub incidents: usize,
    /// The deployments incidents of the period were attributed to (ARNs), in order.
    pub deployments: Vec<String>,
    /// Requests in the period's excluded spans (counted in nothing above).
    pub excluded_requests: u64,
    /// Attainment minus the previous period's, when both have requests.
    pub change: Option<f64>,
    /// The share of the period between the first and the last request read (of any time):
    /// below 1, the period's figures rest on part of it.
    pub coverage: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Review {
    pub period: CalendarPeriod,
    pub at: DateTime<Utc>,
    /// By objective (spec order), then period (oldest first).
    pub rows: Vec<ReviewRow>,
}

/// A spec's periods are in its calendar window's time zone; rolling windows review in UTC.
fn zone(slo: &ServiceSlo) -> Tz {
    match slo.window {
        SloWindow::Calendar { tz, .. } => tz,
        SloWindow::Rolling(_) => chrono_tz::UTC,
    }
}

fn label(period: CalendarPeriod, tz: Tz, start: DateTime<Utc>) -> String {
    use chrono::Datelike;
    let local = start.with_timezone(&tz);
    match period {
        CalendarPeriod::Week => local.format("%G-W%V").to_string(),
        CalendarPeriod::Month => local.format("%Y-%m").to_string(),
        CalendarPeriod::Quarter => format!("{}-Q{}", local.year(), local.month0() / 3 + 1),
    }
}

/// From the first bucket with a request to the end of the last.
fn busy_span(series: &crate::core::events::EventSeries) -> Option<TimeRange> {
    let mut busy = series.iter().filter(|(_, c)| !c.is_empty()).map(|(t, _)| t);
    let first = busy.next()?;
    let last = busy.last().unwrap_or(first);
    Some(TimeRange {
        start: first,
        end: last + series.bucket(),
    })
}

/// Where the data of a review must start: the earliest period of any spec.
pub fn data_start(
    slos: &[&ServiceSlo],
    period: CalendarPeriod,
    n: usize,
    at: DateTime<Utc>,
) -> DateTime<Utc> {
    slos.iter()
        .filter_map(|s| {
            calendar_periods(period, zone(s), n, at)
                .first()
                .map(|r| r.start)
        })
        .min()
        .unwrap_or(at)
}

/// The review of `slos` over `n` periods ending with the one before `at`, from `data`.
pub fn review(
    slos: &[&ServiceSlo],
    data: &dyn Lookup,
    histories: &BTreeMap<String, ServiceHistory>,
    period: CalendarPeriod,
    n: usize,
    at: DateTime<Utc>,
) -> Review {
    let mut rows = Vec::new();
    for slo in slos {
        let periods = calendar_periods(period, zone(slo), n, at);
        // A report per period over exactly that period: the same assessment, exclusions,
        // incidents and attribution as any report.
        let reports: Vec<(TimeRange, Vec<ObjectiveReport>)> = periods
            .iter()
            .map(|p| {
                let r = build(&[*slo], data, histories, p.end, Some(p.end - p.start));
                (*p, r.objectives)
            })
            .collect();
        for (key, objective) in slo.keyed_objectives() {
            let found = data.lookup(&key);
            let busy = found.as_deref().and_then(|d| busy_span(&d.series));
            let mut previous: Option<f64> = None;
            for (range, objectives) in &reports {
                let Some(o) = objectives.iter().find(|o| o.key == key) else {
                    continue;
                };
                let a = &o.assessment;
                let attainment =
                    (a.counts.total > 0).then(|| a.counts.good as f64 / a.counts.total as f64);
                let excluded_requests = found.as_deref().map_or(0, |d| {
                    crate::core::exclusions::spans(&slo.exclusions, &objective.name, *range)
                        .iter()
                        .map(|s| {
                            d.series
                                .sum(TimeRange {
                                    start: s.range.start.max(range.start),
                                    end: s.range.end.min(range.end),
                                })
                                .total
                        })
                        .sum()
                });
                let mut deployments: Vec<String> = a
                    .incidents
                    .iter()
                    .filter_map(|i| i.deployment.as_ref())
                    .map(|d| d.deployment.arn.clone())
                    .collect();
                deployments.dedup();
                rows.push(ReviewRow {
                    key: key.clone(),
                    label: label(period, zone(slo), range.start),
                    range: *range,
                    complete: range.end < at
                        || crate::core::window::calendar_start(period, zone(slo), at) == at,
                    target: objective.target,
                    counts: a.counts,
                    attainment,
                    budget_spent: a.budget.map(|b| 1.0 - b.remaining()),
                    incidents: a.incidents.len(),
                    deployments,
                    excluded_requests,
                    change: attainment.zip(previous).map(|(now, before)| now - before),
                    coverage: busy.map_or(0.0, |b| {
                        let overlap = (b.end.min(range.end) - b.start.max(range.start))
                            .num_seconds()
                            .max(0);
                        overlap as f64 / (range.end - range.start).num_seconds().max(1) as f64
                    }),
                });
                previous = attainment;
            }
        }
    }
    Review { period, at, rows }
}
