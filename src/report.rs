//! The report: every objective of every spec, assessed at one instant. Pure: the event series
//! come from a source (access logs, CloudWatch), the time from the caller.

use crate::core::assess::{Assessment, assess};
use crate::core::events::EventSeries;
use crate::core::model::{Objective, ServiceSlo, Sli};
use crate::core::ratio::Target;
use crate::core::status::Status;
use crate::core::window::{SloWindow, TimeRange};
use chrono::{DateTime, TimeDelta, Utc};
use std::time::Duration;

#[derive(Clone, Debug)]
pub struct ObjectiveReport {
    pub service: String,
    pub objective: String,
    pub sli: Sli,
    pub target: Target,
    /// The spec's window, or the `--window` override.
    pub window: SloWindow,
    pub assessment: Assessment,
    /// Latency objectives: the 99th percentile over the window.
    pub p99: Option<Duration>,
}

#[derive(Clone, Debug)]
pub struct Report {
    pub at: DateTime<Utc>,
    pub objectives: Vec<ObjectiveReport>,
}

impl Report {
    pub fn any_breached(&self) -> bool {
        self.objectives
            .iter()
            .any(|o| o.assessment.status == Status::Breached)
    }
}

/// The window an objective's budget is counted over, ending at `at`.
pub fn window_for(slo: &ServiceSlo, window_override: Option<TimeDelta>) -> SloWindow {
    match window_override {
        Some(length) => SloWindow::Rolling(length),
        None => slo.window.clone(),
    }
}

/// The span of events a source must provide so that every budget window, every reported burn
/// rate (up to 3 days) and every tier's long window ending in the budget window can be
/// computed.
pub fn data_range(
    slos: &[&ServiceSlo],
    at: DateTime<Utc>,
    window_override: Option<TimeDelta>,
) -> TimeRange {
    let mut start = at - TimeDelta::days(3);
    for slo in slos {
        let budget = window_for(slo, window_override).range_at(at);
        let longest_tier = slo
            .alerting
            .tiers
            .iter()
            .map(|t| t.long)
            .max()
            .unwrap_or_default();
        start = start.min(budget.start - longest_tier);
    }
    TimeRange { start, end: at }
}

/// Assesses one objective from its events.
pub fn objective_report(
    slo: &ServiceSlo,
    objective: &Objective,
    series: &EventSeries,
    p99: Option<Duration>,
    at: DateTime<Utc>,
    window_override: Option<TimeDelta>,
) -> ObjectiveReport {
    let window = window_for(slo, window_override);
    let range = window.range_at(at);
    ObjectiveReport {
        service: slo.service.clone(),
        objective: objective.name.clone(),
        sli: objective.sli,
        target: objective.target,
        assessment: assess(series, objective.target, &slo.alerting, range),
        window,
        p99,
    }
}

/// The report for every objective of `slos`, in spec then objective order, from one
/// `(series, p99)` per objective in that same order (what every source produces).
pub fn build(
    slos: &[&ServiceSlo],
    data: impl IntoIterator<Item = (EventSeries, Option<Duration>)>,
    at: DateTime<Utc>,
    window_override: Option<TimeDelta>,
) -> Report {
    let objectives = slos
        .iter()
        .flat_map(|slo| slo.objectives.iter().map(move |o| (*slo, o)))
        .zip(data)
        .map(|((slo, objective), (series, p99))| {
            objective_report(slo, objective, &series, p99, at, window_override)
        })
        .collect();
    Report { at, objectives }
}
