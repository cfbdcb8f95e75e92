//! Notification decisions, as Alertmanager makes them, pure: alarm states and the journal in,
//! the messages to send (each with an idempotency key) out. One group per service and
//! objective: a page and a ticket firing together are one message, the higher severity wins;
//! a still-firing group is repeated after `repeat`; one resolved message; every channel is
//! tracked on its own. Time is an argument.

use crate::core::model::ObjectiveKey;
use crate::core::tiers::Severity;
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What CloudWatch says of one severity composite.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AlarmState {
    pub key: ObjectiveKey,
    pub severity: Severity,
    pub firing: bool,
    /// When it entered its current state.
    pub since: DateTime<Utc>,
}

/// A group's firing episode that happened entirely between two passes (from the alarm
/// history): reported once, marked as such.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Missed {
    pub key: ObjectiveKey,
    pub severity: Severity,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// Where a message goes: the name of a notification channel (`sns`, `slack`), as the journal
/// records it. The channels themselves are the notify feature's; the decisions here only
/// need to tell them apart.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ChannelName(String);

impl ChannelName {
    pub fn new(name: &str) -> ChannelName {
        ChannelName(name.to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for ChannelName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Firing,
    /// Still firing after `repeat`.
    Repeat,
    Resolved,
    /// Fired and cleared while nothing was running.
    Missed,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Firing => "firing",
            Kind::Repeat => "repeat",
            Kind::Resolved => "resolved",
            Kind::Missed => "missed",
        }
    }
}

/// One message to one channel.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outgoing {
    /// `(group, transition, channel)`: the journal never records the same key twice, so a
    /// message is sent once (or, after a crash between send and record, at most twice).
    pub id: String,
    pub service: String,
    pub objective: String,
    pub kind: Kind,
    #[serde(with = "severity_name")]
    pub severity: Severity,
    /// When the group started firing.
    pub since: DateTime<Utc>,
    /// When it was decided (for `Resolved`/`Missed`: when it stopped).
    pub at: DateTime<Utc>,
    pub channel: ChannelName,
}

impl Outgoing {
    pub fn key(&self) -> ObjectiveKey {
        ObjectiveKey::new(&self.service, &self.objective)
    }
}

mod severity_name {
    use crate::core::tiers::Severity;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(s: &Severity, ser: S) -> Result<S::Ok, S::Error> {
        ser.serialize_str(s.name())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Severity, D::Error> {
        match String::deserialize(d)?.as_str() {
            "page" => Ok(Severity::Page),
            "ticket" => Ok(Severity::Ticket),
            other => Err(serde::de::Error::custom(format!(
                "unknown severity {other}"
            ))),
        }
    }
}

/// What the journal knows of one group.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupState {
    /// Firing since then, at that severity; `None`: not firing.
    pub firing_since: Option<DateTime<Utc>>,
    #[serde(default, with = "option_severity")]
    pub severity: Option<Severity>,
    /// The last firing or repeat message per channel.
    pub last_sent: BTreeMap<ChannelName, DateTime<Utc>>,
}

mod option_severity {
    use crate::core::tiers::Severity;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(s: &Option<Severity>, ser: S) -> Result<S::Ok, S::Error> {
        match s {
            Some(s) => ser.serialize_some(s.name()),
            None => ser.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Severity>, D::Error> {
        Ok(match Option::<String>::deserialize(d)?.as_deref() {
            Some("page") => Some(Severity::Page),
            Some("ticket") => Some(Severity::Ticket),
            _ => None,
        })
    }
}

/// A message not yet delivered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pending {
    pub message: Outgoing,
    pub attempts: u32,
    pub next_attempt: DateTime<Utc>,
    pub last_error: Option<String>,
    /// When it was first queued: how long it has waited (journals written before this field
    /// existed read it as the message's own time).
    #[serde(default)]
    pub queued_at: Option<DateTime<Utc>>,
}

impl Pending {
    pub fn waiting_since(&self) -> DateTime<Utc> {
        self.queued_at.unwrap_or(self.message.at)
    }
}

/// A message given up on: after [`DEAD_AFTER_ATTEMPTS`] failed tries, or at once when its
/// channel refused it for good (a 4xx that no retry mends). Kept, reported, never resent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadLetter {
    pub message: Outgoing,
    pub attempts: u32,
    pub reason: String,
    pub at: DateTime<Utc>,
}

