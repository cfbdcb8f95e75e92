//! CloudWatch's alarm evaluation as a pure function: the planned alarms of one objective,
//! replayed minute by minute over its event series, answer "when would these alarms have
//! notified?". It follows CloudWatch's documented rules ("Evaluating an alarm", metric math,
//! "Composite alarm action suppression"):
//!
//! - every metric alarm is evaluated each step (one bucket, a minute for per-minute data) over
//!   its last `EvaluationPeriods` periods, each the sum of the metric over `Period` seconds
//!   ending at the evaluation (a sliding window), and goes to ALARM when at least
//!   `DatapointsToAlarm` of them breach; a period without data is missing: real datapoints up
//!   to two periods farther back stand in for it (the evaluation range), and what is still
//!   missing counts as `TreatMissingData` says;
//! - a composite is in ALARM while its rule holds over its children's states;
//! - a composite's actions run when it enters ALARM, unless its `ActionsSuppressor` is in
//!   ALARM, or enters ALARM within the wait period; while suppressed, the actions run when the
//!   suppressor has been out of ALARM for the extension period and the composite is still in
//!   ALARM. A notification ends when the composite returns to OK.
//!
//! The metrics an alarm reads are mapped onto the objective's good/total series: requests and
//! response-time samples are the total, 5xx (all of them counted as the target's, since the
//! alarms sum target and ELB 5xx) and slow responses the bad, `TC(:t)` the good. A metric has a
//! datapoint in a period only if its count there is above zero, as ALB publishes them.

mod memo;

pub use memo::{Previous, ReplayMemo, Replayed, severity_notifications_from};

use crate::core::alarms::{
    Alarm, AlarmSource, CompositeAlarm, MetricAlarm, Rule, TreatMissingData,
};
use crate::core::events::{EventSeries, ceil_div, div_floor};
use crate::core::metric_math::Expr;
use crate::core::stat::Stat;
use crate::core::tiers::Severity;
use crate::core::window::TimeRange;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    Ok,
    Alarm,
    InsufficientData,
}

/// One notification a composite would have sent: from when its actions ran to when it
/// returned to OK (`None`: still in ALARM at the end of the replay).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notification {
    pub alarm: String,
    pub start: DateTime<Utc>,
    pub end: Option<DateTime<Utc>>,
}

/// A severity composite's notifications.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeverityNotification {
    pub severity: Severity,
    pub start: DateTime<Utc>,
    pub end: Option<DateTime<Utc>>,
}

/// Per-step data of one objective, as the alarms' metrics see it.
struct Data {
    /// The first step's start and the step, in seconds, for the per-minute lookups.
    first_secs: i64,
    step_secs: i64,
    /// Prefix sums over steps: total, good, steps with any total, steps with any bad.
    total: Vec<u64>,
    good: Vec<u64>,
    any_total: Vec<u64>,
    any_bad: Vec<u64>,
}

#[derive(Clone, Copy)]
enum Feed {
    Total,
    Bad,
    Good,
    Nothing,
}

impl Data {
    /// The steps of `range` on the grid of the series' buckets (epoch-aligned, as CloudWatch
    /// aligns its periods), from the bucket `range` starts in: a replay at any moment of a
    /// bucket evaluates the same instants over the same data, so a later replay can go on from
    /// an earlier one (`memo`).
    fn new(series: &EventSeries, range: TimeRange) -> Data {
        let step_secs = series.bucket().num_seconds().max(1);
        let first_secs = div_floor(range.start.timestamp(), step_secs) * step_secs;
        Data::from(series, first_secs, range.end)
    }

