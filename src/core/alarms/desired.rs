//! Spec → the alarms it calls for: ECS CPU and memory, the ALB 5xx rate, and per objective and
//! tier two burn-rate alarms and the composite that pages.

use super::model::*;
use super::naming;
use crate::core::model::{LogAlarm, NotifyVia, Objective, RollbackOnBurn, ServiceSlo, Sli};
use crate::core::ratio::format_percent;
use crate::core::sli_metrics::{bad_expression, counting_metrics, p99_metric};
use crate::core::tiers::{Severity, Tier};
use crate::core::window::format_duration;
use chrono::TimeDelta;

const ECS: &str = "AWS/ECS";
/// The ticket composite waits this long for the page composite to fire before it notifies.
const TICKET_WAIT_SECS: u32 = 300;
/// The ALB 5xx-rate alarm: 5-minute periods, breaching in 2 of the last 3 (README: "Infra
/// alarms" has the replay behind the choice).
const HTTP_5XX_PERIOD_SECS: u32 = 300;
const HTTP_5XX_DATAPOINTS: u32 = 2;
const HTTP_5XX_PERIODS: u32 = 3;

/// Why a desired alarm cannot exist in CloudWatch.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum LimitError {
    #[error("{alarm}: {count} metrics in one metric-math alarm (CloudWatch allows 10)")]
    TooManyMetrics { alarm: String, count: usize },
    #[error("{alarm}: period {period}s is not valid (10, 20, 30 or a multiple of 60)")]
    BadPeriod { alarm: String, period: u32 },
    #[error(
        "{alarm}: evaluates {total}s of data; CloudWatch allows {max}s for a period of {period}s"
    )]
    TooLong {
        alarm: String,
        total: u64,
        max: u64,
        period: u32,
    },
    #[error("{alarm}: the name is {len} characters; CloudWatch allows 255")]
    NameTooLong { alarm: String, len: usize },
}

/// Every alarm `slo` keeps for `slo` (the account-wide heartbeat alarm aside: see
/// [`heartbeat_alarm`]), or the CloudWatch limits it would break.
pub fn desired_alarms(slo: &ServiceSlo) -> Result<Vec<Alarm>, Vec<LimitError>> {
    let mut alarms = infra_alarms(slo);
    let mut pages = Vec::new();
    for objective in &slo.objectives {
        let (burn, page) = burn_alarms(slo, objective);
        alarms.extend(burn);
        pages.extend(page);
    }
    for l in &slo.alerting.logs {
        let alarm = log_alarm(slo, l);
        if l.severity == Severity::Page {
            pages.push(alarm.name().to_owned());
        }
        alarms.push(alarm);
    }
    alarms.extend(fallback_alarm(slo, pages));
    if slo
        .ecs
        .as_ref()
        .is_some_and(|e| e.rollback_on_burn != RollbackOnBurn::Off)
    {
        alarms.extend(guard_alarm(slo).map(Alarm::Metric));
    }
    let errors: Vec<LimitError> = alarms.iter().flat_map(check_limits).collect();
    if errors.is_empty() {
        Ok(alarms)
    } else {
        Err(errors)
    }
}

/// The guard's evaluation: one 5-minute period (the page tier's short window). One-minute
/// periods hold too few requests at low traffic — at 2 a minute the example's bad `checkout`
/// deployment (a third of requests failing) breached 3 of 5 minutes only after 89 minutes —
/// while 5 minutes hold enough for the chance guard and still act within ~5 minutes. ECS
/// derives a deployment's bake time from its alarms' configuration (it cannot be set): a
/// short Period × EvaluationPeriods keeps it short.
pub const GUARD_PERIOD_SECS: u32 = 300;
pub const GUARD_EVALUATION_PERIODS: u32 = 1;
pub const GUARD_DATAPOINTS_TO_ALARM: u32 = 1;

