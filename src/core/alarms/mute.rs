//! Maintenance windows kept quiet by CloudWatch itself: one alarm mute rule per exclusion
//! (`PutAlarmMuteRule`), naming the service's alarms that notify, so that a window pages no
//! one even when `slo serve` is down. A mute rule mutes actions only; states still change.

use super::naming;
use crate::core::exclusions::{Exclusion, Schedule, When};
use crate::core::model::ServiceSlo;
use crate::core::tiers::Severity;
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use std::collections::{BTreeMap, BTreeSet};

/// Names of mute rules slo keeps: `slo-<service>-<n>`, the n-th exclusion of the service.
pub const MUTE_RULE_PREFIX: &str = "slo-";

/// At most this many alarms a mute rule may name (`MuteTargets.AlarmNames`).
pub const MAX_TARGETS: usize = 100;

/// An alarm mute rule as `PutAlarmMuteRule` takes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MuteRule {
    pub name: String,
    pub description: String,
    /// `cron(0 2 * * SUN)` or `at(2026-11-08T02:00)`.
    pub expression: String,
    /// ISO 8601: `PT2H`, `P1DT12H`.
    pub duration: String,
    pub time_zone: String,
    pub start_date: Option<DateTime<Utc>>,
    pub expire_date: Option<DateTime<Utc>>,
    /// Sorted.
    pub alarm_names: Vec<String>,
    pub tags: BTreeMap<String, String>,
}

/// `PT2H`, `P1DT12H`, `PT1H30M`: whole minutes, as mute rules take them.
pub fn iso_duration(d: TimeDelta) -> String {
    let minutes = d.num_minutes().max(1);
    let (days, hours, mins) = (minutes / 1440, minutes % 1440 / 60, minutes % 60);
    let mut out = String::from("P");
    if days > 0 {
        out.push_str(&format!("{days}D"));
    }
    if hours > 0 || mins > 0 {
        out.push('T');
        if hours > 0 {
            out.push_str(&format!("{hours}H"));
        }
        if mins > 0 {
            out.push_str(&format!("{mins}M"));
        }
    }
    out
}

/// The alarms of `service` among `alarm_names` that notify someone: its severity composites
/// (those of `objective` alone when given), and for the whole service its fallback, infra and
/// log alarms.
fn targets(service: &str, objective: Option<&str>, alarm_names: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = alarm_names
        .iter()
        .filter(|n| match objective {
            Some(o) => [Severity::Page, Severity::Ticket]
                .iter()
                .any(|s| **n == naming::severity(service, o, *s)),
            None => {
                n.starts_with(&naming::service_prefix(service))
                    && (n.ends_with(":page")
                        || n.ends_with(":ticket")
                        || **n == naming::fallback(service)
                        || n.starts_with(&naming::infra(service, ""))
                        || n.contains(":logs:"))
            }
        })
        .map(|n| (*n).to_owned())
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The mute rules of `slo`'s exclusions that can still mute something at `now`, naming the
/// alarms of `alarm_names` (the desired ones) they silence; and a warning for each exclusion a
/// mute rule cannot express (it still counts for nothing in reports).
pub fn desired_mute_rules(
    slo: &ServiceSlo,
    alarm_names: &[&str],
    now: DateTime<Utc>,
) -> (Vec<MuteRule>, Vec<String>) {
    let mut rules = Vec::new();
    let mut warnings = Vec::new();
    for (n, e) in slo.exclusions.iter().enumerate() {
        let name = format!("{MUTE_RULE_PREFIX}{}-{n}", slo.service);
        let mut names = targets(&slo.service, e.objective.as_deref(), alarm_names);
        if names.is_empty() {
            continue;
        }
        if names.len() > MAX_TARGETS {
            warnings.push(format!(
                "{name}: {} alarms to mute, a mute rule names at most {MAX_TARGETS}: the first {MAX_TARGETS} are muted, the others will notify",
                names.len()
            ));
            names.truncate(MAX_TARGETS);
        }
        match rule_of(e, now) {
            Ok(Some(when)) => {
                let tags = naming::tags(&slo.service, None, None);
                rules.push(MuteRule {
                    name,
                    description: format!("slo: {} — {}", slo.service, e.reason),
                    expression: when.expression,
                    duration: when.duration,
                    time_zone: when.time_zone,
                    start_date: when.start_date,
                    expire_date: when.expire_date,
                    alarm_names: names,
                    tags,
                })
            }
            Ok(None) => {}
            Err(why) => warnings.push(format!("{name} ({}): {why}", e.reason)),
        }
    }
    (rules, warnings)
}

struct RuleWhen {
    expression: String,
    duration: String,
    time_zone: String,
    start_date: Option<DateTime<Utc>>,
    expire_date: Option<DateTime<Utc>>,
}

/// The longest a mute rule mutes at a time (`Schedule.Duration` P15D).
const LONGEST: TimeDelta = TimeDelta::days(15);

/// `Ok(None)`: over before `now`, nothing to mute.
fn rule_of(e: &Exclusion, now: DateTime<Utc>) -> Result<Option<RuleWhen>, String> {
    match &e.when {
        When::Once(r) => {
            if r.end <= now {
                return Ok(None);
            }
            // `at()` has whole minutes: start at the minute, last to the end.
            let start =
                DateTime::from_timestamp(r.start.timestamp() / 60 * 60, 0).unwrap_or(r.start);
            let length = TimeDelta::minutes(((r.end - start).num_seconds() + 59) / 60);
            if length > LONGEST {
                return Err(format!(
                    "a mute rule mutes at most 15 days at a time, this span is {}: alarms will notify during it",
                    crate::core::window::human_duration(length)
                ));
            }
            Ok(Some(RuleWhen {
                expression: format!("at({})", start.format("%Y-%m-%dT%H:%M")),
                duration: iso_duration(length),
                time_zone: "UTC".to_owned(),
                start_date: None,
                expire_date: None,
            }))
        }
        When::Recurring {
            schedule,
            duration,
            time_zone,
        } => {
            let tz = time_zone.name().to_owned();
            match schedule {
                Schedule::At(t) => {
                    let ends = t
                        .and_local_timezone(*time_zone)
                        .earliest()
                        .map(|s| s.with_timezone(&Utc) + *duration);
                    if ends.is_none_or(|end| end <= now) {
                        return Ok(None);
                    }
                    Ok(Some(RuleWhen {
                        expression: format!("at({})", t.format("%Y-%m-%dT%H:%M")),
                        duration: iso_duration(*duration),
                        time_zone: tz,
                        start_date: None,
                        expire_date: None,
                    }))
                }
                Schedule::Cron(c) => {
                    let years = c.year_range().map_err(|_| {
                        "its years have gaps, which a mute rule cannot say: list one range of years".to_owned()
                    })?;
                    let local_year = |y: i32| {
                        NaiveDate::from_ymd_opt(y, 1, 1)
                            .and_then(|d| d.and_hms_opt(0, 0, 0))
                            .and_then(|d| d.and_local_timezone(*time_zone).earliest())
                            .map(|d| d.with_timezone(&Utc))
                    };
                    let (start_date, expire_date) = match years {
                        None => (None, None),
                        Some((first, last)) => (local_year(first), local_year(last + 1)),
                    };
                    if expire_date.is_some_and(|e| e <= now) {
                        return Ok(None);
                    }
                    Ok(Some(RuleWhen {
                        expression: c.mute_rule_expression(),
                        duration: iso_duration(*duration),
                        time_zone: tz,
                        start_date: start_date.filter(|s| *s > now),
                        expire_date,
                    }))
                }
            }
        }
    }
}

/// A change to a mute rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MuteRuleChange {
    Put { rule: MuteRule, create: bool },
    Delete { name: String },
}

