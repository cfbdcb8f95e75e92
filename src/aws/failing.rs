//! A wrapper that makes chosen calls of any capability fail (after mountpoint-s3's failure
//! client), so retry and half-way paths are tested without a network: "the third put is
//! throttled", "every call is denied".

use super::alarms::{
    AlarmStore, AlarmWatcher, CompositeState, DashboardStore, MuteRuleStore, StateChange,
};
use super::athena::{QueryEngine, QueryPlace, QueryStatus, ResultPage};
use super::ecs::{DeploymentAlarmStore, DeploymentReader};
use super::error::{AwsError, ErrorKind};
use super::inventory::{EcsService, Inventory, LoadBalancer, TargetGroup};
use super::journal::{Journal, JournalError};
use super::logs::{LogPage, LogReader, MetricFilterStore};
use super::metrics::{HeartbeatWriter, MetricDataPage, MetricsReader};
use super::s3::{Listing, ObjectStore};
use super::sns::Publisher;
use crate::core::alarms::mute::MuteRule;
use crate::core::alarms::{Alarm, MetricFilter};
use crate::core::deployments::{EcsServiceRecord, Image, ServiceDeploymentRecord};
use crate::core::notify::JournalState;
use crate::core::sli_metrics::MetricQuery;
use crate::core::window::TimeRange;
use chrono::{DateTime, Utc};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Which calls fail: counted from 1 across every method of the wrapped capability.
#[derive(Clone, Debug)]
pub enum FailOn {
    /// These call numbers.
    Calls(BTreeSet<usize>),
    /// This call and every one after it.
    From(usize),
}

#[derive(Debug)]
pub struct Failing<T> {
    pub inner: T,
    fail_on: FailOn,
    kind: ErrorKind,
    calls: AtomicUsize,
}

impl<T> Failing<T> {
    /// The `k`-th call (from 1) fails with `kind`; the others reach `inner`.
    pub fn kth(inner: T, k: usize, kind: ErrorKind) -> Failing<T> {
        Failing::new(inner, FailOn::Calls([k].into()), kind)
    }

    pub fn new(inner: T, fail_on: FailOn, kind: ErrorKind) -> Failing<T> {
        Failing {
            inner,
            fail_on,
            kind,
            calls: AtomicUsize::new(0),
        }
    }

    /// Calls made so far, failed ones included.
    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    fn check(&self, operation: &'static str) -> Result<(), AwsError> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        let fails = match &self.fail_on {
            FailOn::Calls(set) => set.contains(&n),
            FailOn::From(k) => n >= *k,
        };
        if fails {
            Err(AwsError::new(
                operation,
                self.kind,
                format!("injected failure of call {n} ({:?})", self.kind),
            ))
        } else {
            Ok(())
        }
    }
}

impl<T: AlarmStore + Sync> AlarmStore for Failing<T> {
    async fn list(&self, prefix: &str) -> Result<Vec<Alarm>, AwsError> {
        self.check("DescribeAlarms")?;
        self.inner.list(prefix).await
    }

    async fn put(&self, alarm: &Alarm, retag: bool) -> Result<(), AwsError> {
        self.check(if alarm.is_composite() {
            "PutCompositeAlarm"
        } else {
            "PutMetricAlarm"
        })?;
        self.inner.put(alarm, retag).await
    }

    async fn delete(&self, names: &[String]) -> Result<(), AwsError> {
        self.check("DeleteAlarms")?;
        self.inner.delete(names).await
    }
}

impl<T: MetricsReader + Sync> MetricsReader for Failing<T> {
    async fn get_metric_data(
        &self,
        queries: &[MetricQuery],
        range: TimeRange,
        next_token: Option<String>,
    ) -> Result<MetricDataPage, AwsError> {
        self.check("GetMetricData")?;
        self.inner.get_metric_data(queries, range, next_token).await
    }
}

impl<T: DeploymentAlarmStore + Sync> DeploymentAlarmStore for Failing<T> {
    async fn deployment_alarms(
        &self,
        cluster: &str,
        service: &str,
    ) -> Result<crate::core::alarms::deployment::DeploymentAlarms, AwsError> {
        self.check("DescribeServices")?;
        self.inner.deployment_alarms(cluster, service).await
    }

    async fn set_deployment_alarms(
        &self,
        cluster: &str,
        service: &str,
        alarms: &crate::core::alarms::deployment::DeploymentAlarms,
    ) -> Result<(), AwsError> {
        self.check("UpdateService")?;
        self.inner
            .set_deployment_alarms(cluster, service, alarms)
            .await
    }
}

