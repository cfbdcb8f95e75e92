//! Where events come from: ALB access logs (exact, offline).

pub mod access_log;
