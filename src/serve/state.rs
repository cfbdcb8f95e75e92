//! What `slo serve` knows between passes, shared by its loops and its HTTP handlers: the
//! specs in force, the last refresh, the health of the AWS round trips, and counters.
//! Locks are never held across an `.await`.

use crate::core::alarms::AlarmStatus;
use crate::core::model::ServiceSlo;
use crate::report::Report;
use crate::report::evaluate::Kept;
use chrono::{DateTime, TimeDelta, Utc};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

/// The specs in force: replaced whole on a successful reload, kept on a failed one.
#[derive(Clone, Debug)]
pub struct Specs {
    pub slos: Vec<ServiceSlo>,
    /// The spec files and their modification times, to notice a change.
    pub files: Vec<(PathBuf, Option<std::time::SystemTime>)>,
    pub loaded_at: DateTime<Utc>,
}

impl Specs {
    pub fn refs(&self) -> Vec<&ServiceSlo> {
        self.slos.iter().collect()
    }
}

/// The last successful refresh.
#[derive(Clone, Debug)]
pub struct Snapshot {
    pub report: Report,
    pub refreshed_at: DateTime<Utc>,
    /// `GetMetricData` requests and queries it took.
    pub calls: usize,
    pub queries: usize,
    /// Per service, its infra alarms' states.
    pub infra: Vec<(String, Vec<AlarmStatus>)>,
    /// The severity composites' states (`slo:<service>:<objective>:page|ticket`); `None` when
    /// CloudWatch could not be asked.
    pub alerts: Option<Vec<AlarmStatus>>,
    /// Warnings of the refresh (services without deployments or evidence, and why).
    pub warnings: Vec<String>,
}

/// The AWS round trips: when the last succeeded, and the last failure.
#[derive(Clone, Debug, Default)]
pub struct Health {
    pub last_ok: Option<DateTime<Utc>>,
    pub last_error: Option<(DateTime<Utc>, String)>,
}

/// `slo_notifications_total{channel,outcome}` and `slo_aws_errors_total{api,kind}`.
#[derive(Debug, Default)]
pub struct Counters {
    pub notifications: Mutex<BTreeMap<(String, String), u64>>,
    pub aws_errors: Mutex<BTreeMap<(String, String), u64>>,
    pub refreshes: Mutex<BTreeMap<String, u64>>,
    /// Dashboard pages served, by where from: `render` or `cache`.
    pub pages: Mutex<BTreeMap<String, u64>>,
}

fn bump(map: &Mutex<BTreeMap<(String, String), u64>>, a: &str, b: &str) {
    let mut m = map.lock().unwrap_or_else(|e| e.into_inner());
    *m.entry((a.to_owned(), b.to_owned())).or_default() += 1;
}

impl Counters {
    pub fn notification(&self, channel: &str, outcome: &str) {
        bump(&self.notifications, channel, outcome);
    }

    pub fn aws_error(&self, api: &str, kind: &str) {
        bump(&self.aws_errors, api, kind);
    }

    pub fn refresh(&self, outcome: &str) {
        let mut m = self.refreshes.lock().unwrap_or_else(|e| e.into_inner());
        *m.entry(outcome.to_owned()).or_default() += 1;
    }

    pub fn page_render(&self, rendered: bool) {
        let mut m = self.pages.lock().unwrap_or_else(|e| e.into_inner());
        *m.entry(if rendered { "render" } else { "cache" }.to_owned())
            .or_default() += 1;
    }
}

/// Whether notifications get through: the heartbeat beats only while they do.
#[derive(Clone, Debug, Default)]
pub struct NotifyHealth {
    /// The end of the last pass that completed.
    pub last_completed: Option<DateTime<Utc>>,
    /// Why the last pass failed, or why its messages are not getting through; `None` when
    /// the last pass completed and nothing waits past its limit.
    pub problem: Option<String>,
    pub pass_failures_total: u64,
    /// How long the oldest pending message had waited at the last pass.
    pub oldest_pending_seconds: f64,
}

/// Why the service is not ready.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotReady {
    pub phase: Phase,
    /// For people: `degraded: no AWS call has succeeded since … (…)`.
    pub reason: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// No AWS round trip has succeeded yet (or no spec is valid).
    Starting,
    /// Round trips succeeded once, but none recently.
    Degraded,
}

impl Phase {
    pub fn name(self) -> &'static str {
        match self {
            Phase::Starting => "starting",
            Phase::Degraded => "degraded",
        }
    }
}

/// The loops' intervals.
#[derive(Clone, Copy, Debug)]
pub struct Intervals {
    pub notify: Duration,
    pub refresh: Duration,
    pub heartbeat: Duration,
    /// How often the spec files are checked for changes.
    pub spec_poll: Duration,
    /// How long a message may wait before notifications count as broken.
    pub pending_limits: crate::core::notify::PendingLimits,
}

impl Intervals {
    /// Ready means an AWS round trip succeeded within this long: three of the shortest loop's
    /// intervals, so one slow or failed pass does not take the service out.
    pub fn readiness_grace(&self) -> TimeDelta {
        let shortest = self.notify.min(self.refresh).min(self.heartbeat);
        TimeDelta::from_std(shortest * 3).unwrap_or(TimeDelta::MAX)
    }
}

