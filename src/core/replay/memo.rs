//! Replaying an objective's alarms again a refresh later without replaying the whole window
//! (`slo serve` refreshes every minute, and the replay of 30 days at every step was most of a
//! refresh). The answer is the one a replay from scratch gives; only the work differs.
//!
//! A replay is a walk through time whose state after a step depends on the data before it.
//! The memo keeps that state at the last step whose data the next refresh cannot change, and
//! the next replay goes on from there. When the window has moved on, the new replay starts
//! later, with windows cut at its start, and so can disagree with the old one at first; it
//! agrees from the first step `c` at which
//! - every evaluation from `c` on reads only data both replays see: no earlier than the new
//!   start (or the old replay saw no requests there either), and
//! - nothing is in ALARM after `c` in the old replay: nothing of the past is carried but the
//!   metric alarms' states, and those follow from the data alone (unless an alarm treats
//!   missing data as `ignore`: then no memo is used across a move).
//!
//! What the new replay would have notified before `c` ended by `c`; the caller must not need
//! it (`report_from`).

use super::{
    Data, Notification, Replayer, RunState, SeverityNotification, severities, sort, steps,
    with_severity,
};
use crate::core::alarms::Alarm;
use crate::core::events::{EventSeries, ceil_div};
use crate::core::window::TimeRange;
use chrono::{DateTime, Utc};
use std::hash::Hasher;

/// What a replay leaves for the next one over the same objective.
#[derive(Clone, Debug, PartialEq)]
pub struct ReplayMemo {
    /// The alarms and the step it replayed.
    fingerprint: u64,
    /// Its data's first step start, and the first with any request (Unix seconds).
    first: i64,
    first_traffic: Option<i64>,
    /// Its state after the step `resume_at`, and what it had notified by then.
    resume_at: i64,
    resume: RunState,
    ended: Vec<Notification>,
    /// Runs of steps `[from, to]` after which something was in ALARM.
    loud: Vec<(i64, i64)>,
    /// Runs of steps `[from, to]` whose evaluation read farther back than the alarms' reach
    /// (missing data, real datapoints standing in), and the earliest time they read.
    deep: Vec<(i64, i64, i64)>,
}

/// A replay's notifications, and its memo when one could be kept.
#[derive(Clone, Debug)]
pub struct Replayed {
    pub notifications: Vec<SeverityNotification>,
    pub memo: Option<ReplayMemo>,
    /// Steps evaluated (all of the range's when nothing could be reused).
    pub steps: usize,
}

/// Where the memo of the last replay stands against this one's data.
#[derive(Clone, Copy, Debug)]
pub struct Previous<'a> {
    pub memo: &'a ReplayMemo,
    /// The series is the one that replay read before this time (its later buckets changed).
    pub unchanged_before: DateTime<Utc>,
}

/// [`super::severity_notifications`] going on from `previous` where it may. Notifications
/// that ended at or before `report_from` may be left out. `keep_before`: the next replay's
/// data will be this one's before that time; the memo is the state there.
pub fn severity_notifications_from(
    alarms: &[Alarm],
    series: &EventSeries,
    range: TimeRange,
    report_from: DateTime<Utc>,
    previous: Option<Previous<'_>>,
    keep_before: DateTime<Utc>,
) -> Replayed {
    let severity_of = severities(alarms);
    let replayer = Replayer::new(alarms, |m| severity_of.contains_key(m.name.as_str()));
    let data = Data::new(series, range);
    let fingerprint = fingerprint(alarms, data.step_secs);
    let last = range.end.timestamp();
    let report_from = report_from.timestamp();
    let mut log = Log::default();
    let mut out = Vec::new();
    let (mut state, from) = match previous
        .and_then(|p| resume_cut(p, &replayer, &data, fingerprint, report_from, last))
    {
        Some((memo, cut)) => {
            out.extend(
                memo.ended
                    .iter()
                    .filter(|n| n.end.is_none_or(|e| e.timestamp() > cut))
                    .cloned(),
            );
            log.loud = memo.loud.iter().copied().filter(|r| r.1 > cut).collect();
            log.deep = memo.deep.iter().copied().filter(|r| r.1 > cut).collect();
            (memo.resume.clone(), memo.resume_at)
        }
        None => (replayer.start(), data.first_secs),
    };
    let keep = keep_before.timestamp().min(last);
    // The state after the last step at or before `keep`, if this replay goes through it.
    let mut kept = (from <= keep && from >= data.first_secs)
        .then(|| (from, state.clone(), out.len(), log.clone()));
    let metric = replayer.metric.len();
    let reach = replayer.reach();
    let mut evaluated = 0;
    for at in steps(&data, from, last) {
        evaluated += 1;
        let read = replayer.step(&data, &mut state, at, &mut out);
        log.note(
            at,
            data.step_secs,
            !state.quiet(metric),
            (read < at - reach).then_some(read),
        );
        if at <= keep && at + data.step_secs > keep {
            kept = Some((at, state.clone(), out.len(), log.clone()));
        }
    }
    let memo = kept.map(|(resume_at, resume, ended, log)| ReplayMemo {
        fingerprint,
        first: data.first_secs,
        first_traffic: data.first_traffic(),
        resume_at,
        resume,
        // What ended by `report_from` is never asked for again: the window only moves on.
        ended: out[..ended]
            .iter()
            .filter(|n| n.end.is_none_or(|e| e.timestamp() > report_from))
            .cloned()
            .collect(),
        loud: log.loud,
        deep: log.deep,
    });
    replayer.open(&state, &mut out);
    sort(&mut out);
    Replayed {
        notifications: with_severity(out, &severity_of),
        memo,
        steps: evaluated,
    }
}

