//! Everything `slo` shows people, from the same values so the formats never disagree: the
//! report as a terminal table (`table`), JSON with its generated schema (`json`, `schema`),
//! Markdown (`markdown`) and an HTML page with SVG charts (`html`, `svg`, also `slo serve`'s
//! dashboard, with its overview table `overview` and its one script `page.js`); the SLO review
//! (`review`); the alarm plan (`plan`); notification messages — e-mail, AWS Chatbot, Slack
//! Block Kit, and the review's digest (`messages`); the post-mortem draft (`postmortem`). `escape` makes outside text
//! inert for each format; `file` writes output files atomically.

pub mod escape;
pub mod file;
pub mod html;
pub mod json;
pub mod markdown;
pub mod messages;
pub mod overview;
pub mod plan;
pub mod postmortem;
pub mod review;
pub mod schema;
pub mod svg;
pub mod table;

use crate::core::deployments::RollbackTrigger;
use crate::core::incidents::Incident;
pub use crate::report::SourceSummary;
use crate::report::{DeploymentSummary, Notified, ObjectiveReport, Report};
use chrono::{DateTime, Utc};

/// Finite numbers only: JSON has no infinity, and a table should not print `inf`.
pub fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

pub fn time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// `12.3%`, `-250.0%`, or `-∞%` for a budget of zero that was spent.
pub fn percent(x: f64) -> String {
    if x == f64::NEG_INFINITY {
        "-∞%".to_owned()
    } else if x == f64::INFINITY {
        "∞%".to_owned()
    } else {
        format!("{:.1}%", x * 100.0)
    }
}

pub fn burn(x: Option<f64>) -> String {
    match x {
        None => "-".to_owned(),
        Some(v) if v.is_infinite() => "∞".to_owned(),
        Some(v) => format!("{v:.2}"),
    }
}

/// How many incidents the table and Markdown list before summing up the rest.
pub const INCIDENTS_SHOWN: usize = 10;

/// Every objective's incidents in time order; more than [`INCIDENTS_SHOWN`]: the newest
/// first, and how many older ones were left out.
pub fn incidents_to_show(report: &Report) -> (Vec<(&ObjectiveReport, &Incident)>, usize) {
    let mut all: Vec<_> = report
        .objectives
        .iter()
        .flat_map(|o| o.assessment.incidents.iter().map(move |i| (o, i)))
        .collect();
    all.sort_by(|a, b| (a.1.start, &a.0.key).cmp(&(b.1.start, &b.0.key)));
    if all.len() <= INCIDENTS_SHOWN {
        return (all, 0);
    }
    let left_out = all.len() - INCIDENTS_SHOWN;
    all.reverse();
    all.truncate(INCIDENTS_SHOWN);
    (all, left_out)
}

/// `users saw errors 2026-11-15 14:00–16:00 (2h): 28.6% of 2,400 requests failed`.
pub fn impact_phrase(o: &ObjectiveReport, i: &Incident) -> String {
    let m = &i.impact;
    let end = if m.end.date_naive() == m.start.date_naive() {
        m.end.format("%H:%M").to_string()
    } else {
        m.end.format("%Y-%m-%d %H:%M").to_string()
    };
    let (saw, failed) = match o.sli {
        crate::core::model::Sli::Availability => ("errors", "failed".to_owned()),
        crate::core::model::Sli::Latency { threshold } => (
            "slow responses",
            format!("took over {}ms", threshold.as_millis()),
        ),
    };
    format!(
        "users saw {saw} {}–{end} ({}): {} of {} requests {failed}",
        m.start.format("%Y-%m-%d %H:%M"),
        human_duration(m.duration()),
        percent(m.error_ratio()),
        m.requests,
    )
}

/// `with rollbackOnBurn, ECS would have rolled back at 14:05 and saved 41% of the budget`.
pub fn guard_phrase(a: &crate::core::correlate::Attribution) -> Option<String> {
    let g = a.guard?;
    Some(format!(
        "with rollbackOnBurn, ECS would have rolled back at {} and saved {} of the budget",
        g.would_fail_at.format("%H:%M"),
        percent(g.budget_saved)
    ))
}