/// Everything a restart must not forget.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalState {
    pub groups: BTreeMap<String, GroupState>,
    /// Delivered message ids, with when (kept a while, for deduplication).
    pub sent: BTreeMap<String, DateTime<Utc>>,
    pub pending: BTreeMap<String, Pending>,
    /// The end of the last pass: the alarm history is read from here.
    pub last_pass: Option<DateTime<Utc>>,
    /// Messages given up on, newest kept (at most [`KEEP_DEAD`], for [`KEEP_SENT`]).
    #[serde(default)]
    pub dead: BTreeMap<String, DeadLetter>,
}

/// After this many failed attempts a pending message is reported.
pub const REPORT_AFTER_ATTEMPTS: u32 = 5;
/// After this many failed attempts a pending message is dead-lettered: with the backoff that
/// is 1 + 2 + 4 + 8 minutes of trying, and the state stays bounded.
pub const DEAD_AFTER_ATTEMPTS: u32 = 5;
/// Dead letters kept at most.
pub const KEEP_DEAD: usize = 200;

/// How long a message may wait before the notification path counts as broken, by severity
/// (the heartbeat stops then, so CloudWatch's fallback pages directly).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PendingLimits {
    pub page: TimeDelta,
    pub ticket: TimeDelta,
}

impl Default for PendingLimits {
    fn default() -> PendingLimits {
        PendingLimits {
            page: TimeDelta::minutes(5),
            ticket: TimeDelta::hours(1),
        }
    }
}

impl PendingLimits {
    pub fn of(&self, s: Severity) -> TimeDelta {
        match s {
            Severity::Page => self.page,
            Severity::Ticket => self.ticket,
        }
    }
}

/// Why notifications are not getting through, if they are not: a message pending past its
/// severity's limit, or a page given up on while its group still fires. `None`: healthy.
pub fn undelivered(
    journal: &JournalState,
    now: DateTime<Utc>,
    limits: PendingLimits,
) -> Option<String> {
    let overdue = journal
        .pending
        .values()
        .filter(|p| now - p.waiting_since() > limits.of(p.message.severity))
        .min_by_key(|p| p.waiting_since());
    if let Some(p) = overdue {
        return Some(format!(
            "{} {} message {} on {} pending since {} ({} tries; last error: {})",
            p.message.severity,
            p.message.kind.name(),
            p.message.key(),
            p.message.channel,
            p.waiting_since().to_rfc3339(),
            p.attempts,
            p.last_error.as_deref().unwrap_or("none")
        ));
    }
    journal
        .dead
        .values()
        .filter(|d| d.message.severity == Severity::Page && d.message.kind != Kind::Resolved)
        .find(|d| {
            journal
                .groups
                .get(&group_name(&d.message.key()))
                .is_some_and(|g| g.firing_since.is_some())
        })
        .map(|d| {
            format!(
                "page {} on {} was given up on ({}) and the group still fires",
                d.message.key(),
                d.message.channel,
                d.reason
            )
        })
}

/// How long the oldest pending message has waited.
pub fn oldest_pending(journal: &JournalState, now: DateTime<Utc>) -> Option<TimeDelta> {
    journal
        .pending
        .values()
        .map(|p| now - p.waiting_since())
        .max()
}

/// Gives up on a pending message: it moves to the dead letters.
pub fn dead_letter(journal: &mut JournalState, id: &str, reason: String, now: DateTime<Utc>) {
    if let Some(p) = journal.pending.remove(id) {
        journal.dead.insert(
            id.to_owned(),
            DeadLetter {
                message: p.message,
                attempts: p.attempts,
                reason,
                at: now,
            },
        );
    }
    journal.dead.retain(|_, d| now - d.at < KEEP_SENT);
    while journal.dead.len() > KEEP_DEAD {
        let oldest = journal
            .dead
            .iter()
            .min_by_key(|(_, d)| d.at)
            .map(|(k, _)| k.clone());
        match oldest {
            Some(k) => journal.dead.remove(&k),
            None => break,
        };
    }
}
/// Delivered ids are kept this long, the newest [`KEEP_SENT_MAX`] at most (the state stays
/// small enough for one DynamoDB item; decisions follow the groups' states, the delivered ids
/// only guard against queuing one transition twice).
pub const KEEP_SENT: TimeDelta = TimeDelta::days(14);
pub const KEEP_SENT_MAX: usize = 5000;

