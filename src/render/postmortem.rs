//! A post-mortem draft in markdown for one incident: summary (what users saw first), the
//! response's times (to detect, to mitigate, to resolve), impact with the top failing paths,
//! timeline, evidence, the deployment, questions the data raises, links, and skeletons for the
//! root cause and the action items.

use super::escape::{self, markdown as md};
use super::{human_duration, percent, short_arn};
use crate::core::deployments::{DeploymentSource, RollbackTrigger};
use crate::core::incidents::Incident;
use crate::report::postmortem::timeline;
use crate::report::{ObjectiveReport, ServiceLinks};
use crate::source::access_log::failing::Failing;
use chrono::{DateTime, TimeDelta, Utc};

/// A circuit breaker slower than this to roll back is worth a question.
const SLOW_ROLLBACK: TimeDelta = TimeDelta::minutes(15);

/// What the post-mortem knows beyond the report: the failing requests (from access logs) and
/// the console links of the service.
#[derive(Default)]
pub struct Extras<'a> {
    pub failing: Option<&'a Failing>,
    pub links: Option<&'a ServiceLinks>,
}

/// When the errors were mitigated, and how: the rollback's end when it came before the
/// errors stopped, else the impact's end.
fn mitigated(i: &Incident) -> (DateTime<Utc>, &'static str) {
    let rollback = i
        .deployment
        .as_ref()
        .and_then(|a| a.deployment.rollback.as_ref())
        .and_then(|r| r.finished_at)
        .filter(|f| *f >= i.impact.start && *f <= i.impact.end);
    match rollback {
        Some(f) => (f, "rollback finished"),
        None => (i.impact.end, "errors back under the budget rate"),
    }
}

