//! `slo plan` and `slo apply` against the AWS emulator.

use crate::support::emulator::{Session, session};
use crate::support::{assert_golden, root, text};
use aws_sdk_cloudwatch::types::{AlarmType, ComparisonOperator, Statistic};
use serde_json::Value;
use slo::core::alarms::{Alarm, AlarmSource, desired_alarms};
use std::path::{Path, PathBuf};
use std::process::Output;

fn ok(out: Output) -> String {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

fn plan_json(s: &Session, specs: &Path) -> Value {
    let plan = serde_json::from_str(&ok(s.slo(&[
        "plan",
        specs.to_str().unwrap(),
        "--format",
        "json",
    ])))
    .unwrap();
    crate::support::assert_valid("schema/plan.schema.json", &plan);
    plan
}

/// A copy of slo/ to edit.
fn specs_copy() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("slo");
    std::fs::create_dir_all(&dir).unwrap();
    for f in ["checkout.yaml", "catalog.yaml"] {
        std::fs::copy(root().join("slo").join(f), dir.join(f)).unwrap();
    }
    (tmp, dir)
}

fn edit(file: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(file).unwrap();
    assert!(text.contains(from), "{from} in {}", file.display());
    std::fs::write(file, text.replacen(from, to, 1)).unwrap();
}

async fn alarm_names(s: &Session) -> Vec<String> {
    let cw = s.cloudwatch().await;
    let a = cw
        .describe_alarms()
        .alarm_types(AlarmType::MetricAlarm)
        .alarm_types(AlarmType::CompositeAlarm)
        .send()
        .await
        .unwrap();
    let mut names: Vec<String> = a
        .metric_alarms()
        .iter()
        .filter_map(|m| m.alarm_name().map(str::to_owned))
        .chain(
            a.composite_alarms()
                .iter()
                .filter_map(|c| c.alarm_name().map(str::to_owned)),
        )
        .collect();
    names.sort();
    names
}

