use crate::cli::{Outcome, SpecPaths};
use anyhow::Context as _;
use chrono::Utc;
use slo::core::model::ServiceSlo;
use slo::core::notify::Outgoing;
use slo::notify::{Context, Enrich, FileJournal, Targets, context_from_report, pass};
use std::io::Write;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    specs: SpecPaths,
    /// Where the journal (what was sent, what is pending) is kept: a directory, or
    /// `dynamodb://TABLE` (a table with a string partition key `pk`; for Fargate).
    #[arg(long, value_name = "DIR|dynamodb://TABLE")]
    state: String,
    /// Send a sample notification to every configured channel, and nothing else.
    #[arg(long)]
    test: bool,
}

/// Numbers, deployments and evidence for the services about to be notified, from AWS.
struct FromAws<'a> {
    config: &'a aws_config::SdkConfig,
    slos: &'a [&'a ServiceSlo],
}

impl Enrich for FromAws<'_> {
    async fn context(&self, due: &[Outgoing]) -> Context {
        let now = Utc::now();
        let services: Vec<&str> = due.iter().map(|o| o.service.as_str()).collect();
        let slos: Vec<&ServiceSlo> = self
            .slos
            .iter()
            .copied()
            .filter(|s| services.contains(&s.service.as_str()))
            .collect();
        let ecs = slo::aws::EcsDeployments::new(self.config);
        let (histories, _) = slo::evaluate::deployment_histories(&slos, &ecs, now, None).await;
        let reader = slo::aws::CloudWatchMetrics::new(self.config);
        let Ok(evaluation) =
            slo::evaluate::from_cloudwatch(&slos, &reader, &histories, now, None, now).await
        else {
            // Without numbers the message still says what fired.
            return Context::new();
        };
        let logs = slo::aws::CloudWatchLogs::new(self.config);
        let mut out = Context::new();
        for o in &evaluation.report.objectives {
            let Some(slo) = slos.iter().find(|s| s.service == o.key.service) else {
                continue;
            };
            let mut m = context_from_report(o, slo);
            // Without notify.dashboardUrl, the CloudWatch dashboard slo keeps for the service.
            if m.dashboard_url.is_none()
                && slo.dashboard
                && let (Some(region), Ok(name)) = (
                    self.config.region(),
                    slo::core::alarms::dashboard::dashboard_name(&slo.service),
                )
            {
                m.dashboard_url = Some(slo::core::alarms::dashboard::dashboard_url(
                    region.as_ref(),
                    &name,
                ));
            }
            if let Some(i) = o.assessment.incidents.last() {
                m.evidence = slo::evidence::for_incident(&logs, slo, i.start, i.end).await;
                if let (Some(e), Some(region)) = (&m.evidence, self.config.region()) {
                    m.logs_url = Some(slo::notify::logs_console_url(
                        region.as_ref(),
                        &e.log_group,
                        e.from,
                        e.to,
                    ));
                }
            }
            out.insert(o.key.clone(), m);
        }
        out
    }
}

/// A pass now, with whichever journal `--state` names.
async fn one_pass<J: slo::notify::Journal>(
    slos: &[&ServiceSlo],
    watcher: &slo::aws::CloudWatchAlarms,
    publisher: &slo::aws::Sns,
    webhook: Option<&slo::slack::Webhook>,
    journal: &J,
    targets: &Targets,
    enrich: &FromAws<'_>,
) -> Result<slo::notify::PassOutcome, slo::notify::PassError> {
    pass(
        slos,
        watcher,
        publisher,
        webhook,
        journal,
        targets,
        enrich,
        Utc::now(),
    )
    .await
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let Some(loaded) = args.specs.load()? else {
        return Ok(Outcome::Findings);
    };
    let slos: Vec<&ServiceSlo> = loaded.specs.iter().map(|s| &s.slo).collect();
    let targets = Targets::of(&slos, &|v| std::env::var(v).ok());
    let runtime = crate::cli::runtime()?;
    let mut out = std::io::stdout().lock();
    let outcome = runtime.block_on(async {
        let config = slo::aws::load_config().await;
        let publisher = slo::aws::Sns::new(&config);
        let webhook = if targets.slack.is_empty() {
            None
        } else {
            Some(slo::slack::Webhook::new().context("cannot set up HTTPS for Slack")?)
        };
        if args.test {
            return slo::notify::send_test(
                &slos,
                &publisher,
                webhook.as_ref(),
                &targets,
                Utc::now(),
            )
            .await
            .map(|sent| slo::notify::PassOutcome {
                sent,
                ..Default::default()
            })
            .map_err(anyhow::Error::msg);
        }
        let watcher = slo::aws::CloudWatchAlarms::new(&config);
        let enrich = FromAws {
            config: &config,
            slos: &slos,
        };
        let outcome = match args.state.strip_prefix("dynamodb://") {
            Some(table) => {
                let owner = format!("slo-{}", std::process::id());
                let journal = slo::aws::dynamodb::DynamoDbJournal::new(&config, table, &owner);
                one_pass(
                    &slos,
                    &watcher,
                    &publisher,
                    webhook.as_ref(),
                    &journal,
                    &targets,
                    &enrich,
                )
                .await?
            }
            None => {
                let journal = FileJournal::in_dir(&PathBuf::from(&args.state));
                one_pass(
                    &slos,
                    &watcher,
                    &publisher,
                    webhook.as_ref(),
                    &journal,
                    &targets,
                    &enrich,
                )
                .await?
            }
        };
        Ok(outcome)
    })?;
    for id in &outcome.sent {
        writeln!(out, "sent {id}")?;
    }
    for (id, error) in &outcome.pending {
        writeln!(out, "pending {id}: {error}")?;
    }
    if !outcome.stuck.is_empty() {
        writeln!(
            out,
            "{} message(s) failed {} times or more and are still retried",
            outcome.stuck.len(),
            slo::core::notify::REPORT_AFTER_ATTEMPTS
        )?;
    }
    writeln!(
        out,
        "{} sent, {} pending",
        outcome.sent.len(),
        outcome.pending.len()
    )?;
    Ok(Outcome::Fine)
}
