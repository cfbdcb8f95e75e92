//! The pure core: SLO arithmetic with no I/O, no clock and no AWS. Time is always an argument.

pub mod alarms;
pub mod alerting;
pub mod assess;
pub mod budget;
pub mod burndown;
pub mod collected;
pub mod console;
pub mod correlate;
pub mod deployments;
pub mod events;
pub mod evidence;
pub mod incidents;
pub mod latency;
pub mod metric_math;
pub mod model;
pub mod notify;
pub mod ratio;
pub mod redact;
pub mod replay;
pub mod sli_metrics;
pub mod stat;
pub mod status;
pub mod tiers;
pub mod window;
