//! One notification pass (`slo notify`, and every minute in `slo serve`): the severity
//! composites' states (and, since the last pass, their history) → decisions against the
//! journal (`core::notify`, with maintenance windows holding new pages) → messages on each
//! channel (`channel/`: SNS, Slack); `digest`: the scheduled SLO review. Level-
//! triggered: a pass that crashed is made good by the next. Delivery is at least once: the
//! journal is written before a message is sent and after; a crash between the two may repeat
//! that one message. The file journal is here; its port and the DynamoDB one are `aws`'s.

pub mod channel;
pub mod digest;

pub use channel::{Channel, Channels};

use crate::aws::AwsError;
use crate::aws::alarms::{AlarmWatcher, CompositeState, StateChange};
use crate::core::alarms::naming;
use crate::core::model::{ObjectiveKey, ServiceSlo};
use crate::core::notify::{
    self, AlarmState, ChannelName, JournalState, Missed, Outgoing, REPORT_AFTER_ATTEMPTS,
};
use crate::core::tiers::Severity;
use crate::render::messages::Message;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::future::Future;
use std::path::PathBuf;
use std::time::Duration;

/// Tries per message within one pass, and the most a pass waits for a `Retry-After`.
pub const TRIES_PER_PASS: u32 = 3;
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(5);

pub use crate::aws::journal::{Journal, JournalError, JournalLock};

/// The embedded journal: one JSON file under `--state DIR`, replaced atomically and fsynced on
/// every write, so a crash leaves the old or the new state, never half of one. The state is
/// small (a record per objective and the undelivered messages), so a whole-file write per
/// change is cheap, and it needs no database.
pub struct FileJournal {
    pub path: PathBuf,
}

impl FileJournal {
    pub fn in_dir(dir: &std::path::Path) -> FileJournal {
        FileJournal {
            path: dir.join("journal.json"),
        }
    }
}

impl Journal for FileJournal {
    async fn load(&self) -> Result<JournalState, JournalError> {
        match std::fs::read(&self.path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| JournalError::Damaged {
                path: self.path.clone(),
                message: e.to_string(),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(JournalState::default()),
            Err(source) => Err(JournalError::Read {
                path: self.path.clone(),
                source,
            }),
        }
    }

    async fn save(&self, state: &JournalState) -> Result<(), JournalError> {
        let write = |source| JournalError::Write {
            path: self.path.clone(),
            source,
        };
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(write)?;
        }
        let bytes = serde_json::to_vec_pretty(state).unwrap_or_default();
        crate::render::file::write_atomically(&self.path, &bytes).map_err(write)
    }

