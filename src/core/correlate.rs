//! Which deployment caused an incident: the one of the same service that was in progress when
//! its impact started (users saw errors), or had started within `lead` before it, the most
//! recent first. Pure.

use crate::core::budget::{BurnRate, spent};
use crate::core::deployments::Deployment;
use crate::core::events::PrefixSums;
use crate::core::ratio::Target;
use crate::core::window::TimeRange;
use chrono::{DateTime, TimeDelta, Utc};

/// The default lead time (`correlation.lead`).
pub const DEFAULT_LEAD: TimeDelta = TimeDelta::minutes(30);
/// The burn is judged over this long after the rollback's end (or until the next deployment
/// starts, if sooner): below a burn rate of 1 there, it stopped (the budget is no longer spent
/// faster than the window allows).
pub const RECOVERY_GRACE: TimeDelta = TimeDelta::minutes(30);

#[derive(Clone, Debug, PartialEq)]
pub struct Attribution {
    pub deployment: Deployment,
    /// `Some(true)`: in the [`RECOVERY_GRACE`] after the rollback's end the burn rate was
    /// below 1; `Some(false)`: it went on (the deployment was not the cause, or the rollback
    /// did not help); `None`: no finished rollback, or no traffic to judge by.
    pub recovered_after_rollback: Option<bool>,
    /// Bad events from the deployment's start to the incident's end, as a fraction of the
    /// window's allowance.
    pub budget_spent: f64,
    /// What the guard alarm (`ecs.rollbackOnBurn`) would have done in this deployment.
    pub guard: Option<GuardReplay>,
}

/// When the guard would have failed the deployment, and the budget that would have saved.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GuardReplay {
    pub would_fail_at: DateTime<Utc>,
    /// The incident's bad events after `would_fail_at` plus the time ECS took to roll back,
    /// as a fraction of the window's allowance (the unit of `budget_spent`).
    pub budget_saved: f64,
}

/// How long a rollback takes when the deployment does not say (its rollback's start to end).
pub const DEFAULT_ROLLBACK: TimeDelta = TimeDelta::minutes(5);

/// ECS's bake time after a deployment with the guard: its Period × EvaluationPeriods.
pub const GUARD_BAKE: TimeDelta = TimeDelta::minutes(5);

/// What the guard would have saved: `would_fail_at` (its first ALARM in the deployment or its
/// bake time) plus the rollback's duration, and the incident's bad events from then to `end`.
pub fn guard_replay(
    deployment: &Deployment,
    would_fail_at: Option<DateTime<Utc>>,
    end: DateTime<Utc>,
    sums: &PrefixSums<'_>,
    budget_allowed: f64,
) -> Option<GuardReplay> {
    let would_fail_at = would_fail_at?;
    let rollback = deployment
        .rollback
        .as_ref()
        .and_then(|r| Some(r.finished_at? - r.started_at?))
        .filter(|d| *d >= TimeDelta::zero())
        .unwrap_or(DEFAULT_ROLLBACK);
    let from = would_fail_at + rollback;
    let saved = if from < end {
        sums.sum(TimeRange { start: from, end }).bad()
    } else {
        0
    };
    Some(GuardReplay {
        would_fail_at,
        budget_saved: spent(saved, budget_allowed),
    })
}

/// The span in which the guard watches a deployment: from its start to its end (or `until`,
/// when it has not ended) and the bake time after.
pub fn guard_window(deployment: &Deployment, until: DateTime<Utc>) -> TimeRange {
    TimeRange {
        start: deployment.start(),
        end: deployment.finished_at.unwrap_or(until).min(until) + GUARD_BAKE,
    }
}

/// The deployment of `service` behind errors starting at `start`, if any.
pub fn attribute<'d>(
    service: &str,
    start: DateTime<Utc>,
    deployments: &'d [Deployment],
    lead: TimeDelta,
) -> Option<&'d Deployment> {
    deployments
        .iter()
        .filter(|d| d.service == service && d.start() <= start)
        .filter(|d| d.in_progress_at(start) || start - d.start() <= lead)
        .max_by_key(|d| (d.start(), d.created_at))
}

/// The start of the deployment of `service` errors at a time would be blamed on: what
/// incidents are split at (`core::incidents`).
pub fn cause_of<'d>(
    service: &'d str,
    deployments: &'d [Deployment],
    lead: TimeDelta,
) -> impl Fn(DateTime<Utc>) -> Option<DateTime<Utc>> + 'd {
    move |t| attribute(service, t, deployments, lead).map(Deployment::start)
}

