//! Wire spec → domain model. Checks every field and reports every problem it finds, each with
//! its location, rather than stopping at the first.

use crate::core::alerting::TrafficGuard;
use crate::core::model::{
    Alb, Alerting, Ecs, Infra, LogAlarm, Logs, Notify, NotifyVia, Objective, Policy,
    RollbackOnBurn, ServiceSlo, Sli,
};
use crate::core::ratio::{Ratio, Target};
use crate::core::tiers::{Severity, Tier, sre_workbook};
use crate::core::window::{CalendarPeriod, SloWindow, format_duration};
use crate::spec::diag::Diagnostics;
use crate::spec::scalars::{
    Problem, Scalar, parse_duration, parse_fraction, parse_positive, parse_rate_per_hour,
};
use crate::spec::slo_v1::wire::*;
use chrono::TimeDelta;
use serde_saphyr::Location;
use std::collections::HashSet;
use std::time::Duration;

pub const API_VERSION: &str = "slo/v1";
const MAX_WINDOW_DAYS: i64 = 455; // CloudWatch keeps hourly data for 455 days.

/// Checks and converts a parsed document. `None` when any error was found.
pub fn convert(doc: &SpecDoc, d: &mut Diagnostics) -> Option<ServiceSlo> {
    check_api_version(&doc.api_version, d);
    let service = check_name(&doc.service, "service", d);
    let alb = convert_alb(&doc.alb, d);
    let ecs = doc.ecs.as_ref().map(|e| convert_ecs(e, d));
    let window = match &doc.window {
        None => Some(SloWindow::Rolling(TimeDelta::days(30))),
        Some(w) => convert_window(w, d),
    };
    let objectives = convert_objectives(&doc.objectives, d);
    let alerting = window
        .as_ref()
        .and_then(|w| convert_alerting(doc.alerting.as_ref(), w.nominal(), d));
    let notify = doc
        .notify
        .as_ref()
        .map_or(Some(Notify::default()), |n| convert_notify(n, d));
    let runbook = doc
        .runbook
        .as_ref()
        .and_then(|r| check_url(r, "runbook", d));
    let lead = match doc.correlation.as_ref().and_then(|c| c.lead.as_ref()) {
        None => Some(crate::core::correlate::DEFAULT_LEAD),
        Some(l) => report(parse_duration(&l.value), at(l), "correlation.lead", d).and_then(|t| {
            if t > TimeDelta::days(1) {
                d.error_hint(
                    at(l),
                    "correlation.lead",
                    "a lead time over a day blames unrelated deployments",
                    "the default is 30m",
                );
                None
            } else {
                Some(t)
            }
        }),
    };
    let logs = convert_logs(doc.logs.as_ref(), d);
    if let (Some(a), Some(l)) = (
        &alerting,
        doc.alerting.as_ref().and_then(|a| a.logs.as_ref()),
    ) && !a.logs.is_empty()
        && ecs
            .as_ref()
            .and_then(|e| e.as_ref())
            .and_then(|e| e.log_group.as_ref())
            .is_none()
    {
        d.error_hint(
            at(l),
            "alerting.logs",
            "log alarms need the service's log group",
            "add `logGroup` to `ecs:`, e.g. ecs: { cluster: prod, service: checkout, logGroup: /ecs/checkout }",
        );
    }
    let policy = convert_policy(doc.policy.as_ref(), d);
    let names: Vec<&str> = doc
        .objectives
        .value
        .iter()
        .map(|o| o.name.value.as_str())
        .collect();
    let mut exclusions =
        super::exclusions::convert(doc.exclusions.as_ref(), "exclusions", None, &names, d);
    for (i, o) in doc.objectives.value.iter().enumerate() {
        exclusions.extend(super::exclusions::convert(
            o.exclusions.as_ref(),
            &format!("objectives[{i}].exclusions"),
            Some(&o.name.value),
            &names,
            d,
        ));
    }
    let digest = convert_digest(doc.report.as_ref(), notify.as_ref(), d);
    if d.has_errors() {
        return None;
    }
    Some(ServiceSlo {
        service: service?,
        alb: alb?,
        ecs: ecs.flatten(),
        window: window?,
        objectives,
        alerting: alerting?,
        notify: notify?,
        correlation_lead: lead?,
        logs: logs?,
        dashboard: doc.dashboard.unwrap_or(true),
        runbook,
        policy: policy?,
        exclusions,
        digest: digest?,
    })
}

pub(super) fn at<T>(s: &Sp<T>) -> Option<Location> {
    Some(s.referenced)
}

pub(super) fn report<T>(
    r: Result<T, Problem>,
    loc: Option<Location>,
    field: &str,
    d: &mut Diagnostics,
) -> Option<T> {
    match r {
        Ok(v) => Some(v),
        Err(p) => {
            d.push(
                crate::spec::diag::Level::Error,
                loc,
                field,
                p.message,
                p.hint,
            );
            None
        }
    }
}

/// An IANA time zone (default UTC), or an error at `field`.
pub(super) fn time_zone(
    z: Option<&Sp<String>>,
    field: &str,
    d: &mut Diagnostics,
) -> Option<chrono_tz::Tz> {
    let Some(z) = z else {
        return Some(chrono_tz::UTC);
    };
    z.value.trim().parse::<chrono_tz::Tz>().ok().or_else(|| {
        d.error_hint(
            at(z),
            field,
            format!("unknown time zone `{}`", z.value),
            "use an IANA time zone name such as UTC, Europe/Paris or Asia/Tokyo",
        );
        None
    })
}

fn check_api_version(v: &Sp<String>, d: &mut Diagnostics) {
    let got = v.value.trim();
    if got == API_VERSION {
        return;
    }
    let hint = if got.to_ascii_lowercase().starts_with("openslo") {
        "an OpenSLO file starts with `apiVersion: openslo/v1` (see README.md, \"OpenSLO\")"
    } else {
        "write `apiVersion: slo/v1`"
    };
    d.error_hint(
        at(v),
        "apiVersion",
        format!("unsupported apiVersion `{got}`"),
        hint,
    );
}

