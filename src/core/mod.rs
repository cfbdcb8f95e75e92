//! The pure core: no I/O, no clock, no AWS, no tokio; time is always an argument, and it
//! imports nothing of the crate. The spec's model (`model`, `ratio`, `window`, `tiers`), the
//! SLI's metrics (`sli_metrics`, `stat`), event series and their math (`events`, `collected`,
//! `latency`, `budget`, `alerting`, `assess`, `status`, `burndown`, `timeline`, `incidents`), alarms as
//! values (`alarms/`: desired alarms, names, rules, dashboards, the plan's diff, and
//! `metric_math` with the `replay` of what they would do), deployments and their correlation
//! with incidents (`deployments`, `correlate`), maintenance windows (`exclusions`), log evidence (`evidence`, `redact`),
//! notification decisions (`notify`) and console links (`console`).

pub mod alarms;
pub mod alerting;
pub mod assess;
pub mod budget;
pub mod burndown;
pub mod collected;
pub mod console;
pub mod correlate;
pub mod deployments;
pub mod digest;
pub mod events;
pub mod evidence;
pub mod exclusions;
pub mod gate;
pub mod impact;
pub mod incidents;
pub mod latency;
pub mod metric_math;
pub mod model;
pub mod notify;
pub mod packed;
pub mod ratio;
pub mod redact;
pub mod replay;
pub mod significance;
pub mod similar;
pub mod sli_metrics;
pub mod stat;
pub mod status;
pub mod tiers;
pub mod timeline;
pub mod window;
