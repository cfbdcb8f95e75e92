//! The domain model of an SLO spec, after parsing and validation: every value here is valid.

use crate::core::alerting::TrafficGuard;
use crate::core::ratio::{Ratio, Target};
use crate::core::tiers::Tier;
use crate::core::window::SloWindow;
use chrono::TimeDelta;
use std::fmt;
use std::time::Duration;

/// Names one objective of one service: every source, report, alarm and notification is keyed
/// by it, never by a position in a list, so data cannot be matched to the wrong objective.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct ObjectiveKey {
    pub service: String,
    pub objective: String,
}

impl ObjectiveKey {
    pub fn new(service: &str, objective: &str) -> ObjectiveKey {
        ObjectiveKey {
            service: service.to_owned(),
            objective: objective.to_owned(),
        }
    }
}

impl fmt::Display for ObjectiveKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.service, self.objective)
    }
}

/// One service's SLOs (one spec file).
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceSlo {
    pub service: String,
    pub alb: Alb,
    pub ecs: Option<Ecs>,
    pub window: SloWindow,
    pub objectives: Vec<Objective>,
    pub alerting: Alerting,
    pub notify: Notify,
    /// A deployment that started this long before an incident may be blamed for it.
    pub correlation_lead: TimeDelta,
    /// Which log lines are triage evidence.
    pub logs: Logs,
    pub runbook: Option<String>,
    /// Keep a CloudWatch dashboard for the service.
    pub dashboard: bool,
    pub policy: Policy,
    /// Maintenance windows and corrections: their requests count for nothing.
    pub exclusions: Vec<crate::core::exclusions::Exclusion>,
    /// The SLO review `slo serve` sends on a schedule.
    pub digest: Option<crate::core::digest::Digest>,
}

impl ServiceSlo {
    /// The key of one of this service's objectives.
    pub fn key(&self, objective: &Objective) -> ObjectiveKey {
        ObjectiveKey::new(&self.service, &objective.name)
    }

