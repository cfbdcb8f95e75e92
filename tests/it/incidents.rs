//! Truthful incidents on data nobody tuned the rules for: a low-traffic service with two bad
//! deployments on one afternoon, and a quiet week of chance errors. Logs are written as ALB
//! writes them (one plain file), deployments as `aws ecs describe-service-deployments` prints
//! them; the report runs as a user runs it.

use crate::support::{slo, text};
use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Value, json};
use std::path::Path;

const LB: &str = "app/shop/0123456789abcdef";

fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

/// A small, seeded generator: the same "random" traffic on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// An ALB line of the first generation (18 fields, as AWS's documentation shows them).
fn line(at: DateTime<Utc>, status: u16) -> String {
    format!(
        "http {} {LB} 192.168.131.39:2817 10.0.0.1:80 0.000 0.012 0.000 {status} {status} 34 366 \"GET http://shop.example.com:80/api/items HTTP/1.1\" \"curl/8.5.0\" - - arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/shop/73e2d6bc24d8a067 \"Root=1-58337262-36d228ad5d99923122bbe354\"",
        at.format("%Y-%m-%dT%H:%M:%S%.6fZ")
    )
}

/// `per_minute` requests a minute from `start` for `minutes`, each failing with the chance
/// `fail(minute)` says.
fn write_logs(
    dir: &Path,
    start: DateTime<Utc>,
    minutes: i64,
    per_minute: u32,
    fail: impl Fn(DateTime<Utc>) -> f64,
) {
    let mut rng = Rng(42);
    let mut out = String::new();
    for m in 0..minutes {
        let minute = start + TimeDelta::minutes(m);
        let p = fail(minute);
        for k in 0..per_minute {
            let at =
                minute + TimeDelta::milliseconds(i64::from(k) * 60_000 / i64::from(per_minute));
            let status = if rng.next() < p { 502 } else { 200 };
            out.push_str(&line(at, status));
            out.push('\n');
        }
    }
    std::fs::write(dir.join("requests.log"), out).unwrap();
}

fn write_spec(dir: &Path) {
    std::fs::write(
        dir.join("shop.yaml"),
        format!(
            "apiVersion: slo/v1\nservice: shop\nalb: {{ loadBalancer: {LB} }}\necs: {{ cluster: prod, service: shop }}\nwindow: 7d\nobjectives:\n  - {{ name: availability, sli: availability, target: 99.9% }}\nnotify: {{ sns: arn:aws:sns:us-east-1:123456789012:alerts }}\n"
        ),
    )
    .unwrap();
}

/// A deployment as the CLI prints it: rolled back by the circuit breaker when `rolled_back`.
fn deployment(id: &str, start: DateTime<Utc>, end: DateTime<Utc>, rolled_back: bool) -> Value {
    let time = |t: DateTime<Utc>| t.format("%Y-%m-%dT%H:%M:%S%.6f+00:00").to_string();
    let mut d = json!({
        "serviceDeploymentArn": format!("arn:aws:ecs:us-east-1:123456789012:service-deployment/prod/shop/{id}"),
        "serviceArn": "arn:aws:ecs:us-east-1:123456789012:service/prod/shop",
        "clusterArn": "arn:aws:ecs:us-east-1:123456789012:cluster/prod",
        "createdAt": time(start),
        "startedAt": time(start),
        "finishedAt": time(end),
        "status": if rolled_back { "ROLLBACK_SUCCESSFUL" } else { "SUCCESSFUL" },
    });
    if rolled_back {
        d["rollback"] = json!({
            "reason": "Service deployment rolled back because the circuit breaker threshold was exceeded.",
            "startedAt": time(end - TimeDelta::minutes(5)),
            "serviceRevisionArn": "arn:aws:ecs:us-east-1:123456789012:service-revision/prod/shop/0001",
        });
        d["deploymentCircuitBreaker"] =
            json!({ "status": "TRIGGERED", "failureCount": 3, "threshold": 3 });
    }
    d
}

