//! Everything a report says about one objective, computed from its event series.

use crate::core::alerting::{Episode, episodes, tier_states};
use crate::core::budget::{BurnRate, ErrorBudget};
use crate::core::events::{Counts, EventSeries};
use crate::core::impact::CauseOf;
use crate::core::incidents::{Incident, incidents};
use crate::core::model::{Alerting, ServiceSlo};
use crate::core::ratio::Target;
use crate::core::status::Status;
use crate::core::tiers::Severity;
use crate::core::window::{SloWindow, TimeRange};
use chrono::{DateTime, TimeDelta, Utc};

/// The windows a report shows burn rates for, shortest first: the long windows of the
/// workbook tiers. Every renderer and the data range read this table.
pub const REPORT_BURN_WINDOWS: [TimeDelta; 4] = [
    TimeDelta::hours(1),
    TimeDelta::hours(6),
    TimeDelta::days(1),
    TimeDelta::days(3),
];

/// The longest window a report shows a burn rate for.
pub fn longest_report_burn_window() -> TimeDelta {
    REPORT_BURN_WINDOWS
        .iter()
        .copied()
        .max()
        .unwrap_or_default()
}

#[derive(Clone, Debug, PartialEq)]
pub struct WindowBurn {
    pub window: TimeDelta,
    /// `None`: no requests in that window.
    pub rate: Option<BurnRate>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Assessment {
    pub range: TimeRange,
    pub counts: Counts,
    /// `None` when the window had no requests.
    pub budget: Option<ErrorBudget>,
    /// Burn rates over windows ending at `range.end`.
    pub burn_rates: Vec<WindowBurn>,
    /// Tiers firing at `range.end`.
    pub firing: Vec<String>,
    pub episodes: Vec<Episode>,
    /// Episodes joined into incidents, in time order.
    pub incidents: Vec<Incident>,
    pub status: Status,
}

/// Assesses the events of `series` that fall in `range` against `target`; `cause_of` names the
/// deployment errors at a time would be blamed on (incidents are split at new ones).
pub fn assess(
    series: &EventSeries,
    target: Target,
    alerting: &Alerting,
    range: TimeRange,
    cause_of: CauseOf<'_>,
) -> Assessment {
    let sums = series.prefix_sums();
    let counts = sums.sum(range);
    let budget = ErrorBudget::new(target, counts);
    let burn_rates = REPORT_BURN_WINDOWS
        .into_iter()
        .map(|window| WindowBurn {
            window,
            rate: BurnRate::of(sums.sum(TimeRange::ending_at(range.end, window)), target),
        })
        .collect();
    let states = tier_states(&sums, target, &alerting.tiers, alerting.guard, range.end);
    let page_firing = states
        .iter()
        .any(|s| s.firing && s.tier.severity == Severity::Page);
    let firing = states
        .iter()
        .filter(|s| s.firing)
        .map(|s| s.tier.name.clone())
        .collect();
    let allowed = budget.map_or(0.0, |b| b.allowed());
    let episodes = episodes(
        &sums,
        target,
        &alerting.tiers,
        alerting.guard,
        range,
        allowed,
    );
    Assessment {
        range,
        counts,
        budget,
        burn_rates,
        firing,
        incidents: incidents(&episodes, &alerting.tiers, &sums, target, allowed, cause_of),
        episodes,
        status: Status::of(budget.as_ref(), page_firing),
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
/// rate and every tier's long window ending in the budget window can be computed.
pub fn data_range(
    slos: &[&ServiceSlo],
    at: DateTime<Utc>,
    window_override: Option<TimeDelta>,
) -> TimeRange {
    let mut start = at - longest_report_burn_window();
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::alerting::TrafficGuard;
    use crate::core::model::Infra;
    use crate::core::tiers::sre_workbook;
    use chrono::{DateTime, Utc};

    fn alerting() -> Alerting {
        Alerting {
            tiers: sre_workbook(TimeDelta::days(30)),
            guard: TrafficGuard::NONE,
            infra: Infra::default(),
            logs: Vec::new(),
        }
    }

    #[test]
    fn an_empty_window_is_no_data_with_no_budget_and_no_burn() {
        let s = EventSeries::new(TimeDelta::minutes(1)).unwrap();
        let end: DateTime<Utc> = "2026-01-31T00:00:00Z".parse().unwrap();
        let a = assess(
            &s,
            Target::new(0.999).unwrap(),
            &alerting(),
            TimeRange::ending_at(end, TimeDelta::days(30)),
            &crate::core::impact::no_cause,
        );
        assert_eq!(a.status, Status::NoData);
        assert!(a.budget.is_none());
        assert!(a.burn_rates.iter().all(|b| b.rate.is_none()));
        assert!(a.episodes.is_empty());
    }

    #[test]
    fn events_outside_the_range_do_not_count() {
        let mut s = EventSeries::new(TimeDelta::minutes(1)).unwrap();
        let end: DateTime<Utc> = "2026-01-31T00:00:00Z".parse().unwrap();
        s.add(end - TimeDelta::days(31), Counts::new(0, 100));
        s.add(end - TimeDelta::hours(2), Counts::new(1000, 1000));
        s.add(end, Counts::new(0, 100));
        let a = assess(
            &s,
            Target::new(0.999).unwrap(),
            &alerting(),
            TimeRange::ending_at(end, TimeDelta::days(30)),
            &crate::core::impact::no_cause,
        );
        assert_eq!(a.counts, Counts::new(1000, 1000));
        assert_eq!(a.status, Status::Ok);
        assert_eq!(a.budget.map(|b| b.remaining()), Some(1.0));
    }
}
