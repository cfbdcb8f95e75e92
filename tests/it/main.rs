//! Integration tests: the `slo` binary run as a user runs it.

mod support;
mod validate;
