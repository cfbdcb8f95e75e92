//! What users saw: the bursts in which bad events ran above the objective's budget rate,
//! apart from when the alarms fired (an incident's alerting span runs on while the tiers'
//! long windows drain; its impact ended when the errors did).
//!
//! A bucket holding a bad event is *hot* when the five minutes centred on it (two either side
//! of a one-minute bucket) burn above the budget rate and hold more bad events than that rate
//! gives by chance ([`significance`]: with λ = (1 − target) × requests, bad ≥ λ + 2.33·√λ +
//! 1): one failed request at low traffic is not an impact, two in five minutes out of a
//! hundred requests are. Hot buckets less than [`JOIN_GAP`] apart are one burst — except
//! across the start of a deployment that would be blamed for the later one, after at least
//! [`QUIET`] without a hot bucket: a new deployment's errors are a new burst. A burst's bounds
//! are whole buckets: from its first hot bucket's start to its last one's end.

use crate::core::events::{Counts, PrefixSums};
use crate::core::ratio::Target;
use crate::core::significance;
use chrono::{DateTime, TimeDelta, Utc};

/// Minutes either side of a bucket that decide whether it is hot.
pub const SMOOTHING_SIDE: TimeDelta = TimeDelta::minutes(2);
/// Hot buckets closer than this are one burst: at a few requests a minute a 10 % error rate
/// leaves minutes without a failure.
pub const JOIN_GAP: TimeDelta = TimeDelta::minutes(15);
/// A burst has ended when no bucket was hot for this long.
pub const QUIET: TimeDelta = TimeDelta::minutes(5);

/// A span of impact: the first and last hot bucket, and the events between.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Impact {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub bad_events: u64,
    pub requests: u64,
}

impl Impact {
    pub fn duration(&self) -> TimeDelta {
        self.end - self.start
    }

    /// Bad events as a fraction of the requests in the span (0 without requests).
    pub fn error_ratio(&self) -> f64 {
        if self.requests == 0 {
            0.0
        } else {
            self.bad_events as f64 / self.requests as f64
        }
    }

    /// The span `[start, end)` of `sums`, with its events.
    pub fn over(sums: &PrefixSums<'_>, start: DateTime<Utc>, end: DateTime<Utc>) -> Impact {
        let c = sums.sum_secs(start.timestamp(), end.timestamp());
        Impact {
            start,
            end,
            bad_events: c.bad(),
            requests: c.total,
        }
    }
}

/// The start of the deployment that would be blamed for errors beginning at a time, if any
/// (`core::correlate::attribute`); bursts are never joined across one.
pub type CauseOf<'a> = &'a dyn Fn(DateTime<Utc>) -> Option<DateTime<Utc>>;

/// No deployment is known.
pub fn no_cause(_: DateTime<Utc>) -> Option<DateTime<Utc>> {
    None
}

/// A bucket holding a bad event is hot (see the module's documentation).
fn hot(window: Counts, allowance: f64) -> bool {
    let expected = allowance * window.total as f64;
    window.bad() as f64 > expected && significance::beyond_chance(window.bad(), expected)
}

