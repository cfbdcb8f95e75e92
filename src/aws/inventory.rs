//! What runs in the account, for `slo init`: ECS services (and their task definitions' log
//! groups) and the Elastic Load Balancing v2 target groups and load balancers in front of
//! them. The `Inventory` capability, one AWS call per method, and its SDK implementation.

use super::error::AwsError;
use aws_sdk_ecs::types::LogDriver;
use std::future::Future;

/// `DescribeServices` takes at most this many services.
pub const MAX_SERVICES_PER_DESCRIBE: usize = 10;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EcsService {
    pub cluster: String,
    pub name: String,
    pub target_group_arns: Vec<String>,
    pub task_definition: Option<String>,
    /// `ECS`, `CODE_DEPLOY` or `EXTERNAL`.
    pub deployment_controller: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TargetGroup {
    pub arn: String,
    pub name: String,
    pub load_balancer_arns: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LoadBalancer {
    pub arn: String,
    /// `application`, `network` or `gateway`.
    pub kind: String,
}

pub trait Inventory {
    /// Whether the cluster exists.
    fn cluster_exists(&self, cluster: &str) -> impl Future<Output = Result<bool, AwsError>> + Send;

    /// One page of the cluster's service ARNs.
    fn list_services(
        &self,
        cluster: &str,
        next_token: Option<String>,
    ) -> impl Future<Output = Result<(Vec<String>, Option<String>), AwsError>> + Send;

    /// At most [`MAX_SERVICES_PER_DESCRIBE`] services (names or ARNs); those ECS does not know
    /// are left out.
    fn describe_services(
        &self,
        cluster: &str,
        services: &[String],
    ) -> impl Future<Output = Result<Vec<EcsService>, AwsError>> + Send;

    /// The `awslogs-group` of the task definition's first container that logs with awslogs.
    fn log_group(
        &self,
        task_definition: &str,
    ) -> impl Future<Output = Result<Option<String>, AwsError>> + Send;

    fn describe_target_groups(
        &self,
        arns: &[String],
    ) -> impl Future<Output = Result<Vec<TargetGroup>, AwsError>> + Send;

    fn describe_load_balancers(
        &self,
        arns: &[String],
    ) -> impl Future<Output = Result<Vec<LoadBalancer>, AwsError>> + Send;

    /// Where the load balancer writes its access logs, `(bucket, prefix)`; `None` when they
    /// are off.
    fn access_logs(
        &self,
        load_balancer_arn: &str,
    ) -> impl Future<Output = Result<Option<(String, String)>, AwsError>> + Send;
}

#[derive(Clone, Debug)]
pub struct AwsInventory {
    ecs: aws_sdk_ecs::Client,
    elb: aws_sdk_elasticloadbalancingv2::Client,
}

impl AwsInventory {
    pub fn new(config: &aws_config::SdkConfig) -> AwsInventory {
        AwsInventory {
            ecs: aws_sdk_ecs::Client::new(config),
            elb: aws_sdk_elasticloadbalancingv2::Client::new(config),
        }
    }
}

impl Inventory for AwsInventory {
    async fn cluster_exists(&self, cluster: &str) -> Result<bool, AwsError> {
        let answer = self
            .ecs
            .describe_clusters()
            .clusters(cluster)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("DescribeClusters", &e))?;
        Ok(answer
            .clusters()
            .iter()
            .any(|c| c.status() != Some("INACTIVE")))
    }

    async fn list_services(
        &self,
        cluster: &str,
        next_token: Option<String>,
    ) -> Result<(Vec<String>, Option<String>), AwsError> {
        let page = self
            .ecs
            .list_services()
            .cluster(cluster)
            .max_results(100)
            .set_next_token(next_token)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("ListServices", &e))?;
        Ok((
            page.service_arns().to_vec(),
            page.next_token().map(str::to_owned),
        ))
    }

    async fn describe_services(
        &self,
        cluster: &str,
        services: &[String],
    ) -> Result<Vec<EcsService>, AwsError> {
        let answer = self
            .ecs
            .describe_services()
            .cluster(cluster)
            .set_services(Some(services.to_vec()))
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("DescribeServices", &e))?;
        Ok(answer
            .services()
            .iter()
            .filter(|s| s.status() != Some("INACTIVE"))
            .map(|s| EcsService {
                cluster: cluster.to_owned(),
                name: s.service_name().unwrap_or_default().to_owned(),
                target_group_arns: s
                    .load_balancers()
                    .iter()
                    .filter_map(|l| l.target_group_arn().map(str::to_owned))
                    .collect(),
                task_definition: s.task_definition().map(str::to_owned),
                deployment_controller: s
                    .deployment_controller()
                    .map(|c| c.r#type().as_str().to_owned()),
            })
            .collect())
    }

    async fn log_group(&self, task_definition: &str) -> Result<Option<String>, AwsError> {
        let answer = self
            .ecs
            .describe_task_definition()
            .task_definition(task_definition)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("DescribeTaskDefinition", &e))?;
        Ok(answer.task_definition().and_then(|td| {
            td.container_definitions().iter().find_map(|c| {
                let log = c.log_configuration()?;
                (*log.log_driver() == LogDriver::Awslogs)
                    .then(|| log.options()?.get("awslogs-group").cloned())
                    .flatten()
            })
        }))
    }

    async fn describe_target_groups(&self, arns: &[String]) -> Result<Vec<TargetGroup>, AwsError> {
        let answer = self
            .elb
            .describe_target_groups()
            .set_target_group_arns(Some(arns.to_vec()))
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("DescribeTargetGroups", &e))?;
        Ok(answer
            .target_groups()
            .iter()
            .map(|t| TargetGroup {
                arn: t.target_group_arn().unwrap_or_default().to_owned(),
                name: t.target_group_name().unwrap_or_default().to_owned(),
                load_balancer_arns: t.load_balancer_arns().to_vec(),
            })
            .collect())
    }

    async fn describe_load_balancers(
        &self,
        arns: &[String],
    ) -> Result<Vec<LoadBalancer>, AwsError> {
        let answer = self
            .elb
            .describe_load_balancers()
            .set_load_balancer_arns(Some(arns.to_vec()))
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("DescribeLoadBalancers", &e))?;
        Ok(answer
            .load_balancers()
            .iter()
            .map(|l| LoadBalancer {
                arn: l.load_balancer_arn().unwrap_or_default().to_owned(),
                kind: l
                    .r#type()
                    .map(|t| t.as_str().to_owned())
                    .unwrap_or_else(|| "application".to_owned()),
            })
            .collect())
    }

    async fn access_logs(
        &self,
        load_balancer_arn: &str,
    ) -> Result<Option<(String, String)>, AwsError> {
        let answer = self
            .elb
            .describe_load_balancer_attributes()
            .load_balancer_arn(load_balancer_arn)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("DescribeLoadBalancerAttributes", &e))?;
        let get = |key: &str| {
            answer
                .attributes()
                .iter()
                .find(|a| a.key() == Some(key))
                .and_then(|a| a.value())
                .unwrap_or_default()
                .to_owned()
        };
        if get("access_logs.s3.enabled") != "true" {
            return Ok(None);
        }
        Ok(Some((
            get("access_logs.s3.bucket"),
            get("access_logs.s3.prefix"),
        )))
    }
}
