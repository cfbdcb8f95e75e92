//! Where events come from: ALB access logs (exact, offline) and CloudWatch ALB metrics.

pub mod access_log;
pub mod cloudwatch;