/// The alarm ECS watches during the service's deployments (`ecs.rollbackOnBurn`), whether or
/// not it is planned (the replay asks what it would have done): a metric-math metric alarm —
/// ECS's deployment alarms name CloudWatch alarms whose ALARM state fails the deployment
/// (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-alarm-failure.html;
/// every example there is a metric alarm, so no composite is used) — in ALARM when, over the last 5 minutes, any
/// objective's bad events burn at the page tier's fastest rate or more, past the page tier's
/// guards — the window's share of `minRequests`, `minBadEvents`, and more bad events than the
/// objective allows by chance: ECS acts within about five minutes of a bad deployment's first
/// errors. No actions: it is for ECS, not for people. `None` without `ecs:` or a page tier.
pub fn guard_alarm(slo: &ServiceSlo) -> Option<MetricAlarm> {
    guard_alarm_of(slo, &slo.objectives.iter().collect::<Vec<_>>())
}

/// [`guard_alarm`] over `objectives` only: the replay asks it of one objective's events.
pub fn guard_alarm_of(slo: &ServiceSlo, objectives: &[&Objective]) -> Option<MetricAlarm> {
    slo.ecs.as_ref()?;
    let fast = slo
        .alerting
        .tiers
        .iter()
        .filter(|t| t.severity == Severity::Page)
        .min_by_key(|t| t.long)?;
    let per_window = slo
        .alerting
        .guard
        .minimum_for(TimeDelta::seconds(i64::from(GUARD_PERIOD_SECS)));
    let min_bad = slo.alerting.guard.min_bad().max(1);
    let mut metrics: Vec<MetricRef> = Vec::new();
    let mut terms = Vec::new();
    for (k, objective) in objectives.iter().enumerate() {
        let counting = counting_metrics(slo, objective.sli);
        // CloudWatch allows 10 metrics an alarm: objectives past that are not guarded.
        if metrics.len() + counting.len() > 10 {
            break;
        }
        let prefix = format!("o{k}m");
        let bad = bad_expression(objective.sli, &counting, &prefix);
        let total = format!("{prefix}1");
        let allowance = short_number_exact(objective.target.error_allowance());
        let rate = short_number_exact(fast.burn_rate * objective.target.error_allowance());
        let traffic = if per_window > 0.0 {
            format!("{total} >= {}", short_number_exact(per_window))
        } else {
            format!("{total} > 0")
        };
        terms.push(format!(
            "IF({traffic} AND {bad} >= {min_bad} AND {bad} >= {allowance}*{total} + {z}*({allowance}*{total})^0.5 + 1 AND {bad} >= {rate}*{total}, 1, 0)",
            z = crate::core::significance::Z_99,
        ));
        metrics.extend(counting_refs(counting, &prefix, GUARD_PERIOD_SECS));
    }
    if terms.is_empty() {
        return None;
    }
    let s = &slo.service;
    Some(MetricAlarm {
        name: naming::guard(s),
        description: format!(
            "{s}: fails and rolls back an ECS deployment that burns the error budget — over 5 minutes, an objective's bad events at {}× its budget rate or more ({} tier), past the traffic and chance guards. Watched by ECS (deploymentConfiguration.alarms); notifies no one.",
            short_number(fast.burn_rate),
            fast.name
        ),
        source: AlarmSource::Math {
            expression: terms.join(" + "),
            metrics,
        },
        comparison: Comparison::GreaterThanOrEqualToThreshold,
        threshold: 1.0,
        evaluation_periods: GUARD_EVALUATION_PERIODS,
        datapoints_to_alarm: GUARD_DATAPOINTS_TO_ALARM,
        treat_missing_data: TreatMissingData::NotBreaching,
        evaluation_window: EvaluationWindow::Sliding,
        alarm_actions: Vec::new(),
        ok_actions: Vec::new(),
        tags: naming::tags(s, None, None),
    })
}

fn actions(slo: &ServiceSlo) -> Vec<String> {
    slo.notify.sns_topic.iter().cloned().collect()
}

/// The severity composites notify SNS themselves only with `notify.via: cloudwatch`; by
/// default `slo serve` reads their state and notifies after correlating.
fn severity_actions(slo: &ServiceSlo) -> Vec<String> {
    match slo.notify.via {
        NotifyVia::CloudWatch => actions(slo),
        NotifyVia::Serve => Vec::new(),
    }
}

