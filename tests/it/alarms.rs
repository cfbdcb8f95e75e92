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

/// The alarm changes of a plan, after checking that its only dashboard change is an update
/// of `dashboard` (the edited service's).
fn alarm_changes(plan: &Value, dashboard: &str) -> Vec<Value> {
    let (dashboards, alarms): (Vec<Value>, Vec<Value>) = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .cloned()
        .partition(|c| c["type"] == "dashboard");
    assert_eq!(
        dashboards,
        [serde_json::json!({"action": "update", "type": "dashboard", "dashboard": dashboard})]
    );
    alarms
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
        first.contains("Plan: 49 alarm(s) to create, 0 to update, 0 to delete, 0 unchanged.")
            && first.contains("Dashboards: 2 to create, 0 to update, 0 to delete."),
        "{first}"
    );
    assert!(
        first.contains("Monthly cost of the 49 desired alarms: $14.10"),
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
                format!("slo:{o}:{tier}:{long}"),
                format!("slo:{o}:{tier}:{short}"),
            ] {
                assert!(names.contains(&n), "{n} missing");
            }
        }
        for severity in ["page", "ticket"] {
            assert!(names.contains(&format!("slo:{o}:{severity}")));
        }
    }
    for n in [
        "slo:checkout:infra:memory",
        "slo:checkout:infra:http-5xx-rate",
        "slo:checkout:fallback",
        "slo:catalog:fallback",
        "slo:heartbeat",
    ] {
        assert!(names.contains(&n.to_owned()), "{n} missing");
    }
    let composite = |name: &'static str| {
        let cw = cw.clone();
        async move {
            cw.describe_alarms()
                .alarm_names(name)
                .alarm_types(AlarmType::CompositeAlarm)
                .send()
                .await
                .unwrap()
                .composite_alarms()[0]
                .clone()
        }
    };
    let ticket = composite("slo:checkout:availability:ticket").await;
    assert_eq!(
        ticket.actions_suppressor(),
        Some("slo:checkout:availability:page")
    );
    assert_eq!(ticket.actions_suppressor_extension_period(), Some(21600));
    // slo serve notifies: the severity composites have no actions; the fallback pages.
    assert!(ticket.alarm_actions().is_empty());
    let page = composite("slo:checkout:availability:page").await;
    assert!(page.alarm_actions().is_empty());
    assert!(
        page.alarm_description()
            .unwrap()
            .contains("Runbook: https://wiki.example.com/runbooks/checkout")
    );
    let fallback = composite("slo:checkout:fallback").await;
    assert_eq!(
        fallback.alarm_rule(),
        Some(
            r#"ALARM("slo:heartbeat") AND (ALARM("slo:checkout:availability:page") OR ALARM("slo:checkout:latency:page"))"#
        )
    );
    assert_eq!(
        fallback.alarm_actions(),
        ["arn:aws:sns:ap-northeast-1:123456789012:slo-alerts"]
    );
    let heartbeat = cw
        .describe_alarms()
        .alarm_names("slo:heartbeat")
        .send()
        .await
        .unwrap();
    let heartbeat = &heartbeat.metric_alarms()[0];
    assert_eq!(heartbeat.treat_missing_data(), Some("breaching"));
    assert_eq!(heartbeat.namespace(), Some("SLO"));

    let plan = plan_json(&s, &root().join("slo"));
    assert_eq!(plan["changes"], serde_json::json!([]));
    assert_eq!(plan["unchanged"], 49);
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
    let changes = alarm_changes(&plan, "slo-checkout");
    // 8 window alarms (thresholds) and the page and ticket composites (descriptions).
    assert_eq!(changes.len(), 10, "{plan:#}");
    for c in &changes {
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
    let changes = alarm_changes(&plan, "slo-checkout");
    assert_eq!(changes.len(), 11, "{plan:#}");
    // First the fallback stops naming the latency page, then the latency alarms go.
    assert_eq!(changes[0]["alarm"], "slo:checkout:fallback");
    assert_eq!(changes[0]["fields"], serde_json::json!(["AlarmRule"]));
    assert!(changes[1..].iter().all(|c| {
        c["action"] == "delete"
            && c["alarm"]
                .as_str()
                .unwrap()
                .starts_with("slo:checkout:latency:")
    }));
    // Composites go first: nothing may refer to a deleted alarm.
    assert!(changes[1..3].iter().all(|c| c["type"] == "composite"));
    ok(s.slo(&["apply", dir.to_str().unwrap(), "--yes"]));
    let names = alarm_names(&s).await;
    assert!(!names.iter().any(|n| n.starts_with("slo:checkout:latency")));
    assert_eq!(names.len(), 49 - 10);
}

