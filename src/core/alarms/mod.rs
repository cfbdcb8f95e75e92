//! CloudWatch alarms as code, the pure part: the alarms a spec calls for (`desired`), their
//! names and tags (`naming`), and the diff against what exists (`plan`).

pub mod desired;
pub mod model;
pub mod naming;
pub mod plan;

pub use desired::{LimitError, desired_alarms, monthly_cost_usd};
pub use model::{
    Alarm, AlarmSource, Comparison, CompositeAlarm, MetricAlarm, MetricRef, Suppressor,
};
pub use plan::{Action, AlarmPlan, Change, plan};
