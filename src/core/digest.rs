//! The SLO review sent on a schedule (spec `report: { every, at, timeZone, via }`): when the
//! next digest is due, and which period it reviews — the one that ended at the start of the
//! period holding the send time.

use crate::core::window::{CalendarPeriod, TimeRange, calendar_periods, calendar_start};
use chrono::{DateTime, NaiveTime, TimeDelta, Utc, Weekday};
use chrono_tz::Tz;

/// A digest of a service's objectives.
#[derive(Clone, Debug, PartialEq)]
pub struct Digest {
    pub every: CalendarPeriod,
    /// Weekly digests: the day (Monday by default); others go on the period's first day.
    pub weekday: Option<Weekday>,
    pub time: NaiveTime,
    pub time_zone: Tz,
    /// Channels by the journal's names (`sns` for e-mail, `slack`).
    pub via: Vec<String>,
}

/// A digest a pass may still send: it went due at `at`, reviewing `period`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Due {
    pub at: DateTime<Utc>,
    pub period: TimeRange,
}

/// A digest later than this after its time is not sent (the service was down): the next one
/// reviews the next period. An hour or two late still reaches the review it is for.
pub const LATEST: TimeDelta = TimeDelta::hours(6);

/// When the digest of the period holding `t` goes (in its time zone).
fn send_time(d: &Digest, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let start = calendar_start(d.every, d.time_zone, t).with_timezone(&d.time_zone);
    let day = match (d.every, d.weekday) {
        (CalendarPeriod::Week, Some(w)) => {
            start.date_naive() + TimeDelta::days(i64::from(w.num_days_from_monday()))
        }
        _ => start.date_naive(),
    };
    day.and_time(d.time)
        .and_local_timezone(d.time_zone)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

/// The digest due at `now`: the latest send time at or before `now`, if not older than
/// [`LATEST`]; it reviews the whole period before the one it is sent in.
pub fn due(d: &Digest, now: DateTime<Utc>) -> Option<Due> {
    let this = send_time(d, now)?;
    let at = if this <= now {
        this
    } else {
        let previous_period = calendar_start(d.every, d.time_zone, now) - TimeDelta::seconds(1);
        send_time(d, previous_period)?
    };
    if now - at > LATEST || at > now {
        return None;
    }
    let boundary = calendar_start(d.every, d.time_zone, at);
    let period = calendar_periods(d.every, d.time_zone, 1, boundary)
        .into_iter()
        .next()?;
    Some(Due { at, period })
}

/// `MON 09:00`, `09:00`: the weekday (when given) and the time of a digest.
pub fn parse_at(text: &str) -> Option<(Option<Weekday>, NaiveTime)> {
    let mut parts = text.split_whitespace();
    let (day, time) = match (parts.next(), parts.next(), parts.next()) {
        (Some(t), None, None) => (None, t),
        (Some(d), Some(t), None) => (Some(d.parse::<Weekday>().ok()?), t),
        _ => return None,
    };
    let time = NaiveTime::parse_from_str(time, "%H:%M").ok()?;
    Some((day, time))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn weekly() -> Digest {
        let (weekday, time) = parse_at("MON 09:00").unwrap();
        Digest {
            every: CalendarPeriod::Week,
            weekday,
            time,
            time_zone: chrono_tz::Europe::Berlin,
            via: vec!["sns".into()],
        }
    }

    #[test]
    fn a_weekly_digest_goes_monday_morning_and_reviews_the_week_before() {
        // Monday 2026-11-16 09:00 in Berlin is 08:00 UTC.
        assert_eq!(due(&weekly(), t("2026-11-16T07:59:00Z")), None);
        let d = due(&weekly(), t("2026-11-16T08:30:00Z")).unwrap();
        assert_eq!(d.at, t("2026-11-16T08:00:00Z"));
        assert_eq!(d.period.start, t("2026-11-08T23:00:00Z"));
        assert_eq!(d.period.end, t("2026-11-15T23:00:00Z"));
        // Still the same one at 13:00; too late by the evening.
        assert_eq!(due(&weekly(), t("2026-11-16T13:00:00Z")), Some(d));
        assert_eq!(due(&weekly(), t("2026-11-16T20:00:00Z")), None);
    }

    #[test]
    fn a_monthly_digest_goes_on_the_first_and_reviews_the_month_before() {
        let d = Digest {
            every: CalendarPeriod::Month,
            weekday: None,
            time: NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
            time_zone: chrono_tz::UTC,
            via: vec!["slack".into()],
        };
        let due = due(&d, t("2026-12-01T09:05:00Z")).unwrap();
        assert_eq!(
            (due.period.start, due.period.end),
            (t("2026-11-01T00:00:00Z"), t("2026-12-01T00:00:00Z"))
        );
        assert_eq!(parse_at("someday 09:00"), None);
        assert_eq!(parse_at("25:00"), None);
        assert_eq!(parse_at("MON 09:00 UTC"), None);
        assert!(parse_at("Tue 18:30").is_some());
    }
}
