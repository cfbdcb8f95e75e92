//! The alarms specs call for (`core::alarms::desired`), checked from spec text: these tests
//! read specs, so they live outside the pure core.

use crate::core::alarms::desired::*;
use crate::core::alarms::*;
use crate::core::model::*;
use crate::core::stat::Stat;
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

impl ServiceSlo {
    fn with_notify_via(mut self, via: NotifyVia) -> ServiceSlo {
        self.notify.via = via;
        self
    }
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
fn a_service_gets_infra_alarms_two_per_tier_one_composite_per_severity_and_a_fallback() {
    let alarms = desired_alarms(&spec("")).unwrap();
    assert_eq!(alarms.len(), 3 + 2 * (4 * 2 + 2) + 1);
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
    // The short window's guards: at least two bad events, and more than a 99.9 % objective
    // allows by chance.
    assert_eq!(
        expression,
        "IF(m1 > 0 AND FILL(m2,0)+FILL(m3,0) >= 2 AND FILL(m2,0)+FILL(m3,0) >= 0.001*m1 + 2.33*(0.001*m1)^0.5 + 1, (FILL(m2,0)+FILL(m3,0))/m1, 0)"
    );
    assert!(short.alarm_actions.is_empty(), "only composites notify");
    let latency = metric(&alarms, "slo:checkout:latency:slow:6h");
    let AlarmSource::Math { metrics, .. } = &latency.source else {
        panic!()
    };
    assert_eq!(metrics[1].stat, Stat::CountAtMost(1.0));
}

fn composite(alarms: &[Alarm], name: &str) -> CompositeAlarm {
    alarms
        .iter()
        .find_map(|a| match a {
            Alarm::Composite(c) if c.name == name => Some(c.clone()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no {name}"))
}

#[test]
fn one_composite_per_severity_in_the_workbook_form_and_the_page_suppresses_the_ticket() {
    let alarms = desired_alarms(&spec("")).unwrap();
    let page = composite(&alarms, "slo:checkout:availability:page");
    assert_eq!(
        page.rule.to_string(),
        "(ALARM(\"slo:checkout:availability:fast:1h\") AND ALARM(\"slo:checkout:availability:fast:5m\")) OR (ALARM(\"slo:checkout:availability:slow:6h\") AND ALARM(\"slo:checkout:availability:slow:30m\"))"
    );
    assert_eq!(page.suppressor, None);
    assert!(page.description.contains("14.4×") && page.description.contains("6×"));
    let ticket = composite(&alarms, "slo:checkout:latency:ticket");
    assert_eq!(
        ticket.suppressor,
        Some(Suppressor {
            alarm: "slo:checkout:latency:page".into(),
            wait_period_secs: 300,
            // The chronic tier's short window: the ticket stays quiet until it has emptied.
            extension_period_secs: 6 * 3600,
        })
    );
    // slo serve notifies by default: the composites carry no action, the fallback does.
    assert!(page.alarm_actions.is_empty() && ticket.ok_actions.is_empty());
    let fallback = composite(&alarms, "slo:checkout:fallback");
    assert_eq!(
        fallback.rule.to_string(),
        "ALARM(\"slo:heartbeat\") AND (ALARM(\"slo:checkout:availability:page\") OR ALARM(\"slo:checkout:latency:page\"))"
    );
    assert_eq!(
        fallback.alarm_actions,
        vec!["arn:aws:sns:us-east-1:123456789012:alerts".to_owned()]
    );
}

#[test]
fn with_notify_via_cloudwatch_the_composites_notify_and_there_is_no_fallback() {
    let base = spec("");
    let via = spec("").with_notify_via(NotifyVia::CloudWatch);
    let alarms = desired_alarms(&via).unwrap();
    assert!(alarms.iter().all(|a| a.name() != "slo:checkout:fallback"));
    let page = composite(&alarms, "slo:checkout:availability:page");
    assert_eq!(
        page.alarm_actions,
        base.notify.sns_topic.iter().cloned().collect::<Vec<_>>()
    );
    // Only actions differ.
    let before = desired_alarms(&base).unwrap();
    let changed: Vec<&str> = alarms
        .iter()
        .filter(|a| before.iter().find(|b| b.name() == a.name()) != Some(a))
        .map(Alarm::name)
        .collect();
    assert!(
        changed
            .iter()
            .all(|n| n.ends_with(":page") || n.ends_with(":ticket")),
        "{changed:?}"
    );
}

#[test]
fn the_5xx_rate_uses_five_minute_periods_guarded_by_min_requests() {
    let alarms = desired_alarms(&spec("alerting: { minRequests: 100/h }\n")).unwrap();
    let m = metric(&alarms, "slo:checkout:infra:http-5xx-rate");
    assert_eq!(m.source.period_secs(), 300);
    assert_eq!((m.datapoints_to_alarm, m.evaluation_periods), (2, 3));
    let AlarmSource::Math { expression, .. } = &m.source else {
        panic!()
    };
    // 100 an hour is 8.3 in five minutes: at least 9 requests.
    assert!(expression.starts_with("IF(m1 >= 9, 100*"), "{expression}");
}

#[test]
fn infra_for_and_latency_p99_shape_the_infra_alarms() {
    let alarms =
        desired_alarms(&spec("alerting: { infra: { latencyP99: 1s, for: 2m } }\n")).unwrap();
    let cpu = metric(&alarms, "slo:checkout:infra:cpu");
    assert_eq!((cpu.evaluation_periods, cpu.datapoints_to_alarm), (2, 2));
    let p99 = metric(&alarms, "slo:checkout:infra:latency-p99");
    assert_eq!(p99.threshold, 1.0);
    let AlarmSource::Metric(r) = &p99.source else {
        panic!()
    };
    assert_eq!(r.stat, Stat::Percentile(99.0));
    assert_eq!(r.dimensions.len(), 2);
    assert!(
        desired_alarms(&spec(""))
            .unwrap()
            .iter()
            .all(|a| a.name() != p99.name)
    );
}

#[test]
fn the_heartbeat_alarm_fires_on_missing_data() {
    let Alarm::Metric(h) = heartbeat_alarm() else {
        panic!()
    };
    assert_eq!(h.treat_missing_data, TreatMissingData::Breaching);
    assert_eq!(h.comparison, Comparison::LessThanThreshold);
    assert_eq!(h.evaluation_periods, 5);
    assert!(h.alarm_actions.is_empty());
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
    // infra: cpu 1 + memory 1 + 5xx rate 3 metrics; availability: 4 × (3 + 3 metrics) and
    // two composites; latency: 4 × (2 + 2 metrics) and two composites; the fallback.
    let expected = 0.10 * 5.0 + (4.0 * 0.60 + 1.0) + (4.0 * 0.40 + 1.0) + 0.50;
    assert!((monthly_cost_usd(&alarms) - expected).abs() < 1e-9);
}

#[test]
fn every_planned_expression_is_one_the_replay_can_read() {
    // An expression the replay cannot read evaluates as no data there: the replay would say
    // the alarms never fire.
    for extra in [
        "",
        "alerting: { minRequests: 100/h, minBadEvents: 3 }\n",
        "window: 7d\n",
    ] {
        let text = if extra.starts_with("window") {
            String::new()
        } else {
            extra.to_owned()
        };
        let mut slo = spec(&text);
        if extra.starts_with("window") {
            slo.window = crate::core::window::SloWindow::Rolling(chrono::TimeDelta::days(7));
        }
        for alarm in desired_alarms(&slo).unwrap() {
            if let Alarm::Metric(MetricAlarm {
                source: AlarmSource::Math { expression, .. },
                ..
            }) = &alarm
            {
                crate::core::metric_math::Expr::parse(expression)
                    .unwrap_or_else(|e| panic!("{}: {e}", alarm.name()));
            }
        }
    }
}
