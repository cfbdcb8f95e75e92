//! `slo`: SLOs, error budgets and burn-rate alerting for ECS Fargate services behind an ALB.
//!
//! `core` is pure (no I/O, no clock); `spec` reads and validates spec files; `source` turns
//! ALB access logs into event series; `render` prints reports.

pub mod aws;
pub mod core;
pub mod deployments;
pub mod evaluate;
pub mod evidence;
pub mod example_logs;
pub mod http;
pub mod notify;
pub mod onboard;
pub mod output;
pub mod postmortem;
pub mod reconcile;
pub mod render;
pub mod report;
pub mod serve;
pub mod slack;
pub mod source;
pub mod spec;
