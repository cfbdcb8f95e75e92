//! `--format json`: one object, documented in README.md ("Report JSON").

use super::{SourceSummary, finite, rfc3339, sli_value};
use crate::core::model::Sli;
use crate::core::window::format_duration;
use crate::report::{ObjectiveReport, Report};
use serde_json::{Value, json};

pub fn render(report: &Report, source: &SourceSummary) -> String {
    let value = json!({
        "at": rfc3339(report.at),
        "source": source.name(),
        "objectives": report.objectives.iter().map(objective).collect::<Vec<_>>(),
        "input": input(source),
    });
    let mut s = serde_json::to_string_pretty(&value).unwrap_or_default();
    s.push('\n');
    s
}

fn objective(o: &ObjectiveReport) -> Value {
    let a = &o.assessment;
    let burn_rates: serde_json::Map<String, Value> = a
        .burn_rates
        .iter()
        .map(|b| {
            (
                format_duration(b.window),
                json!(b.rate.and_then(|r| finite(r.get()))),
            )
        })
        .collect();
    let mut v = json!({
        "service": o.service,
        "objective": o.objective,
        "sli": o.sli.name(),
        "target": o.target.get(),
        "window": {
            "spec": o.window.to_string(),
            "start": rfc3339(a.range.start),
            "end": rfc3339(a.range.end),
        },
        "good": a.counts.good,
        "total": a.counts.total,
        "sli_value": sli_value(o),
        "budget_remaining": a.budget.and_then(|b| finite(b.remaining())),
        "budget_consumed": a.budget.and_then(|b| finite(b.consumed())),
        "allowed_bad": a.budget.map(|b| b.allowed()),
        "burn_rates": burn_rates,
        "status": a.status.name(),
        "firing": a.firing,
        "episodes": a.episodes.iter().map(|e| json!({
            "tier": e.tier,
            "severity": e.severity.name(),
            "start": rfc3339(e.start),
            "end": rfc3339(e.end),
            "ongoing": e.ongoing,
            "duration_seconds": e.duration().num_seconds(),
            "good": e.counts.good,
            "total": e.counts.total,
            "peak_burn_rate": finite(e.peak_burn_rate),
            "budget_spent": finite(e.budget_spent),
        })).collect::<Vec<_>>(),
    });
    if let Sli::Latency { threshold } = o.sli {
        v["threshold_seconds"] = json!(threshold.as_secs_f64());
        v["p99_seconds"] = json!(o.p99.map(|p| p.as_secs_f64()));
    }
    v
}

fn input(source: &SourceSummary) -> Value {
    match source {
        SourceSummary::AccessLogs(s) => json!({
            "files_found": s.files_found,
            "files_read": s.files_read,
            "files_skipped": s.files_skipped,
            "bytes_read": s.bytes_read,
            "lines": s.lines,
            "matched": s.matched,
            "malformed": s.malformed,
            "malformed_samples": s.malformed_samples.iter().map(|m| json!({
                "file": m.file.display().to_string(),
                "line": m.line,
                "reason": m.reason,
            })).collect::<Vec<_>>(),
            "unreadable": s.unreadable.iter().map(|(f, e)| json!({
                "file": f.display().to_string(),
                "error": e,
            })).collect::<Vec<_>>(),
        }),
        SourceSummary::CloudWatch { calls } => json!({ "get_metric_data_calls": calls }),
    }
}