/// Every burst of the series, in time order.
pub fn bursts(sums: &PrefixSums<'_>, target: Target, cause_of: CauseOf<'_>) -> Vec<Impact> {
    let series = sums.series();
    let bucket = series.bucket().num_seconds().max(1);
    let side = SMOOTHING_SIDE.num_seconds() / bucket * bucket;
    let allowance = target.error_allowance();
    let hot_starts: Vec<i64> = series
        .iter_unix()
        .filter(|(_, c)| c.bad() > 0)
        .map(|(t, _)| t)
        .filter(|t| hot(sums.sum_secs(t - side, t + bucket + side), allowance))
        .collect();
    let at = |secs: i64| DateTime::from_timestamp(secs, 0).unwrap_or(DateTime::<Utc>::MIN_UTC);
    let mut spans: Vec<(i64, i64)> = Vec::new();
    for t in hot_starts {
        let joins = spans.last().is_some_and(|&(_, end)| {
            let gap = t - end;
            let new_cause = cause_of(at(t)).is_some_and(|c| c.timestamp() >= end);
            gap < JOIN_GAP.num_seconds() && !(new_cause && gap >= QUIET.num_seconds())
        });
        match spans.last_mut() {
            Some(span) if joins => span.1 = t + bucket,
            _ => spans.push((t, t + bucket)),
        }
    }
    spans
        .into_iter()
        .map(|(a, b)| Impact::over(sums, at(a), at(b)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::events::EventSeries;
    use proptest::prelude::*;

    fn t(m: i64) -> DateTime<Utc> {
        "2026-11-15T12:00:00Z".parse::<DateTime<Utc>>().unwrap() + TimeDelta::minutes(m)
    }

    fn target() -> Target {
        Target::new(0.999).unwrap()
    }

    /// `per_minute` requests each minute of `0..minutes`, `bad(m)` of them failing.
    fn series(minutes: i64, per_minute: u64, bad: impl Fn(i64) -> u64) -> EventSeries {
        let mut s = EventSeries::new(TimeDelta::minutes(1)).unwrap();
        for m in 0..minutes {
            let b = bad(m).min(per_minute);
            s.add(t(m), Counts::new(per_minute - b, per_minute));
        }
        s
    }

    #[test]
    fn a_burst_is_bounded_by_its_first_and_last_failing_minute() {
        // 20 a minute, a third failing from 14:00 to 16:00, one stray failure before and after.
        let s = series(360, 20, |m| match m {
            60 | 300 => 1,
            120..240 => 7,
            _ => 0,
        });
        let found = bursts(&s.prefix_sums(), target(), &no_cause);
        assert_eq!(found.len(), 1, "{found:?}");
        let b = found[0];
        assert_eq!((b.start, b.end), (t(120), t(240)));
        assert_eq!((b.bad_events, b.requests), (7 * 120, 20 * 120));
    }

    #[test]
    fn a_new_deployment_after_a_quiet_spell_starts_a_new_burst() {
        // Errors 14:00–14:20 and 14:30–14:50: ten quiet minutes, less than the join gap.
        let s = series(120, 20, |m| {
            u64::from((0..20).contains(&m) || (30..50).contains(&m)) * 5
        });
        let sums = s.prefix_sums();
        assert_eq!(bursts(&sums, target(), &no_cause).len(), 1);
        let deployed = |at: DateTime<Utc>| (at >= t(27)).then_some(t(27));
        let split = bursts(&sums, target(), &deployed);
        assert_eq!(split.len(), 2, "{split:?}");
        assert_eq!((split[0].start, split[0].end), (t(0), t(20)));
        assert_eq!((split[1].start, split[1].end), (t(30), t(50)));
    }

    proptest! {
        #[test]
        fn one_failure_alone_is_never_an_impact(per_minute in 1u64..200, at in 0i64..600, minutes in 1i64..600) {
            let s = series(minutes, per_minute, |m| u64::from(m == at));
            prop_assert!(bursts(&s.prefix_sums(), target(), &no_cause).is_empty());
        }

        #[test]
        fn bursts_are_ordered_apart_and_each_starts_and_ends_with_a_failure(
            bad in proptest::collection::vec(0u64..6, 1..300),
            per_minute in 5u64..40,
        ) {
            let s = series(bad.len() as i64, per_minute, |m| bad[m as usize]);
            let sums = s.prefix_sums();
            let found = bursts(&sums, target(), &no_cause);
            for pair in found.windows(2) {
                prop_assert!(pair[1].start - pair[0].end >= JOIN_GAP);
            }
            for b in &found {
                let first = sums.sum_secs(b.start.timestamp(), b.start.timestamp() + 60);
                let last = sums.sum_secs(b.end.timestamp() - 60, b.end.timestamp());
                prop_assert!(first.bad() > 0 && last.bad() > 0);
                prop_assert!(b.bad_events <= b.requests);
            }
        }
    }
}
