//! Burn episodes of one objective joined into incidents: at low traffic a tier's short window
//! empties for a minute and one outage shows as several episodes of several tiers. Episodes
//! that overlap, or are less than one short window apart, are one incident — unless a new
//! deployment started between two of its bursts of impact: then the later burst is an
//! incident of its own (the earlier one's alerting span ends where the later one's first
//! episode starts), so no page names the wrong change.

use crate::core::alerting::Episode;
use crate::core::budget::spent;
use crate::core::events::{Counts, PrefixSums};
use crate::core::impact::{CauseOf, Impact, JOIN_GAP, bursts};
use crate::core::ratio::Target;
use crate::core::tiers::{Severity, Tier};
use crate::core::window::TimeRange;
use chrono::{DateTime, TimeDelta, Utc};

#[derive(Clone, Debug, PartialEq)]
pub struct Incident {
    /// The alerting span's start: the first episode's start.
    pub start: DateTime<Utc>,
    /// The alerting span's end: the last episode's end (or where a later incident begins).
    pub end: DateTime<Utc>,
    /// An episode was still firing at the end of the range.
    pub ongoing: bool,
    /// What users saw: from the first to the last minute its bad events ran above the budget
    /// rate (`core::impact`); the span of its bad events when no minute was significant.
    pub impact: Impact,
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

/// Episodes that belong together, before their events are counted.
struct Group<'e> {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    ongoing: bool,
    episodes: Vec<&'e Episode>,
    /// The longest short window among its episodes (how far apart episodes may be).
    gap: TimeDelta,
    /// The first episode's short window: its events are counted from that long before.
    lead: TimeDelta,
    bursts: Vec<Impact>,
}

/// Incidents in time order. `episodes` must be in start order (as `episodes()` returns them);
/// `tiers` give each episode's short window; `cause_of` names the start of the deployment
/// errors at a time would be blamed on (split points: see the module's documentation).
pub fn incidents(
    episodes: &[Episode],
    tiers: &[Tier],
    sums: &PrefixSums<'_>,
    target: Target,
    budget_allowed: f64,
    cause_of: CauseOf<'_>,
) -> Vec<Incident> {
    let short_of = |e: &Episode| {
        tiers
            .iter()
            .find(|t| t.name == e.tier)
            .map_or(TimeDelta::zero(), |t| t.short)
    };
    let mut groups: Vec<Group<'_>> = Vec::new();
    for e in episodes {
        let short = short_of(e);
        match groups.last_mut() {
            Some(g) if e.start < g.end + g.gap.max(short) => {
                g.end = g.end.max(e.end);
                g.ongoing |= e.ongoing;
                g.gap = g.gap.max(short);
                g.episodes.push(e);
            }
            _ => groups.push(Group {
                start: e.start,
                end: e.end,
                ongoing: e.ongoing,
                episodes: vec![e],
                gap: short,
                lead: short,
                bursts: Vec::new(),
            }),
        }
    }
    claim_bursts(&mut groups, bursts(sums, target, cause_of));
    let groups: Vec<Group<'_>> = groups
        .into_iter()
        .flat_map(|g| split(g, cause_of))
        .collect();
    let mut counted_until: Option<DateTime<Utc>> = None;
    groups
        .into_iter()
        .map(|g| {
            let from = g.start - g.lead;
            let from = counted_until.map_or(from, |c| from.max(c));
            counted_until = Some(g.end);
            finish(g, from, sums, budget_allowed)
        })
        .collect()
}

