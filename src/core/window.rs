//! SLO windows: rolling (the last 30 days) or calendar (this month, in a time zone).

use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;
use std::fmt;

/// A half-open interval of time, `[start, end)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimeRange {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl TimeRange {
    /// The `length` of time that ends at `end`.
    pub fn ending_at(end: DateTime<Utc>, length: TimeDelta) -> TimeRange {
        TimeRange {
            start: end - length,
            end,
        }
    }

    pub fn length(&self) -> TimeDelta {
        self.end - self.start
    }

    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        self.start <= t && t < self.end
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CalendarPeriod {
    Week,
    Month,
    Quarter,
}

impl CalendarPeriod {
    pub fn name(self) -> &'static str {
        match self {
            CalendarPeriod::Week => "week",
            CalendarPeriod::Month => "month",
            CalendarPeriod::Quarter => "quarter",
        }
    }

    /// The nominal length used to scale burn-rate tiers (a month is 30 days for that purpose,
    /// whatever month it is, so alarms do not change every month).
    pub fn nominal(self) -> TimeDelta {
        match self {
            CalendarPeriod::Week => TimeDelta::days(7),
            CalendarPeriod::Month => TimeDelta::days(30),
            CalendarPeriod::Quarter => TimeDelta::days(90),
        }
    }
}

/// The period over which an objective's error budget is counted.
#[derive(Clone, Debug, PartialEq)]
pub enum SloWindow {
    /// The last `length` of time, whatever the calendar says.
    Rolling(TimeDelta),
    /// From the start of the current week (Monday), month or quarter in `tz`, until now.
    Calendar { period: CalendarPeriod, tz: Tz },
}

impl SloWindow {
    /// The budget period that `at` falls in, ending at `at`.
    pub fn range_at(&self, at: DateTime<Utc>) -> TimeRange {
        match self {
            SloWindow::Rolling(length) => TimeRange::ending_at(at, *length),
            SloWindow::Calendar { period, tz } => TimeRange {
                start: calendar_start(*period, *tz, at),
                end: at,
            },
        }
    }

    /// The length that burn-rate tiers are scaled to.
    pub fn nominal(&self) -> TimeDelta {
        match self {
            SloWindow::Rolling(length) => *length,
            SloWindow::Calendar { period, .. } => period.nominal(),
        }
    }
}

impl fmt::Display for SloWindow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SloWindow::Rolling(length) => write!(f, "rolling {}", format_duration(*length)),
            SloWindow::Calendar { period, tz } => write!(f, "calendar {} ({tz})", period.name()),
        }
    }
}

/// The `n` calendar periods in `tz` that end with the one holding the instant just before
/// `at` (so that a review at midnight on the 1st is of the month that just ended), oldest
/// first; the last ends at `at`, the others at the next one's start.
pub fn calendar_periods(
    period: CalendarPeriod,
    tz: Tz,
    n: usize,
    at: DateTime<Utc>,
) -> Vec<TimeRange> {
    let mut starts = vec![calendar_start(period, tz, at - TimeDelta::seconds(1))];
    while starts.len() < n {
        let earlier = calendar_start(period, tz, starts[0] - TimeDelta::seconds(1));
        starts.insert(0, earlier);
    }
    starts
        .iter()
        .map(|start| TimeRange {
            start: *start,
            // Two days past the nominal length lands in the next period, whatever its length.
            end: calendar_start(period, tz, *start + period.nominal() + TimeDelta::days(2)).min(at),
        })
        .collect()
}

/// The start of the calendar period holding `at`, in `tz`.
pub fn calendar_start(period: CalendarPeriod, tz: Tz, at: DateTime<Utc>) -> DateTime<Utc> {
    let local = at.with_timezone(&tz).date_naive();
    let first_day = match period {
        CalendarPeriod::Week => {
            local - TimeDelta::days(i64::from(local.weekday().num_days_from_monday()))
        }
        CalendarPeriod::Month => local.with_day(1).unwrap_or(local),
        CalendarPeriod::Quarter => {
            let month = (local.month0() / 3) * 3 + 1;
            NaiveDate::from_ymd_opt(local.year(), month, 1).unwrap_or(local)
        }
    };
    local_midnight(tz, first_day)
}

/// Midnight of `day` in `tz`; where a DST change skips midnight, the first instant of the day.
fn local_midnight(tz: Tz, day: NaiveDate) -> DateTime<Utc> {
    let mut t = day.and_hms_opt(0, 0, 0).unwrap_or_default();
    for _ in 0..4 {
        if let Some(local) = tz.from_local_datetime(&t).earliest() {
            return local.with_timezone(&Utc);
        }
        t += TimeDelta::minutes(30);
    }
    Utc.from_utc_datetime(&t)
}

/// `30d`, `1h`, `5m`, `90s`, `300ms`: the largest unit that divides the duration exactly.
pub fn format_duration(d: TimeDelta) -> String {
    let ms = d.num_milliseconds();
    const UNITS: [(i64, &str); 5] = [
        (86_400_000, "d"),
        (3_600_000, "h"),
        (60_000, "m"),
        (1_000, "s"),
        (1, "ms"),
    ];
    if ms == 0 {
        return "0s".to_owned();
    }
    for (size, unit) in UNITS {
        if ms % size == 0 {
            return format!("{}{unit}", ms / size);
        }
    }
    format!("{ms}ms")
}

