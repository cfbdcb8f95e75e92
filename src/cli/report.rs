use crate::cli::{Outcome, SpecPaths};
use anyhow::{Context, bail};
use chrono::{DateTime, TimeDelta, Utc};
use slo::core::model::ServiceSlo;
use slo::render;
use slo::report::evaluate::Evaluation;
use slo::report::inputs::{self, Inputs, Progress};
use slo::source::access_log::{ScanOptions, ScanStats};
use slo::spec::scalars::parse_duration;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Markdown,
    /// One self-contained page with burn-down charts (for CI artifacts and e-mail).
    Html,
    /// With --period: one row per objective and period, for spreadsheets.
    Csv,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Period {
    Week,
    Month,
    Quarter,
}

/// Where a report's numbers, deployments and evidence come from.
#[derive(clap::Args, Debug)]
pub struct SourceArgs {
    /// Read ALB access logs (.log, .log.gz, as synced from S3) under DIR instead of CloudWatch
    /// (which is configured as the AWS CLI is: AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL, ...).
    #[arg(long, value_name = "DIR")]
    pub access_logs: Option<PathBuf>,
    /// Threads reading files (and pieces of large plain files) in parallel. Default: all cores.
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Plain files over 8 MiB are read in pieces of this many bytes by all threads, each
    /// mapped this much at a time (tests and benchmarks set it; the result never depends on
    /// it).
    #[arg(long, value_name = "BYTES", hide = true, value_parser = clap::value_parser!(u64).range(1..))]
    pub piece_bytes: Option<u64>,
    /// ECS deployments from FILE (what `aws ecs describe-service-deployments` prints) instead
    /// of from ECS; repeatable. With --access-logs, the only way to see deployments.
    #[arg(long = "deployments", value_name = "FILE")]
    pub deployments: Vec<PathBuf>,
    /// A service's application logs from FILE (what `aws logs filter-log-events --output json`
    /// prints), for the evidence behind its incidents; repeatable. Without it, --access-logs
    /// reports have no evidence, CloudWatch ones read `ecs.logGroup`.
    #[arg(long = "app-logs", value_name = "SERVICE=FILE")]
    pub app_logs: Vec<String>,
    /// With --access-logs s3://…: how many objects are fetched at once (each held in memory
    /// until it is written to the temporary copy). Default 16.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
    pub s3_concurrency: Option<u16>,
    /// `athena`: count the access logs with one Athena query over --athena-table, where they
    /// are, instead of reading CloudWatch (for logs beyond one machine).
    #[arg(
        long,
        value_enum,
        value_name = "ENGINE",
        conflicts_with = "access_logs",
        requires = "athena_table"
    )]
    pub engine: Option<Engine>,
    /// The ALB access-log table (`slo init --athena` prints its CREATE EXTERNAL TABLE).
    #[arg(long, value_name = "DB.TABLE", requires = "engine")]
    pub athena_table: Option<String>,
    /// The Athena workgroup the query runs in (default: Athena's `primary`).
    #[arg(long, value_name = "NAME", requires = "engine")]
    pub workgroup: Option<String>,
    /// Where Athena writes the query's results (default: the workgroup's setting).
    #[arg(long, value_name = "S3_URL", requires = "engine")]
    pub athena_output: Option<String>,
    /// Refuse an Athena query whose partitions hold more than this (decimal units, as Athena
    /// bills: $5 per TB). 200GB ($1.00) holds 30 days of a 1,000 request/s load balancer.
    #[arg(
        long,
        value_name = "SIZE",
        default_value = "200GB",
        requires = "engine"
    )]
    pub max_scan: String,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Athena,
}

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    specs: SpecPaths,
    #[command(flatten)]
    source: SourceArgs,
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
    /// An SLO review instead: per objective and calendar period (in the spec's time zone;
    /// UTC for rolling windows), attainment, budget spent, incidents, excluded requests and
    /// the change from the period before.
    #[arg(long, value_enum)]
    period: Option<Period>,
    /// How many periods the review covers, ending with the one that holds --at.
    #[arg(long, value_name = "N", default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..=60))]
    periods: u16,
}

/// `--at`-style RFC 3339 times; a date alone is its midnight UTC (and said so).
pub fn parse_time(flag: &str, t: &str) -> anyhow::Result<DateTime<Utc>> {
    if let Ok(day) = chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        let midnight = day.and_time(chrono::NaiveTime::MIN).and_utc();
        eprintln!(
            "slo: {flag} {t}: read as {} (midnight UTC)",
            midnight.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        );
        return Ok(midnight);
    }
    Ok(DateTime::parse_from_rfc3339(t)
        .with_context(|| {
            format!(
                "{flag} {t}: expected an RFC 3339 time such as 2026-11-20T00:00:00Z (or a date, 2026-11-20, for its midnight UTC)"
            )
        })?
        .with_timezone(&Utc))
}

