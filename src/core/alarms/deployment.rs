//! ECS deployment alarms as code, the pure part (`ecs.rollbackOnBurn`): what a service's
//! `deploymentConfiguration.alarms` should become so that ECS fails and rolls back a
//! deployment when the service's guard alarm fires — keeping every alarm name already there,
//! and removing only ours when the flag goes.

use super::naming;
use crate::core::model::{Ecs, RollbackOnBurn};

/// An ECS service's deployment alarms, as read, with its deployment controller.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeploymentAlarms {
    /// `ECS`, `CODE_DEPLOY`, `EXTERNAL`; `None` when the service does not say (ECS).
    pub controller: Option<String>,
    pub names: Vec<String>,
    pub enable: bool,
    pub rollback: bool,
}

/// A change to one service's deployment alarms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeploymentAlarmsChange {
    /// The spec's service.
    pub service: String,
    pub cluster: String,
    /// The ECS service's name.
    pub ecs_service: String,
    pub before: DeploymentAlarms,
    pub after: DeploymentAlarms,
}

impl DeploymentAlarmsChange {
    /// Adds the guard (else removes it): the guard alarm must exist before the service names
    /// it, and be named no more before it is deleted.
    pub fn adds_guard(&self) -> bool {
        let guard = naming::guard(&self.service);
        self.after.names.contains(&guard) && !self.before.names.contains(&guard)
    }
}

/// What the plan does about one service's deployment alarms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Planned {
    Unchanged,
    Change(DeploymentAlarmsChange),
    /// Told, not done: a deployment controller other than ECS.
    Warning(String),
    /// `rollbackOnBurn: snippet`: what to add to the team's own service definition.
    Snippet(String),
}

/// The deployment alarms `slo` wants for `service` (a spec's, with its `ecs:`), given what the
/// ECS service has now.
pub fn plan_deployment_alarms(
    service: &str,
    ecs: Option<&Ecs>,
    current: &DeploymentAlarms,
) -> Planned {
    let Some(ecs) = ecs else {
        return Planned::Unchanged;
    };
    let guard = naming::guard(service);
    let has_guard = current.names.contains(&guard);
    let want = ecs.rollback_on_burn;
    if want == RollbackOnBurn::Off && !has_guard {
        return Planned::Unchanged;
    }
    if let Some(c) = current.controller.as_deref().filter(|c| *c != "ECS") {
        return Planned::Warning(format!(
            "{service}: ECS service {}/{} uses the {c} deployment controller; deployment alarms work with the ECS controller only, so ecs.rollbackOnBurn changes nothing there",
            ecs.cluster, ecs.service
        ));
    }
    let mut after = current.clone();
    match want {
        RollbackOnBurn::Snippet if has_guard => return Planned::Unchanged,
        RollbackOnBurn::Snippet => {
            let mut names = current.names.clone();
            names.push(guard);
            return Planned::Snippet(snippet(service, &ecs.cluster, &ecs.service, &names));
        }
        RollbackOnBurn::Apply => {
            if !has_guard {
                after.names.push(guard);
            }
            after.enable = true;
            after.rollback = true;
        }
        RollbackOnBurn::Off => {
            after.names.retain(|n| *n != guard);
            if after.names.is_empty() {
                after.enable = false;
                after.rollback = false;
            }
        }
    }
    if after == *current {
        return Planned::Unchanged;
    }
    Planned::Change(DeploymentAlarmsChange {
        service: service.to_owned(),
        cluster: ecs.cluster.clone(),
        ecs_service: ecs.service.clone(),
        before: current.clone(),
        after,
    })
}

/// The lines to add to an ecspresso service definition and to Terraform's `aws_ecs_service`.
fn snippet(service: &str, cluster: &str, ecs_service: &str, names: &[String]) -> String {
    let quoted = |q: char| -> String {
        names
            .iter()
            .map(|n| format!("{q}{n}{q}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!(
        "{service}: add the guard to ECS service {cluster}/{ecs_service}'s deployment alarms in your own definition:\n  ecspresso (ecs-service-def.jsonnet), under deploymentConfiguration:\n    alarms: {{ alarmNames: [{}], enable: true, rollback: true }},\n  Terraform (aws_ecs_service), inside the resource:\n    alarms {{\n      alarm_names = [{}]\n      enable      = true\n      rollback    = true\n    }}\n",
        quoted('\''),
        quoted('"')
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ecs(flag: RollbackOnBurn) -> Ecs {
        Ecs {
            cluster: "prod".into(),
            service: "checkout-svc".into(),
            log_group: None,
            rollback_on_burn: flag,
        }
    }

    fn plan(flag: RollbackOnBurn, current: &DeploymentAlarms) -> Planned {
        plan_deployment_alarms("checkout", Some(&ecs(flag)), current)
    }

    fn team() -> DeploymentAlarms {
        DeploymentAlarms {
            controller: Some("ECS".into()),
            names: vec!["team-5xx".into()],
            enable: true,
            rollback: false,
        }
    }

    #[test]
    fn the_guard_is_added_beside_the_teams_alarms_and_removed_alone() {
        let Planned::Change(add) = plan(RollbackOnBurn::Apply, &team()) else {
            panic!()
        };
        assert_eq!(add.after.names, ["team-5xx", "slo:checkout:guard"]);
        assert!(add.after.enable && add.after.rollback && add.adds_guard());
        // Applied: nothing more to do.
        assert_eq!(plan(RollbackOnBurn::Apply, &add.after), Planned::Unchanged);
        // The flag removed: only ours goes.
        let Planned::Change(remove) = plan(RollbackOnBurn::Off, &add.after) else {
            panic!()
        };
        assert_eq!(remove.after.names, ["team-5xx"]);
        assert!(!remove.adds_guard());
        // Nothing of ours and no flag: untouched.
        assert_eq!(plan(RollbackOnBurn::Off, &team()), Planned::Unchanged);
    }

    #[test]
    fn other_controllers_are_warned_about_and_snippets_printed() {
        let mut cd = team();
        cd.controller = Some("CODE_DEPLOY".into());
        assert!(matches!(
            plan(RollbackOnBurn::Apply, &cd),
            Planned::Warning(w) if w.contains("CODE_DEPLOY")
        ));
        let Planned::Snippet(text) = plan(RollbackOnBurn::Snippet, &team()) else {
            panic!()
        };
        assert!(
            text.contains("alarmNames: ['team-5xx', 'slo:checkout:guard']"),
            "{text}"
        );
        assert!(text.contains("alarm_names = [\"team-5xx\", \"slo:checkout:guard\"]"));
    }
}
