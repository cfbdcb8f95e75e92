//! A wrapper that makes chosen calls of any capability fail (after mountpoint-s3's failure
//! client), so retry and half-way paths are tested without a network: "the third put is
//! throttled", "every call is denied".

use super::alarms::AlarmStore;
use super::error::{AwsError, ErrorKind};
use super::metrics::{MetricDataPage, MetricsReader};
use crate::core::alarms::Alarm;
use crate::core::sli_metrics::MetricQuery;
use crate::core::window::TimeRange;
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

impl<T: crate::aws::ecs::DeploymentReader + Sync> crate::aws::ecs::DeploymentReader for Failing<T> {
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
    ) -> Result<Vec<crate::core::deployments::ServiceDeploymentRecord>, AwsError> {
        self.check("DescribeServiceDeployments")?;
        self.inner.describe_service_deployments(arns).await
    }

    async fn describe_service_revisions(
        &self,
        arns: &[String],
    ) -> Result<Vec<(String, Vec<crate::core::deployments::Image>)>, AwsError> {
        self.check("DescribeServiceRevisions")?;
        self.inner.describe_service_revisions(arns).await
    }

    async fn describe_service(
        &self,
        cluster: &str,
        service: &str,
    ) -> Result<crate::core::deployments::EcsServiceRecord, AwsError> {
        self.check("DescribeServices")?;
        self.inner.describe_service(cluster, service).await
    }
}
