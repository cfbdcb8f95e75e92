//! Spec → the alarms it calls for: ECS CPU and memory, the ALB 5xx rate, and per objective and
//! tier two burn-rate alarms and the composite that pages.

use super::model::*;
use super::naming;
use crate::core::model::{Objective, ServiceSlo, Sli};
use crate::core::ratio::format_percent;
use crate::core::sli_metrics::{Role, SliMetric, counting_metrics};
use crate::core::tiers::Tier;
use crate::core::window::format_duration;
use chrono::TimeDelta;

const ECS: &str = "AWS/ECS";
/// CPU and memory must stay above the threshold this many minutes in a row: a blip is not
/// worth a page.
const INFRA_MINUTES: u32 = 5;
/// A composite waits this long for a faster tier to fire before notifying, and stays quiet this
/// long after the faster tier clears.
const SUPPRESSOR_WAIT_SECS: u32 = 300;
const SUPPRESSOR_EXTENSION_SECS: u32 = 300;
/// The 5xx-rate alarm needs at least this many requests a minute to mean anything.
const MIN_REQUESTS_PER_MINUTE: u32 = 10;

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

/// Every alarm `slo` keeps for `slo`, or the CloudWatch limits it would break.
pub fn desired_alarms(slo: &ServiceSlo) -> Result<Vec<Alarm>, Vec<LimitError>> {
    let mut alarms = infra_alarms(slo);
    for objective in &slo.objectives {
        alarms.extend(burn_alarms(slo, objective));
    }
    let errors: Vec<LimitError> = alarms.iter().flat_map(check_limits).collect();
    if errors.is_empty() {
        Ok(alarms)
    } else {
        Err(errors)
    }
}

fn actions(slo: &ServiceSlo) -> Vec<String> {
    slo.notify.sns_topic.iter().cloned().collect()
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

/// The error-ratio metrics of an objective over `period`, `m1` (the total) first, and the
/// expression of the error ratio over them.
fn sli_metrics(slo: &ServiceSlo, sli: Sli, period: u32) -> (Vec<MetricRef>, String) {
    let metrics = counting_metrics(slo, sli);
    let id_of = |role| {
        metrics
            .iter()
            .position(|m: &SliMetric| m.role == role)
            .map(|i| format!("m{}", i + 1))
    };
    let filled = |role| id_of(role).map(|id| format!("FILL({id},0)"));
    let ratio = match sli {
        Sli::Availability => {
            let bad: Vec<String> = [Role::Target5xx, Role::Elb5xx]
                .into_iter()
                .filter_map(filled)
                .collect();
            match bad.as_slice() {
                [one] => format!("{one}/m1"),
                many => format!("({})/m1", many.join("+")),
            }
        }
        Sli::Latency { .. } => format!(
            "(m1-{})/m1",
            filled(Role::WithinThreshold).unwrap_or_default()
        ),
    };
    let refs = metrics
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
                &format!("m{}", i + 1),
                m.namespace,
                m.name,
                dimensions,
                m.stat,
                period,
            )
        })
        .collect();
    (refs, ratio)
}

fn infra_alarms(slo: &ServiceSlo) -> Vec<Alarm> {
    let s = &slo.service;
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
                    "{s}: ECS service {}/{} {name} above {} for {INFRA_MINUTES} minutes.{}",
                    ecs.cluster,
                    ecs.service,
                    limit,
                    runbook(slo)
                ),
                source: AlarmSource::Metric(metric("", ECS, name, dims.clone(), Stat::Average, 60)),
                comparison: Comparison::GreaterThanThreshold,
                threshold: limit.percent(),
                evaluation_periods: INFRA_MINUTES,
                datapoints_to_alarm: INFRA_MINUTES,
                treat_missing_data: TreatMissingData::Missing,
                alarm_actions: actions(slo),
                ok_actions: actions(slo),
                tags: naming::tags(s, None, Some(what)),
            }));
        }
    }
    let (metrics, ratio) = sli_metrics(slo, Sli::Availability, 60);
    let rate = slo.alerting.infra.http_5xx;
    out.push(Alarm::Metric(MetricAlarm {
        name: naming::infra(s, "http-5xx-rate"),
        description: format!(
            "{s}: ALB 5xx responses above {} of requests for {INFRA_MINUTES} minutes (with at least {MIN_REQUESTS_PER_MINUTE} requests a minute).{}",
            rate, runbook(slo)
        ),
        source: AlarmSource::Math {
            expression: format!("IF(m1 >= {MIN_REQUESTS_PER_MINUTE}, 100*{ratio}, 0)"),
            metrics,
        },
        comparison: Comparison::GreaterThanThreshold,
        threshold: rate.percent(),
        evaluation_periods: INFRA_MINUTES,
        datapoints_to_alarm: INFRA_MINUTES,
        treat_missing_data: TreatMissingData::NotBreaching,
        alarm_actions: actions(slo),
        ok_actions: actions(slo),
        tags: naming::tags(s, None, Some("http-5xx-rate")),
    }));
    out
}

