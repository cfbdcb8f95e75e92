use crate::cli::{Outcome, SpecPaths};
use anyhow::Context as _;
use chrono::Utc;
use slo::core::model::ServiceSlo;
use slo::core::notify::Outgoing;
use slo::notify::{Channels, Context, Enrich, context_from_report, pass};
use std::io::Write;

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
        let (histories, _) =
            slo::report::evaluate::deployment_histories(&slos, &ecs, now, None).await;
        let reader = slo::aws::CloudWatchMetrics::new(self.config);
        let Ok(evaluation) =
            slo::report::evaluate::from_cloudwatch(&slos, &reader, &histories, now, None, now)
                .await
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
            let region = self.config.region().map(|r| r.as_ref().to_owned());
            let mut m = context_from_report(o, slo);
            if let Some(i) = o.assessment.incidents.last() {
                m.evidence =
                    slo::report::evidence::for_incident(&logs, slo, i.impact.start, i.impact.end)
                        .await;
            }
            slo::notify::add_links(&mut m, slo, region.as_deref());
            out.insert(o.key.clone(), m);
        }
        out
    }
}

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let Some(loaded) = args.specs.load()? else {
        return Ok(Outcome::Findings);
    };
    let slos: Vec<&ServiceSlo> = loaded.specs.iter().map(|s| &s.slo).collect();
    let env = |v: &str| std::env::var(v).ok();
    let runtime = crate::cli::runtime()?;
    let mut out = std::io::stdout().lock();
    let outcome = runtime.block_on(async {
        let config = slo::aws::load_config().await;
        slo::aws::check_config(&config).await?;
        let publisher = slo::aws::Sns::new(&config);
        // A spec that names a webhook variable wants Slack, set or not: an unset one fails
        // loudly when a message is due, never drops Slack silently.
        let wants_slack = slos.iter().any(|s| s.notify.slack_webhook_env.is_some());
        let webhook = if wants_slack {
            Some(
                slo::notify::channel::slack::Webhook::new()
                    .context("cannot set up HTTPS for Slack")?,
            )
        } else {
            None
        };
        let channels = Channels::for_specs(&slos, &env, &publisher, webhook.as_ref());
        if args.test {
            return slo::notify::send_test(&slos, &channels, Utc::now())
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
        let owner = format!("slo-{}", std::process::id());
        let journal = slo::notify::AnyJournal::open(&config, &args.state, &owner);
        let outcome = pass(
            &slos,
            &watcher,
            &channels,
            &journal,
            &enrich,
            Utc::now(),
            Default::default(),
        )
        .await?;
        Ok(outcome)
    })?;
    for d in &outcome.sent {
        writeln!(out, "sent {}", d.id)?;
    }
    for (d, error) in &outcome.pending {
        writeln!(out, "pending {}: {error}", d.id)?;
    }
    if !outcome.stuck.is_empty() {
        writeln!(
            out,
            "{} message(s) failed {} times or more and are still retried",
            outcome.stuck.len(),
            slo::core::notify::REPORT_AFTER_ATTEMPTS
        )?;
    }
    if let Some(reset) = &outcome.reset {
        eprintln!("slo notify: error: {reset}");
    }
    for (d, why) in &outcome.dead {
        eprintln!("slo notify: error: gave up on {} ({why})", d.id);
    }
    if let Some(why) = &outcome.undelivered {
        eprintln!("slo notify: error: notifications are not getting through: {why}");
    }
    writeln!(
        out,
        "{} sent, {} pending, {} given up",
        outcome.sent.len(),
        outcome.pending.len(),
        outcome.dead.len()
    )?;
    // A pass that gave up on a message, or whose messages wait past their limit, is a failure
    // for whoever runs it (cron, CI): exit 1.
    if outcome.undelivered.is_some() || !outcome.dead.is_empty() || outcome.reset.is_some() {
        return Ok(Outcome::Findings);
    }
    Ok(Outcome::Fine)
}
