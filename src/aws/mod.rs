//! Adapters to AWS services (besides the metrics source in `source::cloudwatch`).

pub mod alarms;
