//! Runs the planned `GetMetricData` calls through any `MetricsReader`, following `NextToken`.
//! All calls succeed or the fetch fails: a partial report would silently under-count.

use super::assemble::QueryResult;
use super::plan::MetricQuery;
use crate::aws::MAX_ATTEMPTS;
use crate::aws::error::AwsError;
use crate::aws::metrics::MetricsReader;
use crate::core::collected::ObjectiveData;
use crate::core::model::ObjectiveKey;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
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

/// Every objective's series from every call, assembled objective by objective as soon as all
/// its queries are answered, and handed to `keep` (`slo serve` packs them): only one call's
/// datapoints (at most 100,800) and the objectives it leaves half-answered are held at a time,
/// never the whole window's points of every objective (24 bytes a datapoint: 5.7 GB for 10,000
/// objectives over 33 days at 300 s). The same series as [`fetch`] then `assemble`; all calls
/// succeed or none counts.
pub async fn fetch_assembled<R: MetricsReader, T>(
    reader: &R,
    calls: Vec<Vec<MetricQuery>>,
    keep: impl Fn(ObjectiveData) -> T,
) -> Result<(BTreeMap<ObjectiveKey, T>, usize), AssembleError> {
    // Calls of few datapoints first: the latency objectives' P99 (one datapoint each, over
    // their own range) would otherwise come last, and every latency objective's raw answers
    // would wait for it (2.3 GB at 10,000 objectives).
    let mut calls = calls;
    calls.sort_by_key(|c| c.iter().map(MetricQuery::datapoints).sum::<u64>());
    let mut expected: BTreeMap<ObjectiveKey, usize> = BTreeMap::new();
    for q in calls.iter().flatten() {
        *expected.entry(q.objective.clone()).or_default() += 1;
    }
    let mut pending: BTreeMap<ObjectiveKey, Vec<QueryResult>> = BTreeMap::new();
    let mut out = BTreeMap::new();
    let mut requests = 0;
    for call in calls {
        for r in fetch_call(reader, call, &mut requests).await? {
            let key = r.query.objective.clone();
            let waiting = pending.entry(key.clone()).or_default();
            waiting.push(r);
            if waiting.len() == expected.get(&key).copied().unwrap_or(0) {
                let done = pending.remove(&key).unwrap_or_default();
                out.extend(
                    super::assemble(&done)?
                        .into_iter()
                        .map(|(k, d)| (k, keep(d))),
                );
            }
        }
    }
    Ok((out, requests))
}

#[derive(Debug, thiserror::Error)]
pub enum AssembleError {
    #[error(transparent)]
    Fetch(#[from] FetchError),
    #[error("CloudWatch returned data slo cannot use")]
    Series(#[from] crate::core::events::SeriesError),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::ErrorKind;
    use crate::aws::failing::Failing;
    use crate::aws::memory::ScriptedMetrics;
    use crate::aws::metrics::{MetricDataPage, QueryPage};
    use crate::core::model::ObjectiveKey;
    use crate::core::sli_metrics::Role;
    use crate::core::stat::Stat;
    use crate::core::window::TimeRange;
    use chrono::TimeDelta;

    fn t(m: i64) -> DateTime<Utc> {
        "2026-11-20T00:00:00Z".parse::<DateTime<Utc>>().unwrap() + TimeDelta::minutes(m)
    }

    fn call() -> Vec<MetricQuery> {
        ["q0", "q1"]
            .into_iter()
            .map(|id| MetricQuery {
                id: id.into(),
                objective: ObjectiveKey::new("checkout", "availability"),
                role: Role::Requests,
                namespace: "AWS/ApplicationELB",
                metric: "RequestCount",
                dimensions: vec![],
                stat: Stat::Sum,
                period_secs: 60,
                range: TimeRange::ending_at(t(0), TimeDelta::hours(1)),
                label: format!("checkout/availability RequestCount Sum ({id})"),
            })
            .collect()
    }

    fn page(id: &str, points: &[(i64, f64)], next: Option<&str>) -> MetricDataPage {
        MetricDataPage {
            results: vec![QueryPage {
                id: id.into(),
                internal_error: false,
                points: points.iter().map(|(m, v)| (t(*m), *v)).collect(),
            }],
            next_token: next.map(str::to_owned),
        }
    }

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(f)
    }

    #[test]
    fn pages_are_followed_and_joined_per_query() {
        let reader = ScriptedMetrics::new([
            page("q0", &[(-2, 5.0)], Some("t1")),
            page("q0", &[(-1, 7.0)], Some("t2")),
            page("q1", &[(-1, 1.0)], None),
        ]);
        let (results, requests) = block_on(fetch(&reader, vec![call()])).unwrap();
        assert_eq!(requests, 3);
        assert_eq!(results[0].points, vec![(t(-2), 5.0), (t(-1), 7.0)]);
        assert_eq!(results[1].points, vec![(t(-1), 1.0)]);
    }

    #[test]
    fn a_failed_page_fails_the_whole_fetch_and_says_why_and_which_queries() {
        let reader = Failing::kth(
            ScriptedMetrics::new([page("q0", &[(-2, 5.0)], Some("t1"))]),
            2,
            ErrorKind::Throttled,
        );
        let err = block_on(fetch(&reader, vec![call()])).unwrap_err();
        let FetchError::Call { queries, source } = &err else {
            panic!("{err}")
        };
        assert!(
            queries.contains("(q0)") && queries.contains("(q1)"),
            "{queries}"
        );
        assert_eq!(source.kind, ErrorKind::Throttled);
        assert!(err.to_string().contains("after 5 attempts"));
    }

    #[test]
    fn an_internal_error_for_one_query_names_it() {
        let mut p = page("q1", &[], None);
        p.results[0].internal_error = true;
        let err = block_on(fetch(&ScriptedMetrics::new([p]), vec![call()])).unwrap_err();
        assert!(err.to_string().contains("(q1)"), "{err}");
    }
}