/// The group's current state from its composites: firing if any is in ALARM, at the highest
/// severity in ALARM, since the earliest of them.
pub fn current(states: &[AlarmState]) -> BTreeMap<ObjectiveKey, (Severity, DateTime<Utc>)> {
    let mut out: BTreeMap<ObjectiveKey, (Severity, DateTime<Utc>)> = BTreeMap::new();
    for s in states.iter().filter(|s| s.firing) {
        out.entry(s.key.clone())
            .and_modify(|(sev, since)| {
                *sev = (*sev).min(s.severity); // Page < Ticket: the higher severity wins.
                *since = (*since).min(s.since);
            })
            .or_insert((s.severity, s.since));
    }
    out
}

fn group_name(k: &ObjectiveKey) -> String {
    k.to_string()
}

/// Maintenance windows hold slo's own notifications: a group that starts firing while it is
/// excluded (`excluded(key, at)`) is treated as quiet until the window ends — then, still
/// firing, it pages as usual —, and an episode missed between passes that began in a window
/// is dropped. A group already firing before the window keeps its course: its resolved notice
/// is sent, not silenced. Returns the groups held.
pub fn hold_excluded(
    journal: &JournalState,
    states: &mut [AlarmState],
    missed: &mut Vec<Missed>,
    excluded: &dyn Fn(&ObjectiveKey, DateTime<Utc>) -> bool,
    now: DateTime<Utc>,
) -> Vec<ObjectiveKey> {
    let mut held = Vec::new();
    for s in states.iter_mut().filter(|s| s.firing) {
        let known = journal
            .groups
            .get(&group_name(&s.key))
            .is_some_and(|g| g.firing_since.is_some());
        if !known && excluded(&s.key, now) {
            s.firing = false;
            if !held.contains(&s.key) {
                held.push(s.key.clone());
            }
        }
    }
    missed.retain(|m| !excluded(&m.key, m.start));
    held
}

/// Decides this pass: updates the journal's groups and queues what must be sent on
/// `channels` (per group). Messages already sent or pending are not queued again.
pub fn decide(
    journal: &mut JournalState,
    states: &[AlarmState],
    missed: &[Missed],
    channels: &dyn Fn(&ObjectiveKey) -> Vec<ChannelName>,
    repeat: &dyn Fn(&ObjectiveKey) -> TimeDelta,
    now: DateTime<Utc>,
) {
    let now_firing = current(states);
    // A group this journal knew as firing, or that fires now, has been (or is being) told
    // about: its history is not a missed episode.
    let known: Vec<String> = journal
        .groups
        .iter()
        .filter(|(_, g)| g.firing_since.is_some())
        .map(|(k, _)| k.clone())
        .chain(now_firing.keys().map(group_name))
        .collect();
    let mut queue = Vec::new();
    let mut keys: Vec<ObjectiveKey> = now_firing.keys().cloned().collect();
    for name in journal.groups.keys() {
        if let Some((service, objective)) = name.split_once('/') {
            let k = ObjectiveKey::new(service, objective);
            if !keys.contains(&k) {
                keys.push(k);
            }
        }
    }
    for key in keys {
        let g = journal.groups.entry(group_name(&key)).or_default();
        let firing = now_firing.get(&key).copied();
        let transition =
            |kind: Kind, severity: Severity, since: DateTime<Utc>, at| (kind, severity, since, at);
        let mut events = Vec::new();
        match (g.firing_since, firing) {
            (None, Some((sev, since))) => {
                events.push(transition(Kind::Firing, sev, since, now));
                g.firing_since = Some(since);
                g.severity = Some(sev);
            }
            (Some(since), Some((sev, _))) => {
                let escalated = g.severity.is_some_and(|old| sev < old);
                if escalated {
                    events.push(transition(Kind::Firing, sev, since, now));
                    g.severity = Some(sev);
                } else {
                    for ch in channels(&key) {
                        let due = g
                            .last_sent
                            .get(&ch)
                            .is_some_and(|t| now - *t >= repeat(&key));
                        if due {
                            queue.push(outgoing(
                                &key,
                                Kind::Repeat,
                                sev,
                                since,
                                now,
                                ch,
                                Some(now),
                            ));
                        }
                    }
                }
            }
            (Some(since), None) => {
                let sev = g.severity.unwrap_or(Severity::Ticket);
                events.push(transition(Kind::Resolved, sev, since, now));
                g.firing_since = None;
                g.severity = None;
                g.last_sent.clear();
            }
            (None, None) => {}
        }
        for (kind, sev, since, at) in events {
            for ch in channels(&key) {
                queue.push(outgoing(&key, kind, sev, since, at, ch, None));
            }
        }
    }
    let previous_pass = journal.last_pass;
    for m in missed {
        // Only episodes that began after the previous pass: earlier ones it saw itself.
        let new = previous_pass.is_none_or(|p| m.start > p);
        if !new || known.contains(&group_name(&m.key)) {
            continue;
        }
        for ch in channels(&m.key) {
            queue.push(outgoing(
                &m.key,
                Kind::Missed,
                m.severity,
                m.start,
                m.end,
                ch,
                None,
            ));
        }
    }
    for o in queue {
        if journal.sent.contains_key(&o.id)
            || journal.pending.contains_key(&o.id)
            || journal.dead.contains_key(&o.id)
        {
            continue;
        }
        if matches!(o.kind, Kind::Firing | Kind::Repeat)
            && let Some(g) = journal.groups.get_mut(&group_name(&o.key()))
        {
            g.last_sent.insert(o.channel.clone(), now);
        }
        journal.pending.insert(
            o.id.clone(),
            Pending {
                message: o,
                attempts: 0,
                next_attempt: now,
                last_error: None,
                queued_at: Some(now),
            },
        );
    }
    journal.sent.retain(|_, t| now - *t < KEEP_SENT);
    if journal.sent.len() > KEEP_SENT_MAX {
        let mut times: Vec<DateTime<Utc>> = journal.sent.values().copied().collect();
        times.sort_unstable();
        let cut = times[times.len() - KEEP_SENT_MAX];
        journal.sent.retain(|_, t| *t >= cut);
    }
    journal.last_pass = Some(now);
}

