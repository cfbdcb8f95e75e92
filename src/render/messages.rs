//! One notification, several renderers: the e-mail subject and text (SNS `default`/`email`),
//! AWS Chatbot's custom notification (SNS `https`, for Slack through Chatbot), and Slack Block
//! Kit (an incoming webhook).

use super::{escape, percent};
use crate::core::correlate::Attribution;
use crate::core::deployments::RollbackTrigger;
use crate::core::evidence::Evidence;
use crate::core::impact::Impact;
use crate::core::notify::Kind;
use crate::core::tiers::Severity;
use chrono::{DateTime, TimeDelta, Utc};
use serde::Serialize;

/// Everything a notification says.
#[derive(Clone, Debug, PartialEq)]
pub struct Message {
    pub service: String,
    pub objective: String,
    pub kind: Kind,
    pub severity: Severity,
    pub since: DateTime<Utc>,
    pub at: DateTime<Utc>,
    /// `(window, burn rate)`, shortest window first; `None`: no requests.
    pub burn_rates: Vec<(String, Option<f64>)>,
    pub budget_remaining: Option<f64>,
    /// How long until the budget is gone at the current (shortest-window) rate.
    pub exhausted_in: Option<TimeDelta>,
    pub deployment: Option<Attribution>,
    pub evidence: Option<Evidence>,
    pub runbook: Option<String>,
    pub dashboard_url: Option<String>,
    /// A Logs Insights console link over the incident's window, when there is a log group.
    pub logs_url: Option<String>,
    /// What users saw so far in the incident the message belongs to, when the report knows it.
    pub impact: Option<Impact>,
    /// Bad requests as a share of all over the last hour (the report's shortest window), for
    /// when no incident says more.
    pub recent_ratio: Option<f64>,
    /// What a bad request is, as a verb phrase: `failing`, `slower than 1000ms`.
    pub bad_means: String,
    /// `slo notify --test`: nothing is wrong, and the first words say so.
    pub test: bool,
}

impl Message {
    fn label(&self) -> &'static str {
        match (self.kind, self.severity) {
            (Kind::Resolved, _) => "RESOLVED",
            (_, Severity::Page) => "PAGE",
            (_, Severity::Ticket) => "TICKET",
        }
    }

    fn deployment_phrase(&self) -> Option<String> {
        let a = self.deployment.as_ref()?;
        Some(match &a.deployment.rollback {
            Some(_) => "rolled back".to_owned(),
            None => "after a deploy".to_owned(),
        })
    }
}

/// The transition a message tells of, the same on every try and every channel:
/// `checkout/availability|firing-page@1731679380`.
pub fn transition_id(m: &Message) -> String {
    let what = match m.kind {
        Kind::Firing => format!("firing-{}@{}", m.severity.name(), m.since.timestamp()),
        Kind::Repeat => format!("repeat@{}", m.at.timestamp()),
        k => format!("{}@{}", k.name(), m.since.timestamp()),
    };
    let test = if m.test { "|test" } else { "" };
    format!("{}/{}|{what}{test}", m.service, m.objective)
}

/// No line breaks or control characters, under 100 characters (SNS refuses longer subjects).
fn subject_safe(text: &str) -> String {
    let clean: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if clean.chars().count() <= 99 {
        clean
    } else {
        let cut: String = clean.chars().take(98).collect();
        format!("{cut}…")
    }
}

/// `[PAGE] checkout availability: 28.6% failing since 14:00 UTC; 45% of budget gone — rolled
/// back`.
pub fn subject(m: &Message) -> String {
    let burned = m
        .budget_remaining
        .map(|r| format!("{} of budget gone", percent((1.0 - r).max(0.0))))
        .unwrap_or_else(|| "budget burning".to_owned());
    let test = if m.test { "TEST " } else { "" };
    let mut s = format!("{test}[{}] {} {}: ", m.label(), m.service, m.objective);
    s.push_str(&match m.kind {
        Kind::Resolved => match m.impact {
            Some(i) => format!(
                "recovered; users affected {} ({}–{} UTC)",
                super::human_duration(i.duration()),
                i.start.format("%H:%M"),
                i.end.format("%H:%M")
            ),
            None => format!("recovered after {}", super::human_duration(m.at - m.since)),
        },
        Kind::Missed => format!("fired and cleared while slo serve was down ({burned})"),
        Kind::Repeat => match users_now(m) {
            Some((ratio, since)) => format!(
                "still {} {} since {}; {burned}",
                percent(ratio),
                m.bad_means,
                since.format("%H:%M UTC")
            ),
            None => format!("still burning, {burned}"),
        },
        Kind::Firing => match users_now(m) {
            Some((ratio, since)) => format!(
                "{} {} since {}; {burned}",
                percent(ratio),
                m.bad_means,
                since.format("%H:%M UTC")
            ),
            None => burned,
        },
    });
    if let Some(d) = m.deployment_phrase() {
        s.push_str(&format!(" — {d}"));
    }
    subject_safe(&s)
}

