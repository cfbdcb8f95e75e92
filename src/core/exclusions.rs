//! Maintenance windows and corrections: spans whose requests count for nothing — neither good
//! nor bad — in SLIs, budgets, burn rates, incidents and the replay. A one-off span, or a
//! schedule in the form CloudWatch alarm mute rules and Application Signals' exclusion windows
//! take (`cron(0 2 ? * SUN *)`, `at(2026-11-08T02:00:00)`) with a duration and a time zone,
//! so that one spec feeds both.

use crate::core::window::TimeRange;
use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, TimeDelta, Timelike, Utc};
use chrono_tz::Tz;

/// One exclusion of a spec.
#[derive(Clone, Debug, PartialEq)]
pub struct Exclusion {
    pub when: When,
    pub reason: String,
    /// `None`: every objective of the service; else only this one.
    pub objective: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum When {
    Once(TimeRange),
    Recurring {
        schedule: Schedule,
        duration: TimeDelta,
        time_zone: Tz,
    },
}

/// AWS's schedule expressions, as alarm mute rules take them.
#[derive(Clone, Debug, PartialEq)]
pub enum Schedule {
    Cron(Cron),
    At(NaiveDateTime),
}

/// An excluded span, with the reason of the exclusion it comes from.
#[derive(Clone, Debug, PartialEq)]
pub struct Span {
    pub range: TimeRange,
    pub reason: String,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ScheduleError {
    #[error(
        "write `cron(minutes hours day-of-month month day-of-week year)` or `at(yyyy-mm-ddThh:mm:ss)`"
    )]
    Form,
    #[error(
        "a cron expression has 6 fields (minutes hours day-of-month month day-of-week year), this one has {0}"
    )]
    FieldCount(usize),
    #[error("{field}: `{text}` is not a value, range, list or step of {min}–{max}")]
    Field {
        field: &'static str,
        text: String,
        min: u32,
        max: u32,
    },
    #[error("one of day-of-month and day-of-week must be `?` (AWS's cron form)")]
    Question,
    #[error("restrict day-of-month or day-of-week, not both (the other is `*`)")]
    BothDays,
    #[error("day-of-week: in the five-field form write weekdays by name (SUN–SAT)")]
    WeekdayNumbers,
    #[error("{0}: `L`, `W` and `#` are not read by slo; list the days instead")]
    Unsupported(&'static str),
    #[error("`{0}` is not a date and time (yyyy-mm-ddThh:mm:ss)")]
    At(String),
}

impl Schedule {
    pub fn parse(text: &str) -> Result<Schedule, ScheduleError> {
        let text = text.trim();
        if let Some(inner) = text.strip_prefix("cron(").and_then(|t| t.strip_suffix(')')) {
            return Cron::parse(inner).map(Schedule::Cron);
        }
        if let Some(inner) = text.strip_prefix("at(").and_then(|t| t.strip_suffix(')')) {
            return NaiveDateTime::parse_from_str(inner.trim(), "%Y-%m-%dT%H:%M:%S")
                .or_else(|_| NaiveDateTime::parse_from_str(inner.trim(), "%Y-%m-%dT%H:%M"))
                .map(Schedule::At)
                .map_err(|_| ScheduleError::At(inner.to_owned()));
        }
        Err(ScheduleError::Form)
    }
}

/// A schedule's years are not one run (`2026,2028`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct YearGaps;

/// A set of small numbers as bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Bits(u64);

impl Bits {
    fn has(self, v: u32) -> bool {
        v < 64 && self.0 & (1 << v) != 0
    }
}

/// `cron(minutes hours day-of-month month day-of-week year)`, AWS's six fields: `*`, `?`
/// (day-of-month or day-of-week), values, `a-b`, `a,b`, `*/n` and `a/n`, month and weekday
/// names (day-of-week 1–7 is SUN–SAT).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cron {
    minutes: Bits,
    hours: Bits,
    /// `None`: `?`.
    days: Option<Bits>,
    months: Bits,
    /// `None`: `?`. Bit 1 is Sunday, as AWS numbers them.
    weekdays: Option<Bits>,
    /// Years 1970–2199 as offsets from 1970 (two words: more than 64 years).
    years: (u128, u128),
    text: String,
}

