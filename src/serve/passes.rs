//! One pass of each of `slo serve`'s loops: refresh, notify, heartbeat. Each records its AWS
//! round trip in the state (for `/readyz` and `/metrics`) and logs one JSON event; none ever
//! panics or stops the service on an AWS failure.

use super::state::{AppState, Snapshot};
use crate::aws::alarms::AlarmWatcher;
use crate::aws::journal::Journal;
use crate::aws::{AwsError, CloudWatchAlarms, CloudWatchLogs, CloudWatchMetrics, EcsDeployments};
use crate::aws::{DeploymentReader, HeartbeatWriter, LogReader, MetricsReader, Publisher, Sns};
use crate::core::alarms::AlarmStatus;
use crate::core::alarms::naming;
use crate::core::model::{ObjectiveKey, ServiceSlo};
use crate::core::notify::Outgoing;
use crate::notify::channel::slack::{SlackError, Webhook};
use crate::notify::{AnyJournal, Channels, Context, Enrich};
use crate::report::evaluate::EvaluateError;
use crate::source::cloudwatch::FetchError;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

/// An incident as far as its evidence goes: objective, start, and whether it was ongoing.
type IncidentKey = (ObjectiveKey, DateTime<Utc>, bool);

/// The ports `slo serve`'s loops use, by kind: the SDK adapters on Fargate ([`Sdk`]), the
/// in-memory ones (`aws::memory`) in tests.
pub trait Ports: Send + Sync + 'static {
    type Metrics: MetricsReader + HeartbeatWriter + Send + Sync;
    type Alarms: AlarmWatcher + Send + Sync;
    type Deployments: DeploymentReader + Send + Sync;
    type Logs: LogReader + Send + Sync;
    type Topics: Publisher + Send + Sync;
    type Journal: Journal + Send + Sync;
}

/// The AWS SDK's adapters.
pub struct Sdk;

impl Ports for Sdk {
    type Metrics = CloudWatchMetrics;
    type Alarms = CloudWatchAlarms;
    type Deployments = EcsDeployments;
    type Logs = CloudWatchLogs;
    type Topics = Sns;
    type Journal = AnyJournal;
}

/// The ports, by name.
pub struct Parts<P: Ports> {
    /// The region messages link the console in.
    pub region: Option<String>,
    pub metrics: P::Metrics,
    pub alarms: P::Alarms,
    pub ecs: P::Deployments,
    pub logs: P::Logs,
    pub sns: P::Topics,
    pub journal: P::Journal,
}

/// The ports, the Slack client and the evidence read so far, made once.
pub struct Adapters<P: Ports> {
    pub ports: Parts<P>,
    webhook: Webhook,
    /// Evidence per incident, read once when it opens and once when it resolves: keyed by
    /// objective, start and whether it was still ongoing.
    evidence: Mutex<BTreeMap<IncidentKey, crate::core::evidence::Evidence>>,
}

impl<P: Ports> Adapters<P> {
    pub fn new(ports: Parts<P>) -> Result<Adapters<P>, SlackError> {
        Ok(Adapters {
            ports,
            webhook: Webhook::new()?,
            evidence: Mutex::new(BTreeMap::new()),
        })
    }
}

impl Adapters<Sdk> {
    /// The SDK's adapters; `state`: the journal's directory or `dynamodb://TABLE`.
    pub fn sdk(config: &aws_config::SdkConfig, state: &str) -> Result<Adapters<Sdk>, SlackError> {
        // A task's identity in DynamoDB claims: its ECS task id when it has one.
        let owner = std::env::var("ECS_CONTAINER_METADATA_URI_V4")
            .ok()
            .and_then(|u| u.rsplit('/').next().map(str::to_owned))
            .unwrap_or_else(|| format!("slo-{}", std::process::id()));
        Adapters::new(Parts {
            region: config.region().map(|r| r.as_ref().to_owned()),
            metrics: CloudWatchMetrics::new(config),
            alarms: CloudWatchAlarms::new(config),
            ecs: EcsDeployments::new(config),
            logs: CloudWatchLogs::new(config),
            sns: Sns::new(config),
            journal: AnyJournal::open(config, state, &owner),
        })
    }
}

fn record(state: &AppState, e: &AwsError, during: &str) {
    let now = Utc::now();
    state.aws_failed(now, e.operation, e.kind.name(), format!("{during}: {e}"));
    tracing::warn!(event = "aws_error", api = e.operation, kind = e.kind.name(), during, error = %e, "AWS call failed");
}