/// Service and objective names end up in alarm names and metric labels: keep them plain.
fn check_name(v: &Sp<String>, field: &str, d: &mut Diagnostics) -> Option<String> {
    let name = v.value.as_str();
    let ok_chars = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if name.is_empty() || name.len() > 64 || !ok_chars {
        d.error_hint(
            at(v),
            field,
            format!("`{name}` is not a valid name"),
            "use 1 to 64 letters, digits, `-`, `_` or `.`",
        );
        return None;
    }
    Some(name.to_owned())
}

fn non_empty(v: &Sp<String>, field: &str, d: &mut Diagnostics) -> Option<String> {
    if v.value.trim().is_empty() {
        d.error(at(v), field, "must not be empty");
        return None;
    }
    Some(v.value.trim().to_owned())
}

fn convert_alb(a: &AlbWire, d: &mut Diagnostics) -> Option<Alb> {
    let lb = check_resource_id(
        &a.load_balancer,
        "alb.loadBalancer",
        "app",
        "loadbalancer/",
        d,
    );
    let tg = a
        .target_group
        .as_ref()
        .map(|t| check_resource_id(t, "alb.targetGroup", "targetgroup", "", d));
    let region = match &a.region {
        Some(r) => {
            let name = r.value.trim();
            // AWS region names: `us-east-1`, `ap-northeast-1`, `us-gov-west-1`, `cn-north-1`.
            let ok = name.split('-').count() >= 3
                && name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && name.ends_with(|c: char| c.is_ascii_digit());
            if !ok {
                d.error_hint(
                    at(r),
                    "alb.region",
                    format!("`{name}` is not an AWS region name"),
                    "e.g. us-east-1, eu-west-1, ap-northeast-1",
                );
                return None;
            }
            Some(name.to_owned())
        }
        None => None,
    };
    Some(Alb {
        load_balancer: lb?,
        target_group: match tg {
            Some(t) => Some(t?),
            None => None,
        },
        region,
        include_elb_5xx: a.include_elb_5xx.unwrap_or(true),
    })
}

/// CloudWatch dimension values: `app/<name>/<16 hex>` and `targetgroup/<name>/<16 hex>`.
fn check_resource_id(
    v: &Sp<String>,
    field: &str,
    kind: &str,
    arn_marker: &str,
    d: &mut Diagnostics,
) -> Option<String> {
    let id = v.value.trim();
    let parts: Vec<&str> = id.split('/').collect();
    let well_formed = parts.len() == 3
        && parts[0] == kind
        && !parts[1].is_empty()
        && parts[2].len() == 16
        && parts[2].chars().all(|c| c.is_ascii_hexdigit());
    if well_formed {
        return Some(id.to_owned());
    }
    let example = if kind == "app" {
        "app/checkout-prod/50dc6c495c0c9188"
    } else {
        "targetgroup/checkout-prod/73e2d6bc24d8a067"
    };
    let hint = if id.starts_with("arn:") {
        let suffix = id
            .find(&format!(":{arn_marker}{kind}/"))
            .map(|i| &id[i + 1 + arn_marker.len()..]);
        match suffix {
            Some(s) => format!("write the CloudWatch dimension, not the ARN: `{s}`"),
            None => format!("write the CloudWatch dimension, e.g. `{example}`"),
        }
    } else if kind == "app" && id.starts_with("net/") {
        "only Application Load Balancers are supported (`app/...`)".to_owned()
    } else {
        format!("expected `{kind}/<name>/<16 hex digits>`, e.g. `{example}`")
    };
    let what = if kind == "app" {
        "an ALB"
    } else {
        "a target group"
    };
    d.error_hint(
        at(v),
        field,
        format!("`{id}` is not {what} identifier"),
        hint,
    );
    None
}

fn convert_ecs(e: &EcsWire, d: &mut Diagnostics) -> Option<Ecs> {
    let cluster = non_empty(&e.cluster, "ecs.cluster", d);
    let service = non_empty(&e.service, "ecs.service", d);
    let log_group = e
        .log_group
        .as_ref()
        .and_then(|l| non_empty(l, "ecs.logGroup", d));
    let rollback_on_burn = match e.rollback_on_burn.as_ref() {
        None => Some(RollbackOnBurn::Off),
        Some(v) => match &v.value {
            Switch::Bool(true) => Some(RollbackOnBurn::Apply),
            Switch::Bool(false) => Some(RollbackOnBurn::Off),
            Switch::Word(w) if w == "snippet" => Some(RollbackOnBurn::Snippet),
            Switch::Word(w) => {
                d.error_hint(
                    at(v),
                    "ecs.rollbackOnBurn",
                    format!("`{w}` is not true, false or snippet"),
                    "true: slo apply adds the guard alarm to the service's deployment alarms; snippet: slo plan prints what to add to your own service definition",
                );
                None
            }
        },
    };
    Some(Ecs {
        cluster: cluster?,
        service: service?,
        log_group,
        rollback_on_burn: rollback_on_burn?,
    })
}

