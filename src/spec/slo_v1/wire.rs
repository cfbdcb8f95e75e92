//! The spec as written in YAML (`apiVersion: slo/v1`). Values that need checking keep their
//! source location (`Spanned`) so every error can point at its line.

use crate::spec::scalars::Scalar;
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde_saphyr::Spanned;
use std::fmt;

pub type Sp<T> = Spanned<T>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SpecDoc {
    pub api_version: Sp<String>,
    pub service: Sp<String>,
    pub alb: AlbWire,
    #[serde(default)]
    pub ecs: Option<EcsWire>,
    #[serde(default)]
    pub window: Option<Sp<WindowWire>>,
    pub objectives: Sp<Vec<ObjectiveWire>>,
    #[serde(default)]
    pub alerting: Option<AlertingWire>,
    #[serde(default)]
    pub notify: Option<NotifyWire>,
    #[serde(default)]
    pub correlation: Option<CorrelationWire>,
    #[serde(default)]
    pub logs: Option<LogsWire>,
    /// Link put in alarm descriptions and notifications.
    #[serde(default)]
    pub runbook: Option<Sp<String>>,
    /// `false`: no CloudWatch dashboard for this service.
    #[serde(default)]
    pub dashboard: Option<bool>,
    #[serde(default)]
    pub policy: Option<PolicyWire>,
    #[serde(default)]
    pub exclusions: Option<Sp<Vec<ExclusionWire>>>,
    #[serde(default)]
    pub report: Option<DigestWire>,
}

/// `report: { every: week, at: "MON 09:00", timeZone: Europe/Berlin, via: [email, slack] }`:
/// the SLO review `slo serve` sends.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DigestWire {
    pub every: Sp<String>,
    #[serde(default)]
    pub at: Option<Sp<String>>,
    #[serde(default)]
    pub time_zone: Option<Sp<String>>,
    #[serde(default)]
    pub via: Option<Sp<Vec<String>>>,
}

/// A maintenance window or a correction: `{start, end, reason}` once, or `{schedule:
/// "cron(…)"|"at(…)", duration, timeZone, reason}` again and again.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ExclusionWire {
    #[serde(default)]
    pub start: Option<Sp<String>>,
    #[serde(default)]
    pub end: Option<Sp<String>>,
    #[serde(default)]
    pub schedule: Option<Sp<String>>,
    #[serde(default)]
    pub duration: Option<Sp<String>>,
    #[serde(default)]
    pub time_zone: Option<Sp<String>>,
    #[serde(default)]
    pub reason: Option<Sp<String>>,
    /// Service-level entries only: just this objective (what `slo exclude --objective` writes).
    #[serde(default)]
    pub objective: Option<Sp<String>>,
}

/// `policy: { freezeBelow: 0% }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PolicyWire {
    #[serde(default)]
    pub freeze_below: Option<Sp<Scalar>>,
}

/// `true`, `false` or a word (`snippet`).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum Switch {
    Bool(bool),
    Word(String),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AlbWire {
    pub load_balancer: Sp<String>,
    #[serde(default)]
    pub target_group: Option<Sp<String>>,
    #[serde(default)]
    pub region: Option<Sp<String>>,
    #[serde(default, rename = "includeElb5xx")]
    pub include_elb_5xx: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct EcsWire {
    pub cluster: Sp<String>,
    pub service: Sp<String>,
    #[serde(default)]
    pub log_group: Option<Sp<String>>,
    #[serde(default)]
    pub rollback_on_burn: Option<Sp<Switch>>,
}

/// `window: 30d` or `window: { calendar: month, timeZone: Asia/Tokyo }`.
#[derive(Debug)]
pub enum WindowWire {
    Rolling(String),
    Calendar(CalendarWire),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CalendarWire {
    pub calendar: Sp<String>,
    #[serde(default)]
    pub time_zone: Option<Sp<String>>,
}

impl<'de> Deserialize<'de> for WindowWire {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<WindowWire, D::Error> {
        struct WindowVisitor;
        impl<'de> Visitor<'de> for WindowVisitor {
            type Value = WindowWire;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a duration such as 30d, or { calendar: month, timeZone: UTC }")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<WindowWire, E> {
                Ok(WindowWire::Rolling(v.to_owned()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<WindowWire, A::Error> {
                CalendarWire::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(WindowWire::Calendar)
            }
        }
        d.deserialize_any(WindowVisitor)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ObjectiveWire {
    pub name: Sp<String>,
    pub sli: Sp<String>,
    pub target: Sp<Scalar>,
    #[serde(default)]
    pub threshold: Option<Sp<String>>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub exclusions: Option<Sp<Vec<ExclusionWire>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AlertingWire {
    #[serde(default)]
    pub policy: Option<Sp<String>>,
    #[serde(default)]
    pub tiers: Option<Sp<Vec<TierWire>>>,
    #[serde(default)]
    pub min_requests: Option<Sp<Scalar>>,
    #[serde(default)]
    pub min_bad_events: Option<Sp<Scalar>>,
    #[serde(default)]
    pub logs: Option<Sp<Vec<LogAlarmWire>>>,
    #[serde(default)]
    pub infra: Option<InfraWire>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TierWire {
    pub name: Sp<String>,
    pub severity: Sp<String>,
    pub long_window: Sp<String>,
    pub short_window: Sp<String>,
    pub burn_rate: Sp<Scalar>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct InfraWire {
    #[serde(default)]
    pub cpu: Option<Sp<Scalar>>,
    #[serde(default)]
    pub memory: Option<Sp<Scalar>>,
    /// ALB 5xx rate alarm threshold (default 5%).
    #[serde(default, rename = "http5xx")]
    pub http_5xx: Option<Sp<Scalar>>,
    /// `TargetResponseTime` p99 alarm threshold (no alarm by default).
    #[serde(default, rename = "latencyP99")]
    pub latency_p99: Option<Sp<String>>,
    /// How long CPU, memory and p99 must stay above their thresholds (default 5m).
    #[serde(default, rename = "for")]
    pub for_: Option<Sp<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NotifyWire {
    #[serde(default)]
    pub sns: Option<Sp<String>>,
    #[serde(default)]
    pub slack: Option<SlackWire>,
    #[serde(default)]
    pub repeat: Option<Sp<String>>,
    #[serde(default)]
    pub via: Option<Sp<String>>,
    /// A link put in every notification (the service's dashboard).
    #[serde(default)]
    pub dashboard_url: Option<Sp<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SlackWire {
    pub webhook_env: Sp<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CorrelationWire {
    /// How long before an incident a deployment may have started to be blamed for it.
    #[serde(default)]
    pub lead: Option<Sp<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LogsWire {
    /// A regular expression, matched case-insensitively: the lines that are evidence.
    #[serde(default)]
    pub patterns: Option<Sp<String>>,
    /// How many templates an incident shows.
    #[serde(default)]
    pub top: Option<Sp<Scalar>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LogAlarmWire {
    pub name: Sp<String>,
    /// A CloudWatch Logs filter pattern, passed on verbatim.
    pub pattern: Sp<String>,
    /// `10/5m`: more than 10 matching lines in 5 minutes.
    pub above: Sp<String>,
    #[serde(default)]
    pub severity: Option<Sp<String>>,
}
