//! ALB access logs read by Athena, where they are, when one machine is not enough: one query
//! per report over the table AWS documents (`ddl`, what `slo init --athena` prints), priced
//! before it runs from the sizes of the objects its partitions hold, and refused above
//! `--max-scan`. The answer becomes the same series the access-log scanner gives (`results`),
//! so budgets, burn rates, incidents and replay are computed as for every other source.

pub mod ddl;
pub mod query;
pub mod results;

use crate::aws::AwsError;
use crate::aws::athena::{QueryEngine, QueryPlace, QueryState};
use crate::aws::s3::ObjectStore;
use crate::core::collected::Collected;
use crate::source::access_log::s3::S3Url;
use query::{Query, TableName};
use std::time::Duration;

/// Athena's price: $5 per TB scanned (10^12 bytes), at least 10 MB a query.
/// <https://aws.amazon.com/athena/pricing/>
pub const USD_PER_TB: f64 = 5.0;
pub const MIN_BILLED_BYTES: u64 = 10_000_000;

/// The default `--max-scan`: 500 GB, $2.50. The example's logs take 146 bytes a request
/// gzipped (664 plain), so thirty days of a 1,000 request/s load balancer are about 380 GB
/// (less with ALB's own, better compression): a month's report of a busy service runs; a
/// 455-day window of it (5.8 TB, $29) asked for by mistake does not.
pub const DEFAULT_MAX_SCAN: &str = "500GB";

/// What a query would cost at most, and what it did cost.
pub fn price_usd(bytes: u64) -> f64 {
    bytes.max(MIN_BILLED_BYTES) as f64 / 1e12 * USD_PER_TB
}

/// `50GB`, `1.5TB`, `500MB` (decimal units, as Athena bills), or a number of bytes.
pub fn parse_bytes(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let scale: f64 = match unit.to_ascii_uppercase().as_str() {
        "" | "B" => 1.0,
        "KB" => 1e3,
        "MB" => 1e6,
        "GB" => 1e9,
        "TB" => 1e12,
        _ => return Err(format!("{text}: write a size such as 50GB, 1TB or 500MB")),
    };
    match number.trim().parse::<f64>() {
        Ok(n) if n.is_finite() && n >= 0.0 => Ok((n * scale).round() as u64),
        _ => Err(format!("{text}: write a size such as 50GB, 1TB or 500MB")),
    }
}

/// Bytes as people read them: `1.2 GB`.
pub fn human_bytes(bytes: u64) -> String {
    let b = bytes as f64;
    for (unit, scale) in [("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)] {
        if b >= scale {
            return format!("{:.1} {unit}", b / scale);
        }
    }
    format!("{bytes} B")
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AthenaOptions {
    pub table: TableName,
    pub workgroup: Option<String>,
    pub output: Option<String>,
    pub max_scan: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum AthenaError {
    #[error(
        "Athena has no table {0} (in the AwsDataCatalog); `slo init --athena` prints the CREATE EXTERNAL TABLE for your log bucket"
    )]
    NoTable(TableName),
    #[error(
        "the query would scan about {} (${:.2}) of {table}, over --max-scan {} ({days}); give a shorter --window, or a larger --max-scan",
        human_bytes(*.estimate), price_usd(*.estimate), human_bytes(*.max)
    )]
    TooLarge {
        table: TableName,
        estimate: u64,
        max: u64,
        days: String,
    },
    #[error("Athena query {id} {state}: {reason}")]
    Failed {
        id: String,
        state: &'static str,
        reason: String,
    },
    #[error("Athena query {id} did not finish within {} minutes", .waited.as_secs() / 60)]
    Timeout { id: String, waited: Duration },
    #[error("cannot {what}")]
    Aws {
        what: String,
        #[source]
        source: AwsError,
    },
    #[error("Athena's answer to query {id}: {source}")]
    Answer {
        id: String,
        #[source]
        source: results::ResultError,
    },
}

fn aws(what: impl Into<String>) -> impl FnOnce(AwsError) -> AthenaError {
    let what = what.into();
    move |source| AthenaError::Aws { what, source }
}

/// The bytes under the query's partitions, from the table's `storage.location.template`
/// (partition projection) or its `location`; `Err` says why there is no estimate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Estimate {
    pub bytes: u64,
    pub objects: usize,
}