/// What users saw, then the alerting span and what it cost.
pub fn incident_line(o: &ObjectiveReport, i: &Incident) -> String {
    let end = if i.ongoing {
        "ongoing".to_owned()
    } else {
        i.end.format("%Y-%m-%d %H:%M").to_string()
    };
    let severities: Vec<&str> = i.severities.iter().map(|s| s.name()).collect();
    let first_page = i.first_page.map_or(String::new(), |p| {
        format!(", first page {}", p.format("%H:%M"))
    });
    let deployment = i.deployment.as_ref().map_or(String::new(), |a| {
        let rolled_back = if a.deployment.rollback.is_some() {
            ", rolled back"
        } else {
            ""
        };
        format!(
            "; deployment {} at {}{rolled_back}{}",
            short_arn(&a.deployment.arn),
            a.deployment.start().format("%H:%M"),
            guard_phrase(a).map_or(String::new(), |g| format!("; {g}"))
        )
    });
    format!(
        "{}: {}; alerting {} → {} ({}), {}{first_page}, peak burn {}×, spent {} of the budget{deployment}",
        o.key,
        impact_phrase(o, i),
        i.start.format("%Y-%m-%d %H:%M"),
        end,
        human_duration(i.end - i.start),
        severities.join(" + "),
        burn(Some(i.peak_burn_rate)),
        percent(i.budget_spent),
    )
}

/// `checkout: deployment ecs-svc/123 (ROLLING, checkout:1.4.3) at 2026-11-15 14:00, rolled
/// back by the circuit breaker at 15:58; 45.3% of the budget burned; burn stopped after the
/// rollback`, or `…: clean`.
pub fn deployment_line(report: &Report, s: &DeploymentSummary) -> String {
    let d = &s.deployment;
    let mut what: Vec<String> = d.strategy.iter().cloned().collect();
    what.extend(d.images.iter().map(|i| {
        let name = i.image.rsplit('/').next().unwrap_or(&i.image);
        name.to_owned()
    }));
    if d.images.is_empty()
        && let Some(t) = &d.target
    {
        what.push(t.rsplit('/').next().unwrap_or(t).to_owned());
    }
    let what = if what.is_empty() {
        String::new()
    } else {
        format!(" ({})", what.join(", "))
    };
    let mut line = format!(
        "{}: deployment {}{what} at {}, {}",
        d.service,
        short_arn(&d.arn),
        d.start().format("%Y-%m-%d %H:%M"),
        d.status
    );
    if let Some(r) = &d.rollback {
        let by = match r.trigger {
            RollbackTrigger::CircuitBreaker => "the circuit breaker".to_owned(),
            RollbackTrigger::Alarm if !r.alarms.is_empty() => {
                format!("alarm {}", r.alarms.join(", "))
            }
            RollbackTrigger::Alarm => "an alarm".to_owned(),
            RollbackTrigger::Manual => "hand".to_owned(),
        };
        let when = r
            .finished_at
            .or(r.started_at)
            .map_or(String::new(), |t| format!(" at {}", t.format("%H:%M")));
        line.push_str(&format!(", rolled back by {by}{when}"));
    }
    if s.incidents == 0 {
        line.push_str("; clean");
        return line;
    }
    line.push_str(&format!(
        "; {} incident(s), {} of the budget burned",
        s.incidents,
        percent(s.budget_spent)
    ));
    let recovered = report
        .objectives
        .iter()
        .flat_map(|o| &o.assessment.incidents)
        .filter_map(|i| i.deployment.as_ref())
        .filter(|a| a.deployment.arn == d.arn)
        .map(|a| a.recovered_after_rollback)
        .collect::<Vec<_>>();
    if recovered.iter().all(|r| *r == Some(true)) {
        line.push_str("; burn stopped after the rollback");
    } else if recovered.contains(&Some(false)) {
        line.push_str("; burn went on after the rollback");
    }
    line
}

/// `ecs-svc/123` or the last part of a service deployment ARN.
pub fn short_arn(arn: &str) -> &str {
    if arn.starts_with("arn:") {
        arn.rsplit('/').next().unwrap_or(arn)
    } else {
        arn
    }
}

/// The lines under an incident: its top log templates, or why there are none.
pub fn evidence_lines(i: &Incident, shown: usize) -> Vec<String> {
    let Some(e) = &i.evidence else {
        return Vec::new();
    };
    if let Some(reason) = &e.reason {
        return vec![format!("logs of {} unavailable: {reason}", e.log_group)];
    }
    if e.top.is_empty() {
        return vec![format!("no matching log lines in {}", e.log_group)];
    }
    e.top
        .iter()
        .take(shown)
        .map(|t| {
            format!(
                "{}× {} ({} → {})",
                t.count,
                t.template,
                t.first_seen.format("%H:%M"),
                t.last_seen.format("%H:%M")
            )
        })
        .collect()
}