/// `report:` → the digest; `via` names channels the spec has (`email`: `notify.sns`).
fn convert_digest(
    r: Option<&super::wire::DigestWire>,
    notify: Option<&Notify>,
    d: &mut Diagnostics,
) -> Option<Option<crate::core::digest::Digest>> {
    use crate::core::window::CalendarPeriod;
    let Some(r) = r else {
        return Some(None);
    };
    let every = match r.every.value.trim() {
        "week" => Some(CalendarPeriod::Week),
        "month" => Some(CalendarPeriod::Month),
        "quarter" => Some(CalendarPeriod::Quarter),
        other => {
            d.error_hint(
                at(&r.every),
                "report.every",
                format!("unknown period `{other}`"),
                "use week, month or quarter",
            );
            None
        }
    };
    let at_time = match &r.at {
        None => Some((None, chrono::NaiveTime::from_hms_opt(9, 0, 0)?)),
        Some(a) => crate::core::digest::parse_at(&a.value).or_else(|| {
            d.error_hint(
                at(a),
                "report.at",
                format!("`{}` is not a time of day", a.value),
                "e.g. \"MON 09:00\" for a weekly digest, \"09:00\" (the period's first day) otherwise",
            );
            None
        }),
    };
    let tz = time_zone(r.time_zone.as_ref(), "report.timeZone", d);
    let mut via = Vec::new();
    let wanted: Vec<String> = r
        .via
        .as_ref()
        .map_or_else(|| vec!["email".to_owned()], |v| v.value.clone());
    for name in wanted {
        let (channel, configured) = match name.trim() {
            "email" => ("sns", notify.is_some_and(|n| n.sns_topic.is_some())),
            "slack" => (
                "slack",
                notify.is_some_and(|n| n.slack_webhook_env.is_some()),
            ),
            other => {
                d.error_hint(
                    r.via.as_ref().and_then(at),
                    "report.via",
                    format!("unknown channel `{other}`"),
                    "use email (notify.sns) and slack (notify.slack)",
                );
                continue;
            }
        };
        if !configured {
            d.error_hint(
                r.via.as_ref().map_or(at(&r.every), at),
                "report.via",
                format!(
                    "`{name}` has nowhere to go: the spec's notify has no {}",
                    if channel == "sns" {
                        "sns topic"
                    } else {
                        "slack webhook"
                    }
                ),
                "add it to notify:, or leave it out of via",
            );
            continue;
        }
        via.push(channel.to_owned());
    }
    let (weekday, time) = at_time?;
    if weekday.is_some() && every != Some(CalendarPeriod::Week) {
        d.error_hint(
            r.at.as_ref().and_then(at),
            "report.at",
            "a weekday is for weekly digests",
            "monthly and quarterly digests go on the period's first day: give the time only",
        );
        return None;
    }
    Some(Some(crate::core::digest::Digest {
        every: every?,
        weekday,
        time,
        time_zone: tz?,
        via,
    }))
}

fn convert_policy(p: Option<&PolicyWire>, d: &mut Diagnostics) -> Option<Policy> {
    let Some(v) = p.and_then(|p| p.freeze_below.as_ref()) else {
        return Some(Policy::default());
    };
    let freeze_below = report(
        crate::spec::scalars::parse_share(&v.value),
        at(v),
        "policy.freezeBelow",
        d,
    )?;
    Some(Policy { freeze_below })
}

fn convert_window(w: &Sp<WindowWire>, d: &mut Diagnostics) -> Option<SloWindow> {
    match &w.value {
        WindowWire::Rolling(text) => {
            let length = report(parse_duration(text), at(w), "window", d)?;
            if length < TimeDelta::hours(1) || length > TimeDelta::days(MAX_WINDOW_DAYS) {
                d.error_hint(
                    at(w),
                    "window",
                    format!("a window of {} is out of range", format_duration(length)),
                    format!("use between 1h and {MAX_WINDOW_DAYS}d (CloudWatch keeps hourly data {MAX_WINDOW_DAYS} days); 30d is usual"),
                );
                return None;
            }
            Some(SloWindow::Rolling(length))
        }
        WindowWire::Calendar(c) => {
            let period = match c.calendar.value.trim() {
                "week" => Some(CalendarPeriod::Week),
                "month" => Some(CalendarPeriod::Month),
                "quarter" => Some(CalendarPeriod::Quarter),
                other => {
                    d.error_hint(
                        at(&c.calendar),
                        "window.calendar",
                        format!("unknown calendar period `{other}`"),
                        "use week, month or quarter",
                    );
                    None
                }
            };
            let tz = time_zone(c.time_zone.as_ref(), "window.timeZone", d);
            Some(SloWindow::Calendar {
                period: period?,
                tz: tz?,
            })
        }
    }
}

fn convert_objectives(list: &Sp<Vec<ObjectiveWire>>, d: &mut Diagnostics) -> Vec<Objective> {
    if list.value.is_empty() {
        d.error_hint(
            at(list),
            "objectives",
            "no objectives",
            "add at least one, e.g. `- { name: availability, sli: availability, target: 99.9% }`",
        );
    }
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (i, o) in list.value.iter().enumerate() {
        let field = |f: &str| format!("objectives[{i}].{f}");
        let name = check_name(&o.name, &field("name"), d);
        if let Some(n) = &name
            && !seen.insert(n.clone())
        {
            d.error_hint(
                at(&o.name),
                &field("name"),
                format!("duplicate objective name `{n}`"),
                "objective names must be unique within a service",
            );
        }
        let target = convert_target(&o.target, &field("target"), d);
        let sli = convert_sli(o, &field, d);
        if let (Some(name), Some(target), Some(sli)) = (name, target, sli) {
            out.push(Objective { name, sli, target });
        }
    }
    out
}

fn convert_target(t: &Sp<Scalar>, field: &str, d: &mut Diagnostics) -> Option<Target> {
    let value = report(parse_fraction(&t.value), at(t), field, d)?;
    if value >= 1.0 {
        d.warn(
            at(t),
            field,
            "a 100% target leaves no error budget: a single failure breaches it",
            "use a target below 100%, such as 99.9%",
        );
    } else if value < 0.9 {
        d.warn(
            at(t),
            field,
            format!(
                "a target of {} is unusually low",
                Ratio::new(value).unwrap_or(Ratio::ZERO)
            ),
            "check that this is a fraction of good events (e.g. 0.99), not something else",
        );
    }
    Target::new(value)
}

fn convert_sli(
    o: &ObjectiveWire,
    field: &dyn Fn(&str) -> String,
    d: &mut Diagnostics,
) -> Option<Sli> {
    match (o.sli.value.trim(), &o.threshold) {
        ("availability", None) => Some(Sli::Availability),
        ("availability", Some(t)) => {
            d.error_hint(
                at(t),
                &field("threshold"),
                "an availability objective has no threshold",
                "remove `threshold`, or use `sli: latency`",
            );
            None
        }
        ("latency", None) => {
            d.error_hint(
                at(&o.sli),
                &field("threshold"),
                "a latency objective needs a threshold",
                "add e.g. `threshold: 1s` (good = answered within 1 s)",
            );
            None
        }
        ("latency", Some(t)) => {
            let threshold = report(parse_duration(&t.value), at(t), &field("threshold"), d)?;
            if threshold <= TimeDelta::milliseconds(1) {
                d.warn(
                    at(t),
                    &field("threshold"),
                    format!("a threshold of {} is at the ALB's 1 ms resolution", format_duration(threshold)),
                    "ALB response times have millisecond resolution; a threshold this small is hardly ever met",
                );
            }
            if threshold > TimeDelta::seconds(3600) {
                d.error_hint(
                    at(t),
                    &field("threshold"),
                    format!("a threshold of {} is longer than any ALB request can take", format_duration(threshold)),
                    "the ALB idle timeout is at most 4000 s; thresholds are usually between 100ms and 10s",
                );
                return None;
            }
            let ms = threshold.num_milliseconds().unsigned_abs();
            Some(Sli::Latency {
                threshold: Duration::from_millis(ms),
            })
        }
        (other, _) => {
            d.error_hint(
                at(&o.sli),
                &field("sli"),
                format!("unknown SLI `{other}`"),
                "use `availability` or `latency`",
            );
            None
        }
    }
}

