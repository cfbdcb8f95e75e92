//! The report: every objective of every spec, assessed at one instant. This file is pure: the
//! event series come from a source (access logs, CloudWatch), the time from the caller.
//! Beside it: `evaluate` (sources → a report), `history` (ECS deployments, read and matched),
//! `evidence` (application logs behind each incident), `inputs` (the sources a user names →
//! a report), `postmortem` (an incident's facts), `review` (the SLO review: a report per
//! calendar period).

pub mod evaluate;
pub mod evidence;
pub mod history;
pub mod inputs;
pub mod postmortem;
pub mod review;

use crate::core::alarms::{Alarm, desired_alarms, naming};
use crate::core::assess::{Assessment, assess};
use crate::core::assess::{data_range, window_for};
use crate::core::collected::DataChange;
use crate::core::collected::{Lookup, ObjectiveData};
use crate::core::correlate::{cause_of, correlate};
use crate::core::deployments::{Deployment, DeploymentSource, ServiceHistory};
use crate::core::events::EventSeries;
use crate::core::model::{Objective, ObjectiveKey, ServiceSlo, Sli};
use crate::core::ratio::Target;
use crate::core::replay::{
    Previous, ReplayMemo, SeverityNotification, severity_notifications_from,
};
use crate::core::status::Status;
use crate::core::window::{SloWindow, TimeRange};
use chrono::{DateTime, TimeDelta, Utc};
use std::collections::BTreeMap;
use std::time::Duration;

#[derive(Clone, Debug)]
pub struct ObjectiveReport {
    pub key: ObjectiveKey,
    pub sli: Sli,
    pub target: Target,
    /// The spec's window, or the `--window` override.
    pub window: SloWindow,
    pub assessment: Assessment,
    /// Latency objectives: the 99th percentile over the window.
    pub p99: Option<Duration>,
    /// When the planned alarms (`slo plan`) would have notified in the window, replayed over
    /// the same events: CloudWatch's evaluation, composites and suppression.
    pub notifications: Vec<Notified>,
    /// Where the service's deployments (behind `assessment.incidents[].deployment`) came from.
    pub deployments_source: DeploymentSource,
    /// Maintenance windows and corrections that meet the window (or the data the replay read):
    /// their requests were taken out before anything was computed.
    pub excluded: Vec<Excluded>,
}

/// An excluded span and the requests it held (in the data read: the window and the replay's
/// lead-in), which count for nothing.
#[derive(Clone, Debug, PartialEq)]
pub struct Excluded {
    pub range: TimeRange,
    pub reason: String,
    pub requests: u64,
    pub bad: u64,
}

/// A replayed notification and the deployment it would have named: that of the incident it
/// belongs to (the latest whose alerting span holds its start), else the one errors at its
/// start would be blamed on.
#[derive(Clone, Debug, PartialEq)]
pub struct Notified {
    pub notification: SeverityNotification,
    pub deployment: Option<crate::core::correlate::Attribution>,
}

/// One deployment in the window and what it did.
#[derive(Clone, Debug, PartialEq)]
pub struct DeploymentSummary {
    pub deployment: Deployment,
    /// Incidents (of any of the service's objectives) attributed to it.
    pub incidents: usize,
    /// The most budget any one objective spent from its start to its incidents' end.
    pub budget_spent: f64,
}

/// What the events were read from, for the report's header and `input` section.
#[derive(Clone, Debug)]
pub enum SourceSummary {
    AccessLogs(crate::source::access_log::ScanStats),
    CloudWatch { calls: usize },
    Athena(AthenaSummary),
}

/// What an Athena report's query read and cost.
#[derive(Clone, Debug, PartialEq)]
pub struct AthenaSummary {
    pub table: String,
    pub query_id: String,
    pub scanned_bytes: u64,
    /// The estimate made before it ran; `None` when there was none (a warning says why).
    pub estimated_bytes: Option<u64>,
    pub rows: usize,
}

