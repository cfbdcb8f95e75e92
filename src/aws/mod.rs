//! The ports to AWS, and the only place the AWS SDK appears. Each capability is a small trait
//! in the core's types, with its SDK adapter beside it: `metrics` (`MetricsReader`,
//! `HeartbeatWriter`), `alarms` (`AlarmStore`, `AlarmWatcher`, `DashboardStore`), `ecs`
//! (`DeploymentReader`), `logs` (`LogReader`, `MetricFilterStore`), `sns` (`Publisher`),
//! `inventory` (`Inventory`, for `slo init`), `journal` (`Journal`, the notification journal's
//! port) with `dynamodb` (its DynamoDB adapter). Every port has an in-memory version
//! (`memory`) and is covered by a wrapper that fails chosen calls (`failing`); a test holds
//! both. Every failure is an [`AwsError`] whose [`ErrorKind`] tells throttling from missing
//! credentials (`error`). `aws/` imports nothing of the crate but `core/`.

pub mod alarms;
pub mod dynamodb;
pub mod ecs;
pub mod error;
pub mod failing;
pub mod inventory;
pub mod journal;
pub mod logs;
pub mod memory;
pub mod metrics;
pub mod sns;

pub use alarms::{AlarmStore, CloudWatchAlarms};
pub use ecs::{DeploymentReader, EcsDeployments};
pub use error::{AwsError, ErrorKind};
pub use inventory::{AwsInventory, Inventory};
pub use logs::{CloudWatchLogs, LogReader, MetricFilterStore};
pub use metrics::{CloudWatchMetrics, HeartbeatWriter, MetricsReader};
pub use sns::{Publisher, Sns};

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use std::time::Duration;

/// An SDK time (every SDK crate shares `aws_smithy_types::DateTime`) as ours.
pub(crate) fn utc(
    t: &aws_sdk_cloudwatch::primitives::DateTime,
) -> Option<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::from_timestamp(t.secs(), t.subsec_nanos())
}

/// Attempts per call (the first and four retries), with exponential backoff and jitter; the
/// SDK retries throttling, 5xx and transport errors.
pub const MAX_ATTEMPTS: u32 = 5;

/// AWS configuration the way the AWS CLI finds it: the default credential chain,
/// `AWS_PROFILE`, `AWS_REGION`, `AWS_ENDPOINT_URL`.
pub async fn load_config() -> aws_config::SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(MAX_ATTEMPTS)
                .with_initial_backoff(Duration::from_millis(200)),
        )
        .timeout_config(
            TimeoutConfig::builder()
                .operation_attempt_timeout(Duration::from_secs(30))
                .build(),
        )
        .load()
        .await
}
