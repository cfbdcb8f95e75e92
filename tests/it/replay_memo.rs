//! The replay going on from its memo (`slo serve`'s refreshes) answers as a replay from
//! scratch: property tests over generated traffic, refresh times and late data, with a spec's
//! own planned alarms.
use chrono::TimeDelta;
use chrono::{DateTime, Utc};
use proptest::prelude::*;
use slo::core::alarms::Alarm;
use slo::core::events::Counts;
use slo::core::events::EventSeries;
use slo::core::replay::{
    Previous, ReplayMemo, SeverityNotification, severity_notifications, severity_notifications_from,
};
use slo::core::window::TimeRange;

/// A spec's own planned alarms for its one objective: burn-rate tiers with short windows
/// (the replay runs in a debug build), a page suppressing a ticket, significance guards.
fn alarms(missing_ignore: bool, errors: bool) -> Vec<Alarm> {
    let text = "apiVersion: slo/v1\nservice: s\nalb: { loadBalancer: app/lb/0123456789abcdef }\nwindow: 1d\nobjectives:\n  - { name: availability, sli: availability, target: 99% }\nalerting:\n  tiers:\n    - { name: fast, severity: page, longWindow: 30m, shortWindow: 5m, burnRate: 10 }\n    - { name: slow, severity: ticket, longWindow: 2h, shortWindow: 15m, burnRate: 2 }\n";
    let mut d = slo::spec::diag::Diagnostics::new(std::path::Path::new("t.yaml"));
    let slo = slo::spec::load::parse_spec(text.as_bytes(), &mut d)
        .unwrap()
        .0;
    let mut own: Vec<Alarm> = slo::core::alarms::desired_alarms(&slo)
        .unwrap()
        .into_iter()
        .filter(|a| {
            a.tags().get(slo::core::alarms::naming::TAG_OBJECTIVE)
                == Some(&"availability".to_owned())
        })
        .collect();
    // A metric alarm that notifies itself (as a log-pattern alarm does) on a metric ALB
    // publishes only when it counts something: missing data, and real datapoints from
    // farther back standing in (reading before the window's start).
    own.extend(errors.then(|| {
        Alarm::Metric(slo::core::alarms::MetricAlarm {
            name: "s:errors".into(),
            description: String::new(),
            source: slo::core::alarms::AlarmSource::Metric(slo::core::alarms::MetricRef {
                id: String::new(),
                namespace: "AWS/ApplicationELB".into(),
                name: "HTTPCode_Target_5XX_Count".into(),
                dimensions: vec![],
                stat: slo::core::stat::Stat::Sum,
                period_secs: 7200,
            }),
            comparison: slo::core::alarms::Comparison::GreaterThanOrEqualToThreshold,
            threshold: 20.0,
            evaluation_periods: 1,
            datapoints_to_alarm: 1,
            treat_missing_data: slo::core::alarms::TreatMissingData::NotBreaching,
            evaluation_window: slo::core::alarms::EvaluationWindow::Sliding,
            alarm_actions: vec![],
            ok_actions: vec![],
            tags: [(
                slo::core::alarms::naming::TAG_SEVERITY.to_owned(),
                "page".to_owned(),
            )]
            .into(),
        })
    }));
    if missing_ignore {
        for a in &mut own {
            if let Alarm::Metric(m) = a {
                m.treat_missing_data = slo::core::alarms::TreatMissingData::Ignore;
            }
        }
    }
    own
}

fn t0() -> DateTime<Utc> {
    "2026-11-15T00:00:00Z".parse().unwrap()
}

/// What CloudWatch answers at `now`: `truth` up to then, its last minutes only half in.
fn visible(truth: &[(u64, u64)], now: DateTime<Utc>) -> EventSeries {
    let mut s = EventSeries::new(TimeDelta::minutes(1)).unwrap();
    for (m, &(good, total)) in truth.iter().enumerate() {
        let at = t0() + TimeDelta::minutes(m as i64);
        if at >= now {
            break;
        }
        let late = at >= now - LATE;
        let (good, total) = if late {
            (good / 2, total / 2)
        } else {
            (good, total)
        };
        s.add(at, Counts::new(good.min(total), total));
    }
    s
}

const LATE: TimeDelta = TimeDelta::minutes(3);
const WINDOW: TimeDelta = TimeDelta::hours(6);
const WARM_UP: TimeDelta = TimeDelta::hours(2);

fn fresh(
    alarms: &[Alarm],
    series: &EventSeries,
    at: DateTime<Utc>,
    warm_up: TimeDelta,
) -> Vec<SeverityNotification> {
    let range = TimeRange::ending_at(at, WINDOW + warm_up);
    keep_reported(severity_notifications(alarms, series, range), at)
}

