//! CloudWatch alarms as code, the pure part: the alarms a spec calls for (`desired`), their
//! names and tags (`naming`), and the diff against what exists (`plan`).

pub mod desired;
pub mod model;
pub mod naming;
pub mod plan;
pub mod rule;

pub use desired::{
    CENTS_PER_ALARM_METRIC, CENTS_PER_COMPOSITE, LimitError, desired_alarms, heartbeat_alarm,
    monthly_cost_usd,
};
pub use model::{
    Alarm, AlarmSource, Comparison, CompositeAlarm, EvaluationWindow, MetricAlarm, MetricRef,
    Suppressor, TreatMissingData,
};
pub use plan::{Action, AlarmPlan, Change, plan};
pub use rule::Rule;
