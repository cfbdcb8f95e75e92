//! `slo serve`'s HTTP side: `fn app(state) -> Router`, read-only. Health for ECS and the ALB,
//! Prometheus metrics, the JSON API with its OpenAPI document, and the dashboard. Every
//! request is bounded: a 10 s timeout and a 16 KiB body limit (no endpoint takes a body).

pub mod api;
pub mod dashboard;
pub mod metrics;
pub mod openapi;

use crate::serve::AppState;
use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::sync::Arc;
use std::time::Duration;

pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
pub const BODY_LIMIT: usize = 16 * 1024;

pub type Shared = Arc<AppState>;

/// The router, with its state; tested with `tower::ServiceExt::oneshot`, no socket needed.
pub fn app(state: Shared) -> Router {
    Router::new()
        .route("/", get(dashboard::page))
        .route("/healthz", get(api::healthz))
        .route("/readyz", get(api::readyz))
        .route("/metrics", get(metrics::metrics))
        .route("/api/v1/slos", get(api::slos))
        .route("/api/v1/slos/{service}/{objective}", get(api::objective))
        .route("/api/v1/openapi.json", get(openapi::document))
        .fallback(not_found)
        .layer(tower_http::limit::RequestBodyLimitLayer::new(BODY_LIMIT))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            REQUEST_TIMEOUT,
        ))
        .with_state(state)
}

/// An error the client sees as `{"error": "..."}` with its status; internals go to the log.
#[derive(Debug)]
pub struct AppError {
    pub status: StatusCode,
    pub message: String,
}

impl AppError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> AppError {
        AppError {
            status,
            message: message.into(),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        (
            self.status,
            axum::Json(api::ErrorJson {
                error: self.message,
            }),
        )
            .into_response()
    }
}

async fn not_found(uri: axum::http::Uri) -> AppError {
    AppError::new(
        StatusCode::NOT_FOUND,
        format!("no such resource: {}", uri.path()),
    )
}
