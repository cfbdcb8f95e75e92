//! Burn episodes of one objective joined into incidents: at low traffic a tier's short window
//! empties for a minute and one outage shows as several episodes of several tiers. Episodes
//! that overlap, or are less than one short window apart, are one incident.

use crate::core::alerting::Episode;
use crate::core::budget::spent;
use crate::core::events::{Counts, PrefixSums};
use crate::core::tiers::{Severity, Tier};
use crate::core::window::TimeRange;
use chrono::{DateTime, TimeDelta, Utc};

#[derive(Clone, Debug, PartialEq)]
pub struct Incident {
    /// The first episode's start.
    pub start: DateTime<Utc>,
    /// The last episode's end.
    pub end: DateTime<Utc>,
    /// An episode was still firing at the end of the range.
    pub ongoing: bool,
    /// When the first page-severity tier fired; `None` if only tickets did.
    pub first_page: Option<DateTime<Utc>>,
    /// Severities that fired, page first.
    pub severities: Vec<Severity>,
    pub peak_burn_rate: f64,
    /// Events from one short window before `start` until `end`.
    pub counts: Counts,
    /// The bad events of `counts` as a fraction of the whole window's budget.
    pub budget_spent: f64,
    /// The deployment behind it, when the report knows the service's deployments.
    pub deployment: Option<crate::core::correlate::Attribution>,
    /// The top log templates behind it; `None` when no log source applies.
    pub evidence: Option<crate::core::evidence::Evidence>,
    /// The first and the last bucket with a bad event, from one short window before `start`.
    pub first_bad: Option<DateTime<Utc>>,
    pub last_bad: Option<DateTime<Utc>>,
}

/// Incidents in time order. `episodes` must be in start order (as `episodes()` returns them);
/// `tiers` give each episode's short window.
pub fn incidents(
    episodes: &[Episode],
    tiers: &[Tier],
    sums: &PrefixSums<'_>,
    budget_allowed: f64,
) -> Vec<Incident> {
    let short_of = |e: &Episode| {
        tiers
            .iter()
            .find(|t| t.name == e.tier)
            .map_or(TimeDelta::zero(), |t| t.short)
    };
    // (incident, the longest short window among its episodes, the first one's short window)
    let mut open: Vec<(Incident, TimeDelta, TimeDelta)> = Vec::new();
    for e in episodes {
        let short = short_of(e);
        let joins = open
            .last()
            .is_some_and(|(i, gap, _)| e.start < i.end + (*gap).max(short));
        if joins && let Some((i, gap, _)) = open.last_mut() {
            i.end = i.end.max(e.end);
            i.ongoing |= e.ongoing;
            i.peak_burn_rate = i.peak_burn_rate.max(e.peak_burn_rate);
            if !i.severities.contains(&e.severity) {
                i.severities.push(e.severity);
                i.severities.sort();
            }
            if e.severity == Severity::Page {
                i.first_page = Some(i.first_page.map_or(e.start, |p| p.min(e.start)));
            }
            *gap = (*gap).max(short);
            continue;
        }
        open.push((
            Incident {
                start: e.start,
                end: e.end,
                ongoing: e.ongoing,
                first_page: (e.severity == Severity::Page).then_some(e.start),
                severities: vec![e.severity],
                peak_burn_rate: e.peak_burn_rate,
                counts: Counts::default(),
                budget_spent: 0.0,
                deployment: None,
                evidence: None,
                first_bad: None,
                last_bad: None,
            },
            short,
            short,
        ));
    }
    let mut counted_until: Option<DateTime<Utc>> = None;
    open.into_iter()
        .map(|(mut i, _, first_short)| {
            let from = i.start - first_short;
            let from = counted_until.map_or(from, |c| from.max(c));
            i.counts = sums.sum(TimeRange {
                start: from,
                end: i.end,
            });
            i.budget_spent = spent(i.counts.bad(), budget_allowed);
            let bad: Vec<DateTime<Utc>> = sums
                .series()
                .iter()
                .filter(|(t, c)| from <= *t && *t < i.end && c.bad() > 0)
                .map(|(t, _)| t)
                .collect();
            i.first_bad = bad.first().copied();
            i.last_bad = bad.last().copied();
            counted_until = Some(i.end);
            i
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::events::EventSeries;
    use crate::core::tiers::sre_workbook;

    fn t(m: i64) -> DateTime<Utc> {
        "2026-11-15T14:00:00Z".parse::<DateTime<Utc>>().unwrap() + TimeDelta::minutes(m)
    }

    fn episode(tier: &str, severity: Severity, start: i64, end: i64, peak: f64) -> Episode {
        Episode {
            tier: tier.into(),
            severity,
            start: t(start),
            end: t(end),
            ongoing: false,
            counts: Counts::default(),
            peak_burn_rate: peak,
            budget_spent: 0.0,
        }
    }

    #[test]
    fn flapping_episodes_of_one_outage_are_one_incident_and_a_later_one_is_another() {
        let tiers = sre_workbook(TimeDelta::days(30));
        let mut series = EventSeries::new(TimeDelta::minutes(1)).unwrap();
        for m in 0..120 {
            series.add(t(m), Counts::new(2, 3));
        }
        series.add(t(600), Counts::new(0, 1));
        let sums = series.prefix_sums();
        let eps = vec![
            episode("fast", Severity::Page, 3, 17, 300.0),
            // Two minutes later: under the fast tier's 5-minute short window.
            episode("fast", Severity::Page, 19, 63, 280.0),
            episode("slow", Severity::Page, 8, 150, 70.0),
            episode("drift", Severity::Ticket, 18, 240, 14.0),
            episode("drift", Severity::Ticket, 600, 620, 5.0),
        ];
        let mut eps = eps;
        eps.sort_by_key(|e| e.start);
        let found = incidents(&eps, &tiers, &sums, 100.0);
        assert_eq!(found.len(), 2, "{found:#?}");
        let first = &found[0];
        assert_eq!((first.start, first.end), (t(3), t(240)));
        assert_eq!(first.first_page, Some(t(3)));
        assert_eq!(first.severities, vec![Severity::Page, Severity::Ticket]);
        assert_eq!(first.peak_burn_rate, 300.0);
        // From one fast short window before the start: all 120 minutes of errors but none
        // before 13:58.
        assert_eq!(first.counts.bad(), 120);
        assert_eq!(
            (first.first_bad, first.last_bad),
            (Some(t(0)), Some(t(119)))
        );
        assert!((first.budget_spent - 1.2).abs() < 1e-12);
        assert_eq!(found[1].first_page, None);
        assert_eq!(found[1].counts.bad(), 1);
    }
}