pub fn render(
    o: &ObjectiveReport,
    i: &Incident,
    others: &[(&ObjectiveReport, &Incident)],
    extras: &Extras<'_>,
) -> String {
    let day = i.start.format("%Y-%m-%d");
    let hm = |t: chrono::DateTime<chrono::Utc>| t.format("%H:%M").to_string();
    let mut out = format!(
        "# Post-mortem draft: {} {}, {day}\n\n*Drafted by `slo postmortem` from the SLO data. Times are UTC. Fill in what is marked TODO.*\n\n## Summary\n\n",
        o.key.service, o.key.objective
    );
    let window = o.window.to_string();
    let mut summary = format!("{}. ", capitalized(&super::impact_phrase(o, i)));
    summary.push_str(&format!(
        "{} {} burned {} of its {window} error budget; the alarms' tiers fired from {} to {}{} ({}).",
        o.key.service,
        o.key.objective,
        percent(i.budget_spent),
        hm(i.start),
        if i.ongoing {
            "now".to_owned()
        } else {
            hm(i.end)
        },
        if i.end.date_naive() != i.start.date_naive() {
            format!(" on {}", i.end.format("%Y-%m-%d"))
        } else {
            String::new()
        },
        human_duration(i.end - i.start),
    ));
    if let Some(p) = i.first_page {
        summary.push_str(&format!(" It paged at {}.", hm(p)));
    }
    if let Some(a) = &i.deployment {
        let d = &a.deployment;
        summary.push_str(&format!(
            " It followed deployment {} at {}",
            short_arn(&d.arn),
            hm(d.start())
        ));
        if let Some(r) = &d.rollback {
            summary.push_str(&format!(
                ", rolled back by {}{}",
                match r.trigger {
                    crate::core::deployments::RollbackTrigger::CircuitBreaker =>
                        "the ECS circuit breaker",
                    crate::core::deployments::RollbackTrigger::Alarm => "an alarm",
                    crate::core::deployments::RollbackTrigger::Manual => "hand",
                },
                r.finished_at
                    .map_or(String::new(), |t| format!(" at {}", hm(t)))
            ));
        }
        summary.push_str(match a.recovered_after_rollback {
            Some(true) => "; the burn stopped after the rollback.",
            Some(false) => "; the burn went on after the rollback.",
            None => ".",
        });
        if let Some(g) = super::guard_phrase(a) {
            let mut c = g.chars();
            let g: String = c
                .next()
                .map_or(String::new(), |f| f.to_uppercase().chain(c).collect());
            summary.push_str(&format!(" {g}."));
        }
    }
    out.push_str(&summary);
    out.push_str(
        "\n\n## Response\n\n| measure | time | from the impact's start |\n|---|---|---|\n",
    );
    let since = |t: DateTime<Utc>| human_duration(t - i.impact.start);
    out.push_str(&format!(
        "| impact started (first minute of errors above the budget rate) | {} | 0m |\n",
        hm(i.impact.start)
    ));
    match i.first_page {
        Some(p) => out.push_str(&format!(
            "| time to detect (first page) | {} | {} |\n",
            hm(p),
            since(p)
        )),
        None => out.push_str("| time to detect (first page) | never paged (tickets only) | - |\n"),
    }
    let (m, how) = mitigated(i);
    out.push_str(&format!(
        "| time to mitigate ({how}) | {} | {} |\n",
        hm(m),
        since(m)
    ));
    if i.ongoing {
        out.push_str("| time to resolve (no tier firing) | still firing | - |\n");
    } else {
        out.push_str(&format!(
            "| time to resolve (no tier firing) | {} | {} |\n",
            hm(i.end),
            since(i.end)
        ));
    }
    out.push_str("\n## Impact\n\n");
    out.push_str(&format!(
        "- Requests affected: {} of {} ({}) from {} to {}\n",
        i.impact.bad_events,
        i.impact.requests,
        percent(i.impact.error_ratio()),
        hm(i.impact.start),
        hm(i.impact.end)
    ));
    let c = i.counts;
    out.push_str(&format!(
        "- Bad requests over the whole alerting span: {} of {} ({}), from one short window before the first tier fired to the last one stopping\n",
        c.bad(),
        c.total,
        if c.total > 0 {
            format!("{:.1}%", 100.0 * c.bad() as f64 / c.total as f64)
        } else {
            "-".to_owned()
        }
    ));
    out.push_str(&format!(
        "- Error budget spent: {} of the {window} allowance\n",
        percent(i.budget_spent)
    ));
    if let (Some(a), Some(b)) = (i.first_bad, i.last_bad) {
        out.push_str(&format!(
            "- First and last bad request of the span: {} and {}\n",
            hm(a),
            hm(b + chrono::TimeDelta::minutes(1)),
        ));
    }
    out.push_str(&format!(
        "- Severities: {}; peak burn rate {:.1}×\n",
        i.severities
            .iter()
            .map(|s| s.name())
            .collect::<Vec<_>>()
            .join(", "),
        i.peak_burn_rate
    ));
    for (other, oi) in others {
        out.push_str(&format!(
            "- Also burning: {} {} → {}, {} of its budget\n",
            other.key,
            hm(oi.start),
            hm(oi.end),
            percent(oi.budget_spent)
        ));
    }
    out.push_str(&failing_section(extras.failing));
    out.push_str("\n## Timeline (UTC)\n\n| time | event |\n|---|---|\n");
    for e in timeline(o, i) {
        out.push_str(&format!(
            "| {} | {} |\n",
            e.at.format("%Y-%m-%d %H:%M"),
            md(&e.what)
        ));
    }
    out.push_str("\n## Evidence\n\n");
    match &i.evidence {
        None => out.push_str(
            "No application logs were read (give `--app-logs`, or `ecs.logGroup` online).\n",
        ),
        Some(e) if e.reason.is_some() => out.push_str(&format!(
            "The logs of {} could not be read: {}.\n",
            md(&e.log_group),
            md(e.reason.as_deref().unwrap_or_default())
        )),
        Some(e) if e.top.is_empty() => {
            out.push_str(&format!("No matching lines in {}.\n", md(&e.log_group)))
        }
        Some(e) => {
            out.push_str(&format!(
                "Top log templates in {} from {} to {}:\n\n| count | first | last | template |\n|---|---|---|---|\n",
                md(&e.log_group),
                hm(e.from),
                hm(e.to)
            ));
            for t in &e.top {
                out.push_str(&format!(
                    "| {} | {} | {} | `{}` |\n",
                    t.count,
                    hm(t.first_seen),
                    hm(t.last_seen),
                    escape::markdown_code(&t.template)
                ));
            }
            if let Some(t) = e.top.first() {
                out.push_str(&format!(
                    "\nSample: `{}`\n",
                    escape::markdown_code(&t.sample)
                ));
            }
        }
    }
    out.push_str("\n## Deployment\n\n");
    match &i.deployment {
        None if matches!(
            o.deployments_source,
            DeploymentSource::None | DeploymentSource::Unavailable
        ) =>
        {
            out.push_str("No deployments were read (give `--deployments FILE`, or `ecs:` in the spec with access to ECS): whether a deployment caused this is unknown.\n")
        }
        None => out.push_str("No deployment of the service was in progress or had just started.\n"),
        Some(a) => {
            let d = &a.deployment;
            out.push_str(&format!("- {}: {}", md(&d.arn), md(&d.status)));
            if let Some(s) = &d.strategy {
                out.push_str(&format!(", {}", md(s)));
            }
            out.push('\n');
            for im in &d.images {
                out.push_str(&format!(
                    "- image {}{}\n",
                    md(&im.image),
                    im.digest
                        .as_ref()
                        .map_or(String::new(), |g| format!(" ({})", md(g)))
                ));
            }
            if let Some(r) = &d.rollback {
                out.push_str(&format!(
                    "- rolled back ({}){}\n",
                    r.trigger.name().replace('_', " "),
                    r.reason
                        .as_ref()
                        .map_or(String::new(), |x| format!(": {}", md(x)))
                ));
            }
            out.push_str(&format!(
                "- budget spent from its start to the end of the incident: {}\n",
                percent(a.budget_spent)
            ));
        }
    }
    out.push_str(&questions(i));
    if let Some(l) = extras.links {
        out.push_str("\n## Links\n\n");
        if let Some(d) = &l.dashboard {
            out.push_str(&format!("- [Dashboard]({d})\n"));
        }
        for (name, url) in &l.alarms {
            out.push_str(&format!("- [Alarm {}]({url})\n", md(name)));
        }
    }
    out.push_str("\n## Root cause\n\nTODO: what changed, why it failed, why the safeguards did or did not catch it.\n\n## Action items\n\n| action | owner | priority | ticket |\n|---|---|---|---|\n| TODO | | | |\n");
    out
}

fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map_or(String::new(), |f| f.to_uppercase().chain(c).collect())
}

/// The top failing paths and status codes, from the access logs over the impact.
fn failing_section(failing: Option<&Failing>) -> String {
    let Some(f) = failing else {
        return "- Failing paths: no access logs were given (`--access-logs`)\n".to_owned();
    };
    let mut out = String::new();
    if f.top.is_empty() {
        out.push_str("- Failing paths: no bad request of the impact's span in the access logs\n");
    } else {
        out.push_str(&format!(
            "\nTop failing requests over the impact ({} bad in all):\n\n| count | status | method | path |\n|---|---|---|---|\n",
            f.bad
        ));
        for p in &f.top {
            out.push_str(&format!(
                "| {} | {} | {} | `{}` |\n",
                p.count,
                p.status.map_or("-".to_owned(), |s| s.to_string()),
                md(&p.method),
                escape::markdown_code(&p.path)
            ));
        }
    }
    for u in &f.unreadable {
        out.push_str(&format!("- Not read: {}\n", md(u)));
    }
    out
}

/// What the data asks of the people writing the post-mortem.
fn questions(i: &Incident) -> String {
    let mut asked = Vec::new();
    if let Some(a) = &i.deployment
        && let Some(r) = &a.deployment.rollback
        && r.trigger == RollbackTrigger::CircuitBreaker
        && let Some(started) = r.started_at
        && started - i.impact.start > SLOW_ROLLBACK
    {
        asked.push(format!(
            "The ECS circuit breaker started the rollback {} after users first saw errors: why so late? (It counts tasks that fail to start, not tasks that answer with errors; ECS deployment alarms on the burn rate act on errors.)",
            human_duration(started - i.impact.start)
        ));
    }
    if i.first_page.is_none() {
        asked.push("Nothing paged: should this incident have?".to_owned());
    } else if let Some(p) = i.first_page
        && p - i.impact.start > TimeDelta::minutes(15)
    {
        asked.push(format!(
            "The first page came {} after the impact started: are the tiers fast enough for this service?",
            human_duration(p - i.impact.start)
        ));
    }
    if asked.is_empty() {
        return String::new();
    }
    let mut out = "\n## Questions\n\n".to_owned();
    for q in asked {
        out.push_str(&format!("- {}\n", md(&q)));
    }
    out
}
