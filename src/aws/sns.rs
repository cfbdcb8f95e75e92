//! Publishing to SNS: the `Publisher` capability and its SDK implementation.
//!
//! `Publish` is not idempotent on a standard topic: an SDK retry after an attempt timeout may
//! publish a message that had already gone out. So the SDK makes one attempt per call, and the
//! notification pass decides about retries (a few tries per pass, then the journal's backoff).
//! On a FIFO topic (`….fifo`) each message carries a deduplication id — the same for every try
//! of one message — and SNS drops repeats within its five-minute deduplication interval.

use super::error::AwsError;
use aws_sdk_sns::Client;
use std::future::Future;

pub trait Publisher {
    /// One `Publish` with `MessageStructure=json`: `message` holds a text per protocol.
    /// `dedup`: the message's own id, the same on every try (used by FIFO topics).
    fn publish(
        &self,
        topic: &str,
        subject: &str,
        message: &str,
        dedup: &str,
    ) -> impl Future<Output = Result<String, AwsError>> + Send;
}

#[derive(Clone, Debug)]
pub struct Sns {
    client: Client,
}

impl Sns {
    pub fn new(config: &aws_config::SdkConfig) -> Sns {
        let config = aws_sdk_sns::config::Builder::from(config)
            .retry_config(aws_config::retry::RetryConfig::standard().with_max_attempts(1))
            .build();
        Sns {
            client: Client::from_conf(config),
        }
    }
}

/// SNS's limit for `MessageDeduplicationId` and `MessageGroupId`: 128 characters.
const MAX_ID: usize = 128;

/// An id SNS accepts (alphanumerics and punctuation, at most 128): as it is when it fits, else
/// a stable hash of it.
pub fn sns_id(id: &str) -> String {
    let clean: String = id
        .chars()
        .map(|c| if c.is_ascii_graphic() { c } else { '_' })
        .collect();
    if clean.len() <= MAX_ID {
        return clean;
    }
    // FNV-1a, twice with different offsets: 32 hex digits, stable across runs and builds.
    let fnv = |offset: u64| {
        id.bytes().fold(offset, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
        })
    };
    format!(
        "{}…{:016x}{:016x}",
        &clean[..80],
        fnv(0xcbf2_9ce4_8422_2325),
        fnv(0x8422_2325_cbf2_9ce4)
    )
    .chars()
    .filter(char::is_ascii)
    .collect()
}

impl Publisher for Sns {
    async fn publish(
        &self,
        topic: &str,
        subject: &str,
        message: &str,
        dedup: &str,
    ) -> Result<String, AwsError> {
        let mut call = self
            .client
            .publish()
            .topic_arn(topic)
            .subject(subject)
            .message_structure("json")
            .message(message);
        if topic.ends_with(".fifo") {
            // One group per service and objective (the id's first part): ordered within it.
            let group = dedup.split('|').next().unwrap_or(dedup);
            call = call
                .message_group_id(sns_id(group))
                .message_deduplication_id(sns_id(dedup));
        }
        let out = call
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("Publish", &e))?;
        Ok(out.message_id().unwrap_or_default().to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_fit_what_sns_accepts_and_stay_stable() {
        let short = "checkout/availability|firing-page@1731679380";
        assert_eq!(sns_id(short), short);
        let long = format!("{}|firing-page@1", "s".repeat(300));
        let id = sns_id(&long);
        assert!(id.len() <= MAX_ID, "{}", id.len());
        assert_eq!(id, sns_id(&long));
        assert_ne!(id, sns_id(&format!("{}|firing-page@2", "s".repeat(300))));
        assert!(id.chars().all(|c| c.is_ascii_graphic()));
    }
}
