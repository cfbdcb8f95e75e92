//! ECS deployment history: the `DeploymentReader` capability (one ECS call per method, in our
//! own types) and its SDK implementation. Paging, batching and the fallback to
//! `DescribeServices` are the report's deployment history, which works with any reader.

use super::error::{AwsError, ErrorKind};
use crate::core::alarms::deployment::DeploymentAlarms;
use crate::core::deployments::{
    EcsDeploymentRecord, EcsServiceRecord, Image, ServiceDeploymentRecord,
};
use crate::core::window::TimeRange;
use aws_sdk_ecs::Client;
use aws_sdk_ecs::primitives::DateTime as AwsDateTime;
use aws_sdk_ecs::types::CreatedAt;
use chrono::{DateTime, Utc};
use std::future::Future;

/// An ECS service's deployment alarms (`ecs.rollbackOnBurn`): read with its deployment
/// controller, and written back inside the whole `deploymentConfiguration` as read, so the
/// circuit breaker, the percentages and the strategy survive.
pub trait DeploymentAlarmStore {
    fn deployment_alarms(
        &self,
        cluster: &str,
        service: &str,
    ) -> impl Future<Output = Result<DeploymentAlarms, AwsError>> + Send;

    fn set_deployment_alarms(
        &self,
        cluster: &str,
        service: &str,
        alarms: &DeploymentAlarms,
    ) -> impl Future<Output = Result<(), AwsError>> + Send;
}

/// `DescribeServiceDeployments` and `DescribeServiceRevisions` take at most this many ARNs.
pub const MAX_ARNS_PER_DESCRIBE: usize = 20;

pub trait DeploymentReader {
    /// One page of the ARNs of `service`'s deployments created in `created`.
    fn list_service_deployments(
        &self,
        cluster: &str,
        service: &str,
        created: TimeRange,
        next_token: Option<String>,
    ) -> impl Future<Output = Result<(Vec<String>, Option<String>), AwsError>> + Send;

    /// At most [`MAX_ARNS_PER_DESCRIBE`] deployments.
    fn describe_service_deployments(
        &self,
        arns: &[String],
    ) -> impl Future<Output = Result<Vec<ServiceDeploymentRecord>, AwsError>> + Send;

    /// The images of at most [`MAX_ARNS_PER_DESCRIBE`] service revisions, by revision ARN.
    fn describe_service_revisions(
        &self,
        arns: &[String],
    ) -> impl Future<Output = Result<Vec<(String, Vec<Image>)>, AwsError>> + Send;

    /// `DescribeServices` for one service: its current deployments and recent events.
    fn describe_service(
        &self,
        cluster: &str,
        service: &str,
    ) -> impl Future<Output = Result<EcsServiceRecord, AwsError>> + Send;
}

#[derive(Clone, Debug)]
pub struct EcsDeployments {
    client: Client,
}

impl EcsDeployments {
    pub fn new(config: &aws_config::SdkConfig) -> EcsDeployments {
        EcsDeployments {
            client: Client::new(config),
        }
    }
}

fn time(t: Option<&AwsDateTime>) -> Option<DateTime<Utc>> {
    t.and_then(super::utc)
}

fn aws_time(t: DateTime<Utc>) -> AwsDateTime {
    AwsDateTime::from_secs(t.timestamp())
}