fn convert_alerting(
    a: Option<&AlertingWire>,
    window: TimeDelta,
    d: &mut Diagnostics,
) -> Option<Alerting> {
    let Some(a) = a else {
        return Some(Alerting {
            tiers: sre_workbook(window),
            guard: TrafficGuard::NONE.with_min_bad(TrafficGuard::DEFAULT_MIN_BAD),
            infra: Infra::default(),
            logs: Vec::new(),
        });
    };
    let tiers = match (&a.policy, &a.tiers) {
        (Some(p), Some(_)) => {
            d.error_hint(
                at(p),
                "alerting.policy",
                "both `policy` and `tiers` are given",
                "keep `policy: sre-workbook` for the default tiers, or `tiers` for your own",
            );
            None
        }
        (Some(p), None) if p.value.trim() != "sre-workbook" => {
            d.error_hint(
                at(p),
                "alerting.policy",
                format!("unknown policy `{}`", p.value),
                "use `sre-workbook`, or list your own `tiers`",
            );
            None
        }
        (_, Some(tiers)) => convert_tiers(tiers, window, d),
        (_, None) => Some(sre_workbook(window)),
    };
    let guard = match &a.min_requests {
        None => Some(TrafficGuard::NONE),
        Some(m) => report(
            parse_rate_per_hour(&m.value),
            at(m),
            "alerting.minRequests",
            d,
        )
        .map(TrafficGuard::per_hour),
    };
    let min_bad = match &a.min_bad_events {
        None => Some(TrafficGuard::DEFAULT_MIN_BAD),
        Some(m) => match &m.value {
            Scalar::Number(n) if n.fract() == 0.0 && (1.0..=1e6).contains(n) => Some(*n as u64),
            other => {
                d.error_hint(
                    at(m),
                    "alerting.minBadEvents",
                    format!("`{other}` is not a whole number of events"),
                    "write a count such as 2 (1 turns the guard off)",
                );
                None
            }
        },
    };
    let infra = convert_infra(a.infra.as_ref(), d);
    let logs = a
        .logs
        .as_ref()
        .map_or(Some(Vec::new()), |l| convert_log_alarms(l, d));
    Some(Alerting {
        tiers: tiers?,
        logs: logs?,
        guard: guard?.with_min_bad(min_bad?),
        infra: infra?,
    })
}

fn convert_log_alarms(list: &Sp<Vec<LogAlarmWire>>, d: &mut Diagnostics) -> Option<Vec<LogAlarm>> {
    let mut out = Vec::new();
    let mut names = HashSet::new();
    let mut ok = true;
    for (i, l) in list.value.iter().enumerate() {
        let field = |f: &str| format!("alerting.logs[{i}].{f}");
        let name = check_name(&l.name, &field("name"), d);
        if let Some(n) = &name
            && !names.insert(n.clone())
        {
            d.error(
                at(&l.name),
                &field("name"),
                format!("duplicate log alarm `{n}`"),
            );
            ok = false;
        }
        if l.pattern.value.trim().is_empty() {
            d.error_hint(
                at(&l.pattern),
                &field("pattern"),
                "empty pattern",
                "a CloudWatch Logs filter pattern such as `?Timeout ?Exception`",
            );
            ok = false;
        }
        let above = match l.above.value.split_once('/') {
            Some((n, p)) => match (n.trim().parse::<u64>(), parse_duration(p.trim())) {
                (Ok(n), Ok(p))
                    if p.num_seconds() % 60 == 0
                        && p >= TimeDelta::minutes(1)
                        && p <= TimeDelta::days(1) =>
                {
                    Some((n, p))
                }
                _ => None,
            },
            None => None,
        };
        if above.is_none() {
            d.error_hint(
                at(&l.above),
                &field("above"),
                format!("`{}` is not COUNT/PERIOD", l.above.value),
                "e.g. 10/5m: more than 10 matching lines in 5 minutes (whole minutes, at most 1d)",
            );
            ok = false;
        }
        let severity = match l.severity.as_ref().map(|s| s.value.trim()) {
            None | Some("ticket") => Some(Severity::Ticket),
            Some("page") => Some(Severity::Page),
            Some(other) => {
                d.error_hint(
                    at(l.severity.as_ref().unwrap_or(&l.name)),
                    &field("severity"),
                    format!("unknown severity `{other}`"),
                    "use `page` or `ticket`",
                );
                None
            }
        };
        match (name, above, severity) {
            (Some(name), Some((above, period)), Some(severity)) => out.push(LogAlarm {
                name,
                pattern: l.pattern.value.clone(),
                above,
                period,
                severity,
            }),
            _ => ok = false,
        }
    }
    ok.then_some(out)
}

