//! A report from the inputs a user names, as `slo report` and `slo postmortem` take them: ALB
//! access logs (no AWS call) or CloudWatch metrics; deployments from files or ECS; evidence
//! from files or CloudWatch Logs. The commands parse flags and print; the choosing is here.

use super::Warning;
use super::evaluate::{self, EvaluateError, Evaluation};
use super::evidence::AppLogsError;
use super::history::FileError;
use crate::core::deployments::ServiceHistory;
use crate::core::evidence::LogLine;
use crate::core::model::ServiceSlo;
use crate::core::window::TimeRange;
use crate::source::access_log::files::LogFile;
use crate::source::access_log::files::WalkError;
use crate::source::access_log::{ScanOptions, find_log_files};
use chrono::{DateTime, TimeDelta, Utc};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

/// Where a report's numbers, deployments and evidence come from.
#[derive(Clone, Debug, Default)]
pub struct Inputs {
    /// ALB access logs under this directory, instead of CloudWatch.
    pub access_logs: Option<PathBuf>,
    /// ALB access logs read by Athena from this table, instead of CloudWatch.
    pub athena: Option<crate::source::athena::AthenaOptions>,
    /// GETs in flight when the access logs are in S3; `None`: 16.
    pub s3_concurrency: Option<usize>,
    /// How the access logs are read (threads, pieces); `None`: every core.
    pub scan: Option<ScanOptions>,
    /// Deployments from these files (`aws ecs describe-service-deployments`), instead of ECS.
    pub deployments: Vec<PathBuf>,
    /// `(service, file)`: a service's application logs (`aws logs filter-log-events`), instead
    /// of its log group.
    pub app_logs: Vec<(String, PathBuf)>,
}

