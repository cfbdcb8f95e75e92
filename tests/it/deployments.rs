//! Deployment correlation end to end: ECS deployments read through the real Rust ECS SDK from
//! the emulator (service deployments, revisions, the DescribeServices fallback, denied and
//! throttled calls), and from files as the AWS CLI prints them.

use crate::support::emulator::{Session, session};
use crate::support::{now_minute, root, slo, text};
use aws_sdk_cloudwatch::primitives::DateTime as AwsDateTime;
use aws_sdk_cloudwatch::types::{Dimension, MetricDatum, StandardUnit};
use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Value, json};
use std::path::Path;

const LB: &str = "app/shop-prod/50dc6c495c0c9188";
const SERVICE_ARN: &str = "arn:aws:ecs:us-east-1:123456789012:service/prod/checkout";

fn spec(dir: &Path) {
    spec_with(dir, "");
}

fn spec_with(dir: &Path, ecs_extra: &str) {
    std::fs::write(
        dir.join("checkout.yaml"),
        format!("apiVersion: slo/v1\nservice: checkout\nalb: {{ loadBalancer: {LB} }}\necs: {{ cluster: prod, service: checkout{ecs_extra} }}\nwindow: 1d\nobjectives:\n  - {{ name: availability, sli: availability, target: 99.9% }}\n"),
    )
    .unwrap();
}

/// 10 requests a minute for three hours before `now`; 3 of them 5xx from 120 to 90 minutes ago.
pub async fn traffic(s: &Session, now: DateTime<Utc>) {
    let cw = s.cloudwatch().await;
    let dims = vec![Dimension::builder().name("LoadBalancer").value(LB).build()];
    let mut data = Vec::new();
    for m in 1..=180 {
        let t = now - TimeDelta::minutes(m);
        let datum = |name: &str, v: f64| {
            MetricDatum::builder()
                .metric_name(name)
                .set_dimensions(Some(dims.clone()))
                .timestamp(AwsDateTime::from_secs(t.timestamp()))
                .value(v)
                .unit(StandardUnit::Count)
                .build()
        };
        data.push(datum("RequestCount", 10.0));
        if (91..=120).contains(&m) {
            data.push(datum("HTTPCode_Target_5XX_Count", 3.0));
        }
    }
    for batch in data.chunks(500) {
        cw.put_metric_data()
            .namespace("AWS/ApplicationELB")
            .set_metric_data(Some(batch.to_vec()))
            .send()
            .await
            .unwrap();
    }
}

fn epoch(t: DateTime<Utc>) -> f64 {
    t.timestamp() as f64
}

/// 110 clean deployments (two list pages, six describe calls), then the bad
/// one two minutes before the errors, rolled back by the circuit breaker as they stopped.
/// The checkout service with this minute's traffic and its rolled-back deployment, as the
/// correlation and `slo serve` tests start; the minute is returned.
pub async fn rolled_back_checkout(s: &Session) -> DateTime<Utc> {
    let now = now_minute();
    s.checkout_service(false).await;
    traffic(s, now).await;
    let (status, body) = s.http(
        "POST",
        "/_slo/ecs/state",
        &service_deployments(now).to_string(),
    );
    assert_eq!(status, 200, "{body}");
    now
}

pub fn service_deployments(now: DateTime<Utc>) -> Value {
    let arn = |id: &str| {
        format!("arn:aws:ecs:us-east-1:123456789012:service-deployment/prod/checkout/{id}")
    };
    let revision = |id: &str| {
        format!("arn:aws:ecs:us-east-1:123456789012:service-revision/prod/checkout/{id}")
    };
    let mut deployments = Vec::new();
    let mut revisions = Vec::new();
    for i in 0..110 {
        let start = now - TimeDelta::hours(6) - TimeDelta::minutes(2 * (110 - i));
        deployments.push(json!({
            "serviceDeploymentArn": arn(&format!("clean{i}")), "serviceArn": SERVICE_ARN,
            "clusterArn": "arn:aws:ecs:us-east-1:123456789012:cluster/prod",
            "createdAt": epoch(start), "startedAt": epoch(start), "finishedAt": epoch(start + TimeDelta::minutes(5)),
            "status": "SUCCESSFUL", "targetServiceRevision": {"arn": revision(&format!("r{i}"))},
        }));
    }
    let bad_start = now - TimeDelta::minutes(122);
    deployments.push(json!({
        "serviceDeploymentArn": arn("bad"), "serviceArn": SERVICE_ARN,
        "clusterArn": "arn:aws:ecs:us-east-1:123456789012:cluster/prod",
        "createdAt": epoch(bad_start), "startedAt": epoch(bad_start),
        "finishedAt": epoch(now - TimeDelta::minutes(90)),
        "status": "ROLLBACK_SUCCESSFUL", "statusReason": "circuit breaker threshold exceeded",
        "targetServiceRevision": {"arn": revision("r-bad")},
        "deploymentConfiguration": {"strategy": "ROLLING"},
        "deploymentCircuitBreaker": {"status": "TRIGGERED", "failureCount": 4, "threshold": 3},
        "rollback": {"reason": "ECS deployment circuit breaker", "startedAt": epoch(now - TimeDelta::minutes(100)),
                     "serviceRevisionArn": revision("r109")}
    }));
    revisions.push(json!({"serviceRevisionArn": revision("r-bad"),
        "containerImages": [{"containerName": "app", "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/checkout:1.4.3", "imageDigest": "sha256:aaaa"}]}));
    json!({"cluster": "prod", "service": "checkout", "serviceDeployments": deployments, "serviceRevisions": revisions})
}