/// Each burst goes to the first incident it overlaps, reaching back one short window (or the
/// join gap) before the incident's start: the burst that set the alarms off began before them.
fn claim_bursts(groups: &mut [Group<'_>], bursts: Vec<Impact>) {
    let mut bursts = bursts.into_iter().peekable();
    for g in groups.iter_mut() {
        let reach = g.start - g.lead.max(JOIN_GAP);
        while bursts.next_if(|b| b.end <= reach).is_some() {}
        while let Some(b) = bursts.next_if(|b| b.start < g.end) {
            g.bursts.push(b);
        }
    }
}

/// `g` cut before every burst that a new deployment (one that started after the previous
/// burst ended) would be blamed for.
fn split<'e>(g: Group<'e>, cause_of: CauseOf<'_>) -> Vec<Group<'e>> {
    let mut out: Vec<Group<'e>> = Vec::new();
    let mut current = g;
    loop {
        let cut = current
            .bursts
            .windows(2)
            .position(|pair| cause_of(pair[1].start).is_some_and(|started| started >= pair[0].end));
        let Some(k) = cut else { break };
        let later = current.bursts[k + 1];
        // The later incident begins with its first episode, or, when every episode began
        // before the burst (a ticket still firing), with the burst itself.
        let at = current
            .episodes
            .iter()
            .map(|e| e.start)
            .filter(|s| *s >= later.start && *s < current.end)
            .min()
            .unwrap_or(later.start)
            .max(current.start);
        if at >= current.end {
            break;
        }
        let rest = Group {
            start: at,
            end: current.end,
            ongoing: current.ongoing,
            episodes: current
                .episodes
                .iter()
                .copied()
                .filter(|e| e.end > at)
                .collect(),
            gap: current.gap,
            lead: TimeDelta::zero(),
            bursts: current.bursts.split_off(k + 1),
        };
        current.end = at;
        current.ongoing = false;
        current.episodes.retain(|e| e.start < at);
        out.push(current);
        current = rest;
    }
    out.push(current);
    out
}

/// The incident of `g`, its events counted from `from`.
fn finish(g: Group<'_>, from: DateTime<Utc>, sums: &PrefixSums<'_>, allowed: f64) -> Incident {
    let counts = sums.sum(TimeRange {
        start: from,
        end: g.end,
    });
    let bad = sums.series().bad_bounds(TimeRange {
        start: from,
        end: g.end,
    });
    let (first_bad, last_bad) = (bad.map(|b| b.0), bad.map(|b| b.1));
    let impact = match (g.bursts.first(), g.bursts.last()) {
        (Some(a), Some(b)) => Impact::over(sums, a.start, b.end),
        _ => match (first_bad, last_bad) {
            (Some(a), Some(b)) => Impact::over(sums, a, b + sums.series().bucket()),
            _ => Impact::over(sums, g.start, g.end),
        },
    };
    let mut severities: Vec<Severity> = g.episodes.iter().map(|e| e.severity).collect();
    severities.sort();
    severities.dedup();
    Incident {
        start: g.start,
        end: g.end,
        ongoing: g.ongoing,
        impact,
        first_page: g
            .episodes
            .iter()
            .filter(|e| e.severity == Severity::Page)
            .map(|e| e.start.max(g.start))
            .min(),
        severities,
        peak_burn_rate: g
            .episodes
            .iter()
            .map(|e| e.peak_burn_rate)
            .fold(0.0, f64::max),
        counts,
        budget_spent: spent(counts.bad(), allowed),
        deployment: None,
        evidence: None,
        first_bad,
        last_bad,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::events::EventSeries;
    use crate::core::impact::no_cause;
    use crate::core::tiers::sre_workbook;
    use proptest::prelude::*;

    fn target() -> Target {
        Target::new(0.999).unwrap()
    }

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
        let found = incidents(&eps, &tiers, &sums, target(), 100.0, &no_cause);
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

    /// A low-traffic afternoon: 20 requests a minute, errors from a bad deployment at 14:00
    /// until its rollback at 14:40, and from a second deployment at 15:00 until 15:30. The
    /// ticket tiers burn throughout; the second burst must not hide in the first incident.
    fn two_deployments() -> (EventSeries, Vec<Episode>) {
        let mut series = EventSeries::new(TimeDelta::minutes(1)).unwrap();
        for m in -120..240 {
            let bad = if (0..40).contains(&m) || (60..90).contains(&m) {
                6
            } else {
                0
            };
            series.add(t(m), Counts::new(20 - bad, 20));
        }
        let mut eps = vec![
            episode("fast", Severity::Page, 3, 45, 300.0),
            episode("drift", Severity::Ticket, 10, 230, 20.0),
            episode("fast", Severity::Page, 63, 95, 280.0),
        ];
        eps.sort_by_key(|e| e.start);
        (series, eps)
    }

    #[test]
    fn a_second_deployment_after_the_first_burst_ended_is_a_second_incident() {
        let tiers = sre_workbook(TimeDelta::days(30));
        let (series, eps) = two_deployments();
        let sums = series.prefix_sums();
        let whole = incidents(&eps, &tiers, &sums, target(), 100.0, &no_cause);
        assert_eq!(whole.len(), 1);
        assert_eq!((whole[0].impact.start, whole[0].impact.end), (t(0), t(90)));
        let deployed = |at: DateTime<Utc>| match at {
            a if a >= t(55) => Some(t(55)),
            a if a >= t(-2) => Some(t(-2)),
            _ => None,
        };
        let found = incidents(&eps, &tiers, &sums, target(), 100.0, &deployed);
        assert_eq!(found.len(), 2, "{found:#?}");
        let (a, b) = (&found[0], &found[1]);
        assert_eq!((a.impact.start, a.impact.end), (t(0), t(40)));
        assert_eq!((b.impact.start, b.impact.end), (t(60), t(90)));
        // The alerting span of the first ends where the second's first episode starts.
        assert_eq!((a.start, a.end), (t(3), t(63)));
        assert_eq!((b.start, b.end), (t(63), t(230)));
        assert_eq!(b.first_page, Some(t(63)));
        assert_eq!(b.severities, vec![Severity::Page, Severity::Ticket]);
        assert_eq!(a.counts.bad() + b.counts.bad(), whole[0].counts.bad());
    }

    proptest! {
        #[test]
        fn splitting_changes_no_budget_figure(
            bad in proptest::collection::vec(0u64..8, 240),
            cut in proptest::option::of(0i64..240),
            spans in proptest::collection::vec((0i64..240, 1i64..120, any::<bool>()), 1..6),
        ) {
            let tiers = sre_workbook(TimeDelta::days(30));
            let mut series = EventSeries::new(TimeDelta::minutes(1)).unwrap();
            for (m, b) in bad.iter().enumerate() {
                series.add(t(m as i64), Counts::new(20 - b, 20));
            }
            let sums = series.prefix_sums();
            let mut eps: Vec<Episode> = spans
                .iter()
                .map(|&(s, len, page)| {
                    let (tier, sev) = if page { ("fast", Severity::Page) } else { ("drift", Severity::Ticket) };
                    episode(tier, sev, s, s + len, 10.0)
                })
                .collect();
            eps.sort_by_key(|e| e.start);
            let deployed = move |at: DateTime<Utc>| cut.map(t).filter(|c| *c <= at);
            let whole = incidents(&eps, &tiers, &sums, target(), 100.0, &no_cause);
            let split = incidents(&eps, &tiers, &sums, target(), 100.0, &deployed);
            let total = |found: &[Incident]| found.iter().map(|i| i.counts.bad()).sum::<u64>();
            prop_assert_eq!(total(&whole), total(&split));
            let spent = |found: &[Incident]| found.iter().map(|i| i.budget_spent).sum::<f64>();
            prop_assert!((spent(&whole) - spent(&split)).abs() < 1e-9);
            prop_assert!(split.len() >= whole.len());
            for pair in split.windows(2) {
                prop_assert!(pair[0].end <= pair[1].start);
            }
            for i in &split {
                prop_assert!(i.start <= i.end);
                prop_assert!(i.impact.start < i.impact.end || i.counts.bad() == 0);
            }
        }
    }
}
