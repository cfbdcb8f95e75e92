//! The error-budget policy (`slo gate`), pure: an objective freezes deployments while its
//! remaining budget is below `policy.freezeBelow`, and the budget recovers when, at the
//! current rate, enough of the window's bad events have left it (rolling windows) or the next
//! period starts (calendar windows).

use crate::core::events::{Counts, PrefixSums};
use crate::core::ratio::Target;
use crate::core::window::{SloWindow, TimeRange};
use chrono::{DateTime, TimeDelta, Utc};

/// One objective's verdict.
#[derive(Clone, Debug, PartialEq)]
pub enum Verdict {
    /// No request in the window: nothing to decide on.
    NoData,
    Allow {
        remaining: f64,
    },
    /// `recovers_at`: when the budget is back at the threshold at the current rate; `None`
    /// when it is not within a window at that rate.
    Freeze {
        remaining: f64,
        recovers_at: Option<DateTime<Utc>>,
    },
}

/// How far ahead recovery is looked for, in steps of this.
const STEP: TimeDelta = TimeDelta::hours(1);
/// The current rate: the last hour's requests and errors, per minute (a burst that already
/// ended does not go on in the forecast).
const RECENT: TimeDelta = TimeDelta::hours(1);

/// The verdict for an objective with `target` whose events are `sums`, in `window` at `at`.
pub fn judge(
    sums: &PrefixSums<'_>,
    target: Target,
    window: &SloWindow,
    at: DateTime<Utc>,
    freeze_below: f64,
) -> Verdict {
    let Some(remaining) = remaining(sums.sum(window.range_at(at)), target) else {
        return Verdict::NoData;
    };
    if remaining >= freeze_below {
        return Verdict::Allow { remaining };
    }
    Verdict::Freeze {
        remaining,
        recovers_at: recovers_at(sums, target, window, at, freeze_below),
    }
}

fn remaining(c: Counts, target: Target) -> Option<f64> {
    (c.total > 0).then(|| {
        let allowed = target.error_allowance() * c.total as f64;
        if allowed == 0.0 {
            if c.bad() == 0 { 1.0 } else { f64::NEG_INFINITY }
        } else {
            1.0 - c.bad() as f64 / allowed
        }
    })
}

fn recovers_at(
    sums: &PrefixSums<'_>,
    target: Target,
    window: &SloWindow,
    at: DateTime<Utc>,
    freeze_below: f64,
) -> Option<DateTime<Utc>> {
    match window {
        SloWindow::Calendar { .. } => {
            // The budget starts whole with the next period.
            let current = window.range_at(at).start;
            let mut t = at;
            for _ in 0..400 {
                t += TimeDelta::days(1);
                let start = window.range_at(t).start;
                if start != current {
                    return Some(start);
                }
            }
            None
        }
        SloWindow::Rolling(length) => {
            let recent = sums.sum(TimeRange::ending_at(at, RECENT));
            let minutes = RECENT.num_minutes() as f64;
            let (bad_rate, total_rate) =
                (recent.bad() as f64 / minutes, recent.total as f64 / minutes);
            let mut t = at;
            while t - at <= *length {
                t += STEP;
                let past = sums.sum(TimeRange {
                    start: t - *length,
                    end: at,
                });
                let ahead = (t - at).num_minutes() as f64;
                let total = past.total as f64 + total_rate * ahead;
                let bad = past.bad() as f64 + bad_rate * ahead;
                let allowed = target.error_allowance() * total;
                if total > 0.0 && allowed > 0.0 && 1.0 - bad / allowed >= freeze_below {
                    return Some(t);
                }
            }
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::events::EventSeries;

    fn t(h: i64) -> DateTime<Utc> {
        "2026-11-01T00:00:00Z".parse::<DateTime<Utc>>().unwrap() + TimeDelta::hours(h)
    }

    #[test]
    fn an_overspent_budget_freezes_until_its_bad_hours_leave_the_window() {
        // Seven days of 6,000 requests an hour; 1,500 of them failed in hour 24: 149 % of the
        // week's budget.
        let mut s = EventSeries::new(TimeDelta::minutes(1)).unwrap();
        for h in 0..24 * 7 {
            let bad = if h == 24 { 1500 } else { 0 };
            s.add(t(h), Counts::new(6000 - bad, 6000));
        }
        let sums = s.prefix_sums();
        let target = Target::new(0.999).unwrap();
        let week = SloWindow::Rolling(TimeDelta::days(7));
        let at = t(24 * 7);
        let v = judge(&sums, target, &week, at, 0.0);
        let Verdict::Freeze {
            remaining,
            recovers_at,
        } = v
        else {
            panic!("{v:?}")
        };
        assert!(remaining < 0.0);
        // Hour 24 leaves a 7-day window ending at hour 24 + 168 + 1.
        assert_eq!(recovers_at, Some(t(24 + 24 * 7 + 1)));
        // A policy that tolerates an overspent budget down to −50 % allows it.
        assert!(matches!(
            judge(&sums, target, &week, at, -0.5),
            Verdict::Allow { .. }
        ));
        // No requests: no verdict.
        let empty = EventSeries::new(TimeDelta::minutes(1)).unwrap();
        assert_eq!(
            judge(&empty.prefix_sums(), target, &week, at, 0.0),
            Verdict::NoData
        );
    }
}
