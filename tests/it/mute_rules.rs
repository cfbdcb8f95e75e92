//! Maintenance windows kept quiet by CloudWatch: `slo plan`/`apply` keep one alarm mute rule
//! per exclusion, idempotently, touching only their own; the emulator's alarm evaluation then
//! mutes the fallback's page during the window (slo serve down) and not after it.

use crate::support::emulator::session;
use crate::support::text;
use serde_json::Value;

const LB: &str = "app/shop/50dc6c495c0c9188";

fn spec(exclusions: &str) -> String {
    format!(
        "apiVersion: slo/v1\nservice: checkout\nalb: {{ loadBalancer: {LB} }}\necs: {{ cluster: prod, service: checkout }}\nwindow: 30d\nobjectives:\n  - {{ name: availability, sli: availability, target: 99.9% }}\nnotify: {{ sns: arn:aws:sns:us-east-1:123456789012:slo-alerts }}\n{exclusions}"
    )
}

const WINDOWS: &str = "exclusions:\n  - { start: 2027-01-10T01:00:00Z, end: 2027-01-10T03:00:00Z, reason: \"DB upgrade\" }\n  - { schedule: \"cron(0 2 ? * SUN *)\", duration: 2h, timeZone: Europe/Berlin, reason: weekly }\n  - { start: 2026-01-01T00:00:00Z, end: 2026-01-01T01:00:00Z, reason: \"long past\" }\n";

