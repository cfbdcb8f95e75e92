//! The only code that talks to CloudWatch for metrics: runs the planned `GetMetricData`
//! calls, following `NextToken`, with the SDK retrying throttling and 5xx with backoff.

use super::assemble::QueryResult;
use super::plan::{MetricQuery, NAMESPACE};
use crate::aws::MAX_ATTEMPTS;
use aws_sdk_cloudwatch::Client;
use aws_sdk_cloudwatch::primitives::DateTime as AwsDateTime;
use aws_sdk_cloudwatch::types::{
    Dimension, Metric, MetricDataQuery, MetricStat, ScanBy, StatusCode,
};
use chrono::{DateTime, Utc};
use std::collections::HashMap;

#[derive(Debug, thiserror::Error)]
pub enum CloudWatchError {
    /// The call still failed after the SDK's retries; names the queries it carried.
    #[error("GetMetricData failed for {queries}: {message}")]
    Call { queries: String, message: String },
    #[error("GetMetricData reported an internal error for {query}")]
    Internal { query: String },
}

/// Reads ALB metrics from CloudWatch.
pub struct CloudWatchMetrics {
    client: Client,
    calls: usize,
}

impl CloudWatchMetrics {
    /// Configured the way the AWS CLI is: the default credential chain, `AWS_PROFILE`,
    /// `AWS_REGION`, `AWS_ENDPOINT_URL`.
    pub async fn from_environment() -> CloudWatchMetrics {
        CloudWatchMetrics {
            client: Client::new(&crate::aws::load_config().await),
            calls: 0,
        }
    }

    /// `GetMetricData` requests sent so far (pages included, retries not).
    pub fn calls(&self) -> usize {
        self.calls
    }

    /// Runs every call; all of them succeed or the whole fetch fails: a partial report would
    /// silently under-count.
    pub async fn fetch(
        &mut self,
        calls: Vec<Vec<MetricQuery>>,
    ) -> Result<Vec<QueryResult>, CloudWatchError> {
        let mut out = Vec::new();
        for call in calls {
            out.extend(self.fetch_call(call).await?);
        }
        Ok(out)
    }

    async fn fetch_call(
        &mut self,
        call: Vec<MetricQuery>,
    ) -> Result<Vec<QueryResult>, CloudWatchError> {
        let Some(first) = call.first() else {
            return Ok(Vec::new());
        };
        let range = first.range;
        let sdk_queries: Vec<MetricDataQuery> = call.iter().map(to_sdk).collect();
        let mut points: HashMap<String, Vec<(DateTime<Utc>, f64)>> = HashMap::new();
        let mut token: Option<String> = None;
        loop {
            self.calls += 1;
            let answer = self
                .client
                .get_metric_data()
                .set_metric_data_queries(Some(sdk_queries.clone()))
                .start_time(AwsDateTime::from_secs(range.start.timestamp()))
                .end_time(AwsDateTime::from_secs(range.end.timestamp()))
                .scan_by(ScanBy::TimestampAscending)
                .set_next_token(token.take())
                .send()
                .await
                .map_err(|e| CloudWatchError::Call {
                    queries: describe(&call),
                    message: format!(
                        "{} (after {MAX_ATTEMPTS} attempts)",
                        crate::aws::error_message(&e)
                    ),
                })?;
            for r in answer.metric_data_results() {
                let id = r.id().unwrap_or_default().to_owned();
                if r.status_code() == Some(&StatusCode::InternalError) {
                    let query = call
                        .iter()
                        .find(|q| q.id == id)
                        .map_or(id.clone(), |q| q.label.clone());
                    return Err(CloudWatchError::Internal { query });
                }
                let entry = points.entry(id).or_default();
                for (t, v) in r.timestamps().iter().zip(r.values()) {
                    if let Some(t) = DateTime::from_timestamp(t.secs(), t.subsec_nanos()) {
                        entry.push((t, *v));
                    }
                }
            }
            token = answer.next_token().map(str::to_owned);
            if token.is_none() {
                break;
            }
        }
        Ok(call
            .into_iter()
            .map(|q| QueryResult {
                points: points.remove(&q.id).unwrap_or_default(),
                query: q,
            })
            .collect())
    }
}

fn to_sdk(q: &MetricQuery) -> MetricDataQuery {
    let dimensions = q
        .dimensions
        .iter()
        .map(|(name, value)| Dimension::builder().name(*name).value(value).build())
        .collect();
    let metric = Metric::builder()
        .namespace(NAMESPACE)
        .metric_name(q.metric)
        .set_dimensions(Some(dimensions))
        .build();
    MetricDataQuery::builder()
        .id(&q.id)
        .metric_stat(
            MetricStat::builder()
                .metric(metric)
                .period(i32::try_from(q.period_secs).unwrap_or(i32::MAX))
                .stat(&q.stat)
                .build(),
        )
        .return_data(true)
        .build()
}

/// `checkout/availability RequestCount Sum, … and 12 more`.
fn describe(call: &[MetricQuery]) -> String {
    let shown: Vec<&str> = call.iter().take(3).map(|q| q.label.as_str()).collect();
    let mut s = shown.join(", ");
    if call.len() > shown.len() {
        s.push_str(&format!(" and {} more", call.len() - shown.len()));
    }
    s
}