impl MuteRuleChange {
    pub fn action(&self) -> super::Action {
        match self {
            MuteRuleChange::Put { create: true, .. } => super::Action::Create,
            MuteRuleChange::Put { .. } => super::Action::Update,
            MuteRuleChange::Delete { .. } => super::Action::Delete,
        }
    }

    pub fn name(&self) -> &str {
        match self {
            MuteRuleChange::Put { rule, .. } => &rule.name,
            MuteRuleChange::Delete { name } => name,
        }
    }
}

/// The changes that turn `existing` into `desired`; an existing rule is ours only when it is
/// tagged managed-by=slo for one of `services` (as alarms are): another is never touched.
/// Start dates are not compared (a rule that started has none to keep).
pub fn plan_mute_rules(
    desired: &[MuteRule],
    existing: &[MuteRule],
    services: &BTreeSet<String>,
) -> Vec<MuteRuleChange> {
    let ours = |r: &MuteRule| {
        r.tags.get(naming::TAG_MANAGED_BY).map(String::as_str) == Some(naming::MANAGED_BY)
            && r.tags
                .get(naming::TAG_SERVICE)
                .is_some_and(|s| services.contains(s))
    };
    let same = |a: &MuteRule, b: &MuteRule| {
        a.expression == b.expression
            && a.duration == b.duration
            && a.time_zone == b.time_zone
            && a.expire_date == b.expire_date
            && a.alarm_names == b.alarm_names
            && a.description == b.description
    };
    let mut out = Vec::new();
    for d in desired {
        match existing.iter().find(|e| e.name == d.name) {
            None => out.push(MuteRuleChange::Put {
                rule: d.clone(),
                create: true,
            }),
            Some(e) if !same(d, e) || !ours(e) => out.push(MuteRuleChange::Put {
                rule: d.clone(),
                create: false,
            }),
            Some(_) => {}
        }
    }
    for e in existing {
        if ours(e) && !desired.iter().any(|d| d.name == e.name) {
            out.push(MuteRuleChange::Delete {
                name: e.name.clone(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_iso_8601() {
        assert_eq!(iso_duration(TimeDelta::hours(2)), "PT2H");
        assert_eq!(iso_duration(TimeDelta::minutes(90)), "PT1H30M");
        assert_eq!(iso_duration(TimeDelta::hours(36)), "P1DT12H");
        assert_eq!(iso_duration(TimeDelta::days(15)), "P15D");
        assert_eq!(iso_duration(TimeDelta::seconds(20)), "PT1M");
    }
}
