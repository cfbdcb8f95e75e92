//! The notification path under the faults production has — two senders at once, a damaged
//! journal, a webhook variable not set, a Slack that drips its error body, an SNS that stalls
//! past the attempt timeout, a task whose journal write lost a race — each counting what every
//! channel received: every message delivered, none twice (or within the documented residual
//! window, counted).

use crate::support::emulator::{Session, session};
use crate::support::slack::{DRIP, Slack};
use crate::support::text;
use aws_sdk_cloudwatch::types::StateValue;
use serde_json::Value;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const TOPIC: &str = "arn:aws:sns:us-east-1:123456789012:slo-alerts";

struct Setup {
    s: Session,
    slack: Slack,
    tmp: tempfile::TempDir,
    specs: std::path::PathBuf,
}

async fn setup() -> Setup {
    let s = session();
    let (tmp, specs) = s
        .apply_spec(&format!(
            "apiVersion: slo/v1\nservice: checkout\nalb: {{ loadBalancer: app/shop/50dc6c495c0c9188 }}\nwindow: 30d\nobjectives:\n  - {{ name: availability, sli: availability, target: 99.9% }}\nnotify: {{ sns: {TOPIC}, slack: {{ webhookEnv: SLO_TEST_SLACK }} }}\n"
        ))
        .await;
    s.set_alarm_state("slo:checkout:availability:page", StateValue::Alarm)
        .await;
    Setup {
        s,
        slack: Slack::start(),
        tmp,
        specs,
    }
}

impl Setup {
    fn state(&self) -> String {
        self.tmp.path().join("state").display().to_string()
    }

    fn command(&self, extra: &[&str], slack: bool) -> Command {
        self.command_via(&self.s.endpoint(), extra, slack)
    }

    /// `slo notify` reaching AWS at `endpoint` (a proxy in front of the emulator).
    fn command_via(&self, endpoint: &str, extra: &[&str], slack: bool) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_slo"));
        let state = self.state();
        cmd.args(["notify", self.specs.to_str().unwrap(), "--state", &state])
            .args(extra)
            .env("SLO_SLACK_TIMEOUT", "1")
            .env("SLO_AWS_ATTEMPT_TIMEOUT", "1");
        if slack {
            cmd.env("SLO_TEST_SLACK", &self.slack.url);
        } else {
            cmd.env_remove("SLO_TEST_SLACK");
        }
        self.s.configure(&mut cmd);
        cmd.env("AWS_ENDPOINT_URL", endpoint);
        cmd
    }

    fn notify(&self) -> Output {
        self.command(&[], true).output().unwrap()
    }

    fn published(&self) -> Vec<Value> {
        let (_, body) = self.s.http("GET", "/_slo/published", "");
        let all: Vec<Value> = serde_json::from_str(&body).unwrap();
        all.into_iter().filter(|p| p["TopicArn"] == TOPIC).collect()
    }
}

#[tokio::test]
async fn two_notify_processes_on_one_state_directory_send_each_message_once() {
    let t = setup().await;
    let children: Vec<_> = (0..2)
        .map(|_| t.command(&[], true).spawn().unwrap())
        .collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    }
    assert_eq!(t.published().len(), 1, "{:#?}", t.published());
    assert_eq!(t.slack.bodies().len(), 1);
    // And a third pass later sends nothing.
    let out = t.notify();
    assert!(
        text(&out.stdout).contains("0 sent, 0 pending"),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(t.published().len(), 1);
}

#[tokio::test]
async fn a_damaged_journal_is_set_aside_loudly_and_what_fires_is_sent_again() {
    let t = setup().await;
    let first = t.notify();
    assert_eq!(first.status.code(), Some(0), "{}", text(&first.stderr));
    assert_eq!(t.published().len(), 1);
    let journal = std::path::Path::new(&t.state()).join("journal.json");
    std::fs::write(&journal, b"{\"groups\": {\"checkout/avail").unwrap();
    let out = t.notify();
    // Exit 1 and a loud error: the state was lost, not silently replaced.
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("damaged"),
        "{}",
        text(&out.stderr)
    );
    // The page still firing is sent again (never dropped), once per channel.
    assert_eq!(t.published().len(), 2);
    assert_eq!(t.slack.bodies().len(), 2);
    let aside: Vec<_> = std::fs::read_dir(t.state())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("journal.damaged-")
        })
        .collect();
    assert_eq!(aside.len(), 1);
    // The fresh journal works: nothing more is sent.
    let again = t.notify();
    assert_eq!(again.status.code(), Some(0), "{}", text(&again.stderr));
    assert_eq!(t.published().len(), 2);
}