fn convert_tiers(
    list: &Sp<Vec<TierWire>>,
    window: TimeDelta,
    d: &mut Diagnostics,
) -> Option<Vec<Tier>> {
    if list.value.is_empty() {
        d.error_hint(
            at(list),
            "alerting.tiers",
            "no tiers",
            "list at least one tier, or use `policy: sre-workbook`",
        );
        return None;
    }
    let mut out = Vec::new();
    let mut names = HashSet::new();
    let mut ok = true;
    for (i, t) in list.value.iter().enumerate() {
        let field = |f: &str| format!("alerting.tiers[{i}].{f}");
        let name = check_name(&t.name, &field("name"), d);
        if let Some(n) = &name
            && !names.insert(n.clone())
        {
            d.error(
                at(&t.name),
                &field("name"),
                format!("duplicate tier name `{n}`"),
            );
            ok = false;
        }
        let severity = match t.severity.value.trim() {
            "page" => Some(Severity::Page),
            "ticket" => Some(Severity::Ticket),
            other => {
                d.error_hint(
                    at(&t.severity),
                    &field("severity"),
                    format!("unknown severity `{other}`"),
                    "use `page` or `ticket`",
                );
                None
            }
        };
        let long = report(
            parse_duration(&t.long_window.value),
            at(&t.long_window),
            &field("longWindow"),
            d,
        );
        let short = report(
            parse_duration(&t.short_window.value),
            at(&t.short_window),
            &field("shortWindow"),
            d,
        );
        let burn = report(
            parse_positive(&t.burn_rate.value),
            at(&t.burn_rate),
            &field("burnRate"),
            d,
        );
        let burn = match burn {
            Some(b) if b < crate::core::tiers::MIN_BURN_RATE => {
                d.error_hint(
                    at(&t.burn_rate),
                    &field("burnRate"),
                    format!("a burn rate of {b} is below 1: burning that fast leaves budget over at the window's end, so the tier would alert on noise"),
                    "use 1 or more (the SRE Workbook's slowest tier burns at 1)",
                );
                None
            }
            b => b,
        };
        if let (Some(l), Some(s)) = (long, short) {
            if s >= l {
                d.error_hint(
                    at(&t.short_window),
                    &field("shortWindow"),
                    "the short window must be shorter than the long window",
                    "the SRE Workbook uses a short window of 1/12 of the long one",
                );
                ok = false;
            }
            if l > window {
                d.error(
                    at(&t.long_window),
                    &field("longWindow"),
                    format!(
                        "the long window ({}) is longer than the SLO window ({})",
                        format_duration(l),
                        format_duration(window)
                    ),
                );
                ok = false;
            }
        }
        match (name, severity, long, short, burn) {
            (Some(name), Some(severity), Some(long), Some(short), Some(burn_rate)) => {
                out.push(Tier {
                    name,
                    severity,
                    long,
                    short,
                    burn_rate,
                })
            }
            _ => ok = false,
        }
    }
    ok.then_some(out)
}

fn convert_infra(i: Option<&InfraWire>, d: &mut Diagnostics) -> Option<Infra> {
    let default = Infra::default();
    let Some(i) = i else { return Some(default) };
    let threshold =
        |v: &Option<Sp<Scalar>>, field: &str, fallback: Ratio, d: &mut Diagnostics| match v {
            None => Some(fallback),
            Some(v) => report(parse_fraction(&v.value), at(v), field, d).and_then(Ratio::new),
        };
    let cpu = threshold(&i.cpu, "alerting.infra.cpu", default.cpu, d);
    let memory = threshold(&i.memory, "alerting.infra.memory", default.memory, d);
    let http_5xx = threshold(&i.http_5xx, "alerting.infra.http5xx", default.http_5xx, d);
    let latency_p99 = match &i.latency_p99 {
        None => Some(None),
        Some(v) => report(
            parse_duration(&v.value),
            at(v),
            "alerting.infra.latencyP99",
            d,
        )
        .and_then(|t| match t.to_std() {
            Ok(t) if !t.is_zero() => Some(Some(t)),
            _ => {
                d.error(at(v), "alerting.infra.latencyP99", "must be above zero");
                None
            }
        }),
    };
    let sustained = match &i.for_ {
        None => Some(default.sustained),
        Some(v) => report(parse_duration(&v.value), at(v), "alerting.infra.for", d).and_then(|t| {
            let minutes = t.num_seconds() / 60;
            if t.num_seconds() % 60 == 0 && (1..=60).contains(&minutes) {
                Some(t)
            } else {
                d.error_hint(
                    at(v),
                    "alerting.infra.for",
                    format!(
                        "`{}` is not a whole number of minutes from 1m to 1h",
                        v.value
                    ),
                    "infra alarms evaluate one-minute periods: use e.g. 2m or 5m",
                );
                None
            }
        }),
    };
    Some(Infra {
        cpu: cpu?,
        memory: memory?,
        http_5xx: http_5xx?,
        latency_p99: latency_p99?,
        sustained: sustained?,
    })
}

fn convert_logs(l: Option<&LogsWire>, d: &mut Diagnostics) -> Option<Logs> {
    let default = Logs::default();
    let Some(l) = l else { return Some(default) };
    let pattern = match &l.patterns {
        None => Some(default.pattern),
        Some(p) => match crate::core::evidence::pattern(&p.value) {
            Ok(_) => Some(p.value.clone()),
            Err(e) => {
                let first = e
                    .to_string()
                    .lines()
                    .last()
                    .unwrap_or_default()
                    .trim()
                    .to_owned();
                d.error_hint(
                    at(p),
                    "logs.patterns",
                    format!("not a regular expression: {first}"),
                    "e.g. exception|error|timeout (matched case-insensitively)",
                );
                None
            }
        },
    };
    let top = match &l.top {
        None => Some(default.top),
        Some(t) => match &t.value {
            Scalar::Number(n) if n.fract() == 0.0 && (1.0..=50.0).contains(n) => Some(*n as usize),
            other => {
                d.error_hint(
                    at(t),
                    "logs.top",
                    format!("`{other}` is not a count from 1 to 50"),
                    "the default is 5",
                );
                None
            }
        },
    };
    Some(Logs {
        pattern: pattern?,
        top: top?,
    })
}