const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const WEEKDAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

fn values(
    field: &'static str,
    text: &str,
    min: u32,
    max: u32,
    names: &[&str],
) -> Result<Vec<u32>, ScheduleError> {
    let bad = || ScheduleError::Field {
        field,
        text: text.to_owned(),
        min,
        max,
    };
    if text.contains(['L', 'W', '#']) && !names.iter().any(|n| text.to_uppercase().contains(n)) {
        return Err(ScheduleError::Unsupported(field));
    }
    let number = |s: &str| -> Result<u32, ScheduleError> {
        let upper = s.to_uppercase();
        if let Some(i) = names.iter().position(|n| *n == upper) {
            return Ok(min + i as u32);
        }
        s.parse::<u32>()
            .ok()
            .filter(|v| (min..=max).contains(v))
            .ok_or_else(bad)
    };
    let mut out = Vec::new();
    for part in text.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((r, s)) => (r, s.parse::<u32>().ok().filter(|s| *s > 0).ok_or_else(bad)?),
            None => (part, 1),
        };
        let (from, to) = if range == "*" {
            (min, max)
        } else if let Some((a, b)) = range.split_once('-') {
            (number(a)?, number(b)?)
        } else {
            let v = number(range)?;
            // `a/n` runs from a to the field's end, as in AWS's `0/15`.
            (v, if part.contains('/') { max } else { v })
        };
        if from > to {
            return Err(bad());
        }
        out.extend((from..=to).step_by(step as usize));
    }
    Ok(out)
}

fn bits(
    field: &'static str,
    text: &str,
    min: u32,
    max: u32,
    names: &[&str],
) -> Result<Bits, ScheduleError> {
    Ok(Bits(
        values(field, text, min, max, names)?
            .into_iter()
            .fold(0u64, |b, v| b | 1 << v),
    ))
}

impl Cron {
    /// AWS's six-field form (EventBridge, Application Signals: `0 2 ? * SUN *`) or the
    /// five-field form of alarm mute rules (`0 2 * * SUN`: no year, `*` for either day field,
    /// weekdays by name).
    pub fn parse(text: &str) -> Result<Cron, ScheduleError> {
        let fields: Vec<&str> = text.split_whitespace().collect();
        let five = fields.len() == 5;
        if !five && fields.len() != 6 {
            return Err(ScheduleError::FieldCount(fields.len()));
        }
        let optional = |field, text: &str, min, max, names: &[&str]| {
            if text == "?" || (five && text == "*") {
                Ok(None)
            } else {
                bits(field, text, min, max, names).map(Some)
            }
        };
        if five && fields[4].chars().any(|c| c.is_ascii_digit()) {
            // Cron dialects number weekdays from 0 or from 1: names leave no doubt.
            return Err(ScheduleError::WeekdayNumbers);
        }
        let days = optional("day-of-month", fields[2], 1, 31, &[])?;
        let weekdays = optional("day-of-week", fields[4], 1, 7, &WEEKDAYS)?;
        if five && days.is_some() && weekdays.is_some() {
            return Err(ScheduleError::BothDays);
        }
        if !five && days.is_some() == weekdays.is_some() {
            return Err(ScheduleError::Question);
        }
        let mut years = (0u128, 0u128);
        for y in values(
            "year",
            fields.get(5).copied().unwrap_or("*"),
            1970,
            2199,
            &[],
        )? {
            let i = y - 1970;
            if i < 128 {
                years.0 |= 1 << i;
            } else {
                years.1 |= 1 << (i - 128);
            }
        }
        Ok(Cron {
            minutes: bits("minutes", fields[0], 0, 59, &[])?,
            hours: bits("hours", fields[1], 0, 23, &[])?,
            days,
            months: bits("month", fields[3], 1, 12, &MONTHS)?,
            weekdays,
            years,
            text: text.to_owned(),
        })
    }

