//! `--format json`: the report's wire format, documented in README.md ("Report JSON") and as a
//! JSON Schema generated from these types (`schema/report.schema.json`). The HTTP API serves
//! the same types.

use super::{SourceSummary, finite, rfc3339, sli_value};
use crate::core::deployments::Deployment;
use crate::core::model::Sli;
use crate::core::window::format_duration;
use crate::report::{ObjectiveReport, Report};
use schemars::JsonSchema;
use serde::Serialize;
use std::borrow::Cow;

#[derive(Clone, Debug, Serialize, JsonSchema)]
#[schemars(title = "slo report")]
pub struct ReportJson {
    /// End of every window (RFC 3339, UTC).
    pub at: String,
    /// `access_logs` or `cloudwatch`.
    #[schemars(extend("enum" = ["access_logs", "cloudwatch"]))]
    pub source: &'static str,
    pub objectives: Vec<ObjectiveJson>,
    /// ECS deployments in the window, in time order; `incidents: 0` means clean.
    pub deployments: Vec<DeploymentSummaryJson>,
    pub input: InputJson,
    /// What the answer rests on less than it seems to (also on stderr): `coverage` (the data
    /// does not cover a window), `no_files` (no file of a spec's load balancer),
    /// `other_load_balancers`, `source` (deployments or logs that could not be read).
    pub warnings: Vec<WarningJson>,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct WarningJson {
    pub kind: &'static str,
    pub message: String,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct ObjectiveJson {
    pub service: String,
    pub objective: String,
    /// `availability` or `latency`.
    #[schemars(extend("enum" = ["availability", "latency"]))]
    pub sli: &'static str,
    /// A fraction, never a percentage: 0.999.
    pub target: f64,
    pub window: WindowJson,
    /// Good events in the budget window.
    pub good: u64,
    /// All events in the budget window.
    pub total: u64,
    /// good / total; null when total is 0.
    pub sli_value: Option<f64>,
    /// 1 − consumed; negative when overspent; null: no data (or infinite).
    pub budget_remaining: Option<f64>,
    /// bad / allowed.
    pub budget_consumed: Option<f64>,
    /// (1 − target) · total.
    pub allowed_bad: Option<f64>,
    /// Burn rate over each window ending at `at`, by window (`1h`, `6h`, …); null: no requests.
    pub burn_rates: BurnRates,
    /// `no_data`, `breached`, `warning` or `ok`.
    #[schemars(extend("enum" = ["no_data", "breached", "warning", "ok"]))]
    pub status: &'static str,
    /// Tiers firing at `at`.
    pub firing: Vec<String>,
    pub episodes: Vec<EpisodeJson>,
    /// Episodes that overlap or are less than one short window apart, joined; time order.
    pub incidents: Vec<IncidentJson>,
    /// Where the deployments behind `incidents[].deployment` came from.
    #[schemars(extend("enum" = ["service_deployments", "describe_services", "file", "unavailable", "none"]))]
    pub deployments_source: &'static str,
    /// When the planned alarms would have notified in the window (replayed under CloudWatch's
    /// rules); `end` null: still notifying at `at`.
    pub notifications: Vec<NotificationJson>,
    /// Maintenance windows and corrections (spec `exclusions`) met by the data read: their
    /// requests count for nothing in every figure above.
    pub excluded: Vec<ExcludedJson>,
    /// Latency objectives only.
    #[serde(flatten)]
    pub latency: Option<LatencyJson>,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct ExcludedJson {
    pub start: String,
    pub end: String,
    pub reason: String,
    /// Requests in the span, taken out (the window's and the replay's lead-in's).
    pub requests: u64,
    /// Of which bad.
    pub bad: u64,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct WindowJson {
    /// The window as the spec says it: `rolling 30d`, `calendar month (Asia/Tokyo)`.
    pub spec: String,
    pub start: String,
    pub end: String,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct LatencyJson {
    pub threshold_seconds: f64,
    /// Exact nearest-rank P99 from logs, CloudWatch's `p99` otherwise; null: no data.
    pub p99_seconds: Option<f64>,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct EpisodeJson {
    pub tier: String,
    /// `page` or `ticket`.
    #[schemars(extend("enum" = ["page", "ticket"]))]
    pub severity: &'static str,
    pub start: String,
    pub end: String,
    pub ongoing: bool,
    pub duration_seconds: i64,
    pub good: u64,
    pub total: u64,
    pub peak_burn_rate: Option<f64>,
    /// Fraction of the window's allowance spent by the episode.
    pub budget_spent: Option<f64>,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct IncidentJson {
    /// The alerting span: from the first tier firing to the last one stopping.
    pub start: String,
    pub end: String,
    pub ongoing: bool,
    /// What users saw (what the table, messages and post-mortem lead with).
    pub impact: ImpactJson,
    /// When the first page-severity tier fired; null if only tickets did.
    pub first_page: Option<String>,
    /// Severities that fired, page first.
    #[schemars(extend("items" = { "enum": ["page", "ticket"] }))]
    pub severities: Vec<&'static str>,
    pub peak_burn_rate: Option<f64>,
    pub budget_spent: Option<f64>,
    /// The deployment of the service in progress when the impact started, or started within
    /// the lead time before it; null: none.
    pub deployment: Option<AttributionJson>,
    /// The top log templates of the service over the incident's impact (and the lead time
    /// before it); null: no log source.
    pub evidence: Option<EvidenceJson>,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct EvidenceJson {
    #[schemars(extend("enum" = ["file", "cloudwatch_logs", "unavailable"]))]
    pub source: &'static str,
    /// The log group, or the file's path.
    pub log_group: String,
    /// Why it is unavailable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bytes_scanned: Option<u64>,
    /// The window read: [impact start − lead, min(impact end, impact start − lead + 6 h)].
    pub from: String,
    pub to: String,
    /// Sorted by count, descending.
    pub top: Vec<TemplateJson>,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct TemplateJson {
    /// The line with its variables as `<*>`, secrets redacted.
    pub template: String,
    pub count: u64,
    pub first_seen: String,
    pub last_seen: String,
    /// One line of it, redacted, at most 300 characters.
    pub sample: String,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct AttributionJson {
    /// `serviceDeploymentArn` (or the deployment id, from DescribeServices).
    pub arn: String,
    /// The source's own value, e.g. `ROLLBACK_SUCCESSFUL`.
    pub status: String,
    pub strategy: Option<String>,
    pub started_at: String,
    pub finished_at: Option<String>,
    /// What was deployed: the service revision or task definition.
    pub target: Option<String>,
    pub images: Vec<ImageJson>,
    pub rollback: Option<RollbackJson>,
    /// The burn stopped within 30 minutes of the rollback's end (true), went on (false), or
    /// there was no finished rollback (null).
    pub recovered_after_rollback: Option<bool>,
    /// Budget spent from the deployment's start to the incident's end.
    pub budget_spent: Option<f64>,
    /// What the guard alarm (`ecs.rollbackOnBurn`) would have done: null when it would not
    /// have fired during the deployment or its bake time.
    pub guard: Option<GuardJson>,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct GuardJson {
    /// When ECS would have failed the deployment (the guard's first ALARM).
    pub would_fail_at: String,
    /// The budget that rollback would have saved, in the unit of `budget_spent`.
    pub budget_saved: Option<f64>,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct ImageJson {
    pub image: String,
    pub tag: Option<String>,
    pub digest: Option<String>,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct RollbackJson {
    #[schemars(extend("enum" = ["circuit_breaker", "alarm", "manual"]))]
    pub trigger: &'static str,
    pub reason: Option<String>,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    /// For `alarm`: the alarms that triggered it.
    pub alarms: Vec<String>,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct DeploymentSummaryJson {
    pub service: String,
    pub arn: String,
    pub status: String,
    pub strategy: Option<String>,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub images: Vec<ImageJson>,
    pub rollback: Option<RollbackJson>,
    /// Incidents attributed to it (0: a clean deployment).
    pub incidents: usize,
    /// The most budget one objective spent from its start to its incidents' end.
    pub budget_spent: Option<f64>,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct NotificationJson {
    #[schemars(extend("enum" = ["page", "ticket"]))]
    pub severity: &'static str,
    /// When CloudWatch would have run the composite's actions (after suppression).
    pub start: String,
    /// When it would have returned to OK; null: still in ALARM at `at`.
    pub end: Option<String>,
    /// The deployment it would have named (that of the incident it belongs to); null: none.
    pub deployment: Option<AttributionJson>,
}

/// What users saw: the span in which the incident's bad events ran above the budget rate.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct ImpactJson {
    /// The first minute holding a bad event while the burst ran above the budget rate.
    pub start: String,
    /// The end of the last such minute.
    pub end: String,
    pub bad_events: u64,
    pub requests: u64,
}

/// Burn rates by window, in the report's window order (a map in JSON).
#[derive(Clone, Debug, Default)]
pub struct BurnRates(pub Vec<(String, Option<f64>)>);

impl Serialize for BurnRates {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

impl JsonSchema for BurnRates {
    fn schema_name() -> Cow<'static, str> {
        "BurnRates".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "object",
            "description": "Burn rate by window (`1h`, `6h`, `1d`, `3d`); null: no requests in it.",
            "additionalProperties": { "type": ["number", "null"] }
        })
    }
}

/// What the report read.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum InputJson {
    AccessLogs {
        /// The oldest request read (RFC 3339); `null` when none was.
        first: Option<String>,
        /// The newest request read (RFC 3339, the end of its minute).
        last: Option<String>,
        files_found: usize,
        files_read: usize,
        files_skipped: usize,
        bytes_read: u64,
        lines: u64,
        matched: u64,
        malformed: u64,
        malformed_samples: Vec<MalformedJson>,
        unreadable: Vec<UnreadableJson>,
    },
    CloudWatch {
        /// The oldest datapoint with requests (RFC 3339); `null` when none was.
        first: Option<String>,
        /// The end of the newest datapoint with requests (RFC 3339).
        last: Option<String>,
        get_metric_data_calls: usize,
    },
    Athena {
        /// The oldest request counted (RFC 3339); `null` when none was.
        first: Option<String>,
        /// The end of the newest minute with requests (RFC 3339).
        last: Option<String>,
        /// `DATABASE.TABLE`.
        table: String,
        query_execution_id: String,
        /// What Athena read, and billed (at least 10 MB a query).
        bytes_scanned: u64,
        /// The bytes under the query's partitions, listed before it ran; `null` when they
        /// could not be (a warning says why).
        estimated_bytes: Option<u64>,
        /// At $5 per TB scanned.
        price_usd: f64,
        result_rows: usize,
    },
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct MalformedJson {
    pub file: String,
    pub line: u64,
    pub reason: String,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct UnreadableJson {
    pub file: String,
    pub error: String,
}

impl ReportJson {
    pub fn new(report: &Report, source: &SourceSummary) -> ReportJson {
        ReportJson {
            at: rfc3339(report.at),
            source: source.name(),
            objectives: report.objectives.iter().map(objective).collect(),
            deployments: report
                .deployments
                .iter()
                .map(|s| DeploymentSummaryJson {
                    service: s.deployment.service.clone(),
                    arn: s.deployment.arn.clone(),
                    status: s.deployment.status.clone(),
                    strategy: s.deployment.strategy.clone(),
                    started_at: rfc3339(s.deployment.start()),
                    finished_at: s.deployment.finished_at.map(rfc3339),
                    images: images(&s.deployment),
                    rollback: rollback(&s.deployment),
                    incidents: s.incidents,
                    budget_spent: finite(s.budget_spent),
                })
                .collect(),
            input: input(source, report.input_span),
            warnings: report
                .warnings
                .iter()
                .map(|w| WarningJson {
                    kind: w.kind,
                    message: w.message.clone(),
                })
                .collect(),
        }
    }
}

pub fn render(report: &Report, source: &SourceSummary) -> String {
    pretty(&ReportJson::new(report, source))
}

/// Pretty JSON with a final newline, as every `--format json` prints.
pub fn pretty<T: Serialize>(value: &T) -> String {
    let mut s = serde_json::to_string_pretty(value).unwrap_or_default();
    s.push('\n');
    s
}

pub fn objective(o: &ObjectiveReport) -> ObjectiveJson {
    let a = &o.assessment;
    ObjectiveJson {
        service: o.key.service.clone(),
        objective: o.key.objective.clone(),
        sli: o.sli.name(),
        target: o.target.get(),
        window: WindowJson {
            spec: o.window.to_string(),
            start: rfc3339(a.range.start),
            end: rfc3339(a.range.end),
        },
        good: a.counts.good,
        total: a.counts.total,
        sli_value: sli_value(o),
        budget_remaining: a.budget.and_then(|b| finite(b.remaining())),
        budget_consumed: a.budget.and_then(|b| finite(b.consumed())),
        allowed_bad: a.budget.map(|b| b.allowed()),
        burn_rates: BurnRates(
            a.burn_rates
                .iter()
                .map(|b| {
                    (
                        format_duration(b.window),
                        b.rate.and_then(|r| finite(r.get())),
                    )
                })
                .collect(),
        ),
        status: a.status.name(),
        firing: a.firing.clone(),
        episodes: a
            .episodes
            .iter()
            .map(|e| EpisodeJson {
                tier: e.tier.clone(),
                severity: e.severity.name(),
                start: rfc3339(e.start),
                end: rfc3339(e.end),
                ongoing: e.ongoing,
                duration_seconds: e.duration().num_seconds(),
                good: e.counts.good,
                total: e.counts.total,
                peak_burn_rate: finite(e.peak_burn_rate),
                budget_spent: finite(e.budget_spent),
            })
            .collect(),
        incidents: a
            .incidents
            .iter()
            .map(|i| IncidentJson {
                start: rfc3339(i.start),
                end: rfc3339(i.end),
                ongoing: i.ongoing,
                impact: ImpactJson {
                    start: rfc3339(i.impact.start),
                    end: rfc3339(i.impact.end),
                    bad_events: i.impact.bad_events,
                    requests: i.impact.requests,
                },
                first_page: i.first_page.map(rfc3339),
                severities: i.severities.iter().map(|s| s.name()).collect(),
                peak_burn_rate: finite(i.peak_burn_rate),
                budget_spent: finite(i.budget_spent),
                deployment: i.deployment.as_ref().map(attribution),
                evidence: i.evidence.as_ref().map(|e| EvidenceJson {
                    source: e.source.name(),
                    log_group: e.log_group.clone(),
                    reason: e.reason.clone(),
                    bytes_scanned: e.bytes_scanned,
                    from: rfc3339(e.from),
                    to: rfc3339(e.to),
                    top: e
                        .top
                        .iter()
                        .map(|t| TemplateJson {
                            template: t.template.clone(),
                            count: t.count,
                            first_seen: rfc3339(t.first_seen),
                            last_seen: rfc3339(t.last_seen),
                            sample: t.sample.clone(),
                        })
                        .collect(),
                }),
            })
            .collect(),
        deployments_source: o.deployments_source.name(),
        notifications: o
            .notifications
            .iter()
            .map(|n| NotificationJson {
                severity: n.notification.severity.name(),
                start: rfc3339(n.notification.start),
                end: n.notification.end.map(rfc3339),
                deployment: n.deployment.as_ref().map(attribution),
            })
            .collect(),
        excluded: o
            .excluded
            .iter()
            .map(|e| ExcludedJson {
                start: rfc3339(e.range.start),
                end: rfc3339(e.range.end),
                reason: e.reason.clone(),
                requests: e.requests,
                bad: e.bad,
            })
            .collect(),
        latency: match o.sli {
            Sli::Latency { threshold } => Some(LatencyJson {
                threshold_seconds: threshold.as_secs_f64(),
                p99_seconds: o.p99.map(|p| p.as_secs_f64()),
            }),
            Sli::Availability => None,
        },
    }
}

fn attribution(a: &crate::core::correlate::Attribution) -> AttributionJson {
    AttributionJson {
        arn: a.deployment.arn.clone(),
        status: a.deployment.status.clone(),
        strategy: a.deployment.strategy.clone(),
        started_at: rfc3339(a.deployment.start()),
        finished_at: a.deployment.finished_at.map(rfc3339),
        target: a.deployment.target.clone(),
        images: images(&a.deployment),
        rollback: rollback(&a.deployment),
        recovered_after_rollback: a.recovered_after_rollback,
        budget_spent: finite(a.budget_spent),
        guard: a.guard.map(|g| GuardJson {
            would_fail_at: rfc3339(g.would_fail_at),
            budget_saved: finite(g.budget_saved),
        }),
    }
}

fn images(d: &Deployment) -> Vec<ImageJson> {
    d.images
        .iter()
        .map(|i| ImageJson {
            image: i.image.clone(),
            tag: i.tag().map(str::to_owned),
            digest: i.digest.clone(),
        })
        .collect()
}

fn rollback(d: &Deployment) -> Option<RollbackJson> {
    d.rollback.as_ref().map(|r| RollbackJson {
        trigger: r.trigger.name(),
        reason: r.reason.clone(),
        started_at: r.started_at.map(rfc3339),
        finished_at: r.finished_at.map(rfc3339),
        alarms: r.alarms.clone(),
    })
}

fn input(source: &SourceSummary, span: Option<crate::core::window::TimeRange>) -> InputJson {
    let first = span.map(|r| rfc3339(r.start));
    let last = span.map(|r| rfc3339(r.end));
    match source {
        SourceSummary::AccessLogs(s) => InputJson::AccessLogs {
            first,
            last,
            files_found: s.files_found,
            files_read: s.files_read,
            files_skipped: s.files_skipped,
            bytes_read: s.bytes_read,
            lines: s.lines,
            matched: s.matched,
            malformed: s.malformed,
            malformed_samples: s
                .malformed_samples
                .iter()
                .map(|m| MalformedJson {
                    file: m.file.display().to_string(),
                    line: m.line,
                    reason: m.reason.clone(),
                })
                .collect(),
            unreadable: s
                .unreadable
                .iter()
                .map(|(f, e)| UnreadableJson {
                    file: f.display().to_string(),
                    error: e.clone(),
                })
                .collect(),
        },
        SourceSummary::CloudWatch { calls } => InputJson::CloudWatch {
            first,
            last,
            get_metric_data_calls: *calls,
        },
        SourceSummary::Athena(a) => InputJson::Athena {
            first,
            last,
            table: a.table.clone(),
            query_execution_id: a.query_id.clone(),
            bytes_scanned: a.scanned_bytes,
            estimated_bytes: a.estimated_bytes,
            price_usd: crate::source::athena::price_usd(a.scanned_bytes),
            result_rows: a.rows,
        },
    }
}
