//! Slack incoming webhooks: POST a Block Kit message to the URL named by the service's
//! `notify.slack.webhookEnv`. The URL is a secret: it is never logged, and errors name the
//! webhook by its host only.

use super::{Channel, SendError, Sending};
use crate::core::model::ServiceSlo;
use crate::core::notify::ChannelName;
use crate::render::messages::{self, DigestMessage, Message};
use std::collections::BTreeMap;
use std::time::Duration;

pub const NAME: &str = "slack";
/// Slack's incoming webhooks accept about one message a second.
pub const SPACING: Duration = Duration::from_secs(1);
/// How long one POST may take, answer included.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// [`TIMEOUT`], or `SLO_SLACK_TIMEOUT` seconds (tests scale slow webhooks down with it).
pub fn timeout() -> Duration {
    std::env::var("SLO_SLACK_TIMEOUT")
        .ok()
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s > 0.0)
        .map_or(TIMEOUT, Duration::from_secs_f64)
}

/// A Slack answer's body is read up to this much (it is only ever an error text).
pub const MAX_ANSWER_BYTES: usize = 4096;

pub struct SlackChannel<'a> {
    webhook: &'a Webhook,
    /// The webhook URL of each service with `notify.slack`, or the variable that should hold
    /// it and is not set: such a service's messages fail loudly instead of vanishing.
    urls: BTreeMap<String, Result<String, String>>,
}

impl<'a> SlackChannel<'a> {
    /// Every service with `notify.slack.webhookEnv`, with its URL from `env`.
    pub fn for_specs(
        slos: &[&ServiceSlo],
        env: &dyn Fn(&str) -> Option<String>,
        webhook: &'a Webhook,
    ) -> SlackChannel<'a> {
        SlackChannel {
            webhook,
            urls: slos
                .iter()
                .filter_map(|s| {
                    let var = s.notify.slack_webhook_env.as_ref()?;
                    let url = env(var)
                        .filter(|u| !u.trim().is_empty())
                        .ok_or_else(|| var.clone());
                    Some((s.service.clone(), url))
                })
                .collect(),
        }
    }

    /// The variables specs name for a webhook that are not set.
    pub fn unset(&self) -> Vec<(&str, &str)> {
        self.urls
            .iter()
            .filter_map(|(service, u)| u.as_ref().err().map(|v| (service.as_str(), v.as_str())))
            .collect()
    }

    pub fn is_empty(&self) -> bool {
        self.urls.is_empty()
    }
}

impl Channel for SlackChannel<'_> {
    fn name(&self) -> ChannelName {
        ChannelName::new(NAME)
    }

    fn serves(&self, service: &str) -> bool {
        self.urls.contains_key(service)
    }

    fn spacing(&self) -> Duration {
        SPACING
    }

    fn send_digest<'a>(&'a self, service: &'a str, d: &'a DigestMessage) -> Sending<'a> {
        self.post(service, messages::digest_slack(d))
    }

    fn send<'a>(&'a self, service: &'a str, m: &'a Message) -> Sending<'a> {
        self.post(service, messages::slack(m))
    }
}

impl SlackChannel<'_> {
    fn post<'a>(&'a self, service: &'a str, body: serde_json::Value) -> Sending<'a> {
        Box::pin(async move {
            let url = match self.urls.get(service) {
                Some(Ok(url)) => url,
                Some(Err(var)) => {
                    return Err(SendError::permanent(format!(
                        "Slack: notify.slack.webhookEnv names {var}, which is not set in slo's environment"
                    )));
                }
                None => return Err(SendError::permanent("no Slack webhook for the service")),
            };
            self.webhook
                .post(url, &body, timeout())
                .await
                .map_err(|e| SendError {
                    retryable: e.is_retryable(),
                    wait: match &e {
                        SlackError::RateLimited { retry_after } => *retry_after,
                        _ => None,
                    },
                    message: format!("Slack: {e}"),
                })
        })
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SlackError {
    /// Slack asks to slow down; `retry_after` from its header.
    #[error("Slack answered 429 (retry after {retry_after:?})")]
    RateLimited { retry_after: Option<Duration> },
    #[error("Slack answered HTTP {status}: {body}")]
    Status { status: u16, body: String },
    #[error("could not reach Slack at {host}: {message}")]
    Transport { host: String, message: String },
}

impl SlackError {
    pub fn is_retryable(&self) -> bool {
        match self {
            SlackError::RateLimited { .. } | SlackError::Transport { .. } => true,
            SlackError::Status { status, .. } => *status >= 500,
        }
    }
}

type Client = hyper_util::client::legacy::Client<
    hyper_rustls::HttpsConnector<hyper_util::client::legacy::connect::HttpConnector>,
    http_body_util::Full<bytes::Bytes>,
>;

/// A webhook client: HTTPS with the system's roots, plain HTTP for local test servers.
pub struct Webhook {
    client: Client,
}

impl Webhook {
    pub fn new() -> Result<Webhook, SlackError> {
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_native_roots()
            .map_err(|e| SlackError::Transport {
                host: String::new(),
                message: format!("no TLS roots: {e}"),
            })?
            .https_or_http()
            .enable_http1()
            .build();
        Ok(Webhook {
            client: hyper_util::client::legacy::Client::builder(
                hyper_util::rt::TokioExecutor::new(),
            )
            .build(https),
        })
    }

    /// POSTs `payload` (JSON) to `url`: the whole exchange, answer body included, within
    /// `timeout` (a server that sends its headers and then drips its body is cut off).
    pub async fn post(
        &self,
        url: &str,
        payload: &serde_json::Value,
        timeout: Duration,
    ) -> Result<(), SlackError> {
        let host = url
            .parse::<hyper::Uri>()
            .ok()
            .and_then(|u| u.host().map(str::to_owned))
            .unwrap_or_else(|| "(the webhook URL)".to_owned());
        tokio::time::timeout(timeout, self.exchange(url, payload))
            .await
            .map_err(|_| SlackError::Transport {
                host,
                message: format!("no complete answer within {}s", timeout.as_secs()),
            })?
    }

    async fn exchange(&self, url: &str, payload: &serde_json::Value) -> Result<(), SlackError> {
        let uri: hyper::Uri = url.parse().map_err(|_| SlackError::Transport {
            host: "(the webhook URL)".to_owned(),
            message: "not a URL".to_owned(),
        })?;
        let host = uri.host().unwrap_or_default().to_owned();
        let request = hyper::Request::post(uri)
            .header("content-type", "application/json")
            .body(http_body_util::Full::new(bytes::Bytes::from(
                payload.to_string(),
            )))
            .map_err(|e| SlackError::Transport {
                host: host.clone(),
                message: e.to_string(),
            })?;
        let answer = self
            .client
            .request(request)
            .await
            .map_err(|e| SlackError::Transport {
                host: host.clone(),
                message: e.to_string(),
            })?;
        let status = answer.status().as_u16();
        let retry_after = answer
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        if (200..300).contains(&status) {
            return Ok(());
        }
        if status == 429 {
            return Err(SlackError::RateLimited { retry_after });
        }
        use http_body_util::BodyExt;
        let body = http_body_util::Limited::new(answer.into_body(), MAX_ANSWER_BYTES)
            .collect()
            .await
            .map(|b| {
                String::from_utf8_lossy(&b.to_bytes())
                    .chars()
                    .take(200)
                    .collect()
            })
            .unwrap_or_default();
        Err(SlackError::Status { status, body })
    }
}