    /// Every objective with its key, in spec order.
    pub fn keyed_objectives(&self) -> impl Iterator<Item = (ObjectiveKey, &Objective)> {
        self.objectives.iter().map(|o| (self.key(o), o))
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Alb {
    /// CloudWatch `LoadBalancer` dimension, e.g. `app/checkout-prod/50dc6c495c0c9188`.
    pub load_balancer: String,
    /// CloudWatch `TargetGroup` dimension, e.g. `targetgroup/checkout-prod/73e2d6bc24d8a067`.
    pub target_group: Option<String>,
    /// The region the load balancer is in, when the spec says it: a report or plan through an
    /// AWS client of another region is refused (its metrics and alarms are not there).
    pub region: Option<String>,
    /// Count the load balancer's own 5xx (which CloudWatch cannot split by target group)
    /// against a target-group SLO. Pessimistic, and the default.
    pub include_elb_5xx: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Ecs {
    pub cluster: String,
    pub service: String,
    pub log_group: Option<String>,
    /// Whether the guard alarm is wired into the service's deployment alarms.
    pub rollback_on_burn: RollbackOnBurn,
}

/// `ecs.rollbackOnBurn`: ECS rolls a deployment back when its guard alarm fires.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RollbackOnBurn {
    #[default]
    Off,
    /// `slo apply` adds the guard to the service's `deploymentConfiguration.alarms`.
    Apply,
    /// The service definition belongs to Terraform or ecspresso: `slo plan` prints what to add.
    Snippet,
}

/// The error-budget policy `slo gate` enforces.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Policy {
    /// Deployments stop while an objective's remaining budget is below this fraction.
    pub freeze_below: f64,
}

impl Default for Policy {
    fn default() -> Policy {
        Policy { freeze_below: 0.0 }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Objective {
    pub name: String,
    pub sli: Sli,
    pub target: Target,
}

/// What makes an event good.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Sli {
    /// Good: the ALB did not answer with a 5xx.
    Availability,
    /// Good: the target answered within `threshold`.
    Latency { threshold: Duration },
}

impl Sli {
    pub fn name(&self) -> &'static str {
        match self {
            Sli::Availability => "availability",
            Sli::Latency { .. } => "latency",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Alerting {
    pub tiers: Vec<Tier>,
    pub guard: TrafficGuard,
    pub infra: Infra,
    /// Alarms on matching lines in the service's log group (`ecs.logGroup`).
    pub logs: Vec<LogAlarm>,
}

/// "More than `above` lines matching `pattern` in `period`".
#[derive(Clone, Debug, PartialEq)]
pub struct LogAlarm {
    pub name: String,
    /// A CloudWatch Logs filter pattern, verbatim (case-sensitive; `%…%` for a regex).
    pub pattern: String,
    pub above: u64,
    pub period: TimeDelta,
    pub severity: crate::core::tiers::Severity,
}

/// Thresholds for the infrastructure alarms.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Infra {
    /// ECS service CPU utilisation.
    pub cpu: Ratio,
    /// ECS service memory utilisation.
    pub memory: Ratio,
    /// Share of ALB responses that are 5xx.
    pub http_5xx: Ratio,
    /// `TargetResponseTime` p99 above this alarms; `None`: no such alarm (the latency
    /// objective's burn rate covers it).
    pub latency_p99: Option<Duration>,
    /// CPU, memory and p99 must stay above their thresholds this long (whole minutes).
    pub sustained: TimeDelta,
}

impl Default for Infra {
    fn default() -> Infra {
        let fraction = |f| Ratio::new(f).unwrap_or(Ratio::ONE);
        Infra {
            cpu: fraction(0.8),
            memory: fraction(0.8),
            http_5xx: fraction(0.05),
            latency_p99: None,
            sustained: TimeDelta::minutes(5),
        }
    }
}

/// Who turns a firing severity composite into a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum NotifyVia {
    /// `slo serve` reads the composites' state, correlates and notifies; CloudWatch notifies
    /// directly only through the per-service fallback composite, when `slo serve` is down.
    #[default]
    Serve,
    /// The composites notify SNS themselves (for users who run only the CLI).
    CloudWatch,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Notify {
    pub sns_topic: Option<String>,
    pub via: NotifyVia,
    /// Linked from every notification.
    pub dashboard_url: Option<String>,
    /// Name of the environment variable holding a Slack incoming-webhook URL (a secret, so the
    /// spec names the variable, never the URL).
    pub slack_webhook_env: Option<String>,
    pub repeat: TimeDelta,
}

impl Default for Notify {
    fn default() -> Notify {
        Notify {
            sns_topic: None,
            via: NotifyVia::Serve,
            dashboard_url: None,
            slack_webhook_env: None,
            repeat: TimeDelta::hours(4),
        }
    }
}

/// Which application log lines are evidence, and how many templates to show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Logs {
    /// A regular expression (checked when the spec is read), matched case-insensitively.
    pub pattern: String,
    pub top: usize,
}

impl Default for Logs {
    fn default() -> Logs {
        Logs {
            pattern: crate::core::evidence::DEFAULT_PATTERN.to_owned(),
            top: crate::core::evidence::DEFAULT_TOP,
        }
    }
}

/// The specs whose `alb.region` is not `client_region` (the region the AWS client reads and
/// writes), each as a sentence: a report through that client would read no metrics of theirs,
/// a plan would put their alarms where their metrics are not.
pub fn region_mismatches(slos: &[&ServiceSlo], client_region: &str) -> Vec<String> {
    slos.iter()
        .filter_map(|s| {
            let r = s.alb.region.as_deref()?;
            (r != client_region).then(|| {
                format!(
                    "{}: its load balancer is in {r} (alb.region), but AWS is configured for {client_region} (AWS_REGION or the profile's region); its metrics and alarms are in {r}",
                    s.service
                )
            })
        })
        .collect()
}
