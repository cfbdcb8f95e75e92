//! One evaluation of every objective at an instant, from either source: what `slo report`
//! prints and what `slo serve` refreshes. The sources are chosen by the caller; the numbers
//! come out the same way from both.

use crate::aws::MetricsReader;
use crate::aws::athena::QueryEngine;
use crate::aws::s3::ObjectStore;
use crate::core::deployments::ServiceHistory;
use crate::core::events::SeriesError;
use crate::core::model::{ObjectiveKey, ServiceSlo};
use crate::core::packed::PackedData;
use crate::report::{AthenaSummary, Carry, Report, Since, SourceSummary, build, build_since};
use crate::source::access_log::{LogFile, ScanOptions, Selection, scan_with};
use crate::source::athena::{self, AthenaError, AthenaOptions};
use crate::source::cloudwatch::incremental::SeriesCache;
use crate::source::cloudwatch::{self, FetchError};
use chrono::{DateTime, TimeDelta, Utc};
use std::collections::BTreeMap;
use std::sync::atomic::AtomicU64;

#[derive(Debug, thiserror::Error)]
pub enum EvaluateError {
    #[error(transparent)]
    Fetch(#[from] FetchError),
    #[error("CloudWatch returned data slo cannot use")]
    Series(#[from] SeriesError),
}

impl From<cloudwatch::fetch::AssembleError> for EvaluateError {
    fn from(e: cloudwatch::fetch::AssembleError) -> EvaluateError {
        match e {
            cloudwatch::fetch::AssembleError::Fetch(f) => EvaluateError::Fetch(f),
            cloudwatch::fetch::AssembleError::Series(s) => EvaluateError::Series(s),
        }
    }
}

/// A report and where its numbers came from.
#[derive(Clone, Debug)]
pub struct Evaluation {
    pub report: Report,
    pub source: SourceSummary,
    /// Each objective's events: what the HTML report's charts draw.
    pub data: crate::core::collected::Collected,
    /// Each service's deployments, for reports built again from `data` (the SLO review's
    /// periods).
    pub histories: BTreeMap<String, ServiceHistory>,
}

/// Every objective of `slos` at `at`, exactly, from ALB access-log `files`, read as `options`
/// say (threads, large files split); `progress` is advanced by the bytes read. Malformed lines
/// and unreadable files are counted in the source summary, never as good.
pub fn from_access_logs(
    slos: &[&ServiceSlo],
    files: &[LogFile],
    histories: &BTreeMap<String, ServiceHistory>,
    at: DateTime<Utc>,
    window_override: Option<TimeDelta>,
    options: ScanOptions,
    progress: Option<&AtomicU64>,
) -> Evaluation {
    let selection = Selection::new(slos, at, window_override);
    from_scan(
        slos,
        scan_with(files, &selection, options, progress),
        histories,
        at,
        window_override,
    )
}

/// Every objective of `slos` at `at` from a scan of ALB access logs (local files, S3 objects).
pub fn from_scan(
    slos: &[&ServiceSlo],
    scanned: crate::source::access_log::Scan,
    histories: &BTreeMap<String, ServiceHistory>,
    at: DateTime<Utc>,
    window_override: Option<TimeDelta>,
) -> Evaluation {
    Evaluation {
        report: build(slos, &scanned.data, histories, at, window_override),
        source: SourceSummary::AccessLogs(scanned.stats),
        data: scanned.data,
        histories: histories.clone(),
    }
}

/// Every objective of `slos` at `at` from CloudWatch ALB metrics. `now` decides which periods
/// CloudWatch still keeps (60 s data for 15 days, 300 s for 63, 3600 s for 455). All calls
/// succeed or none counts: a partial report would silently under-count.
pub async fn from_cloudwatch<R: MetricsReader>(
    slos: &[&ServiceSlo],
    reader: &R,
    histories: &BTreeMap<String, ServiceHistory>,
    at: DateTime<Utc>,
    window_override: Option<TimeDelta>,
    now: DateTime<Utc>,
) -> Result<Evaluation, EvaluateError> {
    let calls = cloudwatch::pack(cloudwatch::queries(slos, at, window_override, now));
    let (data, requests) = cloudwatch::fetch::fetch_assembled(reader, calls, |d| d).await?;
    Ok(Evaluation {
        report: build(slos, &data, histories, at, window_override),
        source: SourceSummary::CloudWatch { calls: requests },
        data,
        histories: histories.clone(),
    })
}

/// Every objective of `slos` at `at` from ALB access logs, counted by one Athena query over
/// `options.table` (priced first from the objects its partitions hold, in `store`). Also
/// what the user should hear: what it scanned and cost, and why there was no estimate.
pub async fn from_athena<Q: QueryEngine, S: ObjectStore>(
    slos: &[&ServiceSlo],
    (engine, store): (&Q, &S),
    options: &AthenaOptions,
    histories: &BTreeMap<String, ServiceHistory>,
    at: DateTime<Utc>,
    window_override: Option<TimeDelta>,
) -> Result<(Evaluation, Vec<String>), AthenaError> {
    let query = athena::query::build(&options.table, slos, at, window_override);
    let ran = athena::run(
        engine,
        store,
        options,
        &query,
        std::time::Duration::from_millis(200),
    )
    .await?;
    let mut warnings = Vec::new();
    if let Err(why) = &ran.estimate {
        warnings.push(format!(
            "the Athena query was not priced before it ran ({why}); --max-scan could not hold it"
        ));
    }
    warnings.push(format!(
        "Athena query {} over {} scanned {} (${:.4} at ${}/TB){}",
        ran.query_id,
        options.table,
        athena::human_bytes(ran.scanned_bytes),
        athena::price_usd(ran.scanned_bytes),
        athena::USD_PER_TB,
        match &ran.estimate {
            Ok(e) => format!(
                "; estimated {} from {} object(s)",
                athena::human_bytes(e.bytes),
                e.objects
            ),
            Err(_) => String::new(),
        }
    ));
    let summary = AthenaSummary {
        table: options.table.to_string(),
        query_id: ran.query_id,
        scanned_bytes: ran.scanned_bytes,
        estimated_bytes: ran.estimate.as_ref().ok().map(|e| e.bytes),
        rows: ran.rows,
    };
    Ok((
        Evaluation {
            report: build(slos, &ran.data, histories, at, window_override),
            source: SourceSummary::Athena(summary),
            data: ran.data,
            histories: histories.clone(),
        },
        warnings,
    ))
}

/// A refresh: the report, and what it took.
#[derive(Clone, Debug)]
pub struct Refreshed {
    pub report: Report,
    /// `GetMetricData` requests made (pages included).
    pub calls: usize,
    /// Metric queries asked.
    pub queries: usize,
}

/// What `slo serve` keeps from one refresh to the next: every objective's series, and what
/// each objective's last report left for the next (its alarms' replay, gone on from rather
/// than done again over the whole window).
#[derive(Debug, Default)]
pub struct Kept {
    pub series: std::sync::RwLock<SeriesCache>,
    carried: std::sync::Mutex<BTreeMap<ObjectiveKey, Carry>>,
}

/// Like [`from_cloudwatch`], but reading only what changed since the last refresh into `kept`
/// (`slo serve`): the first call for an objective reads its whole data range, later ones the
/// last minutes. On failure the cache is unchanged, so the next refresh reads the gap.
pub async fn refresh_from_cloudwatch<R: MetricsReader>(
    slos: &[&ServiceSlo],
    reader: &R,
    kept: &Kept,
    histories: &BTreeMap<String, ServiceHistory>,
    now: DateTime<Utc>,
) -> Result<Refreshed, EvaluateError> {
    let asked = read_lock(&kept.series).queries(slos, now, now);
    let queries = asked.len();
    let (fresh, requests) =
        cloudwatch::fetch::fetch_assembled(reader, cloudwatch::pack(asked.clone()), |d| {
            PackedData::pack(&d)
        })
        .await?;
    let mut guard = kept.series.write().unwrap_or_else(|e| e.into_inner());
    guard.absorb_assembled(slos, &asked, fresh, now, now)?;
    let guard = std::sync::RwLockWriteGuard::downgrade(guard);
    let mut carried = kept.carried.lock().unwrap_or_else(|e| e.into_inner());
    let last = std::mem::take(&mut *carried);
    let since = |key: &ObjectiveKey| {
        Some(Since {
            carry: last.get(key),
            change: guard.change(key)?,
        })
    };
    let (report, carry) = build_since(slos, &*guard, histories, now, None, &since);
    *carried = carry;
    Ok(Refreshed {
        report,
        calls: requests,
        queries,
    })
}

fn read_lock<T>(l: &std::sync::RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    l.read().unwrap_or_else(|e| e.into_inner())
}

/// Every spec's deployments over what a report at `at` reads (its data range, and the lead
/// time before it), from ECS; and the warnings for the services that could not be read.
pub async fn deployment_histories<R: crate::aws::DeploymentReader>(
    slos: &[&ServiceSlo],
    reader: &R,
    at: DateTime<Utc>,
    window_override: Option<TimeDelta>,
) -> (BTreeMap<String, ServiceHistory>, Vec<String>) {
    let mut histories = BTreeMap::new();
    let mut warnings = Vec::new();
    for slo in slos {
        let mut range = crate::core::assess::data_range(&[slo], at, window_override);
        range.start -= slo.correlation_lead;
        let fetched = crate::report::history::history(reader, slo, range).await;
        warnings.extend(fetched.warning);
        histories.insert(slo.service.clone(), fetched.history);
    }
    (histories, warnings)
}