fn outgoing(
    key: &ObjectiveKey,
    kind: Kind,
    severity: Severity,
    since: DateTime<Utc>,
    at: DateTime<Utc>,
    channel: ChannelName,
    repeat_at: Option<DateTime<Utc>>,
) -> Outgoing {
    // The transition is named by the group's start (and the repeat's time): a pass that sees
    // the same transition again builds the same id.
    let transition = match (kind, repeat_at) {
        (Kind::Repeat, Some(r)) => format!("repeat@{}", r.timestamp()),
        (Kind::Firing, _) => format!("firing-{}@{}", severity.name(), since.timestamp()),
        (k, _) => format!("{}@{}", k.name(), since.timestamp()),
    };
    Outgoing {
        id: format!("{key}|{transition}|{channel}"),
        service: key.service.clone(),
        objective: key.objective.clone(),
        kind,
        severity,
        since,
        at,
        channel,
    }
}

/// Backoff for a message that failed `attempts` times: 1, 2, 4 … minutes, at most 30.
pub fn backoff(attempts: u32) -> TimeDelta {
    TimeDelta::minutes((1i64 << attempts.min(5).saturating_sub(1)).min(30))
}

/// Records a delivery.
pub fn delivered(journal: &mut JournalState, id: &str, now: DateTime<Utc>) {
    journal.pending.remove(id);
    journal.sent.insert(id.to_owned(), now);
}

