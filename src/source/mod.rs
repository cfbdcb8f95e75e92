//! Where events come from: ALB access logs (`access_log`: exact, offline, read at the
//! machine's limit; `athena`: the same counts computed by Athena where the logs are) and
//! CloudWatch ALB metrics (`cloudwatch`: the query plan, paged fetching through a
//! `MetricsReader`, results → series, and the incremental cache of `slo serve`).

pub mod access_log;
pub mod athena;
pub mod cloudwatch;