impl<T: DeploymentReader + Sync> DeploymentReader for Failing<T> {
    async fn list_service_deployments(
        &self,
        cluster: &str,
        service: &str,
        created: TimeRange,
        next_token: Option<String>,
    ) -> Result<(Vec<String>, Option<String>), AwsError> {
        self.check("ListServiceDeployments")?;
        self.inner
            .list_service_deployments(cluster, service, created, next_token)
            .await
    }

    async fn describe_service_deployments(
        &self,
        arns: &[String],
    ) -> Result<Vec<ServiceDeploymentRecord>, AwsError> {
        self.check("DescribeServiceDeployments")?;
        self.inner.describe_service_deployments(arns).await
    }

    async fn describe_service_revisions(
        &self,
        arns: &[String],
    ) -> Result<Vec<(String, Vec<Image>)>, AwsError> {
        self.check("DescribeServiceRevisions")?;
        self.inner.describe_service_revisions(arns).await
    }

    async fn describe_service(
        &self,
        cluster: &str,
        service: &str,
    ) -> Result<EcsServiceRecord, AwsError> {
        self.check("DescribeServices")?;
        self.inner.describe_service(cluster, service).await
    }
}

impl<T: HeartbeatWriter + Sync> HeartbeatWriter for Failing<T> {
    async fn put_heartbeat(&self, at: DateTime<Utc>) -> Result<(), AwsError> {
        self.check("PutMetricData")?;
        self.inner.put_heartbeat(at).await
    }
}

impl<T: AlarmWatcher + Sync> AlarmWatcher for Failing<T> {
    async fn composite_states(&self, prefix: &str) -> Result<Vec<CompositeState>, AwsError> {
        self.check("DescribeAlarms")?;
        self.inner.composite_states(prefix).await
    }

    async fn state_changes(
        &self,
        prefix: &str,
        from: DateTime<Utc>,
    ) -> Result<Vec<StateChange>, AwsError> {
        self.check("DescribeAlarmHistory")?;
        self.inner.state_changes(prefix, from).await
    }

    async fn metric_alarm_states(&self, prefix: &str) -> Result<Vec<CompositeState>, AwsError> {
        self.check("DescribeAlarms")?;
        self.inner.metric_alarm_states(prefix).await
    }
}

impl<T: DashboardStore + Sync> DashboardStore for Failing<T> {
    async fn list_dashboards(
        &self,
        prefix: &str,
    ) -> Result<Vec<(String, serde_json::Value)>, AwsError> {
        self.check("ListDashboards")?;
        self.inner.list_dashboards(prefix).await
    }

    async fn put_dashboard(&self, name: &str, body: &serde_json::Value) -> Result<(), AwsError> {
        self.check("PutDashboard")?;
        self.inner.put_dashboard(name, body).await
    }

    async fn delete_dashboard(&self, name: &str) -> Result<(), AwsError> {
        self.check("DeleteDashboards")?;
        self.inner.delete_dashboard(name).await
    }
}

impl<T: MuteRuleStore + Sync> MuteRuleStore for Failing<T> {
    async fn list_mute_rules(&self, prefix: &str) -> Result<Vec<MuteRule>, AwsError> {
        self.check("ListAlarmMuteRules")?;
        self.inner.list_mute_rules(prefix).await
    }

    async fn put_mute_rule(&self, rule: &MuteRule) -> Result<(), AwsError> {
        self.check("PutAlarmMuteRule")?;
        self.inner.put_mute_rule(rule).await
    }

    async fn delete_mute_rule(&self, name: &str) -> Result<(), AwsError> {
        self.check("DeleteAlarmMuteRule")?;
        self.inner.delete_mute_rule(name).await
    }
}

impl<T: ObjectStore + Sync> ObjectStore for Failing<T> {
    async fn list(&self, bucket: &str, prefix: &str, delimited: bool) -> Result<Listing, AwsError> {
        self.check("ListObjectsV2")?;
        self.inner.list(bucket, prefix, delimited).await
    }

    async fn get(&self, bucket: &str, key: &str) -> Result<Vec<u8>, AwsError> {
        self.check("GetObject")?;
        self.inner.get(bucket, key).await
    }

    async fn get_range(
        &self,
        bucket: &str,
        key: &str,
        start: u64,
        end: u64,
    ) -> Result<Vec<u8>, AwsError> {
        self.check("GetObject")?;
        self.inner.get_range(bucket, key, start, end).await
    }
}

impl<T: QueryEngine + Sync> QueryEngine for Failing<T> {
    async fn table_parameters(
        &self,
        database: &str,
        table: &str,
    ) -> Result<Option<std::collections::BTreeMap<String, String>>, AwsError> {
        self.check("GetTableMetadata")?;
        self.inner.table_parameters(database, table).await
    }

