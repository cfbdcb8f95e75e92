//! The error budget over a window, as a line: what the dashboard's burn-down chart draws.

use crate::core::events::EventSeries;
use crate::core::ratio::Target;
use crate::core::window::TimeRange;
use chrono::{DateTime, TimeDelta, Utc};

/// The budget at one instant of the window.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BurnDownPoint {
    pub at: DateTime<Utc>,
    /// 1 − bad so far / allowed over the whole window (so the last point is the report's
    /// `budget_remaining`); `None` when the window has no requests at all.
    pub remaining: Option<f64>,
    /// Where the budget would be if it were spent evenly over the window's nominal length:
    /// 1 at the start, 0 at `start + nominal`.
    pub ideal: f64,
}

/// The budget of `series` over `range` (the window so far, ending at `range.end`) at about
/// `max_points` evenly spaced instants (a multiple of the series' bucket apart) and at
/// `range.end`. `nominal`: the window's full length (a calendar month counts whole).
///
/// remaining(t) = 1 − bad[start, t) / ((1 − target) · total[start, end)): the denominator is
/// the whole window's allowance, as the report's, so the line ends where the report's number
/// is; spending before `t` is all it depends on.
pub fn burn_down(
    series: &EventSeries,
    target: Target,
    range: TimeRange,
    nominal: TimeDelta,
    max_points: usize,
) -> Vec<BurnDownPoint> {
    if range.end <= range.start {
        return Vec::new();
    }
    let sums = series.prefix_sums();
    let allowed = target.error_allowance() * sums.sum(range).total as f64;
    let step = crate::core::timeline::step(series, range, max_points);
    let nominal = nominal.num_seconds().max(1) as f64;
    let point = |at: DateTime<Utc>| {
        let bad = sums
            .sum(TimeRange {
                start: range.start,
                end: at,
            })
            .bad();
        BurnDownPoint {
            at,
            remaining: (allowed > 0.0).then(|| 1.0 - bad as f64 / allowed),
            ideal: 1.0 - (at - range.start).num_seconds() as f64 / nominal,
        }
    };
    let mut out: Vec<BurnDownPoint> = crate::core::timeline::instants(range, step)
        .map(point)
        .collect();
    out.push(point(range.end));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::budget::ErrorBudget;
    use crate::core::events::Counts;
    use proptest::prelude::*;

    fn t(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_790_000_000 + secs, 0).unwrap()
    }

    #[test]
    fn a_window_without_requests_has_no_budget_line() {
        let s = EventSeries::new(TimeDelta::minutes(1)).unwrap();
        let range = TimeRange {
            start: t(0),
            end: t(3600),
        };
        let target = Target::new(0.99).unwrap();
        let line = burn_down(&s, target, range, TimeDelta::hours(1), 10);
        assert!(line.iter().all(|p| p.remaining.is_none()));
        assert_eq!(line.first().unwrap().ideal, 1.0);
        assert_eq!(line.last().unwrap().ideal, 0.0);
    }

    proptest! {
        #[test]
        fn the_line_starts_full_never_rises_and_ends_at_the_reports_budget(
            minutes in prop::collection::vec((0u64..50, 0u64..5), 1..300),
            max_points in 1usize..100,
        ) {
            let mut s = EventSeries::new(TimeDelta::minutes(1)).unwrap();
            for (m, (good, bad)) in minutes.iter().enumerate() {
                s.add(t(m as i64 * 60), Counts::new(*good, good + bad));
            }
            let range = TimeRange { start: t(0), end: t(minutes.len() as i64 * 60) };
            let target = Target::new(0.99).unwrap();
            let line = burn_down(&s, target, range, range.length(), max_points);
            prop_assert!(line.len() <= max_points + 2);
            let expected = ErrorBudget::new(target, s.sum(range)).map(|b| b.remaining());
            let last = line.last().unwrap();
            prop_assert_eq!(last.at, range.end);
            match (last.remaining, expected) {
                (Some(a), Some(b)) => prop_assert!((a - b).abs() < 1e-9),
                (a, b) => prop_assert_eq!(a.is_none(), b.is_none()),
            }
            if let Some(first) = line[0].remaining {
                prop_assert_eq!(first, 1.0);
            }
            for w in line.windows(2) {
                if let (Some(a), Some(b)) = (w[0].remaining, w[1].remaining) {
                    prop_assert!(b <= a);
                }
                prop_assert!(w[1].ideal <= w[0].ideal);
            }
        }
    }
}