#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("--app-logs {service}=…: no spec has service `{service}`")]
    UnknownService { service: String },
    #[error(transparent)]
    Deployments(#[from] FileError),
    #[error(transparent)]
    AppLogs(#[from] AppLogsError),
    #[error(transparent)]
    Walk(#[from] WalkError),
    #[error("no access-log files (*.log, *.log.gz) under {}", .0.display())]
    NoLogFiles(PathBuf),
    #[error(transparent)]
    Evaluate(#[from] EvaluateError),
    #[error(transparent)]
    Athena(#[from] crate::source::athena::AthenaError),
    #[error("{0}; for a report without AWS, read ALB access logs with --access-logs DIR")]
    AwsConfig(crate::aws::AwsError),
    #[error("--access-logs {0}")]
    S3Url(String),
    #[error("{}", .0.join("\n"))]
    Region(Vec<String>),
    #[error("cannot read the access logs under {url}")]
    S3 {
        url: String,
        #[source]
        source: crate::aws::AwsError,
    },
    #[error(
        "no access-log object under {url} for the specs' load balancers in the window (found: {locations}); ALB writes AWSLogs/<account>/elasticloadbalancing/<region>/YYYY/MM/DD/ under the prefix"
    )]
    NoS3Logs { url: String, locations: String },
}

/// How far a scan of access logs is: bytes read of the total (set once the files are found).
#[derive(Debug, Default)]
pub struct Progress {
    pub read: AtomicU64,
    pub total: AtomicU64,
}

/// A report, and what the user should hear about it (services whose deployments or logs could
/// not be read).
#[derive(Debug)]
pub struct Evaluated {
    pub evaluation: Evaluation,
    pub warnings: Vec<String>,
}

/// The report at `at` (over `window` instead of each spec's, when given) from `inputs`.
pub async fn evaluate(
    slos: &[&ServiceSlo],
    inputs: &Inputs,
    at: DateTime<Utc>,
    window: Option<TimeDelta>,
    progress: &Progress,
) -> Result<Evaluated, InputError> {
    let mut warnings: Vec<String> = Vec::new();
    let from_files = (!inputs.deployments.is_empty())
        .then(|| super::history::from_files(&inputs.deployments, slos))
        .transpose()?
        .map(|f| {
            if !f.unmatched.is_empty() {
                warnings.push(format!(
                    "deployments of {} in --deployments match no spec's `ecs` cluster and service; they were left out",
                    f.unmatched.join(", ")
                ));
            }
            f.histories
        });
    let app_logs = read_app_logs(&inputs.app_logs, slos)?;
    let mut file_warnings = Vec::new();
    // `s3://bucket/prefix/`: what the window needs, read object by object as it arrives.
    let from_s3 = match inputs
        .access_logs
        .as_ref()
        .and_then(|p| crate::source::access_log::s3::S3Url::parse(&p.to_string_lossy()))
    {
        Some(url) => {
            let url = url.map_err(InputError::S3Url)?;
            let config = crate::aws::load_config().await;
            crate::aws::check_config(&config)
                .await
                .map_err(InputError::AwsConfig)?;
            let store = crate::aws::s3::S3Objects::new(&config);
            let selection = crate::source::access_log::Selection::new(slos, at, window);
            let threads = inputs.scan.map_or_else(
                || std::thread::available_parallelism().map_or(1, usize::from),
                |o| o.threads,
            );
            let (fetched, scanned, objects) = crate::source::access_log::s3::read(
                &store,
                &url,
                &selection,
                inputs
                    .s3_concurrency
                    .unwrap_or(crate::source::access_log::s3::DEFAULT_CONCURRENCY),
                threads,
                Some(&progress.read),
            )
            .await
            .map_err(|source| InputError::S3 {
                url: url.to_string(),
                source,
            })?;
            if fetched.objects == 0 {
                return Err(InputError::NoS3Logs {
                    url: url.to_string(),
                    locations: fetched.locations.join(", "),
                });
            }
            warnings.push(format!(
                "read {} object(s), {} bytes, from {url} ({}) in {} LIST and {} GET request(s)",
                fetched.objects,
                fetched.bytes,
                if fetched.locations.is_empty() {
                    "no AWSLogs/<account>/elasticloadbalancing/<region>/ under it".to_owned()
                } else {
                    fetched.locations.join(", ")
                },
                fetched.lists,
                fetched.gets
            ));
            Some((scanned, objects))
        }
        None => None,
    };
    // Not an `s3://` URL when `from_s3` is `None`: a local folder.
    let mut evaluation = match (from_s3, &inputs.access_logs) {
        (Some((scanned, objects)), _) => {
            let histories = from_files.unwrap_or_default();
            file_warnings = unmatched_load_balancers(slos, &objects);
            evaluate::from_scan(slos, scanned, &histories, at, window)
        }
        (None, Some(dir)) => {
            let histories = from_files.unwrap_or_default();
            let (evaluation, w) =
                from_access_logs(slos, dir, inputs.scan, &histories, at, window, progress)?;
            file_warnings = w;
            evaluation
        }
        (None, None) => {
            let config = crate::aws::load_config().await;
            crate::aws::check_config(&config)
                .await
                .map_err(InputError::AwsConfig)?;
            let region = config.region().map(|r| r.to_string()).unwrap_or_default();
            let wrong = crate::core::model::region_mismatches(slos, &region);
            if !wrong.is_empty() {
                return Err(InputError::Region(wrong));
            }
            let histories = match from_files {
                Some(h) => h,
                None => {
                    let ecs = crate::aws::EcsDeployments::new(&config);
                    let (h, w) = evaluate::deployment_histories(slos, &ecs, at, window).await;
                    warnings.extend(w);
                    h
                }
            };
            let mut evaluation = match &inputs.athena {
                Some(options) => {
                    let engine = crate::aws::athena::AthenaQueries::new(&config);
                    let store = crate::aws::s3::S3Objects::new(&config);
                    let (evaluation, w) = evaluate::from_athena(
                        slos,
                        (&engine, &store),
                        options,
                        &histories,
                        at,
                        window,
                    )
                    .await?;
                    warnings.extend(w);
                    evaluation
                }
                None => {
                    let reader = crate::aws::CloudWatchMetrics::new(&config);
                    evaluate::from_cloudwatch(slos, &reader, &histories, at, window, Utc::now())
                        .await?
                }
            };
            if app_logs.is_empty() {
                let logs = crate::aws::CloudWatchLogs::new(&config);
                warnings.extend(
                    super::evidence::attach_from_cloudwatch(&mut evaluation.report, slos, &logs)
                        .await,
                );
            }
            evaluation
        }
    };
    super::evidence::attach_from_files(&mut evaluation.report, slos, &app_logs);
    let mut report_warnings: Vec<Warning> = warnings
        .iter()
        .map(|w| Warning {
            kind: "source",
            message: w.clone(),
        })
        .collect();
    report_warnings.extend(file_warnings);
    let (span, coverage) = coverage(&evaluation.report, &evaluation.data);
    report_warnings.extend(coverage);
    warnings.extend(report_warnings.iter().map(|w| w.message.clone()));
    evaluation.report.warnings.extend(report_warnings);
    evaluation.report.input_span = span;
    Ok(Evaluated {
        evaluation,
        warnings,
    })
}

/// Data ending this long before the window's end (or starting after its start) is said.
const COVERAGE_SLACK: TimeDelta = TimeDelta::minutes(15);

/// The oldest and newest request any objective read, and a warning for each objective whose
/// window its data does not cover (give or take [`COVERAGE_SLACK`]).
pub fn coverage(
    report: &crate::report::Report,
    data: &dyn crate::core::collected::Lookup,
) -> (Option<TimeRange>, Vec<Warning>) {
    let span_of = |series: &crate::core::events::EventSeries| -> Option<(i64, i64)> {
        let step = series.bucket().num_seconds();
        let mut busy = series
            .iter_unix()
            .filter(|(_, c)| !c.is_empty())
            .map(|(t, _)| t);
        let first = busy.next()?;
        let last = busy.last().unwrap_or(first);
        Some((first, last + step))
    };
    let mut all: Option<(i64, i64)> = None;
    let mut warnings = Vec::new();
    let stamp = |t: i64| {
        DateTime::from_timestamp(t, 0).map_or(t.to_string(), |t| {
            t.format("%Y-%m-%d %H:%M UTC").to_string()
        })
    };
    for o in &report.objectives {
        let Some(data) = data.lookup(&o.key) else {
            continue;
        };
        let Some((first, last)) = span_of(&data.series) else {
            continue;
        };
        all = Some(all.map_or((first, last), |(a, b)| (a.min(first), b.max(last))));
        let range = o.assessment.range;
        let (start, end) = (range.start.timestamp(), range.end.timestamp());
        let slack = COVERAGE_SLACK.num_seconds();
        let late_start = first - start > slack;
        let early_end = end - last > slack;
        if !(late_start || early_end) {
            continue;
        }
        let covered =
            (last.min(end) - first.max(start)).max(0) as f64 / (end - start).max(1) as f64;
        let mut message = format!(
            "{}: the data covers {:.0}% of the window {} → {}: ",
            o.key,
            100.0 * covered,
            stamp(start),
            stamp(end)
        );
        let mut parts = Vec::new();
        if late_start {
            parts.push(format!("the oldest request read is at {}", stamp(first)));
        }
        if early_end {
            parts.push(format!(
                "the newest is at {}, {} before the window's end",
                stamp(last),
                crate::core::window::human_duration(TimeDelta::seconds(end - last))
            ));
        }
        message.push_str(&parts.join(", "));
        if early_end {
            message.push_str(&format!(
                "; if the data ends there, give --at {}",
                DateTime::from_timestamp(last, 0).map_or(String::new(), |t| t
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
            ));
        }
        warnings.push(Warning {
            kind: "coverage",
            message,
        });
    }
    let span = all.and_then(|(a, b)| {
        Some(TimeRange {
            start: DateTime::from_timestamp(a, 0)?,
            end: DateTime::from_timestamp(b, 0)?,
        })
    });
    (span, warnings)
}

/// A spec whose load balancer no file is named for, when every file is named as ALB names
/// them: the load balancers the files are of (up to 5), and the closest as a did-you-mean.
fn unmatched_load_balancers(slos: &[&ServiceSlo], files: &[LogFile]) -> Vec<Warning> {
    if files
        .iter()
        .any(|f| f.load_balancer.is_none() && f.other_kind.is_none())
    {
        return Vec::new(); // files named otherwise may hold any load balancer's lines
    }
    let present: std::collections::BTreeSet<&str> = files
        .iter()
        .filter_map(|f| f.load_balancer.as_deref())
        .collect();
    let mut out = Vec::new();
    for slo in slos {
        let lb = slo.alb.load_balancer.as_str();
        if present.contains(lb) {
            continue;
        }
        let listed: Vec<&str> = present.iter().take(5).copied().collect();
        let closest = crate::core::similar::closest(lb, present.iter().copied(), 3);
        let mut message = format!(
            "{}: no access-log file is of its load balancer {lb}",
            slo.service
        );
        if listed.is_empty() {
            message.push_str("; no file is named as ALB names its logs");
        } else {
            message.push_str(&format!(
                "; the files are of {}{}",
                listed.join(", "),
                if present.len() > listed.len() {
                    ", …"
                } else {
                    ""
                }
            ));
        }
        if let Some(p) = closest {
            message.push_str(&format!(" (did you mean {p}?)"));
        }
        out.push(Warning {
            kind: "no_files",
            message,
        });
    }
    out
}

fn from_access_logs(
    slos: &[&ServiceSlo],
    dir: &std::path::Path,
    scan: Option<ScanOptions>,
    histories: &BTreeMap<String, ServiceHistory>,
    at: DateTime<Utc>,
    window: Option<TimeDelta>,
    progress: &Progress,
) -> Result<(Evaluation, Vec<Warning>), InputError> {
    let files = find_log_files(dir)?;
    // Plain files are memory-mapped: one that shrinks meanwhile is an error, not a crash.
    crate::source::access_log::explain_sigbus();
    if files.is_empty() {
        return Err(InputError::NoLogFiles(dir.to_owned()));
    }
    progress
        .total
        .store(files.iter().map(|f| f.size).sum(), Ordering::Relaxed);
    let options = scan.unwrap_or_else(|| {
        ScanOptions::threads(std::thread::available_parallelism().map_or(1, usize::from))
    });
    let evaluation = evaluate::from_access_logs(
        slos,
        &files,
        histories,
        at,
        window,
        options,
        Some(&progress.read),
    );
    Ok((evaluation, file_warnings(slos, dir, &files)))
}

/// What the files' names say the report cannot rest on: specs no file is of, and files of
/// other kinds of load balancers (skipped unread).
fn file_warnings(slos: &[&ServiceSlo], dir: &std::path::Path, files: &[LogFile]) -> Vec<Warning> {
    let mut out = unmatched_load_balancers(slos, files);
    let special: Vec<&LogFile> = files.iter().filter(|f| f.not_regular).collect();
    if let Some(first) = special.first() {
        out.push(Warning {
            kind: "source",
            message: format!(
                "{} file(s) named like logs under {} are not regular files (a device, a socket; e.g. {}) and were not read",
                special.len(),
                dir.display(),
                first.path.display()
            ),
        });
    }
    let others = files.iter().filter(|f| f.other_kind.is_some()).count();
    if others > 0 {
        out.push(Warning {
            kind: "other_load_balancers",
            message: format!(
                "{others} file(s) under {} are Classic or Network Load Balancers' logs (their names say so) and were not read",
                dir.display()
            ),
        });
    }
    out
}

/// Each service's application-log file, read; every service named must be a spec's.
fn read_app_logs(
    pairs: &[(String, PathBuf)],
    slos: &[&ServiceSlo],
) -> Result<BTreeMap<String, (PathBuf, Vec<LogLine>)>, InputError> {
    let mut out = BTreeMap::new();
    for (service, path) in pairs {
        if !slos.iter().any(|s| s.service == *service) {
            return Err(InputError::UnknownService {
                service: service.clone(),
            });
        }
        let lines = super::evidence::read_app_logs(path)?;
        out.insert(service.clone(), (path.clone(), lines));
    }
    Ok(out)
}
