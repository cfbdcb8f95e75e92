//! Reading application logs from CloudWatch Logs: the `LogReader` capability (one
//! `FilterLogEvents` page per call) and its SDK implementation.

use super::error::AwsError;
use crate::core::alarms::MetricFilter;
use crate::core::evidence::LogLine;
use aws_sdk_cloudwatchlogs::Client;
use chrono::{DateTime, Utc};
use std::future::Future;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LogPage {
    pub events: Vec<LogLine>,
    pub next_token: Option<String>,
}

pub trait LogReader {
    /// One page of `group`'s events in `[from, to)` matching `filter_pattern` (a CloudWatch
    /// Logs filter pattern; `None`: every event).
    fn filter_log_events(
        &self,
        group: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        filter_pattern: Option<&str>,
        next_token: Option<String>,
    ) -> impl Future<Output = Result<LogPage, AwsError>> + Send;
}

#[derive(Clone, Debug)]
pub struct CloudWatchLogs {
    client: Client,
}

impl CloudWatchLogs {
    pub fn new(config: &aws_config::SdkConfig) -> CloudWatchLogs {
        CloudWatchLogs {
            client: Client::new(config),
        }
    }
}

impl LogReader for CloudWatchLogs {
    async fn filter_log_events(
        &self,
        group: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        filter_pattern: Option<&str>,
        next_token: Option<String>,
    ) -> Result<LogPage, AwsError> {
        let page = self
            .client
            .filter_log_events()
            .log_group_name(group)
            .start_time(from.timestamp_millis())
            .end_time(to.timestamp_millis())
            .set_filter_pattern(filter_pattern.map(str::to_owned))
            .set_next_token(next_token)
            .limit(10_000)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("FilterLogEvents", &e))?;
        Ok(LogPage {
            events: page
                .events()
                .iter()
                .filter_map(|e| {
                    Some(LogLine {
                        timestamp: DateTime::from_timestamp_millis(e.timestamp()?)?,
                        message: e.message()?.to_owned(),
                    })
                })
                .collect(),
            next_token: page.next_token().map(str::to_owned),
        })
    }
}

/// Where metric filters live.
pub trait MetricFilterStore {
    /// Every filter whose name starts with `prefix`, on any log group.
    fn list_filters(
        &self,
        prefix: &str,
    ) -> impl Future<Output = Result<Vec<MetricFilter>, AwsError>> + Send;

    /// Whether the log group exists.
    fn log_group_exists(&self, group: &str) -> impl Future<Output = Result<bool, AwsError>> + Send;

    /// Creates or replaces (same name, same group) the filter.
    fn put_filter(
        &self,
        filter: &MetricFilter,
    ) -> impl Future<Output = Result<(), AwsError>> + Send;

    fn delete_filter(
        &self,
        name: &str,
        log_group: &str,
    ) -> impl Future<Output = Result<(), AwsError>> + Send;
}

impl MetricFilterStore for CloudWatchLogs {
    async fn list_filters(&self, prefix: &str) -> Result<Vec<MetricFilter>, AwsError> {
        let mut out = Vec::new();
        let mut token = None;
        loop {
            let page = self
                .client
                .describe_metric_filters()
                .filter_name_prefix(prefix)
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("DescribeMetricFilters", &e))?;
            for f in page.metric_filters() {
                let t = f.metric_transformations().first();
                out.push(MetricFilter {
                    name: f.filter_name().unwrap_or_default().to_owned(),
                    log_group: f.log_group_name().unwrap_or_default().to_owned(),
                    pattern: f.filter_pattern().unwrap_or_default().to_owned(),
                    namespace: t
                        .map(|t| t.metric_namespace().to_owned())
                        .unwrap_or_default(),
                    metric: t.map(|t| t.metric_name().to_owned()).unwrap_or_default(),
                });
            }
            token = page.next_token().map(str::to_owned);
            if token.is_none() {
                return Ok(out);
            }
        }
    }

    async fn log_group_exists(&self, group: &str) -> Result<bool, AwsError> {
        let page = self
            .client
            .describe_log_groups()
            .log_group_name_prefix(group)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("DescribeLogGroups", &e))?;
        Ok(page
            .log_groups()
            .iter()
            .any(|g| g.log_group_name() == Some(group)))
    }

    async fn put_filter(&self, f: &MetricFilter) -> Result<(), AwsError> {
        let transformation = aws_sdk_cloudwatchlogs::types::MetricTransformation::builder()
            .metric_name(&f.metric)
            .metric_namespace(&f.namespace)
            .metric_value("1")
            .build()
            .map_err(|e| {
                AwsError::new(
                    "PutMetricFilter",
                    super::ErrorKind::InvalidRequest,
                    e.to_string(),
                )
            })?;
        self.client
            .put_metric_filter()
            .filter_name(&f.name)
            .log_group_name(&f.log_group)
            .filter_pattern(&f.pattern)
            .metric_transformations(transformation)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("PutMetricFilter", &e))?;
        Ok(())
    }

    async fn delete_filter(&self, name: &str, log_group: &str) -> Result<(), AwsError> {
        self.client
            .delete_metric_filter()
            .filter_name(name)
            .log_group_name(log_group)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("DeleteMetricFilter", &e))?;
        Ok(())
    }
}