#[tokio::test]
async fn an_unset_webhook_variable_is_an_error_not_silence() {
    let t = setup().await;
    let out = t.command(&[], false).output().unwrap();
    // SNS gets the page; Slack's copy is given up on at once, naming the variable.
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("SLO_TEST_SLACK"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(t.published().len(), 1);
    // `--test` tries it too, and fails naming it.
    let test = t.command(&["--test"], false).output().unwrap();
    assert_ne!(test.status.code(), Some(0), "{}", text(&test.stdout));
    assert!(
        text(&test.stderr).contains("SLO_TEST_SLACK"),
        "{}",
        text(&test.stderr)
    );
}

#[tokio::test]
async fn a_slack_that_drips_its_error_body_holds_no_page_on_another_channel() {
    let t = setup().await;
    t.slack.answer(&[(DRIP, None), (DRIP, None), (DRIP, None)]);
    let started = Instant::now();
    let out = t.notify();
    let took = started.elapsed();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // Three tries of at most a second each, and the waits between them (0.5 s, 1 s).
    assert!(took < Duration::from_secs(10), "{took:?}");
    assert_eq!(t.published().len(), 1);
    assert!(
        text(&out.stdout).contains("1 sent, 1 pending"),
        "{}",
        text(&out.stdout)
    );
}

/// The residual window on a standard topic, measured: a `Publish` that stalls past the
/// attempt timeout but reaches SNS is sent again by the pass's next try. One stall, one
/// duplicate — where the SDK's own retries made it four.
#[tokio::test]
async fn an_sns_stall_past_the_attempt_timeout_costs_at_most_one_duplicate() {
    let t = setup().await;
    let body = r#"{"action":"Publish","kind":"delay","count":1,"delay_ms":2500}"#;
    let (status, answer) = t.s.http("POST", "/_slo/faults", body);
    assert_eq!(status, 200, "{answer}");
    let out = t.notify();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    std::thread::sleep(Duration::from_secs(3));
    let published = t.published().len();
    assert!((1..=2).contains(&published), "{published}");
    assert!(t.s.calls("Publish") <= 2);
    // Nothing after: the message is recorded as sent.
    let again = t.notify();
    assert!(
        text(&again.stdout).contains("0 sent"),
        "{}",
        text(&again.stdout)
    );
    assert_eq!(t.published().len(), published);
}

#[tokio::test]
async fn on_dynamodb_a_delivery_recorded_on_its_claim_is_never_claimed_again() {
    use slo::aws::journal::Journal;
    let t = setup().await;
    t.s.create_journal_table("slo-journal-faults").await;
    let config = t.s.sdk_config().await;
    let a = slo::aws::dynamodb::DynamoDbJournal::new(&config, "slo-journal-faults", "task-a");
    let b = slo::aws::dynamodb::DynamoDbJournal::new(&config, "slo-journal-faults", "task-b");
    let now = chrono::Utc::now();
    assert!(a.claim("m1", now).await.unwrap());
    assert!(!b.claim("m1", now).await.unwrap(), "held by a");
    a.delivered("m1", now).await.unwrap();
    // a's journal write then lost the version race: the state says nothing of m1. Long after
    // any lease, b must still not send it.
    let later = now + chrono::TimeDelta::hours(2);
    assert!(!b.claim("m1", later).await.unwrap());
    assert!(!a.claim("m1", later).await.unwrap());
    // An undelivered claim whose task died is free after the lease.
    assert!(a.claim("m2", now).await.unwrap());
    assert!(b.claim("m2", later).await.unwrap());
}

/// The audit's 400 KB state: a journal of thousands of groups and delivered ids, past
/// DynamoDB's item limit as JSON, is stored compressed and read back whole.
#[tokio::test]
async fn a_journal_state_past_400_kb_as_json_fits_dynamodb_compressed() {
    use slo::aws::journal::Journal;
    use slo::core::notify::{GroupState, JournalState};
    let t = setup().await;
    t.s.create_journal_table("slo-journal-big").await;
    let config = t.s.sdk_config().await;
    let j = slo::aws::dynamodb::DynamoDbJournal::new(&config, "slo-journal-big", "task-a");
    let now = chrono::Utc::now();
    let mut state = JournalState::default();
    for i in 0..4000 {
        state.groups.insert(
            format!("service-{i}/availability"),
            GroupState {
                firing_since: Some(now),
                ..GroupState::default()
            },
        );
        state.sent.insert(
            format!(
                "service-{i}/availability|firing-page@{}|sns",
                now.timestamp()
            ),
            now,
        );
    }
    assert!(serde_json::to_vec(&state).unwrap().len() > 400 * 1024);
    assert!(j.load().await.unwrap().groups.is_empty());
    j.save(&state).await.unwrap();
    let back = j.load().await.unwrap();
    assert_eq!(back.groups.len(), 4000);
    assert_eq!(back, state);
}

/// AWS paused for longer than a pass: the pass fails (exit 2, saying so) and sends nothing it
/// cannot record; when AWS answers again the next pass delivers each message once.
#[tokio::test]
async fn an_aws_paused_during_a_pass_loses_nothing_and_sends_nothing_twice() {
    let t = setup().await;
    let proxy = crate::support::proxy::Proxy::start(t.s.port);
    let endpoint = format!("http://127.0.0.1:{}", proxy.port);
    proxy.stall();
    let started = Instant::now();
    let out = t.command_via(&endpoint, &[], true).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(t.published().len(), 0);
    proxy.resume();
    let out = t.command_via(&endpoint, &[], true).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(t.published().len(), 1);
    assert_eq!(t.slack.bodies().len(), 1);
}

/// `slo notify` killed (SIGKILL) at any moment of a pass: the next pass delivers what the
/// killed one did not; a message sent but not yet recorded goes out at most once more (the
/// documented crash window), never zero times.
#[tokio::test]
async fn a_pass_killed_at_any_moment_loses_nothing() {
    for delay_ms in [50u64, 150, 300, 600, 1200] {
        let t = setup().await;
        let mut child = t.command(&[], true).spawn().unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        let out = t.notify();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{delay_ms} ms: {}",
            text(&out.stderr)
        );
        let (sns, slack) = (t.published().len(), t.slack.bodies().len());
        assert!((1..=2).contains(&sns), "{delay_ms} ms: {sns} e-mails");
        assert!(
            (1..=2).contains(&slack),
            "{delay_ms} ms: {slack} Slack messages"
        );
        // And nothing after.
        let again = t.notify();
        assert!(
            text(&again.stdout).contains("0 sent"),
            "{}",
            text(&again.stdout)
        );
    }
}

