//! CloudWatch ALB metrics as an SLI source: `plan` (what to ask, pure), `fetch` (the only SDK
//! code), `assemble` (results → event series, pure).

pub mod assemble;
pub mod fetch;
pub mod plan;

pub use assemble::{ObjectiveData, QueryResult, assemble};
pub use fetch::{CloudWatchError, CloudWatchMetrics};
pub use plan::{MetricQuery, ObjectiveRanges, pack, queries};