/// The metric filters the spec's log-pattern alarms count with.
pub fn desired_filters(slo: &ServiceSlo) -> Vec<MetricFilter> {
    let Some(group) = slo.ecs.as_ref().and_then(|e| e.log_group.clone()) else {
        return Vec::new();
    };
    slo.alerting
        .logs
        .iter()
        .map(|l| MetricFilter {
            name: naming::metric_filter(&slo.service, &l.name),
            log_group: group.clone(),
            pattern: l.pattern.clone(),
            namespace: naming::LOGS_NAMESPACE.to_owned(),
            metric: naming::log_metric(&slo.service, &l.name),
        })
        .collect()
}

/// More than `above` matching lines in one period. Missing data (no matching line) is not
/// breaching. It notifies like a severity composite (`notify.via`), and a `page` one joins
/// the fallback.
fn log_alarm(slo: &ServiceSlo, l: &LogAlarm) -> Alarm {
    let s = &slo.service;
    let group = slo
        .ecs
        .as_ref()
        .and_then(|e| e.log_group.as_deref())
        .unwrap_or_default();
    let mut tags = naming::tags(s, None, Some(&format!("logs:{}", l.name)));
    tags.insert(
        naming::TAG_SEVERITY.to_owned(),
        l.severity.name().to_owned(),
    );
    Alarm::Metric(MetricAlarm {
        name: naming::log_alarm(s, &l.name),
        description: format!(
            "{s}: more than {} lines matching `{}` in {} of {group} ({}).{}",
            l.above,
            l.pattern,
            format_duration(l.period),
            l.severity,
            runbook(slo)
        ),
        source: AlarmSource::Metric(metric(
            "",
            naming::LOGS_NAMESPACE,
            &naming::log_metric(s, &l.name),
            Vec::new(),
            Stat::Sum,
            u32::try_from(l.period.num_seconds()).unwrap_or(300),
        )),
        comparison: Comparison::GreaterThanThreshold,
        threshold: l.above as f64,
        evaluation_periods: 1,
        datapoints_to_alarm: 1,
        treat_missing_data: TreatMissingData::NotBreaching,
        evaluation_window: EvaluationWindow::Sliding,
        alarm_actions: severity_actions(slo),
        ok_actions: severity_actions(slo),
        tags,
    })
}

/// The account's heartbeat alarm: ALARM when `slo serve` has published no heartbeat for
/// [`naming::HEARTBEAT_MISSING_MINUTES`] minutes (missing data is breaching). It has no
/// actions: the per-service fallback composites page through it.
pub fn heartbeat_alarm() -> Alarm {
    let minutes = naming::HEARTBEAT_MISSING_MINUTES;
    Alarm::Metric(MetricAlarm {
        name: naming::HEARTBEAT_ALARM.to_owned(),
        description: format!(
            "slo serve has published no {}/{} for {minutes} minutes: it is down, and the fallback composites page through SNS directly.",
            naming::HEARTBEAT_NAMESPACE,
            naming::HEARTBEAT_METRIC
        ),
        source: AlarmSource::Metric(metric(
            "",
            naming::HEARTBEAT_NAMESPACE,
            naming::HEARTBEAT_METRIC,
            Vec::new(),
            Stat::Sum,
            60,
        )),
        comparison: Comparison::LessThanThreshold,
        threshold: 1.0,
        evaluation_periods: minutes,
        datapoints_to_alarm: minutes,
        treat_missing_data: TreatMissingData::Breaching,
        evaluation_window: EvaluationWindow::Sliding,
        alarm_actions: Vec::new(),
        ok_actions: Vec::new(),
        tags: naming::heartbeat_tags(),
    })
}

