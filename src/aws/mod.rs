//! The ports to AWS, and the only place the AWS SDK appears. Each capability is a small trait
//! in the core's types, with its SDK adapter beside it: `metrics` (`MetricsReader`,
//! `HeartbeatWriter`), `alarms` (`AlarmStore`, `AlarmWatcher`, `DashboardStore`,
//! `MuteRuleStore`), `ecs` (`DeploymentReader`, `DeploymentAlarmStore`), `logs` (`LogReader`,
//! `MetricFilterStore`), `s3` (`ObjectStore`, access logs in their bucket), `athena`
//! (`QueryEngine`, the access-log table queried where the logs are), `sns` (`Publisher`),
//! `inventory` (`Inventory`, for `slo init`), `journal` (`Journal`, the notification journal's
//! port) with `dynamodb` (its DynamoDB adapter). Every port has an in-memory version
//! (`memory`) and is covered by a wrapper that fails chosen calls (`failing`); a test holds
//! both. Every failure is an [`AwsError`] whose [`ErrorKind`] tells throttling from missing
//! credentials (`error`). `aws/` imports nothing of the crate but `core/`.

pub mod alarms;
pub mod athena;
pub mod dynamodb;
pub mod ecs;
pub mod error;
pub mod failing;
pub mod inventory;
pub mod journal;
pub mod logs;
pub mod memory;
pub mod metrics;
pub mod s3;
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

/// How long one attempt of an AWS call may take: 30 s, or `SLO_AWS_ATTEMPT_TIMEOUT` seconds
/// (tests scale AWS stalls down with it).
pub fn attempt_timeout() -> Duration {
    std::env::var("SLO_AWS_ATTEMPT_TIMEOUT")
        .ok()
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s > 0.0)
        .map_or(Duration::from_secs(30), Duration::from_secs_f64)
}

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
                .operation_attempt_timeout(attempt_timeout())
                .build(),
        )
        .load()
        .await
}

/// The region and the credentials, checked once before any call: a missing region or missing,
/// expired or unusable credentials are one clear line saying what to do, instead of an SDK
/// trail after five retries that cannot succeed.
pub async fn check_config(config: &aws_config::SdkConfig) -> Result<(), AwsError> {
    use aws_sdk_cloudwatch::config::ProvideCredentials;
    if config.region().is_none() {
        return Err(AwsError::new(
            "configuration",
            ErrorKind::InvalidRequest,
            "no AWS region: set AWS_REGION (or `region` in your AWS profile)",
        ));
    }
    let no_credentials = |detail: String| {
        AwsError::new(
            "configuration",
            ErrorKind::Credentials,
            format!(
                "no usable AWS credentials: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY ({detail})"
            ),
        )
    };
    let Some(provider) = config.credentials_provider() else {
        return Err(no_credentials("no credentials provider".to_owned()));
    };
    match provider.provide_credentials().await {
        Ok(_) => Ok(()),
        Err(e) => {
            let detail = error::chain_of(&e);
            let lower = detail.to_lowercase();
            if lower.contains("sso") && (lower.contains("expired") || lower.contains("token")) {
                return Err(AwsError::new(
                    "configuration",
                    ErrorKind::Credentials,
                    format!("the AWS SSO session has expired: run `aws sso login` ({detail})"),
                ));
            }
            if lower.contains("no credentials found in chain") {
                // The chain lists every provider it tried, a line each: one line is enough.
                return Err(no_credentials(
                    "none in the environment, the profile, web identity, ECS or EC2 metadata"
                        .to_owned(),
                ));
            }
            Err(no_credentials(
                detail.lines().next().unwrap_or_default().to_owned(),
            ))
        }
    }
}

/// Runs every future to its end, concurrently, on the caller's task.
pub async fn join_all(mut futures: Vec<std::pin::Pin<Box<dyn Future<Output = ()> + Send + '_>>>) {
    let mut done = vec![false; futures.len()];
    std::future::poll_fn(|cx| {
        let mut all = true;
        for (f, d) in futures.iter_mut().zip(done.iter_mut()) {
            if !*d {
                *d = f.as_mut().poll(cx).is_ready();
                all &= *d;
            }
        }
        if all {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await
}
