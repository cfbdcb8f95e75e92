//! Desired alarms against existing ones: what to create, update and delete, in an order
//! CloudWatch accepts. Only alarms tagged as `slo`'s, for the services being planned, are ever
//! updated or deleted.

use super::model::{Alarm, MetricFilter};
use super::naming;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Create,
    Update,
    Delete,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Delete => "delete",
        }
    }
}

/// One step of a plan. Only creates and updates carry an alarm to put.
#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    Create(Alarm),
    /// `fields`: the AWS names of the fields that differ.
    Update {
        alarm: Alarm,
        fields: Vec<&'static str>,
    },
    Delete {
        name: String,
        composite: bool,
    },
}

impl Change {
    pub fn action(&self) -> Action {
        match self {
            Change::Create(_) => Action::Create,
            Change::Update { .. } => Action::Update,
            Change::Delete { .. } => Action::Delete,
        }
    }

    pub fn name(&self) -> &str {
        match self {
            Change::Create(a) | Change::Update { alarm: a, .. } => a.name(),
            Change::Delete { name, .. } => name,
        }
    }

    pub fn is_composite(&self) -> bool {
        match self {
            Change::Create(a) | Change::Update { alarm: a, .. } => a.is_composite(),
            Change::Delete { composite, .. } => *composite,
        }
    }

    /// For updates, the fields that differ; empty otherwise.
    pub fn fields(&self) -> &[&'static str] {
        match self {
            Change::Update { fields, .. } => fields,
            _ => &[],
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct AlarmPlan {
    /// In the order they must be applied.
    pub changes: Vec<Change>,
    pub unchanged: usize,
    /// Names `slo` wants that an alarm it does not manage already has: never touched.
    pub conflicts: Vec<String>,
}

impl AlarmPlan {
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }
}

/// Plans the changes that turn `existing` into `desired` for `services`.
pub fn plan(desired: &[Alarm], existing: &[Alarm], services: &BTreeSet<String>) -> AlarmPlan {
    let existing_by_name: BTreeMap<&str, &Alarm> = existing.iter().map(|a| (a.name(), a)).collect();
    let desired_names: BTreeSet<&str> = desired.iter().map(Alarm::name).collect();
    let mut puts = Vec::new();
    let mut unchanged = 0;
    let mut conflicts = Vec::new();
    for d in desired {
        let service = d.tags().get(naming::TAG_SERVICE).map_or("", String::as_str);
        match existing_by_name.get(d.name()) {
            None => puts.push(Change::Create(d.clone())),
            Some(e) if !naming::is_managed_for(e.tags(), service) => {
                conflicts.push(d.name().to_owned())
            }
            Some(e) => {
                let fields = e.differences(d);
                if fields.is_empty() {
                    unchanged += 1;
                } else {
                    puts.push(Change::Update {
                        alarm: d.clone(),
                        fields,
                    });
                }
            }
        }
    }
    let mut deletes: Vec<Change> = existing
        .iter()
        .filter(|e| !desired_names.contains(e.name()))
        .filter(|e| services.iter().any(|s| naming::is_managed_for(e.tags(), s)))
        .map(|e| Change::Delete {
            name: e.name().to_owned(),
            composite: e.is_composite(),
        })
        .collect();
    // Children before the composites that name them; deletions the other way round.
    let order = dependency_order(desired.iter().chain(existing));
    let depth = |c: &Change| order.get(c.name()).copied().unwrap_or(0);
    puts.sort_by_key(|c| (c.is_composite(), depth(c)));
    deletes.sort_by_key(|c| (!c.is_composite(), std::cmp::Reverse(depth(c))));
    puts.extend(deletes);
    AlarmPlan {
        changes: puts,
        unchanged,
        conflicts,
    }
}

/// A metric filter to put (create or replace: a put with the same name replaces it) or delete.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FilterChange {
    Put { filter: MetricFilter, create: bool },
    Delete { name: String, log_group: String },
}

impl FilterChange {
    pub fn action(&self) -> Action {
        match self {
            FilterChange::Put { create: true, .. } => Action::Create,
            FilterChange::Put { .. } => Action::Update,
            FilterChange::Delete { .. } => Action::Delete,
        }
    }

    pub fn name(&self) -> &str {
        match self {
            FilterChange::Put { filter, .. } => &filter.name,
            FilterChange::Delete { name, .. } => name,
        }
    }

