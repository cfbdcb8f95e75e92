//! In-memory implementations of the AWS capabilities: the same contract as the SDK ones, no
//! network. Unit tests of the orchestration (apply, fetch) run against these, wrapped in
//! `failing` to break chosen calls; the emulator tests remain the end-to-end check.

use super::alarms::AlarmStore;
use super::error::AwsError;
use super::metrics::{MetricDataPage, MetricsReader};
use crate::core::alarms::Alarm;
use crate::core::sli_metrics::MetricQuery;
use crate::core::window::TimeRange;
use std::collections::BTreeMap;
use std::sync::Mutex;

/// Alarms kept in a map by name. Like CloudWatch, a put of an existing alarm keeps its tags
/// unless `retag` asks for the new ones.
#[derive(Debug, Default)]
pub struct MemoryAlarms {
    alarms: Mutex<BTreeMap<String, Alarm>>,
}

impl MemoryAlarms {
    pub fn new(alarms: impl IntoIterator<Item = Alarm>) -> MemoryAlarms {
        MemoryAlarms {
            alarms: Mutex::new(
                alarms
                    .into_iter()
                    .map(|a| (a.name().to_owned(), a))
                    .collect(),
            ),
        }
    }

    /// Every alarm, by name.
    pub fn snapshot(&self) -> BTreeMap<String, Alarm> {
        self.alarms
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

impl AlarmStore for MemoryAlarms {
    async fn list(&self, prefix: &str) -> Result<Vec<Alarm>, AwsError> {
        Ok(self
            .snapshot()
            .into_values()
            .filter(|a| a.name().starts_with(prefix))
            .collect())
    }

    async fn put(&self, alarm: &Alarm, retag: bool) -> Result<(), AwsError> {
        let mut alarms = self.alarms.lock().unwrap_or_else(|e| e.into_inner());
        let mut new = alarm.clone();
        if let (false, Some(old)) = (retag, alarms.get(alarm.name())) {
            new.set_tags(old.tags().clone());
        }
        alarms.insert(alarm.name().to_owned(), new);
        Ok(())
    }

    async fn delete(&self, names: &[String]) -> Result<(), AwsError> {
        let mut alarms = self.alarms.lock().unwrap_or_else(|e| e.into_inner());
        for n in names {
            alarms.remove(n);
        }
        Ok(())
    }
}

/// Answers `GetMetricData` from fixed pages, one per call, in order (then empty pages).
#[derive(Debug, Default)]
pub struct ScriptedMetrics {
    pages: Mutex<std::collections::VecDeque<MetricDataPage>>,
}

impl ScriptedMetrics {
    pub fn new(pages: impl IntoIterator<Item = MetricDataPage>) -> ScriptedMetrics {
        ScriptedMetrics {
            pages: Mutex::new(pages.into_iter().collect()),
        }
    }
}

impl MetricsReader for ScriptedMetrics {
    async fn get_metric_data(
        &self,
        _queries: &[MetricQuery],
        _range: TimeRange,
        _next_token: Option<String>,
    ) -> Result<MetricDataPage, AwsError> {
        let mut pages = self.pages.lock().unwrap_or_else(|e| e.into_inner());
        Ok(pages.pop_front().unwrap_or_default())
    }
}

/// One service's deployments, as ECS would answer for it (any cluster and service name).
#[derive(Debug, Default)]
pub struct MemoryDeployments {
    pub records: Vec<crate::core::deployments::ServiceDeploymentRecord>,
    pub service: crate::core::deployments::EcsServiceRecord,
}

impl crate::aws::ecs::DeploymentReader for MemoryDeployments {
    async fn list_service_deployments(
        &self,
        _cluster: &str,
        _service: &str,
        created: TimeRange,
        next_token: Option<String>,
    ) -> Result<(Vec<String>, Option<String>), AwsError> {
        // Two a page, so that paging is exercised.
        let all: Vec<String> = self
            .records
            .iter()
            .filter(|r| {
                r.created_at
                    .is_some_and(|t| created.start <= t && t <= created.end)
            })
            .map(|r| r.arn.clone())
            .collect();
        let from: usize = next_token.and_then(|t| t.parse().ok()).unwrap_or(0);
        let next = (from + 2 < all.len()).then(|| (from + 2).to_string());
        Ok((all.into_iter().skip(from).take(2).collect(), next))
    }

    async fn describe_service_deployments(
        &self,
        arns: &[String],
    ) -> Result<Vec<crate::core::deployments::ServiceDeploymentRecord>, AwsError> {
        Ok(self
            .records
            .iter()
            .filter(|r| arns.contains(&r.arn))
            .cloned()
            .collect())
    }

    async fn describe_service_revisions(
        &self,
        _arns: &[String],
    ) -> Result<Vec<(String, Vec<crate::core::deployments::Image>)>, AwsError> {
        Ok(Vec::new())
    }

    async fn describe_service(
        &self,
        _cluster: &str,
        _service: &str,
    ) -> Result<crate::core::deployments::EcsServiceRecord, AwsError> {
        Ok(self.service.clone())
    }
}