async fn foreign_alarm(s: &Session, name: &str) {
    s.cloudwatch()
        .await
        .put_metric_alarm()
        .alarm_name(name)
        .namespace("AWS/ECS")
        .metric_name("CPUUtilization")
        .statistic(Statistic::Average)
        .period(60)
        .evaluation_periods(1)
        .threshold(90.0)
        .comparison_operator(ComparisonOperator::GreaterThanThreshold)
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn apply_creates_every_alarm_and_a_second_apply_changes_nothing() {
    let s = session();
    foreign_alarm(&s, "slo:checkout:handmade").await;
    foreign_alarm(&s, "team-x-cpu").await;
    let first = ok(s.slo(&["apply", "--yes"]));
    assert!(
        first.contains("Plan: 54 to create, 0 to update, 0 to delete, 0 unchanged."),
        "{first}"
    );
    assert!(
        first.contains("Monthly cost of the 54 desired alarms: $17.00"),
        "{first}"
    );

    let cw = s.cloudwatch().await;
    let cpu = cw
        .describe_alarms()
        .alarm_names("slo:checkout:infra:cpu")
        .send()
        .await
        .unwrap();
    let cpu = &cpu.metric_alarms()[0];
    assert_eq!(cpu.threshold(), Some(80.0));
    assert_eq!(cpu.metric_name(), Some("CPUUtilization"));
    let dims: Vec<(&str, &str)> = cpu
        .dimensions()
        .iter()
        .map(|d| (d.name().unwrap(), d.value().unwrap()))
        .collect();
    assert_eq!(
        dims,
        vec![("ClusterName", "prod"), ("ServiceName", "checkout")]
    );
    let names = alarm_names(&s).await;
    for o in [
        "checkout:availability",
        "checkout:latency",
        "catalog:availability",
        "catalog:latency-300ms",
    ] {
        for (tier, long, short) in [
            ("fast", "1h", "5m"),
            ("slow", "6h", "30m"),
            ("drift", "1d", "2h"),
            ("chronic", "3d", "6h"),
        ] {
            for n in [
                format!("slo:{o}:{tier}"),
                format!("slo:{o}:{tier}:{long}"),
                format!("slo:{o}:{tier}:{short}"),
            ] {
                assert!(names.contains(&n), "{n} missing");
            }
        }
    }
    assert!(names.contains(&"slo:checkout:infra:memory".to_owned()));
    assert!(names.contains(&"slo:checkout:infra:http-5xx-rate".to_owned()));
    let composite = cw
        .describe_alarms()
        .alarm_names("slo:checkout:availability:slow")
        .alarm_types(AlarmType::CompositeAlarm)
        .send()
        .await
        .unwrap();
    let c = &composite.composite_alarms()[0];
    assert_eq!(
        c.actions_suppressor(),
        Some("slo:checkout:availability:fast")
    );
    assert_eq!(
        c.alarm_actions(),
        ["arn:aws:sns:ap-northeast-1:123456789012:slo-alerts"]
    );
    assert!(
        c.alarm_description()
            .unwrap()
            .contains("Runbook: https://wiki.example.com/runbooks/checkout")
    );

    let plan = plan_json(&s, &root().join("slo"));
    assert_eq!(plan["changes"], serde_json::json!([]));
    assert_eq!(plan["unchanged"], 54);
    assert!(ok(s.slo(&["apply", "--yes"])).contains("No changes"));
    // Foreign alarms, even with slo's prefix, are left alone.
    let names = alarm_names(&s).await;
    assert!(
        names.contains(&"slo:checkout:handmade".to_owned())
            && names.contains(&"team-x-cpu".to_owned())
    );
}

#[tokio::test]
async fn a_new_target_updates_only_that_objectives_alarms() {
    let s = session();
    let (_tmp, dir) = specs_copy();
    ok(s.slo(&["apply", dir.to_str().unwrap(), "--yes"]));
    edit(&dir.join("checkout.yaml"), "target: 99.9%", "target: 99.5%");
    let plan = plan_json(&s, &dir);
    let changes = plan["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 12, "{plan:#}");
    for c in changes {
        assert_eq!(c["action"], "update");
        assert!(
            c["alarm"]
                .as_str()
                .unwrap()
                .starts_with("slo:checkout:availability:"),
            "{c}"
        );
    }
    let threshold_changes = changes
        .iter()
        .filter(|c| {
            c["fields"]
                .as_array()
                .unwrap()
                .contains(&"Threshold".into())
        })
        .count();
    assert_eq!(threshold_changes, 8);
    ok(s.slo(&["apply", dir.to_str().unwrap(), "--yes"]));
    assert_eq!(plan_json(&s, &dir)["changes"], serde_json::json!([]));
}

#[tokio::test]
async fn a_removed_objective_loses_its_alarms_and_nothing_else() {
    let s = session();
    let (_tmp, dir) = specs_copy();
    ok(s.slo(&["apply", dir.to_str().unwrap(), "--yes"]));
    edit(
        &dir.join("checkout.yaml"),
        "  - name: latency\n    sli: latency                 # good = answered within the threshold (\"P99 < 1s\")\n    threshold: 1s\n    target: 99%\n",
        "",
    );
    let plan = plan_json(&s, &dir);
    let changes = plan["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 12, "{plan:#}");
    assert!(changes.iter().all(|c| {
        c["action"] == "delete"
            && c["alarm"]
                .as_str()
                .unwrap()
                .starts_with("slo:checkout:latency:")
    }));
    // Composites go first: nothing may refer to a deleted alarm.
    assert!(changes[..4].iter().all(|c| c["type"] == "composite"));
    ok(s.slo(&["apply", dir.to_str().unwrap(), "--yes"]));
    let names = alarm_names(&s).await;
    assert!(!names.iter().any(|n| n.starts_with("slo:checkout:latency")));
    assert_eq!(names.len(), 54 - 12);
}

#[tokio::test]
async fn an_alarm_slo_does_not_manage_is_never_taken_over() {
    let s = session();
    foreign_alarm(&s, "slo:checkout:infra:cpu").await;
    let plan = plan_json(&s, &root().join("slo"));
    assert_eq!(
        plan["conflicts"],
        serde_json::json!(["slo:checkout:infra:cpu"])
    );
    let out = s.slo(&["apply", "--yes"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("nothing was changed"));
    assert_eq!(
        alarm_names(&s).await,
        vec!["slo:checkout:infra:cpu".to_owned()]
    );
    let cw = s.cloudwatch().await;
    let a = cw
        .describe_alarms()
        .alarm_names("slo:checkout:infra:cpu")
        .send()
        .await
        .unwrap();
    assert_eq!(a.metric_alarms()[0].threshold(), Some(90.0), "untouched");
}

#[tokio::test]
async fn an_apply_that_fails_half_way_is_completed_by_the_next() {
    let s = session();
    // Five failures exhaust the retries of the first composite: metric alarms exist by then.
    s.inject("PutCompositeAlarm", "error", 5);
    let out = s.slo(&["apply", "--yes"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("run apply again to finish"), "{stderr}");
    let partial = alarm_names(&s).await.len();
    assert!(partial > 0 && partial < 54, "{partial}");
    ok(s.slo(&["apply", "--yes"]));
    assert_eq!(alarm_names(&s).await.len(), 54);
    assert_eq!(
        plan_json(&s, &root().join("slo"))["changes"],
        serde_json::json!([])
    );
}

#[test]
fn apply_without_yes_and_without_a_terminal_changes_nothing() {
    let s = session();
    let out = s.slo(&["apply"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("without --yes"));
    assert_eq!(s.calls("PutMetricAlarm"), 0);
}

/// The alarms the example specs call for, one line each: a snapshot of the plan's content.
#[test]
fn the_example_specs_plan_matches_its_snapshot() {
    let loaded = slo::spec::load_paths(&[root().join("slo")]).unwrap();
    let mut lines = Vec::new();
    for spec in &loaded.specs {
        for a in desired_alarms(&spec.slo).unwrap() {
            lines.push(match &a {
                Alarm::Metric(m) => {
                    let (what, period) = match &m.source {
                        AlarmSource::Metric(r) => (
                            format!("{} {} {:?}", r.name, r.stat, r.dimensions),
                            r.period_secs,
                        ),
                        AlarmSource::Math {
                            expression,
                            metrics,
                        } => (
                            format!(
                                "{expression} where {}",
                                metrics
                                    .iter()
                                    .map(|r| format!("{}={} {}", r.id, r.name, r.stat))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                            m.source.period_secs(),
                        ),
                    };
                    format!(
                        "{} | {what} | {} {} every {period}s x{} | actions {}",
                        m.name,
                        m.comparison.as_str(),
                        m.threshold,
                        m.evaluation_periods,
                        m.alarm_actions.len()
                    )
                }
                Alarm::Composite(c) => format!(
                    "{} | {} | suppressed by {} | actions {}",
                    c.name,
                    c.rule,
                    c.suppressor.as_ref().map_or("-", |s| s.alarm.as_str()),
                    c.alarm_actions.len()
                ),
            });
        }
    }
    assert_golden(
        &root().join("tests/fixtures/golden/plan.txt"),
        &(lines.join("\n") + "\n"),
    );
}

#[tokio::test]
async fn a_lost_tag_is_put_back_by_the_next_apply() {
    let s = session();
    ok(s.slo(&["apply", "--yes"]));
    let arn = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:slo:checkout:infra:cpu";
    let cw = s.cloudwatch().await;
    cw.untag_resource()
        .resource_arn(arn)
        .tag_keys("slo:tier")
        .send()
        .await
        .unwrap();
    let plan = plan_json(&s, &root().join("slo"));
    assert_eq!(
        plan["changes"],
        serde_json::json!([{"action": "update", "alarm": "slo:checkout:infra:cpu", "type": "metric", "fields": ["Tags"]}])
    );
    ok(s.slo(&["apply", "--yes"]));
    let tags = cw
        .list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
        .unwrap();
    assert!(
        tags.tags()
            .iter()
            .any(|t| t.key() == Some("slo:tier") && t.value() == Some("cpu"))
    );
    assert_eq!(
        plan_json(&s, &root().join("slo"))["changes"],
        serde_json::json!([])
    );
}
