//! `slo notify` end to end: composite states set on the emulator, SNS publishes read back from
//! it, Slack as a local HTTP server; the journal under a temporary directory.

use crate::support::emulator::{Session, session};
use crate::support::slack::Slack;
use crate::support::text;
use aws_sdk_cloudwatch::types::StateValue;
use serde_json::Value;
use std::path::Path;

const TOPIC: &str = "arn:aws:sns:us-east-1:123456789012:slo-alerts";

fn spec(dir: &Path) {
    std::fs::write(
        dir.join("checkout.yaml"),
        format!("apiVersion: slo/v1\nservice: checkout\nalb: {{ loadBalancer: app/shop/50dc6c495c0c9188 }}\nwindow: 30d\nrunbook: https://wiki.example.com/runbooks/checkout\nobjectives:\n  - {{ name: availability, sli: availability, target: 99.9% }}\nnotify: {{ sns: {TOPIC}, slack: {{ webhookEnv: SLO_TEST_SLACK }} }}\n"),
    )
    .unwrap();
}

struct Setup {
    s: Session,
    slack: Slack,
    _tmp: tempfile::TempDir,
    specs: std::path::PathBuf,
    state: String,
}

async fn setup() -> Setup {
    let s = session();
    let tmp = tempfile::tempdir().unwrap();
    let specs = tmp.path().join("slo");
    std::fs::create_dir_all(&specs).unwrap();
    spec(&specs);
    s.sns()
        .await
        .create_topic()
        .name("slo-alerts")
        .send()
        .await
        .unwrap();
    let applied = s.slo(&["apply", specs.to_str().unwrap(), "--yes"]);
    assert_eq!(applied.status.code(), Some(0), "{}", text(&applied.stderr));
    Setup {
        s,
        slack: Slack::start(),
        state: tmp.path().join("state").display().to_string(),
        specs,
        _tmp: tmp,
    }
}

impl Setup {
    fn notify(&self) -> String {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_slo"));
        cmd.args([
            "notify",
            self.specs.to_str().unwrap(),
            "--state",
            &self.state,
        ])
        .env("SLO_TEST_SLACK", &self.slack.url);
        self.s.configure(&mut cmd);
        let out = cmd.output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        text(&out.stdout)
    }

    async fn set(&self, name: &str, state: StateValue) {
        self.s.set_alarm_state(name, state).await;
    }

    fn published(&self) -> Vec<Value> {
        let (_, body) = self.s.http("GET", "/_slo/published", "");
        serde_json::from_str(&body).unwrap()
    }
}

#[tokio::test]
async fn a_page_is_sent_once_per_channel_then_resolved_once_and_a_restart_resends_nothing() {
    let t = setup().await;
    t.set("slo:checkout:availability:page", StateValue::Alarm)
        .await;
    t.set("slo:checkout:availability:ticket", StateValue::Alarm)
        .await;
    let first = t.notify();
    assert!(first.contains("2 sent, 0 pending"), "{first}");
    let published = t.published();
    assert_eq!(
        published.len(),
        1,
        "one SNS message for page and ticket together"
    );
    let p = &published[0];
    assert_eq!(p["MessageStructure"], "json");
    let subject = p["Subject"].as_str().unwrap();
    assert!(
        subject.starts_with("[PAGE] checkout availability"),
        "{subject}"
    );
    assert!(subject.chars().count() < 100 && !subject.contains('\n'));
    let message: Value = serde_json::from_str(p["Message"].as_str().unwrap()).unwrap();
    assert!(
        message["email"]
            .as_str()
            .unwrap()
            .contains("Runbook: https://wiki.example.com/runbooks/checkout")
    );
    assert_eq!(message["default"], message["email"]);
    let chatbot: Value = serde_json::from_str(message["https"].as_str().unwrap()).unwrap();
    crate::support::assert_valid(
        "tests/fixtures/chatbot-custom-notification.schema.json",
        &chatbot,
    );
    assert_eq!(chatbot["metadata"]["threadId"], "slo-checkout-availability");
    let slack = t.slack.bodies();
    assert_eq!(slack.len(), 1);
    let blocks: Value = serde_json::from_str(&slack[0]).unwrap();
    assert!(blocks["text"].as_str().unwrap().starts_with("[PAGE]"));
    assert!(blocks["blocks"].as_array().unwrap().len() <= 50);

    // Nothing new on the next pass, nor after a restart (the journal is on disk).
    assert!(t.notify().contains("0 sent, 0 pending"));
    assert_eq!(t.published().len(), 1);

    t.set("slo:checkout:availability:page", StateValue::Ok)
        .await;
    t.set("slo:checkout:availability:ticket", StateValue::Ok)
        .await;
    let out = t.notify();
    assert!(out.contains("2 sent"), "{out}");
    let resolved = t.published();
    assert_eq!(resolved.len(), 2);
    assert!(
        resolved[1]["Subject"]
            .as_str()
            .unwrap()
            .starts_with("[RESOLVED]")
    );
    assert!(t.notify().contains("0 sent"));
    assert_eq!(t.published().len(), 2);
    assert_eq!(t.slack.bodies().len(), 2);
}

