//! CloudWatch ALB metrics as an SLI source: `plan` (what to ask, pure), `fetch` (runs the calls
//! through a `MetricsReader`), `assemble` (results → event series, pure).

pub mod assemble;
pub mod fetch;
pub mod incremental;
pub mod plan;

pub use assemble::{QueryResult, assemble};
pub use fetch::{FetchError, fetch};
pub use plan::{MetricQuery, pack, queries};