    async fn start(&self, sql: &str, place: &QueryPlace) -> Result<String, AwsError> {
        self.check("StartQueryExecution")?;
        self.inner.start(sql, place).await
    }

    async fn status(&self, id: &str) -> Result<QueryStatus, AwsError> {
        self.check("GetQueryExecution")?;
        self.inner.status(id).await
    }

    async fn results(&self, id: &str, token: Option<String>) -> Result<ResultPage, AwsError> {
        self.check("GetQueryResults")?;
        self.inner.results(id, token).await
    }
}

impl<T: LogReader + Sync> LogReader for Failing<T> {
    async fn filter_log_events(
        &self,
        group: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        filter_pattern: Option<&str>,
        next_token: Option<String>,
    ) -> Result<LogPage, AwsError> {
        self.check("FilterLogEvents")?;
        self.inner
            .filter_log_events(group, from, to, filter_pattern, next_token)
            .await
    }
}

impl<T: MetricFilterStore + Sync> MetricFilterStore for Failing<T> {
    async fn list_filters(&self, prefix: &str) -> Result<Vec<MetricFilter>, AwsError> {
        self.check("DescribeMetricFilters")?;
        self.inner.list_filters(prefix).await
    }

    async fn log_group_exists(&self, group: &str) -> Result<bool, AwsError> {
        self.check("DescribeLogGroups")?;
        self.inner.log_group_exists(group).await
    }

    async fn put_filter(&self, filter: &MetricFilter) -> Result<(), AwsError> {
        self.check("PutMetricFilter")?;
        self.inner.put_filter(filter).await
    }

    async fn delete_filter(&self, name: &str, log_group: &str) -> Result<(), AwsError> {
        self.check("DeleteMetricFilter")?;
        self.inner.delete_filter(name, log_group).await
    }
}

impl<T: Publisher + Sync> Publisher for Failing<T> {
    async fn publish(
        &self,
        topic: &str,
        subject: &str,
        message: &str,
        dedup: &str,
    ) -> Result<String, AwsError> {
        self.check("Publish")?;
        self.inner.publish(topic, subject, message, dedup).await
    }
}

impl<T: Inventory + Sync> Inventory for Failing<T> {
    async fn cluster_exists(&self, cluster: &str) -> Result<bool, AwsError> {
        self.check("DescribeClusters")?;
        self.inner.cluster_exists(cluster).await
    }

    async fn list_services(
        &self,
        cluster: &str,
        next_token: Option<String>,
    ) -> Result<(Vec<String>, Option<String>), AwsError> {
        self.check("ListServices")?;
        self.inner.list_services(cluster, next_token).await
    }

    async fn describe_services(
        &self,
        cluster: &str,
        services: &[String],
    ) -> Result<Vec<EcsService>, AwsError> {
        self.check("DescribeServices")?;
        self.inner.describe_services(cluster, services).await
    }

    async fn log_group(&self, task_definition: &str) -> Result<Option<String>, AwsError> {
        self.check("DescribeTaskDefinition")?;
        self.inner.log_group(task_definition).await
    }

    async fn describe_target_groups(&self, arns: &[String]) -> Result<Vec<TargetGroup>, AwsError> {
        self.check("DescribeTargetGroups")?;
        self.inner.describe_target_groups(arns).await
    }

    async fn describe_load_balancers(
        &self,
        arns: &[String],
    ) -> Result<Vec<LoadBalancer>, AwsError> {
        self.check("DescribeLoadBalancers")?;
        self.inner.describe_load_balancers(arns).await
    }

    async fn access_logs(
        &self,
        load_balancer_arn: &str,
    ) -> Result<Option<(String, String)>, AwsError> {
        self.check("DescribeLoadBalancerAttributes")?;
        self.inner.access_logs(load_balancer_arn).await
    }
}

/// The journal's failures are AWS failures of its store (DynamoDB's, for the injected ones).
impl<T: Journal + Sync> Journal for Failing<T> {
    async fn load(&self) -> Result<JournalState, JournalError> {
        self.check("GetItem").map_err(injected_journal)?;
        self.inner.load().await
    }

    async fn save(&self, state: &JournalState) -> Result<(), JournalError> {
        self.check("PutItem").map_err(injected_journal)?;
        self.inner.save(state).await
    }

    async fn claim(&self, id: &str, now: DateTime<Utc>) -> Result<bool, JournalError> {
        self.check("PutItem").map_err(injected_journal)?;
        self.inner.claim(id, now).await
    }
}

fn injected_journal(source: AwsError) -> JournalError {
    JournalError::Aws {
        table: "(injected)".to_owned(),
        source,
    }
}