/// Attributes errors that began at `span.start` (an incident's impact start) and were
/// alerted on until `span.end` (the incident's end) for `service`, an objective with
/// `target`, and says whether the rollback ended the burn.
pub fn correlate(
    service: &str,
    span: TimeRange,
    deployments: &[Deployment],
    lead: TimeDelta,
    target: Target,
    sums: &PrefixSums<'_>,
    budget_allowed: f64,
) -> Option<Attribution> {
    let d = attribute(service, span.start, deployments, lead)?;
    let recovered_after_rollback = d
        .rollback
        .as_ref()
        .and_then(|r| r.finished_at)
        .and_then(|f| {
            // Judged until the next deployment at most: its errors are not this rollback's.
            let next = deployments
                .iter()
                .filter(|n| n.service == service && n.start() > f)
                .map(Deployment::start)
                .min();
            let end = next.map_or(f + RECOVERY_GRACE, |n| n.min(f + RECOVERY_GRACE));
            let after = sums.sum(TimeRange { start: f, end });
            BurnRate::of(after, target).map(|b| b.get() < 1.0)
        });
    let bad = sums
        .sum(TimeRange {
            start: d.start(),
            end: span.end.max(d.start()),
        })
        .bad();
    Some(Attribution {
        deployment: d.clone(),
        recovered_after_rollback,
        budget_spent: spent(bad, budget_allowed),
        guard: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::deployments::{Rollback, RollbackTrigger};
    use crate::core::events::{Counts, EventSeries};
    use proptest::prelude::*;

    fn t(m: i64) -> DateTime<Utc> {
        "2026-11-15T14:00:00Z".parse::<DateTime<Utc>>().unwrap() + TimeDelta::minutes(m)
    }

    fn deployment(service: &str, start: i64, end: Option<i64>) -> Deployment {
        Deployment {
            service: service.into(),
            arn: format!("arn:{service}:{start}"),
            status: "SUCCESSFUL".into(),
            status_reason: None,
            strategy: Some("ROLLING".into()),
            created_at: t(start),
            started_at: Some(t(start)),
            finished_at: end.map(t),
            target: None,
            images: vec![],
            rollback: None,
            circuit_breaker: None,
        }
    }

    fn span(start: i64, end: i64) -> TimeRange {
        TimeRange {
            start: t(start),
            end: t(end),
        }
    }

    #[test]
    fn the_deployment_in_progress_or_just_before_is_blamed_and_the_rollback_judged() {
        let mut bad = deployment("checkout", 0, Some(118));
        bad.status = "ROLLBACK_SUCCESSFUL".into();
        bad.rollback = Some(Rollback {
            trigger: RollbackTrigger::CircuitBreaker,
            reason: Some("tasks failed to start".into()),
            started_at: Some(t(100)),
            finished_at: Some(t(118)),
            alarms: vec![],
        });
        let deployments = vec![
            deployment("checkout", -600, Some(-590)),
            bad,
            deployment("catalog", 2, Some(5)),
        ];
        let target = Target::new(0.999).unwrap();
        let mut series = EventSeries::new(TimeDelta::minutes(1)).unwrap();
        for m in 0..300 {
            // Errors until the rollback ends at 118, then a clean service.
            series.add(
                t(m),
                if m < 118 {
                    Counts::new(2, 3)
                } else {
                    Counts::new(3, 3)
                },
            );
        }
        let sums = series.prefix_sums();
        let a = correlate(
            "checkout",
            span(3, 130),
            &deployments,
            DEFAULT_LEAD,
            target,
            &sums,
            236.0,
        )
        .unwrap();
        assert_eq!(a.deployment.arn, "arn:checkout:0");
        assert_eq!(a.recovered_after_rollback, Some(true));
        assert!((a.budget_spent - 0.5).abs() < 1e-12);
        // Still failing after the rollback ended: the rollback did not help.
        let mut failing = EventSeries::new(TimeDelta::minutes(1)).unwrap();
        for m in 0..300 {
            failing.add(t(m), Counts::new(2, 3));
        }
        let late = correlate(
            "checkout",
            span(3, 200),
            &deployments,
            DEFAULT_LEAD,
            target,
            &failing.prefix_sums(),
            240.0,
        );
        assert_eq!(late.unwrap().recovered_after_rollback, Some(false));
        // Started 40 minutes after a finished deployment: outside the lead time.
        assert!(attribute("checkout", t(-550), &deployments, DEFAULT_LEAD).is_none());
        // Within the lead time of the old one.
        assert_eq!(
            attribute("checkout", t(-580), &deployments, DEFAULT_LEAD)
                .unwrap()
                .arn,
            "arn:checkout:-600"
        );
    }

    #[test]
    fn the_guard_saves_what_burned_after_its_rollback_would_have_ended() {
        let mut d = deployment("checkout", 0, Some(40));
        d.rollback = Some(Rollback {
            trigger: RollbackTrigger::CircuitBreaker,
            reason: None,
            started_at: Some(t(30)),
            finished_at: Some(t(40)),
            alarms: vec![],
        });
        let mut series = EventSeries::new(TimeDelta::minutes(1)).unwrap();
        for m in 0..60 {
            series.add(t(m), Counts::new(if m < 40 { 7 } else { 10 }, 10));
        }
        let sums = series.prefix_sums();
        // The guard fires at 3; the rollback takes 10 minutes: minutes 13 to 39 are saved.
        let g = guard_replay(&d, Some(t(3)), t(60), &sums, 100.0).unwrap();
        assert_eq!(g.would_fail_at, t(3));
        assert!((g.budget_saved - 27.0 * 3.0 / 100.0).abs() < 1e-12);
        assert_eq!(guard_replay(&d, None, t(60), &sums, 100.0), None);
        // Watched from the start to the end and the bake time after.
        let w = guard_window(&d, t(500));
        assert_eq!((w.start, w.end), (t(0), t(45)));
        // A guard firing after the errors ended saves nothing.
        let late = guard_replay(&d, Some(t(45)), t(60), &sums, 100.0).unwrap();
        assert_eq!(late.budget_saved, 0.0);
    }

    fn arb_deployment() -> impl Strategy<Value = Deployment> {
        (
            prop_oneof![Just("a"), Just("b")],
            -1000i64..1000,
            proptest::option::of(0i64..300),
        )
            .prop_map(|(s, start, len)| deployment(s, start, len.map(|l| start + l)))
    }

    proptest! {
        #[test]
        fn attribution_is_never_before_any_deployment_never_across_services_and_shift_free(
            deployments in proptest::collection::vec(arb_deployment(), 0..8),
            start in -1200i64..1200,
            shift in -100_000i64..100_000,
            lead in 0i64..120,
        ) {
            let lead = TimeDelta::minutes(lead);
            let found = attribute("a", t(start), &deployments, lead);
            if let Some(d) = found {
                prop_assert_eq!(&d.service, "a");
                prop_assert!(d.start() <= t(start));
            }
            if deployments.iter().all(|d| d.start() > t(start)) {
                prop_assert!(found.is_none());
            }
            let moved: Vec<Deployment> = deployments
                .iter()
                .cloned()
                .map(|d| d.shifted(TimeDelta::minutes(shift)))
                .collect();
            let again = attribute("a", t(start) + TimeDelta::minutes(shift), &moved, lead);
            prop_assert_eq!(found.map(|d| &d.arn), again.map(|d| &d.arn));
        }
    }

    proptest! {
        /// Two deployments on one afternoon at low traffic, anywhere: every incident is blamed on
        /// the deployment in progress (or just started) when its impact began, never on one that a
        /// later deployment had replaced by then.
        #[test]
        fn attribution_never_crosses_a_later_deployment(
            first in 0i64..60, gap in 20i64..200, len in 10i64..40, bad in 6u64..10,
        ) {
            use crate::core::alerting::{TrafficGuard, episodes};
            use crate::core::incidents::incidents;
            use crate::core::tiers::sre_workbook;
            let second = first + len + gap;
            let deployments = vec![
                deployment("a", first, Some(first + len)),
                deployment("a", second, Some(second + len)),
            ];
            let mut series = EventSeries::new(TimeDelta::minutes(1)).unwrap();
            for m in -180..(second + len + 300) {
                let failing = (first..first + len).contains(&m) || (second..second + len).contains(&m);
                let b = if failing { bad } else { 0 };
                series.add(t(m), Counts::new(20 - b, 20));
            }
            let sums = series.prefix_sums();
            let target = Target::new(0.999).unwrap();
            let tiers = sre_workbook(TimeDelta::days(30));
            let range = series.span().unwrap();
            let eps = episodes(&sums, target, &tiers, TrafficGuard::NONE.with_min_bad(2), range, 100.0);
            let cause = cause_of("a", &deployments, DEFAULT_LEAD);
            let found = incidents(&eps, &tiers, &sums, target, 100.0, &cause);
            prop_assert!(!found.is_empty());
            for i in &found {
                let at = TimeRange { start: i.impact.start, end: i.end };
                let Some(a) = correlate("a", at, &deployments, DEFAULT_LEAD, target, &sums, 100.0) else {
                    continue;
                };
                prop_assert!(a.deployment.start() <= i.impact.start);
                prop_assert!(!deployments.iter().any(|d| a.deployment.start() < d.start() && d.start() <= i.impact.start));
            }
            // Each burst is its own incident, blamed on its own deployment.
            let blamed: Vec<String> = found
                .iter()
                .filter_map(|i| {
                    let at = TimeRange { start: i.impact.start, end: i.end };
                    correlate("a", at, &deployments, DEFAULT_LEAD, target, &sums, 100.0)
                })
                .map(|a| a.deployment.arn)
                .collect();
            prop_assert_eq!(blamed, vec![format!("arn:a:{first}"), format!("arn:a:{second}")]);
        }
    }
}
