//! `slo`: SLOs, error budgets and burn-rate alerting for ECS Fargate services behind an ALB.
//!
//! Layers, each importing only those above it (a test in `tests/it/layout.rs` holds this):
//! - `core`: pure model and math — objectives, budgets, burn rates, the alarm plan, replay,
//!   incidents, correlation, maintenance windows, notification decisions, redaction. No I/O,
//!   no clock, no AWS.
//! - `spec`: spec files read, checked and converted into the core's model.
//! - `aws`: the ports (traits in the core's types), their SDK adapters, in-memory versions
//!   and a failure-injecting wrapper. The only place the AWS SDK appears.
//! - `source`: ALB access logs (local or in S3) and CloudWatch metrics turned into the core's
//!   event series.
//! - `report`: a report built from sources, deployment histories and log evidence; the
//!   post-mortem's facts; the SLO review by calendar period.
//! - `alarms`: the plan of CloudWatch alarms, dashboards, metric filters and mute rules, diffed
//!   and applied.
//! - `render`: reports, plans, messages and post-mortems as text, JSON, Markdown and HTML.
//! - `notify`: notification passes, their journal, and the channels (SNS, Slack).
//! - `init`: specs drafted from what runs in ECS. `example`: the example-log generator.
//! - `serve`: `slo serve`'s loops and state; `http`: its router, API and dashboard.
//! - `cli` (in the binary): parses arguments and wires the rest.

pub mod alarms;
pub mod aws;
pub mod core;
pub mod example;
pub mod http;
pub mod init;
pub mod notify;
pub mod render;
pub mod report;
pub mod serve;
pub mod source;
pub mod spec;
