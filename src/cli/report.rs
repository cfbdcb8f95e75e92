use crate::cli::{Outcome, print_diagnostics, spec_paths};
use anyhow::{Context, bail};
use chrono::{DateTime, TimeDelta, Utc};
use slo::core::model::ServiceSlo;
use slo::render::{self, SourceSummary};
use slo::report::{Report, build, data_range, window_for};
use slo::source::access_log::{Selection, find_log_files, scan};
use slo::source::cloudwatch;
use slo::spec::load_paths;
use slo::spec::scalars::parse_duration;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Markdown,
}

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Spec files or directories.
    #[arg(value_name = "PATHS", default_value = "slo")]
    paths: Vec<PathBuf>,
    /// Read ALB access logs (.log, .log.gz, as synced from S3) under DIR instead of CloudWatch
    /// (which is configured as the AWS CLI is: AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL, ...).
    #[arg(long, value_name = "DIR")]
    access_logs: Option<PathBuf>,
    /// End of the window, RFC 3339 (e.g. 2026-11-20T00:00:00Z). Default: now.
    #[arg(long, value_name = "TIME")]
    at: Option<String>,
    /// Report over a rolling window of this length instead of each spec's (e.g. 7d).
    #[arg(long, value_name = "DURATION")]
    window: Option<String>,
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
    /// Write the report to FILE instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
    /// Exit 1 when any objective is breached (for CI gates).
    #[arg(long)]
    check: bool,
    /// Files read in parallel. Default: all cores.
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let at = match &args.at {
        Some(t) => DateTime::parse_from_rfc3339(t)
            .with_context(|| {
                format!("--at {t}: expected an RFC 3339 time such as 2026-11-20T00:00:00Z")
            })?
            .with_timezone(&Utc),
        None => Utc::now(),
    };
    let window = match &args.window {
        Some(w) => Some(parse_window(w)?),
        None => None,
    };
    let loaded = load_paths(&spec_paths(args.paths.clone()))?;
    print_diagnostics(&loaded.diagnostics)?;
    if loaded.has_errors() {
        return Ok(Outcome::Failed);
    }
    let slos: Vec<&ServiceSlo> = loaded.specs.iter().map(|s| &s.slo).collect();
    let (report, source) = match &args.access_logs {
        Some(dir) => from_access_logs(&slos, dir, at, window, args.threads)?,
        None => {
            let runtime = crate::cli::runtime()?;
            runtime.block_on(from_cloudwatch(&slos, at, window, Utc::now()))?
        }
    };
    let text = match args.format {
        Format::Json => render::json::render(&report, &source),
        Format::Markdown => render::markdown::render(&report, &source),
        Format::Table => {
            let colour = args.output.is_none()
                && std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none();
            render::table::render(&report, &source, colour)
        }
    };
    match &args.output {
        Some(path) => write_atomically(path, &text)?,
        None => std::io::stdout().lock().write_all(text.as_bytes())?,
    }
    Ok(if args.check && report.any_breached() {
        Outcome::Failed
    } else {
        Outcome::Fine
    })
}

fn parse_window(text: &str) -> anyhow::Result<TimeDelta> {
    let d = parse_duration(text).map_err(|p| {
        anyhow::anyhow!(
            "--window {text}: {}{}",
            p.message,
            p.hint.map(|h| format!(" ({h})")).unwrap_or_default()
        )
    })?;
    if d < TimeDelta::hours(1) {
        bail!("--window {text}: use at least 1h");
    }
    Ok(d)
}