/// `ALARM(heartbeat) AND (ALARM(page) OR …)`: pages SNS directly while `slo serve` is down.
/// Only with `notify.via: serve` and an SNS topic (with `cloudwatch` the pages notify
/// themselves; without a topic there is no one to page).
fn fallback_alarm(slo: &ServiceSlo, pages: Vec<String>) -> Option<Alarm> {
    let topic = slo.notify.sns_topic.clone()?;
    if slo.notify.via != NotifyVia::Serve || pages.is_empty() {
        return None;
    }
    let s = &slo.service;
    let mut any_page: Vec<Rule> = pages.iter().map(Rule::alarm).collect();
    let any_page = if any_page.len() == 1 {
        any_page.remove(0)
    } else {
        Rule::Or(any_page)
    };
    Some(Alarm::Composite(CompositeAlarm {
        name: naming::fallback(s),
        description: format!(
            "{s}: a page is firing and slo serve is down ({} in ALARM): CloudWatch pages directly, without deployment correlation.{}",
            naming::HEARTBEAT_ALARM,
            runbook(slo)
        ),
        rule: Rule::And(vec![Rule::alarm(naming::HEARTBEAT_ALARM), any_page]),
        alarm_actions: vec![topic.clone()],
        ok_actions: vec![topic],
        suppressor: None,
        tags: naming::tags(s, None, None),
    }))
}

fn runbook(slo: &ServiceSlo) -> String {
    slo.runbook
        .as_ref()
        .map_or(String::new(), |r| format!(" Runbook: {r}"))
}

fn metric(
    id: &str,
    namespace: &str,
    name: &str,
    dimensions: Vec<(String, String)>,
    stat: Stat,
    period: u32,
) -> MetricRef {
    MetricRef {
        id: id.to_owned(),
        namespace: namespace.to_owned(),
        name: name.to_owned(),
        dimensions,
        stat,
        period_secs: period,
    }
}

/// An objective's counting metrics as alarm metrics over `period`, named `<prefix>1`, … in
/// their order (the total first), dimensions sorted.
fn counting_refs(
    counting: Vec<crate::core::sli_metrics::SliMetric>,
    prefix: &str,
    period: u32,
) -> Vec<MetricRef> {
    counting
        .into_iter()
        .enumerate()
        .map(|(i, m)| {
            let mut dimensions: Vec<(String, String)> = m
                .dimensions
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect();
            dimensions.sort();
            metric(
                &format!("{prefix}{}", i + 1),
                m.namespace,
                m.name,
                dimensions,
                m.stat,
                period,
            )
        })
        .collect()
}

/// An objective's counting metrics over `period` (`m1`, the total, first), and the bad events
/// and the error ratio as metric-math expressions over them.
struct SliMath {
    metrics: Vec<MetricRef>,
    bad: String,
    ratio: String,
}

fn sli_math(slo: &ServiceSlo, sli: Sli, period: u32) -> SliMath {
    let metrics = counting_metrics(slo, sli);
    let bad = bad_expression(sli, &metrics, "m");
    let ratio = if bad.contains(['+', '-']) {
        format!("({bad})/m1")
    } else {
        format!("{bad}/m1")
    };
    let metrics = counting_refs(metrics, "m", period);
    SliMath {
        metrics,
        bad,
        ratio,
    }
}

