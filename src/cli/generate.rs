use crate::cli::Outcome;
use anyhow::Context;
use chrono::{DateTime, Utc};
use slo::example::{Options, generate};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Folder to write into (the S3 layout `AWSLogs/...` is created inside).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// End of the generated logs, RFC 3339. Default: the bundled example's, 2026-11-20T00:00:00Z.
    #[arg(long, value_name = "TIME")]
    end: Option<String>,
    /// Days of logs before the end.
    #[arg(long, default_value_t = 30)]
    days: u32,
    /// Multiply every traffic rate (1 ≈ 9 requests a minute; benchmarks use hundreds).
    #[arg(long, default_value_t = 1.0)]
    scale: f64,
    /// Write plain .log files instead of .log.gz.
    #[arg(long)]
    plain: bool,
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let mut opts = Options::example();
    if let Some(end) = &args.end {
        opts.end = DateTime::parse_from_rfc3339(end)
            .with_context(|| format!("--end {end}: expected an RFC 3339 time"))?
            .with_timezone(&Utc);
    }
    anyhow::ensure!(
        args.scale.is_finite() && args.scale > 0.0 && args.scale <= 100_000.0,
        "--scale must be a number above 0 and at most 100000"
    );
    anyhow::ensure!(
        (1..=400).contains(&args.days),
        "--days must be between 1 and 400"
    );
    opts.days = args.days;
    opts.scale = args.scale;
    opts.gzip = !args.plain;
    let s = generate(&args.out, &opts)
        .with_context(|| format!("cannot write logs under {}", args.out.display()))?;
    let (from, to) = opts.bad_deploy();
    eprintln!(
        "wrote {} files, {} lines ({:.1} MB uncompressed) under {}; bad checkout deployment {} → {}",
        s.files,
        s.lines,
        s.bytes as f64 / 1e6,
        args.out.display(),
        from.format("%Y-%m-%d %H:%M"),
        to.format("%H:%M UTC")
    );
    Ok(Outcome::Fine)
}
