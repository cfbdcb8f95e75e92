//! Alarms as code, the part that talks to a store: read what exists, plan against the desired
//! alarms, apply the plan. `slo plan`, `slo apply` and `slo serve` share it.

use crate::aws::{AlarmStore, AwsError, MetricFilterStore};
use crate::core::alarms::mute::{self, MuteRule, MuteRuleChange};
use crate::core::alarms::{
    self, Alarm, AlarmPlan, Change, DashboardChange, FilterChange, FilterPlan, MetricFilter, naming,
};
use std::collections::{BTreeMap, BTreeSet};

/// The filters that turn the store's `slo-…` filters into `desired`; `owned`: each planned
/// service's log group (see [`alarms::plan_filters`]).
pub async fn plan_filters<S: MetricFilterStore>(
    store: &S,
    desired: &[MetricFilter],
    owned: &BTreeMap<String, String>,
) -> Result<FilterPlan, AwsError> {
    let existing = store.list_filters(naming::FILTER_PREFIX).await?;
    let mut missing = BTreeSet::new();
    for group in desired
        .iter()
        .map(|f| &f.log_group)
        .collect::<BTreeSet<_>>()
    {
        if !store.log_group_exists(group).await? {
            missing.insert(group.clone());
        }
    }
    let changes = alarms::plan_filters(desired, &existing, owned)
        .into_iter()
        .filter(|c| !(matches!(c, FilterChange::Put { .. }) && missing.contains(c.log_group())))
        .collect();
    Ok(FilterPlan {
        changes,
        missing_log_groups: missing.into_iter().collect(),
    })
}

/// Puts and deletes the filters of `plan`. Returns the changes made.
pub async fn apply_filters<S: MetricFilterStore>(
    plan: &FilterPlan,
    store: &S,
) -> Result<usize, ApplyError> {
    let total = plan.changes.len();
    for (done, change) in plan.changes.iter().enumerate() {
        let result = match change {
            FilterChange::Put { filter, .. } => store.put_filter(filter).await,
            FilterChange::Delete { name, log_group } => store.delete_filter(name, log_group).await,
        };
        result.map_err(|source| ApplyError::Failed {
            verb: if matches!(change, FilterChange::Delete { .. }) {
                "delete metric filter"
            } else {
                "put metric filter"
            },
            alarm: change.name().to_owned(),
            done,
            total,
            source,
        })?;
    }
    Ok(total)
}

#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error(
        "{0} alarm name(s) slo needs belong to alarms it does not manage; rename or remove them (nothing was changed)"
    )]
    Conflicts(usize),
    #[error("could not {verb} {alarm} after {done} of {total} changes; run apply again to finish")]
    Failed {
        verb: &'static str,
        alarm: String,
        done: usize,
        total: usize,
        #[source]
        source: AwsError,
    },
}

/// The plan that turns the store's alarms of `services` into `desired`.
pub async fn plan<S: AlarmStore>(
    store: &S,
    desired: &[Alarm],
    services: &BTreeSet<String>,
) -> Result<AlarmPlan, AwsError> {
    let existing = store.list(naming::PREFIX).await?;
    Ok(alarms::plan(desired, &existing, services))
}

/// Executes `plan` in its order (children before the composites that name them), deletions
/// last and composites first. Stops at the first failure, saying how far it got: the next
/// plan and apply complete it. Returns the number of changes made.
pub async fn apply<S: AlarmStore>(plan: &AlarmPlan, store: &S) -> Result<usize, ApplyError> {
    if !plan.conflicts.is_empty() {
        return Err(ApplyError::Conflicts(plan.conflicts.len()));
    }
    let total = plan.changes.len();
    let mut done = 0;
    let failed = |verb, alarm: &str, done, source| ApplyError::Failed {
        verb,
        alarm: alarm.to_owned(),
        done,
        total,
        source,
    };
    let (puts, deletes): (Vec<&Change>, Vec<&Change>) = plan
        .changes
        .iter()
        .partition(|c| !matches!(c, Change::Delete { .. }));
    for change in puts {
        let (alarm, retag) = match change {
            Change::Create(alarm) => (alarm, false),
            Change::Update { alarm, fields } => (alarm, fields.contains(&"Tags")),
            Change::Delete { .. } => continue,
        };
        store
            .put(alarm, retag)
            .await
            .map_err(|e| failed("put", alarm.name(), done, e))?;
        done += 1;
    }
    // One delete a call keeps the plan's order: composites before the alarms they name.
    for change in deletes {
        store
            .delete(std::slice::from_ref(&change.name().to_owned()))
            .await
            .map_err(|e| failed("delete", change.name(), done, e))?;
        done += 1;
    }
    Ok(done)
}

/// The mute rules that turn the store's `slo-…` rules into `desired` (see
/// [`crate::core::alarms::mute::plan_mute_rules`]: only rules tagged as ours are touched).
pub async fn plan_mute_rules<S: crate::aws::alarms::MuteRuleStore>(
    store: &S,
    desired: &[MuteRule],
    services: &BTreeSet<String>,
) -> Result<Vec<MuteRuleChange>, AwsError> {
    let existing = store.list_mute_rules(mute::MUTE_RULE_PREFIX).await?;
    Ok(mute::plan_mute_rules(desired, &existing, services))
}

