//! A report from the inputs a user names, as `slo report` and `slo postmortem` take them: ALB
//! access logs (no AWS call) or CloudWatch metrics; deployments from files or ECS; evidence
//! from files or CloudWatch Logs. The commands parse flags and print; the choosing is here.

use super::evaluate::{self, EvaluateError, Evaluation};
use super::evidence::AppLogsError;
use super::history::FileError;
use crate::core::deployments::ServiceHistory;
use crate::core::evidence::LogLine;
use crate::core::model::ServiceSlo;
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
    let from_files = (!inputs.deployments.is_empty())
        .then(|| super::history::from_files(&inputs.deployments, slos))
        .transpose()?;
    let app_logs = read_app_logs(&inputs.app_logs, slos)?;
    let mut warnings = Vec::new();
    let mut evaluation = match &inputs.access_logs {
        Some(dir) => {
            let histories = from_files.unwrap_or_default();
            from_access_logs(slos, dir, inputs.scan, &histories, at, window, progress)?
        }
        None => {
            let config = crate::aws::load_config().await;
            let histories = match from_files {
                Some(h) => h,
                None => {
                    let ecs = crate::aws::EcsDeployments::new(&config);
                    let (h, w) = evaluate::deployment_histories(slos, &ecs, at, window).await;
                    warnings.extend(w);
                    h
                }
            };
            let reader = crate::aws::CloudWatchMetrics::new(&config);
            let mut evaluation =
                evaluate::from_cloudwatch(slos, &reader, &histories, at, window, Utc::now())
                    .await?;
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
    Ok(Evaluated {
        evaluation,
        warnings,
    })
}

fn from_access_logs(
    slos: &[&ServiceSlo],
    dir: &std::path::Path,
    scan: Option<ScanOptions>,
    histories: &BTreeMap<String, ServiceHistory>,
    at: DateTime<Utc>,
    window: Option<TimeDelta>,
    progress: &Progress,
) -> Result<Evaluation, InputError> {
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
    Ok(evaluate::from_access_logs(
        slos,
        &files,
        histories,
        at,
        window,
        options,
        Some(&progress.read),
    ))
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