/// `2h17m`, `45m`, `3d4h`: for people, not for parsing.
pub fn human_duration(d: chrono::TimeDelta) -> String {
    let m = d.num_minutes();
    match (m / 1440, (m % 1440) / 60, m % 60) {
        (0, 0, min) => format!("{min}m"),
        (0, h, 0) => format!("{h}h"),
        (0, h, min) => format!("{h}h{min}m"),
        (days, h, _) => format!("{days}d{h}h"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn a_rolling_window_ends_at_the_evaluation_time() {
        let w = SloWindow::Rolling(TimeDelta::days(30));
        let r = w.range_at(utc("2026-03-31T12:00:00Z"));
        assert_eq!(r.start, utc("2026-03-01T12:00:00Z"));
        assert_eq!(r.length(), TimeDelta::days(30));
    }

    #[test]
    fn a_calendar_month_starts_at_local_midnight_of_the_first() {
        let w = SloWindow::Calendar {
            period: CalendarPeriod::Month,
            tz: chrono_tz::Asia::Tokyo,
        };
        // 2026-03-31T20:00Z is already April 1st in Tokyo (UTC+9).
        let r = w.range_at(utc("2026-03-31T20:00:00Z"));
        assert_eq!(r.start, utc("2026-03-31T15:00:00Z"));
        let r = w.range_at(utc("2026-03-15T00:00:00Z"));
        assert_eq!(r.start, utc("2026-02-28T15:00:00Z"));
    }

    #[test]
    fn a_calendar_week_starts_on_monday() {
        let w = SloWindow::Calendar {
            period: CalendarPeriod::Week,
            tz: chrono_tz::UTC,
        };
        // 2026-11-22 is a Sunday.
        let r = w.range_at(utc("2026-11-22T10:00:00Z"));
        assert_eq!(r.start, utc("2026-11-16T00:00:00Z"));
    }

    #[test]
    fn a_calendar_quarter_starts_on_the_first_month_of_the_quarter() {
        let w = SloWindow::Calendar {
            period: CalendarPeriod::Quarter,
            tz: chrono_tz::UTC,
        };
        let r = w.range_at(utc("2026-08-10T10:00:00Z"));
        assert_eq!(r.start, utc("2026-07-01T00:00:00Z"));
    }

    #[test]
    fn a_calendar_window_survives_a_dst_gap_at_midnight() {
        // America/Santiago skipped 2022-09-11 00:00 local (DST start at midnight).
        let w = SloWindow::Calendar {
            period: CalendarPeriod::Week,
            tz: chrono_tz::America::Santiago,
        };
        let r = w.range_at(utc("2022-09-12T12:00:00Z"));
        assert!(r.start < r.end);
    }

    #[test]
    fn durations_print_in_their_largest_exact_unit() {
        assert_eq!(format_duration(TimeDelta::days(30)), "30d");
        assert_eq!(format_duration(TimeDelta::hours(36)), "36h");
        assert_eq!(format_duration(TimeDelta::minutes(5)), "5m");
        assert_eq!(format_duration(TimeDelta::milliseconds(300)), "300ms");
    }

    #[test]
    fn review_periods_are_whole_calendar_periods_ending_with_the_one_before_at() {
        let t = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        let show = |r: &[TimeRange]| {
            r.iter()
                .map(|r| format!("{} {}", r.start.to_rfc3339(), r.end.to_rfc3339()))
                .collect::<Vec<_>>()
        };
        let months = calendar_periods(
            CalendarPeriod::Month,
            chrono_tz::UTC,
            3,
            t("2026-03-15T12:00:00Z"),
        );
        assert_eq!(
            show(&months),
            [
                "2026-01-01T00:00:00+00:00 2026-02-01T00:00:00+00:00",
                "2026-02-01T00:00:00+00:00 2026-03-01T00:00:00+00:00",
                "2026-03-01T00:00:00+00:00 2026-03-15T12:00:00+00:00"
            ]
        );
        // At midnight on the 1st: the month that just ended, whole.
        let ended = calendar_periods(
            CalendarPeriod::Month,
            chrono_tz::UTC,
            1,
            t("2026-12-01T00:00:00Z"),
        );
        assert_eq!(
            show(&ended),
            ["2026-11-01T00:00:00+00:00 2026-12-01T00:00:00+00:00"]
        );
        // Tokyo's months start at 15:00 UTC the day before; quarters and weeks too.
        let tokyo = calendar_periods(
            CalendarPeriod::Month,
            chrono_tz::Asia::Tokyo,
            2,
            t("2026-11-20T00:00:00Z"),
        );
        assert_eq!(tokyo[0].start, t("2026-09-30T15:00:00Z"));
        assert_eq!(tokyo[0].end, t("2026-10-31T15:00:00Z"));
        let quarters = calendar_periods(
            CalendarPeriod::Quarter,
            chrono_tz::UTC,
            4,
            t("2026-12-31T00:00:00Z"),
        );
        assert_eq!(
            quarters
                .iter()
                .map(|q| q.start.format("%m-%d").to_string())
                .collect::<Vec<_>>(),
            ["01-01", "04-01", "07-01", "10-01"]
        );
        let weeks = calendar_periods(
            CalendarPeriod::Week,
            chrono_tz::UTC,
            2,
            t("2026-11-20T00:00:00Z"),
        );
        assert_eq!(weeks[0].start, t("2026-11-09T00:00:00Z"));
        assert_eq!(weeks[1].start, t("2026-11-16T00:00:00Z"));
    }
}