    pub fn log_group(&self) -> &str {
        match self {
            FilterChange::Put { filter, .. } => &filter.log_group,
            FilterChange::Delete { log_group, .. } => log_group,
        }
    }
}

/// The changes that turn `existing` filters (named `slo-…`) into `desired`. `owned`: each
/// planned service's log group. A filter is deleted only when its name starts with
/// `slo-<service>-` *and* it is on that service's log group: names alone are ambiguous (service
/// names may hold `-`), and filters cannot be tagged.
pub fn plan_filters(
    desired: &[MetricFilter],
    existing: &[MetricFilter],
    owned: &BTreeMap<String, String>,
) -> Vec<FilterChange> {
    let mut out = Vec::new();
    for d in desired {
        match existing
            .iter()
            .find(|e| e.name == d.name && e.log_group == d.log_group)
        {
            None => out.push(FilterChange::Put {
                filter: d.clone(),
                create: true,
            }),
            Some(e) if e != d => out.push(FilterChange::Put {
                filter: d.clone(),
                create: false,
            }),
            Some(_) => {}
        }
    }
    let ours = |f: &MetricFilter| {
        owned.iter().any(|(service, group)| {
            *group == f.log_group
                && f.name
                    .starts_with(&format!("{}{service}-", naming::FILTER_PREFIX))
        })
    };
    for e in existing {
        let wanted = desired
            .iter()
            .any(|d| d.name == e.name && d.log_group == e.log_group);
        if !wanted && ours(e) {
            out.push(FilterChange::Delete {
                name: e.name.clone(),
                log_group: e.log_group.clone(),
            });
        }
    }
    out
}

/// Depth of each alarm in the "refers to" graph: 0 for alarms that refer to nothing, one more
/// than the deepest alarm referred to otherwise.
fn dependency_order<'a>(alarms: impl Iterator<Item = &'a Alarm>) -> BTreeMap<&'a str, usize> {
    let deps: BTreeMap<&str, Vec<String>> = alarms.map(|a| (a.name(), a.depends_on())).collect();
    let mut depth: BTreeMap<&str, usize> = BTreeMap::new();
    fn visit<'a>(
        name: &'a str,
        deps: &BTreeMap<&'a str, Vec<String>>,
        depth: &mut BTreeMap<&'a str, usize>,
        guard: usize,
    ) -> usize {
        if let Some(d) = depth.get(name) {
            return *d;
        }
        let Some(children) = deps.get(name) else {
            return 0;
        };
        // A cycle cannot exist in CloudWatch; the guard keeps a malformed one from recursing forever.
        let d = if guard > 64 {
            0
        } else {
            children
                .iter()
                .filter_map(|c| deps.get_key_value(c.as_str()).map(|(k, _)| *k))
                .map(|c| visit(c, deps, depth, guard + 1) + 1)
                .max()
                .unwrap_or(0)
        };
        depth.insert(name, d);
        d
    }
    for name in deps.keys() {
        visit(name, &deps, &mut depth, 0);
    }
    depth
}

/// The metric-filter half of a plan: what to change, and the log groups that do not exist
/// (their filters are skipped, with a warning).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FilterPlan {
    pub changes: Vec<FilterChange>,
    pub missing_log_groups: Vec<String>,
}

/// A dashboard to put or delete.
#[derive(Clone, Debug, PartialEq)]
pub enum DashboardChange {
    Put {
        dashboard: super::dashboard::Dashboard,
        create: bool,
    },
    Delete {
        name: String,
    },
}

impl DashboardChange {
    pub fn action(&self) -> Action {
        match self {
            DashboardChange::Put { create: true, .. } => Action::Create,
            DashboardChange::Put { .. } => Action::Update,
            DashboardChange::Delete { .. } => Action::Delete,
        }
    }

