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
        .route(dashboard::SCRIPT_PATH, get(dashboard::script))
        .route("/healthz", get(api::healthz))
        .route("/readyz", get(api::readyz))
        .route("/metrics", get(metrics::metrics))
        .route("/api/v1/slos", get(api::slos))
        .route("/api/v1/slos/{service}/{objective}", get(api::objective))
        .route("/api/v1/openapi.json", get(openapi::document))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(tower_http::limit::RequestBodyLimitLayer::new(BODY_LIMIT))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            REQUEST_TIMEOUT,
        ))
        .layer(axum::middleware::map_response(security_headers))
        .with_state(state)
}

/// What every answer carries: the dashboard's own inline style and SVG, its one script from
/// this server, never framed, no content sniffing, no referrer to other sites.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

async fn security_headers(mut r: Response) -> Response {
    use axum::http::HeaderValue;
    let h = r.headers_mut();
    h.insert(
        "content-security-policy",
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    h.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    h.insert("cache-control", HeaderValue::from_static("no-store"));
    r
}

async fn method_not_allowed(method: axum::http::Method, uri: axum::http::Uri) -> AppError {
    AppError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("{method} is not allowed on {}: only GET", uri.path()),
    )
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::collected::{Collected, ObjectiveData};
    use crate::core::events::{Counts, EventSeries};
    use crate::core::model::ObjectiveKey;
    use crate::serve::{Intervals, Snapshot, Specs};
    use axum::body::Body;
    use axum::http::Request;
    use chrono::{DateTime, TimeDelta, Utc};
    use tower::ServiceExt;

    fn at() -> DateTime<Utc> {
        "2026-11-20T00:00:00Z".parse().unwrap()
    }

    fn state(refreshed: bool) -> Shared {
        let text = "apiVersion: slo/v1\nservice: check\"out\nalb: { loadBalancer: app/lb/0123456789abcdef }\nwindow: 1d\nobjectives:\n  - { name: availability, sli: availability, target: 99% }\n";
        let text = text.replace("check\"out", "checkout");
        let mut d = crate::spec::diag::Diagnostics::new(std::path::Path::new("t.yaml"));
        let slo = crate::spec::load::parse_spec(text.as_bytes(), &mut d)
            .unwrap()
            .0;
        let intervals = Intervals {
            notify: Duration::from_secs(60),
            refresh: Duration::from_secs(300),
            heartbeat: Duration::from_secs(60),
            spec_poll: Duration::from_secs(10),
            pending_limits: Default::default(),
        };
        let specs = Specs {
            slos: vec![slo.clone()],
            files: Vec::new(),
            loaded_at: at(),
        };
        let state = Arc::new(AppState::new(specs, intervals, at()));
        if refreshed {
            let mut series = EventSeries::new(TimeDelta::minutes(1)).unwrap();
            for m in 1..=120 {
                let bad = if m < 10 { 10 } else { 0 };
                series.add(at() - TimeDelta::minutes(m), Counts::new(100 - bad, 100));
            }
            let key = ObjectiveKey::new("checkout", "availability");
            let data = Collected::from([(key, ObjectiveData { series, p99: None })]);
            let report = crate::report::build(&[&slo], &data, &Default::default(), at(), None);
            state.set_snapshot(Snapshot {
                report,
                refreshed_at: at(),
                calls: 1,
                queries: 3,
                infra: vec![("checkout".into(), Vec::new())],
                alerts: Some(Vec::new()),
                warnings: Vec::new(),
            });
            state.aws_ok(Utc::now());
            state.notify_completed(Utc::now(), None, 0.0);
        }
        state
    }

    async fn get(state: &Shared, method: &str, path: &str) -> (StatusCode, String) {
        let response = app(state.clone())
            .oneshot(
                Request::builder()
                    .method(method)
                    .uri(path)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 24)
            .await
            .unwrap();
        (status, String::from_utf8_lossy(&bytes).into_owned())
    }

    #[tokio::test]
    async fn before_the_first_refresh_the_service_is_alive_but_not_ready() {
        let s = state(false);
        assert_eq!(get(&s, "GET", "/healthz").await.0, StatusCode::OK);
        let (status, body) = get(&s, "GET", "/readyz").await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(body.contains("\"status\":\"starting\""), "{body}");
        assert_eq!(
            get(&s, "GET", "/api/v1/slos").await.0,
            StatusCode::SERVICE_UNAVAILABLE
        );
        assert_eq!(get(&s, "GET", "/").await.0, StatusCode::SERVICE_UNAVAILABLE);
        // No data is no sample, not a 100 % SLI.
        let (_, metrics) = get(&s, "GET", "/metrics").await;
        assert!(!metrics.contains("slo_sli{"), "{metrics}");
    }

    #[tokio::test]
    async fn readiness_degrades_when_aws_has_not_answered_for_three_intervals() {
        let s = state(true);
        assert_eq!(get(&s, "GET", "/readyz").await.0, StatusCode::OK);
        let long_ago = Utc::now() - TimeDelta::minutes(10);
        *s.health.lock().unwrap() = crate::serve::state::Health {
            last_ok: Some(long_ago),
            last_error: Some((Utc::now(), "GetMetricData: unreachable".into())),
        };
        let (status, body) = get(&s, "GET", "/readyz").await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(
            body.contains("degraded") && body.contains("unreachable"),
            "{body}"
        );
        // The last data is still served.
        assert_eq!(get(&s, "GET", "/api/v1/slos").await.0, StatusCode::OK);
    }

    #[tokio::test]
    async fn the_api_serves_the_report_and_one_objective_with_its_series() {
        let s = state(true);
        let (status, body) = get(&s, "GET", "/api/v1/slos").await;
        assert_eq!(status, StatusCode::OK);
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["objectives"][0]["total"], 12_000);
        let (status, body) = get(&s, "GET", "/api/v1/slos/checkout/availability").await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        // The series is empty in the snapshot-only state (no cache): still well-formed.
        assert!(v["series"]["points"].is_array());
        let (status, body) = get(&s, "GET", "/api/v1/slos/checkout/nope").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(body.contains("no objective checkout/nope"));
    }

    #[tokio::test]
    async fn wrong_methods_paths_and_bodies_are_refused() {
        let s = state(true);
        assert_eq!(
            get(&s, "POST", "/api/v1/slos").await.0,
            StatusCode::METHOD_NOT_ALLOWED
        );
        let (status, body) = get(&s, "DELETE", "/").await;
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
        assert!(
            body.contains("\"error\"") && body.contains("only GET"),
            "{body}"
        );
        // Every answer carries the security headers.
        let answer = app(s.clone())
            .oneshot(Request::builder().uri("/").body(Body::empty()).unwrap())
            .await
            .unwrap();
        let h = answer.headers();
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["x-frame-options"], "DENY");
        assert_eq!(h["referrer-policy"], "no-referrer");
        assert!(
            h["content-security-policy"]
                .to_str()
                .unwrap()
                .contains("frame-ancestors 'none'")
        );
        let (status, body) = get(&s, "GET", "/nope").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(body.contains("\"error\""));
        let big = app(s.clone())
            .oneshot(
                Request::builder()
                    .method("GET")
                    .uri("/api/v1/slos")
                    .header("content-length", (BODY_LIMIT + 1).to_string())
                    .body(Body::from(vec![b'x'; BODY_LIMIT + 1]))
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(big.status(), StatusCode::PAYLOAD_TOO_LARGE);
    }

    #[tokio::test]
    async fn metrics_follow_prometheus_conventions() {
        let s = state(true);
        s.counters.notification("slack", "sent");
        s.counters.aws_error("GetMetricData", "throttled");
        let (status, body) = get(&s, "GET", "/metrics").await;
        assert_eq!(status, StatusCode::OK);
        for family in [
            "slo_sli",
            "slo_error_budget_remaining",
            "slo_burn_rate",
            "slo_objective_status",
            "slo_notifications_total",
            "slo_aws_errors_total",
            "slo_last_refresh_timestamp_seconds",
            "slo_notify_pass_failures_total",
            "slo_notify_oldest_pending_seconds",
            "slo_heartbeat_withheld",
        ] {
            assert!(body.contains(&format!("# TYPE {family} ")), "{family}");
        }
        assert!(body.contains("slo_sli{service=\"checkout\",objective=\"availability\"} 0.9925"));
        let burn_1h: f64 = body
            .lines()
            .find(|l| {
                l.starts_with(
                    "slo_burn_rate{service=\"checkout\",objective=\"availability\",window=\"1h\"} ",
                )
            })
            .and_then(|l| l.rsplit(' ').next()?.parse().ok())
            .unwrap();
        assert!((burn_1h - 1.5).abs() < 1e-9, "{burn_1h}");
        assert!(body.contains("slo_notifications_total{channel=\"slack\",outcome=\"sent\"} 1"));
        assert!(body.contains("slo_heartbeat_withheld 0\n"), "{body}");
        s.notify_failed("the alarms could not be read".into());
        let (_, failing) = get(&s, "GET", "/metrics").await;
        assert!(failing.contains("slo_heartbeat_withheld 1\n"), "{failing}");
        assert!(
            failing.contains("slo_notify_pass_failures_total 1\n"),
            "{failing}"
        );
        assert!(body.contains("slo_aws_errors_total{api=\"GetMetricData\",kind=\"throttled\"} 1"));
        // A page tier fires: 10 % errors in the last minutes burn the last hour at 1.5× (a 1-day
        // window's tiers are all clamped to 1).
        assert!(body.contains(
            "slo_objective_status{service=\"checkout\",objective=\"availability\",status=\"warning\"} 1"
        ));
    }

    #[tokio::test]
    async fn the_dashboard_shows_each_objective_and_the_openapi_document_names_every_route() {
        let s = state(true);
        let (status, page) = get(&s, "GET", "/").await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("checkout / availability"));
        assert!(page.contains("<body data-refresh=\"60\">"));
        // One script, from this server (the CSP allows only 'self'), none inline.
        assert_eq!(page.matches("<script").count(), 1, "{page}");
        assert!(page.contains("<script src=\"/page.js\"></script>"));
        assert!(CONTENT_SECURITY_POLICY.contains("script-src 'self'"));
        assert!(!page.contains("https://fonts"), "no external fonts");
        // The composites were read and none exists: the overview says so, not the replay.
        assert!(page.contains("alerting now"), "{page}");
        assert!(page.contains("no alarms (run slo apply)"), "{page}");
        let (status, script) = get(&s, "GET", "/page.js").await;
        assert_eq!(status, StatusCode::OK);
        assert!(script.contains("aria-sort"));
        // Rendered once per refresh: the second request is served from the first.
        let (_, again) = get(&s, "GET", "/").await;
        assert_eq!(again, page);
        let (_, metrics) = get(&s, "GET", "/metrics").await;
        assert!(
            metrics.contains("slo_dashboard_pages_total{from=\"render\"} 1"),
            "{metrics}"
        );
        assert!(
            metrics.contains("slo_dashboard_pages_total{from=\"cache\"} 1"),
            "{metrics}"
        );
        let (_, doc) = get(&s, "GET", "/api/v1/openapi.json").await;
        let doc: serde_json::Value = serde_json::from_str(&doc).unwrap();
        for path in [
            "/healthz",
            "/readyz",
            "/metrics",
            "/api/v1/slos",
            "/api/v1/slos/{service}/{objective}",
        ] {
            assert!(doc["paths"][path].is_object(), "{path}");
        }
        assert!(doc["components"]["schemas"]["ReportJson"].is_object());
    }
}
