//! ECS deployment alarms kept by reconciliation (`ecs.rollbackOnBurn`): read each service's
//! `deploymentConfiguration.alarms`, plan against the flag (`core::alarms::deployment`), and
//! apply — a removal before the guard alarm is deleted, an addition after it exists.

use crate::aws::AwsError;
use crate::aws::ecs::DeploymentAlarmStore;
use crate::core::alarms::deployment::{DeploymentAlarmsChange, Planned, plan_deployment_alarms};
use crate::core::alarms::naming;
use crate::core::model::{RollbackOnBurn, ServiceSlo};

/// What a plan does to services' deployment alarms.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeploymentPlan {
    pub changes: Vec<DeploymentAlarmsChange>,
    /// Told, not done: other deployment controllers, services that could not be read.
    pub warnings: Vec<String>,
    /// `rollbackOnBurn: snippet`: what to add to the team's own service definitions.
    pub snippets: Vec<String>,
}

/// Reads the deployment alarms of every spec that wants the guard, or whose guard alarm is
/// being deleted (`removing`: the flag went, so our name must go first), and plans them.
pub async fn plan<S: DeploymentAlarmStore>(
    store: &S,
    slos: &[&ServiceSlo],
    removing: &dyn Fn(&str) -> bool,
) -> DeploymentPlan {
    let mut out = DeploymentPlan::default();
    for slo in slos {
        let Some(ecs) = &slo.ecs else { continue };
        let wanted = ecs.rollback_on_burn != RollbackOnBurn::Off;
        if !wanted && !removing(&naming::guard(&slo.service)) {
            continue;
        }
        let current = match store.deployment_alarms(&ecs.cluster, &ecs.service).await {
            Ok(c) => c,
            Err(e) => {
                out.warnings.push(format!(
                    "{}: cannot read the deployment alarms of ECS service {}/{} ({e}); they are left as they are",
                    slo.service, ecs.cluster, ecs.service
                ));
                continue;
            }
        };
        match plan_deployment_alarms(&slo.service, Some(ecs), &current) {
            Planned::Unchanged => {}
            Planned::Change(c) => out.changes.push(c),
            Planned::Warning(w) => out.warnings.push(w),
            Planned::Snippet(s) => out.snippets.push(s),
        }
    }
    out
}

/// Applies the changes that add the guard (`adding`) or the others; returns how many.
pub async fn apply<S: DeploymentAlarmStore>(
    plan: &DeploymentPlan,
    store: &S,
    adding: bool,
) -> Result<usize, AwsError> {
    let mut done = 0;
    for c in plan.changes.iter().filter(|c| c.adds_guard() == adding) {
        store
            .set_deployment_alarms(&c.cluster, &c.ecs_service, &c.after)
            .await?;
        done += 1;
    }
    Ok(done)
}
