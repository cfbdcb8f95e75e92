//! `GET /metrics`: the Prometheus text format (version 0.0.4). Gauges per objective from the
//! last refresh, counters of the service's own work. An objective with no data has no
//! `slo_sli` sample (absent, not 100 %); its status says `no_data`.

use super::Shared;
use crate::core::status::Status;
use crate::serve::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use std::fmt::Write;

/// A label value with `\`, `"` and newlines escaped.
fn label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

fn number(v: f64) -> String {
    if v.is_nan() {
        "NaN".to_owned()
    } else if v == f64::INFINITY {
        "+Inf".to_owned()
    } else if v == f64::NEG_INFINITY {
        "-Inf".to_owned()
    } else {
        format!("{v}")
    }
}

/// A counter family with two labels.
fn counters(
    out: &mut String,
    name: &str,
    help: &str,
    labels: [&str; 2],
    values: &std::sync::Mutex<std::collections::BTreeMap<(String, String), u64>>,
) {
    family(out, name, "counter", help);
    for ((a, b), n) in values.lock().unwrap_or_else(|e| e.into_inner()).iter() {
        let _ = writeln!(
            out,
            "{name}{{{}=\"{}\",{}=\"{}\"}} {n}",
            labels[0],
            label(a),
            labels[1],
            label(b)
        );
    }
}

/// The whole exposition, from the state as it is now.
pub fn render(state: &AppState) -> String {
    let mut out = String::new();
    let snapshot = state.snapshot();
    let objectives = snapshot
        .as_ref()
        .map(|s| s.report.objectives.as_slice())
        .unwrap_or_default();
    let labels = |o: &crate::report::ObjectiveReport| {
        format!(
            "service=\"{}\",objective=\"{}\"",
            label(&o.key.service),
            label(&o.key.objective)
        )
    };
    family(
        &mut out,
        "slo_sli",
        "gauge",
        "Good events / all events over the objective's window (absent: no data).",
    );
    for o in objectives {
        if let Some(v) = crate::render::sli_value(o) {
            let _ = writeln!(out, "slo_sli{{{}}} {}", labels(o), number(v));
        }
    }
    family(
        &mut out,
        "slo_objective_target",
        "gauge",
        "The objective's target, as a fraction.",
    );
    for o in objectives {
        let _ = writeln!(
            out,
            "slo_objective_target{{{}}} {}",
            labels(o),
            number(o.target.get())
        );
    }
    family(
        &mut out,
        "slo_error_budget_remaining",
        "gauge",
        "Error budget left over the window, as a fraction (negative: overspent).",
    );
    for o in objectives {
        if let Some(b) = o.assessment.budget {
            let _ = writeln!(
                out,
                "slo_error_budget_remaining{{{}}} {}",
                labels(o),
                number(b.remaining())
            );
        }
    }
    family(
        &mut out,
        "slo_burn_rate",
        "gauge",
        "Burn rate over a window ending now (1: spending exactly the budget).",
    );
    for o in objectives {
        for b in &o.assessment.burn_rates {
            if let Some(r) = b.rate {
                let _ = writeln!(
                    out,
                    "slo_burn_rate{{{},window=\"{}\"}} {}",
                    labels(o),
                    crate::core::window::format_duration(b.window),
                    number(r.get())
                );
            }
        }
    }
    family(
        &mut out,
        "slo_objective_status",
        "gauge",
        "1 for the objective's current status, 0 for the others.",
    );
    for o in objectives {
        for s in [
            Status::Ok,
            Status::Warning,
            Status::Breached,
            Status::NoData,
        ] {
            let _ = writeln!(
                out,
                "slo_objective_status{{{},status=\"{}\"}} {}",
                labels(o),
                s.name(),
                u8::from(o.assessment.status == s)
            );
        }
    }
    counters(
        &mut out,
        "slo_notifications_total",
        "Notifications tried, by channel and outcome.",
        ["channel", "outcome"],
        &state.counters.notifications,
    );
    counters(
        &mut out,
        "slo_aws_errors_total",
        "AWS calls that failed after retries, by API and kind.",
        ["api", "kind"],
        &state.counters.aws_errors,
    );
    family(
        &mut out,
        "slo_refreshes_total",
        "counter",
        "Refreshes of every objective, by outcome.",
    );
    for (outcome, n) in state
        .counters
        .refreshes
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
    {
        let _ = writeln!(
            out,
            "slo_refreshes_total{{outcome=\"{}\"}} {n}",
            label(outcome)
        );
    }
    family(
        &mut out,
        "slo_dashboard_pages_total",
        "counter",
        "Dashboard pages served, by where from: rendered, or the page of the same refresh.",
    );
    for (from, n) in state
        .counters
        .pages
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
    {
        let _ = writeln!(
            out,
            "slo_dashboard_pages_total{{from=\"{}\"}} {n}",
            label(from)
        );
    }
    family(
        &mut out,
        "slo_last_refresh_timestamp_seconds",
        "gauge",
        "When the last successful refresh started (Unix seconds).",
    );
    if let Some(s) = &snapshot {
        let _ = writeln!(
            out,
            "slo_last_refresh_timestamp_seconds {}",
            s.refreshed_at.timestamp()
        );
    }
    family(
        &mut out,
        "slo_refresh_warnings",
        "gauge",
        "Warnings of the last successful refresh (services whose deployments or evidence could not be read; logged once when they appear).",
    );
    if let Some(s) = &snapshot {
        let _ = writeln!(out, "slo_refresh_warnings {}", s.warnings.len());
    }
    let n = state.notify_health();
    family(
        &mut out,
        "slo_notify_pass_failures_total",
        "counter",
        "Notification passes that failed (AWS, the journal, the pass deadline).",
    );
    let _ = writeln!(
        out,
        "slo_notify_pass_failures_total {}",
        n.pass_failures_total
    );
    family(
        &mut out,
        "slo_notify_oldest_pending_seconds",
        "gauge",
        "How long the oldest undelivered message had waited at the last pass (0: none).",
    );
    let _ = writeln!(
        out,
        "slo_notify_oldest_pending_seconds {}",
        number(n.oldest_pending_seconds)
    );
    family(
        &mut out,
        "slo_heartbeat_withheld",
        "gauge",
        "1 while the heartbeat is withheld because notifications are not getting through.",
    );
    let _ = writeln!(
        out,
        "slo_heartbeat_withheld {}",
        u8::from(state.heartbeat_withheld(chrono::Utc::now()).is_some())
    );
    family(&mut out, "slo_specs_loaded", "gauge", "Specs in force.");
    let _ = writeln!(out, "slo_specs_loaded {}", state.specs().slos.len());
    family(
        &mut out,
        "slo_spec_reload_failed",
        "gauge",
        "1 while the last spec reload failed (the previous specs stay in force).",
    );
    let failed = state
        .spec_error
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .is_some();
    let _ = writeln!(out, "slo_spec_reload_failed {}", u8::from(failed));
    out
}

pub async fn metrics(State(state): State<Shared>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        render(&state),
    )
}
