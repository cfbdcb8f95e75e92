//! AWS failures as values the caller can act on: throttled or transient (try again later),
//! access denied or no credentials (fix IAM or the environment), not found, an invalid
//! request, or a transport failure (the endpoint was not reached). SDK error types never leave
//! `src/aws/`.

use aws_sdk_cloudwatch::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_smithy_runtime_api::http::Response;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The service asked us to slow down.
    Throttled,
    /// The service failed (5xx) or did not answer in time: worth trying again.
    Transient,
    /// The caller is not allowed to do this (IAM).
    AccessDenied,
    /// No credentials, or the service did not accept them (expired, wrong key).
    Credentials,
    /// The resource (alarm, cluster, service, topic, log group) does not exist.
    NotFound,
    /// The service refused the request as invalid; trying again will not help.
    InvalidRequest,
    /// The request never got an answer: DNS, connection refused, TLS.
    Transport,
}

impl ErrorKind {
    /// For metrics labels and logs: `throttled`, `access_denied`, …
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::Throttled => "throttled",
            ErrorKind::Transient => "transient",
            ErrorKind::AccessDenied => "access_denied",
            ErrorKind::Credentials => "credentials",
            ErrorKind::NotFound => "not_found",
            ErrorKind::InvalidRequest => "invalid_request",
            ErrorKind::Transport => "transport",
        }
    }

    /// Whether the same request may succeed later.
    pub fn is_retryable(self) -> bool {
        matches!(
            self,
            ErrorKind::Throttled | ErrorKind::Transient | ErrorKind::Transport
        )
    }
}

/// One failed AWS call, after the SDK's own retries.
#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
#[error("{message}")]
pub struct AwsError {
    pub operation: &'static str,
    pub kind: ErrorKind,
    /// The service's error code when it answered (`Throttling`, `AccessDenied`, …).
    pub code: Option<String>,
    /// For people: `Throttling: Rate exceeded`, `no AWS credentials found (…)`.
    pub message: String,
}

impl AwsError {
    pub fn new(operation: &'static str, kind: ErrorKind, message: impl Into<String>) -> AwsError {
        AwsError {
            operation,
            kind,
            code: None,
            message: message.into(),
        }
    }

    /// Classifies an SDK error of `operation`.
    pub fn from_sdk<E>(operation: &'static str, e: &SdkError<E, Response>) -> AwsError
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let status = e.raw_response().map(|r| r.status().as_u16());
        let code = e.code().map(str::to_owned);
        let kind = match (&code, e) {
            (Some(code), _) => kind_of_code(code, status),
            (None, SdkError::TimeoutError(_)) => ErrorKind::Transient,
            (None, SdkError::DispatchFailure(_)) if chain(e).contains("credential") => {
                ErrorKind::Credentials
            }
            (None, SdkError::DispatchFailure(_)) => ErrorKind::Transport,
            (None, SdkError::ResponseError(_)) => ErrorKind::Transient,
            (None, _) => match status {
                Some(s) if s >= 500 => ErrorKind::Transient,
                Some(429) => ErrorKind::Throttled,
                Some(403) => ErrorKind::AccessDenied,
                Some(404) => ErrorKind::NotFound,
                _ => ErrorKind::InvalidRequest,
            },
        };
        let mut message = message(e, kind);
        if kind == ErrorKind::AccessDenied {
            message.push_str(&format!(
                " (the call was {operation}; allow it in the IAM policy of the role slo runs as)"
            ));
        }
        AwsError {
            operation,
            kind,
            message,
            code,
        }
    }
}

/// AWS's error codes, across the services `slo` calls.
fn kind_of_code(code: &str, status: Option<u16>) -> ErrorKind {
    const THROTTLED: &[&str] = &[
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestLimitExceeded",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "RequestThrottled",
        "RequestThrottledException",
        "SlowDown",
    ];
    const ACCESS: &[&str] = &[
        "AccessDenied",
        "AccessDeniedException",
        "UnauthorizedOperation",
        "AuthorizationError",
        "NotAuthorized",
    ];
    const CREDENTIALS: &[&str] = &[
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "ExpiredToken",
        "ExpiredTokenException",
        "SignatureDoesNotMatch",
        "InvalidSignatureException",
        "MissingAuthenticationToken",
        "IncompleteSignature",
    ];
    const TRANSIENT: &[&str] = &[
        "InternalFailure",
        "InternalError",
        "InternalServiceError",
        "InternalServerError",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "ServerException",
    ];
    if THROTTLED.contains(&code) {
        ErrorKind::Throttled
    } else if ACCESS.contains(&code) {
        ErrorKind::AccessDenied
    } else if CREDENTIALS.contains(&code) {
        ErrorKind::Credentials
    } else if code.ends_with("NotFound")
        || code.ends_with("NotFoundException")
        || code == "ResourceNotFound"
        || code == "NotFound"
    {
        ErrorKind::NotFound
    } else if TRANSIENT.contains(&code) || status.is_some_and(|s| s >= 500) {
        ErrorKind::Transient
    } else {
        ErrorKind::InvalidRequest
    }
}

/// `InternalFailure: injected failure`: the service's code and message when it answered, the
/// transport's story when it did not.
fn message<E>(e: &SdkError<E, Response>, kind: ErrorKind) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    match (e.code(), e.message()) {
        (Some(code), Some(message)) if kind == ErrorKind::AccessDenied => {
            format!(
                "{code}: {message} (allow the action in the IAM policy of the role slo runs as)"
            )
        }
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (Some(code), None) => code.to_owned(),
        _ => match (e, kind) {
            (SdkError::TimeoutError(_), _) => "timed out".to_owned(),
            (_, ErrorKind::Credentials) => format!(
                "no AWS credentials found (set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY): {}",
                chain(e)
            ),
            (_, ErrorKind::Transport) if chain(e).contains("Missing Region") => {
                "no AWS region: set AWS_REGION (or `region` in your AWS profile)".to_owned()
            }
            (_, ErrorKind::Transport) => format!(
                "could not reach AWS (is the network, or AWS_ENDPOINT_URL, right?): {}",
                chain(e)
            ),
            _ => DisplayErrorContext(e).to_string(),
        },
    }
}

/// [`chain`], for errors of other AWS crates (credentials providers).
pub fn chain_of(e: &(dyn std::error::Error + 'static)) -> String {
    chain(e)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_told_apart() {
        for (code, status, kind) in [
            ("Throttling", 400, ErrorKind::Throttled),
            ("ThrottlingException", 400, ErrorKind::Throttled),
            ("AccessDenied", 403, ErrorKind::AccessDenied),
            ("AuthorizationError", 403, ErrorKind::AccessDenied),
            ("ExpiredToken", 403, ErrorKind::Credentials),
            ("UnrecognizedClientException", 400, ErrorKind::Credentials),
            ("ResourceNotFound", 404, ErrorKind::NotFound),
            ("ClusterNotFoundException", 400, ErrorKind::NotFound),
            ("InternalFailure", 500, ErrorKind::Transient),
            ("SomethingNew", 503, ErrorKind::Transient),
            ("ValidationError", 400, ErrorKind::InvalidRequest),
            ("InvalidParameterValue", 400, ErrorKind::InvalidRequest),
        ] {
            assert_eq!(kind_of_code(code, Some(status)), kind, "{code}");
        }
        assert!(ErrorKind::Throttled.is_retryable());
        assert!(!ErrorKind::AccessDenied.is_retryable());
    }
}
