//! Adapters to AWS: the one place SDK configuration and SDK errors are handled, and the
//! CloudWatch alarms store. (The metrics reader is `source::cloudwatch::fetch`.)

pub mod alarms;

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_cloudwatch::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use std::time::Duration;

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

/// `InternalFailure: injected failure`: the service's code and message when it answered, the
/// transport's story when it did not.
pub fn error_message<E, R>(e: &SdkError<E, R>) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + 'static,
{
    match (e.code(), e.message()) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (Some(code), None) => code.to_owned(),
        _ => match e {
            SdkError::TimeoutError(_) => "timed out".to_owned(),
            SdkError::DispatchFailure(_) if chain(e).contains("credential") => format!(
                "no AWS credentials found (set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY): {}",
                chain(e)
            ),
            SdkError::DispatchFailure(_) => format!("could not reach AWS: {}", chain(e)),
            _ => DisplayErrorContext(e).to_string(),
        },
    }
}

/// The messages of an error and its sources, `a: b: c`, each once (no Debug dumps).
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next = Some(e);
    while let Some(err) = next {
        let text = err.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        next = err.source();
    }
    parts.join(": ")
}
