//! `slo notify` end to end: composite states set on the emulator, SNS publishes read back from
//! it, Slack as a local HTTP server; the journal under a temporary directory.

use crate::support::emulator::{Session, session};
use crate::support::slack::Slack;
use crate::support::text;
use aws_sdk_cloudwatch::types::StateValue;
use serde_json::Value;

const TOPIC: &str = "arn:aws:sns:us-east-1:123456789012:slo-alerts";

fn spec() -> String {
    format!(
        "apiVersion: slo/v1\nservice: checkout\nalb: {{ loadBalancer: app/shop/50dc6c495c0c9188 }}\nwindow: 30d\nrunbook: https://wiki.example.com/runbooks/checkout\nobjectives:\n  - {{ name: availability, sli: availability, target: 99.9% }}\nnotify: {{ sns: {TOPIC}, slack: {{ webhookEnv: SLO_TEST_SLACK }} }}\n"
    )
}

struct Setup {
    s: Session,
    slack: Slack,
    _tmp: tempfile::TempDir,
    specs: std::path::PathBuf,
    state: String,
}

async fn setup() -> Setup {
    setup_with(&spec()).await
}

async fn setup_with(spec: &str) -> Setup {
    let s = session();
    let (tmp, specs) = s.apply_spec(spec).await;
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
    // Marked TEST in the first words of every channel.
    let subject = t.published()[0]["Subject"].as_str().unwrap().to_owned();
    assert!(subject.starts_with("TEST "), "{subject}");
    let slack = t.slack.bodies()[0].clone();
    assert!(slack.contains("TEST message"), "{slack}");
}

#[tokio::test]
async fn the_dynamodb_journal_sends_once_and_another_tasks_claim_holds_a_message() {
    let mut t = setup().await;
    t.s.create_journal_table("slo-journal").await;
    let ddb = aws_sdk_dynamodb::Client::new(&t.s.sdk_config().await);
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

/// Log lines written to be hostile: a channel-wide mention, a disguised link, a script, and
/// credentials. They are the incident's top errors, so every channel carries them.
const HOSTILE: [&str; 3] = [
    "ERROR session expired <!channel> <https://evil.example/login|Click to re-authenticate>",
    "ERROR cache down redis://:S3cretRedisPw@cache.internal:6379 aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "ERROR render failed <script>alert(1)</script> for [Click](https://evil.example/x)",
];

#[tokio::test]
async fn log_lines_reach_no_channel_as_secrets_mentions_links_or_markup() {
    let t = setup_with(&format!(
        "apiVersion: slo/v1\nservice: checkout\nalb: {{ loadBalancer: app/shop-prod/50dc6c495c0c9188 }}\necs: {{ cluster: prod, service: checkout, logGroup: /ecs/checkout }}\nwindow: 1d\nobjectives:\n  - {{ name: availability, sli: availability, target: 99.9% }}\nnotify: {{ sns: {TOPIC}, slack: {{ webhookEnv: SLO_TEST_SLACK }} }}\n"
    ))
    .await;
    let now = crate::support::now_minute();
    t.s.checkout_service(false).await;
    crate::deployments::traffic(&t.s, now).await;
    crate::deployments::put_app_logs(&t.s, now, &HOSTILE).await;
    t.set("slo:checkout:availability:page", StateValue::Alarm)
        .await;
    let out = t.notify();
    assert!(out.contains("2 sent, 0 pending"), "{out}");

    let secrets = ["S3cretRedisPw", "wJalrXUtnFEMI"];
    let published = t.published();
    let message: Value = serde_json::from_str(published[0]["Message"].as_str().unwrap()).unwrap();
    let email = message["email"].as_str().unwrap();
    assert!(email.contains("Top errors in the logs"), "{email}");
    for s in secrets {
        assert!(!email.contains(s), "{s} in the e-mail: {email}");
    }
    // E-mail is plain text: the words are shown as they were (but the secrets).
    assert!(email.contains("<!channel>"), "{email}");

    let chatbot = message["https"].as_str().unwrap();
    let slack = t.slack.bodies();
    assert_eq!(slack.len(), 1);
    for (channel, body) in [("chatbot", chatbot), ("slack", slack[0].as_str())] {
        let v: Value = serde_json::from_str(body).unwrap();
        // Every string the payload holds, as Slack would read it.
        let mut texts = Vec::new();
        collect_strings(&v, &mut texts);
        let all = texts.join("\n");
        assert!(all.contains("&lt;!channel&gt;"), "{channel}: {all}");
        for bad in ["<!channel>", "<https://evil", "<script", "](https://evil"]
            .into_iter()
            .chain(secrets)
        {
            assert!(!all.contains(bad), "{channel} carries {bad:?}: {all}");
        }
    }

    // The report renders the same evidence: Markdown without raw HTML or links, JSON without
    // secrets (the JSON is what `slo serve` serves at /api/v1/slos).
    for format in ["markdown", "json"] {
        let out = t.s.slo(&[
            "report",
            t.specs.to_str().unwrap(),
            "--at",
            &now.to_rfc3339(),
            "--format",
            format,
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let body = text(&out.stdout);
        assert!(body.contains("session expired"), "{format}: {body}");
        for s in secrets {
            assert!(!body.contains(s), "{format} carries {s}: {body}");
        }
        if format == "markdown" {
            for bad in ["<script", "<!channel>", "<https://", "[Click](https"] {
                assert!(!body.contains(bad), "markdown carries {bad:?}: {body}");
            }
        }
    }
}

fn collect_strings(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|x| collect_strings(x, out)),
        Value::Object(o) => o.values().for_each(|x| collect_strings(x, out)),
        _ => {}
    }
}