/// A FIFO topic gets the message's own deduplication id on every try (and a group per service
/// and objective), so SNS drops a repeat that a stalled try would otherwise send.
#[tokio::test]
async fn a_fifo_topic_gets_a_deduplication_id_per_message() {
    let s = session();
    let fifo = "arn:aws:sns:us-east-1:123456789012:slo-alerts.fifo";
    s.sns()
        .await
        .create_topic()
        .name("slo-alerts.fifo")
        .attributes("FifoTopic", "true")
        .send()
        .await
        .unwrap();
    let (tmp, specs) = s
        .apply_spec(&format!(
            "apiVersion: slo/v1\nservice: checkout\nalb: {{ loadBalancer: app/shop/50dc6c495c0c9188 }}\nwindow: 30d\nobjectives:\n  - {{ name: availability, sli: availability, target: 99.9% }}\nnotify: {{ sns: {fifo} }}\n"
        ))
        .await;
    s.set_alarm_state("slo:checkout:availability:page", StateValue::Alarm)
        .await;
    let state = tmp.path().join("state");
    let out = s.slo(&[
        "notify",
        specs.to_str().unwrap(),
        "--state",
        state.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let (_, body) = s.http("GET", "/_slo/published", "");
    let published: Vec<Value> = serde_json::from_str(&body).unwrap();
    let page: Vec<&Value> = published.iter().filter(|p| p["TopicArn"] == fifo).collect();
    assert_eq!(page.len(), 1, "{published:#?}");
    assert_eq!(page[0]["MessageGroupId"], "checkout/availability");
    let dedup = page[0]["MessageDeduplicationId"].as_str().unwrap();
    assert!(
        dedup.starts_with("checkout/availability|firing-page@"),
        "{dedup}"
    );
}