#[tokio::test]
async fn slack_failures_are_retried_and_never_resend_the_email() {
    let t = setup().await;
    // 500 twice, then 200: one pass, one delivery.
    t.slack.answer(&[(500, None), (500, None)]);
    t.set("slo:checkout:availability:page", StateValue::Alarm)
        .await;
    let out = t.notify();
    assert!(out.contains("2 sent, 0 pending"), "{out}");
    assert_eq!(t.slack.bodies().len(), 3, "two failures, then the delivery");
    // 429 with Retry-After: the wait is honoured before the next try.
    t.set("slo:checkout:availability:page", StateValue::Ok)
        .await;
    t.slack.answer(&[(429, Some(1))]);
    let before = std::time::Instant::now();
    assert!(t.notify().contains("2 sent"));
    let received = t.slack.received.lock().unwrap().clone();
    let n = received.len();
    assert!(received[n - 1].0 - received[n - 2].0 >= std::time::Duration::from_millis(900));
    assert!(before.elapsed() < std::time::Duration::from_secs(10));
    // Slack down for good: the e-mail went, the Slack message stays pending, and is sent
    // (alone) once Slack is back.
    t.set("slo:checkout:availability:page", StateValue::Alarm)
        .await;
    t.slack.answer(&[(500, None), (500, None), (500, None)]);
    let out = t.notify();
    assert!(out.contains("1 sent, 1 pending"), "{out}");
    let emails = t.published().len();
    std::thread::sleep(std::time::Duration::from_millis(100));
    // The backoff has not passed: still pending, nothing resent.
    assert!(t.notify().contains("0 sent, 1 pending"));
    assert_eq!(t.published().len(), emails);
}

#[tokio::test]
async fn a_page_that_fired_and_cleared_between_passes_is_reported_once() {
    let t = setup().await;
    assert!(t.notify().contains("0 sent"));
    t.set("slo:checkout:availability:page", StateValue::Alarm)
        .await;
    t.set("slo:checkout:availability:page", StateValue::Ok)
        .await;
    let out = t.notify();
    assert!(out.contains("2 sent"), "{out}");
    let p = t.published();
    assert!(
        p[0]["Subject"]
            .as_str()
            .unwrap()
            .contains("while slo serve was down"),
        "{p:#?}"
    );
    assert!(t.notify().contains("0 sent"));
}

#[tokio::test]
async fn notify_test_sends_a_sample_to_every_channel() {
    let t = setup().await;
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_slo"));
    cmd.args([
        "notify",
        t.specs.to_str().unwrap(),
        "--state",
        &t.state,
        "--test",
    ])
    .env("SLO_TEST_SLACK", &t.slack.url);
    t.s.configure(&mut cmd);
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(t.published().len(), 1);
    assert_eq!(t.slack.bodies().len(), 1);
    assert!(
        t.published()[0]["Subject"]
            .as_str()
            .unwrap()
            .contains("(test)")
    );
}

#[tokio::test]
async fn the_dynamodb_journal_sends_once_and_another_tasks_claim_holds_a_message() {
    let mut t = setup().await;
    let ddb = aws_sdk_dynamodb::Client::new(&t.s.sdk_config().await);
    ddb.create_table()
        .table_name("slo-journal")
        .attribute_definitions(
            aws_sdk_dynamodb::types::AttributeDefinition::builder()
                .attribute_name("pk")
                .attribute_type(aws_sdk_dynamodb::types::ScalarAttributeType::S)
                .build()
                .unwrap(),
        )
        .key_schema(
            aws_sdk_dynamodb::types::KeySchemaElement::builder()
                .attribute_name("pk")
                .key_type(aws_sdk_dynamodb::types::KeyType::Hash)
                .build()
                .unwrap(),
        )
        .billing_mode(aws_sdk_dynamodb::types::BillingMode::PayPerRequest)
        .send()
        .await
        .unwrap();
    t.state = "dynamodb://slo-journal".into();
    t.set("slo:checkout:availability:page", StateValue::Alarm)
        .await;
    let since =
        t.s.cloudwatch()
            .await
            .describe_alarms()
            .alarm_names("slo:checkout:availability:page")
            .alarm_types(aws_sdk_cloudwatch::types::AlarmType::CompositeAlarm)
            .send()
            .await
            .unwrap()
            .composite_alarms()[0]
            .state_updated_timestamp()
            .unwrap()
            .secs();
    // Another task holds the Slack message (a claim with a lease in the future).
    ddb.put_item()
        .table_name("slo-journal")
        .item(
            "pk",
            aws_sdk_dynamodb::types::AttributeValue::S(format!(
                "msg#checkout/availability|firing-page@{since}|slack"
            )),
        )
        .item(
            "owner",
            aws_sdk_dynamodb::types::AttributeValue::S("slo-other-task".into()),
        )
        .item(
            "until",
            aws_sdk_dynamodb::types::AttributeValue::N((since + 3600).to_string()),
        )
        .send()
        .await
        .unwrap();
    let out = t.notify();
    assert!(out.contains("1 sent, 1 pending"), "{out}");
    assert_eq!(t.published().len(), 1);
    assert!(
        t.slack.bodies().is_empty(),
        "the other task's message is left to it"
    );
    // A new process with the same table: nothing resent.
    let out = t.notify();
    assert!(out.contains("0 sent, 1 pending"), "{out}");
    assert_eq!(t.published().len(), 1);
}