/// The deletions of `changes` (`deletes`: before the alarms they name go) or the puts (after
/// the alarms they name exist). Returns the changes made.
pub async fn apply_mute_rules<S: crate::aws::alarms::MuteRuleStore>(
    changes: &[MuteRuleChange],
    store: &S,
    deletes: bool,
) -> Result<usize, ApplyError> {
    let chosen: Vec<&MuteRuleChange> = changes
        .iter()
        .filter(|c| matches!(c, MuteRuleChange::Delete { .. }) == deletes)
        .collect();
    for (done, c) in chosen.iter().enumerate() {
        let result = match c {
            MuteRuleChange::Put { rule, .. } => store.put_mute_rule(rule).await,
            MuteRuleChange::Delete { name } => store.delete_mute_rule(name).await,
        };
        result.map_err(|source| ApplyError::Failed {
            verb: if deletes {
                "delete mute rule"
            } else {
                "put mute rule"
            },
            alarm: c.name().to_owned(),
            done,
            total: chosen.len(),
            source,
        })?;
    }
    Ok(chosen.len())
}

/// The dashboards that turn the store's into `desired`. `slo` owns exactly the names
/// `slo-<service>` of the planned services (dashboard tags cannot be relied on): another
/// dashboard is never touched. Bodies are compared parsed, not as strings.
pub async fn plan_dashboards<S: crate::aws::alarms::DashboardStore>(
    store: &S,
    desired: &[crate::core::alarms::dashboard::Dashboard],
    services: &BTreeSet<String>,
) -> Result<Vec<DashboardChange>, AwsError> {
    let existing = store.list_dashboards("slo-").await?;
    let mut out = Vec::new();
    for d in desired {
        match existing.iter().find(|(n, _)| *n == d.name) {
            None => out.push(DashboardChange::Put {
                dashboard: d.clone(),
                create: true,
            }),
            Some((_, body)) if *body != d.body => out.push(DashboardChange::Put {
                dashboard: d.clone(),
                create: false,
            }),
            Some(_) => {}
        }
    }
    for (name, _) in &existing {
        let ours = services.iter().any(|s| {
            crate::core::alarms::dashboard::dashboard_name(s)
                .ok()
                .as_ref()
                == Some(name)
        });
        if ours && !desired.iter().any(|d| &d.name == name) {
            out.push(DashboardChange::Delete { name: name.clone() });
        }
    }
    Ok(out)
}

pub async fn apply_dashboards<S: crate::aws::alarms::DashboardStore>(
    changes: &[DashboardChange],
    store: &S,
) -> Result<usize, ApplyError> {
    for (done, c) in changes.iter().enumerate() {
        let result = match c {
            DashboardChange::Put { dashboard, .. } => {
                store.put_dashboard(&dashboard.name, &dashboard.body).await
            }
            DashboardChange::Delete { name } => store.delete_dashboard(name).await,
        };
        result.map_err(|source| ApplyError::Failed {
            verb: "put dashboard",
            alarm: c.name().to_owned(),
            done,
            total: changes.len(),
            source,
        })?;
    }
    Ok(changes.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::ErrorKind;
    use crate::aws::failing::{FailOn, Failing};
    use crate::aws::memory::MemoryAlarms;
    use crate::spec::diag::Diagnostics;
    use crate::spec::load::parse_spec;
    use std::path::Path;

    fn desired(target: &str) -> Vec<Alarm> {
        let text = format!(
            "apiVersion: slo/v1\nservice: checkout\nalb:\n  loadBalancer: app/shop/50dc6c495c0c9188\necs: {{ cluster: prod, service: checkout }}\nwindow: 30d\nobjectives:\n  - {{ name: availability, sli: availability, target: {target} }}\n"
        );
        let mut d = Diagnostics::new(Path::new("t.yaml"));
        let slo = parse_spec(text.as_bytes(), &mut d).unwrap().0;
        alarms::desired_alarms(&slo).unwrap()
    }

    fn services() -> BTreeSet<String> {
        ["checkout".to_owned()].into()
    }

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(f)
    }

    #[test]
    fn a_failure_half_way_says_how_far_it_got_and_the_next_apply_finishes() {
        block_on(async {
            let want = desired("99.9%");
            let store = Failing::kth(MemoryAlarms::default(), 4, ErrorKind::Throttled);
            let p = plan(&store, &want, &services()).await.unwrap();
            assert_eq!(p.changes.len(), want.len());
            // Call 1 was the list; calls 2 and 3 put two alarms; call 4 is throttled.
            let err = apply(&p, &store).await.unwrap_err();
            let ApplyError::Failed { done, source, .. } = &err else {
                panic!("{err}")
            };
            assert_eq!(*done, 2);
            assert_eq!(source.kind, ErrorKind::Throttled);
            assert_eq!(store.inner.snapshot().len(), 2);
            let p = plan(&store, &want, &services()).await.unwrap();
            assert_eq!(p.changes.len(), want.len() - 2);
            assert_eq!(apply(&p, &store).await.unwrap(), want.len() - 2);
            assert!(plan(&store, &want, &services()).await.unwrap().is_empty());
        });
    }

    #[test]
    fn a_changed_target_updates_only_the_burn_alarms_and_denied_access_changes_nothing() {
        block_on(async {
            let store = MemoryAlarms::default();
            let p = plan(&store, &desired("99.9%"), &services()).await.unwrap();
            apply(&p, &store).await.unwrap();
            let before = store.snapshot();
            let want = desired("99.5%");
            let denied = Failing::new(store, FailOn::From(2), ErrorKind::AccessDenied);
            let p = plan(&denied, &want, &services()).await.unwrap();
            // Every burn-rate window alarm changes threshold; infra alarms do not.
            assert!(
                p.changes
                    .iter()
                    .all(|c| c.action() == alarms::Action::Update)
            );
            assert!(p.changes.iter().all(|c| !c.name().contains(":infra:")));
            let err = apply(&p, &denied).await.unwrap_err();
            assert!(matches!(
                err,
                ApplyError::Failed {
                    done: 0,
                    source: AwsError {
                        kind: ErrorKind::AccessDenied,
                        ..
                    },
                    ..
                }
            ));
            assert_eq!(denied.inner.snapshot(), before);
        });
    }
}