    /// The steps from Unix second `first_secs` (a bucket's start) to `end`.
    fn from(series: &EventSeries, first_secs: i64, end: DateTime<Utc>) -> Data {
        let step_secs = series.bucket().num_seconds().max(1);
        let steps = (end.timestamp() - first_secs).div_euclid(step_secs).max(0);
        let mut per: Vec<(u64, u64)> = vec![(0, 0); steps as usize];
        for (t, c) in series.iter_unix() {
            let i = div_floor(t - first_secs, step_secs);
            if let Some(slot) = usize::try_from(i).ok().and_then(|i| per.get_mut(i)) {
                slot.0 += c.total;
                slot.1 += c.good;
            }
        }
        let mut d = Data {
            first_secs,
            step_secs,
            total: Vec::with_capacity(per.len() + 1),
            good: Vec::with_capacity(per.len() + 1),
            any_total: Vec::with_capacity(per.len() + 1),
            any_bad: Vec::with_capacity(per.len() + 1),
        };
        let mut sums = [0u64; 4];
        let push = |d: &mut Data, s: [u64; 4]| {
            d.total.push(s[0]);
            d.good.push(s[1]);
            d.any_total.push(s[2]);
            d.any_bad.push(s[3]);
        };
        push(&mut d, sums);
        for (t, g) in per {
            sums[0] += t;
            sums[1] += g;
            sums[2] += u64::from(t > 0);
            sums[3] += u64::from(t > g);
            push(&mut d, sums);
        }
        d
    }

    /// The first step's start with any request, in Unix seconds.
    fn first_traffic(&self) -> Option<i64> {
        let i = self.any_total.iter().position(|&n| n > 0)?;
        Some(self.first_secs + (i as i64 - 1) * self.step_secs)
    }

    /// Prefix index of Unix second `t` (clamped to the data). Plain integers: this runs for
    /// every metric of every alarm at every minute of the window.
    fn index(&self, t: i64) -> usize {
        let i = div_floor(t - self.first_secs, self.step_secs);
        usize::try_from(i.max(0))
            .unwrap_or(0)
            .min(self.total.len() - 1)
    }

    /// The metric's value between prefix indices `a` and `b`: `None` when it has no datapoint
    /// there.
    fn value(&self, feed: Feed, a: usize, b: usize) -> Option<f64> {
        let diff = |v: &Vec<u64>| v[b] - v[a];
        let (sum, present) = match feed {
            Feed::Total => (diff(&self.total), diff(&self.any_total)),
            Feed::Good => (diff(&self.good), diff(&self.any_total)),
            Feed::Bad => (diff(&self.total) - diff(&self.good), diff(&self.any_bad)),
            Feed::Nothing => (0, 0),
        };
        (present > 0).then_some(sum as f64)
    }
}

fn feed_of(name: &str, stat: &Stat) -> Feed {
    match (name, stat) {
        ("RequestCount", Stat::Sum) | ("TargetResponseTime", Stat::SampleCount) => Feed::Total,
        ("HTTPCode_Target_5XX_Count", Stat::Sum) => Feed::Bad,
        ("TargetResponseTime", Stat::CountAtMost(_)) => Feed::Good,
        _ => Feed::Nothing,
    }
}

/// A metric alarm, ready to evaluate: its metrics resolved to the series they read.
struct Compiled<'a> {
    alarm: &'a MetricAlarm,
    expr: Expr<Feed>,
    period: i64,
}

