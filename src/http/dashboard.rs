//! `GET /`: the dashboard, the same page `slo report --format html` writes, from the last
//! refresh, refreshing itself every minute; rendered once per refresh (and when its notices
//! change), not per request. `GET /page.js`: the page's script (sorting, reloading).

use super::Shared;
use crate::core::alarms::AlarmStatus;
use crate::core::alarms::naming;
use crate::core::tiers::Severity;
use crate::render::html::{Extras, PAGE_SCRIPT, page as render_page};
use crate::report::ObjectiveReport;
use crate::serve::state::CachedPage;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::{Html, IntoResponse, Response};
use chrono::Utc;
use std::sync::Arc;

pub const SCRIPT_PATH: &str = "/page.js";

pub async fn script() -> Response {
    (
        [(CONTENT_TYPE, "text/javascript; charset=utf-8")],
        PAGE_SCRIPT,
    )
        .into_response()
}

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
    let mut cached = state.page.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(c) = cached
        .as_ref()
        .filter(|c| c.refreshed_at == snapshot.refreshed_at && c.notices == notices)
    {
        state.counters.page_render(false);
        return Html(c.html.to_string()).into_response();
    }
    let source = format!(
        "CloudWatch, refreshed {} ({} GetMetricData call(s), {} queries)",
        crate::render::time(snapshot.refreshed_at),
        snapshot.calls,
        snapshot.queries
    );
    let specs = state.specs();
    let alerts = snapshot.alerts.as_deref();
    let alert_state = |o: &ObjectiveReport| alert_words(alerts.unwrap_or_default(), o);
    let html: Arc<str> = {
        let cache = state.cache.series.read().unwrap_or_else(|e| e.into_inner());
        render_page(
            "slo — error budgets",
            &snapshot.report,
            &*cache,
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
                alert_state: alerts.map(|_| &alert_state as &dyn Fn(&ObjectiveReport) -> String),
                script_src: Some(SCRIPT_PATH),
            },
        )
        .into()
    };
    state.counters.page_render(true);
    *cached = Some(CachedPage {
        refreshed_at: snapshot.refreshed_at,
        notices,
        html: html.clone(),
    });
    Html(html.to_string()).into_response()
}

/// Whether an objective pages or tickets now, in words, from its severity composites in
/// CloudWatch: "page firing since 14:02", "none", or that `slo apply` has not made them.
pub fn alert_words(states: &[AlarmStatus], o: &ObjectiveReport) -> String {
    let mut firing = Vec::new();
    let mut found = 0;
    let mut insufficient = false;
    for severity in [Severity::Page, Severity::Ticket] {
        let name = naming::severity(&o.key.service, &o.key.objective, severity);
        let Some(a) = states.iter().find(|a| a.name == name) else {
            continue;
        };
        found += 1;
        match a.state.as_str() {
            "ALARM" => firing.push(format!(
                "{} firing since {}",
                severity.name(),
                a.since.format("%m-%d %H:%M")
            )),
            "INSUFFICIENT_DATA" => insufficient = true,
            _ => {}
        }
    }
    if !firing.is_empty() {
        firing.join(", ")
    } else if found == 0 {
        "no alarms (run slo apply)".to_owned()
    } else if insufficient {
        "none (insufficient data)".to_owned()
    } else {
        "none".to_owned()
    }
}
