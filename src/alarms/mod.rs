//! The CloudWatch side kept by reconciliation: the alarms, dashboards and metric filters the
//! specs call for, diffed against what exists (`slo plan`) and applied (`slo apply`).

pub mod deployment;
pub mod reconcile;

#[cfg(test)]
mod desired_tests;
#[cfg(test)]
mod mute_tests;