fn report(s: &Session, dir: &Path, now: DateTime<Utc>) -> (Value, String) {
    let out = s.slo(&[
        "report",
        dir.to_str().unwrap(),
        "--at",
        &now.to_rfc3339(),
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    crate::support::assert_valid("schema/report.schema.json", &v);
    (v, text(&out.stderr))
}

#[tokio::test]
async fn a_cloudwatch_report_names_the_deployment_its_image_and_the_rollback() {
    let s = session();
    let now = rolled_back_checkout(&s).await;
    s.inject("DescribeServiceDeployments", "throttle", 2);
    let tmp = tempfile::tempdir().unwrap();
    spec(tmp.path());
    let (r, stderr) = report(&s, tmp.path(), now);
    // Three hours of traffic in a day's window is said (a coverage warning); nothing else is.
    assert!(
        stderr
            .lines()
            .filter(|l| l.contains("warning"))
            .all(|l| l.contains("the data covers")),
        "{stderr}"
    );
    let o = &r["objectives"][0];
    assert_eq!(o["deployments_source"], "service_deployments");
    let d = &o["incidents"][0]["deployment"];
    assert!(d["arn"].as_str().unwrap().ends_with("/bad"), "{d:#}");
    assert_eq!(d["status"], "ROLLBACK_SUCCESSFUL");
    assert_eq!(d["strategy"], "ROLLING");
    assert_eq!(d["images"][0]["tag"], "1.4.3");
    assert_eq!(d["rollback"]["trigger"], "circuit_breaker");
    assert_eq!(d["recovered_after_rollback"], true);
    // 111 deployments: two ListServiceDeployments pages (100 a page) and six describe calls
    // (20 ARNs a call), the first one throttled twice and retried.
    assert_eq!(s.calls("ListServiceDeployments"), 2);
    assert_eq!(s.calls("DescribeServiceDeployments"), 6 + 2);
    let listed = r["deployments"].as_array().unwrap();
    assert_eq!(listed.len(), 111);
    let blamed: Vec<&Value> = listed.iter().filter(|d| d["incidents"] != 0).collect();
    assert_eq!(blamed.len(), 1);
    assert!(blamed[0]["arn"].as_str().unwrap().ends_with("/bad"));
}

#[tokio::test]
async fn without_the_service_deployments_api_the_report_falls_back_to_describe_services() {
    let s = session();
    let now = now_minute();
    s.checkout_service(false).await;
    traffic(&s, now).await;
    let created = epoch(now - TimeDelta::minutes(121));
    let state = json!({
        "cluster": "prod", "service": "checkout",
        "deployments": [
            {"id": "ecs-svc/9999", "status": "ACTIVE", "taskDefinition": "arn:aws:ecs:us-east-1:123456789012:task-definition/checkout:43",
             "rolloutState": "FAILED", "createdAt": created, "updatedAt": epoch(now - TimeDelta::minutes(89))},
            {"id": "ecs-svc/8888", "status": "PRIMARY", "taskDefinition": "arn:aws:ecs:us-east-1:123456789012:task-definition/checkout:42",
             "rolloutState": "COMPLETED", "createdAt": epoch(now - TimeDelta::days(3)), "updatedAt": epoch(now - TimeDelta::days(3))}
        ],
        "events": [
            {"id": "e2", "createdAt": epoch(now - TimeDelta::minutes(95)), "message": "(service checkout) (deployment ecs-svc/9999) deployment failed: tasks failed to start."},
            {"id": "e1", "createdAt": epoch(now - TimeDelta::minutes(96)), "message": "(service checkout) ECS deployment circuit breaker: rolling back to deploymentId ecs-svc/8888"}
        ]
    });
    assert_eq!(s.http("POST", "/_slo/ecs/state", &state.to_string()).0, 200);
    s.inject("ListServiceDeployments", "denied", 10);
    let tmp = tempfile::tempdir().unwrap();
    spec(tmp.path());
    let (r, stderr) = report(&s, tmp.path(), now);
    assert!(
        stderr.contains("warning") && stderr.contains("DescribeServices"),
        "{stderr}"
    );
    assert!(stderr.contains("AccessDenied"), "{stderr}");
    let o = &r["objectives"][0];
    assert_eq!(o["deployments_source"], "describe_services");
    let d = &o["incidents"][0]["deployment"];
    assert_eq!(d["arn"], "ecs-svc/9999");
    assert_eq!(d["status"], "FAILED");
    assert_eq!(d["rollback"]["trigger"], "circuit_breaker");
    assert!(d["target"].as_str().unwrap().ends_with("checkout:43"));
}

#[tokio::test]
async fn when_ecs_cannot_be_read_at_all_the_report_says_so_and_still_completes() {
    let s = session();
    let now = now_minute();
    traffic(&s, now).await;
    s.inject("ListServiceDeployments", "denied", 10);
    s.inject("DescribeServices", "denied", 10);
    let tmp = tempfile::tempdir().unwrap();
    spec(tmp.path());
    let (r, stderr) = report(&s, tmp.path(), now);
    assert!(
        stderr.contains("cannot read the deployments of ECS service prod/checkout"),
        "{stderr}"
    );
    let o = &r["objectives"][0];
    assert_eq!(o["deployments_source"], "unavailable");
    assert_eq!(o["incidents"][0]["deployment"], Value::Null);
    assert!(o["total"].as_u64().unwrap() > 0);
}

#[test]
fn a_foreign_or_malformed_deployments_file_is_an_error_naming_it() {
    let tmp = tempfile::tempdir().unwrap();
    let logs = root().join("tests/fixtures/logs");
    for (name, body, problem) in [
        (
            "foreign.json",
            r#"{"services": []}"#,
            "no `serviceDeployments` array",
        ),
        (
            "broken.json",
            r#"{"serviceDeployments": [{"status": "SUCCESSFUL"}"#,
            "not JSON",
        ),
        (
            "bad-time.json",
            r#"{"serviceDeployments": [{"serviceDeploymentArn": "a", "status": "SUCCESSFUL", "createdAt": "yesterday"}]}"#,
            "serviceDeployments[0]: `createdAt`: `yesterday` is not an ISO 8601 time",
        ),
    ] {
        let file = tmp.path().join(name);
        std::fs::write(&file, body).unwrap();
        let out = slo(&[
            "report",
            "slo",
            "--access-logs",
            logs.to_str().unwrap(),
            "--deployments",
            file.to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(2), "{name}");
        let stderr = text(&out.stderr);
        assert!(
            stderr.contains(name) && stderr.contains(problem),
            "{name}: {stderr}"
        );
    }
}

/// The incident's log lines, put through the real CloudWatch Logs SDK: timeouts during the
/// errors, health lines all along, one line with a secret.
async fn app_logs(s: &Session, now: DateTime<Utc>) {
    put_app_logs(
        s,
        now,
        &["ERROR login failed password=hunter2 for ops@example.com"],
    )
    .await;
}

/// Timeouts during the errors and health lines all along in `/ecs/checkout`, plus each of
/// `extra` (with a `[req-…]` of its own) at every minute from 120 to 90 minutes before `now`,
/// once at 110 when it is the only one.
pub async fn put_app_logs(s: &Session, now: DateTime<Utc>, extra: &[&str]) {
    let logs = s.logs().await;
    logs.create_log_group()
        .log_group_name("/ecs/checkout")
        .send()
        .await
        .unwrap();
    logs.create_log_stream()
        .log_group_name("/ecs/checkout")
        .log_stream_name("app/app/3f9c")
        .send()
        .await
        .unwrap();
    let mut events = Vec::new();
    for m in (1..=180).rev() {
        let t = (now - TimeDelta::minutes(m)).timestamp_millis();
        let event = |ms: i64, text: String| {
            aws_sdk_cloudwatchlogs::types::InputLogEvent::builder()
                .timestamp(ms)
                .message(text)
                .build()
                .unwrap()
        };
        events.push(event(t, "INFO health ok".into()));
        if (91..=120).contains(&m) {
            events.push(event(
                t + 1,
                format!(
                    "ERROR [req-{m}] TimeoutException: card-gateway did not answer within 3000 ms"
                ),
            ));
        }
        let every_minute = extra.len() > 1 && (90..=120).contains(&m);
        if every_minute || m == 110 {
            for (k, line) in extra.iter().enumerate() {
                let line = if every_minute {
                    line.replacen("ERROR", &format!("ERROR [req-{m}-{k}]"), 1)
                } else {
                    (*line).to_owned()
                };
                events.push(event(t + 2 + k as i64, line));
            }
        }
    }
    logs.put_log_events()
        .log_group_name("/ecs/checkout")
        .log_stream_name("app/app/3f9c")
        .set_log_events(Some(events))
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn incidents_carry_the_top_log_errors_read_from_cloudwatch_logs_with_secrets_redacted() {
    let s = session();
    let now = now_minute();
    traffic(&s, now).await;
    app_logs(&s, now).await;
    let tmp = tempfile::tempdir().unwrap();
    spec_with(tmp.path(), ", logGroup: /ecs/checkout");
    let (r, _) = report(&s, tmp.path(), now);
    let e = &r["objectives"][0]["incidents"][0]["evidence"];
    assert_eq!(e["source"], "cloudwatch_logs", "{e:#}");
    assert_eq!(e["log_group"], "/ecs/checkout");
    let top = e["top"].as_array().unwrap();
    assert_eq!(top[0]["count"], 30, "{e:#}");
    assert_eq!(
        top[0]["template"],
        "ERROR [<*>] TimeoutException: card-gateway did not answer within <*> ms"
    );
    let all = e.to_string();
    assert!(
        !all.contains("hunter2") && !all.contains("ops@example.com"),
        "{all}"
    );
    assert!(
        !all.contains("health ok"),
        "only matching lines are evidence"
    );
    // The server-side filter pattern did the narrowing: one query for the incident.
    assert_eq!(s.calls("FilterLogEvents"), 1);
}

#[tokio::test]
async fn a_missing_or_forbidden_log_group_is_unavailable_evidence_not_a_failed_report() {
    let s = session();
    let now = now_minute();
    traffic(&s, now).await;
    let tmp = tempfile::tempdir().unwrap();
    spec_with(tmp.path(), ", logGroup: /ecs/nowhere");
    let (r, stderr) = report(&s, tmp.path(), now);
    let e = &r["objectives"][0]["incidents"][0]["evidence"];
    assert_eq!(e["source"], "unavailable");
    assert!(
        e["reason"].as_str().unwrap().contains("ResourceNotFound"),
        "{e:#}"
    );
    assert!(
        stderr.contains("cannot read log group /ecs/nowhere"),
        "{stderr}"
    );
    app_logs(&s, now).await;
    spec_with(tmp.path(), ", logGroup: /ecs/checkout");
    s.inject("FilterLogEvents", "denied", 10);
    let (r, _) = report(&s, tmp.path(), now);
    let e = &r["objectives"][0]["incidents"][0]["evidence"];
    assert_eq!(e["source"], "unavailable");
    assert!(
        e["reason"].as_str().unwrap().contains("AccessDenied"),
        "{e:#}"
    );
}

#[test]
fn app_logs_must_be_filter_log_events_json_for_a_known_service() {
    let tmp = tempfile::tempdir().unwrap();
    let logs = root().join("tests/fixtures/logs");
    let file = tmp.path().join("app.json");
    let run = |pair: String| {
        slo(&[
            "report",
            "slo",
            "--access-logs",
            logs.to_str().unwrap(),
            "--app-logs",
            &pair,
        ])
    };
    std::fs::write(&file, r#"{"logEvents": []}"#).unwrap();
    let out = run(format!("checkout={}", file.display()));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("app.json: no `events` array"),
        "{}",
        text(&out.stderr)
    );
    std::fs::write(
        &file,
        r#"{"events": [{"timestamp": 1, "message": "ok \ud800"}]}"#,
    )
    .unwrap();
    let out = run(format!("payments={}", file.display()));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("no spec has service `payments`"),
        "{}",
        text(&out.stderr)
    );
    // A lone surrogate is read as U+FFFD, not refused.
    let out = run(format!("checkout={}", file.display()));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}
