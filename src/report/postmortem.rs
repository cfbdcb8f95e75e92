//! The incident behind a post-mortem, as data: which incident covers a time, and its
//! timeline. `render::postmortem` writes the markdown.

use crate::core::incidents::Incident;
use crate::report::{ObjectiveReport, Report};
use chrono::{DateTime, Utc};

/// One line of the timeline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    pub at: DateTime<Utc>,
    pub what: String,
}

/// An objective and one of its incidents.
pub type ObjectiveIncident<'r> = (&'r ObjectiveReport, &'r Incident);

/// The incident a post-mortem is about, and the other objectives' incidents overlapping it.
pub type Covering<'r> = (
    &'r ObjectiveReport,
    &'r Incident,
    Vec<ObjectiveIncident<'r>>,
);

/// The incident of `service` that covers `t` (the one that spent the most budget, when several
/// objectives burned), with the others that overlap it.
pub fn covering<'r>(report: &'r Report, service: &str, t: DateTime<Utc>) -> Option<Covering<'r>> {
    let mut all: Vec<(&ObjectiveReport, &Incident)> = report
        .objectives
        .iter()
        .filter(|o| o.key.service == service)
        .flat_map(|o| o.assessment.incidents.iter().map(move |i| (o, i)))
        .collect();
    let (o, main) = all
        .iter()
        .filter(|(_, i)| i.start <= t && t <= i.end)
        .max_by(|a, b| a.1.budget_spent.total_cmp(&b.1.budget_spent))
        .copied()?;
    all.retain(|(other, i)| {
        !(std::ptr::eq(*other, o) && std::ptr::eq(*i, main))
            && i.start <= main.end
            && main.start <= i.end
    });
    Some((o, main, all))
}

/// What happened, in time order: deployment, first bad minute, first page, the replayed
/// notifications, rollback, the last bad minute, resolution.
pub fn timeline(o: &ObjectiveReport, i: &Incident) -> Vec<Event> {
    let mut out = Vec::new();
    let mut push = |at: Option<DateTime<Utc>>, what: String| {
        if let Some(at) = at {
            out.push(Event { at, what });
        }
    };
    if let Some(a) = &i.deployment {
        let d = &a.deployment;
        let image = d.images.first().map_or(String::new(), |im| {
            format!(" ({})", im.image.rsplit('/').next().unwrap_or(&im.image))
        });
        push(
            Some(d.start()),
            format!("deployment {} started{image}", d.arn),
        );
        if let Some(r) = &d.rollback {
            push(
                r.started_at,
                format!("rollback started ({})", r.trigger.name().replace('_', " ")),
            );
            push(r.finished_at, "rollback finished".to_owned());
        }
    }
    push(i.first_bad, "first bad request".to_owned());
    push(i.first_page, "first page-severity tier fired".to_owned());
    for n in o
        .notifications
        .iter()
        .map(|n| &n.notification)
        .filter(|n| n.start <= i.end && n.end.is_none_or(|e| e >= i.start))
    {
        push(
            Some(n.start),
            format!("the alarms would have sent a {} notification", n.severity),
        );
        push(n.end, format!("{} notification resolved", n.severity));
    }
    push(
        i.last_bad.map(|t| t + chrono::TimeDelta::minutes(1)),
        "last bad request; the burn stopped".to_owned(),
    );
    push(
        (!i.ongoing).then_some(i.end),
        "resolved: no tier firing any more".to_owned(),
    );
    out.sort_by_key(|e| e.at);
    out
}
