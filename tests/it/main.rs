//! Integration tests: the `slo` binary run as a user runs it.

mod alarm_evaluation;
mod alarms;
mod cloudwatch;
mod deployments;
mod ecs;
mod exclusions;
mod faults;
mod guard;
mod iam;
mod incidents;
mod init;
mod layout;
mod messages;
mod mute_rules;
mod notify;
mod probe;
mod protocols;
mod query_protocol;
mod replay;
mod report;
mod review;
mod schema;
mod serve;
mod split;
mod support;
mod validate;