/// The share of requests users see fail and since when: the incident's impact so far, when
/// it is the one this message is about (it started before the alarm's state changed).
fn users_now(m: &Message) -> Option<(f64, DateTime<Utc>)> {
    m.impact
        .filter(|i| i.requests > 0 && i.start <= m.at)
        .map(|i| (i.error_ratio(), i.start))
}

/// The first line of every channel's body: what users see, since when; then the budget.
fn lead(m: &Message) -> String {
    if m.test {
        return format!(
            "TEST message from `slo notify --test` for {} {}: nothing is wrong; this checks that the channel delivers.",
            m.service, m.objective
        );
    }
    match m.kind {
        Kind::Resolved => match m.impact {
            Some(i) => format!(
                "{} {} recovered at {}: users saw {} of {} requests {} from {} to {} ({}). Alerting ran from {}.",
                m.service,
                m.objective,
                time(m.at),
                percent(i.error_ratio()),
                i.requests,
                m.bad_means,
                time(i.start),
                i.end.format("%H:%M UTC"),
                super::human_duration(i.duration()),
                time(m.since)
            ),
            None => format!(
                "{} {} stopped burning at {} (firing since {}).",
                m.service,
                m.objective,
                time(m.at),
                time(m.since)
            ),
        },
        Kind::Missed => format!(
            "{} {} fired at {} and cleared at {} while slo serve was not running. This is reported once, late.",
            m.service,
            m.objective,
            time(m.since),
            time(m.at)
        ),
        Kind::Firing | Kind::Repeat => match (users_now(m), m.recent_ratio) {
            (Some((ratio, since)), _) => format!(
                "{} of {} requests {} since {}, {} ago ({} {}).",
                percent(ratio),
                m.service,
                m.bad_means,
                since.format("%H:%M UTC"),
                super::human_duration(m.at - since),
                m.objective,
                m.severity
            ),
            (None, Some(ratio)) => format!(
                "{} of {} requests {} over the last hour ({} {}, firing since {}).",
                percent(ratio),
                m.service,
                m.bad_means,
                m.objective,
                m.severity,
                time(m.since)
            ),
            (None, None) => format!(
                "{} {} is burning its error budget ({}), firing since {}.",
                m.service,
                m.objective,
                m.severity,
                time(m.since)
            ),
        },
    }
}

/// What to do now: roll back the named deployment, or follow the runbook.
fn suggested_action(m: &Message) -> Option<String> {
    if m.test || matches!(m.kind, Kind::Resolved | Kind::Missed) {
        return None;
    }
    let runbook = m
        .runbook
        .as_ref()
        .map(|u| format!("follow the runbook: {u}"));
    match &m.deployment {
        Some(a) if a.deployment.rollback.is_none() => Some(format!(
            "roll back deployment {} (started {}){}",
            super::short_arn(&a.deployment.arn),
            time(a.deployment.start()),
            runbook.map_or(String::new(), |r| format!(", then {r}"))
        )),
        Some(a) => Some(format!(
            "deployment {} was already rolled back; check that the errors stopped{}",
            super::short_arn(&a.deployment.arn),
            runbook.map_or(String::new(), |r| format!(", else {r}"))
        )),
        None => Some(runbook.unwrap_or_else(|| {
            "no deployment of the service matched: check its dependencies and the logs".to_owned()
        })),
    }
}

