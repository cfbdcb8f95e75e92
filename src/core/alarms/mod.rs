//! CloudWatch alarms as code, the pure part: the alarms a spec calls for (`desired`), their
//! names and tags (`naming`), and the diff against what exists (`plan`).

pub mod dashboard;
pub mod deployment;
pub mod desired;
pub mod model;
pub mod mute;
pub mod naming;
pub mod plan;
pub mod rule;

pub use desired::{
    CENTS_PER_ALARM_METRIC, CENTS_PER_COMPOSITE, CENTS_PER_CUSTOM_METRIC, LimitError,
    desired_alarms, desired_filters, guard_alarm, guard_alarm_of, heartbeat_alarm,
    monthly_cost_usd,
};
pub use model::{
    Alarm, AlarmSource, AlarmStatus, Comparison, CompositeAlarm, EvaluationWindow, MetricAlarm,
    MetricFilter, MetricRef, Suppressor, TreatMissingData,
};
pub use plan::{
    Action, AlarmPlan, Change, DashboardChange, FilterChange, FilterPlan, plan, plan_filters,
};
pub use rule::Rule;
