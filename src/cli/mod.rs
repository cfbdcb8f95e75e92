//! The command line: one file per command, each parsing its flags, calling the library and
//! printing; here the commands are dispatched and each outcome mapped to an exit code (0
//! fine, 1 SLO breached or spec invalid, 2 usage or runtime error).

mod apply;
mod convert;
mod exclude;
mod gate;
mod generate;
mod init;
mod notify;
mod plan;
mod postmortem;
mod probe;
mod report;
mod serve;
mod validate;

use clap::{Parser, Subcommand};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(
    name = "slo",
    version,
    about = "SLOs, error budgets and burn-rate alerting for ECS Fargate services behind an ALB",
    long_about = None,
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Check spec files: every error with its file, line and field. Exit 1 if any is invalid.
    Validate(validate::Args),
    /// SLIs, error budgets, burn rates and burn episodes for every objective.
    Report(report::Args),
    /// Show how CloudWatch alarms differ from what the specs call for, and their monthly cost.
    Plan(plan::Args),
    /// Make CloudWatch alarms match the specs (only alarms tagged managed-by=slo are changed).
    Apply(apply::Args),
    /// Write realistic ALB access logs for the example specs (for trying `slo` and benchmarks).
    GenerateLogs(generate::Args),
    /// Draft specs for the ECS services behind application load balancers in the account.
    Init(init::Args),
    /// A post-mortem draft (markdown) for the incident of a service that covers a time.
    Postmortem(postmortem::Args),
    /// One notification pass: the severity composites' state → SNS e-mail and Slack.
    Notify(notify::Args),
    /// The long-running service: refreshes, notifications, heartbeat, HTTP API and dashboard.
    Serve(serve::Args),
    /// The container's health check: exit 0 when `slo serve` answers /healthz with 200.
    Probe(probe::Args),
    /// The error-budget policy for CI: exit 0 deploy allowed, 1 freeze, 2 error or no data.
    Gate(gate::Args),
    /// Exclude a span after the fact (a correction): adds it to the service's spec file.
    Exclude(exclude::Args),
    /// Specs from one format to the other: OpenSLO and slo/v1.
    Convert(convert::Args),
}

/// What a command concluded, when it ran to the end.
pub enum Outcome {
    /// Everything fine: exit 0.
    Fine,
    /// It ran, and found what it checks for wanting: an invalid spec, a breached SLO. Exit 1.
    Findings,
}

pub fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
                    ExitCode::SUCCESS
                }
                _ => ExitCode::from(2),
            };
        }
    };
    let result = match cli.command {
        Command::Validate(args) => validate::run(args),
        Command::Report(args) => report::run(args),
        Command::GenerateLogs(args) => generate::run(args),
        Command::Plan(args) => plan::run(args),
        Command::Apply(args) => apply::run(args),
        Command::Init(args) => init::run(args),
        Command::Postmortem(args) => postmortem::run(args),
        Command::Notify(args) => notify::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Probe(args) => probe::run(args),
        Command::Gate(args) => gate::run(args),
        Command::Exclude(args) => exclude::run(args),
        Command::Convert(args) => convert::run(args),
    };
    match result {
        Ok(Outcome::Fine) => ExitCode::SUCCESS,
        Ok(Outcome::Findings) => ExitCode::from(1),
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "slo: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// The spec files or directories a command reads; `slo/` when none is given.
#[derive(clap::Args, Debug)]
pub struct SpecPaths {
    /// Spec files or directories (searched recursively for *.yaml, *.yml).
    #[arg(value_name = "PATHS", default_value = slo::spec::DEFAULT_DIR)]
    pub paths: Vec<PathBuf>,
}

impl SpecPaths {
    /// Loads every spec and prints its diagnostics; `None` when any spec is invalid.
    pub fn load(&self) -> anyhow::Result<Option<slo::spec::Loaded>> {
        let loaded = slo::spec::load_paths(&self.paths)?;
        print_diagnostics(&loaded.diagnostics)?;
        Ok((!loaded.has_errors()).then_some(loaded))
    }
}

/// The spec of `--service NAME` among `slos`; else an error naming the specs' services, with a
/// did-you-mean when one is close.
pub fn spec_of<'s>(
    slos: &[&'s slo::core::model::ServiceSlo],
    name: &str,
) -> anyhow::Result<&'s slo::core::model::ServiceSlo> {
    if let Some(s) = slos.iter().find(|s| s.service == name) {
        return Ok(s);
    }
    let hint = slo::core::similar::closest(name, slos.iter().map(|s| s.service.as_str()), 2)
        .map_or(String::new(), |c| format!(" (did you mean {c}?)"));
    let all: Vec<&str> = slos.iter().map(|s| s.service.as_str()).collect();
    anyhow::bail!(
        "--service {name}: no spec has this service{hint}; the specs' services: {}",
        all.join(", ")
    )
}

/// Spec errors and warnings go to stderr, one per diagnostic.
pub fn print_diagnostics(diagnostics: &[slo::spec::Diagnostic]) -> std::io::Result<()> {
    let mut err = std::io::stderr().lock();
    for d in diagnostics {
        writeln!(err, "{d}")?;
    }
    Ok(())
}

/// The async runtime for commands that call AWS: one thread is plenty for sequential calls.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    use anyhow::Context;
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}