impl SourceSummary {
    pub fn name(&self) -> &'static str {
        match self {
            SourceSummary::AccessLogs(_) => "access_logs",
            SourceSummary::CloudWatch { .. } => "cloudwatch",
            SourceSummary::Athena(_) => "athena",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Report {
    pub at: DateTime<Utc>,
    pub objectives: Vec<ObjectiveReport>,
    /// Deployments of every service in its window, in time order; those without incidents
    /// were clean.
    pub deployments: Vec<DeploymentSummary>,
    /// Console links per service (its dashboard and alarms), when its region is known.
    pub links: Vec<ServiceLinks>,
    /// What the answer rests on less than it seems to: a window the data does not cover, a
    /// spec no file matched, deployments or logs that could not be read.
    pub warnings: Vec<Warning>,
    /// The oldest and the newest request (line or datapoint) any objective read.
    pub input_span: Option<TimeRange>,
}

/// A warning of the report: its kind (`coverage`, `no_files`, `source`, …) and a sentence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    pub kind: &'static str,
    pub message: String,
}

/// Where a service's dashboard and severity alarms are in the CloudWatch console.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceLinks {
    pub service: String,
    pub dashboard: Option<String>,
    /// `(alarm name, URL)`.
    pub alarms: Vec<(String, String)>,
}

/// The region of a spec, as its SNS topic's ARN says (offline reports know no other).
fn region_of(slo: &ServiceSlo) -> Option<String> {
    slo.notify
        .sns_topic
        .as_ref()
        .and_then(|t| t.split(':').nth(3).map(str::to_owned))
}

fn links_of(slo: &ServiceSlo) -> Option<ServiceLinks> {
    let region = region_of(slo)?;
    let dashboard = slo
        .dashboard
        .then(|| crate::core::alarms::dashboard::dashboard_name(&slo.service).ok())
        .flatten()
        .map(|n| crate::core::console::dashboard_url(&region, &n));
    let alarms = slo
        .objectives
        .iter()
        .flat_map(|o| {
            [
                crate::core::tiers::Severity::Page,
                crate::core::tiers::Severity::Ticket,
            ]
            .map(|s| naming::severity(&slo.service, &o.name, s))
        })
        .map(|name| {
            let url = crate::core::console::alarm_url(&region, &name);
            (name, url)
        })
        .collect();
    Some(ServiceLinks {
        service: slo.service.clone(),
        dashboard,
        alarms,
    })
}

impl Report {
    pub fn any_breached(&self) -> bool {
        self.objectives
            .iter()
            .any(|o| o.assessment.status == Status::Breached)
    }

    /// The objectives with no request in their window: a gate must not pass on nothing.
    pub fn without_data(&self) -> Vec<&ObjectiveKey> {
        self.objectives
            .iter()
            .filter(|o| o.assessment.status == Status::NoData)
            .map(|o| &o.key)
            .collect()
    }
}

/// What an objective's report leaves for its next one a refresh later (`slo serve`): the
/// replay's state, and what it knew of the data.
#[derive(Clone, Debug)]
pub struct Carry {
    replay: ReplayMemo,
    /// The excluded spans whose requests it took out.
    spans: Vec<TimeRange>,
    data_version: u64,
    /// Steps the replay evaluated to get there.
    steps: usize,
}

impl Carry {
    /// Steps the replay evaluated: the whole data range's when nothing could be gone on from.
    pub fn steps(&self) -> usize {
        self.steps
    }
}

/// What a refresh knows of an objective since its last report.
#[derive(Clone, Copy, Debug)]
pub struct Since<'a> {
    pub carry: Option<&'a Carry>,
    pub change: DataChange,
}

/// Where the replay can trust `carry`'s memo: the data before the returned time is what it
/// read (same series version, or the one after with its changed tail; same exclusions).
fn unchanged_before(
    carry: &Carry,
    change: DataChange,
    spans: &[TimeRange],
    from: DateTime<Utc>,
) -> DateTime<Utc> {
    let data = if carry.data_version == change.version {
        DateTime::<Utc>::MAX_UTC
    } else if carry.data_version + 1 == change.version {
        change.changed_from
    } else {
        DateTime::<Utc>::MIN_UTC
    };
    crate::core::exclusions::first_difference(&carry.spans, spans, from)
        .map_or(data, |d| d.min(data))
}

