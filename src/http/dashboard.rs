//! `GET /`: the dashboard, the same page `slo report --format html` writes, from the last
//! refresh, refreshing itself every minute.

use super::Shared;
use crate::render::html::{Extras, page as render_page};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use chrono::Utc;

pub async fn page(State(state): State<Shared>) -> Response {
    let mut notices = Vec::new();
    if let Err(not_ready) = state.readiness(Utc::now()) {
        notices.push(not_ready.reason);
    }
    if let Some(e) = state
        .spec_error
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .as_ref()
    {
        notices.push(format!(
            "The last spec reload failed; the previous specs stay in force:\n{e}"
        ));
    }
    let Some(snapshot) = state.snapshot() else {
        notices.push("No refresh has completed yet.".to_owned());
        let html = format!(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><meta http-equiv=\"refresh\" content=\"5\"><title>slo</title></head><body><h1>slo</h1>{}</body></html>",
            notices
                .iter()
                .map(|n| format!("<p>{}</p>", crate::render::svg::escape(n)))
                .collect::<String>()
        );
        return (StatusCode::SERVICE_UNAVAILABLE, Html(html)).into_response();
    };
    notices.extend(snapshot.warnings.iter().cloned());
    let source = format!(
        "CloudWatch, refreshed {} ({} GetMetricData call(s), {} queries)",
        crate::render::time(snapshot.refreshed_at),
        snapshot.calls,
        snapshot.queries
    );
    let specs = state.specs();
    let cache = state.cache.read().unwrap_or_else(|e| e.into_inner());
    let html = render_page(
        "slo — error budgets",
        &snapshot.report,
        cache.data(),
        &Extras {
            refresh_seconds: Some(60),
            notices: &notices,
            infra: Some(&snapshot.infra),
            source: &source,
            tiers: &|o| {
                specs
                    .slos
                    .iter()
                    .find(|s| s.service == o.key.service)
                    .map(|s| s.alerting.tiers.clone())
                    .unwrap_or_default()
            },
        },
    );
    Html(html).into_response()
}