pub fn run(mut args: Args) -> anyhow::Result<Outcome> {
    athena_output_from(&mut args.output, &mut args.source)?;
    let at = match &args.at {
        Some(t) => parse_time("--at", t)?,
        None => Utc::now(),
    };
    let window = args.window.as_deref().map(parse_window).transpose()?;
    let Some(loaded) = args.specs.load()? else {
        return Ok(Outcome::Findings);
    };
    let slos: Vec<&ServiceSlo> = loaded.specs.iter().map(|s| &s.slo).collect();
    if let Some(period) = args.period {
        return review(&args, &slos, period, at);
    }
    if args.format == Format::Csv {
        bail!("--format csv is the SLO review's: give --period week|month|quarter");
    }
    let Evaluation {
        report,
        source,
        data,
        ..
    } = evaluate_from(&slos, &args.source, at, window)?;
    let text = match args.format {
        Format::Csv => unreachable!("refused above"),
        Format::Json => render::json::render(&report, &source),
        Format::Markdown => render::markdown::render(&report, &source),
        Format::Html => render::html::page(
            "slo report",
            &report,
            &data,
            &render::html::Extras {
                source: source.name(),
                refresh_seconds: None,
                notices: &[],
                infra: None,
                tiers: &|o| {
                    slos.iter()
                        .find(|s| s.service == o.key.service)
                        .map(|s| s.alerting.tiers.clone())
                        .unwrap_or_default()
                },
                alert_state: None,
                script_src: None,
            },
        ),
        Format::Table => {
            let colour = args.output.is_none()
                && std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none();
            render::table::render(&report, &source, colour)
        }
    };
    match &args.output {
        Some(path) => slo::render::file::write_atomically(path, text.as_bytes())
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => std::io::stdout().lock().write_all(text.as_bytes())?,
    }
    if !args.check {
        return Ok(Outcome::Fine);
    }
    // A gate fails on a breach, and on no data at all: passing on nothing would be confidently
    // wrong.
    let empty = report.without_data();
    for key in &empty {
        eprintln!("slo: {key} has no data in its window: --check fails");
    }
    Ok(if report.any_breached() || !empty.is_empty() {
        Outcome::Findings
    } else {
        Outcome::Fine
    })
}

/// `--period`: the review, from one read of the data its periods need.
fn review(
    args: &Args,
    slos: &[&ServiceSlo],
    period: Period,
    at: DateTime<Utc>,
) -> anyhow::Result<Outcome> {
    use slo::core::window::CalendarPeriod;
    if args.window.is_some() {
        bail!("--window and --period do not go together: a review's windows are its periods");
    }
    if args.check {
        bail!("--check judges a report's windows, not a review's periods: leave out --period");
    }
    let period = match period {
        Period::Week => CalendarPeriod::Week,
        Period::Month => CalendarPeriod::Month,
        Period::Quarter => CalendarPeriod::Quarter,
    };
    let n = usize::from(args.periods);
    let start = slo::report::review::data_start(slos, period, n, at);
    // Whole hours, and no further back than CloudWatch keeps hourly data.
    let span =
        TimeDelta::hours(((at - start).num_seconds() + 3599) / 3600).max(TimeDelta::hours(1));
    if span > TimeDelta::days(455) {
        bail!(
            "--periods {n}: the review would reach back {} days; CloudWatch keeps hourly data for 455",
            span.num_days()
        );
    }
    let evaluation = evaluate_from(slos, &args.source, at, Some(span))?;
    let review =
        slo::report::review::review(slos, &evaluation.data, &evaluation.histories, period, n, at);
    let text = match args.format {
        Format::Table => render::review::table(&review),
        Format::Markdown => render::review::markdown(&review),
        Format::Csv => render::review::csv(&review),
        Format::Json => render::review::json(&review),
        Format::Html => render::review::html(&review),
    };
    match &args.output {
        Some(path) => slo::render::file::write_atomically(path, text.as_bytes())
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => std::io::stdout().lock().write_all(text.as_bytes())?,
    }
    Ok(Outcome::Fine)
}

/// The report at `at` from the sources the flags name (see `slo::report::inputs`), with a
/// progress bar for large scans and every warning and unreadable input told on stderr.
/// With `--engine athena`, `--output s3://…` is where Athena writes the query's results (as
/// DESIGN.md names the flag), not the report's file; `--athena-output` says the same beside
/// `-o FILE`.
pub fn athena_output_from(
    output: &mut Option<PathBuf>,
    source: &mut SourceArgs,
) -> anyhow::Result<()> {
    let s3 = output
        .as_ref()
        .and_then(|p| p.to_str())
        .filter(|p| p.starts_with("s3://"))
        .map(str::to_owned);
    match (s3, source.engine) {
        (Some(location), Some(Engine::Athena)) => {
            if let Some(other) = &source.athena_output {
                bail!(
                    "--output {location} and --athena-output {other}: give Athena one results location"
                );
            }
            source.athena_output = Some(location);
            *output = None;
        }
        (Some(location), None) => bail!(
            "--output {location}: an s3:// output is Athena's results location, with --engine athena; the report itself goes to a file or standard output"
        ),
        _ => {}
    }
    Ok(())
}

