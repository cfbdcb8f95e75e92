//! Every alarm name and tag `slo` uses, built in one place so that `plan`, `apply` and the
//! service agree on them.

use crate::core::tiers::Severity;
use crate::core::window::format_duration;
use chrono::TimeDelta;
use std::collections::BTreeMap;

/// Every alarm `slo` manages starts with this.
pub const PREFIX: &str = "slo:";
pub const TAG_MANAGED_BY: &str = "managed-by";
pub const MANAGED_BY: &str = "slo";
pub const TAG_SERVICE: &str = "slo:service";
pub const TAG_OBJECTIVE: &str = "slo:objective";
pub const TAG_TIER: &str = "slo:tier";
pub const TAG_SEVERITY: &str = "slo:severity";

/// The account-wide heartbeat: `slo serve` puts `HEARTBEAT_NAMESPACE`/`HEARTBEAT_METRIC` (1)
/// every minute; the alarm is in ALARM after this many minutes without it.
pub const HEARTBEAT_ALARM: &str = "slo:heartbeat";
pub const HEARTBEAT_NAMESPACE: &str = "SLO";
pub const HEARTBEAT_METRIC: &str = "Heartbeat";
pub const HEARTBEAT_MISSING_MINUTES: u32 = 5;
/// The `slo:service` tag of the heartbeat alarm, which belongs to no one service. Not a valid
/// service name, so it cannot clash with one.
pub const HEARTBEAT_OWNER: &str = "*";

/// `slo:<service>:` — the prefix of one service's alarms.
pub fn service_prefix(service: &str) -> String {
    format!("{PREFIX}{service}:")
}

/// `slo:checkout:availability:fast:1h`: one window of one tier.
pub fn burn_window(service: &str, objective: &str, tier: &str, window: TimeDelta) -> String {
    format!(
        "{PREFIX}{service}:{objective}:{tier}:{}",
        format_duration(window)
    )
}

/// `slo:checkout:availability:page`, `…:ticket`: the composite of one severity, which fires
/// when any of its tiers does.
pub fn severity(service: &str, objective: &str, severity: Severity) -> String {
    format!("{PREFIX}{service}:{objective}:{}", severity.name())
}

/// `slo:checkout:guard`: the alarm ECS watches during the service's deployments
/// (`ecs.rollbackOnBurn`); it notifies no one.
pub fn guard(service: &str) -> String {
    format!("{PREFIX}{service}:guard")
}

/// `slo:checkout:fallback`: pages directly when a page fires while `slo serve` is down.
pub fn fallback(service: &str) -> String {
    format!("{PREFIX}{service}:fallback")
}

/// Log-pattern alarms count into this namespace, one metric per alarm.
pub const LOGS_NAMESPACE: &str = "SLO/Logs";
/// Every metric filter `slo` manages starts with this (filters cannot be tagged: they are
/// owned by name, and names may not hold `:`).
pub const FILTER_PREFIX: &str = "slo-";

/// `slo-checkout-timeouts`: the metric filter of a log-pattern alarm.
pub fn metric_filter(service: &str, name: &str) -> String {
    format!("{FILTER_PREFIX}{service}-{name}")
}

/// `slo:checkout:logs:timeouts`: the alarm on a metric filter's count.
pub fn log_alarm(service: &str, name: &str) -> String {
    format!("{PREFIX}{service}:logs:{name}")
}

/// `checkout.timeouts`: the metric a filter counts into.
pub fn log_metric(service: &str, name: &str) -> String {
    format!("{service}.{name}")
}

/// The tags of a severity composite.
pub fn severity_tags(
    service: &str,
    objective: &str,
    severity: Severity,
) -> BTreeMap<String, String> {
    let mut t = tags(service, Some(objective), None);
    t.insert(TAG_SEVERITY.to_owned(), severity.name().to_owned());
    t
}

pub fn heartbeat_tags() -> BTreeMap<String, String> {
    tags(HEARTBEAT_OWNER, None, None)
}

/// `slo:checkout:infra:cpu`, `…:memory`, `…:http-5xx-rate`.
pub fn infra(service: &str, what: &str) -> String {
    format!("{PREFIX}{service}:infra:{what}")
}

/// The tags of an alarm: who manages it, for which service, objective and tier.
pub fn tags(
    service: &str,
    objective: Option<&str>,
    tier: Option<&str>,
) -> BTreeMap<String, String> {
    let mut t = BTreeMap::from([
        (TAG_MANAGED_BY.to_owned(), MANAGED_BY.to_owned()),
        (TAG_SERVICE.to_owned(), service.to_owned()),
    ]);
    if let Some(o) = objective {
        t.insert(TAG_OBJECTIVE.to_owned(), o.to_owned());
    }
    if let Some(tier) = tier {
        t.insert(TAG_TIER.to_owned(), tier.to_owned());
    }
    t
}

/// Whether `tags` say the alarm is `slo`'s, for `service`.
pub fn is_managed_for(tags: &BTreeMap<String, String>, service: &str) -> bool {
    tags.get(TAG_MANAGED_BY).map(String::as_str) == Some(MANAGED_BY)
        && tags.get(TAG_SERVICE).map(String::as_str) == Some(service)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_documented_scheme() {
        assert_eq!(
            burn_window("checkout", "availability", "fast", TimeDelta::hours(1)),
            "slo:checkout:availability:fast:1h"
        );
        assert_eq!(
            severity("checkout", "latency", Severity::Page),
            "slo:checkout:latency:page"
        );
        assert_eq!(fallback("checkout"), "slo:checkout:fallback");
        assert_eq!(infra("checkout", "cpu"), "slo:checkout:infra:cpu");
        assert!(
            severity("checkout", "a", Severity::Ticket).starts_with(&service_prefix("checkout"))
        );
        assert!(HEARTBEAT_ALARM.starts_with(PREFIX));
    }

    #[test]
    fn only_alarms_tagged_for_the_service_are_managed() {
        let t = tags("checkout", Some("availability"), Some("fast"));
        assert!(is_managed_for(&t, "checkout"));
        assert!(!is_managed_for(&t, "catalog"));
        let mut foreign = t.clone();
        foreign.remove(TAG_MANAGED_BY);
        assert!(!is_managed_for(&foreign, "checkout"));
    }
}
