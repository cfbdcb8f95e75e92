//! What to ask CloudWatch for, and how to pack it into `GetMetricData` calls. Pure: no SDK.

use crate::core::assess::{data_range, window_for};
use crate::core::model::{ServiceSlo, Sli};
pub use crate::core::sli_metrics::{MetricQuery, Role};
use crate::core::sli_metrics::{SliMetric, counting_metrics, p99_metric};
use crate::core::window::TimeRange;
use chrono::{DateTime, TimeDelta, Utc};

/// `GetMetricData` limits (CloudWatch API reference).
pub const MAX_QUERIES_PER_CALL: usize = 500;
pub const MAX_DATAPOINTS_PER_CALL: u64 = 100_800;

/// The period CloudWatch still has data for at `start`, seen from `now`: 60 s data is kept 15
/// days, 300 s data 63 days, 3600 s data 455 days.
pub fn period_for(start: DateTime<Utc>, now: DateTime<Utc>) -> i64 {
    let age = now - start;
    if age <= TimeDelta::days(15) {
        60
    } else if age <= TimeDelta::days(63) {
        300
    } else {
        3600
    }
}

/// `range` widened to whole periods, so buckets line up with CloudWatch's.
pub fn aligned(range: TimeRange, period_secs: i64) -> TimeRange {
    let floor = |t: DateTime<Utc>| {
        let s = t.timestamp();
        DateTime::from_timestamp(s - s.rem_euclid(period_secs), 0).unwrap_or(t)
    };
    let end = floor(range.end);
    let end = if end < range.end {
        end + TimeDelta::seconds(period_secs)
    } else {
        end
    };
    TimeRange {
        start: floor(range.start),
        end,
    }
}

/// Every query every objective of `slos` needs for a report at `at`: the counting metrics
/// over the data range (burn windows reach back before the budget window), at the period
/// CloudWatch still keeps seen from `now`, and for latency the P99 over the budget window.
pub fn queries(
    slos: &[&ServiceSlo],
    at: DateTime<Utc>,
    window_override: Option<TimeDelta>,
    now: DateTime<Utc>,
) -> Vec<MetricQuery> {
    let mut out = Vec::new();
    for slo in slos {
        let data = data_range(&[slo], at, window_override);
        let budget = window_for(slo, window_override).range_at(at);
        let period = period_for(data.start, now);
        let data = aligned(data, period);
        for (key, objective) in slo.keyed_objectives() {
            let query = |m: SliMetric, period_secs, range| MetricQuery {
                id: String::new(),
                label: format!("{key} {} {}", m.name, m.stat),
                objective: key.clone(),
                role: m.role,
                namespace: m.namespace,
                metric: m.name,
                dimensions: m.dimensions,
                stat: m.stat,
                period_secs,
                range,
            };
            for m in counting_metrics(slo, objective.sli) {
                out.push(query(m, period, data));
            }
            if let Sli::Latency { .. } = objective.sli {
                // Percentiles do not add up across periods: one period spans the window.
                let (period, range) = whole_window(budget, now);
                out.push(query(p99_metric(slo), period, range));
            }
        }
    }
    out
}

/// One period covering `budget`: a multiple of the period its start still has data for.
fn whole_window(budget: TimeRange, now: DateTime<Utc>) -> (i64, TimeRange) {
    let base = period_for(budget.start, now);
    let secs = (budget.end - budget.start).num_seconds().max(base);
    let period = (secs + base - 1) / base * base;
    let start = aligned(budget, base).start;
    let range = TimeRange {
        start,
        end: start + TimeDelta::seconds(period),
    };
    (period, range)
}

