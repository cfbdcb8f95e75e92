//! Integration tests: the `slo` binary run as a user runs it.

mod report;
mod support;
mod validate;