/// Assesses one objective from its events. `alarms`: the spec's planned alarms, replayed over
/// the events (none when the spec cannot have alarms); `history`: the service's deployments,
/// each incident is attributed to. `since`: a refresh after the last one (`slo serve`), which
/// goes on from the last one's work where the data allows; returned, what this one leaves for
/// the next.
#[allow(clippy::too_many_arguments)]
fn objective_report(
    slo: &ServiceSlo,
    objective: &Objective,
    data: &ObjectiveData,
    alarms: &[Alarm],
    history: &ServiceHistory,
    at: DateTime<Utc>,
    window_override: Option<TimeDelta>,
    since: Option<Since<'_>>,
) -> (ObjectiveReport, Option<Carry>) {
    let window = window_for(slo, window_override);
    let range = window.range_at(at);
    let own: Vec<Alarm> = alarms
        .iter()
        .filter(|a| a.tags().get(naming::TAG_OBJECTIVE) == Some(&objective.name))
        .cloned()
        .collect();
    let replayed = data_range(&[slo], at, window_override);
    // Excluded time counts for nothing: its requests leave the data before any figure, the
    // replay and the incidents included, is computed, as if they had never been read.
    let spans = crate::core::exclusions::spans(&slo.exclusions, &objective.name, replayed);
    let cleaned;
    let mut excluded = Vec::new();
    let data = if spans.is_empty() {
        data
    } else {
        let mut series = data.series.clone();
        for span in spans {
            let removed = series.clear(span.range);
            excluded.push(Excluded {
                range: span.range,
                reason: span.reason,
                requests: removed.total,
                bad: removed.bad(),
            });
        }
        cleaned = ObjectiveData {
            series,
            p99: data.p99,
        };
        &cleaned
    };
    let spans: Vec<TimeRange> = excluded.iter().map(|e| e.range).collect();
    let previous = since.and_then(|s| {
        let carry = s.carry?;
        Some(Previous {
            memo: &carry.replay,
            unchanged_before: unchanged_before(carry, s.change, &spans, replayed.start),
        })
    });
    let keep_before = since.map_or(DateTime::<Utc>::MIN_UTC, |s| s.change.next_change_from);
    let replay = severity_notifications_from(
        &own,
        &data.series,
        replayed,
        range.start,
        previous,
        keep_before,
    );
    let steps = replay.steps;
    let carry = since.zip(replay.memo).map(|(s, replay)| Carry {
        replay,
        spans,
        data_version: s.change.version,
        steps,
    });
    let notifications: Vec<SeverityNotification> = replay
        .notifications
        .into_iter()
        .filter(|n| n.start < range.end && n.end.is_none_or(|e| e > range.start))
        .collect();
    let cause = cause_of(&slo.service, &history.deployments, slo.correlation_lead);
    let mut assessment = assess(&data.series, objective.target, &slo.alerting, range, &cause);
    let sums = data.series.prefix_sums();
    let allowed = assessment.budget.map_or(0.0, |b| b.allowed());
    // What the guard alarm would have done in each deployment behind an incident, whether
    // or not `ecs.rollbackOnBurn` is set: the report says what it would have saved.
    let guard = crate::core::alarms::guard_alarm_of(slo, &[objective]);
    for incident in &mut assessment.incidents {
        incident.deployment = correlate(
            &slo.service,
            TimeRange {
                start: incident.impact.start,
                end: incident.end,
            },
            &history.deployments,
            slo.correlation_lead,
            objective.target,
            &sums,
            allowed,
        );
        if let (Some(a), Some(g)) = (incident.deployment.as_mut(), guard.as_ref()) {
            let window = crate::core::correlate::guard_window(&a.deployment, at);
            let fails = crate::core::replay::first_alarm(g, &data.series, window);
            a.guard = crate::core::correlate::guard_replay(
                &a.deployment,
                fails,
                incident.end,
                &sums,
                allowed,
            );
        }
    }
    let notifications = notifications
        .into_iter()
        .map(|n: SeverityNotification| {
            let deployment = assessment
                .incidents
                .iter()
                .rev()
                .find(|i| i.start <= n.start && (n.start < i.end || i.ongoing))
                .map(|i| i.deployment.clone())
                .unwrap_or_else(|| {
                    correlate(
                        &slo.service,
                        TimeRange {
                            start: n.start,
                            end: n.end.unwrap_or(range.end),
                        },
                        &history.deployments,
                        slo.correlation_lead,
                        objective.target,
                        &sums,
                        allowed,
                    )
                });
            Notified {
                notification: n,
                deployment,
            }
        })
        .collect();
    let report = ObjectiveReport {
        key: slo.key(objective),
        sli: objective.sli,
        target: objective.target,
        assessment,
        window,
        p99: data.p99,
        notifications,
        deployments_source: history.source,
        excluded,
    };
    (report, carry)
}