/// Queries packed into calls: each call holds at most 500 queries and 100,800 datapoints, and
/// only queries over the same time range (a call has one StartTime and EndTime). Ids are
/// assigned per call.
pub fn pack(mut queries: Vec<MetricQuery>) -> Vec<Vec<MetricQuery>> {
    queries.sort_by_key(|q| (q.range.start, q.range.end));
    let mut calls: Vec<Vec<MetricQuery>> = Vec::new();
    let mut datapoints = 0u64;
    for q in queries {
        let fits = calls.last().is_some_and(|c| {
            c.len() < MAX_QUERIES_PER_CALL
                && datapoints + q.datapoints() <= MAX_DATAPOINTS_PER_CALL
                && c[0].range == q.range
        });
        if !fits {
            calls.push(Vec::new());
            datapoints = 0;
        }
        datapoints += q.datapoints();
        if let Some(call) = calls.last_mut() {
            call.push(q);
        }
    }
    for call in &mut calls {
        for (i, q) in call.iter_mut().enumerate() {
            q.id = format!("q{i}");
        }
    }
    calls
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::model::ObjectiveKey;
    use crate::core::stat::Stat;
    use crate::spec::diag::Diagnostics;
    use crate::spec::load::parse_spec;
    use std::path::Path;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn slo(tg: bool, include_elb: bool) -> ServiceSlo {
        let tg = if tg {
            format!(
                "\n  targetGroup: targetgroup/tg/0123456789abcdef\n  includeElb5xx: {include_elb}"
            )
        } else {
            String::new()
        };
        let text = format!(
            "apiVersion: slo/v1\nservice: s\nalb:\n  loadBalancer: app/lb/0123456789abcdef{tg}\nwindow: 1d\nobjectives:\n  - {{ name: a, sli: availability, target: 99.9% }}\n  - {{ name: l, sli: latency, threshold: 300ms, target: 99% }}\n"
        );
        let mut d = Diagnostics::new(Path::new("t.yaml"));
        parse_spec(text.as_bytes(), &mut d).unwrap().0
    }

    #[test]
    fn the_period_follows_cloudwatch_retention() {
        let now = t("2026-11-20T00:00:00Z");
        assert_eq!(period_for(now - TimeDelta::days(15), now), 60);
        assert_eq!(period_for(now - TimeDelta::days(16), now), 300);
        assert_eq!(period_for(now - TimeDelta::days(63), now), 300);
        assert_eq!(period_for(now - TimeDelta::days(64), now), 3600);
    }

    #[test]
    fn a_target_group_slo_asks_for_elb_5xx_without_the_target_group_dimension() {
        let s = slo(true, true);
        let at = t("2026-11-20T00:00:00Z");
        let qs = queries(&[&s], at, None, at);
        let elb = qs.iter().find(|q| q.role == Role::Elb5xx).unwrap();
        assert_eq!(
            elb.dimensions,
            vec![("LoadBalancer", "app/lb/0123456789abcdef".to_owned())]
        );
        let req = qs.iter().find(|q| q.role == Role::Requests).unwrap();
        assert_eq!(req.dimensions.len(), 2);
        let tc = qs.iter().find(|q| q.role == Role::WithinThreshold).unwrap();
        assert_eq!(tc.stat, Stat::CountAtMost(0.3));
        assert_eq!(qs.len(), 6);
        let excluded = slo(true, false);
        assert!(
            queries(&[&excluded], at, None, at)
                .iter()
                .all(|q| q.role != Role::Elb5xx)
        );
    }

    #[test]
    fn the_p99_query_is_one_period_over_the_budget_window() {
        let s = slo(false, true);
        let at = t("2026-11-20T00:00:00Z");
        let qs = queries(&[&s], at, None, at);
        let p99 = qs.iter().find(|q| q.role == Role::P99).unwrap();
        assert_eq!(p99.datapoints(), 1);
        assert_eq!(p99.period_secs, 86_400);
        assert_eq!(p99.range, TimeRange::ending_at(at, TimeDelta::days(1)));
    }

    #[test]
    fn packing_respects_both_limits_and_numbers_ids_per_call() {
        let s = slo(false, true);
        let at = t("2026-11-20T00:00:00Z");
        // 4 days at 60 s = 5760 datapoints a query: 17 fit under 100,800.
        let many: Vec<MetricQuery> = (0..100)
            .flat_map(|_| queries(&[&s], at, None, at))
            .filter(|q| q.role != Role::P99)
            .collect();
        let n = many.len();
        let calls = pack(many);
        assert_eq!(calls.iter().map(Vec::len).sum::<usize>(), n);
        assert_eq!(calls.len(), n.div_ceil(17));
        for c in &calls {
            assert!(c.len() <= MAX_QUERIES_PER_CALL);
            assert!(c.iter().map(MetricQuery::datapoints).sum::<u64>() <= MAX_DATAPOINTS_PER_CALL);
            assert_eq!(c[0].id, "q0");
        }
    }

    #[test]
    fn packing_small_queries_is_bound_by_the_query_limit() {
        let range = TimeRange::ending_at(t("2026-11-20T00:00:00Z"), TimeDelta::hours(1));
        let q = MetricQuery {
            id: String::new(),
            objective: ObjectiveKey::new("s", "a"),
            role: Role::Requests,
            namespace: "AWS/ApplicationELB",
            metric: "RequestCount",
            dimensions: vec![],
            stat: Stat::Sum,
            period_secs: 60,
            range,
            label: String::new(),
        };
        let calls = pack(vec![q; 1234]);
        assert_eq!(calls.len(), 3);
        assert_eq!(calls[0].len(), 500);
    }
}