fn infra_alarms(slo: &ServiceSlo) -> Vec<Alarm> {
    let s = &slo.service;
    let infra = &slo.alerting.infra;
    // CPU, memory and p99 must stay above their thresholds this many minutes in a row: a
    // blip is not worth a page.
    let minutes = u32::try_from(infra.sustained.num_minutes().max(1)).unwrap_or(5);
    let mut out = Vec::new();
    if let Some(ecs) = &slo.ecs {
        let dims = vec![
            ("ClusterName".to_owned(), ecs.cluster.clone()),
            ("ServiceName".to_owned(), ecs.service.clone()),
        ];
        for (what, name, limit) in [
            ("cpu", "CPUUtilization", slo.alerting.infra.cpu),
            ("memory", "MemoryUtilization", slo.alerting.infra.memory),
        ] {
            out.push(Alarm::Metric(MetricAlarm {
                name: naming::infra(s, what),
                description: format!(
                    "{s}: ECS service {}/{} {name} above {} for {minutes} minutes.{}",
                    ecs.cluster,
                    ecs.service,
                    limit,
                    runbook(slo)
                ),
                source: AlarmSource::Metric(metric("", ECS, name, dims.clone(), Stat::Average, 60)),
                comparison: Comparison::GreaterThanThreshold,
                threshold: limit.percent(),
                evaluation_periods: minutes,
                datapoints_to_alarm: minutes,
                treat_missing_data: TreatMissingData::Missing,
                evaluation_window: EvaluationWindow::Sliding,
                alarm_actions: actions(slo),
                ok_actions: actions(slo),
                tags: naming::tags(s, None, Some(what)),
            }));
        }
    }
    // The 5xx rate over 5 minutes, with the spec's traffic guard scaled to 5 minutes: at a few
    // requests a minute, a per-minute guard of 10 could never be met.
    let SliMath { metrics, ratio, .. } = sli_math(slo, Sli::Availability, HTTP_5XX_PERIOD_SECS);
    let rate = infra.http_5xx;
    let period = TimeDelta::seconds(i64::from(HTTP_5XX_PERIOD_SECS));
    let guard = slo.alerting.guard.minimum_for(period).ceil();
    let condition = if guard > 1.0 {
        format!("m1 >= {guard}")
    } else {
        "m1 > 0".to_owned()
    };
    out.push(Alarm::Metric(MetricAlarm {
        name: naming::infra(s, "http-5xx-rate"),
        description: format!(
            "{s}: ALB 5xx responses above {rate} of requests in {HTTP_5XX_DATAPOINTS} of the last {HTTP_5XX_PERIODS} 5-minute periods (counting periods with {}).{}",
            if guard > 1.0 { format!("at least {guard} requests") } else { "any request".to_owned() },
            runbook(slo)
        ),
        source: AlarmSource::Math {
            expression: format!("IF({condition}, 100*{ratio}, 0)"),
            metrics,
        },
        comparison: Comparison::GreaterThanThreshold,
        threshold: rate.percent(),
        evaluation_periods: HTTP_5XX_PERIODS,
        datapoints_to_alarm: HTTP_5XX_DATAPOINTS,
        treat_missing_data: TreatMissingData::NotBreaching,
        evaluation_window: EvaluationWindow::Sliding,
        alarm_actions: actions(slo),
        ok_actions: actions(slo),
        tags: naming::tags(s, None, Some("http-5xx-rate")),
    }));
    if let Some(limit) = infra.latency_p99 {
        let p99 = p99_metric(slo);
        let mut dims: Vec<(String, String)> = p99
            .dimensions
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect();
        dims.sort();
        out.push(Alarm::Metric(MetricAlarm {
            name: naming::infra(s, "latency-p99"),
            description: format!(
                "{s}: ALB target response time p99 above {}ms for {minutes} minutes.{}",
                limit.as_millis(),
                runbook(slo)
            ),
            source: AlarmSource::Metric(metric("", p99.namespace, p99.name, dims, p99.stat, 60)),
            comparison: Comparison::GreaterThanThreshold,
            threshold: limit.as_secs_f64(),
            evaluation_periods: minutes,
            datapoints_to_alarm: minutes,
            treat_missing_data: TreatMissingData::NotBreaching,
            evaluation_window: EvaluationWindow::Sliding,
            alarm_actions: actions(slo),
            ok_actions: actions(slo),
            tags: naming::tags(s, None, Some("latency-p99")),
        }));
    }
    out
}