impl<'a> Compiled<'a> {
    fn new(alarm: &'a MetricAlarm) -> Compiled<'a> {
        let expr = match &alarm.source {
            AlarmSource::Metric(m) => Expr::Metric(feed_of(&m.name, &m.stat)),
            AlarmSource::Math {
                expression,
                metrics,
            } => match Expr::parse(expression) {
                Ok(e) => e.map_metrics(&mut |id: &String| {
                    metrics
                        .iter()
                        .find(|m| m.id == *id)
                        .map_or(Feed::Nothing, |m| feed_of(&m.name, &m.stat))
                }),
                // An expression this evaluator cannot read evaluates as no data.
                Err(_) => Expr::Metric(Feed::Nothing),
            },
        };
        Compiled {
            alarm,
            expr,
            period: i64::from(alarm.source.period_secs().max(1)),
        }
    }

    /// The datapoint of the period ending at Unix second `end`.
    fn datapoint(&self, data: &Data, end: i64) -> Option<f64> {
        let (a, b) = (data.index(end - self.period), data.index(end));
        self.expr.eval_with(&|feed| data.value(*feed, a, b))
    }

    /// The state at Unix second `at`, and the earliest time whose data it read.
    fn state(&self, data: &Data, at: i64, previous: State) -> (State, i64) {
        let a = self.alarm;
        let n = a.evaluation_periods.max(1);
        let point = |i: u32| self.datapoint(data, at - self.period * i64::from(i));
        let (mut breaching, mut missing) = (0u32, 0u32);
        for i in 0..n {
            match point(i) {
                Some(v) if a.comparison.breaches(v, a.threshold) => breaching += 1,
                Some(_) => {}
                None => missing += 1,
            }
        }
        // CloudWatch reads an evaluation range longer than N ("How alarm state is evaluated
        // when data is missing", alarms-and-missing-data.html): real datapoints from farther
        // back stand in for missing recent ones, and `TreatMissingData` fills only those still
        // missing. AWS does not give the range's length; its examples use N + 2.
        let mut filled = missing;
        let mut i = n;
        while filled > 0 && i < n + 2 {
            if let Some(v) = point(i) {
                filled -= 1;
                if a.comparison.breaches(v, a.threshold) {
                    breaching += 1;
                }
            }
            i += 1;
        }
        let read = at - self.period * i64::from(i);
        let all_missing = filled == n;
        let needed = a.datapoints_to_alarm.max(1);
        let state = match a.treat_missing_data {
            TreatMissingData::Breaching if breaching + filled >= needed => State::Alarm,
            TreatMissingData::Ignore | TreatMissingData::Missing if all_missing => {
                match a.treat_missing_data {
                    TreatMissingData::Ignore => previous,
                    _ => State::InsufficientData,
                }
            }
            _ if breaching >= needed => State::Alarm,
            _ => State::Ok,
        };
        (state, read)
    }

    /// How far back its evaluation reads when no datapoint is missing.
    fn reach(&self) -> i64 {
        self.period * i64::from(self.alarm.evaluation_periods.max(1))
    }
}

/// A rule over alarm indices (the per-minute loop compares no names).
enum RuleIndex {
    Is(Option<usize>, State),
    And(Vec<RuleIndex>),
    Or(Vec<RuleIndex>),
    Not(Box<RuleIndex>),
    Const(bool),
}

impl RuleIndex {
    fn new(rule: &Rule, index: &BTreeMap<&str, usize>) -> RuleIndex {
        let is = |n: &String, s| RuleIndex::Is(index.get(n.as_str()).copied(), s);
        match rule {
            Rule::Alarm(n) => is(n, State::Alarm),
            Rule::Ok(n) => is(n, State::Ok),
            Rule::InsufficientData(n) => is(n, State::InsufficientData),
            Rule::And(rs) => RuleIndex::And(rs.iter().map(|r| RuleIndex::new(r, index)).collect()),
            Rule::Or(rs) => RuleIndex::Or(rs.iter().map(|r| RuleIndex::new(r, index)).collect()),
            Rule::Not(r) => RuleIndex::Not(Box::new(RuleIndex::new(r, index))),
            Rule::True => RuleIndex::Const(true),
            Rule::False | Rule::Unparsed(_) => RuleIndex::Const(false),
        }
    }