fn plan(s: &crate::support::emulator::Session, specs: &std::path::Path) -> Value {
    let out = s.slo(&["plan", specs.to_str().unwrap(), "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let plan: Value = serde_json::from_slice(&out.stdout).unwrap();
    crate::support::assert_valid("schema/plan.schema.json", &plan);
    plan
}

fn mute_changes(plan: &Value) -> Vec<Value> {
    plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["type"] == "mute_rule")
        .cloned()
        .collect()
}

#[tokio::test]
async fn each_exclusion_is_a_mute_rule_kept_by_apply_and_only_ours_are_touched() {
    let s = session();
    let (_tmp, specs) = s.apply_spec(&spec(WINDOWS)).await;
    let cw = s.cloudwatch().await;
    let once = cw
        .get_alarm_mute_rule()
        .alarm_mute_rule_name("slo-checkout-0")
        .send()
        .await
        .unwrap();
    let schedule = once.rule().unwrap().schedule().unwrap();
    assert_eq!(schedule.expression(), Some("at(2027-01-10T01:00)"));
    assert_eq!(schedule.duration(), Some("PT2H"));
    let targets = once.mute_targets().unwrap().alarm_names();
    for name in [
        "slo:checkout:availability:page",
        "slo:checkout:availability:ticket",
        "slo:checkout:fallback",
    ] {
        assert!(targets.iter().any(|t| t == name), "{targets:?}");
    }
    let weekly = cw
        .get_alarm_mute_rule()
        .alarm_mute_rule_name("slo-checkout-1")
        .send()
        .await
        .unwrap();
    let schedule = weekly.rule().unwrap().schedule().unwrap();
    assert_eq!(
        (
            schedule.expression(),
            schedule.duration(),
            schedule.timezone()
        ),
        (
            Some("cron(0 2 * * SUN)"),
            Some("PT2H"),
            Some("Europe/Berlin")
        )
    );
    // The past window mutes nothing: no rule.
    assert!(
        cw.get_alarm_mute_rule()
            .alarm_mute_rule_name("slo-checkout-2")
            .send()
            .await
            .is_err()
    );
    // Idempotent.
    assert_eq!(mute_changes(&plan(&s, &specs)), Vec::<Value>::new());
    // A rule of someone else's, even named like ours, is never touched.
    cw.put_alarm_mute_rule()
        .name("slo-checkout-9")
        .rule(
            aws_sdk_cloudwatch::types::Rule::builder()
                .schedule(
                    aws_sdk_cloudwatch::types::Schedule::builder()
                        .expression("cron(0 4 * * MON)")
                        .duration("PT1H")
                        .build(),
                )
                .build(),
        )
        .mute_targets(
            aws_sdk_cloudwatch::types::MuteTargets::builder()
                .alarm_names("slo:checkout:availability:page")
                .build(),
        )
        .send()
        .await
        .unwrap();
    // The windows go from the spec: our rules go, theirs stays.
    std::fs::write(specs.join("checkout.yaml"), spec("")).unwrap();
    let changes = mute_changes(&plan(&s, &specs));
    assert_eq!(
        changes
            .iter()
            .map(|c| (
                c["action"].as_str().unwrap(),
                c["mute_rule"].as_str().unwrap()
            ))
            .collect::<Vec<_>>(),
        [("delete", "slo-checkout-0"), ("delete", "slo-checkout-1")]
    );
    let out = s.slo(&["apply", specs.to_str().unwrap(), "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let left = cw.list_alarm_mute_rules().send().await.unwrap();
    let arns: Vec<&str> = left
        .alarm_mute_rule_summaries()
        .iter()
        .filter_map(|r| r.alarm_mute_rule_arn())
        .collect();
    assert_eq!(arns.len(), 1, "{arns:?}");
    assert!(arns[0].ends_with(":alarm-mute-rule:slo-checkout-9"));
}

#[tokio::test]
async fn the_fallback_page_is_muted_in_the_window_and_sent_after_it() {
    let s = session();
    let (_tmp, _specs) = s.apply_spec(&spec(WINDOWS)).await;
    // No heartbeat (slo serve is down); errors at 01:30 (in the window) and 03:30 (after it).
    let start = chrono::DateTime::parse_from_rfc3339("2027-01-10T00:00:00Z")
        .unwrap()
        .timestamp();
    let minute = |k: i64| start + k * 60;
    let requests: Vec<String> = (0..240).map(|k| format!("[{}, 100]", minute(k))).collect();
    let errors: Vec<String> = (90..100)
        .chain(210..220)
        .map(|k| format!("[{}, 50]", minute(k)))
        .collect();
    let body = format!(
        r#"{{"metrics": [
            {{"namespace": "AWS/ApplicationELB", "name": "RequestCount", "dimensions": [{{"Name": "LoadBalancer", "Value": "{LB}"}}], "stat": "Sum", "points": [{}]}},
            {{"namespace": "AWS/ApplicationELB", "name": "HTTPCode_Target_5XX_Count", "dimensions": [{{"Name": "LoadBalancer", "Value": "{LB}"}}], "stat": "Sum", "points": [{}]}}
        ]}}"#,
        requests.join(","),
        errors.join(",")
    );
    let (status, answer) = s.http("POST", "/_slo/metrics", &body);
    assert_eq!(status, 200, "{answer}");
    let (status, answer) = s.http(
        "POST",
        "/_slo/evaluate",
        &format!(r#"{{"from": {}, "to": {}}}"#, minute(5), minute(239)),
    );
    assert_eq!(status, 200, "{answer}");
    let out: Value = serde_json::from_str(&answer).unwrap();
    let pages: Vec<&Value> = out["actions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["alarm"] == "slo:checkout:fallback" && a["state"] == "ALARM")
        .collect();
    assert_eq!(pages.len(), 2, "{pages:?}");
    let (muted, sent) = (pages[0], pages[1]);
    assert!(muted["at"].as_i64().unwrap() < minute(120));
    assert_eq!(muted["muted_by"], "slo-checkout-0", "{muted}");
    assert_eq!(muted["topics"], serde_json::json!([]));
    assert!(sent["at"].as_i64().unwrap() > minute(180));
    assert!(sent.get("muted_by").is_none_or(Value::is_null), "{sent}");
    assert_eq!(sent["topics"].as_array().unwrap().len(), 1);
    // The state still changed in the window: only the action was muted.
    let (_, published) = s.http("GET", "/_slo/published", "");
    let fallback_pages = published
        .matches("ALARM: \\\"slo:checkout:fallback\\\"")
        .count();
    assert_eq!(fallback_pages, 1, "{published}");
}