/// Whether the replay can go on from `previous`, and from which step on its notifications
/// stand (`i64::MIN`: all of them).
fn resume_cut<'m>(
    previous: Previous<'m>,
    replayer: &Replayer<'_>,
    data: &Data,
    fingerprint: u64,
    report_from: i64,
    last: i64,
) -> Option<(&'m ReplayMemo, i64)> {
    let m = previous.memo;
    let usable = m.fingerprint == fingerprint
        && m.resume_at < previous.unchanged_before.timestamp().saturating_add(1)
        && m.resume_at <= last
        && m.first <= data.first_secs
        && m.resume_at >= data.first_secs;
    if !usable {
        return None;
    }
    if m.first == data.first_secs {
        return Some((m, i64::MIN));
    }
    if replayer.remembers() {
        return None;
    }
    let step = data.step_secs;
    let start = data.first_secs;
    let c = (ceil_div(start + replayer.reach(), step) * step).max(start + step);
    let quiet = !m.loud.iter().any(|&(a, b)| a <= c && c <= b);
    // The old replay saw no request before the new start: what it read there, the new one
    // reads as nothing too.
    let nothing_before = m.first_traffic.is_none_or(|f| f >= start);
    let shallow = m
        .deep
        .iter()
        .all(|&(_, to, read)| to < c || read >= start || nothing_before);
    (c <= report_from && c <= m.resume_at && quiet && shallow).then_some((m, c))
}

/// The runs of steps a replay marks as it goes.
#[derive(Clone, Debug, Default)]
struct Log {
    loud: Vec<(i64, i64)>,
    deep: Vec<(i64, i64, i64)>,
}

impl Log {
    fn note(&mut self, at: i64, step: i64, loud: bool, deep: Option<i64>) {
        if loud {
            match self.loud.last_mut() {
                Some(run) if run.1 + step == at => run.1 = at,
                _ => self.loud.push((at, at)),
            }
        }
        if let Some(read) = deep {
            match self.deep.last_mut() {
                Some(run) if run.1 + step == at => {
                    run.1 = at;
                    run.2 = run.2.min(read);
                }
                _ => self.deep.push((at, at, read)),
            }
        }
    }
}

/// The alarms' definitions and the step, hashed: a memo of other alarms is not used.
fn fingerprint(alarms: &[Alarm], step: i64) -> u64 {
    struct Hashing(std::collections::hash_map::DefaultHasher);
    impl std::fmt::Write for Hashing {
        fn write_str(&mut self, s: &str) -> std::fmt::Result {
            self.0.write(s.as_bytes());
            Ok(())
        }
    }
    let mut h = Hashing(std::collections::hash_map::DefaultHasher::new());
    // Writing into a hasher cannot fail.
    let _ = std::fmt::write(&mut h, format_args!("{step} {alarms:?}"));
    h.0.finish()
}