/// The objective's window alarms and severity composites, and the name of its page composite
/// (if it has page tiers).
fn burn_alarms(slo: &ServiceSlo, objective: &Objective) -> (Vec<Alarm>, Option<String>) {
    let (s, o) = (&slo.service, &objective.name);
    let mut out = Vec::new();
    let mut rules: Vec<(Severity, Rule)> = Vec::new();
    for tier in &slo.alerting.tiers {
        let guard = slo.alerting.guard.minimum_for(tier.long).ceil();
        let long = window_alarm(slo, objective, tier, tier.long, guard);
        let short = window_alarm(slo, objective, tier, tier.short, 0.0);
        rules.push((
            tier.severity,
            Rule::And(vec![Rule::alarm(long.name()), Rule::alarm(short.name())]),
        ));
        out.push(long);
        out.push(short);
    }
    let page = naming::severity(s, o, Severity::Page);
    let has_page = rules.iter().any(|(sev, _)| *sev == Severity::Page);
    for severity in [Severity::Page, Severity::Ticket] {
        let tiers: Vec<&Tier> = slo
            .alerting
            .tiers
            .iter()
            .filter(|t| t.severity == severity)
            .collect();
        let mut parts: Vec<Rule> = rules
            .iter()
            .filter(|(sev, _)| *sev == severity)
            .map(|(_, r)| r.clone())
            .collect();
        if parts.is_empty() {
            continue;
        }
        let rule = if parts.len() == 1 {
            parts.remove(0)
        } else {
            Rule::Or(parts)
        };
        // A ticket for an incident that paged stays quiet: it waits for the page, and after
        // the page clears it stays suppressed until its own short windows have emptied.
        let suppressor = (severity == Severity::Ticket && has_page).then(|| Suppressor {
            alarm: page.clone(),
            wait_period_secs: TICKET_WAIT_SECS,
            extension_period_secs: tiers
                .iter()
                .map(|t| u32::try_from(t.short.num_seconds()).unwrap_or(u32::MAX))
                .max()
                .unwrap_or(TICKET_WAIT_SECS)
                .max(TICKET_WAIT_SECS),
        });
        out.push(Alarm::Composite(CompositeAlarm {
            name: naming::severity(s, o, severity),
            description: severity_description(slo, objective, severity, &tiers),
            rule,
            alarm_actions: severity_actions(slo),
            ok_actions: severity_actions(slo),
            suppressor,
            tags: naming::severity_tags(s, o, severity),
        }));
    }
    (out, has_page.then_some(page))
}

/// What burns, how fast, how much budget is gone when it fires, and the runbook.
fn severity_description(
    slo: &ServiceSlo,
    objective: &Objective,
    severity: Severity,
    tiers: &[&Tier],
) -> String {
    let (s, o) = (&slo.service, &objective.name);
    let allowance = objective.target.error_allowance();
    let what = match objective.sli {
        Sli::Availability => "5xx responses".to_owned(),
        Sli::Latency { threshold } => {
            format!("responses slower than {}ms", threshold.as_millis())
        }
    };
    let window = slo.window.nominal();
    let each: Vec<String> = tiers
        .iter()
        .map(|t| {
            format!(
                "{} {}× over {} and {} ({what} at {} of requests or more; {} of the {} budget gone when it fires)",
                t.name,
                short_number(t.burn_rate),
                format_duration(t.long),
                format_duration(t.short),
                format_percent(t.burn_rate * allowance * 100.0),
                format_percent(t.budget_spent_when_firing(window) * 100.0),
                format_duration(window),
            )
        })
        .collect();
    format!(
        "{s}/{o} ({} target), {severity}: the error budget is burning — {}.{}",
        objective.target,
        each.join("; or "),
        runbook(slo)
    )
}

