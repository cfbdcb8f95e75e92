//! Integration tests: the `slo` binary run as a user runs it.

mod cloudwatch;
mod report;
mod support;
mod validate;
