//! Health and the JSON API. `/api/v1/slos` is the report's JSON (`schema/report.schema.json`);
//! one objective adds its event series and its burn-down line.

use super::{AppError, Shared};
use crate::core::burndown::burn_down;
use crate::core::model::ObjectiveKey;
use crate::render::json::{ObjectiveJson, ReportJson};
use crate::render::{SourceSummary, rfc3339};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use schemars::JsonSchema;
use serde::Serialize;

#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct ErrorJson {
    /// What went wrong, for people.
    pub error: String,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct HealthJson {
    /// `ok`, `starting` or `degraded`.
    #[schemars(extend("enum" = ["ok", "starting", "degraded"]))]
    pub status: &'static str,
    /// Why it is not ready; null when ready.
    pub reason: Option<String>,
    /// The last AWS round trip that succeeded (RFC 3339); null: none yet.
    pub last_aws_success: Option<String>,
    /// The last refresh of the objectives (RFC 3339); null: none yet.
    pub last_refresh: Option<String>,
    /// Specs in force.
    pub specs: usize,
}

/// One objective with its events over the window.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct ObjectiveDetailJson {
    pub objective: ObjectiveJson,
    pub series: SeriesJson,
    /// The error budget left over the window (the dashboard's burn-down chart).
    pub burn_down: Vec<BurnDownJson>,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct SeriesJson {
    /// The bucket: 60 (per minute) or 300 (per 5 minutes), as CloudWatch keeps the window.
    pub step_seconds: i64,
    /// Every bucket of the budget window, empty ones included (no traffic, not success).
    pub points: Vec<SeriesPointJson>,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct SeriesPointJson {
    pub start: String,
    pub good: u64,
    pub total: u64,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct BurnDownJson {
    pub at: String,
    /// 1 − bad so far / the window's allowance; null: no requests in the window.
    pub remaining: Option<f64>,
    /// Spent evenly over the window.
    pub ideal: f64,
}

/// Alive: the process answers.
pub async fn healthz() -> Json<serde_json::Value> {
    Json(serde_json::json!({"status": "ok"}))
}

/// Ready: specs loaded and an AWS round trip succeeded recently; `503` with the reason else.
pub async fn readyz(State(state): State<Shared>) -> Response {
    let now = Utc::now();
    let health = state.health();
    let ready = state.readiness(now);
    let body = HealthJson {
        status: ready.as_ref().map_or_else(|n| n.phase.name(), |()| "ok"),
        reason: ready.as_ref().err().map(|n| n.reason.clone()),
        last_aws_success: health.last_ok.map(rfc3339),
        last_refresh: state.snapshot().map(|s| rfc3339(s.refreshed_at)),
        specs: state.specs().slos.len(),
    };
    let status = if ready.is_ok() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(body)).into_response()
}

fn no_refresh_yet() -> AppError {
    AppError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "no refresh has completed yet; try again shortly",
    )
}

/// Every objective, as `slo report --format json` writes it.
pub async fn slos(State(state): State<Shared>) -> Result<Json<ReportJson>, AppError> {
    let snapshot = state.snapshot().ok_or_else(no_refresh_yet)?;
    Ok(Json(ReportJson::new(
        &snapshot.report,
        &SourceSummary::CloudWatch {
            calls: snapshot.calls,
        },
    )))
}

/// One objective, with its series and burn-down.
pub async fn objective(
    State(state): State<Shared>,
    Path((service, objective)): Path<(String, String)>,
) -> Result<Json<ObjectiveDetailJson>, AppError> {
    let snapshot = state.snapshot().ok_or_else(no_refresh_yet)?;
    let key = ObjectiveKey::new(&service, &objective);
    let o = snapshot
        .report
        .objectives
        .iter()
        .find(|o| o.key == key)
        .ok_or_else(|| AppError::new(StatusCode::NOT_FOUND, format!("no objective {key}")))?;
    let range = o.assessment.range;
    let cache = state.cache.series.read().unwrap_or_else(|e| e.into_inner());
    let (series, burn) = match cache.get(&key) {
        Some(d) => {
            let step = d.series.bucket().num_seconds();
            let mut points = Vec::new();
            let mut t = range.start;
            // Every bucket of the window, empty ones too.
            let bucket = d.series.bucket();
            let first = t.timestamp().div_euclid(step) * step;
            t = chrono::DateTime::from_timestamp(first, 0).unwrap_or(t);
            if t < range.start {
                t += bucket;
            }
            while t < range.end {
                let c = d.series.sum(crate::core::window::TimeRange {
                    start: t,
                    end: t + bucket,
                });
                points.push(SeriesPointJson {
                    start: rfc3339(t),
                    good: c.good,
                    total: c.total,
                });
                t += bucket;
            }
            let line = burn_down(
                &d.series,
                o.target,
                range,
                o.window.nominal(),
                crate::render::html::CHART_POINTS,
            );
            (
                SeriesJson {
                    step_seconds: step,
                    points,
                },
                line,
            )
        }
        None => (
            SeriesJson {
                step_seconds: 60,
                points: Vec::new(),
            },
            Vec::new(),
        ),
    };
    Ok(Json(ObjectiveDetailJson {
        objective: crate::render::json::objective(o),
        series,
        burn_down: burn
            .into_iter()
            .map(|p| BurnDownJson {
                at: rfc3339(p.at),
                remaining: p.remaining.and_then(crate::render::finite),
                ideal: p.ideal,
            })
            .collect(),
    }))
}
