//! `exclusions:` (service level and per objective) → [`Exclusion`]s, every problem reported
//! with its file, line and field.

use super::convert::{at, report};
use super::wire::{ExclusionWire, Sp};
use crate::core::exclusions::{Exclusion, Schedule, When};
use crate::core::window::TimeRange;
use crate::spec::diag::Diagnostics;
use crate::spec::scalars::parse_duration;
use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use chrono_tz::Tz;

/// The longest duration an alarm mute rule takes (PT1M to P15D, per `PutAlarmMuteRule`'s
/// `Schedule.Duration`): a longer recurring window could not keep the alarms quiet.
const LONGEST_RECURRING: TimeDelta = TimeDelta::days(15);

/// The exclusions of `list` at `field` (`exclusions` or `objectives[2].exclusions`), for
/// `objective` (`None`: the whole service, or the entry's own `objective`, one of
/// `objectives`).
pub fn convert(
    list: Option<&Sp<Vec<ExclusionWire>>>,
    field: &str,
    objective: Option<&str>,
    objectives: &[&str],
    d: &mut Diagnostics,
) -> Vec<Exclusion> {
    let Some(list) = list else {
        return Vec::new();
    };
    list.value
        .iter()
        .enumerate()
        .filter_map(|(i, e)| {
            let field = format!("{field}[{i}]");
            let only = match (&e.objective, objective) {
                (None, o) => Some(o.map(str::to_owned)),
                (Some(o), None) if objectives.contains(&o.value.as_str()) => {
                    Some(Some(o.value.clone()))
                }
                (Some(o), Some(own)) => {
                    d.error_hint(
                        at(o),
                        &format!("{field}.objective"),
                        format!("an exclusion under objective `{own}` applies to it alone"),
                        "drop `objective`, or move the entry to the service's `exclusions`",
                    );
                    None
                }
                (Some(o), None) => {
                    d.error_hint(
                        at(o),
                        &format!("{field}.objective"),
                        format!("no objective `{}` in this spec", o.value),
                        format!("one of: {}", objectives.join(", ")),
                    );
                    None
                }
            };
            let exclusion = one(e, &field, list, only.clone().flatten().as_deref(), d);
            exclusion.filter(|_| only.is_some())
        })
        .collect()
}

fn one(
    e: &ExclusionWire,
    field: &str,
    list: &Sp<Vec<ExclusionWire>>,
    objective: Option<&str>,
    d: &mut Diagnostics,
) -> Option<Exclusion> {
    let f = |name: &str| format!("{field}.{name}");
    let anchor = e
        .reason
        .as_ref()
        .or(e.start.as_ref())
        .or(e.schedule.as_ref())
        .map_or(at(list), at);
    let time_zone = super::convert::time_zone(e.time_zone.as_ref(), &f("timeZone"), d);
    let reason = match &e.reason {
        Some(r) if !r.value.trim().is_empty() => Some(r.value.trim().to_owned()),
        _ => {
            d.error_hint(
                anchor,
                &f("reason"),
                "an exclusion needs a reason",
                "say why its requests do not count, e.g. reason: \"database upgrade, announced in #ops\"",
            );
            None
        }
    };
    let when = match (&e.start, &e.end, &e.schedule, &e.duration) {
        (Some(start), Some(end), None, None) => {
            let tz = time_zone?;
            let start_at = instant(start, &f("start"), tz, d);
            let end_at = instant(end, &f("end"), tz, d);
            let (start_at, end_at) = (start_at?, end_at?);
            if end_at <= start_at {
                d.error_hint(
                    at(end),
                    &f("end"),
                    format!("ends at {end_at}, not after its start {start_at}"),
                    "give the end of the maintenance, after its start",
                );
                return None;
            }
            When::Once(TimeRange {
                start: start_at,
                end: end_at,
            })
        }
        (None, None, Some(schedule), Some(duration)) => {
            let parsed = match Schedule::parse(&schedule.value) {
                Ok(s) => Some(s),
                Err(problem) => {
                    d.error_hint(
                        at(schedule),
                        &f("schedule"),
                        problem.to_string(),
                        "e.g. schedule: \"cron(0 2 ? * SUN *)\" (Sundays 02:00) or \"at(2026-11-08T02:00:00)\"",
                    );
                    None
                }
            };
            let length = report(
                parse_duration(&duration.value),
                at(duration),
                &f("duration"),
                d,
            )
            .filter(|l| {
                let ok = *l > TimeDelta::zero() && *l <= LONGEST_RECURRING;
                if !ok {
                    d.error_hint(
                        at(duration),
                        &f("duration"),
                        format!("`{}` is not between 1 minute and 15 days (the longest an alarm mute rule mutes)", duration.value),
                        "e.g. duration: 2h",
                    );
                }
                ok
            });
            When::Recurring {
                schedule: parsed?,
                duration: length?,
                time_zone: time_zone?,
            }
        }
        _ => {
            d.error_hint(
                anchor,
                field,
                "an exclusion is either `start` and `end`, or `schedule` and `duration`",
                "e.g. { start: 2026-11-08T02:00:00Z, end: 2026-11-08T04:00:00Z, reason: … } or { schedule: \"cron(0 2 ? * SUN *)\", duration: 2h, timeZone: Europe/Berlin, reason: … }",
            );
            return None;
        }
    };
    Some(Exclusion {
        when,
        reason: reason?,
        objective: objective.map(str::to_owned),
    })
}

/// RFC 3339 (`2026-11-08T02:00:00Z`, `…+01:00`), or a local `2026-11-08T02:00[:00]` (a space
/// for the `T` too) in the exclusion's time zone.
fn instant(v: &Sp<String>, field: &str, tz: Tz, d: &mut Diagnostics) -> Option<DateTime<Utc>> {
    let text = v.value.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    let local = [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok());
    match local.and_then(|l| l.and_local_timezone(tz).earliest()) {
        Some(t) => Some(t.with_timezone(&Utc)),
        None => {
            d.error_hint(
                at(v),
                field,
                format!("`{text}` is not a time"),
                "use RFC 3339 (2026-11-08T02:00:00Z), or 2026-11-08T02:00 in the exclusion's timeZone",
            );
            None
        }
    }
}