    async fn lock(&self) -> Result<JournalLock, JournalError> {
        let path = self.path.with_file_name("journal.lock");
        let fail = |source| JournalError::Write {
            path: path.clone(),
            source,
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(fail)?;
        }
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(fail)?;
        let started = std::time::Instant::now();
        loop {
            use std::os::fd::AsRawFd;
            // SAFETY: flock on a descriptor this function owns; it has no memory effects.
            let r = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
            if r == 0 {
                return Ok(JournalLock::held(file));
            }
            let e = std::io::Error::last_os_error();
            if e.raw_os_error() != Some(libc::EWOULDBLOCK) {
                return Err(fail(e));
            }
            if started.elapsed() >= LOCK_WAIT {
                return Err(JournalError::Busy {
                    path,
                    waited_secs: LOCK_WAIT.as_secs(),
                });
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn set_aside(&self) -> Result<String, JournalError> {
        let aside = self.path.with_file_name(format!(
            "journal.damaged-{}.json",
            Utc::now().format("%Y%m%dT%H%M%SZ")
        ));
        std::fs::rename(&self.path, &aside).map_err(|source| JournalError::Write {
            path: self.path.clone(),
            source,
        })?;
        Ok(format!("moved to {}", aside.display()))
    }
}

/// How long a pass waits for another process's pass on the same state directory.
pub const LOCK_WAIT: Duration = Duration::from_secs(30);

/// The journal `--state` names: a directory, or `dynamodb://TABLE`.
pub enum AnyJournal {
    File(FileJournal),
    DynamoDb(crate::aws::dynamodb::DynamoDbJournal),
}

impl AnyJournal {
    /// `owner`: who this process is in DynamoDB claims.
    pub fn open(config: &aws_config::SdkConfig, state: &str, owner: &str) -> AnyJournal {
        match state.strip_prefix("dynamodb://") {
            Some(table) => AnyJournal::DynamoDb(crate::aws::dynamodb::DynamoDbJournal::new(
                config, table, owner,
            )),
            None => AnyJournal::File(FileJournal::in_dir(std::path::Path::new(state))),
        }
    }
}

impl Journal for AnyJournal {
    async fn load(&self) -> Result<JournalState, JournalError> {
        match self {
            AnyJournal::File(j) => j.load().await,
            AnyJournal::DynamoDb(j) => j.load().await,
        }
    }

    async fn save(&self, state: &JournalState) -> Result<(), JournalError> {
        match self {
            AnyJournal::File(j) => j.save(state).await,
            AnyJournal::DynamoDb(j) => j.save(state).await,
        }
    }

    async fn claim(&self, id: &str, now: DateTime<Utc>) -> Result<bool, JournalError> {
        match self {
            AnyJournal::File(j) => j.claim(id, now).await,
            AnyJournal::DynamoDb(j) => j.claim(id, now).await,
        }
    }

    async fn lock(&self) -> Result<JournalLock, JournalError> {
        match self {
            AnyJournal::File(j) => j.lock().await,
            AnyJournal::DynamoDb(j) => j.lock().await,
        }
    }

    async fn delivered(&self, id: &str, at: DateTime<Utc>) -> Result<(), JournalError> {
        match self {
            AnyJournal::File(j) => j.delivered(id, at).await,
            AnyJournal::DynamoDb(j) => j.delivered(id, at).await,
        }
    }

    async fn set_aside(&self) -> Result<String, JournalError> {
        match self {
            AnyJournal::File(j) => j.set_aside().await,
            AnyJournal::DynamoDb(j) => j.set_aside().await,
        }
    }
}

/// What a message says beyond the alarm's state: the numbers and the deployment, when the
/// caller could compute them.
pub type Context = BTreeMap<ObjectiveKey, Message>;

/// Computes the context of the messages about to be sent (burn rates, budget, deployment,
/// evidence): only when there is something to send.
pub trait Enrich {
    fn context(&self, due: &[Outgoing]) -> impl Future<Output = Context> + Send;
}

/// No context: messages say what the alarms say.
pub struct Plain;

impl Enrich for Plain {
    async fn context(&self, _due: &[Outgoing]) -> Context {
        Context::new()
    }
}

/// The composites `slo` keeps for `slos`, as alarm states.
pub fn alarm_states(slos: &[&ServiceSlo], composites: &[CompositeState]) -> Vec<AlarmState> {
    composites
        .iter()
        .filter_map(|c| {
            let (key, severity) = parse_severity_composite(&c.name)?;
            slos.iter()
                .any(|s| {
                    s.service == key.service && s.objectives.iter().any(|o| o.name == key.objective)
                })
                .then(|| AlarmState {
                    key,
                    severity,
                    firing: c.state == "ALARM",
                    since: c.since,
                })
        })
        .collect()
}

/// `slo:checkout:availability:page` → (checkout/availability, page).
pub fn parse_severity_composite(name: &str) -> Option<(ObjectiveKey, Severity)> {
    let rest = name.strip_prefix(naming::PREFIX)?;
    let (head, severity) = rest.rsplit_once(':')?;
    let severity = match severity {
        "page" => Severity::Page,
        "ticket" => Severity::Ticket,
        _ => return None,
    };
    let (service, objective) = head.split_once(':')?;
    (!objective.contains(':')).then(|| (ObjectiveKey::new(service, objective), severity))
}

/// Episodes that fired and cleared between passes, from the composites' history.
pub fn missed(changes: &[StateChange]) -> Vec<Missed> {
    let mut open: BTreeMap<&str, DateTime<Utc>> = BTreeMap::new();
    let mut out = Vec::new();
    for c in changes {
        match c.new_state.as_str() {
            "ALARM" => {
                open.entry(&c.name).or_insert(c.at);
            }
            _ => {
                if let (Some(start), Some((key, severity))) = (
                    open.remove(c.name.as_str()),
                    parse_severity_composite(&c.name),
                ) {
                    out.push(Missed {
                        key,
                        severity,
                        start,
                        end: c.at,
                    });
                }
            }
        }
    }
    out
}

/// The message for `o`, from the context when there is one.
pub fn message_for(o: &Outgoing, context: &Context, slos: &[&ServiceSlo]) -> Message {
    let base = context.get(&o.key()).cloned();
    let slo = slos.iter().find(|s| s.service == o.service);
    let mut m = base.unwrap_or_else(|| Message {
        service: o.service.clone(),
        objective: o.objective.clone(),
        kind: o.kind,
        severity: o.severity,
        since: o.since,
        at: o.at,
        burn_rates: Vec::new(),
        budget_remaining: None,
        exhausted_in: None,
        deployment: None,
        evidence: None,
        runbook: slo.and_then(|s| s.runbook.clone()),
        dashboard_url: slo.and_then(|s| s.notify.dashboard_url.clone()),
        logs_url: None,
        impact: None,
        recent_ratio: None,
        bad_means: slo
            .and_then(|s| s.objectives.iter().find(|ob| ob.name == o.objective))
            .map_or_else(|| "failing".to_owned(), |ob| bad_means(ob.sli)),
        test: false,
    });
    m.kind = o.kind;
    m.severity = o.severity;
    m.since = o.since;
    m.at = o.at;
    m
}

/// A message of a pass, and the channel it went to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivery {
    pub id: String,
    pub channel: ChannelName,
}

/// What a pass did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PassOutcome {
    pub sent: Vec<Delivery>,
    /// Tried in this pass and failed, with the error (still pending).
    pub failed: Vec<(Delivery, String)>,
    /// Still pending after this pass, with the last error.
    pub pending: Vec<(Delivery, String)>,
    /// Pending messages that failed [`REPORT_AFTER_ATTEMPTS`] times or more.
    pub stuck: Vec<Delivery>,
    /// Given up on in this pass (dead-lettered), with why.
    pub dead: Vec<(Delivery, String)>,
    /// The journal was damaged and a fresh one started: what happened, for a loud error.
    pub reset: Option<String>,
    /// Why notifications are not getting through (a message pending past its limit, a page
    /// given up on while it still fires): the heartbeat must stop. `None`: healthy.
    pub undelivered: Option<String>,
    /// How long the oldest pending message has waited.
    pub oldest_pending: Option<chrono::TimeDelta>,
}

#[derive(Debug, thiserror::Error)]
pub enum PassError {
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error("cannot read the alarms' state")]
    Alarms(#[source] AwsError),
    /// The pass did not finish before the next was due (a stalled AWS or channel).
    #[error("the notification pass did not finish within {secs:.1}s")]
    Deadline { secs: f64 },
}

type Sleep = dyn Fn(Duration) -> std::pin::Pin<Box<dyn Future<Output = ()> + Send>> + Sync;

/// Why a send failed, and whether to give up on the message at once.
struct Failure {
    message: String,
    /// The channel refused it for good (a 4xx no retry mends, a webhook not configured).
    permanent: bool,
}

/// Sends one message on its channel, retrying within the pass.
async fn send(
    o: &Outgoing,
    m: &Message,
    channels: &Channels<'_>,
    sleep: &Sleep,
) -> Result<(), Failure> {
    let Some(channel) = channels.get(&o.channel) else {
        return Err(Failure {
            message: format!("no {} channel any more", o.channel),
            permanent: true,
        });
    };
    let mut last = Failure {
        message: String::new(),
        permanent: false,
    };
    for attempt in 0..TRIES_PER_PASS {
        match channel.send(&o.service, m).await {
            Ok(()) => return Ok(()),
            Err(e) => {
                last = Failure {
                    message: e.message,
                    permanent: !e.retryable,
                };
                if !e.retryable || attempt + 1 == TRIES_PER_PASS {
                    break;
                }
                let backoff = Duration::from_millis(500 * (1 << attempt));
                sleep(e.wait.unwrap_or(backoff).min(MAX_RETRY_AFTER)).await;
            }
        }
    }
    Err(last)
}

/// The journal's state for this pass: as stored, or, when it is damaged, a fresh one (the
/// damaged copy set aside, and said loudly): a fresh journal sees every firing composite as
/// new and notifies it again — nothing firing is dropped.
async fn load_or_reset<J: Journal>(
    journal: &J,
) -> Result<(JournalState, Option<String>), JournalError> {
    match journal.load().await {
        Ok(state) => Ok((state, None)),
        Err(JournalError::Damaged { path, message }) => {
            let aside = journal.set_aside().await?;
            Ok((
                JournalState::default(),
                Some(format!(
                    "the journal {} was damaged ({message}); {aside}; a fresh journal starts from the alarms' current state and notifies what fires again",
                    path.display()
                )),
            ))
        }
        Err(e) => Err(e),
    }
}

/// The pass: lock, read, decide, record, send (each channel on its own, concurrently),
/// record. `limits`: how long a message may wait before the notification path counts as
/// broken ([`PassOutcome::undelivered`]).
pub async fn pass<W: AlarmWatcher, J: Journal + Sync, E: Enrich>(
    slos: &[&ServiceSlo],
    watcher: &W,
    channels: &Channels<'_>,
    journal: &J,
    enrich: &E,
    now: DateTime<Utc>,
    limits: notify::PendingLimits,
) -> Result<PassOutcome, PassError> {
    let _lock = journal.lock().await?;
    let (mut state, reset) = load_or_reset(journal).await?;
    let composites = watcher
        .composite_states(naming::PREFIX)
        .await
        .map_err(PassError::Alarms)?;
    let mut states = alarm_states(slos, &composites);
    let mut missed = match state.last_pass {
        Some(from) => missed(
            &watcher
                .state_changes(naming::PREFIX, from)
                .await
                .map_err(PassError::Alarms)?,
        ),
        None => Vec::new(),
    };
    let repeat: BTreeMap<String, chrono::TimeDelta> = slos
        .iter()
        .map(|s| (s.service.clone(), s.notify.repeat))
        .collect();
    let excluded = |key: &crate::core::model::ObjectiveKey, at: chrono::DateTime<chrono::Utc>| {
        slos.iter().filter(|s| s.service == key.service).any(|s| {
            let instant = crate::core::window::TimeRange {
                start: at,
                end: at + chrono::TimeDelta::seconds(1),
            };
            !crate::core::exclusions::spans(&s.exclusions, &key.objective, instant).is_empty()
        })
    };
    for key in notify::hold_excluded(&state, &mut states, &mut missed, &excluded, now) {
        tracing::info!(event = "held_for_exclusion", group = %key, "a page in a maintenance window is held");
    }
    notify::decide(
        &mut state,
        &states,
        &missed,
        &|k| channels.names_for(k),
        &|k| {
            repeat
                .get(&k.service)
                .copied()
                .unwrap_or(chrono::TimeDelta::hours(4))
        },
        now,
    );
    journal.save(&state).await?;
    let due: Vec<Outgoing> = state
        .pending
        .values()
        .filter(|p| p.next_attempt <= now)
        .map(|p| p.message.clone())
        .collect();
    let context = if due.is_empty() {
        Context::new()
    } else {
        enrich.context(&due).await
    };
    let mut by_channel: BTreeMap<ChannelName, Vec<Outgoing>> = BTreeMap::new();
    for o in due {
        by_channel.entry(o.channel.clone()).or_default().push(o);
    }
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(Outgoing, Result<(), Failure>)>();
    let mut outcome = PassOutcome {
        reset,
        ..PassOutcome::default()
    };
    let claim_error: std::sync::Mutex<Option<JournalError>> = std::sync::Mutex::new(None);
    let record_error: std::sync::Mutex<Option<JournalError>> = std::sync::Mutex::new(None);
    let mut work: Vec<std::pin::Pin<Box<dyn Future<Output = ()> + Send + '_>>> = Vec::new();
    // One sequence per channel: a slow or failing channel never holds another's messages.
    for (name, list) in by_channel {
        let tx = tx.clone();
        let (context, claim_error) = (&context, &claim_error);
        work.push(Box::pin(async move {
            let sleep = |d: Duration| -> std::pin::Pin<Box<dyn Future<Output = ()> + Send>> {
                Box::pin(tokio::time::sleep(d))
            };
            let spacing = channels.get(&name).map_or(Duration::ZERO, |c| c.spacing());
            let mut last_sent: Option<std::time::Instant> = None;
            for o in list {
                match journal.claim(&o.id, Utc::now().max(now)).await {
                    Ok(true) => {}
                    Ok(false) => continue,
                    Err(e) => {
                        *claim_error.lock().unwrap_or_else(|e| e.into_inner()) = Some(e);
                        return;
                    }
                }
                if let Some(t) = last_sent {
                    let gap = spacing.saturating_sub(t.elapsed());
                    if !gap.is_zero() {
                        sleep(gap).await;
                    }
                }
                last_sent = Some(std::time::Instant::now());
                let m = message_for(&o, context, slos);
                let result = send(&o, &m, channels, &sleep).await;
                if tx.send((o, result)).is_err() {
                    return;
                }
            }
        }));
    }
    drop(tx);
    // The recorder: every result goes into the journal as it comes, one write at a time.
    let (state_ref, outcome_ref, record_error_ref) = (&mut state, &mut outcome, &record_error);
    work.push(Box::pin(async move {
        let (state, outcome, record_error) = (state_ref, outcome_ref, record_error_ref);
        while let Some((o, result)) = rx.recv().await {
            let delivery = Delivery {
                id: o.id.clone(),
                channel: o.channel.clone(),
            };
            let at = Utc::now().max(now);
            match result {
                Ok(()) => {
                    if let Err(e) = journal.delivered(&o.id, at).await {
                        record_error
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .get_or_insert(e);
                    }
                    notify::delivered(state, &o.id, at);
                    outcome.sent.push(delivery);
                }
                Err(f) => {
                    outcome.failed.push((delivery.clone(), f.message.clone()));
                    notify::failed(state, &o.id, f.message.clone(), now);
                    let attempts = state.pending.get(&o.id).map_or(0, |p| p.attempts);
                    if f.permanent || attempts >= notify::DEAD_AFTER_ATTEMPTS {
                        notify::dead_letter(state, &o.id, f.message.clone(), at);
                        outcome.dead.push((delivery, f.message));
                    }
                }
            }
            if let Err(e) = journal.save(state).await {
                record_error
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .get_or_insert(e);
                return;
            }
        }
    }));
    crate::aws::join_all(work).await;
    if let Some(e) = record_error.into_inner().unwrap_or_else(|e| e.into_inner()) {
        return Err(e.into());
    }
    if let Some(e) = claim_error.into_inner().unwrap_or_else(|e| e.into_inner()) {
        return Err(e.into());
    }
    for (id, p) in &state.pending {
        let delivery = Delivery {
            id: id.clone(),
            channel: p.message.channel.clone(),
        };
        if p.attempts >= REPORT_AFTER_ATTEMPTS {
            outcome.stuck.push(delivery.clone());
        }
        outcome
            .pending
            .push((delivery, p.last_error.clone().unwrap_or_default()));
    }
    let end = Utc::now().max(now);
    outcome.undelivered = notify::undelivered(&state, end, limits);
    outcome.oldest_pending = notify::oldest_pending(&state, end);
    Ok(outcome)
}

/// The message context of `o` from a report of its service: burn rates over the report's
/// windows, budget left and when it runs out at the shortest window's rate, and the
/// deployment and evidence of the incident the firing belongs to.
pub fn context_from_report(o: &crate::report::ObjectiveReport, slo: &ServiceSlo) -> Message {
    let a = &o.assessment;
    let burn_rates: Vec<(String, Option<f64>)> = a
        .burn_rates
        .iter()
        .map(|b| {
            (
                crate::core::window::format_duration(b.window),
                b.rate.map(|r| r.get()),
            )
        })
        .collect();
    let remaining = a.budget.map(|b| b.remaining()).filter(|r| r.is_finite());
    let fastest = a.burn_rates.first().and_then(|b| b.rate).map(|r| r.get());
    let exhausted_in = match (remaining, fastest) {
        (Some(r), Some(b)) if r > 0.0 && b > 0.0 && b.is_finite() => {
            let window = o.window.nominal().num_seconds() as f64;
            Some(chrono::TimeDelta::seconds((r * window / b) as i64))
        }
        _ => None,
    };
    let incident = a.incidents.last();
    Message {
        service: o.key.service.clone(),
        objective: o.key.objective.clone(),
        kind: notify::Kind::Firing,
        severity: Severity::Page,
        since: a.range.end,
        at: a.range.end,
        burn_rates,
        budget_remaining: remaining,
        exhausted_in,
        deployment: incident.and_then(|i| i.deployment.clone()),
        evidence: incident.and_then(|i| i.evidence.clone()),
        runbook: slo.runbook.clone(),
        dashboard_url: slo.notify.dashboard_url.clone(),
        logs_url: None,
        impact: incident.map(|i| i.impact),
        recent_ratio: a
            .burn_rates
            .first()
            .and_then(|b| b.rate)
            .map(|r| r.get() * o.target.error_allowance()),
        bad_means: bad_means(o.sli),
        test: false,
    }
}

/// What a bad request of `sli` is, as messages say it.
fn bad_means(sli: crate::core::model::Sli) -> String {
    match sli {
        crate::core::model::Sli::Availability => "failing".to_owned(),
        crate::core::model::Sli::Latency { threshold } => {
            format!("slower than {}ms", threshold.as_millis())
        }
    }
}

/// Links a message to the service's dashboard (`notify.dashboardUrl`, or the CloudWatch one
/// `slo` keeps) and to its evidence's log events, in `region` when it is known.
pub fn add_links(m: &mut Message, slo: &ServiceSlo, region: Option<&str>) {
    let Some(region) = region else { return };
    if m.dashboard_url.is_none()
        && slo.dashboard
        && let Ok(name) = crate::core::alarms::dashboard::dashboard_name(&slo.service)
    {
        m.dashboard_url = Some(crate::core::console::dashboard_url(region, &name));
    }
    if let Some(e) = &m.evidence {
        m.logs_url = Some(crate::core::console::log_events_url(
            region,
            &e.log_group,
            e.from,
            e.to,
        ));
    }
}

/// `slo notify --test`: a sample message to every channel of every spec, now, without the
/// journal. Every channel a spec names is tried; the first failure is the error.
pub async fn send_test(
    slos: &[&ServiceSlo],
    channels: &Channels<'_>,
    now: DateTime<Utc>,
) -> Result<Vec<Delivery>, String> {
    let mut sent = Vec::new();
    let sleep = |d: Duration| -> std::pin::Pin<Box<dyn Future<Output = ()> + Send>> {
        Box::pin(tokio::time::sleep(d))
    };
    for slo in slos {
        let Some(objective) = slo.objectives.first() else {
            continue;
        };
        let key = slo.key(objective);
        for channel in channels.names_for(&key) {
            let o = Outgoing {
                id: format!("{key}|test@{}|{channel}", now.timestamp()),
                service: key.service.clone(),
                objective: key.objective.clone(),
                kind: notify::Kind::Firing,
                severity: Severity::Ticket,
                since: now,
                at: now,
                channel: channel.clone(),
            };
            let mut m = message_for(&o, &Context::new(), slos);
            m.test = true;
            send(&o, &m, channels, &sleep)
                .await
                .map_err(|f| format!("{}: {}", o.channel, f.message))?;
            sent.push(Delivery { id: o.id, channel });
        }
    }
    Ok(sent)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::Publisher;
    use std::sync::atomic::{AtomicUsize, Ordering};

    struct Firing;
    impl AlarmWatcher for Firing {
        async fn composite_states(&self, _p: &str) -> Result<Vec<CompositeState>, AwsError> {
            Ok(vec![CompositeState {
                name: "slo:checkout:availability:page".into(),
                state: "ALARM".into(),
                since: DateTime::from_timestamp(1_795_000_000, 0).unwrap(),
            }])
        }
        async fn state_changes(
            &self,
            _p: &str,
            _f: DateTime<Utc>,
        ) -> Result<Vec<StateChange>, AwsError> {
            Ok(Vec::new())
        }
    }

    #[derive(Default)]
    struct Counting(AtomicUsize);
    impl Publisher for Counting {
        async fn publish(
            &self,
            _t: &str,
            _s: &str,
            _m: &str,
            _d: &str,
        ) -> Result<String, AwsError> {
            self.0.fetch_add(1, Ordering::SeqCst);
            Ok("id".into())
        }
    }

    /// Writes through to a file journal, but "crashes" (fails) on the `n`-th save.
    struct CrashingJournal {
        inner: FileJournal,
        crash_at: usize,
        saves: AtomicUsize,
    }
    impl Journal for CrashingJournal {
        async fn load(&self) -> Result<JournalState, JournalError> {
            self.inner.load().await
        }
        async fn save(&self, state: &JournalState) -> Result<(), JournalError> {
            if self.saves.fetch_add(1, Ordering::SeqCst) + 1 == self.crash_at {
                return Err(JournalError::Damaged {
                    path: self.inner.path.clone(),
                    message: "crashed".into(),
                });
            }
            self.inner.save(state).await
        }
    }

    fn spec() -> ServiceSlo {
        let text = "apiVersion: slo/v1\nservice: checkout\nalb: { loadBalancer: app/lb/0123456789abcdef }\nobjectives:\n  - { name: availability, sli: availability, target: 99.9% }\nnotify: { sns: arn:aws:sns:us-east-1:123456789012:alerts }\n";
        let mut d = crate::spec::diag::Diagnostics::new(std::path::Path::new("t.yaml"));
        crate::spec::load::parse_spec(text.as_bytes(), &mut d)
            .unwrap()
            .0
    }

    #[test]
    fn a_crash_between_send_and_record_repeats_that_one_message_at_most_once() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let dir = tempfile::tempdir().unwrap();
            let slo = spec();
            let slos = [&slo];
            let publisher = Counting::default();
            let channels = Channels::for_specs(&slos, &|_| None, &publisher, None);
            let now = DateTime::from_timestamp(1_795_000_100, 0).unwrap();
            // Save 1 records the decision; save 2 (after the send) never happens.
            let crashing = CrashingJournal {
                inner: FileJournal::in_dir(dir.path()),
                crash_at: 2,
                saves: AtomicUsize::new(0),
            };
            let r = pass(
                &slos,
                &Firing,
                &channels,
                &crashing,
                &Plain,
                now,
                Default::default(),
            )
            .await;
            assert!(r.is_err());
            assert_eq!(publisher.0.load(Ordering::SeqCst), 1);
            let journal = FileJournal::in_dir(dir.path());
            for _ in 0..3 {
                pass(
                    &slos,
                    &Firing,
                    &channels,
                    &journal,
                    &Plain,
                    now,
                    Default::default(),
                )
                .await
                .unwrap();
            }
            assert_eq!(
                publisher.0.load(Ordering::SeqCst),
                2,
                "one duplicate, then none"
            );
        });
    }

    #[test]
    fn severity_composites_are_told_from_other_alarms_by_name() {
        assert_eq!(
            parse_severity_composite("slo:checkout:availability:page"),
            Some((
                ObjectiveKey::new("checkout", "availability"),
                Severity::Page
            ))
        );
        assert_eq!(parse_severity_composite("slo:checkout:fallback"), None);
        assert_eq!(
            parse_severity_composite("slo:checkout:availability:fast:1h"),
            None
        );
        assert_eq!(parse_severity_composite("slo:heartbeat"), None);
    }

    #[test]
    fn an_episode_that_fired_and_cleared_between_passes_is_found_in_the_history() {
        let t = |m: i64| DateTime::from_timestamp(1_795_000_000 + m * 60, 0).unwrap();
        let change = |name: &str, at, s: &str| StateChange {
            name: name.into(),
            at,
            new_state: s.into(),
        };
        let found = missed(&[
            change("slo:checkout:availability:page", t(1), "ALARM"),
            change("slo:checkout:availability:page", t(9), "OK"),
            change("slo:catalog:latency:ticket", t(5), "ALARM"),
        ]);
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].start, found[0].end), (t(1), t(9)));
    }
}