fn convert_notify(n: &NotifyWire, d: &mut Diagnostics) -> Option<Notify> {
    let sns = n.sns.as_ref().and_then(|s| check_sns_arn(s, d));
    let sns_ok = n.sns.is_none() || sns.is_some();
    let slack = n
        .slack
        .as_ref()
        .and_then(|s| check_env_name(&s.webhook_env, d));
    let slack_ok = n.slack.is_none() || slack.is_some();
    let repeat = match &n.repeat {
        None => Some(Notify::default().repeat),
        Some(r) => match report(parse_duration(&r.value), at(r), "notify.repeat", d) {
            Some(every) if every < TimeDelta::minutes(1) => {
                d.error_hint(
                    at(r),
                    "notify.repeat",
                    "repeating more often than once a minute floods people",
                    "use e.g. 4h",
                );
                None
            }
            every => every,
        },
    };
    let via = match n.via.as_ref().map(|v| (v, v.value.trim())) {
        None => Some(NotifyVia::Serve),
        Some((_, "serve")) => Some(NotifyVia::Serve),
        Some((_, "cloudwatch")) => Some(NotifyVia::CloudWatch),
        Some((v, other)) => {
            d.error_hint(
                at(v),
                "notify.via",
                format!("unknown `{other}`"),
                "use `serve` (slo serve notifies after correlating; the default) or `cloudwatch` (the alarms notify SNS themselves)",
            );
            None
        }
    };
    let dashboard_url = n
        .dashboard_url
        .as_ref()
        .map(|u| check_url(u, "notify.dashboardUrl", d));
    if !(sns_ok && slack_ok) {
        return None;
    }
    Some(Notify {
        sns_topic: sns,
        via: via?,
        dashboard_url: match dashboard_url {
            None => None,
            Some(u) => Some(u?),
        },
        slack_webhook_env: slack,
        repeat: repeat?,
    })
}

/// `arn:<partition>:sns:<region>:<12-digit account>:<topic>`.
fn check_sns_arn(v: &Sp<String>, d: &mut Diagnostics) -> Option<String> {
    let arn = v.value.trim();
    let parts: Vec<&str> = arn.split(':').collect();
    let ok = parts.len() == 6
        && parts[0] == "arn"
        && parts[1].starts_with("aws")
        && parts[2] == "sns"
        && !parts[3].is_empty()
        && parts[4].len() == 12
        && parts[4].chars().all(|c| c.is_ascii_digit())
        && !parts[5].is_empty()
        && parts[5].len() <= 256;
    if !ok {
        d.error_hint(
            at(v),
            "notify.sns",
            format!("`{arn}` is not an SNS topic ARN"),
            "expected arn:aws:sns:<region>:<12-digit account>:<topic name>",
        );
        return None;
    }
    Some(arn.to_owned())
}

fn check_env_name(v: &Sp<String>, d: &mut Diagnostics) -> Option<String> {
    let name = v.value.trim();
    if name.starts_with("http://") || name.starts_with("https://") {
        d.error_hint(
            at(v),
            "notify.slack.webhookEnv",
            "this is a URL, and webhook URLs are secrets",
            "put the URL in an environment variable and name the variable here, e.g. SLACK_WEBHOOK_URL",
        );
        return None;
    }
    let ok = !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !ok {
        d.error_hint(
            at(v),
            "notify.slack.webhookEnv",
            format!("`{name}` is not an environment variable name"),
            "use letters, digits and `_`, e.g. SLACK_WEBHOOK_URL",
        );
        return None;
    }
    Some(name.to_owned())
}

fn check_url(v: &Sp<String>, field: &str, d: &mut Diagnostics) -> Option<String> {
    let url = v.value.trim();
    if !(url.starts_with("https://") || url.starts_with("http://"))
        || url.contains(char::is_whitespace)
    {
        d.error_hint(
            at(v),
            field,
            format!("`{url}` is not a web address"),
            "write a full https:// link",
        );
        return None;
    }
    Some(url.to_owned())
}

/// One test per section of a spec: what converts, and what is refused with which field.
#[cfg(test)]
mod tests {
    use crate::core::model::{NotifyVia, ServiceSlo, Sli};
    use crate::core::tiers::Severity;
    use crate::core::window::{CalendarPeriod, SloWindow};
    use crate::spec::diag::{Diagnostic, Diagnostics};
    use chrono::TimeDelta;
    use std::time::Duration;

    /// A valid spec with `sections` (top-level key, YAML value) put in place of the defaults.
    fn spec(sections: &[(&str, &str)]) -> String {
        let mut keys: Vec<(&str, String)> = [
            ("apiVersion", "slo/v1"),
            ("service", "checkout"),
            ("alb", "{ loadBalancer: app/shop/50dc6c495c0c9188 }"),
            (
                "objectives",
                "\n  - { name: availability, sli: availability, target: 99.9% }",
            ),
        ]
        .into_iter()
        .map(|(k, v)| (k, v.to_owned()))
        .collect();
        for (k, v) in sections {
            match keys.iter_mut().find(|(key, _)| key == k) {
                Some(slot) => slot.1 = (*v).to_owned(),
                None => keys.push((k, (*v).to_owned())),
            }
        }
        keys.iter().map(|(k, v)| format!("{k}: {v}\n")).collect()
    }

    fn run(sections: &[(&str, &str)]) -> (Option<ServiceSlo>, Vec<Diagnostic>) {
        let text = spec(sections);
        let mut d = Diagnostics::new(std::path::Path::new("checkout.yaml"));
        let parsed = crate::spec::load::parse_spec(text.as_bytes(), &mut d);
        (parsed.map(|p| p.0), d.items)
    }

    fn ok(sections: &[(&str, &str)]) -> ServiceSlo {
        let (slo, d) = run(sections);
        assert!(d.iter().all(|d| !d.is_error()), "{d:#?}");
        slo.expect("a spec")
    }

    /// The one error, at `field`, with its line; nothing converted.
    fn refused(sections: &[(&str, &str)], field: &str) -> Diagnostic {
        let (slo, d) = run(sections);
        assert!(slo.is_none(), "converted despite errors: {d:#?}");
        let errors: Vec<&Diagnostic> = d.iter().filter(|d| d.is_error()).collect();
        let e = errors
            .iter()
            .find(|e| e.field == field)
            .unwrap_or_else(|| panic!("no error at {field}: {errors:#?}"));
        assert!(e.at.is_some_and(|(line, _)| line > 0), "{e:#?}");
        (*e).clone()
    }

    #[test]
    fn api_version_is_slo_v1_and_a_slo_v1_body_under_openslo_is_pointed_back() {
        refused(&[("apiVersion", "slo/v2")], "apiVersion");
        // An OpenSLO file goes to its own loader; a slo/v1 body there reads as one.
        let e = refused(&[("apiVersion", "openslo/v1")], "kind");
        assert!(e.hint.unwrap_or_default().contains("apiVersion: slo/v1"));
    }