fn report(dir: &Path, at: &str, extra: &[&str]) -> Value {
    let specs = dir.join("specs");
    let logs = dir.join("logs");
    let mut args = vec![
        "report",
        specs.to_str().unwrap(),
        "--access-logs",
        logs.to_str().unwrap(),
        "--at",
        at,
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    let out = slo(&args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    crate::support::assert_valid("schema/report.schema.json", &r);
    r["objectives"][0].clone()
}

fn setup() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(tmp.path().join("specs")).unwrap();
    std::fs::create_dir_all(tmp.path().join("logs")).unwrap();
    write_spec(&tmp.path().join("specs"));
    tmp
}

fn minutes_apart(a: &Value, b: DateTime<Utc>) -> i64 {
    (t(a.as_str().unwrap()) - b).num_minutes().abs()
}

#[test]
fn two_bad_deployments_on_one_low_traffic_afternoon_are_two_incidents_each_with_its_own_deployment()
{
    let tmp = setup();
    // 20 requests a minute; deployment A fails 30 % of requests from 13:02 until its rollback
    // at 13:40; deployment B, 25 minutes later, fails 25 % from 14:07 to 14:35. The slow tier's
    // 30-minute short window still holds A's errors when B's begin.
    let (a_errors, a_end) = (t("2026-11-18T13:02:00Z"), t("2026-11-18T13:40:00Z"));
    let (b_errors, b_end) = (t("2026-11-18T14:07:00Z"), t("2026-11-18T14:35:00Z"));
    write_logs(
        &tmp.path().join("logs"),
        t("2026-11-18T06:00:00Z"),
        14 * 60,
        20,
        |m| {
            if (a_errors..a_end).contains(&m) {
                0.3
            } else if (b_errors..b_end).contains(&m) {
                0.25
            } else {
                0.0
            }
        },
    );
    let deployments = json!({ "serviceDeployments": [
        deployment("aaaa", t("2026-11-18T13:00:00Z"), a_end, true),
        deployment("bbbb", t("2026-11-18T14:05:00Z"), t("2026-11-18T14:12:00Z"), false),
    ]});
    let file = tmp.path().join("deployments.json");
    std::fs::write(&file, deployments.to_string()).unwrap();
    let o = report(
        tmp.path(),
        "2026-11-18T20:00:00Z",
        &["--deployments", file.to_str().unwrap()],
    );
    let incidents = o["incidents"].as_array().unwrap();
    assert_eq!(incidents.len(), 2, "{incidents:#?}");
    let (first, second) = (&incidents[0], &incidents[1]);
    assert!(
        first["deployment"]["arn"]
            .as_str()
            .unwrap()
            .ends_with("/aaaa"),
        "{first:#}"
    );
    assert!(
        second["deployment"]["arn"]
            .as_str()
            .unwrap()
            .ends_with("/bbbb"),
        "{second:#}"
    );
    // The impact is what users saw, within minutes of the true bursts.
    assert!(
        minutes_apart(&first["impact"]["start"], a_errors) <= 3,
        "{first:#}"
    );
    assert!(
        minutes_apart(&first["impact"]["end"], a_end) <= 3,
        "{first:#}"
    );
    assert!(
        minutes_apart(&second["impact"]["start"], b_errors) <= 3,
        "{second:#}"
    );
    assert!(
        minutes_apart(&second["impact"]["end"], b_end) <= 3,
        "{second:#}"
    );
    // The earlier alerting span ends where the later one starts.
    assert_eq!(first["end"], second["start"]);
    // "The burn stopped after the rollback" belongs to A alone; B was not rolled back.
    assert_eq!(first["deployment"]["recovered_after_rollback"], true);
    assert_eq!(
        second["deployment"]["recovered_after_rollback"],
        Value::Null
    );
    // Every replayed notification names the deployment of the burst it belongs to.
    let sent = o["notifications"].as_array().unwrap();
    assert!(!sent.is_empty());
    for n in sent {
        let start = t(n["start"].as_str().unwrap());
        let arn = n["deployment"]["arn"].as_str().unwrap_or_default();
        let want = if start >= t(second["start"].as_str().unwrap()) {
            "/bbbb"
        } else {
            "/aaaa"
        };
        assert!(arn.ends_with(want), "{n:#}");
    }
    // Splitting moves no budget: the two incidents' bad events are all the window's.
    let bad: u64 = incidents
        .iter()
        .map(|i| i["impact"]["bad_events"].as_u64().unwrap())
        .sum();
    let total_bad = o["total"].as_u64().unwrap() - o["good"].as_u64().unwrap();
    assert_eq!(bad, total_bad);

    // The post-mortem of the second names B, its facts and no rollback question.
    let specs = tmp.path().join("specs");
    let logs = tmp.path().join("logs");
    let out = slo(&[
        "postmortem",
        specs.to_str().unwrap(),
        "--access-logs",
        logs.to_str().unwrap(),
        "--deployments",
        file.to_str().unwrap(),
        "--service",
        "shop",
        "--at",
        "2026-11-18T14:20:00Z",
        "--end",
        "2026-11-18T20:00:00Z",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let draft = text(&out.stdout);
    assert!(draft.contains("It followed deployment bbbb"), "{draft}");
    assert!(draft.contains("time to detect"), "{draft}");
    assert!(draft.contains("| 502 | GET | `/api/items` |"), "{draft}");
    assert!(
        draft.contains("| action | owner | priority | ticket |"),
        "{draft}"
    );
}

#[test]
fn a_quiet_week_at_low_traffic_notifies_only_during_its_one_incident() {
    let tmp = setup();
    // Seven days at 20 requests a minute, 0.01 % of them failing by chance, and one real
    // incident: half the requests failing for 20 minutes.
    let start = t("2026-11-11T00:00:00Z");
    let (bad_from, bad_to) = (t("2026-11-14T10:00:00Z"), t("2026-11-14T10:20:00Z"));
    write_logs(&tmp.path().join("logs"), start, 7 * 24 * 60, 20, |m| {
        if (bad_from..bad_to).contains(&m) {
            0.5
        } else {
            0.0001
        }
    });
    let o = report(tmp.path(), "2026-11-18T00:00:00Z", &[]);
    let sent = o["notifications"].as_array().unwrap();
    assert!(!sent.is_empty(), "the incident must page");
    for n in sent {
        let start = t(n["start"].as_str().unwrap());
        assert!(
            bad_from <= start && start <= bad_from + TimeDelta::minutes(10),
            "a notification outside the incident: {n:#}"
        );
    }
    let page = sent.iter().find(|n| n["severity"] == "page").unwrap();
    assert!(
        t(page["start"].as_str().unwrap()) <= bad_from + TimeDelta::minutes(5),
        "{page:#}"
    );
    let incidents = o["incidents"].as_array().unwrap();
    assert_eq!(incidents.len(), 1, "{incidents:#?}");
    assert!(minutes_apart(&incidents[0]["impact"]["start"], bad_from) <= 2);
    assert!(minutes_apart(&incidents[0]["impact"]["end"], bad_to) <= 2);
}

/// The guard, replayed: a low-traffic deployment whose errors the circuit breaker rolled back
/// 30 minutes later. With `rollbackOnBurn`, ECS would have failed it within minutes of the
/// first errors, and most of what the incident spent would have been saved.
#[test]
fn the_replay_says_when_the_guard_would_have_rolled_back_and_what_it_would_have_saved() {
    let tmp = setup();
    let (start, end) = (t("2026-11-18T13:01:00Z"), t("2026-11-18T13:31:00Z"));
    write_logs(
        &tmp.path().join("logs"),
        t("2026-11-18T10:00:00Z"),
        6 * 60,
        20,
        |m| if (start..end).contains(&m) { 0.3 } else { 0.0 },
    );
    let file = tmp.path().join("deployments.json");
    let deployments =
        json!({ "serviceDeployments": [deployment("cccc", t("2026-11-18T13:00:00Z"), end, true)] });
    std::fs::write(&file, deployments.to_string()).unwrap();
    let o = report(
        tmp.path(),
        "2026-11-18T16:00:00Z",
        &["--deployments", file.to_str().unwrap()],
    );
    let incident = &o["incidents"][0];
    let guard = &incident["deployment"]["guard"];
    let fails = t(guard["would_fail_at"]
        .as_str()
        .unwrap_or_else(|| panic!("{incident:#}")));
    assert!(
        start <= fails && fails <= start + TimeDelta::minutes(6),
        "{incident:#}"
    );
    let saved = guard["budget_saved"].as_f64().unwrap();
    let spent = incident["budget_spent"].as_f64().unwrap();
    assert!(saved > 0.5 * spent && saved <= spent, "{saved} of {spent}");
}

/// `slo gate`: the error-budget policy, before and after a burst spent the budget.
#[test]
fn the_gate_allows_before_the_budget_is_spent_and_freezes_after() {
    let tmp = setup();
    // A day at 20 requests a minute; half of them fail for an hour from 12:00 (600 bad
    // events: 2.1 times a 99.9 % week's budget of ~288).
    let (start, end) = (t("2026-11-18T12:00:00Z"), t("2026-11-18T13:00:00Z"));
    write_logs(
        &tmp.path().join("logs"),
        t("2026-11-18T00:00:00Z"),
        24 * 60,
        20,
        |m| if (start..end).contains(&m) { 0.5 } else { 0.0 },
    );
    let specs = tmp.path().join("specs");
    let logs = tmp.path().join("logs");
    let gate = |at: &str, extra: &[&str]| {
        let mut args = vec![
            "gate",
            specs.to_str().unwrap(),
            "--service",
            "shop",
            "--access-logs",
            logs.to_str().unwrap(),
            "--at",
            at,
        ];
        args.extend_from_slice(extra);
        slo(&args)
    };
    let before = gate("2026-11-18T11:00:00Z", &[]);
    assert_eq!(before.status.code(), Some(0), "{}", text(&before.stderr));
    assert!(
        text(&before.stdout).contains("shop: deploy allowed"),
        "{}",
        text(&before.stdout)
    );
    let after = gate("2026-11-18T20:00:00Z", &[]);
    assert_eq!(after.status.code(), Some(1), "{}", text(&after.stderr));
    let said = text(&after.stdout);
    assert!(
        said.contains("FREEZE") && said.contains("availability: budget left -"),
        "{said}"
    );
    // The hour of errors leaves the 7-day window a week after it.
    assert!(said.contains("by 2026-11-25 13:00 UTC"), "{said}");
    let overridden = gate(
        "2026-11-18T20:00:00Z",
        &["--override", "hotfix for INC-42", "--format", "markdown"],
    );
    assert_eq!(
        overridden.status.code(),
        Some(0),
        "{}",
        text(&overridden.stderr)
    );
    let md = text(&overridden.stdout);
    assert!(
        md.starts_with("### Error-budget gate") && md.contains("hotfix for INC-42"),
        "{md}"
    );
    // Before any log: nothing to decide on.
    let nothing = gate("2026-11-10T00:00:00Z", &[]);
    assert_eq!(nothing.status.code(), Some(2), "{}", text(&nothing.stdout));
    assert!(
        text(&nothing.stderr).contains("cannot decide"),
        "{}",
        text(&nothing.stderr)
    );
}