/// Gives the heap pages a refresh freed back to the kernel. glibc keeps them otherwise: at
/// 1,000 objectives with a month of data, 358 MB of RSS of which 195 MB is live (BENCHMARKS.md).
/// The image's musl allocator returns large blocks itself.
fn release_freed_memory() {
    #[cfg(target_env = "gnu")]
    // SAFETY: malloc_trim only hands free pages of the heap back to the kernel.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Refreshes every objective: the minutes since the last refresh from CloudWatch, the
/// deployments from ECS, evidence for incidents that opened or resolved, the infra alarms.
pub async fn refresh<P: Ports>(state: &AppState, aws: &Adapters<P>) {
    let specs = state.specs();
    let slos = specs.refs();
    let now = Utc::now();
    let started = std::time::Instant::now();
    let (histories, mut warnings) =
        crate::report::evaluate::deployment_histories(&slos, &aws.ports.ecs, now, None).await;
    let refreshed = match crate::report::evaluate::refresh_from_cloudwatch(
        &slos,
        &aws.ports.metrics,
        &state.cache,
        &histories,
        now,
    )
    .await
    {
        Ok(r) => r,
        Err(EvaluateError::Fetch(FetchError::Call { source, .. })) => {
            record(state, &source, "refresh");
            state.counters.refresh("error");
            return;
        }
        Err(e) => {
            state.counters.refresh("error");
            let now = Utc::now();
            state.aws_failed(now, "GetMetricData", "invalid_response", e.to_string());
            tracing::warn!(event = "refresh_failed", error = %e, "refresh failed");
            return;
        }
    };
    state.aws_ok(Utc::now());
    release_freed_memory();
    let mut report = refreshed.report;
    {
        // What the page and the API say of the data: its span, and windows it does not cover
        // (a new service, a gap in CloudWatch) — shown, not logged: a quiet night would log it.
        let cache = state.cache.series.read().unwrap_or_else(|e| e.into_inner());
        let (span, coverage) = crate::report::inputs::coverage(&report, &*cache);
        report.input_span = span;
        report.warnings.extend(coverage);
    }
    attach_evidence(aws, &mut report, &slos).await;
    let infra = match aws.ports.alarms.metric_alarm_states(naming::PREFIX).await {
        Ok(states) => infra_lights(&slos, states),
        Err(e) => {
            record(state, &e, "infra alarm states");
            warnings.push(format!("infra alarm states unavailable: {e}"));
            state
                .snapshot()
                .map(|s| s.infra.clone())
                .unwrap_or_default()
        }
    };
    let alerts = match aws.ports.alarms.composite_states(naming::PREFIX).await {
        // The port's states are the core's AlarmStatus already.
        Ok(states) => Some(states),
        Err(e) => {
            record(state, &e, "composite alarm states");
            warnings.push(format!("composite alarm states unavailable: {e}"));
            None
        }
    };
    // A warning is logged when it appears and when it clears, not at every refresh: a missing
    // cluster would otherwise repeat itself every minute (noise, and log ingestion cost). The
    // current ones stay in the API and in `slo_refresh_warnings`.
    let previous = state
        .snapshot()
        .map(|s| s.warnings.clone())
        .unwrap_or_default();
    let (appeared, cleared) = warning_changes(&previous, &warnings);
    for w in appeared {
        tracing::warn!(event = "refresh_warning", warning = %w, "refresh warning");
    }
    for w in cleared {
        tracing::info!(event = "refresh_warning_cleared", warning = %w, "refresh warning cleared");
    }
    let calls = refreshed.calls;
    tracing::info!(
        event = "refresh",
        objectives = report.objectives.len(),
        get_metric_data_calls = calls,
        queries = refreshed.queries,
        millis = started.elapsed().as_millis() as u64,
        "refreshed"
    );
    state.counters.refresh("ok");
    state.set_snapshot(Snapshot {
        report,
        refreshed_at: now,
        calls,
        queries: refreshed.queries,
        infra,
        alerts,
        warnings,
    });
}

/// The warnings in `now` that were not in `before`, and those of `before` gone from `now`.
fn warning_changes<'a>(
    before: &'a [String],
    now: &'a [String],
) -> (Vec<&'a String>, Vec<&'a String>) {
    let appeared = now.iter().filter(|w| !before.contains(w)).collect();
    let cleared = before.iter().filter(|w| !now.contains(w)).collect();
    (appeared, cleared)
}