    pub fn name(&self) -> &str {
        match self {
            DashboardChange::Put { dashboard, .. } => &dashboard.name,
            DashboardChange::Delete { name } => name,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::alarms::model::*;
    use crate::core::alarms::naming;

    fn metric(name: &str, service: &str) -> Alarm {
        Alarm::Metric(MetricAlarm {
            name: name.into(),
            description: "d".into(),
            source: AlarmSource::Math {
                expression: "m1".into(),
                metrics: vec![],
            },
            comparison: Comparison::GreaterThanOrEqualToThreshold,
            threshold: 1.0,
            evaluation_periods: 1,
            datapoints_to_alarm: 1,
            treat_missing_data: TreatMissingData::NotBreaching,
            evaluation_window: EvaluationWindow::Sliding,
            alarm_actions: vec![],
            ok_actions: vec![],
            tags: naming::tags(service, Some("o"), Some("t")),
        })
    }

    fn composite(name: &str, children: [&str; 2], suppressor: Option<&str>) -> Alarm {
        Alarm::Composite(CompositeAlarm {
            name: name.into(),
            description: "d".into(),
            rule: Rule::And(vec![Rule::alarm(children[0]), Rule::alarm(children[1])]),
            alarm_actions: vec![],
            ok_actions: vec![],
            suppressor: suppressor.map(|s| Suppressor {
                alarm: s.into(),
                wait_period_secs: 300,
                extension_period_secs: 300,
            }),
            tags: naming::tags("svc", Some("o"), Some("t")),
        })
    }

    fn set() -> Vec<Alarm> {
        vec![
            composite(
                "slo:svc:o:slow",
                ["slo:svc:o:slow:6h", "slo:svc:o:slow:30m"],
                Some("slo:svc:o:fast"),
            ),
            composite(
                "slo:svc:o:fast",
                ["slo:svc:o:fast:1h", "slo:svc:o:fast:5m"],
                None,
            ),
            metric("slo:svc:o:fast:1h", "svc"),
            metric("slo:svc:o:fast:5m", "svc"),
            metric("slo:svc:o:slow:6h", "svc"),
            metric("slo:svc:o:slow:30m", "svc"),
        ]
    }

    fn services() -> BTreeSet<String> {
        ["svc".to_owned()].into()
    }

    #[test]
    fn children_are_created_before_composites_and_suppressors_before_their_users() {
        let p = plan(&set(), &[], &services());
        let names: Vec<&str> = p.changes.iter().map(Change::name).collect();
        let at = |n: &str| names.iter().position(|x| *x == n).unwrap();
        assert!(at("slo:svc:o:fast:1h") < at("slo:svc:o:fast"));
        assert!(at("slo:svc:o:fast") < at("slo:svc:o:slow"));
        assert!(p.changes.iter().all(|c| c.action() == Action::Create));
    }

    #[test]
    fn deleting_removes_composites_before_what_they_name() {
        let p = plan(&[], &set(), &services());
        let names: Vec<&str> = p.changes.iter().map(Change::name).collect();
        assert_eq!(&names[..2], &["slo:svc:o:slow", "slo:svc:o:fast"]);
        assert!(p.changes.iter().all(|c| c.action() == Action::Delete));
    }

    #[test]
    fn an_identical_set_is_unchanged_and_a_changed_field_is_named() {
        assert!(plan(&set(), &set(), &services()).is_empty());
        let mut changed = set();
        if let Alarm::Metric(m) = &mut changed[2] {
            m.threshold = 2.0;
        }
        let p = plan(&changed, &set(), &services());
        assert_eq!(p.changes.len(), 1);
        assert_eq!(p.changes[0].fields(), ["Threshold"]);
    }

    #[test]
    fn alarms_of_other_services_or_managers_are_never_touched() {
        let mut existing = set();
        existing.push(metric("slo:other:o:fast:1h", "other"));
        let mut foreign = metric("slo:svc:o:legacy", "svc");
        if let Alarm::Metric(m) = &mut foreign {
            m.tags.remove(naming::TAG_MANAGED_BY);
        }
        existing.push(foreign.clone());
        let p = plan(&set(), &existing, &services());
        assert!(p.is_empty(), "{p:?}");
        // A foreign alarm with a name slo wants is a conflict, not an update.
        let mut wanted = set();
        wanted.push(metric("slo:svc:o:legacy", "svc"));
        let p = plan(&wanted, &existing, &services());
        assert_eq!(p.conflicts, vec!["slo:svc:o:legacy".to_owned()]);
        assert!(p.is_empty());
    }
}

#[cfg(test)]
mod filter_tests {
    use super::*;

    fn filter(name: &str, group: &str, pattern: &str) -> MetricFilter {
        MetricFilter {
            name: name.into(),
            log_group: group.into(),
            pattern: pattern.into(),
            namespace: "SLO/Logs".into(),
            metric: name.into(),
        }
    }

    #[test]
    fn filters_are_created_replaced_and_deleted_only_when_ours() {
        let owned = BTreeMap::from([("a".to_owned(), "/ecs/a".to_owned())]);
        let want = vec![filter("slo-a-timeouts", "/ecs/a", "Timeout")];
        let existing = vec![
            filter("slo-a-timeouts", "/ecs/a", "Timeout"),
            filter("slo-a-old", "/ecs/a", "x"),
            // Service `a-b`'s, on its own group: not ours to delete, though the name fits.
            filter("slo-a-b-x", "/ecs/a-b", "x"),
            filter("team-filter", "/ecs/a", "x"),
        ];
        let changes = plan_filters(&want, &existing, &owned);
        assert_eq!(
            changes,
            vec![FilterChange::Delete {
                name: "slo-a-old".into(),
                log_group: "/ecs/a".into()
            }]
        );
        let changed = vec![filter("slo-a-timeouts", "/ecs/a", "?Timeout ?timed")];
        let changes = plan_filters(&changed, &existing[..1], &owned);
        assert_eq!(changes[0].action(), Action::Update);
        assert!(plan_filters(&want, &want, &owned).is_empty());
    }
}
