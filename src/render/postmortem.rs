//! A post-mortem draft in markdown for one incident: summary, impact, timeline, evidence, the
//! deployment, and headings left for the root cause and the action items.

use super::escape::{self, markdown as md};
use super::{human_duration, percent, short_arn};
use crate::core::incidents::Incident;
use crate::report::ObjectiveReport;
use crate::report::postmortem::timeline;

pub fn render(
    o: &ObjectiveReport,
    i: &Incident,
    others: &[(&ObjectiveReport, &Incident)],
) -> String {
    let day = i.start.format("%Y-%m-%d");
    let hm = |t: chrono::DateTime<chrono::Utc>| t.format("%H:%M").to_string();
    let mut out = format!(
        "# Post-mortem draft: {} {}, {day}\n\n*Drafted by `slo postmortem` from the SLO data. Times are UTC. Fill in what is marked TODO.*\n\n## Summary\n\n",
        o.key.service, o.key.objective
    );
    let window = o.window.to_string();
    let mut summary = format!(
        "{} {} burned {} of its {window} error budget from {} to {}{} ({}).",
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
    );
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
    }
    out.push_str(&summary);
    out.push_str("\n\n## Impact\n\n");
    let c = i.counts;
    out.push_str(&format!(
        "- Bad requests: {} of {} ({}) from one short window before the start to the end\n",
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
            "- Users saw errors from {} to {} ({})\n",
            hm(a),
            hm(b + chrono::TimeDelta::minutes(1)),
            human_duration(b + chrono::TimeDelta::minutes(1) - a)
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
    out.push_str("\n## Root cause\n\nTODO: what changed, why it failed, why the safeguards did or did not catch it.\n\n## Action items\n\n- [ ] TODO\n");
    out
}