/// `f` of every item, in order, computed by up to as many threads as the machine has cores.
fn parallel_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(items.len());
    if threads <= 1 {
        return items.iter().map(f).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut done: Vec<(usize, R)> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut out = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(item) = items.get(i) else { break out };
                        out.push((i, f(item)));
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}

/// The report for every objective of `slos`, in spec then objective order. Each objective is
/// looked up by its key in `data`; one the source has nothing for has an empty series, which
/// reports as `no_data` (never as success). `histories`: deployments by the spec's service; a
/// service missing there has none looked up.
pub fn build(
    slos: &[&ServiceSlo],
    data: &dyn Lookup,
    histories: &BTreeMap<String, ServiceHistory>,
    at: DateTime<Utc>,
    window_override: Option<TimeDelta>,
) -> Report {
    build_since(slos, data, histories, at, window_override, &|_| None).0
}

/// [`build`] a refresh after the last one: `since` tells, for each objective, what the last
/// report left and how the data changed. Returns what this report leaves for the next.
pub fn build_since<'c>(
    slos: &[&ServiceSlo],
    data: &dyn Lookup,
    histories: &BTreeMap<String, ServiceHistory>,
    at: DateTime<Utc>,
    window_override: Option<TimeDelta>,
    since: &(dyn Fn(&ObjectiveKey) -> Option<Since<'c>> + Sync),
) -> (Report, BTreeMap<ObjectiveKey, Carry>) {
    let none = ServiceHistory::none();
    // Services are independent, and replaying their alarms is most of a report's own time:
    // they are built on all cores. A service's planned alarms live while its objectives are
    // built (all services' at once: 150 MB at 5,000 services).
    let nothing = ObjectiveData {
        series: EventSeries::new(TimeDelta::minutes(1)).expect("one minute is a valid bucket"),
        p99: None,
    };
    let built: Vec<(ObjectiveReport, Option<Carry>)> = parallel_map(slos, |slo| {
        let alarms = desired_alarms(slo).unwrap_or_default();
        let history = histories.get(&slo.service).unwrap_or(&none);
        slo.keyed_objectives()
            .map(|(key, objective)| {
                let found = data.lookup(&key);
                objective_report(
                    slo,
                    objective,
                    found.as_deref().unwrap_or(&nothing),
                    &alarms,
                    history,
                    at,
                    window_override,
                    since(&key),
                )
            })
            .collect::<Vec<_>>()
    })
    .into_iter()
    .flatten()
    .collect();
    let mut carried = BTreeMap::new();
    let objectives: Vec<ObjectiveReport> = built
        .into_iter()
        .map(|(report, carry)| {
            if let Some(c) = carry {
                carried.insert(report.key.clone(), c);
            }
            report
        })
        .collect();
    let mut deployments = Vec::new();
    for slo in slos {
        let Some(history) = histories.get(&slo.service) else {
            continue;
        };
        let window = window_for(slo, window_override).range_at(at);
        for d in &history.deployments {
            if d.start() >= at || d.finished_at.is_some_and(|f| f < window.start) {
                continue;
            }
            let attributed: Vec<f64> = objectives
                .iter()
                .filter(|o| o.key.service == slo.service)
                .flat_map(|o| &o.assessment.incidents)
                .filter_map(|i| i.deployment.as_ref())
                .filter(|a| a.deployment.arn == d.arn)
                .map(|a| a.budget_spent)
                .collect();
            deployments.push(DeploymentSummary {
                deployment: d.clone(),
                incidents: attributed.len(),
                budget_spent: attributed.iter().copied().fold(0.0, f64::max),
            });
        }
    }
    deployments.sort_by(|a, b| {
        (a.deployment.start(), &a.deployment.service)
            .cmp(&(b.deployment.start(), &b.deployment.service))
    });
    let report = Report {
        at,
        objectives,
        deployments,
        links: slos.iter().filter_map(|s| links_of(s)).collect(),
        warnings: Vec::new(),
        input_span: None,
    };
    (report, carried)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::collected::Collected;
    use crate::core::events::Counts;
    use crate::spec::diag::Diagnostics;
    use crate::spec::load::parse_spec;
    use std::path::Path;

    fn spec(service: &str) -> ServiceSlo {
        let text = format!(
            "apiVersion: slo/v1\nservice: {service}\nalb:\n  loadBalancer: app/lb/0123456789abcdef\nwindow: 1d\nobjectives:\n  - {{ name: availability, sli: availability, target: 99% }}\n"
        );
        let mut d = Diagnostics::new(Path::new("t.yaml"));
        parse_spec(text.as_bytes(), &mut d).unwrap().0
    }

    #[test]
    fn data_reaches_only_the_objective_it_is_keyed_by() {
        let at: DateTime<Utc> = "2026-11-20T00:00:00Z".parse().unwrap();
        let (a, b) = (spec("a"), spec("b"));
        let mut series = EventSeries::new(TimeDelta::minutes(1)).unwrap();
        series.add(at - TimeDelta::hours(1), Counts::new(90, 100));
        // Only `b` has data, and `a` comes first: a positional zip would hand it to `a`.
        let data = Collected::from([(
            ObjectiveKey::new("b", "availability"),
            ObjectiveData { series, p99: None },
        )]);
        let r = build(&[&a, &b], &data, &BTreeMap::new(), at, None);
        assert_eq!(r.objectives[0].key, ObjectiveKey::new("a", "availability"));
        assert_eq!(r.objectives[0].assessment.status, Status::NoData);
        assert_eq!(r.objectives[1].assessment.counts, Counts::new(90, 100));
    }

    /// `slo serve`'s refreshes a minute apart (and one after an hour), each going on from the
    /// last's carry, with late data in the last minutes and an exclusion every 45 minutes:
    /// every report is the one built from scratch, and the replay went on rather than redone.
    #[test]
    fn a_refresh_going_on_from_the_last_report_is_the_report_built_from_scratch() {
        let text = "apiVersion: slo/v1\nservice: s\nalb: { loadBalancer: app/lb/0123456789abcdef }\nwindow: 6h\nobjectives:\n  - { name: availability, sli: availability, target: 99% }\nalerting:\n  tiers:\n    - { name: fast, severity: page, longWindow: 30m, shortWindow: 5m, burnRate: 10 }\n    - { name: slow, severity: ticket, longWindow: 2h, shortWindow: 15m, burnRate: 2 }\nexclusions:\n  - { schedule: \"cron(10/45 * * * ? *)\", duration: 5m, timeZone: UTC, reason: drill }\n";
        let mut d = Diagnostics::new(Path::new("t.yaml"));
        let slo = parse_spec(text.as_bytes(), &mut d).unwrap().0;
        let t0: DateTime<Utc> = "2026-11-20T00:00:00Z".parse().unwrap();
        let late = TimeDelta::minutes(3);
        // Steady traffic with outages (one inside an exclusion) and a quiet hour.
        let truth = |m: i64| match m % 600 {
            100..130 | 400..415 => Counts::new(0, 20),
            200..260 => Counts::default(),
            _ => Counts::new(20, 20),
        };
        let key = ObjectiveKey::new("s", "availability");
        let mut carried: BTreeMap<ObjectiveKey, Carry> = BTreeMap::new();
        let mut at = t0 + TimeDelta::hours(9);
        let mut resumed = 0;
        for (version, gap) in [0, 1, 1, 1, 60, 1, 1, 7, 1].into_iter().enumerate() {
            let previous_at = at;
            at += TimeDelta::minutes(gap);
            let mut series = EventSeries::new(TimeDelta::minutes(1)).unwrap();
            for m in 0..(at - t0).num_minutes() {
                let t = t0 + TimeDelta::minutes(m);
                let c = truth(m);
                // The last minutes are still coming in.
                let c = if t >= at - late {
                    Counts::new(c.good / 2, c.total / 2)
                } else {
                    c
                };
                series.add(t, c);
            }
            let data = Collected::from([(key.clone(), ObjectiveData { series, p99: None })]);
            let change = DataChange {
                version: version as u64 + 1,
                changed_from: if version == 0 {
                    DateTime::<Utc>::MIN_UTC
                } else {
                    previous_at - late
                },
                next_change_from: at - late,
            };
            let last = std::mem::take(&mut carried);
            let since = |_: &ObjectiveKey| {
                Some(Since {
                    carry: last.get(&key),
                    change,
                })
            };
            let (report, carry) = build_since(&[&slo], &data, &BTreeMap::new(), at, None, &since);
            let fresh = build(&[&slo], &data, &BTreeMap::new(), at, None);
            assert_eq!(format!("{report:?}"), format!("{fresh:?}"), "at {at}");
            assert!(!fresh.objectives[0].notifications.is_empty());
            let steps = carry.get(&key).map_or(usize::MAX, Carry::steps);
            resumed += usize::from(gap == 1 && steps <= 5);
            carried = carry;
        }
        assert!(resumed >= 5, "{resumed}");
    }

    proptest::proptest! {
        // Each case builds two reports (a replay each): fewer cases, still every shape.
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]
        /// Excluding a span equals deleting its requests from the input: every figure of the
        /// report (counts, budget, burn rates, incidents, replayed notifications) is the one of
        /// the same data with those minutes emptied and no exclusion.
        #[test]
        fn excluding_a_span_equals_deleting_its_requests(
            minutes in proptest::collection::vec((0u64..40, 0u64..6), 60..600),
            from in 0i64..600,
            length in 1i64..240,
        ) {
            let at: DateTime<Utc> = "2026-11-20T00:00:00Z".parse().unwrap();
            let start = at - TimeDelta::minutes(minutes.len() as i64);
            let mut series = EventSeries::new(TimeDelta::minutes(1)).unwrap();
            for (i, (good, bad)) in minutes.iter().enumerate() {
                series.add(start + TimeDelta::minutes(i as i64), Counts::new(*good, good + bad));
            }
            let span = crate::core::window::TimeRange {
                start: start + TimeDelta::minutes(from),
                end: start + TimeDelta::minutes(from + length),
            };
            let plain = spec("a");
            let mut excluding = plain.clone();
            excluding.exclusions = vec![crate::core::exclusions::Exclusion {
                when: crate::core::exclusions::When::Once(span),
                reason: "maintenance".into(),
                objective: None,
            }];
            let key = ObjectiveKey::new("a", "availability");
            let mut deleted = series.clone();
            deleted.clear(span);
            let with = build(&[&excluding], &Collected::from([(key.clone(), ObjectiveData { series, p99: None })]), &BTreeMap::new(), at, None);
            let without = build(&[&plain], &Collected::from([(key, ObjectiveData { series: deleted, p99: None })]), &BTreeMap::new(), at, None);
            let (w, o) = (&with.objectives[0], &without.objectives[0]);
            proptest::prop_assert_eq!(&w.assessment, &o.assessment);
            proptest::prop_assert_eq!(&w.notifications, &o.notifications);
            proptest::prop_assert_eq!(w.excluded.len(), usize::from(span.start < at));
            proptest::prop_assert!(o.excluded.is_empty());
        }
    }
}