fn burn_alarms(slo: &ServiceSlo, objective: &Objective) -> Vec<Alarm> {
    let (s, o) = (&slo.service, &objective.name);
    let allowance = objective.target.error_allowance();
    let mut out = Vec::new();
    let mut faster: Option<String> = None;
    for tier in &slo.alerting.tiers {
        let guard = slo.alerting.guard.minimum_for(tier.long).ceil();
        let long = window_alarm(slo, objective, tier, tier.long, guard);
        let short = window_alarm(slo, objective, tier, tier.short, 0.0);
        let composite = naming::burn_tier(s, o, &tier.name);
        let what = match objective.sli {
            Sli::Availability => "5xx responses".to_owned(),
            Sli::Latency { threshold } => {
                format!("responses slower than {}ms", threshold.as_millis())
            }
        };
        out.push(Alarm::Composite(CompositeAlarm {
            name: composite.clone(),
            description: format!(
                "{s}/{o} ({} target): the error budget is burning at {}× or faster over both {} and {} — {what} at {} of requests or more. At this rate {} of a {} budget is gone when it fires ({} tier).{}",
                objective.target,
                short_number(tier.burn_rate),
                format_duration(tier.long),
                format_duration(tier.short),
                format_percent(tier.burn_rate * allowance * 100.0),
                format_percent(tier.budget_spent_when_firing(slo.window.nominal()) * 100.0),
                format_duration(slo.window.nominal()),
                tier.severity,
                runbook(slo)
            ),
            rule: Rule::And(vec![Rule::alarm(long.name()), Rule::alarm(short.name())]),
            alarm_actions: actions(slo),
            ok_actions: actions(slo),
            suppressor: faster.take().map(|alarm| Suppressor {
                alarm,
                wait_period_secs: SUPPRESSOR_WAIT_SECS,
                extension_period_secs: SUPPRESSOR_EXTENSION_SECS,
            }),
            tags: naming::tags(s, Some(o), Some(&tier.name)),
        }));
        faster = Some(composite);
        out.push(long);
        out.push(short);
    }
    out
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
    let (metrics, ratio) = sli_metrics(slo, objective.sli, period);
    let condition = if guard > 0.0 {
        format!("m1 >= {guard}")
    } else {
        "m1 > 0".to_owned()
    };
    Alarm::Metric(MetricAlarm {
        name: naming::burn_window(s, o, &tier.name, window),
        description: format!(
            "{s}/{o}: error ratio over {} at or above {}× the budget rate ({} tier, {}). Part of {}; notifies only through it.",
            format_duration(window),
            short_number(tier.burn_rate),
            tier.name,
            tier.severity,
            naming::burn_tier(s, o, &tier.name)
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
        alarm_actions: Vec::new(),
        ok_actions: Vec::new(),
        tags: naming::tags(s, Some(o), Some(&tier.name)),
    })
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::diag::Diagnostics;
    use crate::spec::load::parse_spec;
    use std::path::Path;

    fn spec(extra: &str) -> ServiceSlo {
        let text = format!(
            "apiVersion: slo/v1\nservice: checkout\nalb:\n  loadBalancer: app/shop/50dc6c495c0c9188\n  targetGroup: targetgroup/checkout/73e2d6bc24d8a067\necs: {{ cluster: prod, service: checkout }}\nwindow: 30d\nobjectives:\n  - {{ name: availability, sli: availability, target: 99.9% }}\n  - {{ name: latency, sli: latency, threshold: 1s, target: 99% }}\nnotify: {{ sns: arn:aws:sns:us-east-1:123456789012:alerts }}\n{extra}"
        );
        let mut d = Diagnostics::new(Path::new("t.yaml"));
        let parsed = parse_spec(text.as_bytes(), &mut d);
        assert!(!d.has_errors(), "{:?}", d.items);
        parsed.unwrap().0
    }

    fn metric<'a>(alarms: &'a [Alarm], name: &str) -> &'a MetricAlarm {
        alarms
            .iter()
            .find_map(|a| match a {
                Alarm::Metric(m) if m.name == name => Some(m),
                _ => None,
            })
            .unwrap_or_else(|| panic!("no {name}"))
    }

    #[test]
    fn a_service_gets_infra_alarms_and_three_alarms_per_tier_and_objective() {
        let alarms = desired_alarms(&spec("")).unwrap();
        assert_eq!(alarms.len(), 3 + 2 * 4 * 3);
        let cpu = metric(&alarms, "slo:checkout:infra:cpu");
        assert_eq!(cpu.threshold, 80.0);
        let AlarmSource::Metric(m) = &cpu.source else {
            panic!()
        };
        assert_eq!(
            m.dimensions,
            vec![
                ("ClusterName".into(), "prod".into()),
                ("ServiceName".into(), "checkout".into())
            ]
        );
        assert_eq!(
            cpu.alarm_actions,
            vec!["arn:aws:sns:us-east-1:123456789012:alerts".to_owned()]
        );
    }

    #[test]
    fn burn_alarms_compare_the_error_ratio_with_burn_times_allowance() {
        let alarms = desired_alarms(&spec("alerting: { minRequests: 100/h }\n")).unwrap();
        let long = metric(&alarms, "slo:checkout:availability:fast:1h");
        assert!((long.threshold - 14.4 * 0.001).abs() < 1e-12);
        assert_eq!(long.source.period_secs(), 3600);
        let AlarmSource::Math {
            expression,
            metrics,
        } = &long.source
        else {
            panic!()
        };
        assert_eq!(expression, "IF(m1 >= 100, (FILL(m2,0)+FILL(m3,0))/m1, 0)");
        // The ELB 5xx count has no TargetGroup dimension.
        assert_eq!(metrics[2].dimensions.len(), 1);
        let short = metric(&alarms, "slo:checkout:availability:fast:5m");
        let AlarmSource::Math { expression, .. } = &short.source else {
            panic!()
        };
        assert_eq!(expression, "IF(m1 > 0, (FILL(m2,0)+FILL(m3,0))/m1, 0)");
        assert!(short.alarm_actions.is_empty(), "only composites notify");
        let latency = metric(&alarms, "slo:checkout:latency:slow:6h");
        let AlarmSource::Math { metrics, .. } = &latency.source else {
            panic!()
        };
        assert_eq!(metrics[1].stat, Stat::CountAtMost(1.0));
    }

    #[test]
    fn faster_tiers_suppress_slower_ones() {
        let alarms = desired_alarms(&spec("")).unwrap();
        let composite = |n: &str| {
            alarms
                .iter()
                .find_map(|a| match a {
                    Alarm::Composite(c) if c.name == n => Some(c.clone()),
                    _ => None,
                })
                .unwrap()
        };
        assert_eq!(composite("slo:checkout:availability:fast").suppressor, None);
        let slow = composite("slo:checkout:availability:slow");
        assert_eq!(
            slow.suppressor.unwrap().alarm,
            "slo:checkout:availability:fast"
        );
        assert_eq!(
            slow.rule.to_string(),
            "ALARM(\"slo:checkout:availability:slow:6h\") AND ALARM(\"slo:checkout:availability:slow:30m\")"
        );
        assert!(slow.description.contains("6×"));
    }

    #[test]
    fn a_window_cloudwatch_cannot_evaluate_is_refused() {
        let errors = desired_alarms(&spec(
            "alerting:\n  tiers:\n    - { name: weekly, severity: ticket, longWindow: 8d, shortWindow: 1d, burnRate: 1 }\n",
        ))
        .unwrap_err();
        assert!(
            errors.iter().any(|e| matches!(
                e,
                LimitError::TooLong {
                    total: 691_200,
                    max: 604_800,
                    ..
                }
            )),
            "{errors:?}"
        );
    }

    #[test]
    fn the_cost_counts_metrics_and_composites_at_list_price() {
        let alarms = desired_alarms(&spec("")).unwrap();
        // infra: cpu 1 + memory 1 + 5xx rate 3 metrics; availability: 4 × (3 + 3 metrics + composite);
        // latency: 4 × (2 + 2 metrics + composite).
        let expected = 0.10 * 5.0 + 4.0 * (0.60 + 0.50) + 4.0 * (0.40 + 0.50);
        assert!((monthly_cost_usd(&alarms) - expected).abs() < 1e-9);
    }
}