fn time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// The deployment in a sentence.
fn deployment_text(a: &Attribution) -> String {
    let d = &a.deployment;
    let image = d
        .images
        .first()
        .map(|i| {
            i.tag()
                .map_or(i.image.clone(), |t| format!("image tag {t}"))
        })
        .or_else(|| d.target.clone())
        .unwrap_or_else(|| "unknown image".to_owned());
    let mut s = format!(
        "Deployment {} ({image}{}) started {}, status {}.",
        super::short_arn(&d.arn),
        d.strategy
            .as_ref()
            .map_or(String::new(), |s| format!(", {s}")),
        time(d.start()),
        d.status
    );
    if let Some(r) = &d.rollback {
        let by = match r.trigger {
            RollbackTrigger::CircuitBreaker => "the ECS circuit breaker".to_owned(),
            RollbackTrigger::Alarm => format!("alarm {}", r.alarms.join(", ")),
            RollbackTrigger::Manual => "hand".to_owned(),
        };
        s.push_str(&format!(" Rolled back by {by}"));
        if let Some(f) = r.finished_at {
            s.push_str(&format!(", finished {}", time(f)));
        }
        s.push('.');
        s.push_str(match a.recovered_after_rollback {
            Some(true) => " The burn stopped after the rollback.",
            Some(false) => " The burn went on after the rollback.",
            None => "",
        });
    }
    s
}

fn evidence_lines(e: &Evidence, n: usize) -> Vec<String> {
    if let Some(r) = &e.reason {
        return vec![format!("Logs of {} unavailable: {r}", e.log_group)];
    }
    e.top
        .iter()
        .take(n)
        .map(|t| {
            format!(
                "{}× {} (since {})",
                t.count,
                t.sample,
                t.first_seen.format("%H:%M")
            )
        })
        .collect()
}

/// The readable text of the e-mail (SNS `default` and `email`).
pub fn email(m: &Message) -> String {
    let mut out = format!("{}\n\n{}\n", subject(m), lead(m));
    if let Some(action) = suggested_action(m) {
        out.push_str(&format!("Suggested action: {action}\n"));
    }
    if !m.burn_rates.is_empty() {
        let rates: Vec<String> = m
            .burn_rates
            .iter()
            .map(|(w, r)| format!("{w} {}", super::burn(*r)))
            .collect();
        out.push_str(&format!("Burn rate: {}\n", rates.join(", ")));
    }
    if let Some(r) = m.budget_remaining {
        out.push_str(&format!("Budget left: {}", percent(r)));
        if let Some(d) = m.exhausted_in.filter(|_| m.kind != Kind::Resolved) {
            out.push_str(&format!(
                ", gone in {} at this rate",
                super::human_duration(d)
            ));
        }
        out.push('\n');
    }
    if let Some(a) = &m.deployment {
        out.push_str(&format!("\n{}\n", deployment_text(a)));
    }
    if let Some(e) = &m.evidence {
        let lines = evidence_lines(e, 3);
        if !lines.is_empty() {
            out.push_str("\nTop errors in the logs:\n");
            for l in lines {
                out.push_str(&format!("  {l}\n"));
            }
        }
    }
    for (label, url) in links(m) {
        out.push_str(&format!("{label}: {url}\n"));
    }
    out
}

/// The message's links that are set, with their labels.
fn links(m: &Message) -> Vec<(&'static str, &str)> {
    [
        ("Runbook", &m.runbook),
        ("Dashboard", &m.dashboard_url),
        ("Logs", &m.logs_url),
    ]
    .into_iter()
    .filter_map(|(label, url)| Some((label, url.as_deref()?)))
    .collect()
}

