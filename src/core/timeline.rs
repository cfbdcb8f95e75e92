//! An objective's SLI over time, as the dashboard's charts draw it: the share of bad requests
//! step by step, and each tier's burn rate over its long window at each step.

use crate::core::events::{EventSeries, PrefixSums};
use crate::core::ratio::Target;
use crate::core::window::TimeRange;
use chrono::{DateTime, TimeDelta, Utc};

/// A value at an instant; `None` where no request was seen (no data, never drawn as 0).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    pub at: DateTime<Utc>,
    pub value: Option<f64>,
}

/// The step between points: about `span / max_points`, a whole number of the series' buckets.
pub fn step(series: &EventSeries, range: TimeRange, max_points: usize) -> i64 {
    let bucket = series.bucket().num_seconds().max(1);
    let span = (range.end - range.start).num_seconds().max(1);
    let wanted = (span / max_points.max(1) as i64).max(1);
    (wanted + bucket - 1) / bucket * bucket
}

/// Instants `step` seconds apart from `range.start`, before `range.end`.
pub fn instants(range: TimeRange, step: i64) -> impl Iterator<Item = DateTime<Utc>> {
    (0..)
        .map(move |k| range.start + TimeDelta::seconds(k * step))
        .take_while(move |t| *t < range.end)
}

/// The share of bad requests in each step `[t, t + step)` of `range` (the last step ends at
/// `range.end`), at the step's start.
pub fn bad_share(sums: &PrefixSums<'_>, range: TimeRange, max_points: usize) -> Vec<Point> {
    let step = step(sums.series(), range, max_points);
    instants(range, step)
        .map(|at| {
            let end = (at + TimeDelta::seconds(step)).min(range.end);
            Point {
                at,
                value: share(sums, at.timestamp(), end.timestamp()),
            }
        })
        .collect()
}

/// The burn rate over the `window` that ends at each step's end (the error rate over it
/// divided by the target's allowance), from `range.start + step` to `range.end`: what a tier
/// watching that window saw then.
pub fn burn_rate(
    sums: &PrefixSums<'_>,
    target: Target,
    range: TimeRange,
    window: TimeDelta,
    max_points: usize,
) -> Vec<Point> {
    let step = step(sums.series(), range, max_points);
    let allowance = target.error_allowance();
    instants(range, step)
        .map(|t| (t + TimeDelta::seconds(step)).min(range.end))
        .map(|at| Point {
            at,
            value: share(sums, (at - window).timestamp(), at.timestamp())
                .filter(|_| allowance > 0.0)
                .map(|s| s / allowance),
        })
        .collect()
}

fn share(sums: &PrefixSums<'_>, start: i64, end: i64) -> Option<f64> {
    let c = sums.sum_secs(start, end);
    (c.total > 0).then(|| c.bad() as f64 / c.total as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::events::Counts;
    use proptest::prelude::*;

    fn t(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_790_000_040 + secs, 0).unwrap()
    }

    fn series(minutes: &[(u64, u64)]) -> EventSeries {
        let mut s = EventSeries::new(TimeDelta::minutes(1)).unwrap();
        for (i, (good, total)) in minutes.iter().enumerate() {
            s.add(t(i as i64 * 60), Counts::new(*good, *total));
        }
        s
    }

    #[test]
    fn minutes_without_requests_are_no_data_not_zero() {
        let s = series(&[(9, 10), (0, 0), (10, 10)]);
        let range = TimeRange {
            start: t(0),
            end: t(180),
        };
        let v: Vec<_> = bad_share(&s.prefix_sums(), range, 1000)
            .iter()
            .map(|p| p.value)
            .collect();
        assert_eq!(v, vec![Some(0.1), None, Some(0.0)]);
    }

    #[test]
    fn a_burn_rate_of_one_spends_the_budget_exactly() {
        // 0.1 % bad against a 99.9 % target.
        let s = series(&[(999, 1000); 120]);
        let range = TimeRange {
            start: t(0),
            end: t(120 * 60),
        };
        let target = Target::new(0.999).unwrap();
        let b = burn_rate(&s.prefix_sums(), target, range, TimeDelta::hours(1), 10);
        let last = b.last().unwrap();
        assert_eq!(last.at, range.end);
        assert!((last.value.unwrap() - 1.0).abs() < 1e-9, "{b:?}");
    }

    proptest! {
        /// The last point of a tier's line is the burn rate over the window ending at the
        /// range's end, computed directly; steps never go past the range.
        #[test]
        fn the_last_burn_point_is_the_window_ending_at_the_end(
            minutes in prop::collection::vec((0u64..50, 0u64..50), 1..300),
            window_minutes in 1i64..200,
            points in 1usize..400,
        ) {
            let minutes: Vec<(u64, u64)> =
                minutes.into_iter().map(|(g, b)| (g, g + b)).collect();
            let s = series(&minutes);
            let range = TimeRange { start: t(0), end: t(minutes.len() as i64 * 60) };
            let target = Target::new(0.99).unwrap();
            let window = TimeDelta::minutes(window_minutes);
            let b = burn_rate(&s.prefix_sums(), target, range, window, points);
            let c = s.sum(TimeRange { start: range.end - window, end: range.end });
            let direct = (c.total > 0).then(|| c.bad() as f64 / c.total as f64 / 0.01);
            let last = b.last().unwrap();
            prop_assert_eq!(last.at, range.end);
            match (last.value, direct) {
                (Some(a), Some(d)) => prop_assert!((a - d).abs() < 1e-9),
                (a, d) => prop_assert_eq!(a, d),
            }
            prop_assert!(b.iter().all(|p| p.at > range.start && p.at <= range.end));
            let shares = bad_share(&s.prefix_sums(), range, points);
            prop_assert!(shares.iter().all(|p| p.value.is_none_or(|v| (0.0..=1.0).contains(&v))));
            // The steps cover the range once: their bad requests add up to the range's.
            let step = step(&s, range, points);
            let total: u64 = shares
                .iter()
                .map(|p| s.sum(TimeRange { start: p.at, end: (p.at + TimeDelta::seconds(step)).min(range.end) }).bad())
                .sum();
            prop_assert_eq!(total, s.sum(range).bad());
        }
    }
}