fn infra_lights(
    slos: &[&ServiceSlo],
    states: Vec<crate::aws::alarms::CompositeState>,
) -> Vec<(String, Vec<AlarmStatus>)> {
    let mut out = Vec::new();
    for s in slos {
        let prefix = naming::infra(&s.service, "");
        let lights = states
            .iter()
            .filter(|a| a.name.starts_with(&prefix))
            .cloned()
            .collect();
        out.push((s.service.clone(), lights));
    }
    out
}

/// Evidence for each incident: reused while nothing changed, read when an incident is new or
/// has just resolved. Entries of incidents no longer in the report are forgotten.
async fn attach_evidence<P: Ports>(
    aws: &Adapters<P>,
    report: &mut crate::report::Report,
    slos: &[&ServiceSlo],
) {
    // (incident, its spec, its impact: the span its evidence is read over)
    let mut wanted: Vec<(IncidentKey, &ServiceSlo, crate::core::impact::Impact)> = Vec::new();
    for o in &report.objectives {
        let Some(slo) = slos.iter().find(|s| s.service == o.key.service) else {
            continue;
        };
        for i in &o.assessment.incidents {
            wanted.push(((o.key.clone(), i.start, i.ongoing), slo, i.impact));
        }
    }
    let known: BTreeMap<_, _> = aws
        .evidence
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    let mut next = BTreeMap::new();
    for (k, slo, impact) in wanted {
        let e = match known.get(&k) {
            Some(e) => Some(e.clone()),
            None => {
                crate::report::evidence::for_incident(
                    &aws.ports.logs,
                    slo,
                    impact.start,
                    impact.end,
                )
                .await
            }
        };
        if let Some(e) = e {
            next.insert(k, e);
        }
    }
    for o in &mut report.objectives {
        for i in &mut o.assessment.incidents {
            i.evidence = next.get(&(o.key.clone(), i.start, i.ongoing)).cloned();
        }
    }
    *aws.evidence.lock().unwrap_or_else(|e| e.into_inner()) = next;
}

/// Messages' numbers, deployments and evidence from the last refresh: no extra AWS calls.
struct FromSnapshot<'a> {
    state: &'a AppState,
    slos: &'a [&'a ServiceSlo],
    region: Option<&'a str>,
}

impl Enrich for FromSnapshot<'_> {
    async fn context(&self, due: &[Outgoing]) -> Context {
        let mut out = Context::new();
        let Some(snapshot) = self.state.snapshot() else {
            return out;
        };
        for o in &snapshot.report.objectives {
            if !due.iter().any(|d| d.key() == o.key) {
                continue;
            }
            let Some(slo) = self.slos.iter().find(|s| s.service == o.key.service) else {
                continue;
            };
            let mut m = crate::notify::context_from_report(o, slo);
            crate::notify::add_links(&mut m, slo, self.region);
            out.insert(o.key.clone(), m);
        }
        out
    }
}

