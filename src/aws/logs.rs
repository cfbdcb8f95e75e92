//! Reading application logs from CloudWatch Logs: the `LogReader` capability (one
//! `FilterLogEvents` page per call) and its SDK implementation.

use super::error::AwsError;
use crate::core::evidence::LogLine;
use aws_sdk_cloudwatchlogs::Client;
use chrono::{DateTime, Utc};
use std::future::Future;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LogPage {
    pub events: Vec<LogLine>,
    pub next_token: Option<String>,
}

pub trait LogReader {
    /// One page of `group`'s events in `[from, to)` matching `filter_pattern` (a CloudWatch
    /// Logs filter pattern; `None`: every event).
    fn filter_log_events(
        &self,
        group: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        filter_pattern: Option<&str>,
        next_token: Option<String>,
    ) -> impl Future<Output = Result<LogPage, AwsError>> + Send;
}

#[derive(Clone, Debug)]
pub struct CloudWatchLogs {
    client: Client,
}

impl CloudWatchLogs {
    pub fn new(config: &aws_config::SdkConfig) -> CloudWatchLogs {
        CloudWatchLogs {
            client: Client::new(config),
        }
    }
}

impl LogReader for CloudWatchLogs {
    async fn filter_log_events(
        &self,
        group: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        filter_pattern: Option<&str>,
        next_token: Option<String>,
    ) -> Result<LogPage, AwsError> {
        let page = self
            .client
            .filter_log_events()
            .log_group_name(group)
            .start_time(from.timestamp_millis())
            .end_time(to.timestamp_millis())
            .set_filter_pattern(filter_pattern.map(str::to_owned))
            .set_next_token(next_token)
            .limit(10_000)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("FilterLogEvents", &e))?;
        Ok(LogPage {
            events: page
                .events()
                .iter()
                .filter_map(|e| {
                    Some(LogLine {
                        timestamp: DateTime::from_timestamp_millis(e.timestamp()?)?,
                        message: e.message()?.to_owned(),
                    })
                })
                .collect(),
            next_token: page.next_token().map(str::to_owned),
        })
    }
}