#[tokio::test]
async fn switching_notify_via_to_cloudwatch_changes_only_actions_and_drops_the_fallback() {
    let s = session();
    let (_tmp, dir) = specs_copy();
    ok(s.slo(&["apply", dir.to_str().unwrap(), "--yes"]));
    edit(
        &dir.join("checkout.yaml"),
        "  repeat: 4h",
        "  repeat: 4h\n  via: cloudwatch",
    );
    let plan = plan_json(&s, &dir);
    let changes = plan["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 5, "{plan:#}");
    for c in changes {
        let alarm = c["alarm"].as_str().unwrap();
        if c["action"] == "delete" {
            assert_eq!(alarm, "slo:checkout:fallback");
        } else {
            assert!(
                alarm.ends_with(":page") || alarm.ends_with(":ticket"),
                "{c}"
            );
            assert_eq!(
                c["fields"],
                serde_json::json!(["AlarmActions", "OKActions"]),
                "{c}"
            );
        }
    }
    ok(s.slo(&["apply", dir.to_str().unwrap(), "--yes"]));
    let page = s
        .cloudwatch()
        .await
        .describe_alarms()
        .alarm_names("slo:checkout:latency:page")
        .alarm_types(AlarmType::CompositeAlarm)
        .send()
        .await
        .unwrap();
    assert_eq!(
        page.composite_alarms()[0].alarm_actions(),
        ["arn:aws:sns:ap-northeast-1:123456789012:slo-alerts"]
    );
    assert_eq!(plan_json(&s, &dir)["changes"], serde_json::json!([]));
}

#[tokio::test]
async fn an_alarm_switched_to_a_wall_clock_window_shows_as_an_update_and_is_put_back() {
    let s = session();
    ok(s.slo(&["apply", "--yes"]));
    let loaded = slo::spec::load_paths(&[root().join("slo")]).unwrap();
    let checkout = loaded
        .specs
        .iter()
        .find(|l| l.slo.service == "checkout")
        .unwrap();
    let mut cpu = desired_alarms(&checkout.slo)
        .unwrap()
        .into_iter()
        .find(|a| a.name() == "slo:checkout:infra:cpu")
        .unwrap();
    if let Alarm::Metric(m) = &mut cpu {
        m.evaluation_window = slo::core::alarms::EvaluationWindow::WallClock;
    }
    let store = slo::aws::CloudWatchAlarms::new(&s.sdk_config().await);
    slo::aws::AlarmStore::put(&store, &cpu, false)
        .await
        .unwrap();
    let plan = plan_json(&s, &root().join("slo"));
    assert_eq!(
        plan["changes"],
        serde_json::json!([{"action": "update", "alarm": "slo:checkout:infra:cpu", "type": "metric", "fields": ["EvaluationWindow"]}])
    );
    ok(s.slo(&["apply", "--yes"]));
    assert_eq!(
        plan_json(&s, &root().join("slo"))["changes"],
        serde_json::json!([])
    );
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
    assert!(partial > 0 && partial < 49, "{partial}");
    ok(s.slo(&["apply", "--yes"]));
    assert_eq!(alarm_names(&s).await.len(), 49);
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
    let every = loaded
        .specs
        .iter()
        .flat_map(|spec| desired_alarms(&spec.slo).unwrap())
        .chain([slo::core::alarms::heartbeat_alarm()]);
    {
        for a in every {
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
                        "{} | {what} | {} {} every {period}s, {} of {}, missing {} | actions {}",
                        m.name,
                        m.comparison.as_str(),
                        m.threshold,
                        m.datapoints_to_alarm,
                        m.evaluation_periods,
                        m.treat_missing_data.as_str(),
                        m.alarm_actions.len()
                    )
                }
                Alarm::Composite(c) => format!(
                    "{} | {} | suppressed by {} | actions {}",
                    c.name,
                    c.rule,
                    c.suppressor.as_ref().map_or("-".to_owned(), |s| format!(
                        "{} (wait {}s, extension {}s)",
                        s.alarm, s.wait_period_secs, s.extension_period_secs
                    )),
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

async fn filters(s: &Session) -> Vec<(String, String, String)> {
    let logs = s.logs().await;
    let mut out: Vec<(String, String, String)> = logs
        .describe_metric_filters()
        .send()
        .await
        .unwrap()
        .metric_filters()
        .iter()
        .map(|f| {
            (
                f.filter_name().unwrap().to_owned(),
                f.log_group_name().unwrap().to_owned(),
                f.filter_pattern().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    out.sort();
    out
}

#[tokio::test]
async fn log_pattern_alarms_keep_a_metric_filter_and_an_alarm_and_touch_no_foreign_filter() {
    let s = session();
    let (_tmp, dir) = specs_copy();
    let d = dir.to_str().unwrap();
    edit(
        &dir.join("checkout.yaml"),
        "  minRequests: 100/h\n",
        "  minRequests: 100/h\n  logs:\n    - { name: timeouts, pattern: \"?TimeoutException ?timed\", above: 10/5m, severity: page }\n",
    );
    // The log group does not exist yet: the plan says so and apply skips the filter.
    let first = ok(s.slo(&["plan", d]));
    assert!(
        first.contains("! log group /ecs/checkout does not exist"),
        "{first}"
    );
    let applied = s.slo(&["apply", d, "--yes"]);
    assert_eq!(applied.status.code(), Some(0), "{}", text(&applied.stderr));
    assert!(text(&applied.stderr).contains("log group /ecs/checkout does not exist"));
    assert!(filters(&s).await.is_empty());

    let logs = s.logs().await;
    logs.create_log_group()
        .log_group_name("/ecs/checkout")
        .send()
        .await
        .unwrap();
    logs.put_metric_filter()
        .log_group_name("/ecs/checkout")
        .filter_name("team-x-errors")
        .filter_pattern("ERROR")
        .metric_transformations(
            aws_sdk_cloudwatchlogs::types::MetricTransformation::builder()
                .metric_name("errors")
                .metric_namespace("TeamX")
                .metric_value("1")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let plan = plan_json(&s, &dir);
    assert_eq!(
        plan["changes"],
        serde_json::json!([{"action": "create", "type": "metric_filter", "metric_filter": "slo-checkout-timeouts", "log_group": "/ecs/checkout"}])
    );
    ok(s.slo(&["apply", d, "--yes"]));
    assert_eq!(
        filters(&s).await,
        vec![
            (
                "slo-checkout-timeouts".to_owned(),
                "/ecs/checkout".to_owned(),
                "?TimeoutException ?timed".to_owned()
            ),
            (
                "team-x-errors".to_owned(),
                "/ecs/checkout".to_owned(),
                "ERROR".to_owned()
            ),
        ]
    );
    let cw = s.cloudwatch().await;
    let alarm = cw
        .describe_alarms()
        .alarm_names("slo:checkout:logs:timeouts")
        .send()
        .await
        .unwrap();
    let alarm = &alarm.metric_alarms()[0];
    assert_eq!(
        (alarm.namespace(), alarm.metric_name()),
        (Some("SLO/Logs"), Some("checkout.timeouts"))
    );
    assert_eq!((alarm.period(), alarm.threshold()), (Some(300), Some(10.0)));
    let fallback = cw
        .describe_alarms()
        .alarm_names("slo:checkout:fallback")
        .alarm_types(AlarmType::CompositeAlarm)
        .send()
        .await
        .unwrap();
    assert!(
        fallback.composite_alarms()[0]
            .alarm_rule()
            .unwrap()
            .contains("slo:checkout:logs:timeouts")
    );
    // Idempotent: nothing to do the second time.
    assert_eq!(plan_json(&s, &dir)["changes"], serde_json::json!([]));
    // A changed pattern replaces the filter; a removed entry deletes filter and alarm.
    edit(
        &dir.join("checkout.yaml"),
        "?TimeoutException ?timed",
        "TimeoutException",
    );
    let plan = plan_json(&s, &dir);
    assert_eq!(plan["changes"][0]["action"], "update", "{plan:#}");
    ok(s.slo(&["apply", d, "--yes"]));
    edit(
        &dir.join("checkout.yaml"),
        "  logs:\n    - { name: timeouts, pattern: \"TimeoutException\", above: 10/5m, severity: page }\n",
        "",
    );
    ok(s.slo(&["apply", d, "--yes"]));
    assert_eq!(
        filters(&s).await,
        vec![(
            "team-x-errors".to_owned(),
            "/ecs/checkout".to_owned(),
            "ERROR".to_owned()
        )]
    );
    assert!(
        !alarm_names(&s)
            .await
            .contains(&"slo:checkout:logs:timeouts".to_owned())
    );
}

#[test]
fn the_example_dashboards_match_their_golden_files_and_the_dashboard_schema() {
    let loaded = slo::spec::load_paths(&[root().join("slo")]).unwrap();
    for spec in &loaded.specs {
        let desired = desired_alarms(&spec.slo).unwrap();
        let arns: Vec<String> = desired
            .iter()
            .filter(|a| a.name().ends_with(":page") || a.name().contains(":infra:"))
            .map(|a| {
                format!(
                    "arn:aws:cloudwatch:us-east-1:123456789012:alarm:{}",
                    a.name()
                )
            })
            .collect();
        let d = slo::core::alarms::dashboard::desired_dashboard(
            &spec.slo,
            "us-east-1",
            &arns,
            "slo/x.yaml",
        )
        .unwrap();
        crate::support::assert_valid("tests/fixtures/dashboard-body.schema.json", &d.body);
        assert!(d.metric_count() > 0);
        // Every ALB metric carries the spec's dimensions; the ELB 5xx count has no TargetGroup.
        for w in d.body["widgets"].as_array().unwrap() {
            for m in w["properties"]["metrics"].as_array().into_iter().flatten() {
                let line = m.as_array().unwrap();
                if line[0] == "AWS/ApplicationELB" {
                    let text = m.to_string();
                    assert!(text.contains(&spec.slo.alb.load_balancer), "{text}");
                    if let Some(tg) = &spec.slo.alb.target_group {
                        assert_eq!(
                            text.contains(tg.as_str()),
                            line[1] != "HTTPCode_ELB_5XX_Count",
                            "{text}"
                        );
                    }
                }
            }
        }
        crate::support::assert_golden(
            &root().join(format!(
                "tests/fixtures/golden/dashboard-{}.json",
                spec.slo.service
            )),
            &serde_json::to_string_pretty(&d.body).unwrap(),
        );
    }
    assert!(slo::core::alarms::dashboard::dashboard_name("a.b").is_err());
}

#[tokio::test]
async fn dashboards_are_kept_like_the_alarms_and_a_foreign_one_is_untouched() {
    let s = session();
    let (_tmp, dir) = specs_copy();
    let d = dir.to_str().unwrap();
    let cw = s.cloudwatch().await;
    cw.put_dashboard()
        .dashboard_name("slo-team-x")
        .dashboard_body(r#"{"widgets":[]}"#)
        .send()
        .await
        .unwrap();
    let plan = plan_json(&s, &dir);
    let dashboards: Vec<&Value> = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["type"] == "dashboard")
        .collect();
    assert_eq!(
        dashboards,
        [
            &serde_json::json!({"action": "create", "type": "dashboard", "dashboard": "slo-catalog"}),
            &serde_json::json!({"action": "create", "type": "dashboard", "dashboard": "slo-checkout"}),
        ]
    );
    ok(s.slo(&["apply", d, "--yes"]));
    let body = cw
        .get_dashboard()
        .dashboard_name("slo-checkout")
        .send()
        .await
        .unwrap();
    let body: Value = serde_json::from_str(body.dashboard_body().unwrap()).unwrap();
    assert_eq!(body["start"], "-PT720H");
    assert_eq!(plan_json(&s, &dir)["changes"], serde_json::json!([]));
    // One objective changes: only that service's dashboard (and its alarms) change.
    edit(&dir.join("catalog.yaml"), "target: 99.5%", "target: 99.7%");
    let plan = plan_json(&s, &dir);
    let dashboards: Vec<&Value> = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["type"] == "dashboard")
        .collect();
    assert_eq!(
        dashboards,
        [&serde_json::json!({"action": "update", "type": "dashboard", "dashboard": "slo-catalog"})]
    );
    ok(s.slo(&["apply", d, "--yes"]));
    // `dashboard: false` removes it; the foreign one stays.
    edit(
        &dir.join("checkout.yaml"),
        "runbook:",
        "dashboard: false\nrunbook:",
    );
    ok(s.slo(&["apply", d, "--yes"]));
    let mut names: Vec<String> = cw
        .list_dashboards()
        .send()
        .await
        .unwrap()
        .dashboard_entries()
        .iter()
        .filter_map(|e| e.dashboard_name().map(str::to_owned))
        .collect();
    names.sort();
    assert_eq!(names, ["slo-catalog", "slo-team-x"]);
}
