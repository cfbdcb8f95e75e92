//! Publishing to SNS: the `Publisher` capability and its SDK implementation.

use super::error::AwsError;
use aws_sdk_sns::Client;
use std::future::Future;

pub trait Publisher {
    /// One `Publish` with `MessageStructure=json`: `message` holds a text per protocol.
    fn publish(
        &self,
        topic: &str,
        subject: &str,
        message: &str,
    ) -> impl Future<Output = Result<String, AwsError>> + Send;
}

#[derive(Clone, Debug)]
pub struct Sns {
    client: Client,
}

impl Sns {
    pub fn new(config: &aws_config::SdkConfig) -> Sns {
        Sns {
            client: Client::new(config),
        }
    }
}

impl Publisher for Sns {
    async fn publish(&self, topic: &str, subject: &str, message: &str) -> Result<String, AwsError> {
        let out = self
            .client
            .publish()
            .topic_arn(topic)
            .subject(subject)
            .message_structure("json")
            .message(message)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("Publish", &e))?;
        Ok(out.message_id().unwrap_or_default().to_owned())
    }
}