    /// An alarm not in the replay (another objective's, the heartbeat) is OK throughout.
    fn holds(&self, states: &[State]) -> bool {
        match self {
            RuleIndex::Is(i, s) => i.map_or(State::Ok, |i| states[i]) == *s,
            RuleIndex::And(rs) => rs.iter().all(|r| r.holds(states)),
            RuleIndex::Or(rs) => rs.iter().any(|r| r.holds(states)),
            RuleIndex::Not(r) => !r.holds(states),
            RuleIndex::Const(b) => *b,
        }
    }
}

/// Where a composite's actions stand while it is in ALARM (times in Unix seconds).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pending {
    /// Actions ran: a notification is open since then.
    Notified(i64),
    /// Waiting for the suppressor to fire, until then.
    Waiting(i64),
    /// The suppressor is in ALARM.
    Suppressed,
    /// The suppressor left ALARM; actions run at that time if still in ALARM.
    Extension(i64),
}

/// Unix seconds of a time the replay went through, back to a time.
fn utc(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(secs, 0).unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// What a replay carries from one step to the next: enough to go on from there.
#[derive(Clone, Debug, PartialEq)]
struct RunState {
    /// Metric alarms, then composites in evaluation order.
    states: Vec<State>,
    /// Metric alarms: in ALARM since then (only those whose own notifications are wanted).
    in_alarm: Vec<Option<i64>>,
    /// Composites: where their actions stand while in ALARM.
    pending: Vec<Option<Pending>>,
    /// The last step changed no state and no composite waits for a time: the composites' rules
    /// see what they saw then, and are not evaluated again until a metric alarm moves.
    settled: bool,
}

impl RunState {
    /// Whether every composite is out of ALARM: nothing of the past is carried but the metric
    /// alarms' states.
    fn quiet(&self, metric: usize) -> bool {
        self.states[metric..].iter().all(|s| *s != State::Alarm)
            && self.in_alarm.iter().all(Option::is_none)
    }
}

/// The planned alarms of one objective, ready to step through time.
struct Replayer<'a> {
    metric: Vec<Compiled<'a>>,
    composites: Vec<&'a CompositeAlarm>,
    /// Each composite's rule, and its suppressor's index.
    rules: Vec<(RuleIndex, Option<usize>)>,
    names: Vec<&'a str>,
    /// The metric alarms whose own times in ALARM are reported too.
    notifies: Vec<bool>,
}