    /// The years it is limited to, when not every year: (first, last) of a contiguous run;
    /// `Err(YearGaps)` for years with gaps, which a mute rule cannot say.
    pub fn year_range(&self) -> Result<Option<(i32, i32)>, YearGaps> {
        let years: Vec<i32> = (1970..=2199).filter(|y| self.year(*y)).collect();
        if years.len() == 230 {
            return Ok(None);
        }
        match (years.first(), years.last()) {
            (Some(a), Some(b)) if (b - a + 1) as usize == years.len() => Ok(Some((*a, *b))),
            _ => Err(YearGaps),
        }
    }

    /// The expression an alarm mute rule takes: `cron(0 2 * * SUN)` — five fields, lists and
    /// ranges only, weekdays by name (the years are the rule's start and expiry dates).
    pub fn mute_rule_expression(&self) -> String {
        fn list(bits: Bits, min: u32, max: u32, name: &dyn Fn(u32) -> String) -> String {
            let on: Vec<u32> = (min..=max).filter(|v| bits.has(*v)).collect();
            if on.len() as u32 == max - min + 1 {
                return "*".to_owned();
            }
            let mut parts: Vec<String> = Vec::new();
            let mut i = 0;
            while i < on.len() {
                let mut j = i;
                while j + 1 < on.len() && on[j + 1] == on[j] + 1 {
                    j += 1;
                }
                parts.push(if j > i + 1 {
                    format!("{}-{}", name(on[i]), name(on[j]))
                } else if j == i + 1 {
                    format!("{},{}", name(on[i]), name(on[j]))
                } else {
                    name(on[i])
                });
                i = j + 1;
            }
            parts.join(",")
        }
        let number = |v: u32| v.to_string();
        let weekday = |v: u32| WEEKDAYS[(v - 1) as usize].to_owned();
        format!(
            "cron({} {} {} {} {})",
            list(self.minutes, 0, 59, &number),
            list(self.hours, 0, 23, &number),
            self.days
                .map_or("*".to_owned(), |d| list(d, 1, 31, &number)),
            list(self.months, 1, 12, &number),
            self.weekdays
                .map_or("*".to_owned(), |w| list(w, 1, 7, &weekday)),
        )
    }

    fn year(&self, y: i32) -> bool {
        let i = y - 1970;
        match i {
            0..128 => self.years.0 & (1 << i) != 0,
            128..230 => self.years.1 & (1 << (i - 128)) != 0,
            _ => false,
        }
    }

    fn day(&self, d: NaiveDate) -> bool {
        self.year(d.year())
            && self.months.has(d.month())
            && self.days.is_none_or(|b| b.has(d.day()))
            && self
                .weekdays
                .is_none_or(|b| b.has(d.weekday().num_days_from_sunday() + 1))
    }

    /// Does the schedule fire at this local minute?
    pub fn matches(&self, t: NaiveDateTime) -> bool {
        self.day(t.date()) && self.hours.has(t.hour()) && self.minutes.has(t.minute())
    }

    /// Local minutes it fires at on `day`, in order.
    fn times_on(&self, day: NaiveDate) -> impl Iterator<Item = NaiveDateTime> + '_ {
        let on = self.day(day);
        (0..24u32)
            .filter(move |h| on && self.hours.has(*h))
            .flat_map(move |h| {
                (0..60u32)
                    .filter(|m| self.minutes.has(*m))
                    .filter_map(move |m| day.and_hms_opt(h, m, 0))
            })
    }
}

impl std::fmt::Display for Cron {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cron({})", self.text)
    }
}

impl std::fmt::Display for Schedule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Schedule::Cron(c) => c.fmt(f),
            Schedule::At(t) => write!(f, "at({})", t.format("%Y-%m-%dT%H:%M:%S")),
        }
    }
}