async fn estimate<S: ObjectStore>(
    store: &S,
    parameters: &std::collections::BTreeMap<String, String>,
    query: &Query,
) -> Result<Estimate, String> {
    let template = match (
        parameters.get("storage.location.template"),
        parameters.get("location"),
    ) {
        (Some(t), _) if t.contains("${day}") => t.clone(),
        (_, Some(l)) if !l.is_empty() => format!("{}/${{day}}", l.trim_end_matches('/')),
        _ => {
            return Err(
                "the table names no storage.location.template or location to size its partitions by"
                    .to_owned(),
            );
        }
    };
    let mut total = Estimate {
        bytes: 0,
        objects: 0,
    };
    let mut day = query.days.0;
    while day <= query.days.1 {
        let place = template.replace("${day}", &day.format("%Y/%m/%d").to_string());
        let place = if place.ends_with('/') {
            place
        } else {
            format!("{place}/")
        };
        let url = match S3Url::parse(&place) {
            Some(Ok(u)) => u,
            _ => return Err(format!("{place} is not an s3:// location")),
        };
        let listing = store
            .list(&url.bucket, &url.prefix, false)
            .await
            .map_err(|e| format!("cannot list {place}: {e}"))?;
        total.objects += listing.objects.len();
        total.bytes += listing.objects.iter().map(|(_, size)| size).sum::<u64>();
        day += chrono::TimeDelta::days(1);
    }
    Ok(total)
}

/// What a report read from Athena.
#[derive(Clone, Debug)]
pub struct Ran {
    pub data: Collected,
    pub query_id: String,
    pub scanned_bytes: u64,
    /// The estimate made before running it, or why there was none.
    pub estimate: Result<Estimate, String>,
    pub rows: usize,
}

/// How long to wait between status calls: quick at first (small queries take seconds), then
/// every 2 s.
fn poll_delay(attempt: u32, first: Duration) -> Duration {
    (first * 2u32.saturating_pow(attempt.min(5))).min(Duration::from_secs(2))
}

/// Longer than Athena's own DML timeout (30 minutes by default).
const MAX_WAIT: Duration = Duration::from_secs(35 * 60);

/// Runs `query` as `options` say: the table checked, the scan estimated and held to
/// `max_scan`, the query started, polled (first after `first_poll`) and read to its last page.
pub async fn run<Q: QueryEngine, S: ObjectStore>(
    engine: &Q,
    store: &S,
    options: &AthenaOptions,
    query: &Query,
    first_poll: Duration,
) -> Result<Ran, AthenaError> {
    let table = &options.table;
    let parameters = engine
        .table_parameters(&table.database, &table.table)
        .await
        .map_err(aws(format!("read Athena table {table}")))?
        .ok_or_else(|| AthenaError::NoTable(table.clone()))?;
    let estimate = estimate(store, &parameters, query).await;
    if let Ok(e) = &estimate
        && e.bytes > options.max_scan
    {
        return Err(AthenaError::TooLarge {
            table: table.clone(),
            estimate: e.bytes,
            max: options.max_scan,
            days: format!(
                "{} object(s) under the days {} to {}",
                e.objects,
                query.days.0.format("%Y/%m/%d"),
                query.days.1.format("%Y/%m/%d")
            ),
        });
    }
    let place = QueryPlace {
        database: table.database.clone(),
        workgroup: options.workgroup.clone(),
        output: options.output.clone(),
    };
    let id = engine
        .start(&query.sql, &place)
        .await
        .map_err(aws("start the Athena query"))?;
    let started = std::time::Instant::now();
    let mut attempt = 0;
    let status = loop {
        tokio::time::sleep(poll_delay(attempt, first_poll)).await;
        attempt += 1;
        let status = engine
            .status(&id)
            .await
            .map_err(aws(format!("read the state of Athena query {id}")))?;
        if status.state.is_done() {
            break status;
        }
        if started.elapsed() > MAX_WAIT {
            return Err(AthenaError::Timeout {
                id,
                waited: MAX_WAIT,
            });
        }
    };
    if status.state != QueryState::Succeeded {
        return Err(AthenaError::Failed {
            id,
            state: if status.state == QueryState::Cancelled {
                "was cancelled"
            } else {
                "failed"
            },
            reason: status
                .reason
                .unwrap_or_else(|| "Athena gave no reason".to_owned()),
        });
    }
    let mut answer = results::Answer::default();
    let mut token = None;
    loop {
        let page = engine
            .results(&id, token)
            .await
            .map_err(aws(format!("read the results of Athena query {id}")))?;
        if answer.columns.is_empty() {
            answer.columns = page.columns;
        }
        answer.rows.extend(page.rows);
        token = page.next;
        if token.is_none() {
            break;
        }
    }
    let data = results::collect(query, &answer).map_err(|source| AthenaError::Answer {
        id: id.clone(),
        source,
    })?;
    Ok(Ran {
        data,
        query_id: id,
        scanned_bytes: status.scanned_bytes.unwrap_or(0),
        estimate,
        rows: answer.rows.len(),
    })
}

#[cfg(test)]
mod run_tests;