impl DeploymentReader for EcsDeployments {
    async fn list_service_deployments(
        &self,
        cluster: &str,
        service: &str,
        created: TimeRange,
        next_token: Option<String>,
    ) -> Result<(Vec<String>, Option<String>), AwsError> {
        let page = self
            .client
            .list_service_deployments()
            .cluster(cluster)
            .service(service)
            .created_at(
                CreatedAt::builder()
                    .after(aws_time(created.start))
                    .before(aws_time(created.end))
                    .build(),
            )
            .max_results(100)
            .set_next_token(next_token)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("ListServiceDeployments", &e))?;
        Ok((
            page.service_deployments()
                .iter()
                .filter_map(|d| d.service_deployment_arn().map(str::to_owned))
                .collect(),
            page.next_token().map(str::to_owned),
        ))
    }

    async fn describe_service_deployments(
        &self,
        arns: &[String],
    ) -> Result<Vec<ServiceDeploymentRecord>, AwsError> {
        let answer = self
            .client
            .describe_service_deployments()
            .set_service_deployment_arns(Some(arns.to_vec()))
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("DescribeServiceDeployments", &e))?;
        Ok(answer
            .service_deployments()
            .iter()
            .map(|d| ServiceDeploymentRecord {
                arn: d.service_deployment_arn().unwrap_or_default().to_owned(),
                service_arn: d.service_arn().map(str::to_owned),
                status: d
                    .status()
                    .map(|s| s.as_str().to_owned())
                    .unwrap_or_default(),
                status_reason: d.status_reason().map(str::to_owned),
                created_at: time(d.created_at()),
                started_at: time(d.started_at()),
                finished_at: time(d.finished_at()),
                stopped_at: time(d.stopped_at()),
                target_revision_arn: d
                    .target_service_revision()
                    .and_then(|r| r.arn())
                    .map(str::to_owned),
                rollback_reason: d.rollback().and_then(|r| r.reason()).map(str::to_owned),
                rollback_started_at: d.rollback().and_then(|r| time(r.started_at())),
                rolled_back: d.rollback().is_some(),
                circuit_breaker: d.deployment_circuit_breaker().map(|c| {
                    (
                        c.status()
                            .map(|s| s.as_str().to_owned())
                            .unwrap_or_default(),
                        c.failure_count().max(0) as u32,
                        c.threshold().max(0) as u32,
                    )
                }),
                triggered_alarms: d
                    .alarms()
                    .map(|a| a.triggered_alarm_names().to_vec())
                    .unwrap_or_default(),
                strategy: d
                    .deployment_configuration()
                    .and_then(|c| c.strategy())
                    .map(|s| s.as_str().to_owned()),
            })
            .collect())
    }

    async fn describe_service_revisions(
        &self,
        arns: &[String],
    ) -> Result<Vec<(String, Vec<Image>)>, AwsError> {
        let answer = self
            .client
            .describe_service_revisions()
            .set_service_revision_arns(Some(arns.to_vec()))
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("DescribeServiceRevisions", &e))?;
        Ok(answer
            .service_revisions()
            .iter()
            .map(|r| {
                (
                    r.service_revision_arn().unwrap_or_default().to_owned(),
                    r.container_images()
                        .iter()
                        .filter_map(|i| {
                            Some(Image {
                                image: i.image()?.to_owned(),
                                digest: i.image_digest().map(str::to_owned),
                            })
                        })
                        .collect(),
                )
            })
            .collect())
    }

    async fn describe_service(
        &self,
        cluster: &str,
        service: &str,
    ) -> Result<EcsServiceRecord, AwsError> {
        let s = &self.service(cluster, service).await?;
        Ok(EcsServiceRecord {
            deployments: s
                .deployments()
                .iter()
                .map(|d| EcsDeploymentRecord {
                    id: d.id().unwrap_or_default().to_owned(),
                    status: d.status().unwrap_or_default().to_owned(),
                    task_definition: d.task_definition().map(str::to_owned),
                    created_at: time(d.created_at()),
                    updated_at: time(d.updated_at()),
                    rollout_state: d.rollout_state().map(|r| r.as_str().to_owned()),
                    rollout_state_reason: d.rollout_state_reason().map(str::to_owned),
                })
                .collect(),
            events: s
                .events()
                .iter()
                .filter_map(|e| Some((time(e.created_at())?, e.message()?.to_owned())))
                .collect(),
            strategy: s
                .deployment_configuration()
                .and_then(|c| c.strategy())
                .map(|s| s.as_str().to_owned()),
        })
    }
}

impl EcsDeployments {
    /// The service as `DescribeServices` gives it; a service ECS does not know is `NotFound`,
    /// with ECS's reason.
    async fn service(
        &self,
        cluster: &str,
        service: &str,
    ) -> Result<aws_sdk_ecs::types::Service, AwsError> {
        let answer = self
            .client
            .describe_services()
            .cluster(cluster)
            .services(service)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("DescribeServices", &e))?;
        answer.services().first().cloned().ok_or_else(|| {
            let reason = answer
                .failures()
                .first()
                .and_then(|f| f.reason())
                .unwrap_or("MISSING");
            AwsError::new(
                "DescribeServices",
                ErrorKind::NotFound,
                format!("service {cluster}/{service}: {reason}"),
            )
        })
    }
}

impl DeploymentAlarmStore for EcsDeployments {
    async fn deployment_alarms(
        &self,
        cluster: &str,
        service: &str,
    ) -> Result<DeploymentAlarms, AwsError> {
        let s = self.service(cluster, service).await?;
        let alarms = s.deployment_configuration().and_then(|c| c.alarms());
        Ok(DeploymentAlarms {
            controller: s
                .deployment_controller()
                .map(|c| c.r#type().as_str().to_owned()),
            names: alarms.map(|a| a.alarm_names().to_vec()).unwrap_or_default(),
            enable: alarms.is_some_and(|a| a.enable()),
            rollback: alarms.is_some_and(|a| a.rollback()),
        })
    }

    async fn set_deployment_alarms(
        &self,
        cluster: &str,
        service: &str,
        alarms: &DeploymentAlarms,
    ) -> Result<(), AwsError> {
        let s = self.service(cluster, service).await?;
        let mut config = s
            .deployment_configuration()
            .cloned()
            .unwrap_or_else(|| aws_sdk_ecs::types::DeploymentConfiguration::builder().build());
        config.alarms = Some(
            aws_sdk_ecs::types::DeploymentAlarms::builder()
                .set_alarm_names(Some(alarms.names.clone()))
                .enable(alarms.enable)
                .rollback(alarms.rollback)
                .build()
                .map_err(|e| {
                    AwsError::new("UpdateService", ErrorKind::InvalidRequest, e.to_string())
                })?,
        );
        self.client
            .update_service()
            .cluster(cluster)
            .service(service)
            .deployment_configuration(config)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("UpdateService", &e))?;
        Ok(())
    }
}
