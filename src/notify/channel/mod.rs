//! Where notifications go: one file per channel, each a [`Channel`]. Adding one (PagerDuty,
//! say) touches this folder (a file implementing [`Channel`], one line in
//! [`Channels::for_specs`]), its spec field (`spec/slo_v1/wire.rs` and `convert.rs`, `core::model::Notify`) and its
//! message renderer (`render/messages.rs`); the pass, the journal and `slo serve` do not change.

pub mod slack;
pub mod sns;

use crate::aws::Publisher;
use crate::core::model::{ObjectiveKey, ServiceSlo};
use crate::core::notify::ChannelName;
use crate::render::messages::{DigestMessage, Message};
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

/// A send that did not arrive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SendError {
    /// Whether trying again may help (throttling, 5xx, a transport error).
    pub retryable: bool,
    /// How long the channel asked to wait first (Slack's `Retry-After`).
    pub wait: Option<Duration>,
    /// What went wrong, naming the channel, never its secret (a webhook URL).
    pub message: String,
}

impl SendError {
    pub fn permanent(message: impl Into<String>) -> SendError {
        SendError {
            retryable: false,
            wait: None,
            message: message.into(),
        }
    }
}

/// A send in flight.
pub type Sending<'a> = Pin<Box<dyn Future<Output = Result<(), SendError>> + Send + 'a>>;

/// One way of telling people.
pub trait Channel: Send + Sync {
    /// Its name in the journal, message ids, logs and metrics.
    fn name(&self) -> ChannelName;
    /// Whether `service` has somewhere to go on this channel.
    fn serves(&self, service: &str) -> bool;
    /// The least time between two sends (Slack's webhooks take about one a second).
    fn spacing(&self) -> Duration {
        Duration::ZERO
    }
    /// One attempt to deliver `message` for `service`.
    fn send<'a>(&'a self, service: &'a str, message: &'a Message) -> Sending<'a>;
    /// One attempt to deliver the SLO review `digest` for `service`.
    fn send_digest<'a>(&'a self, service: &'a str, digest: &'a DigestMessage) -> Sending<'a>;
}

/// The channels of a pass.
pub struct Channels<'a> {
    list: Vec<Box<dyn Channel + 'a>>,
}

impl<'a> Channels<'a> {
    pub fn new(list: Vec<Box<dyn Channel + 'a>>) -> Channels<'a> {
        Channels { list }
    }

    /// Every channel the specs use. `env`: the environment, where webhook URLs are read (passed
    /// in, so tests and the service decide).
    pub fn for_specs<P: Publisher + Sync>(
        slos: &[&ServiceSlo],
        env: &dyn Fn(&str) -> Option<String>,
        publisher: &'a P,
        webhook: Option<&'a slack::Webhook>,
    ) -> Channels<'a> {
        let mut list: Vec<Box<dyn Channel + 'a>> =
            vec![Box::new(sns::SnsChannel::for_specs(slos, publisher))];
        if let Some(webhook) = webhook {
            list.push(Box::new(slack::SlackChannel::for_specs(slos, env, webhook)));
        }
        Channels { list }
    }

    /// The channels `key`'s service has a destination on.
    pub fn names_for(&self, key: &ObjectiveKey) -> Vec<ChannelName> {
        self.list
            .iter()
            .filter(|c| c.serves(&key.service))
            .map(|c| c.name())
            .collect()
    }

    pub fn get(&self, name: &ChannelName) -> Option<&(dyn Channel + 'a)> {
        self.list.iter().find(|c| c.name() == *name).map(|c| &**c)
    }
}