impl<'a> Replayer<'a> {
    fn new(alarms: &'a [Alarm], notifies: impl Fn(&MetricAlarm) -> bool) -> Replayer<'a> {
        let metric: Vec<Compiled> = alarms
            .iter()
            .filter_map(|a| match a {
                Alarm::Metric(m) => Some(Compiled::new(m)),
                Alarm::Composite(_) => None,
            })
            .collect();
        let composites = composite_order(alarms);
        // Every alarm by index: metric alarms first, then composites in evaluation order.
        let names: Vec<&str> = metric
            .iter()
            .map(|m| m.alarm.name.as_str())
            .chain(composites.iter().map(|c| c.name.as_str()))
            .collect();
        let index: BTreeMap<&str, usize> = names.iter().enumerate().map(|(i, n)| (*n, i)).collect();
        let rules = composites
            .iter()
            .map(|c| {
                (
                    RuleIndex::new(&c.rule, &index),
                    c.suppressor
                        .as_ref()
                        .and_then(|s| index.get(s.alarm.as_str()).copied()),
                )
            })
            .collect();
        Replayer {
            notifies: metric.iter().map(|m| notifies(m.alarm)).collect(),
            metric,
            composites,
            rules,
            names,
        }
    }

    fn start(&self) -> RunState {
        RunState {
            states: vec![State::Ok; self.names.len()],
            in_alarm: vec![None; self.metric.len()],
            pending: vec![None; self.composites.len()],
            settled: false,
        }
    }

    /// The longest any metric alarm reads back when none of its datapoints is missing.
    fn reach(&self) -> i64 {
        self.metric.iter().map(Compiled::reach).max().unwrap_or(0)
    }

    /// Whether some alarm's state can hang on its past rather than on the data alone.
    fn remembers(&self) -> bool {
        self.metric
            .iter()
            .any(|m| m.alarm.treat_missing_data == TreatMissingData::Ignore)
    }

    /// Evaluates every alarm at Unix second `at`; notifications that end go to `out`.
    /// Returns the earliest time whose data was read.
    fn step(&self, data: &Data, s: &mut RunState, at: i64, out: &mut Vec<Notification>) -> i64 {
        let mut changed = false;
        let mut read = at;
        for (i, m) in self.metric.iter().enumerate() {
            let (state, from) = m.state(data, at, s.states[i]);
            read = read.min(from);
            changed |= state != s.states[i];
            s.states[i] = state;
            if !self.notifies[i] {
                continue;
            }
            match (s.in_alarm[i], state == State::Alarm) {
                (None, true) => s.in_alarm[i] = Some(at),
                (Some(start), false) => {
                    s.in_alarm[i] = None;
                    out.push(Notification {
                        alarm: self.names[i].to_owned(),
                        start: utc(start),
                        end: Some(utc(at)),
                    });
                }
                _ => {}
            }
        }
        if changed || !s.settled {
            let m = self.metric.len();
            let mut moved = false;
            for (k, c) in self.composites.iter().enumerate() {
                let (rule, suppressor) = &self.rules[k];
                let firing = rule.holds(&s.states);
                let suppressor = suppressor.map(|i| s.states[i]);
                let before = s.states[m + k];
                let after =
                    composite_step(c, before, &mut s.pending[k], at, firing, suppressor, out);
                moved |= before != after;
                s.states[m + k] = after;
            }
            s.settled = !changed && !moved && !s.pending.iter().any(waits);
        }
        read
    }

    /// The notifications still open in `s`.
    fn open(&self, s: &RunState, out: &mut Vec<Notification>) {
        for (i, t) in s.in_alarm.iter().enumerate() {
            if let Some(t) = t {
                out.push(Notification {
                    alarm: self.names[i].to_owned(),
                    start: utc(*t),
                    end: None,
                });
            }
        }
        for (c, p) in self.composites.iter().zip(&s.pending) {
            if let Some(Pending::Notified(start)) = p {
                out.push(Notification {
                    alarm: c.name.clone(),
                    start: utc(*start),
                    end: None,
                });
            }
        }
    }
}

/// One step of a composite in `state`: its new state. A notification that ends goes to `out`.
fn composite_step(
    alarm: &CompositeAlarm,
    state: State,
    pending: &mut Option<Pending>,
    at: i64,
    firing: bool,
    suppressor: Option<State>,
    out: &mut Vec<Notification>,
) -> State {
    let suppressor_alarm = suppressor == Some(State::Alarm);
    let s = alarm.suppressor.as_ref();
    match (state == State::Alarm, firing) {
        (false, true) => {
            *pending = Some(match s {
                None => Pending::Notified(at),
                Some(_) if suppressor_alarm => Pending::Suppressed,
                Some(s) => Pending::Waiting(at + i64::from(s.wait_period_secs)),
            });
            State::Alarm
        }
        (true, false) => {
            if let Some(Pending::Notified(start)) = pending.take() {
                out.push(Notification {
                    alarm: alarm.name.clone(),
                    start: utc(start),
                    end: Some(utc(at)),
                });
            }
            State::Ok
        }
        (true, true) => {
            let extension = s.map_or(0, |s| s.extension_period_secs);
            *pending = match *pending {
                Some(Pending::Waiting(_) | Pending::Extension(_)) if suppressor_alarm => {
                    Some(Pending::Suppressed)
                }
                Some(Pending::Waiting(until) | Pending::Extension(until)) if at >= until => {
                    Some(Pending::Notified(at))
                }
                Some(Pending::Suppressed) if !suppressor_alarm => {
                    Some(Pending::Extension(at + i64::from(extension)))
                }
                other => other,
            };
            State::Alarm
        }
        (false, false) => State::Ok,
    }
}

/// Whether a composite's actions wait for a time to come (a wait or extension period).
fn waits(p: &Option<Pending>) -> bool {
    matches!(p, Some(Pending::Waiting(_) | Pending::Extension(_)))
}

/// The steps of `data` in `(from, last]`, in Unix seconds.
fn steps(data: &Data, from: i64, last: i64) -> impl Iterator<Item = i64> {
    let step = data.step_secs;
    (1..)
        .map(move |k| from + k * step)
        .take_while(move |at| *at <= last)
}

/// Replays `alarms` over `series` at every step of `range` and returns, in start order, each
/// composite's notifications and each metric alarm's time in ALARM (when its own actions, if
/// any, would run). Alarms named by a rule but absent from `alarms` (another objective's, the
/// heartbeat) are OK throughout.
pub fn replay(alarms: &[Alarm], series: &EventSeries, range: TimeRange) -> Vec<Notification> {
    run(&Replayer::new(alarms, |_| true), series, range)
}

/// Every step of `range` from the start, then what is still open.
fn run(replayer: &Replayer<'_>, series: &EventSeries, range: TimeRange) -> Vec<Notification> {
    let data = Data::new(series, range);
    let mut state = replayer.start();
    let mut out = Vec::new();
    for at in steps(&data, data.first_secs, range.end.timestamp()) {
        replayer.step(&data, &mut state, at, &mut out);
    }
    replayer.open(&state, &mut out);
    sort(&mut out);
    out
}

fn sort(out: &mut [Notification]) {
    out.sort_by(|a, b| (a.start, &a.alarm).cmp(&(b.start, &b.alarm)));
}

/// Composites, each after the composites it refers to (rule or suppressor).
fn composite_order(alarms: &[Alarm]) -> Vec<&CompositeAlarm> {
    let mut left: Vec<&CompositeAlarm> = alarms
        .iter()
        .filter_map(|a| match a {
            Alarm::Composite(c) => Some(c),
            Alarm::Metric(_) => None,
        })
        .collect();
    let mut out: Vec<&CompositeAlarm> = Vec::new();
    while !left.is_empty() {
        let names: Vec<&str> = left.iter().map(|c| c.name.as_str()).collect();
        let (ready, wait): (Vec<_>, Vec<_>) = left.into_iter().partition(|c| {
            let deps = Alarm::Composite((*c).clone()).depends_on();
            !deps
                .iter()
                .any(|d| names.contains(&d.as_str()) && *d != c.name)
        });
        if ready.is_empty() {
            // A cycle CloudWatch would refuse: evaluate the rest in any order.
            out.extend(wait);
            break;
        }
        out.extend(ready);
        left = wait;
    }
    out
}

/// The severity each alarm tagged `slo:severity` notifies with.
fn severities(alarms: &[Alarm]) -> BTreeMap<&str, Severity> {
    alarms
        .iter()
        .filter_map(|a| {
            let s = match a
                .tags()
                .get(crate::core::alarms::naming::TAG_SEVERITY)?
                .as_str()
            {
                "page" => Severity::Page,
                "ticket" => Severity::Ticket,
                _ => return None,
            };
            Some((a.name(), s))
        })
        .collect()
}

fn with_severity(
    notifications: Vec<Notification>,
    severity_of: &BTreeMap<&str, Severity>,
) -> Vec<SeverityNotification> {
    notifications
        .into_iter()
        .filter_map(|n| {
            Some(SeverityNotification {
                severity: *severity_of.get(n.alarm.as_str())?,
                start: n.start,
                end: n.end,
            })
        })
        .collect()
}

/// The notifications of one objective's severity composites (tagged `slo:severity`).
pub fn severity_notifications(
    alarms: &[Alarm],
    series: &EventSeries,
    range: TimeRange,
) -> Vec<SeverityNotification> {
    let severity_of = severities(alarms);
    let replayer = Replayer::new(alarms, |m| severity_of.contains_key(m.name.as_str()));
    with_severity(run(&replayer, series, range), &severity_of)
}

/// The first evaluation at which the metric alarm `alarm` would be in ALARM within `range`
/// (one evaluation a step of the series, as CloudWatch's), over `series`; `None`: never.
/// The data is read from far enough before `range` for the alarm's first evaluation.
pub fn first_alarm(
    alarm: &MetricAlarm,
    series: &EventSeries,
    range: TimeRange,
) -> Option<DateTime<Utc>> {
    let compiled = Compiled::new(alarm);
    let look_back = compiled.period * i64::from(alarm.evaluation_periods.max(1) + 2);
    let step = series.bucket().num_seconds().max(1);
    let from = range.start.timestamp() - look_back;
    let data = Data::from(series, ceil_div(from, step) * step, range.end);
    let step = data.step_secs;
    let first = range.start.timestamp().div_euclid(step) * step + step;
    let mut state = State::Ok;
    let mut at = first;
    while at <= range.end.timestamp() {
        state = compiled.state(&data, at, state).0;
        if state == State::Alarm {
            return Some(utc(at));
        }
        at += step;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::alarms::{
        Comparison, EvaluationWindow, MetricRef, Suppressor, TreatMissingData,
    };
    use crate::core::events::Counts;
    use chrono::TimeDelta;
    use std::collections::BTreeMap as Map;

    fn t(m: i64) -> DateTime<Utc> {
        "2026-11-15T12:00:00Z".parse::<DateTime<Utc>>().unwrap() + TimeDelta::minutes(m)
    }

    /// An alarm on the bad-event count per minute: ALARM when ≥ 1 in `m` of the last `n`.
    fn bad_alarm(name: &str, m: u32, n: u32, missing: TreatMissingData) -> Alarm {
        Alarm::Metric(MetricAlarm {
            name: name.into(),
            description: String::new(),
            source: AlarmSource::Metric(MetricRef {
                id: String::new(),
                namespace: "AWS/ApplicationELB".into(),
                name: "HTTPCode_Target_5XX_Count".into(),
                dimensions: vec![],
                stat: Stat::Sum,
                period_secs: 60,
            }),
            comparison: Comparison::GreaterThanOrEqualToThreshold,
            threshold: 1.0,
            evaluation_periods: n,
            datapoints_to_alarm: m,
            treat_missing_data: missing,
            evaluation_window: EvaluationWindow::Sliding,
            alarm_actions: vec![],
            ok_actions: vec![],
            tags: Map::new(),
        })
    }

    fn composite(name: &str, child: &str, suppressor: Option<(&str, u32, u32)>) -> Alarm {
        Alarm::Composite(CompositeAlarm {
            name: name.into(),
            description: String::new(),
            rule: Rule::alarm(child),
            alarm_actions: vec![],
            ok_actions: vec![],
            suppressor: suppressor.map(|(alarm, wait, ext)| Suppressor {
                alarm: alarm.into(),
                wait_period_secs: wait * 60,
                extension_period_secs: ext * 60,
            }),
            tags: Map::new(),
        })
    }

    /// Requests every minute of `[0, 240)`, with a 5xx in the minutes `bad` holds.
    fn series(bad: impl Fn(i64) -> bool) -> EventSeries {
        let mut s = EventSeries::new(TimeDelta::minutes(1)).unwrap();
        for m in 0..240 {
            s.add(t(m), Counts::new(if bad(m) { 9 } else { 10 }, 10));
        }
        s
    }

    fn range() -> TimeRange {
        TimeRange {
            start: t(0),
            end: t(240),
        }
    }

    fn spans(n: &[Notification], alarm: &str) -> Vec<(i64, Option<i64>)> {
        n.iter()
            .filter(|n| n.alarm == alarm)
            .map(|n| {
                (
                    (n.start - t(0)).num_minutes(),
                    n.end.map(|e| (e - t(0)).num_minutes()),
                )
            })
            .collect()
    }

    #[test]
    fn m_of_n_datapoints_and_missing_data_follow_cloudwatch() {
        // Errors in minutes 10, 12 and 30..40. At evaluation time T the newest period is
        // [T-1m, T): the minute-10 error is seen at 11. A minute without a 5xx has no datapoint
        // (ALB publishes none), so the last real one stands in while it is within the
        // evaluation range (N + 2 periods): each burst is seen two minutes longer.
        let s = series(|m| m == 10 || m == 12 || (30..40).contains(&m));
        let one = replay(
            &[bad_alarm("a", 1, 1, TreatMissingData::NotBreaching)],
            &s,
            range(),
        );
        assert_eq!(spans(&one, "a"), vec![(11, Some(16)), (31, Some(43))]);
        // 2 of 3: minutes 10 and 12 are both within the three periods ending at 13, and the
        // real datapoints farther back keep two of three breaching until 16.
        let two = replay(
            &[bad_alarm("a", 2, 3, TreatMissingData::NotBreaching)],
            &s,
            range(),
        );
        assert_eq!(spans(&two, "a"), vec![(13, Some(16)), (32, Some(44))]);
        // Missing periods counted as breaching: a minute without errors is "missing" for a 5xx
        // count (ALB publishes none), so the alarm never leaves ALARM.
        let breaching = replay(
            &[bad_alarm("a", 1, 1, TreatMissingData::Breaching)],
            &s,
            range(),
        );
        assert_eq!(spans(&breaching, "a"), vec![(1, None)]);
    }

    #[test]
    fn a_suppressed_composite_notifies_after_the_extension_only_if_still_in_alarm() {
        // `fast` fires 31..43; `slow` (the child of the suppressed composite) 31..82 (each
        // two minutes past its window: the last real datapoint stands in for missing ones).
        let fast = bad_alarm("fast", 1, 1, TreatMissingData::NotBreaching);
        let mut slow = bad_alarm("slow", 1, 20, TreatMissingData::NotBreaching);
        if let Alarm::Metric(m) = &mut slow {
            m.evaluation_periods = 40;
        }
        let s = series(|m| (30..40).contains(&m));
        let alarms = vec![
            fast,
            slow,
            composite("page", "fast", None),
            composite("ticket", "slow", Some(("page", 5, 10))),
        ];
        let n = replay(&alarms, &s, range());
        assert_eq!(spans(&n, "page"), vec![(31, Some(43))]);
        // Suppressed while the page is in ALARM, then 10 more minutes: notifies at 53.
        assert_eq!(spans(&n, "ticket"), vec![(53, Some(82))]);
        // With a long enough extension the ticket clears while suppressed: never notifies.
        let mut quiet = alarms.clone();
        quiet[3] = composite("ticket", "slow", Some(("page", 5, 60)));
        assert_eq!(spans(&replay(&quiet, &s, range()), "ticket"), vec![]);
    }

    #[test]
    fn the_wait_period_lets_a_suppressor_that_fires_late_hold_the_actions() {
        // `slow` fires first (31); `fast` only at 35, within the 5-minute wait.
        let slow = bad_alarm("slow", 1, 40, TreatMissingData::NotBreaching);
        let fast = bad_alarm("fast", 5, 5, TreatMissingData::NotBreaching);
        let s = series(|m| (30..45).contains(&m));
        let alarms = vec![
            slow.clone(),
            fast.clone(),
            composite("page", "fast", None),
            composite("ticket", "slow", Some(("page", 5, 120))),
        ];
        let n = replay(&alarms, &s, range());
        assert_eq!(spans(&n, "page"), vec![(35, Some(48))]);
        assert_eq!(spans(&n, "ticket"), vec![]);
        // With a 2-minute wait the ticket notifies at 33, before the page fires.
        let mut short_wait = alarms;
        short_wait[3] = composite("ticket", "slow", Some(("page", 2, 120)));
        assert_eq!(
            spans(&replay(&short_wait, &s, range()), "ticket"),
            vec![(33, Some(87))]
        );
    }
}
