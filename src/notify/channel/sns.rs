//! SNS: one `Publish` per message with a text per protocol (e-mail, and AWS Chatbot's custom
//! notification for Slack through Chatbot), to the topic of the service's `notify.sns`.

use super::{Channel, SendError, Sending};
use crate::aws::Publisher;
use crate::core::model::{NotifyVia, ServiceSlo};
use crate::core::notify::ChannelName;
use crate::render::messages::{self, DigestMessage, Message};
use std::collections::BTreeMap;

pub const NAME: &str = "sns";

pub struct SnsChannel<'a, P> {
    publisher: &'a P,
    /// The topic of each service.
    topics: BTreeMap<String, String>,
}

impl<'a, P: Publisher> SnsChannel<'a, P> {
    /// The specs' topics; with `notify.via: cloudwatch` the composites notify SNS themselves.
    pub fn for_specs(slos: &[&ServiceSlo], publisher: &'a P) -> SnsChannel<'a, P> {
        SnsChannel {
            publisher,
            topics: slos
                .iter()
                .filter(|s| s.notify.via == NotifyVia::Serve)
                .filter_map(|s| Some((s.service.clone(), s.notify.sns_topic.clone()?)))
                .collect(),
        }
    }
}

impl<P: Publisher + Sync> Channel for SnsChannel<'_, P> {
    fn name(&self) -> ChannelName {
        ChannelName::new(NAME)
    }

    fn serves(&self, service: &str) -> bool {
        self.topics.contains_key(service)
    }

    fn send_digest<'a>(&'a self, service: &'a str, d: &'a DigestMessage) -> Sending<'a> {
        self.publish(
            service,
            messages::digest_subject(d),
            messages::digest_sns_message(d),
            format!("review-{}", d.label),
        )
    }

    fn send<'a>(&'a self, service: &'a str, m: &'a Message) -> Sending<'a> {
        self.publish(
            service,
            messages::subject(m),
            messages::sns_message(m),
            messages::transition_id(m),
        )
    }
}

impl<P: Publisher + Sync> SnsChannel<'_, P> {
    /// One `Publish` to the service's topic.
    fn publish<'a>(
        &'a self,
        service: &'a str,
        subject: String,
        message: String,
        dedup: String,
    ) -> Sending<'a> {
        Box::pin(async move {
            let Some(topic) = self.topics.get(service) else {
                return Err(SendError::permanent(
                    "no SNS topic for the service any more",
                ));
            };
            self.publisher
                .publish(topic, &subject, &message, &dedup)
                .await
                .map(|_| ())
                .map_err(|e| SendError {
                    retryable: e.kind.is_retryable(),
                    wait: None,
                    message: format!("SNS: {e}"),
                })
        })
    }
}