/// Records a failure: the message stays pending, retried after a backoff.
pub fn failed(journal: &mut JournalState, id: &str, error: String, now: DateTime<Utc>) {
    if let Some(p) = journal.pending.get_mut(id) {
        p.attempts += 1;
        p.last_error = Some(error);
        p.next_attempt = now + backoff(p.attempts);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_window_holds_a_new_page_but_resolves_one_that_began_before_it() {
        let t = |m: i64| DateTime::from_timestamp(1_800_000_000 + m * 60, 0).unwrap();
        let a = ObjectiveKey::new("checkout", "availability");
        let b = ObjectiveKey::new("catalog", "availability");
        let firing = |key: &ObjectiveKey| AlarmState {
            key: key.clone(),
            severity: Severity::Page,
            firing: true,
            since: t(0),
        };
        let mut journal = JournalState::default();
        // `b` was paged before its window began.
        journal.groups.insert(
            b.to_string(),
            GroupState {
                firing_since: Some(t(-30)),
                severity: Some(Severity::Page),
                ..GroupState::default()
            },
        );
        let in_window = |_: &ObjectiveKey, at: DateTime<Utc>| at >= t(-5) && at < t(60);
        let mut states = vec![firing(&a), firing(&b)];
        let mut missed = vec![
            Missed {
                key: a.clone(),
                severity: Severity::Page,
                start: t(1),
                end: t(2),
            },
            Missed {
                key: a.clone(),
                severity: Severity::Page,
                start: t(-20),
                end: t(-10),
            },
        ];
        let held = hold_excluded(&journal, &mut states, &mut missed, &in_window, t(1));
        assert_eq!(held, std::slice::from_ref(&a));
        assert!(!states[0].firing && states[1].firing);
        assert_eq!(missed.len(), 1, "the episode before the window stays");
        // After the window, still firing: it pages.
        let mut states = vec![firing(&a)];
        assert!(
            hold_excluded(&journal, &mut states, &mut Vec::new(), &in_window, t(61)).is_empty()
        );
        assert!(states[0].firing);
    }

    use super::*;

    fn t(m: i64) -> DateTime<Utc> {
        "2026-11-15T14:00:00Z".parse::<DateTime<Utc>>().unwrap() + TimeDelta::minutes(m)
    }

    fn key() -> ObjectiveKey {
        ObjectiveKey::new("checkout", "availability")
    }

    fn state(severity: Severity, firing: bool, since: i64) -> AlarmState {
        AlarmState {
            key: key(),
            severity,
            firing,
            since: t(since),
        }
    }

    /// One decision at minute `now`, on both channels: queued, not delivered.
    fn queue(j: &mut JournalState, states: &[AlarmState], now: i64) {
        decide(
            j,
            states,
            &[],
            &|_| vec![ChannelName::new("sns"), ChannelName::new("slack")],
            &|_| TimeDelta::hours(4),
            t(now),
        );
    }

    fn pass(j: &mut JournalState, states: &[AlarmState], now: i64) -> Vec<Outgoing> {
        let before: Vec<String> = j.pending.keys().cloned().collect();
        queue(j, states, now);
        let new: Vec<Outgoing> = j
            .pending
            .values()
            .filter(|p| !before.contains(&p.message.id))
            .map(|p| p.message.clone())
            .collect();
        // Deliver everything at once.
        for o in &new {
            delivered(j, &o.id, t(now));
        }
        new
    }

    #[test]
    fn firing_is_sent_once_per_channel_repeated_after_the_interval_and_resolved_once() {
        let mut j = JournalState::default();
        let firing = [
            state(Severity::Page, true, 3),
            state(Severity::Ticket, true, 5),
        ];
        let first = pass(&mut j, &firing, 4);
        assert_eq!(first.len(), 2, "one message per channel: {first:#?}");
        assert!(
            first
                .iter()
                .all(|o| o.kind == Kind::Firing && o.severity == Severity::Page)
        );
        assert!(
            pass(&mut j, &firing, 5).is_empty(),
            "nothing on the next pass"
        );
        assert!(pass(&mut j, &firing, 200).is_empty());
        let repeat = pass(&mut j, &firing, 4 + 240);
        assert_eq!(repeat.len(), 2);
        assert!(repeat.iter().all(|o| o.kind == Kind::Repeat));
        let ok = [
            state(Severity::Page, false, 300),
            state(Severity::Ticket, false, 300),
        ];
        let resolved = pass(&mut j, &ok, 301);
        assert_eq!(resolved.len(), 2);
        assert!(
            resolved
                .iter()
                .all(|o| o.kind == Kind::Resolved && o.since == t(3))
        );
        assert!(pass(&mut j, &ok, 302).is_empty());
    }

    #[test]
    fn a_ticket_that_escalates_to_a_page_is_sent_again_and_a_restart_does_not_resend() {
        let mut j = JournalState::default();
        let ticket = [state(Severity::Ticket, true, 0)];
        assert_eq!(pass(&mut j, &ticket, 1)[0].severity, Severity::Ticket);
        let both = [
            state(Severity::Ticket, true, 0),
            state(Severity::Page, true, 9),
        ];
        let escalated = pass(&mut j, &both, 10);
        assert_eq!(escalated.len(), 2);
        assert!(
            escalated
                .iter()
                .all(|o| o.severity == Severity::Page && o.since == t(0))
        );
        // A restart reads the journal back: the same states decide nothing new.
        let text = serde_json::to_string(&j).unwrap();
        let mut restarted: JournalState = serde_json::from_str(&text).unwrap();
        assert!(pass(&mut restarted, &both, 11).is_empty());
    }

    #[test]
    fn a_failed_message_stays_pending_with_backoff_and_a_missed_episode_is_reported_once() {
        let mut j = JournalState::default();
        decide(
            &mut j,
            &[state(Severity::Page, true, 0)],
            &[],
            &|_| vec![ChannelName::new("slack")],
            &|_| TimeDelta::hours(4),
            t(1),
        );
        let id = j.pending.keys().next().unwrap().clone();
        failed(&mut j, &id, "HTTP 500".into(), t(1));
        failed(&mut j, &id, "HTTP 500".into(), t(2));
        let p = &j.pending[&id];
        assert_eq!((p.attempts, p.next_attempt), (2, t(4)));
        // The same state again queues nothing new: the message is pending, not lost.
        decide(
            &mut j,
            &[state(Severity::Page, true, 0)],
            &[],
            &|_| vec![ChannelName::new("slack")],
            &|_| TimeDelta::hours(4),
            t(3),
        );
        assert_eq!(j.pending.len(), 1);

        let mut j = JournalState::default();
        let missed = [Missed {
            key: key(),
            severity: Severity::Page,
            start: t(10),
            end: t(20),
        }];
        for now in [30, 31] {
            decide(
                &mut j,
                &[],
                &missed,
                &|_| vec![ChannelName::new("sns")],
                &|_| TimeDelta::hours(4),
                t(now),
            );
            let ids: Vec<String> = j.pending.keys().cloned().collect();
            for id in ids {
                delivered(&mut j, &id, t(now));
            }
        }
        assert_eq!(j.sent.len(), 1);
        assert!(j.sent.keys().next().unwrap().contains("missed"));
    }

    #[test]
    fn a_page_waiting_past_its_limit_or_given_up_while_firing_is_undelivered() {
        let mut j = JournalState::default();
        let firing = [state(Severity::Page, true, 0)];
        queue(&mut j, &firing, 0);
        let queued: Vec<Outgoing> = j.pending.values().map(|p| p.message.clone()).collect();
        assert_eq!(queued.len(), 2);
        let limits = PendingLimits::default();
        assert_eq!(undelivered(&j, t(4), limits), None, "within 5 minutes");
        let why = undelivered(&j, t(6), limits).expect("past 5 minutes");
        assert!(
            why.contains("page firing message checkout/availability"),
            "{why}"
        );
        assert_eq!(oldest_pending(&j, t(6)), Some(TimeDelta::minutes(6)));
        // Given up on while the group still fires: still undelivered.
        for o in &queued {
            dead_letter(&mut j, &o.id, "HTTP 404".into(), t(1));
        }
        assert!(j.pending.is_empty());
        let why = undelivered(&j, t(2), limits).expect("a dead page of a firing group");
        assert!(why.contains("given up"), "{why}");
        // Dead letters are never queued again.
        queue(&mut j, &firing, 3);
        assert!(j.pending.is_empty());
        // Resolved: healthy again.
        queue(&mut j, &[state(Severity::Page, false, 0)], 10);
        let resolved: Vec<String> = j.pending.keys().cloned().collect();
        for id in &resolved {
            delivered(&mut j, id, t(10));
        }
        assert_eq!(undelivered(&j, t(11), limits), None);
    }

    #[test]
    fn dead_letters_stay_bounded() {
        let mut j = JournalState::default();
        for i in 0..(KEEP_DEAD + 50) {
            let firing = [AlarmState {
                key: ObjectiveKey::new("s", &format!("o{i}")),
                severity: Severity::Ticket,
                firing: true,
                since: t(0),
            }];
            decide(
                &mut j,
                &firing,
                &[],
                &|_| vec![ChannelName::new("sns")],
                &|_| TimeDelta::hours(4),
                t(0),
            );
            let ids: Vec<String> = j.pending.keys().cloned().collect();
            for id in ids {
                dead_letter(&mut j, &id, "gone".into(), t(i as i64));
            }
        }
        assert_eq!(j.dead.len(), KEEP_DEAD);
    }
}