/// One window of one tier: error ratio ≥ burn × (1 − target), with the traffic guard inside
/// the expression (`guard` requests in the window; 0 means "any traffic").
fn window_alarm(
    slo: &ServiceSlo,
    objective: &Objective,
    tier: &Tier,
    window: TimeDelta,
    guard: f64,
) -> Alarm {
    let (s, o) = (&slo.service, &objective.name);
    let period = u32::try_from(window.num_seconds()).unwrap_or(u32::MAX);
    let SliMath {
        metrics,
        bad,
        ratio,
    } = sli_math(slo, objective.sli, period);
    let min_bad = slo.alerting.guard.min_bad();
    let mut condition = if guard > 0.0 {
        format!("m1 >= {guard}")
    } else {
        "m1 > 0".to_owned()
    };
    if window == tier.short {
        // At low traffic one failed request must not fire the tier again after an incident,
        // and a few must be more than the objective allows by chance (core::alerting's
        // short_beyond_chance).
        if min_bad > 1 {
            condition.push_str(&format!(" AND {bad} >= {min_bad}"));
        }
        let expected = format!(
            "{}*m1",
            short_number_exact(objective.target.error_allowance())
        );
        condition.push_str(&format!(
            " AND {bad} >= {expected} + {}*({expected})^0.5 + 1",
            crate::core::significance::Z_99
        ));
    }
    Alarm::Metric(MetricAlarm {
        name: naming::burn_window(s, o, &tier.name, window),
        description: format!(
            "{s}/{o}: error ratio over {} at or above {}× the budget rate ({} tier, {}). Part of {}; notifies only through it.",
            format_duration(window),
            short_number(tier.burn_rate),
            tier.name,
            tier.severity,
            naming::severity(s, o, tier.severity)
        ),
        source: AlarmSource::Math {
            expression: format!("IF({condition}, {ratio}, 0)"),
            metrics,
        },
        comparison: Comparison::GreaterThanOrEqualToThreshold,
        // 14.4 × 0.005 is 0.07200000000000006 in binary; people and diffs want 0.072.
        threshold: (tier.burn_rate * objective.target.error_allowance() * 1e12).round() / 1e12,
        evaluation_periods: 1,
        datapoints_to_alarm: 1,
        treat_missing_data: TreatMissingData::NotBreaching,
        evaluation_window: EvaluationWindow::Sliding,
        alarm_actions: Vec::new(),
        ok_actions: Vec::new(),
        tags: naming::tags(s, Some(o), Some(&tier.name)),
    })
}

/// A factor in metric math, as short as it stays exact to 12 digits (`0.0144`, not
/// `0.014400000000000001`).
fn short_number_exact(x: f64) -> String {
    let rounded = (x * 1e12).round() / 1e12;
    let s = format!("{rounded:.12}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// `14.4`, `6`, `0.7`.
fn short_number(x: f64) -> String {
    let s = format!("{x:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// CloudWatch's documented limits for PutMetricAlarm.
fn check_limits(alarm: &Alarm) -> Vec<LimitError> {
    let mut errors = Vec::new();
    let name = alarm.name().to_owned();
    if name.len() > 255 {
        errors.push(LimitError::NameTooLong {
            len: name.len(),
            alarm: name.clone(),
        });
    }
    let Alarm::Metric(m) = alarm else {
        return errors;
    };
    if m.source.metric_count() > 10 {
        errors.push(LimitError::TooManyMetrics {
            alarm: name.clone(),
            count: m.source.metric_count(),
        });
    }
    let period = m.source.period_secs();
    if !(matches!(period, 10 | 20 | 30) || (period >= 60 && period % 60 == 0)) {
        errors.push(LimitError::BadPeriod {
            alarm: name.clone(),
            period,
        });
    }
    let total = u64::from(period) * u64::from(m.evaluation_periods);
    let max = if period < 3600 { 86_400 } else { 604_800 };
    if total > max {
        errors.push(LimitError::TooLong {
            alarm: name,
            total,
            max,
            period,
        });
    }
    errors
}

/// CloudWatch list prices (us-east-1), US cents per month: whole cents, so sums are exact.
pub const CENTS_PER_ALARM_METRIC: u64 = 10;
pub const CENTS_PER_COMPOSITE: u64 = 50;
/// A custom metric (what a metric filter publishes into), per month.
pub const CENTS_PER_CUSTOM_METRIC: u64 = 30;

/// Monthly cost of `alarms`: $0.10 per metric a standard-resolution metric alarm reads (a
/// metric-math alarm pays for each metric in it), $0.50 per composite alarm.
pub fn monthly_cost_usd(alarms: &[Alarm]) -> f64 {
    let cents: u64 = alarms
        .iter()
        .map(|a| match a {
            Alarm::Metric(m) => CENTS_PER_ALARM_METRIC * m.source.metric_count() as u64,
            Alarm::Composite(_) => CENTS_PER_COMPOSITE,
        })
        .sum();
    cents as f64 / 100.0
}