fn from_access_logs(
    slos: &[&ServiceSlo],
    dir: &Path,
    at: DateTime<Utc>,
    window: Option<TimeDelta>,
    threads: Option<usize>,
) -> anyhow::Result<(Report, SourceSummary)> {
    let files = find_log_files(dir)?;
    if files.is_empty() {
        bail!(
            "no access-log files (*.log, *.log.gz) under {}",
            dir.display()
        );
    }
    let range = data_range(slos, at, window);
    let budget_windows: Vec<_> = slos
        .iter()
        .map(|s| window_for(s, window).range_at(at))
        .collect();
    let selection = Selection::new(slos, &budget_windows, range);
    let threads =
        threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from));
    let total: u64 = files.iter().map(|f| f.size).sum();
    let read = AtomicU64::new(0);
    let done = AtomicBool::new(false);
    let result = std::thread::scope(|s| {
        if std::io::stderr().is_terminal() && total > 64 << 20 {
            s.spawn(|| progress_bar(&read, &done, total));
        }
        let r = scan(&files, &selection, threads, Some(&read));
        done.store(true, Ordering::Relaxed);
        r
    });
    report_input_problems(&result.stats)?;
    let data = result.tallies.into_iter().map(|t| {
        let p99 = t.latency.as_ref().and_then(|h| h.quantile(0.99));
        (t.series, p99)
    });
    let report = build(slos, data, at, window);
    Ok((report, SourceSummary::AccessLogs(result.stats)))
}

/// Reads the ALB metrics of every objective from CloudWatch. `now` decides which periods
/// CloudWatch still keeps (60 s data for 15 days, 300 s for 63, 3600 s for 455).
async fn from_cloudwatch(
    slos: &[&ServiceSlo],
    at: DateTime<Utc>,
    window: Option<TimeDelta>,
    now: DateTime<Utc>,
) -> anyhow::Result<(Report, SourceSummary)> {
    let mut ranges = Vec::new();
    for slo in slos {
        let data = data_range(&[slo], at, window);
        let budget = window_for(slo, window).range_at(at);
        for _ in &slo.objectives {
            ranges.push(cloudwatch::ObjectiveRanges { data, budget });
        }
    }
    let calls = cloudwatch::pack(cloudwatch::queries(slos, &ranges, now));
    let mut metrics = cloudwatch::CloudWatchMetrics::from_environment().await;
    let results = metrics.fetch(calls).await?;
    let data = cloudwatch::assemble(ranges.len(), &results)?;
    let report = build(
        slos,
        data.into_iter().map(|d| (d.series, d.p99)),
        at,
        window,
    );
    Ok((
        report,
        SourceSummary::CloudWatch {
            calls: metrics.calls(),
        },
    ))
}

/// Malformed lines and unreadable files never stop a report, but they are never silent.
fn report_input_problems(stats: &slo::source::access_log::ScanStats) -> std::io::Result<()> {
    let mut err = std::io::stderr().lock();
    if stats.malformed > 0 {
        writeln!(
            err,
            "slo: skipped {} malformed line(s) of {}; the first:",
            stats.malformed, stats.lines
        )?;
        for m in &stats.malformed_samples {
            writeln!(err, "  {}:{}: {}", m.file.display(), m.line, m.reason)?;
        }
    }
    for (file, e) in &stats.unreadable {
        writeln!(err, "slo: could not read all of {}: {e}", file.display())?;
    }
    Ok(())
}

fn progress_bar(read: &AtomicU64, done: &AtomicBool, total: u64) {
    let start = Instant::now();
    let mut err = std::io::stderr();
    while !done.load(Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(200));
        let n = read.load(Ordering::Relaxed);
        let secs = start.elapsed().as_secs_f64().max(1e-3);
        let _ = write!(
            err,
            "\r  read {:.1} of {:.1} MB ({:.0}%), {:.0} MB/s   ",
            n as f64 / 1e6,
            total as f64 / 1e6,
            100.0 * n as f64 / total.max(1) as f64,
            n as f64 / 1e6 / secs
        );
    }
    let _ = write!(err, "\r{}\r", " ".repeat(60));
}

/// Write to a temporary file beside `path`, then rename: a reader never sees half a report.
fn write_atomically(path: &Path, text: &str) -> anyhow::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let tmp = dir.join(format!(
        ".{}.tmp{}",
        path.file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("report"),
        std::process::id()
    ));
    std::fs::write(&tmp, text).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}