/// Every objective's replayed notifications, in time order.
pub fn notifications(report: &Report) -> Vec<(&ObjectiveReport, &Notified)> {
    let mut all: Vec<_> = report
        .objectives
        .iter()
        .flat_map(|o| o.notifications.iter().map(move |n| (o, n)))
        .collect();
    all.sort_by(|a, b| (a.1.notification.start, &a.0.key).cmp(&(b.1.notification.start, &b.0.key)));
    all
}

pub fn notification_line(o: &ObjectiveReport, notified: &Notified) -> String {
    let n = &notified.notification;
    let end = match n.end {
        Some(e) => format!(
            "{} ({})",
            e.format("%Y-%m-%d %H:%M"),
            human_duration(e - n.start)
        ),
        None => "still notifying".to_owned(),
    };
    let naming = notified.deployment.as_ref().map_or(String::new(), |a| {
        format!(", naming deployment {}", short_arn(&a.deployment.arn))
    });
    format!(
        "{}: {} {} → {end}{naming}",
        o.key,
        n.severity,
        n.start.format("%Y-%m-%d %H:%M"),
    )
}

pub fn sli_value(o: &ObjectiveReport) -> Option<f64> {
    let c = o.assessment.counts;
    (c.total > 0).then(|| c.good as f64 / c.total as f64)
}

/// The SLI as a percentage with three decimals, rounded down so it never looks better than it
/// is (`99.91%`); `None` with no traffic.
pub fn sli_percent(o: &ObjectiveReport) -> Option<String> {
    sli_value(o).map(|v| crate::core::ratio::format_percent((v * 100_000.0).floor() / 1000.0))
}

pub use crate::core::window::human_duration;

/// How a renderer sets out the lists under the table: headings, and the bullets of an item
/// and of the lines under it.
pub struct Layout {
    pub incidents: &'static str,
    pub deployments: &'static str,
    pub notifications: &'static str,
    pub excluded: &'static str,
    pub item: &'static str,
    pub sub_item: &'static str,
    /// Applied to every line's text: lines carry log templates and ECS's words.
    pub escape: fn(&str) -> String,
}

/// `checkout/availability: 2026-11-08 02:00 → 04:00 (2h) excluded, database upgrade: 120
/// requests (3 bad) not counted`.
pub fn excluded_line(o: &ObjectiveReport, e: &crate::report::Excluded) -> String {
    format!(
        "{}: {} → {} ({}) excluded, {}: {} request(s) ({} bad) not counted",
        o.key,
        e.range.start.format("%Y-%m-%d %H:%M"),
        time(e.range.end),
        human_duration(e.range.end - e.range.start),
        e.reason,
        e.requests,
        e.bad
    )
}

/// Incidents (with their evidence), deployments, excluded spans and replayed notifications.
pub fn sections(report: &Report, layout: &Layout) -> String {
    let mut out = String::new();
    let (incidents, left_out) = incidents_to_show(report);
    if !incidents.is_empty() {
        out.push_str(layout.incidents);
        for (o, i) in incidents {
            out.push_str(&format!(
                "{}{}\n",
                layout.item,
                (layout.escape)(&incident_line(o, i))
            ));
            for e in evidence_lines(i, 3) {
                out.push_str(&format!("{}{}\n", layout.sub_item, (layout.escape)(&e)));
            }
        }
        if left_out > 0 {
            out.push_str(&format!(
                "{}… and {left_out} older incident(s)\n",
                layout.item
            ));
        }
    }
    if !report.deployments.is_empty() {
        out.push_str(layout.deployments);
        for d in &report.deployments {
            out.push_str(&format!(
                "{}{}\n",
                layout.item,
                (layout.escape)(&deployment_line(report, d))
            ));
        }
    }
    let excluded: Vec<(&ObjectiveReport, &crate::report::Excluded)> = report
        .objectives
        .iter()
        .flat_map(|o| o.excluded.iter().map(move |e| (o, e)))
        .collect();
    if !excluded.is_empty() {
        out.push_str(layout.excluded);
        for (o, e) in excluded {
            out.push_str(&format!(
                "{}{}\n",
                layout.item,
                (layout.escape)(&excluded_line(o, e))
            ));
        }
    }
    let sent = notifications(report);
    if !sent.is_empty() {
        out.push_str(layout.notifications);
        for (o, n) in sent {
            out.push_str(&format!(
                "{}{}\n",
                layout.item,
                (layout.escape)(&notification_line(o, n))
            ));
        }
    }
    out
}