fn keep_reported(n: Vec<SeverityNotification>, at: DateTime<Utc>) -> Vec<SeverityNotification> {
    let from = at - WINDOW;
    n.into_iter()
        .filter(|n| n.end.is_none_or(|e| e > from))
        .collect()
}

/// Refreshes at each of `gaps` (seconds after the last), each going on from the last's
/// memo; every answer must be the fresh replay's. Returns the steps each refresh took.
fn refreshes(
    alarms: &[Alarm],
    truth: &[(u64, u64)],
    gaps: &[i64],
    warm_up: TimeDelta,
) -> Vec<usize> {
    let mut at = t0() + warm_up + WINDOW;
    let mut memo: Option<ReplayMemo> = None;
    let mut unchanged = DateTime::<Utc>::MIN_UTC;
    let mut steps = Vec::new();
    for gap in gaps {
        at += TimeDelta::seconds(*gap);
        let series = visible(truth, at);
        let range = TimeRange::ending_at(at, WINDOW + warm_up);
        let previous = memo.as_ref().map(|memo| Previous {
            memo,
            unchanged_before: unchanged,
        });
        let got =
            severity_notifications_from(alarms, &series, range, at - WINDOW, previous, at - LATE);
        assert_eq!(
            keep_reported(got.notifications, at),
            fresh(alarms, &series, at, warm_up),
            "at {at}"
        );
        steps.push(got.steps);
        memo = got.memo;
        unchanged = at - LATE;
    }
    steps
}

fn traffic() -> impl Strategy<Value = Vec<(u64, u64)>> {
    // Runs of minutes at some rate and error share: quiet nights, outages, bursts.
    prop::collection::vec((1usize..90, 0u64..30, 0u64..100), 1..60).prop_map(|runs| {
        runs.into_iter()
            .flat_map(|(len, rate, bad)| {
                (0..len).map(move |k| {
                    let total = if rate > 22 { 0 } else { rate + (k as u64 % 3) };
                    let bad = (total * bad.saturating_sub(75) / 25).min(total);
                    (total - bad, total)
                })
            })
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]
    #[test]
    fn going_on_from_the_memo_answers_as_a_fresh_replay(
        truth in traffic(),
        gaps in prop::collection::vec(prop_oneof![6 => 1i64..600, 1 => 600i64..20_000], 1..16),
        ignore in prop::bool::weighted(0.2),
        errors in prop::bool::ANY,
        warm_up in prop_oneof![Just(60i64), Just(120), Just(150)],
    ) {
        refreshes(&alarms(ignore, errors), &truth, &gaps, TimeDelta::minutes(warm_up));
    }
}

#[test]
fn a_refresh_a_minute_later_replays_a_few_steps_only() {
    // Steady traffic with an outage in the warm-up and one inside the window.
    let truth: Vec<(u64, u64)> = (0..24 * 60)
        .map(|m| match m {
            5..15 | 400..420 => (0, 10),
            _ => (10, 10),
        })
        .collect();
    let steps = refreshes(
        &alarms(false, false),
        &truth,
        &[0, 60, 60, 60, 60, 60, 60],
        WARM_UP,
    );
    let whole = (WINDOW + WARM_UP).num_minutes() as usize;
    assert_eq!(steps[0], whole, "the first replay is whole");
    for s in &steps[1..] {
        assert!(*s <= 5, "{steps:?}");
    }
}

#[test]
fn other_alarms_or_changed_data_are_replayed_whole() {
    let truth = vec![(10, 10); 24 * 60];
    let at = t0() + WARM_UP + WINDOW;
    let range = TimeRange::ending_at(at, WINDOW + WARM_UP);
    let series = visible(&truth, at);
    let a = alarms(false, false);
    let first = severity_notifications_from(&a, &series, range, at - WINDOW, None, at - LATE);
    let memo = first.memo.unwrap();
    let later = TimeRange::ending_at(at + TimeDelta::minutes(1), WINDOW + WARM_UP);
    let go_on = |alarms: &[Alarm], unchanged_before| {
        severity_notifications_from(
            alarms,
            &series,
            later,
            later.end - WINDOW,
            Some(Previous {
                memo: &memo,
                unchanged_before,
            }),
            later.end - LATE,
        )
        .steps
    };
    assert!(go_on(&a, at - LATE) <= 5);
    let whole = (WINDOW + WARM_UP).num_minutes() as usize;
    assert_eq!(
        go_on(&a, at - TimeDelta::hours(1)),
        whole,
        "data changed before the memo"
    );
    let mut other = a.clone();
    other.pop();
    assert_eq!(go_on(&other, at - LATE), whole, "other alarms");
}
