//! Runs the planned `GetMetricData` calls through any `MetricsReader`, following `NextToken`.
//! All calls succeed or the fetch fails: a partial report would silently under-count.

use super::assemble::QueryResult;
use super::plan::MetricQuery;
use crate::aws::MAX_ATTEMPTS;
use crate::aws::error::AwsError;
use crate::aws::metrics::MetricsReader;
use chrono::{DateTime, Utc};
use std::collections::HashMap;

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The call still failed after the SDK's retries; names the queries it carried.
    #[error("GetMetricData failed for {queries} (after {MAX_ATTEMPTS} attempts)")]
    Call {
        queries: String,
        #[source]
        source: AwsError,
    },
    #[error("GetMetricData reported an internal error for {query}")]
    Internal { query: String },
}

/// The results of every query of every call, and how many requests it took (pages included).
pub async fn fetch<R: MetricsReader>(
    reader: &R,
    calls: Vec<Vec<MetricQuery>>,
) -> Result<(Vec<QueryResult>, usize), FetchError> {
    let mut out = Vec::new();
    let mut requests = 0;
    for call in calls {
        out.extend(fetch_call(reader, call, &mut requests).await?);
    }
    Ok((out, requests))
}

async fn fetch_call<R: MetricsReader>(
    reader: &R,
    call: Vec<MetricQuery>,
    requests: &mut usize,
) -> Result<Vec<QueryResult>, FetchError> {
    let Some(first) = call.first() else {
        return Ok(Vec::new());
    };
    let range = first.range;
    let mut points: HashMap<String, Vec<(DateTime<Utc>, f64)>> = HashMap::new();
    let mut token: Option<String> = None;
    loop {
        *requests += 1;
        let page = reader
            .get_metric_data(&call, range, token.take())
            .await
            .map_err(|source| FetchError::Call {
                queries: describe(&call),
                source,
            })?;
        for r in page.results {
            if r.internal_error {
                let query = call
                    .iter()
                    .find(|q| q.id == r.id)
                    .map_or(r.id.clone(), |q| q.label.clone());
                return Err(FetchError::Internal { query });
            }
            points.entry(r.id).or_default().extend(r.points);
        }
        token = page.next_token;
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

/// `checkout/availability RequestCount Sum, … and 12 more`.
fn describe(call: &[MetricQuery]) -> String {
    let shown: Vec<&str> = call.iter().take(3).map(|q| q.label.as_str()).collect();
    let mut s = shown.join(", ");
    if call.len() > shown.len() {
        s.push_str(&format!(" and {} more", call.len() - shown.len()));
    }
    s
}