/// Everything the handlers read and the loops write.
#[derive(Debug)]
pub struct AppState {
    pub specs: RwLock<Arc<Specs>>,
    /// The last reload that failed, with its diagnostics; cleared by a good one.
    pub spec_error: Mutex<Option<String>>,
    pub snapshot: RwLock<Option<Arc<Snapshot>>>,
    pub cache: Kept,
    pub health: Mutex<Health>,
    pub notify: Mutex<NotifyHealth>,
    pub counters: Counters,
    pub intervals: Intervals,
    pub started_at: DateTime<Utc>,
    /// The dashboard as last rendered: rendered again only after a refresh or when its notices
    /// change, not per request.
    pub page: Mutex<Option<CachedPage>>,
}

/// A rendered dashboard and what it was rendered from.
#[derive(Clone, Debug)]
pub struct CachedPage {
    pub refreshed_at: DateTime<Utc>,
    pub notices: Vec<String>,
    pub html: Arc<str>,
}

impl AppState {
    pub fn new(specs: Specs, intervals: Intervals, now: DateTime<Utc>) -> AppState {
        AppState {
            specs: RwLock::new(Arc::new(specs)),
            spec_error: Mutex::new(None),
            snapshot: RwLock::new(None),
            cache: Kept::default(),
            health: Mutex::new(Health::default()),
            notify: Mutex::new(NotifyHealth::default()),
            counters: Counters::default(),
            intervals,
            started_at: now,
            page: Mutex::new(None),
        }
    }

    pub fn specs(&self) -> Arc<Specs> {
        self.specs.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn snapshot(&self) -> Option<Arc<Snapshot>> {
        self.snapshot
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn set_snapshot(&self, s: Snapshot) {
        *self.snapshot.write().unwrap_or_else(|e| e.into_inner()) = Some(Arc::new(s));
    }

    pub fn aws_ok(&self, at: DateTime<Utc>) {
        let mut h = self.health.lock().unwrap_or_else(|e| e.into_inner());
        h.last_ok = Some(h.last_ok.map_or(at, |t| t.max(at)));
    }

    pub fn aws_failed(&self, at: DateTime<Utc>, api: &str, kind: &str, message: String) {
        self.counters.aws_error(api, kind);
        let mut h = self.health.lock().unwrap_or_else(|e| e.into_inner());
        h.last_error = Some((at, message));
    }

    /// A notification pass completed at `at`; `problem`: why messages still do not get
    /// through, if they do not.
    pub fn notify_completed(&self, at: DateTime<Utc>, problem: Option<String>, oldest: f64) {
        let mut n = self.notify.lock().unwrap_or_else(|e| e.into_inner());
        n.last_completed = Some(at);
        n.problem = problem;
        n.oldest_pending_seconds = oldest;
    }

    /// A notification pass failed.
    pub fn notify_failed(&self, why: String) {
        let mut n = self.notify.lock().unwrap_or_else(|e| e.into_inner());
        n.pass_failures_total += 1;
        n.problem = Some(why);
    }

    pub fn notify_health(&self) -> NotifyHealth {
        self.notify
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Why the heartbeat must not beat at `now`: the last notification pass failed, no pass
    /// completed recently, or a message waits past its limit. `None`: beat.
    pub fn heartbeat_withheld(&self, now: DateTime<Utc>) -> Option<String> {
        let n = self.notify_health();
        if let Some(p) = n.problem {
            return Some(p);
        }
        let grace = self.intervals.readiness_grace();
        match n.last_completed {
            Some(t) if now - t <= grace => None,
            Some(t) => Some(format!(
                "no notification pass has completed since {}",
                crate::render::rfc3339(t)
            )),
            // Before the first pass: the service is starting, not failing.
            None if now - self.started_at <= grace => None,
            None => Some("no notification pass has completed yet".to_owned()),
        }
    }

    pub fn health(&self) -> Health {
        self.health
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// `Ok` when ready; why not otherwise.
    pub fn readiness(&self, now: DateTime<Utc>) -> Result<(), NotReady> {
        let starting = |reason: String| NotReady {
            phase: Phase::Starting,
            reason,
        };
        if let Some(e) = self
            .spec_error
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            && self.specs().slos.is_empty()
        {
            return Err(starting(format!("no valid specs: {e}")));
        }
        // Before the first notification pass the AWS check below says "starting".
        let notify = self.notify_health();
        if (notify.last_completed.is_some() || notify.problem.is_some())
            && let Some(why) = self.heartbeat_withheld(now)
        {
            return Err(NotReady {
                phase: Phase::Degraded,
                reason: format!("degraded: notifications are not getting through: {why}"),
            });
        }
        let h = self.health();
        let grace = self.intervals.readiness_grace();
        let last_error = h
            .last_error
            .as_ref()
            .map_or(String::new(), |(_, e)| format!(" ({e})"));
        match h.last_ok {
            Some(ok) if now - ok <= grace => Ok(()),
            Some(ok) => Err(NotReady {
                phase: Phase::Degraded,
                reason: format!(
                    "degraded: no AWS call has succeeded since {}{last_error}",
                    crate::render::rfc3339(ok)
                ),
            }),
            None => Err(starting(format!(
                "starting: no AWS call has succeeded yet{last_error}"
            ))),
        }
    }
}
