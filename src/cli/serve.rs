use crate::cli::{Outcome, SpecPaths};
use anyhow::Context as _;
use slo::serve::{Intervals, Settings};
use slo::spec::scalars::parse_duration;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    specs: SpecPaths,
    /// Address the HTTP server listens on (the image sets 0.0.0.0:8080).
    #[arg(long, env = "SLO_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// The notification journal: a directory, or `dynamodb://TABLE` (on Fargate, whose disk
    /// does not survive a task replacement).
    #[arg(long, env = "SLO_STATE", value_name = "DIR|dynamodb://TABLE")]
    state: String,
    /// How often every objective is refreshed from CloudWatch (each refresh reads only the
    /// minutes since the last).
    #[arg(long, env = "SLO_REFRESH", default_value = "5m", value_parser = interval)]
    refresh: Duration,
    /// How often the alarms' states are read and notifications sent.
    #[arg(long, env = "SLO_NOTIFY_EVERY", default_value = "1m", value_parser = interval)]
    notify_every: Duration,
    /// How often the heartbeat metric is put (the `slo:heartbeat` alarm wants one a minute).
    #[arg(long, env = "SLO_HEARTBEAT_EVERY", default_value = "1m", value_parser = interval)]
    heartbeat_every: Duration,
    /// How often the spec files are checked for changes (SIGHUP reloads at once).
    #[arg(long, env = "SLO_SPEC_POLL", default_value = "10s", value_parser = interval)]
    spec_poll: Duration,
    /// A page still undelivered after this long stops the heartbeat (so CloudWatch's fallback
    /// pages directly) and takes the service out of `/readyz`.
    #[arg(long, env = "SLO_PAGE_PENDING_LIMIT", default_value = "5m", value_parser = interval)]
    page_pending_limit: Duration,
    /// The same for tickets.
    #[arg(long, env = "SLO_TICKET_PENDING_LIMIT", default_value = "1h", value_parser = interval)]
    ticket_pending_limit: Duration,
}

fn interval(text: &str) -> Result<Duration, String> {
    let d = parse_duration(text).map_err(|p| p.message)?;
    let d = d.to_std().map_err(|_| "must be positive".to_owned())?;
    if d < Duration::from_secs(1) {
        return Err("use at least 1s".to_owned());
    }
    Ok(d)
}

/// JSON lines on stdout, one object per event; `RUST_LOG` filters (default `info`).
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_current_span(false)
        .with_env_filter(filter)
        .with_writer(std::io::stdout)
        .try_init();
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    // A bad spec at start is exit 1, as for every command; later ones are reported and skipped.
    let Some(_) = args.specs.load()? else {
        return Ok(Outcome::Findings);
    };
    let specs = slo::serve::specs::load(&args.specs.paths).map_err(anyhow::Error::msg)?;
    init_logging();
    let settings = Settings {
        paths: args.specs.paths.clone(),
        listen: args.listen,
        state: args.state,
        intervals: Intervals {
            notify: args.notify_every,
            refresh: args.refresh,
            heartbeat: args.heartbeat_every,
            spec_poll: args.spec_poll,
            pending_limits: slo::core::notify::PendingLimits {
                page: chrono::TimeDelta::from_std(args.page_pending_limit)
                    .unwrap_or(chrono::TimeDelta::MAX),
                ticket: chrono::TimeDelta::from_std(args.ticket_pending_limit)
                    .unwrap_or(chrono::TimeDelta::MAX),
            },
        },
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let config = slo::aws::load_config().await;
        let env = Arc::new(|v: &str| std::env::var(v).ok());
        slo::serve::run(settings, specs, config, env, slo::http::app).await
    })?;
    Ok(Outcome::Fine)
}
