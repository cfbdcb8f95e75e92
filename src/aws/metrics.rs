//! Reading CloudWatch metrics: the `MetricsReader` capability (one `GetMetricData` page per
//! call, in our own types) and its SDK implementation. Paging and all-or-nothing fetching are
//! the CloudWatch source, which works with any reader.

use super::error::AwsError;
use crate::core::sli_metrics::MetricQuery;
use crate::core::window::TimeRange;
use aws_sdk_cloudwatch::Client;
use aws_sdk_cloudwatch::primitives::DateTime as AwsDateTime;
use aws_sdk_cloudwatch::types::{
    Dimension, Metric, MetricDataQuery, MetricStat, ScanBy, StatusCode,
};
use chrono::{DateTime, Utc};
use std::future::Future;

/// One query's answer in one page.
#[derive(Clone, Debug, PartialEq)]
pub struct QueryPage {
    pub id: String,
    /// CloudWatch could not compute this query (`StatusCode: InternalError`).
    pub internal_error: bool,
    /// `(period start, value)`.
    pub points: Vec<(DateTime<Utc>, f64)>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct MetricDataPage {
    pub results: Vec<QueryPage>,
    pub next_token: Option<String>,
}

/// Reads metric data.
pub trait MetricsReader {
    /// One `GetMetricData` request: `queries` (each with its id set) over `range`, the page
    /// after `next_token`.
    fn get_metric_data(
        &self,
        queries: &[MetricQuery],
        range: TimeRange,
        next_token: Option<String>,
    ) -> impl Future<Output = Result<MetricDataPage, AwsError>> + Send;
}

/// CloudWatch through the SDK.
#[derive(Clone, Debug)]
pub struct CloudWatchMetrics {
    client: Client,
}

impl CloudWatchMetrics {
    pub fn new(config: &aws_config::SdkConfig) -> CloudWatchMetrics {
        CloudWatchMetrics {
            client: Client::new(config),
        }
    }
}

impl MetricsReader for CloudWatchMetrics {
    async fn get_metric_data(
        &self,
        queries: &[MetricQuery],
        range: TimeRange,
        next_token: Option<String>,
    ) -> Result<MetricDataPage, AwsError> {
        let answer = self
            .client
            .get_metric_data()
            .set_metric_data_queries(Some(queries.iter().map(to_sdk).collect()))
            .start_time(AwsDateTime::from_secs(range.start.timestamp()))
            .end_time(AwsDateTime::from_secs(range.end.timestamp()))
            .scan_by(ScanBy::TimestampAscending)
            .set_next_token(next_token)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("GetMetricData", &e))?;
        Ok(MetricDataPage {
            results: answer
                .metric_data_results()
                .iter()
                .map(|r| QueryPage {
                    id: r.id().unwrap_or_default().to_owned(),
                    internal_error: r.status_code() == Some(&StatusCode::InternalError),
                    points: r
                        .timestamps()
                        .iter()
                        .zip(r.values())
                        .filter_map(|(t, v)| Some((super::utc(t)?, *v)))
                        .collect(),
                })
                .collect(),
            next_token: answer.next_token().map(str::to_owned),
        })
    }
}

fn to_sdk(q: &MetricQuery) -> MetricDataQuery {
    let dimensions = q
        .dimensions
        .iter()
        .map(|(name, value)| Dimension::builder().name(*name).value(value).build())
        .collect();
    let metric = Metric::builder()
        .namespace(q.namespace)
        .metric_name(q.metric)
        .set_dimensions(Some(dimensions))
        .build();
    MetricDataQuery::builder()
        .id(&q.id)
        .metric_stat(
            MetricStat::builder()
                .metric(metric)
                .period(i32::try_from(q.period_secs).unwrap_or(i32::MAX))
                .stat(q.stat.to_string())
                .build(),
        )
        .return_data(true)
        .build()
}

/// Writes the heartbeat `slo serve` puts every minute: the `slo:heartbeat` alarm (and through
/// it each service's fallback composite) watches it.
pub trait HeartbeatWriter {
    fn put_heartbeat(&self, at: DateTime<Utc>)
    -> impl Future<Output = Result<(), AwsError>> + Send;
}

impl HeartbeatWriter for CloudWatchMetrics {
    async fn put_heartbeat(&self, at: DateTime<Utc>) -> Result<(), AwsError> {
        use crate::core::alarms::naming::{HEARTBEAT_METRIC, HEARTBEAT_NAMESPACE};
        let datum = aws_sdk_cloudwatch::types::MetricDatum::builder()
            .metric_name(HEARTBEAT_METRIC)
            .value(1.0)
            .unit(aws_sdk_cloudwatch::types::StandardUnit::Count)
            .timestamp(AwsDateTime::from_secs(at.timestamp()))
            .build();
        self.client
            .put_metric_data()
            .namespace(HEARTBEAT_NAMESPACE)
            .metric_data(datum)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("PutMetricData", &e))?;
        Ok(())
    }
}