/// One notification pass, as `slo notify` makes it; every message sent or failed is counted
/// and logged (its id, channel and outcome; never a URL or a secret).
pub async fn notify<P: Ports>(
    state: &AppState,
    aws: &Adapters<P>,
    env: &(dyn Fn(&str) -> Option<String> + Send + Sync),
) {
    let specs = state.specs();
    let slos = specs.refs();
    let channels = Channels::for_specs(&slos, &|v| env(v), &aws.ports.sns, Some(&aws.webhook));
    let enrich = FromSnapshot {
        state,
        slos: &slos,
        region: aws.ports.region.as_deref(),
    };
    let now = Utc::now();
    // The pass ends before the next one is due (80 % of the interval; 10 s at least, for the
    // seconds-long intervals of tests): a stalled AWS or channel never piles passes up.
    let deadline = state
        .intervals
        .notify
        .mul_f64(0.8)
        .max(Duration::from_secs(10));
    let result = tokio::time::timeout(
        deadline,
        crate::notify::pass(
            &slos,
            &aws.ports.alarms,
            &channels,
            &aws.ports.journal,
            &enrich,
            now,
            state.intervals.pending_limits,
        ),
    )
    .await
    .unwrap_or(Err(crate::notify::PassError::Deadline {
        secs: deadline.as_secs_f64(),
    }));
    match &result {
        Ok(outcome) => state.notify_completed(
            Utc::now(),
            outcome.undelivered.clone(),
            outcome
                .oldest_pending
                .map_or(0.0, |d| d.num_milliseconds() as f64 / 1000.0),
        ),
        Err(e) => state.notify_failed(format!("the last notification pass failed: {e}")),
    }
    match result {
        Ok(outcome) => {
            state.aws_ok(Utc::now());
            if let Some(reset) = &outcome.reset {
                tracing::error!(event = "journal_reset", error = %reset, "the journal was damaged and set aside");
            }
            for (d, why) in &outcome.dead {
                let channel = d.channel.as_str();
                state.counters.notification(channel, "dead");
                tracing::error!(event = "notification", id = %d.id, channel, outcome = "dead", error = %why, "notification given up on");
            }
            if let Some(why) = &outcome.undelivered {
                tracing::error!(event = "notifications_stuck", error = %why, "notifications are not getting through; the heartbeat stops");
            }
            for d in &outcome.sent {
                let channel = d.channel.as_str();
                state.counters.notification(channel, "sent");
                tracing::info!(event = "notification", id = %d.id, channel, outcome = "sent", "notification sent");
            }
            for (d, error) in &outcome.failed {
                let channel = d.channel.as_str();
                state.counters.notification(channel, "failed");
                tracing::warn!(event = "notification", id = %d.id, channel, outcome = "failed", error = %error, "notification failed; kept pending");
            }
        }
        Err(crate::notify::PassError::Alarms(e)) => record(state, &e, "notify"),
        Err(e @ crate::notify::PassError::Deadline { .. }) => {
            tracing::error!(event = "notify_deadline", error = %e, "the notification pass was cut off");
        }
        Err(crate::notify::PassError::Journal(e)) => {
            if let crate::notify::JournalError::Aws { source, .. } = &e {
                record(state, source, "journal");
            } else {
                tracing::error!(event = "journal_error", error = %e, "the journal could not be used");
            }
        }
    }
    digests(state, aws, &slos, &channels, now).await;
}

/// The SLO reviews due now (`report:` in the specs), from the refreshed data, through the
/// journal: each goes once per channel.
async fn digests<P: Ports>(
    state: &AppState,
    aws: &Adapters<P>,
    slos: &[&crate::core::model::ServiceSlo],
    channels: &Channels<'_>,
    now: chrono::DateTime<Utc>,
) {
    let any_due = slos.iter().any(|s| {
        s.digest
            .as_ref()
            .is_some_and(|d| crate::core::digest::due(d, now).is_some())
    });
    if !any_due {
        return;
    }
    // Once a period: a copy of the (packed) data keeps the cache's lock out of the sends.
    let data = state
        .cache
        .series
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    let sent = crate::notify::digest::send_digests(
        slos,
        &data,
        &Default::default(),
        channels,
        &aws.ports.journal,
        now,
    )
    .await;
    match sent {
        Ok(outcome) => {
            for id in &outcome.sent {
                tracing::info!(event = "review_sent", id = %id, "SLO review sent");
            }
            for (id, error) in &outcome.failed {
                tracing::warn!(event = "review_failed", id = %id, error = %error, "SLO review not sent; tried again next pass");
            }
        }
        Err(e) => {
            tracing::error!(event = "journal_error", error = %e, "the journal could not be used for the SLO review")
        }
    }
}