/// AWS Chatbot's custom notification (what Chatbot turns into a Slack message). Chatbot
/// drops a payload that does not match its schema, silently: tests check it against one.
#[derive(Clone, Debug, Serialize)]
pub struct ChatbotNotification {
    pub version: &'static str,
    pub source: &'static str,
    pub content: ChatbotContent,
    pub metadata: ChatbotMetadata,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatbotContent {
    pub text_type: &'static str,
    pub title: String,
    pub description: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub next_steps: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatbotMetadata {
    /// One thread per service and objective.
    pub thread_id: String,
    pub summary: String,
    pub event_type: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related_resources: Vec<String>,
}

pub fn chatbot(m: &Message) -> ChatbotNotification {
    let mut description = escape::slack(&email(m).lines().skip(2).collect::<Vec<_>>().join("\n"));
    description.truncate(
        description
            .char_indices()
            .nth(7_000)
            .map_or(description.len(), |(i, _)| i),
    );
    let description = escape::without_partial_entity(&description).to_owned();
    let mut next_steps: Vec<String> = suggested_action(m)
        .map(|a| {
            let mut c = a.chars();
            c.next()
                .map_or(String::new(), |f| f.to_uppercase().chain(c).collect())
        })
        .into_iter()
        .collect();
    if let Some(u) = &m.logs_url {
        next_steps.push(format!("Read the logs: {u}"));
    }
    let mut related = Vec::new();
    if let Some(a) = &m.deployment {
        related.push(a.deployment.arn.clone());
    }
    ChatbotNotification {
        version: "1.0",
        source: "custom",
        content: ChatbotContent {
            text_type: "client-markdown",
            title: escape::slack(&subject(m)),
            description,
            next_steps: next_steps.iter().map(|s| escape::slack(s)).collect(),
        },
        metadata: ChatbotMetadata {
            thread_id: format!("slo-{}-{}", m.service, m.objective),
            summary: escape::slack(&subject(m)),
            event_type: format!("slo.{}.{}", m.severity, m.kind.name()),
            related_resources: related,
        },
    }
}

/// The SNS `Publish` message for `MessageStructure=json`.
pub fn sns_message(m: &Message) -> String {
    let text = email(m);
    let chatbot = serde_json::to_string(&chatbot(m)).unwrap_or_default();
    serde_json::json!({ "default": text, "email": text, "https": chatbot }).to_string()
}

/// Slack Block Kit for an incoming webhook: a header (≤ 150 characters), sections (≤ 3,000
/// characters each), at most 50 blocks, and the `text` fallback.
pub fn slack(m: &Message) -> serde_json::Value {
    let cut = |s: &str, n: usize| -> String {
        if s.chars().count() <= n {
            s.to_owned()
        } else {
            let kept: String = s.chars().take(n - 1).collect();
            format!("{}…", escape::without_partial_entity(&kept))
        }
    };
    // The header is plain_text (shown as it is); the section and the fallback are mrkdwn.
    let body = escape::slack(&email(m).lines().skip(2).collect::<Vec<_>>().join("\n"));
    let mut blocks = vec![
        serde_json::json!({"type": "header", "text": {"type": "plain_text", "text": cut(&subject(m), 150)}}),
        serde_json::json!({"type": "section", "text": {"type": "mrkdwn", "text": cut(&body, 3000)}}),
    ];
    let links: Vec<String> = links(m)
        .into_iter()
        .map(|(l, u)| format!("<{}|{l}>", escape::slack_url(u)))
        .collect();
    if !links.is_empty() {
        blocks.push(serde_json::json!({"type": "context", "elements": [{"type": "mrkdwn", "text": cut(&links.join(" · "), 3000)}]}));
    }
    blocks.truncate(50);
    serde_json::json!({ "text": escape::slack(&subject(m)), "blocks": blocks })
}

/// The SLO review a service's `report:` schedule sends (`slo serve`).
#[derive(Clone, Debug, PartialEq)]
pub struct DigestMessage {
    pub service: String,
    /// `2026-W46`, `2026-11`.
    pub label: String,
    /// The review's table (render::review::table of the service's rows).
    pub table: String,
    pub dashboard_url: Option<String>,
}

pub fn digest_subject(d: &DigestMessage) -> String {
    format!("[SLO REVIEW] {}: {}", d.service, d.label)
}

fn digest_text(d: &DigestMessage) -> String {
    let mut text = format!("{}\n\n{}", digest_subject(d), d.table);
    if let Some(u) = &d.dashboard_url {
        text.push_str(&format!("\nDashboard: {u}\n"));
    }
    text
}

/// The SNS message of a digest: e-mail text, and a Chatbot custom notification.
pub fn digest_sns_message(d: &DigestMessage) -> String {
    let text = digest_text(d);
    let chatbot = ChatbotNotification {
        version: "1.0",
        source: "custom",
        content: ChatbotContent {
            text_type: "client-markdown",
            title: escape::slack(&digest_subject(d)),
            description: format!("```\n{}\n```", escape::slack(&d.table)),
            next_steps: Vec::new(),
        },
        metadata: ChatbotMetadata {
            thread_id: format!("slo-{}-review", d.service),
            summary: escape::slack(&digest_subject(d)),
            event_type: "slo.review".to_owned(),
            related_resources: Vec::new(),
        },
    };
    let chatbot = serde_json::to_string(&chatbot).unwrap_or_default();
    serde_json::json!({ "default": text, "email": text, "https": chatbot }).to_string()
}

/// A digest for a Slack webhook: the table as preformatted text (≤ 3,000 characters a
/// section).
pub fn digest_slack(d: &DigestMessage) -> serde_json::Value {
    let table: String = escape::slack(&d.table).chars().take(2_990).collect();
    serde_json::json!({
        "text": escape::slack(&digest_subject(d)),
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": digest_subject(d).chars().take(150).collect::<String>()}},
            {"type": "section", "text": {"type": "mrkdwn", "text": format!("```{table}```")}},
        ]
    })
}
