//! ECS deployments in our own terms: what the correlation needs from whichever source told us
//! (ECS service deployments, `DescribeServices`, a file). Plain values, no SDK types.

use chrono::{DateTime, Utc};

/// Where a service's deployment history came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeploymentSource {
    /// `ListServiceDeployments` / `DescribeServiceDeployments` (90 days, since 2024-10-25).
    ServiceDeployments,
    /// The fallback: `DescribeServices` (`deployments[]` and `events[]`), recent only.
    DescribeServices,
    /// `slo report --deployments FILE`.
    File,
    /// ECS could not be read (permission, missing cluster or service): nothing is known.
    Unavailable,
    /// The spec has no `ecs:` (or no file names the service): deployments are not looked up.
    None,
}

impl DeploymentSource {
    pub fn name(self) -> &'static str {
        match self {
            DeploymentSource::ServiceDeployments => "service_deployments",
            DeploymentSource::DescribeServices => "describe_services",
            DeploymentSource::File => "file",
            DeploymentSource::Unavailable => "unavailable",
            DeploymentSource::None => "none",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RollbackTrigger {
    /// The deployment circuit breaker.
    CircuitBreaker,
    /// A CloudWatch alarm named in the deployment's alarm configuration.
    Alarm,
    /// Someone (or a pipeline) rolled back or stopped it.
    Manual,
}

impl RollbackTrigger {
    pub fn name(self) -> &'static str {
        match self {
            RollbackTrigger::CircuitBreaker => "circuit_breaker",
            RollbackTrigger::Alarm => "alarm",
            RollbackTrigger::Manual => "manual",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rollback {
    pub trigger: RollbackTrigger,
    pub reason: Option<String>,
    pub started_at: Option<DateTime<Utc>>,
    /// When the rollback was over (the deployment's end); `None` while it runs.
    pub finished_at: Option<DateTime<Utc>>,
    /// The alarms that triggered it, for `Alarm`.
    pub alarms: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Image {
    /// `123456789012.dkr.ecr.us-east-1.amazonaws.com/checkout:1.4.3`.
    pub image: String,
    pub digest: Option<String>,
}

impl Image {
    /// `1.4.3` from `…/checkout:1.4.3`; the digest's start when there is no tag.
    pub fn tag(&self) -> Option<&str> {
        let last = self.image.rsplit('/').next()?;
        last.split_once(':').map(|(_, tag)| tag)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deployment {
    /// The spec's service (not the ECS service name).
    pub service: String,
    /// `serviceDeploymentArn`, or the deployment `id` (`ecs-svc/…`) from `DescribeServices`.
    pub arn: String,
    /// The source's own value: `ROLLBACK_SUCCESSFUL`, `SUCCESSFUL`, `IN_PROGRESS`, or a
    /// `rolloutState` (`COMPLETED`, `FAILED`) from `DescribeServices`.
    pub status: String,
    pub status_reason: Option<String>,
    /// `ROLLING`, `BLUE_GREEN`, `LINEAR`, `CANARY`.
    pub strategy: Option<String>,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    /// Finished or stopped; `None` while it runs.
    pub finished_at: Option<DateTime<Utc>>,
    /// The service revision or task definition deployed.
    pub target: Option<String>,
    pub images: Vec<Image>,
    pub rollback: Option<Rollback>,
    /// Circuit breaker failures counted, and its threshold.
    pub circuit_breaker: Option<(u32, u32)>,
}

impl Deployment {
    /// When it began to replace tasks.
    pub fn start(&self) -> DateTime<Utc> {
        self.started_at.unwrap_or(self.created_at)
    }

    /// Whether it was still running at `t`.
    pub fn in_progress_at(&self, t: DateTime<Utc>) -> bool {
        self.start() <= t && self.finished_at.is_none_or(|f| f > t)
    }

    /// Moves every time by `d` (tests: correlation must not depend on the epoch).
    pub fn shifted(mut self, d: chrono::TimeDelta) -> Deployment {
        self.created_at += d;
        self.started_at = self.started_at.map(|t| t + d);
        self.finished_at = self.finished_at.map(|t| t + d);
        if let Some(r) = &mut self.rollback {
            r.started_at = r.started_at.map(|t| t + d);
            r.finished_at = r.finished_at.map(|t| t + d);
        }
        self
    }
}

/// How a rollback was triggered, from what ECS reports: the circuit breaker when it tripped,
/// an alarm when one is named as triggered, someone otherwise.
pub fn rollback_trigger(
    circuit_breaker_triggered: bool,
    triggered_alarms: &[String],
) -> RollbackTrigger {
    if circuit_breaker_triggered {
        RollbackTrigger::CircuitBreaker
    } else if !triggered_alarms.is_empty() {
        RollbackTrigger::Alarm
    } else {
        RollbackTrigger::Manual
    }
}

/// One service deployment as ECS describes it (`DescribeServiceDeployments`, or the JSON the
/// AWS CLI prints for it): the fields the correlation reads.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ServiceDeploymentRecord {
    pub arn: String,
    pub service_arn: Option<String>,
    pub status: String,
    pub status_reason: Option<String>,
    pub created_at: Option<DateTime<Utc>>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub stopped_at: Option<DateTime<Utc>>,
    pub target_revision_arn: Option<String>,
    pub rollback_reason: Option<String>,
    pub rollback_started_at: Option<DateTime<Utc>>,
    pub rolled_back: bool,
    /// `(status, failureCount, threshold)`.
    pub circuit_breaker: Option<(String, u32, u32)>,
    pub triggered_alarms: Vec<String>,
    pub strategy: Option<String>,
}

impl ServiceDeploymentRecord {
    /// Our deployment of the spec's `service`, with the target revision's `images`.
    pub fn into_deployment(self, service: &str, images: Vec<Image>) -> Option<Deployment> {
        let created_at = self.created_at.or(self.started_at)?;
        let finished_at = self.finished_at.or(self.stopped_at);
        let rolled_back = self.rolled_back || self.status.starts_with("ROLLBACK_");
        let breaker_tripped = self
            .circuit_breaker
            .as_ref()
            .is_some_and(|(s, _, _)| s == "TRIGGERED");
        let rollback = rolled_back.then(|| Rollback {
            trigger: rollback_trigger(breaker_tripped, &self.triggered_alarms),
            reason: self.rollback_reason.clone().or(self.status_reason.clone()),
            started_at: self.rollback_started_at,
            finished_at: matches!(
                self.status.as_str(),
                "ROLLBACK_SUCCESSFUL" | "ROLLBACK_FAILED"
            )
            .then_some(finished_at)
            .flatten(),
            alarms: self.triggered_alarms.clone(),
        });
        Some(Deployment {
            service: service.to_owned(),
            arn: self.arn,
            status: self.status,
            status_reason: self.status_reason,
            // ECS leaves `deploymentConfiguration.strategy` out for rolling updates, its
            // default: a deployment without one is a rolling one.
            strategy: self.strategy.or_else(|| Some("ROLLING".to_owned())),
            created_at,
            started_at: self.started_at,
            finished_at,
            target: self.target_revision_arn,
            images,
            rollback,
            circuit_breaker: self.circuit_breaker.map(|(_, n, of)| (n, of)),
        })
    }
}

/// One entry of `DescribeServices`' `deployments[]`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EcsDeploymentRecord {
    /// `ecs-svc/…`.
    pub id: String,
    /// `PRIMARY`, `ACTIVE`, `INACTIVE`.
    pub status: String,
    pub task_definition: Option<String>,
    pub created_at: Option<DateTime<Utc>>,
    pub updated_at: Option<DateTime<Utc>>,
    /// `COMPLETED`, `FAILED`, `IN_PROGRESS`.
    pub rollout_state: Option<String>,
    pub rollout_state_reason: Option<String>,
}

/// What `DescribeServices` says of a service's deployments.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EcsServiceRecord {
    pub deployments: Vec<EcsDeploymentRecord>,
    /// `(createdAt, message)`, in any order.
    pub events: Vec<(DateTime<Utc>, String)>,
    pub strategy: Option<String>,
}

/// Deployments read from `DescribeServices`. Its event texts ("(deployment ecs-svc/…)
/// deployment failed: tasks failed to start.", "ECS deployment circuit breaker: rolling back to
/// deploymentId ecs-svc/…") are not a documented format, so they are read loosely: a failed
/// rollout followed by a "rolling back" event was rolled back, by the circuit breaker if the
/// event says so, by an alarm if it names one.
pub fn from_describe_services(service: &str, record: &EcsServiceRecord) -> Vec<Deployment> {
    let mut starts: Vec<DateTime<Utc>> = record
        .deployments
        .iter()
        .filter_map(|d| d.created_at)
        .collect();
    starts.sort();
    record
        .deployments
        .iter()
        .filter_map(|d| {
            let created_at = d.created_at?;
            let state = d.rollout_state.clone().unwrap_or_else(|| d.status.clone());
            let finished_at = (state != "IN_PROGRESS").then_some(d.updated_at).flatten();
            // Events of this rollout: from its creation to the next deployment's.
            let until = starts.iter().find(|t| **t > created_at).copied();
            let events: Vec<&(DateTime<Utc>, String)> = record
                .events
                .iter()
                .filter(|(t, _)| *t >= created_at && until.is_none_or(|u| *t < u))
                .collect();
            let lower = |m: &str| m.to_ascii_lowercase();
            let rolling_back = events
                .iter()
                .filter(|(_, m)| lower(m).contains("rolling back"))
                .min_by_key(|(t, _)| *t);
            let failure = events
                .iter()
                .find(|(_, m)| m.contains(&d.id) && lower(m).contains("fail"))
                .map(|(_, m)| failure_text(m));
            let rollback = (state == "FAILED" || rolling_back.is_some())
                .then_some(rolling_back)
                .flatten()
                .map(|(t, m)| {
                    let m = lower(m);
                    Rollback {
                        trigger: if m.contains("circuit breaker") {
                            RollbackTrigger::CircuitBreaker
                        } else if m.contains("alarm") {
                            RollbackTrigger::Alarm
                        } else {
                            RollbackTrigger::Manual
                        },
                        reason: d.rollout_state_reason.clone().or(failure.clone()),
                        started_at: Some(*t),
                        finished_at,
                        alarms: Vec::new(),
                    }
                });
            Some(Deployment {
                service: service.to_owned(),
                arn: d.id.clone(),
                status: state,
                status_reason: d.rollout_state_reason.clone().or(failure),
                strategy: record.strategy.clone(),
                created_at,
                started_at: Some(created_at),
                finished_at,
                target: d.task_definition.clone(),
                images: Vec::new(),
                rollback,
                circuit_breaker: None,
            })
        })
        .collect()
}

/// `deployment failed: tasks failed to start.` from `(service x) (deployment y) deployment
/// failed: tasks failed to start.`
fn failure_text(message: &str) -> String {
    let tail = message.rsplit(") ").next().unwrap_or(message);
    tail.trim().trim_end_matches('.').to_owned()
}

/// What the report knows of one service's deployments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceHistory {
    pub deployments: Vec<Deployment>,
    pub source: DeploymentSource,
}

impl ServiceHistory {
    pub fn none() -> ServiceHistory {
        ServiceHistory {
            deployments: Vec::new(),
            source: DeploymentSource::None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn a_circuit_breaker_rollback_reads_from_service_deployments() {
        let r = ServiceDeploymentRecord {
            arn: "arn:aws:ecs:us-east-1:123456789012:service-deployment/prod/checkout/abc".into(),
            status: "ROLLBACK_SUCCESSFUL".into(),
            status_reason: Some("Service deployment rolled back because the circuit breaker threshold was exceeded.".into()),
            created_at: Some(t("2026-11-15T14:00:00Z")),
            started_at: Some(t("2026-11-15T14:00:05Z")),
            finished_at: Some(t("2026-11-15T15:58:00Z")),
            rollback_reason: Some("ECS deployment circuit breaker".into()),
            rollback_started_at: Some(t("2026-11-15T15:40:00Z")),
            rolled_back: true,
            circuit_breaker: Some(("TRIGGERED".into(), 6, 5)),
            strategy: Some("ROLLING".into()),
            ..Default::default()
        };
        let d = r.into_deployment("checkout", vec![]).unwrap();
        let rb = d.rollback.clone().unwrap();
        assert_eq!(rb.trigger, RollbackTrigger::CircuitBreaker);
        assert_eq!(rb.finished_at, Some(t("2026-11-15T15:58:00Z")));
        assert_eq!(d.circuit_breaker, Some((6, 5)));
        assert_eq!(d.start(), t("2026-11-15T14:00:05Z"));
    }

    #[test]
    fn describe_services_events_are_read_loosely() {
        let record = EcsServiceRecord {
            deployments: vec![
                EcsDeploymentRecord {
                    id: "ecs-svc/2222222222222222222".into(),
                    status: "PRIMARY".into(),
                    task_definition: Some("arn:aws:ecs:us-east-1:123456789012:task-definition/checkout:42".into()),
                    created_at: Some(t("2026-11-10T09:00:00Z")),
                    updated_at: Some(t("2026-11-10T09:06:00Z")),
                    rollout_state: Some("COMPLETED".into()),
                    rollout_state_reason: Some("ECS deployment ecs-svc/2222222222222222222 completed.".into()),
                },
                EcsDeploymentRecord {
                    id: "ecs-svc/1111111111111111111".into(),
                    status: "ACTIVE".into(),
                    task_definition: Some("arn:aws:ecs:us-east-1:123456789012:task-definition/checkout:43".into()),
                    created_at: Some(t("2026-11-15T14:00:00Z")),
                    updated_at: Some(t("2026-11-15T15:58:00Z")),
                    rollout_state: Some("FAILED".into()),
                    rollout_state_reason: None,
                },
            ],
            events: vec![
                (t("2026-11-15T15:41:00Z"), "(service checkout) (deployment ecs-svc/1111111111111111111) deployment failed: tasks failed to start.".into()),
                (t("2026-11-15T15:40:30Z"), "(service checkout) ECS deployment circuit breaker: rolling back to deploymentId ecs-svc/2222222222222222222".into()),
                (t("2026-11-10T09:06:00Z"), "(service checkout) has reached a steady state.".into()),
            ],
            strategy: Some("ROLLING".into()),
        };
        let ds = from_describe_services("checkout", &record);
        assert_eq!(ds.len(), 2);
        assert!(ds[0].rollback.is_none());
        let bad = &ds[1];
        assert_eq!(bad.status, "FAILED");
        let rb = bad.rollback.as_ref().unwrap();
        assert_eq!(rb.trigger, RollbackTrigger::CircuitBreaker);
        assert_eq!(rb.started_at, Some(t("2026-11-15T15:40:30Z")));
        assert_eq!(
            rb.reason.as_deref(),
            Some("deployment failed: tasks failed to start")
        );
        assert_eq!(bad.finished_at, Some(t("2026-11-15T15:58:00Z")));
        assert!(bad.target.as_deref().unwrap().ends_with("checkout:43"));
    }

    #[test]
    fn image_tags_come_from_the_image_reference() {
        let i = Image {
            image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/checkout:1.4.3".into(),
            digest: None,
        };
        assert_eq!(i.tag(), Some("1.4.3"));
        let untagged = Image {
            image: "localhost:5000/checkout".into(),
            digest: Some("sha256:abc".into()),
        };
        assert_eq!(untagged.tag(), None);
    }
}