pub fn evaluate_from(
    slos: &[&ServiceSlo],
    args: &SourceArgs,
    at: DateTime<Utc>,
    window: Option<TimeDelta>,
) -> anyhow::Result<Evaluation> {
    let mut app_logs = Vec::new();
    for pair in &args.app_logs {
        let Some((service, file)) = pair.split_once('=') else {
            bail!("--app-logs {pair}: write SERVICE=FILE");
        };
        app_logs.push((service.to_owned(), PathBuf::from(file)));
    }
    let scan = (args.threads.is_some() || args.piece_bytes.is_some()).then(|| {
        let threads = args
            .threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from));
        let mut options = ScanOptions::threads(threads);
        if let Some(piece) = args.piece_bytes {
            // Every plain file is split, and mapped in windows this small: what the identity
            // tests want.
            options.piece = piece;
            options.window = piece;
            options.split_above = 0;
        }
        options
    });
    let athena = match (&args.engine, &args.athena_table) {
        (Some(Engine::Athena), Some(table)) => {
            if let Some(o) = &args.athena_output
                && !o.starts_with("s3://")
            {
                bail!("--athena-output {o}: write an s3:// location, s3://BUCKET/PREFIX/");
            }
            Some(slo::source::athena::AthenaOptions {
                table: slo::source::athena::query::TableName::parse(table)
                    .map_err(anyhow::Error::msg)?,
                workgroup: args.workgroup.clone(),
                output: args.athena_output.clone(),
                max_scan: slo::source::athena::parse_bytes(&args.max_scan)
                    .map_err(|e| anyhow::anyhow!("--max-scan {e}"))?,
            })
        }
        _ => None,
    };
    let inputs = Inputs {
        athena,
        s3_concurrency: args.s3_concurrency.map(usize::from),
        access_logs: args.access_logs.clone(),
        scan,
        deployments: args.deployments.clone(),
        app_logs,
    };
    let progress = Progress::default();
    let done = AtomicBool::new(false);
    let runtime = crate::cli::runtime()?;
    let evaluated = std::thread::scope(|s| {
        if std::io::stderr().is_terminal() {
            s.spawn(|| progress_bar(&progress, &done));
        }
        let e = runtime.block_on(inputs::evaluate(slos, &inputs, at, window, &progress));
        done.store(true, Ordering::Relaxed);
        e
    })?;
    print_warnings(&evaluated.warnings)?;
    if let render::SourceSummary::AccessLogs(stats) = &evaluated.evaluation.source {
        report_input_problems(stats)?;
        if stats.lines > 0 && stats.malformed == stats.lines {
            let first = stats.malformed_samples.first().map_or(String::new(), |m| {
                format!(
                    " (the first: {}:{}: {})",
                    m.file.display(),
                    m.line,
                    m.reason
                )
            });
            bail!(
                "every one of the {} line(s) read is malformed{first}; ALB access logs are space-separated entries `type time elb client:port …` (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-access-logs.html#access-log-entry-syntax)",
                stats.lines
            );
        }
    }
    Ok(evaluated.evaluation)
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
    // As specs: CloudWatch keeps hourly data for 455 days, and no window may be longer.
    if d > TimeDelta::days(455) {
        bail!("--window {text}: at most 455d (CloudWatch keeps hourly data for 455 days)");
    }
    Ok(d)
}

/// A service whose deployments could not be read is reported without them, and says so.
fn print_warnings(warnings: &[String]) -> std::io::Result<()> {
    let mut err = std::io::stderr().lock();
    for w in warnings {
        writeln!(err, "slo: warning: {w}")?;
    }
    Ok(())
}

/// Malformed lines and unreadable files never stop a report, but they are never silent.
fn report_input_problems(stats: &ScanStats) -> std::io::Result<()> {
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

/// Shown for scans over 64 MB only, once the files are found.
fn progress_bar(progress: &Progress, done: &AtomicBool) {
    let start = Instant::now();
    let mut err = std::io::stderr();
    let mut shown = false;
    while !done.load(Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(200));
        let total = progress.total.load(Ordering::Relaxed);
        if total <= 64 << 20 {
            continue;
        }
        shown = true;
        let n = progress.read.load(Ordering::Relaxed);
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
    if shown {
        let _ = write!(err, "\r{}\r", " ".repeat(60));
    }
}