    #[test]
    fn service_names_end_up_in_alarm_names_so_they_stay_plain() {
        assert_eq!(ok(&[("service", "check-out_2.v")]).service, "check-out_2.v");
        refused(&[("service", "\"check out\"")], "service");
        refused(&[("service", "\"slo:x\"")], "service");
    }

    #[test]
    fn alb_dimensions_have_cloudwatchs_shape() {
        let slo = ok(&[(
            "alb",
            "{ loadBalancer: app/shop/50dc6c495c0c9188, targetGroup: targetgroup/checkout/73e2d6bc24d8a067, includeElb5xx: false }",
        )]);
        assert_eq!(
            slo.alb.target_group.as_deref(),
            Some("targetgroup/checkout/73e2d6bc24d8a067")
        );
        assert!(!slo.alb.include_elb_5xx);
        assert!(ok(&[]).alb.include_elb_5xx, "ELB 5xx count by default");
        refused(
            &[("alb", "{ loadBalancer: app/shop/xyz }")],
            "alb.loadBalancer",
        );
        refused(
            &[(
                "alb",
                "{ loadBalancer: arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/shop/50dc6c495c0c9188 }",
            )],
            "alb.loadBalancer",
        );
        refused(
            &[(
                "alb",
                "{ loadBalancer: app/shop/50dc6c495c0c9188, targetGroup: tg/x/73e2d6bc24d8a067 }",
            )],
            "alb.targetGroup",
        );
    }

    #[test]
    fn ecs_names_the_service_and_its_log_group() {
        let slo = ok(&[(
            "ecs",
            "{ cluster: prod, service: checkout, logGroup: /ecs/checkout }",
        )]);
        let ecs = slo.ecs.unwrap();
        assert_eq!(
            (ecs.cluster.as_str(), ecs.service.as_str()),
            ("prod", "checkout")
        );
        assert_eq!(ecs.log_group.as_deref(), Some("/ecs/checkout"));
        assert!(ok(&[]).ecs.is_none());
        refused(
            &[("ecs", "{ cluster: \"\", service: checkout }")],
            "ecs.cluster",
        );
    }

    #[test]
    fn windows_are_rolling_or_calendar_and_within_cloudwatchs_retention() {
        assert_eq!(ok(&[]).window, SloWindow::Rolling(TimeDelta::days(30)));
        assert_eq!(
            ok(&[("window", "7d")]).window,
            SloWindow::Rolling(TimeDelta::days(7))
        );
        match ok(&[("window", "{ calendar: month, timeZone: Asia/Tokyo }")]).window {
            SloWindow::Calendar { period, tz } => {
                assert_eq!(period, CalendarPeriod::Month);
                assert_eq!(tz.name(), "Asia/Tokyo");
            }
            w => panic!("{w:?}"),
        }
        assert!(ok(&[("window", "455d")]).window.nominal() == TimeDelta::days(455));
        refused(&[("window", "456d")], "window");
        refused(&[("window", "thirty days")], "window");
        refused(
            &[("window", "{ calendar: month, timeZone: Mars/Olympus }")],
            "window.timeZone",
        );
    }

    #[test]
    fn objectives_have_unique_names_a_sli_and_a_target_as_a_fraction() {
        let slo = ok(&[(
            "objectives",
            "\n  - { name: availability, sli: availability, target: 0.999 }\n  - { name: latency, sli: latency, threshold: 1s, target: 99% }",
        )]);
        assert_eq!(slo.objectives.len(), 2);
        assert!((slo.objectives[0].target.get() - 0.999).abs() < 1e-12);
        assert_eq!(
            slo.objectives[1].sli,
            Sli::Latency {
                threshold: Duration::from_secs(1)
            }
        );
        let e = refused(
            &[(
                "objectives",
                "\n  - { name: availability, sli: availability, target: 99.9 }",
            )],
            "objectives[0].target",
        );
        assert!(e.hint.unwrap_or_default().contains("99.9%"));
        refused(
            &[(
                "objectives",
                "\n  - { name: latency, sli: latency, target: 99% }",
            )],
            "objectives[0].threshold",
        );
        refused(
            &[(
                "objectives",
                "\n  - { name: a, sli: availability, target: 99% }\n  - { name: a, sli: availability, target: 99.9% }",
            )],
            "objectives[1].name",
        );
        refused(
            &[(
                "objectives",
                "\n  - { name: a, sli: throughput, target: 99% }",
            )],
            "objectives[0].sli",
        );
    }

    #[test]
    fn alerting_is_the_workbook_scaled_or_own_tiers_with_a_traffic_guard() {
        let default = ok(&[]);
        assert_eq!(default.alerting.tiers.len(), 4);
        assert_eq!(default.alerting.tiers[0].burn_rate, 14.4);
        let own = ok(&[(
            "alerting",
            "{ minRequests: 100/h, tiers: [ { name: fast, severity: page, longWindow: 1h, shortWindow: 5m, burnRate: 10 } ] }",
        )]);
        assert_eq!(own.alerting.tiers.len(), 1);
        assert_eq!(own.alerting.tiers[0].severity, Severity::Page);
        assert_eq!(own.alerting.tiers[0].burn_rate, 10.0);
        refused(
            &[(
                "alerting",
                "{ policy: sre-workbook, tiers: [ { name: fast, severity: page, longWindow: 1h, shortWindow: 5m, burnRate: 10 } ] }",
            )],
            "alerting.policy",
        );
        refused(&[("alerting", "{ policy: google }")], "alerting.policy");
        refused(
            &[("alerting", "{ minRequests: lots }")],
            "alerting.minRequests",
        );
        refused(
            &[("alerting", "{ minBadEvents: 1.5 }")],
            "alerting.minBadEvents",
        );
        refused(&[("alerting", "{ tiers: [] }")], "alerting.tiers");
    }

    #[test]
    fn infra_thresholds_are_fractions() {
        let slo = ok(&[("alerting", "{ infra: { cpu: 70%, memory: 0.9 } }")]);
        assert!((slo.alerting.infra.cpu.get() - 0.7).abs() < 1e-12);
        assert!((slo.alerting.infra.memory.get() - 0.9).abs() < 1e-12);
        refused(
            &[("alerting", "{ infra: { cpu: 80 } }")],
            "alerting.infra.cpu",
        );
        refused(
            &[("alerting", "{ infra: { latencyP99: 0s } }")],
            "alerting.infra.latencyP99",
        );
    }

