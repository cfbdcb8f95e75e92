//! Snapshots of every renderer (e-mail, Chatbot, Slack) for firing and resolved, with and
//! without a deployment, rolled back and not; the Chatbot shape against its schema.

use crate::support::{assert_golden, assert_valid, root};
use chrono::{DateTime, TimeDelta, Utc};
use slo::core::correlate::Attribution;
use slo::core::deployments::{Deployment, Image, Rollback, RollbackTrigger};
use slo::core::impact::Impact;
use slo::core::notify::Kind;
use slo::core::tiers::Severity;
use slo::render::messages::{self, Message};

fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn deployment(rolled_back: bool) -> Attribution {
    Attribution {
        deployment: Deployment {
            service: "checkout".into(),
            arn: "arn:aws:ecs:ap-northeast-1:123456789012:service-deployment/prod/checkout/d4c8"
                .into(),
            status: if rolled_back {
                "ROLLBACK_SUCCESSFUL"
            } else {
                "IN_PROGRESS"
            }
            .into(),
            status_reason: None,
            strategy: Some("ROLLING".into()),
            created_at: t("2026-11-15T14:00:00Z"),
            started_at: Some(t("2026-11-15T14:00:00Z")),
            finished_at: rolled_back.then(|| t("2026-11-15T16:00:00Z")),
            target: None,
            images: vec![Image {
                image: "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/checkout:1.4.3".into(),
                digest: None,
            }],
            rollback: rolled_back.then(|| Rollback {
                trigger: RollbackTrigger::CircuitBreaker,
                reason: Some("circuit breaker threshold exceeded".into()),
                started_at: Some(t("2026-11-15T15:42:00Z")),
                finished_at: Some(t("2026-11-15T16:00:00Z")),
                alarms: vec![],
            }),
            circuit_breaker: Some((6, 3)),
        },
        recovered_after_rollback: rolled_back.then_some(true),
        budget_spent: 0.453,
        guard: None,
    }
}

fn message(kind: Kind, deployment: Option<Attribution>) -> Message {
    Message {
        service: "checkout".into(),
        objective: "availability".into(),
        kind,
        severity: Severity::Page,
        since: t("2026-11-15T14:03:00Z"),
        at: if kind == Kind::Resolved {
            t("2026-11-15T16:29:00Z")
        } else {
            t("2026-11-15T14:03:00Z")
        },
        burn_rates: vec![
            ("1h".into(), Some(285.7)),
            ("6h".into(), Some(61.2)),
            ("1d".into(), None),
        ],
        budget_remaining: Some(0.547),
        exhausted_in: Some(TimeDelta::minutes(83)),
        deployment,
        evidence: None,
        runbook: Some("https://wiki.example.com/runbooks/checkout".into()),
        dashboard_url: Some("https://slo.example.com/checkout".into()),
        logs_url: None,
        impact: Some(Impact {
            start: t("2026-11-15T14:00:00Z"),
            end: if kind == Kind::Resolved {
                t("2026-11-15T16:00:00Z")
            } else {
                t("2026-11-15T14:03:00Z")
            },
            bad_events: if kind == Kind::Resolved { 79 } else { 6 },
            requests: if kind == Kind::Resolved { 247 } else { 21 },
        }),
        recent_ratio: Some(0.2857),
        bad_means: "failing".into(),
        test: false,
    }
}

#[test]
fn every_renderer_matches_its_snapshot() {
    let cases = [
        ("firing-no-deployment", message(Kind::Firing, None)),
        (
            "firing-deployment",
            message(Kind::Firing, Some(deployment(false))),
        ),
        (
            "firing-rolled-back",
            message(Kind::Firing, Some(deployment(true))),
        ),
        (
            "resolved-rolled-back",
            message(Kind::Resolved, Some(deployment(true))),
        ),
    ];
    for (name, m) in cases {
        let chatbot = serde_json::to_value(messages::chatbot(&m)).unwrap();
        assert_valid(
            "tests/fixtures/chatbot-custom-notification.schema.json",
            &chatbot,
        );
        let subject = messages::subject(&m);
        assert!(
            subject.chars().count() < 100 && !subject.chars().any(char::is_control),
            "{subject}"
        );
        let text = format!(
            "== subject\n{subject}\n== email\n{}== chatbot\n{}\n== slack\n{}\n",
            messages::email(&m),
            serde_json::to_string_pretty(&chatbot).unwrap(),
            serde_json::to_string_pretty(&messages::slack(&m)).unwrap(),
        );
        assert_golden(
            &root().join(format!("tests/fixtures/golden/messages/{name}.txt")),
            &text,
        );
    }
    let rolled = message(Kind::Firing, Some(deployment(true)));
    assert_eq!(
        messages::subject(&rolled),
        "[PAGE] checkout availability: 28.6% failing since 14:00 UTC; 45.3% of budget gone — rolled back"
    );
    // Every channel leads with what users see, and says what to do.
    let fresh = message(Kind::Firing, Some(deployment(false)));
    let email = messages::email(&fresh);
    let body_first = email.lines().nth(2).unwrap();
    assert!(
        body_first.starts_with("28.6% of checkout requests failing since 14:00 UTC, 3m ago"),
        "{email}"
    );
    assert!(
        email.contains("Suggested action: roll back deployment"),
        "{email}"
    );
    let slack = messages::slack(&fresh).to_string();
    assert!(
        slack.contains("28.6% of checkout requests failing since 14:00 UTC"),
        "{slack}"
    );
    assert!(
        slack.contains("Suggested action: roll back deployment"),
        "{slack}"
    );
    let chatbot = serde_json::to_string(&messages::chatbot(&fresh)).unwrap();
    assert!(
        chatbot.contains("28.6% of checkout requests failing"),
        "{chatbot}"
    );
    // A resolved notice says how long users were affected, not when the budget runs out.
    let resolved = messages::email(&message(Kind::Resolved, Some(deployment(true))));
    assert!(
        resolved.contains("users affected 2h (14:00–16:00 UTC)"),
        "{resolved}"
    );
    assert!(!resolved.contains("gone in"), "{resolved}");
    // A test message says so in its first words.
    let mut test = message(Kind::Firing, None);
    test.test = true;
    assert!(messages::subject(&test).starts_with("TEST "));
    assert!(
        messages::email(&test)
            .lines()
            .nth(2)
            .unwrap()
            .starts_with("TEST message")
    );
}