/// The heartbeat the `slo:heartbeat` alarm watches: put only while notifications get through
/// (the last pass completed, recently, and nothing waits past its limit), so that when they do
/// not, the heartbeat alarm fires and the fallback composites page directly.
pub async fn heartbeat<P: Ports>(state: &AppState, aws: &Adapters<P>) {
    if let Some(why) = state.heartbeat_withheld(Utc::now()) {
        tracing::error!(event = "heartbeat_withheld", reason = %why, "heartbeat withheld: notifications are not getting through");
        return;
    }
    match aws.ports.metrics.put_heartbeat(Utc::now()).await {
        Ok(()) => state.aws_ok(Utc::now()),
        Err(e) => record(state, &e, "heartbeat"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_warning_is_told_when_it_appears_and_when_it_clears_only() {
        let w = |s: &[&str]| s.iter().map(|s| (*s).to_owned()).collect::<Vec<String>>();
        let (first, second, third) = (w(&["no cluster"]), w(&["no cluster"]), w(&["no logs"]));
        assert_eq!(warning_changes(&[], &first), (vec![&first[0]], vec![]));
        assert_eq!(warning_changes(&first, &second), (vec![], vec![]));
        assert_eq!(
            warning_changes(&second, &third),
            (vec![&third[0]], vec![&second[0]])
        );
    }
}

/// A whole `slo serve` round — refresh, notify, heartbeat, then the resolution — against the
/// in-memory ports, without the emulator: the loops take ports, not SDK clients.
#[cfg(test)]
mod in_memory {
    use super::*;
    use crate::aws::ErrorKind;
    use crate::aws::failing::{FailOn, Failing};
    use crate::aws::memory::{
        Datapoint, MemoryAlarms, MemoryDeployments, MemoryJournal, MemoryLogs, MemoryMetrics,
        MemoryTopics,
    };
    use crate::core::evidence::LogLine;
    use crate::serve::state::{Intervals, Specs};
    use chrono::TimeDelta;
    use std::time::Duration;

    struct Fakes;

    impl Ports for Fakes {
        type Metrics = MemoryMetrics;
        type Alarms = MemoryAlarms;
        type Deployments = MemoryDeployments;
        type Logs = MemoryLogs;
        /// Publishes fail as each test says.
        type Topics = Failing<MemoryTopics>;
        type Journal = MemoryJournal;
    }

    const LB: &str = "app/shop/50dc6c495c0c9188";
    const PAGE: &str = "slo:checkout:availability:page";

    fn slo() -> ServiceSlo {
        let text = format!(
            "apiVersion: slo/v1\nservice: checkout\nalb: {{ loadBalancer: {LB} }}\necs: {{ cluster: prod, service: checkout, logGroup: /ecs/checkout }}\nwindow: 1d\nobjectives:\n  - {{ name: availability, sli: availability, target: 99.9% }}\nnotify: {{ sns: arn:aws:sns:us-east-1:123456789012:alerts }}\n"
        );
        let mut d = crate::spec::diag::Diagnostics::new(std::path::Path::new("checkout.yaml"));
        let parsed = crate::spec::load::parse_spec(text.as_bytes(), &mut d);
        assert!(!d.has_errors(), "{:?}", d.items);
        parsed.unwrap().0
    }

    /// In-memory ports for `slo`'s alarms, whose SNS publishes are throttled as `fail` says.
    fn adapters(slo: &ServiceSlo, fail: FailOn) -> Adapters<Fakes> {
        Adapters::<Fakes>::new(Parts {
            region: Some("us-east-1".into()),
            metrics: MemoryMetrics::default(),
            alarms: MemoryAlarms::new(crate::core::alarms::desired_alarms(slo).unwrap()),
            ecs: MemoryDeployments::default(),
            logs: MemoryLogs::default(),
            sns: Failing::new(MemoryTopics::default(), fail, ErrorKind::Throttled),
            journal: MemoryJournal::default(),
        })
        .unwrap()
    }

    /// 10 requests a minute for three hours before `now`, 3 of them 5xx from 120 to 90 minutes
    /// ago; the service's timeouts in its log group meanwhile.
    fn traffic(metrics: &MemoryMetrics, logs: &MemoryLogs, now: DateTime<Utc>) {
        let point = |metric: &str, at, value| Datapoint {
            namespace: "AWS/ApplicationELB".into(),
            metric: metric.into(),
            dimensions: vec![("LoadBalancer".into(), LB.into())],
            at,
            value,
        };
        for m in 1..=180 {
            let at = now - TimeDelta::minutes(m);
            metrics.put([point("RequestCount", at, 10.0)]);
            if (91..=120).contains(&m) {
                metrics.put([point("HTTPCode_Target_5XX_Count", at, 3.0)]);
                logs.put(
                    "/ecs/checkout",
                    [LogLine {
                        timestamp: at,
                        message: format!(
                            "ERROR [req-{m}] TimeoutException: card-gateway password=hunter{m}"
                        ),
                    }],
                );
            }
        }
    }

    #[tokio::test]
    async fn refresh_notify_and_heartbeat_run_against_in_memory_ports() {
        let now = DateTime::from_timestamp(Utc::now().timestamp() / 60 * 60, 0).unwrap();
        let slo = slo();
        // The first publish is throttled: the pass retries it.
        let aws = adapters(&slo, FailOn::Calls([1].into()));
        traffic(&aws.ports.metrics, &aws.ports.logs, now);
        let specs = Specs {
            slos: vec![slo],
            files: Vec::new(),
            loaded_at: now,
        };
        let second = Duration::from_secs(1);
        let state = AppState::new(
            specs,
            Intervals {
                notify: second,
                refresh: second,
                heartbeat: second,
                spec_poll: second,
                pending_limits: Default::default(),
            },
            now,
        );

        refresh(&state, &aws).await;
        let snapshot = state.snapshot().expect("a refresh made a snapshot");
        let o = &snapshot.report.objectives[0];
        assert_eq!(o.assessment.counts.total, 1800, "{:?}", o.assessment.counts);
        assert_eq!(o.assessment.counts.bad(), 90);
        let incident = o.assessment.incidents.last().expect("an incident");
        let evidence = incident
            .evidence
            .as_ref()
            .expect("evidence from the log group");
        assert_eq!(evidence.top[0].count, 30, "{evidence:#?}");
        assert!(!format!("{evidence:?}").contains("hunter"), "{evidence:#?}");

        aws.ports
            .alarms
            .set_state(PAGE, "ALARM", now - TimeDelta::minutes(100));
        notify(&state, &aws, &|_| None).await;
        let published = aws.ports.sns.inner.published();
        assert_eq!(published.len(), 1, "one page, sent on the retry");
        assert_eq!(
            aws.ports.sns.calls(),
            2,
            "the throttled publish was tried again"
        );
        assert!(
            published[0]
                .subject
                .starts_with("[PAGE] checkout availability"),
            "{published:#?}"
        );
        assert!(published[0].message.contains("Top errors in the logs"));
        let journal = aws.ports.journal.state();
        assert_eq!(journal.sent.len(), 1);
        assert!(journal.pending.is_empty());

        heartbeat(&state, &aws).await;
        assert_eq!(aws.ports.metrics.heartbeats().len(), 1);
        assert!(state.health().last_ok.is_some());

        // Nothing twice; then the resolution, once.
        notify(&state, &aws, &|_| None).await;
        assert_eq!(aws.ports.sns.inner.published().len(), 1);
        aws.ports.alarms.set_state(PAGE, "OK", now);
        notify(&state, &aws, &|_| None).await;
        let published = aws.ports.sns.inner.published();
        assert_eq!(published.len(), 2);
        assert!(
            published[1].subject.starts_with("[RESOLVED]"),
            "{published:#?}"
        );
    }

    /// Notifications that do not get through stop the heartbeat (so CloudWatch's fallback
    /// composite pages directly) and take the service out of `/readyz`.
    #[tokio::test]
    async fn a_page_that_cannot_be_sent_stops_the_heartbeat_and_readiness() {
        let now = DateTime::from_timestamp(Utc::now().timestamp() / 60 * 60, 0).unwrap();
        let slo = slo();
        let aws = adapters(&slo, FailOn::From(1));
        let second = Duration::from_secs(1);
        let state = AppState::new(
            Specs {
                slos: vec![slo],
                files: Vec::new(),
                loaded_at: now,
            },
            Intervals {
                notify: Duration::from_secs(10),
                refresh: second,
                heartbeat: second,
                spec_poll: second,
                // Any wait is too long: the first failed pass already counts.
                pending_limits: crate::core::notify::PendingLimits {
                    page: TimeDelta::zero(),
                    ticket: TimeDelta::zero(),
                },
            },
            now,
        );
        // Healthy first: a pass with nothing to send lets the heartbeat beat.
        notify(&state, &aws, &|_| None).await;
        heartbeat(&state, &aws).await;
        assert_eq!(aws.ports.metrics.heartbeats().len(), 1);
        assert!(state.readiness(Utc::now()).is_ok());

        aws.ports.alarms.set_state(PAGE, "ALARM", now);
        notify(&state, &aws, &|_| None).await;
        assert!(aws.ports.sns.inner.published().is_empty());
        heartbeat(&state, &aws).await;
        assert_eq!(
            aws.ports.metrics.heartbeats().len(),
            1,
            "no beat while the page waits"
        );
        let why = state.readiness(Utc::now()).unwrap_err();
        assert!(why.reason.contains("not getting through"), "{why:?}");
        assert!(state.heartbeat_withheld(Utc::now()).is_some());
        assert!(state.notify_health().oldest_pending_seconds > 0.0);
    }
}