/// A local time in `tz` as UTC: the earlier of two in a fold, `None` in a gap (a schedule's
/// minute that a DST change skips does not happen).
fn utc(tz: Tz, local: NaiveDateTime) -> Option<DateTime<Utc>> {
    local
        .and_local_timezone(tz)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

/// The first moment from `from` on that one set of spans covers and the other does not
/// (`None`: they cover the same time): data cleared of either is the same from `from` to it.
pub fn first_difference(
    a: &[TimeRange],
    b: &[TimeRange],
    from: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let covers =
        |set: &[TimeRange], t: DateTime<Utc>| set.iter().any(|r| r.start <= t && t < r.end);
    let mut edges: Vec<DateTime<Utc>> = a
        .iter()
        .chain(b)
        .flat_map(|r| [r.start, r.end])
        .chain([from])
        .filter(|t| *t >= from)
        .collect();
    edges.sort();
    // Coverage changes only at an edge: comparing there is comparing everywhere.
    edges.into_iter().find(|t| covers(a, *t) != covers(b, *t))
}

/// The spans of the exclusions that apply to `objective` and meet `range`, merged where they
/// overlap or touch (the first reason kept), in time order.
pub fn spans(exclusions: &[Exclusion], objective: &str, range: TimeRange) -> Vec<Span> {
    let mut out: Vec<Span> = Vec::new();
    for e in exclusions
        .iter()
        .filter(|e| e.objective.as_deref().is_none_or(|o| o == objective))
    {
        match &e.when {
            When::Once(r) => out.push(Span {
                range: *r,
                reason: e.reason.clone(),
            }),
            When::Recurring {
                schedule,
                duration,
                time_zone,
            } => {
                let starts: Vec<DateTime<Utc>> = match schedule {
                    Schedule::At(t) => utc(*time_zone, *t).into_iter().collect(),
                    Schedule::Cron(c) => {
                        let first = (range.start - *duration - TimeDelta::days(1))
                            .with_timezone(time_zone)
                            .date_naive();
                        let last = (range.end + TimeDelta::days(1))
                            .with_timezone(time_zone)
                            .date_naive();
                        first
                            .iter_days()
                            .take_while(|d| *d <= last)
                            .flat_map(|d| c.times_on(d).collect::<Vec<_>>())
                            .filter_map(|t| utc(*time_zone, t))
                            .collect()
                    }
                };
                out.extend(starts.into_iter().map(|s| Span {
                    range: TimeRange {
                        start: s,
                        end: s + *duration,
                    },
                    reason: e.reason.clone(),
                }));
            }
        }
    }
    out.retain(|s| {
        s.range.start < range.end && s.range.end > range.start && s.range.start < s.range.end
    });
    out.sort_by_key(|s| s.range.start);
    let mut merged: Vec<Span> = Vec::new();
    for s in out {
        match merged.last_mut() {
            Some(m) if s.range.start <= m.range.end => m.range.end = m.range.end.max(s.range.end),
            _ => merged.push(s),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn range(a: &str, b: &str) -> TimeRange {
        TimeRange {
            start: t(a),
            end: t(b),
        }
    }

    fn weekly(tz: Tz) -> Exclusion {
        Exclusion {
            when: When::Recurring {
                schedule: Schedule::parse("cron(0 2 ? * SUN *)").unwrap(),
                duration: TimeDelta::hours(2),
                time_zone: tz,
            },
            reason: "weekly maintenance".into(),
            objective: None,
        }
    }

    #[test]
    fn a_weekly_window_falls_on_sundays_in_its_time_zone() {
        let s = spans(
            &[weekly(chrono_tz::Europe::Berlin)],
            "availability",
            range("2026-11-01T00:00:00Z", "2026-11-16T00:00:00Z"),
        );
        let starts: Vec<String> = s.iter().map(|s| s.range.start.to_rfc3339()).collect();
        // Sundays 02:00 in Berlin (UTC+1 in November) are 01:00 UTC.
        assert_eq!(
            starts,
            [
                "2026-11-01T01:00:00+00:00",
                "2026-11-08T01:00:00+00:00",
                "2026-11-15T01:00:00+00:00"
            ]
        );
        assert!(
            s.iter()
                .all(|s| s.range.end - s.range.start == TimeDelta::hours(2))
        );
    }

    #[test]
    fn a_skipped_local_minute_does_not_happen_and_a_repeated_one_happens_once() {
        // Berlin skips 02:00–03:00 on 2026-03-29 and repeats 02:00–03:00 on 2026-10-25.
        let e = |cron: &str| Exclusion {
            when: When::Recurring {
                schedule: Schedule::parse(cron).unwrap(),
                duration: TimeDelta::minutes(10),
                time_zone: chrono_tz::Europe::Berlin,
            },
            reason: String::new(),
            objective: None,
        };
        let march = spans(
            &[e("cron(30 2 29 3 ? 2026)")],
            "x",
            range("2026-03-28T00:00:00Z", "2026-03-31T00:00:00Z"),
        );
        assert!(march.is_empty(), "{march:?}");
        let october = spans(
            &[e("cron(30 2 25 10 ? 2026)")],
            "x",
            range("2026-10-24T00:00:00Z", "2026-10-27T00:00:00Z"),
        );
        assert_eq!(october.len(), 1);
        assert_eq!(october[0].range.start, t("2026-10-25T00:30:00Z"));
    }

    #[test]
    fn schedules_are_read_as_aws_writes_them_and_refused_clearly() {
        let c = |s| Schedule::parse(s);
        assert!(c("cron(0/15 * ? * MON-FRI *)").is_ok());
        assert!(c("cron(0 9 1,15 JAN,JUL ? 2026-2030)").is_ok());
        assert!(matches!(c("at(2026-11-08T02:00:00)"), Ok(Schedule::At(_))));
        assert_eq!(c("0 2 * * *"), Err(ScheduleError::Form));
        assert_eq!(c("cron(0 2 * *)"), Err(ScheduleError::FieldCount(4)));
        assert!(c("cron(0 2 * * *)").is_ok());
        assert!(c("cron(0 2 * * SUN)").is_ok());
        assert_eq!(c("cron(0 2 * * 0)"), Err(ScheduleError::WeekdayNumbers));
        assert_eq!(c("cron(0 2 1 * SUN)"), Err(ScheduleError::BothDays));
        assert_eq!(c("cron(0 2 * * MON *)"), Err(ScheduleError::Question));
        assert_eq!(
            c("cron(0 2 L * ? *)"),
            Err(ScheduleError::Unsupported("day-of-month"))
        );
        assert!(matches!(
            c("cron(61 2 ? * SUN *)"),
            Err(ScheduleError::Field {
                field: "minutes",
                ..
            })
        ));
        assert!(matches!(c("at(tomorrow)"), Err(ScheduleError::At(_))));
    }

    #[test]
    fn exclusions_of_another_objective_do_not_apply() {
        let mut e = weekly(chrono_tz::UTC);
        e.objective = Some("latency".into());
        let r = range("2026-11-01T00:00:00Z", "2026-11-16T00:00:00Z");
        assert!(spans(std::slice::from_ref(&e), "availability", r).is_empty());
        assert_eq!(spans(&[e], "latency", r).len(), 3);
    }

    fn arb_field(min: u32, max: u32) -> impl Strategy<Value = (String, Vec<u32>)> {
        prop_oneof![
            Just(("*".to_owned(), (min..=max).collect())),
            (min..=max).prop_map(|v| (v.to_string(), vec![v])),
            (min..=max, min..=max).prop_map(|(a, b)| {
                let (a, b) = (a.min(b), a.max(b));
                (format!("{a}-{b}"), (a..=b).collect())
            }),
            (min..=max, 1u32..10).prop_map(move |(a, s)| {
                (format!("{a}/{s}"), (a..=max).step_by(s as usize).collect())
            }),
            (min..=max, min..=max).prop_map(|(a, b)| {
                let mut v = vec![a, b];
                v.sort_unstable();
                v.dedup();
                (format!("{a},{b}"), v)
            }),
        ]
    }

    #[test]
    fn the_mute_rule_expression_says_the_same_in_five_fields() {
        let m = |s: &str| {
            let Schedule::Cron(c) = Schedule::parse(s).unwrap() else {
                unreachable!()
            };
            c.mute_rule_expression()
        };
        assert_eq!(m("cron(0 2 ? * SUN *)"), "cron(0 2 * * SUN)");
        assert_eq!(m("cron(0 2 * * SUN)"), "cron(0 2 * * SUN)");
        assert_eq!(
            m("cron(0/15 1-5 ? * MON-FRI *)"),
            "cron(0,15,30,45 1-5 * * MON-FRI)"
        );
        assert_eq!(
            m("cron(30 23 1,15 JAN,FEB,MAR ? 2026)"),
            "cron(30 23 1,15 1-3 *)"
        );
        let Schedule::Cron(c) = Schedule::parse("cron(0 2 ? * SUN 2026-2027)").unwrap() else {
            unreachable!()
        };
        assert_eq!(c.year_range(), Ok(Some((2026, 2027))));
        let Schedule::Cron(c) = Schedule::parse("cron(0 2 ? * SUN 2026,2028)").unwrap() else {
            unreachable!()
        };
        assert_eq!(c.year_range(), Err(YearGaps));
    }

    proptest! {
        /// A parsed field holds exactly the values its text names (an oracle that expands the
        /// text independently), and a schedule fires at a minute iff every field allows it.
        #[test]
        fn fields_hold_what_they_name(
            (m_text, m) in arb_field(0, 59),
            (h_text, h) in arb_field(0, 23),
            (d_text, d) in arb_field(1, 31),
            (mo_text, mo) in arb_field(1, 12),
            minute in 0i64..(366 * 24 * 60),
        ) {
            let c = Cron::parse(&format!("{m_text} {h_text} {d_text} {mo_text} ? *")).unwrap();
            let at = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap().and_hms_opt(0, 0, 0).unwrap()
                + TimeDelta::minutes(minute);
            let expected = m.contains(&at.minute()) && h.contains(&at.hour())
                && d.contains(&at.day()) && mo.contains(&at.month());
            prop_assert_eq!(c.matches(at), expected);
        }

        /// A schedule and the mute rule's expression of it fire at the same minutes.
        #[test]
        fn the_mute_rule_expression_fires_when_the_schedule_does(
            (m_text, _) in arb_field(0, 59),
            (h_text, _) in arb_field(0, 23),
            (d_text, _) in arb_field(1, 31),
            (mo_text, _) in arb_field(1, 12),
            minute in 0i64..(366 * 24 * 60),
        ) {
            let six = Cron::parse(&format!("{m_text} {h_text} {d_text} {mo_text} ? *")).unwrap();
            let expression = six.mute_rule_expression();
            let inner = expression.strip_prefix("cron(").and_then(|e| e.strip_suffix(')')).unwrap();
            let five = Cron::parse(inner).unwrap();
            let at = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap().and_hms_opt(0, 0, 0).unwrap()
                + TimeDelta::minutes(minute);
            prop_assert_eq!(six.matches(at), five.matches(at), "{}", expression);
        }

        /// Spans are sorted, disjoint, inside the range they were asked for, and each starts at
        /// a minute the schedule fires at (or where the range begins, cut).
        #[test]
        fn spans_are_ordered_disjoint_and_on_schedule(
            (m_text, _) in arb_field(0, 59),
            (h_text, _) in arb_field(0, 23),
            hours in 1i64..200,
            duration in 1i64..300,
        ) {
            let cron = format!("cron({m_text} {h_text} ? * * *)");
            let e = Exclusion {
                when: When::Recurring {
                    schedule: Schedule::parse(&cron).unwrap(),
                    duration: TimeDelta::minutes(duration),
                    time_zone: chrono_tz::UTC,
                },
                reason: String::new(),
                objective: None,
            };
            let r = TimeRange { start: t("2026-11-01T00:00:00Z"), end: t("2026-11-01T00:00:00Z") + TimeDelta::hours(hours) };
            let s = spans(std::slice::from_ref(&e), "x", r);
            let Schedule::Cron(c) = Schedule::parse(&cron).unwrap() else { unreachable!() };
            for w in s.windows(2) {
                prop_assert!(w[0].range.end < w[1].range.start);
            }
            for sp in &s {
                prop_assert!(sp.range.start < r.end && sp.range.end > r.start);
                prop_assert!(c.matches(sp.range.start.naive_utc()));
            }
        }
    }
}