    #[test]
    fn log_alarms_need_the_log_group() {
        let sections = [
            (
                "ecs",
                "{ cluster: prod, service: checkout, logGroup: /ecs/checkout }",
            ),
            (
                "alerting",
                "{ logs: [ { name: panics, pattern: panic, above: 5/5m, severity: page } ] }",
            ),
        ];
        let slo = ok(&sections);
        assert_eq!(slo.alerting.logs[0].name, "panics");
        assert_eq!(slo.alerting.logs[0].above, 5);
        refused(&sections[1..], "alerting.logs");
    }

    #[test]
    fn evidence_patterns_are_regular_expressions() {
        assert_eq!(
            ok(&[("logs", "{ patterns: \"oom|killed\", top: 3 }")])
                .logs
                .top,
            3
        );
        refused(&[("logs", "{ patterns: \"(unclosed\" }")], "logs.patterns");
        refused(&[("logs", "{ top: 51 }")], "logs.top");
    }

    #[test]
    fn notify_names_a_topic_an_environment_variable_and_how_often_to_repeat() {
        let slo = ok(&[(
            "notify",
            "{ sns: arn:aws:sns:us-east-1:123456789012:alerts, slack: { webhookEnv: SLACK_WEBHOOK_URL }, repeat: 2h, via: cloudwatch }",
        )]);
        assert_eq!(
            slo.notify.sns_topic.as_deref(),
            Some("arn:aws:sns:us-east-1:123456789012:alerts")
        );
        assert_eq!(
            slo.notify.slack_webhook_env.as_deref(),
            Some("SLACK_WEBHOOK_URL")
        );
        assert_eq!(slo.notify.repeat, TimeDelta::hours(2));
        assert_eq!(slo.notify.via, NotifyVia::CloudWatch);
        refused(
            &[("notify", "{ sns: arn:aws:sns:us-east-1:1234:alerts }")],
            "notify.sns",
        );
        let e = refused(
            &[(
                "notify",
                "{ slack: { webhookEnv: \"https://hooks.slack.com/services/T0/B0/X\" } }",
            )],
            "notify.slack.webhookEnv",
        );
        assert!(
            !e.message.contains("hooks.slack.com/services/T0"),
            "the secret is not repeated: {e:#?}"
        );
        refused(&[("notify", "{ repeat: 30s }")], "notify.repeat");
        refused(&[("notify", "{ via: pager }")], "notify.via");
    }

    #[test]
    fn runbook_and_correlation_lead() {
        let slo = ok(&[
            ("runbook", "https://wiki.example.com/checkout"),
            ("correlation", "{ lead: 10m }"),
        ]);
        assert_eq!(
            slo.runbook.as_deref(),
            Some("https://wiki.example.com/checkout")
        );
        assert_eq!(slo.correlation_lead, TimeDelta::minutes(10));
        refused(&[("runbook", "wiki/checkout")], "runbook");
        refused(&[("correlation", "{ lead: 2d }")], "correlation.lead");
    }

    #[test]
    fn the_freeze_threshold_may_be_zero_as_its_default_is() {
        for zero in ["{ freezeBelow: 0% }", "{ freezeBelow: 0 }"] {
            assert_eq!(ok(&[("policy", zero)]).policy.freeze_below, 0.0, "{zero}");
        }
        assert_eq!(
            ok(&[("policy", "{ freezeBelow: 10% }")])
                .policy
                .freeze_below,
            0.1
        );
        refused(&[("policy", "{ freezeBelow: 120% }")], "policy.freezeBelow");
        refused(&[("policy", "{ freezeBelow: -1% }")], "policy.freezeBelow");
    }

    #[test]
    fn exclusions_are_read_at_both_levels_and_refused_with_their_field() {
        let slo = ok(&[(
            "exclusions",
            "[{ schedule: \"cron(0 2 ? * SUN *)\", duration: 2h, timeZone: Europe/Berlin, reason: weekly }, { start: 2026-11-08T02:00, end: 2026-11-08T03:00, timeZone: Asia/Tokyo, reason: once, objective: availability }]",
        )]);
        assert_eq!(slo.exclusions.len(), 2);
        assert_eq!(slo.exclusions[1].objective.as_deref(), Some("availability"));
        let crate::core::exclusions::When::Once(r) = slo.exclusions[1].when else {
            panic!("{:?}", slo.exclusions[1]);
        };
        // Local 02:00 in Tokyo is 17:00 UTC the day before.
        assert_eq!(r.start.to_rfc3339(), "2026-11-07T17:00:00+00:00");
        refused(
            &[(
                "exclusions",
                "[{ start: 2026-11-08T02:00:00Z, end: 2026-11-08T03:00:00Z, reason: x, objective: nope }]",
            )],
            "exclusions[0].objective",
        );
        refused(
            &[(
                "exclusions",
                "[{ schedule: \"cron(0 2 ? * SUN *)\", duration: 40d, reason: x }]",
            )],
            "exclusions[0].duration",
        );
    }

    #[test]
    fn a_digest_goes_only_where_notify_points_and_is_refused_with_its_field() {
        let with_sns = ("notify", "{ sns: arn:aws:sns:us-east-1:123456789012:t }");
        let slo = ok(&[
            with_sns,
            (
                "report",
                "{ every: month, at: \"08:30\", timeZone: Asia/Tokyo }",
            ),
        ]);
        let d = slo.digest.expect("a digest");
        assert_eq!(d.via, ["sns"]);
        assert_eq!(d.time.format("%H:%M").to_string(), "08:30");
        refused(&[with_sns, ("report", "{ every: year }")], "report.every");
        refused(
            &[with_sns, ("report", "{ every: week, via: [slack] }")],
            "report.via",
        );
        refused(
            &[with_sns, ("report", "{ every: month, at: \"MON 09:00\" }")],
            "report.at",
        );
        refused(
            &[with_sns, ("report", "{ every: week, at: noon }")],
            "report.at",
        );
    }
}
