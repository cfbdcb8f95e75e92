//! `GetMetricData` results → one event series (and P99) per objective. Pure.

use super::plan::{MetricQuery, Role};
use crate::core::collected::{Collected, ObjectiveData};
use crate::core::events::{Counts, EventSeries, SeriesError};
use crate::core::model::ObjectiveKey;
use chrono::{DateTime, TimeDelta, Utc};
use std::collections::BTreeMap;
use std::time::Duration;

/// The datapoints CloudWatch returned for one query: (period start, value).
#[derive(Clone, Debug, PartialEq)]
pub struct QueryResult {
    pub query: MetricQuery,
    pub points: Vec<(DateTime<Utc>, f64)>,
}

/// One period's sums of an objective's counting metrics.
#[derive(Clone, Copy, Debug, Default)]
struct Sums {
    requests: f64,
    target_5xx: f64,
    elb_5xx: f64,
    answered: f64,
    within: f64,
}

impl Sums {
    fn add(&mut self, role: Role, v: f64) {
        match role {
            Role::Requests => self.requests += v,
            Role::Target5xx => self.target_5xx += v,
            Role::Elb5xx => self.elb_5xx += v,
            Role::Answered => self.answered += v,
            Role::WithinThreshold => self.within += v,
            Role::P99 => {}
        }
    }

    fn counts(self) -> Counts {
        if self.answered > 0.0 || self.within > 0.0 {
            let total = count(self.answered);
            Counts::new(count(self.within).min(total), total)
        } else {
            // The ELB's own 5xx may come from requests RequestCount left out: count them.
            let bad = count(self.target_5xx) + count(self.elb_5xx);
            let total = count(self.requests).max(bad);
            Counts::new(total - bad, total)
        }
    }
}

/// Builds each objective's series, keyed by the objective its queries name. A missing
/// datapoint means no traffic in that period (ALB publishes metrics only when there are
/// requests), never success: its bucket stays empty.
pub fn assemble(results: &[QueryResult]) -> Result<Collected, SeriesError> {
    struct Partial {
        rows: BTreeMap<DateTime<Utc>, Sums>,
        bucket: Option<i64>,
        p99: Option<Duration>,
    }
    let mut partial: BTreeMap<&ObjectiveKey, Partial> = BTreeMap::new();
    for r in results {
        let p = partial.entry(&r.query.objective).or_insert(Partial {
            rows: BTreeMap::new(),
            bucket: None,
            p99: None,
        });
        if r.query.role == Role::P99 {
            // To the microsecond: 0.514 s must stay 0.514 s, not 0.513999999.
            p.p99 = r.points.first().map(|(_, v)| {
                Duration::from_micros(if v.is_finite() {
                    (v.max(0.0) * 1e6).round() as u64
                } else {
                    0
                })
            });
            continue;
        }
        p.bucket = Some(r.query.period_secs);
        for (t, v) in &r.points {
            p.rows.entry(*t).or_default().add(r.query.role, *v);
        }
    }
    let mut out = Collected::new();
    for (key, p) in partial {
        let bucket = TimeDelta::seconds(p.bucket.unwrap_or(60));
        // Sized to the datapoints' span at once: grown by doubling, a month of 300 s buckets
        // (9,504) would keep room for 16,384 in `slo serve`'s cache, 70 % more memory.
        let span =
            p.rows
                .first_key_value()
                .zip(p.rows.last_key_value())
                .map(|((first, _), (last, _))| crate::core::window::TimeRange {
                    start: *first,
                    end: *last + bucket,
                });
        let mut series = match span {
            Some(range) => EventSeries::covering(bucket, range)?,
            None => EventSeries::new(bucket)?,
        };
        for (t, sums) in p.rows {
            series.add(t, sums.counts());
        }
        out.insert(key.clone(), ObjectiveData { series, p99: p.p99 });
    }
    Ok(out)
}

fn count(v: f64) -> u64 {
    if v.is_finite() && v > 0.0 {
        v.round() as u64
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::window::TimeRange;

    fn q(objective: &str, role: Role) -> MetricQuery {
        let t: DateTime<Utc> = "2026-01-01T00:00:00Z".parse().unwrap();
        MetricQuery {
            id: "q0".into(),
            objective: ObjectiveKey::new("s", objective),
            role,
            namespace: "AWS/ApplicationELB",
            metric: "RequestCount",
            dimensions: vec![],
            stat: crate::core::stat::Stat::Sum,
            period_secs: 60,
            range: TimeRange::ending_at(t, TimeDelta::hours(1)),
            label: String::new(),
        }
    }

    fn at(m: i64) -> DateTime<Utc> {
        "2026-01-01T00:00:00Z".parse::<DateTime<Utc>>().unwrap() + TimeDelta::minutes(m)
    }

    #[test]
    fn availability_is_requests_minus_target_and_elb_5xx() {
        let results = vec![
            QueryResult {
                query: q("a", Role::Requests),
                points: vec![(at(0), 100.0), (at(1), 50.0)],
            },
            QueryResult {
                query: q("a", Role::Target5xx),
                points: vec![(at(0), 2.0)],
            },
            QueryResult {
                query: q("a", Role::Elb5xx),
                points: vec![(at(0), 1.0), (at(2), 3.0)],
            },
        ];
        let data = assemble(&results).unwrap();
        let s: Vec<_> = data[&ObjectiveKey::new("s", "a")]
            .series
            .iter()
            .filter(|(_, c)| c.total > 0)
            .collect();
        assert_eq!(
            s,
            vec![
                (at(0), Counts::new(97, 100)),
                (at(1), Counts::new(50, 50)),
                // ELB 5xx with no RequestCount datapoint: counted, all bad.
                (at(2), Counts::new(0, 3)),
            ]
        );
    }

    #[test]
    fn missing_datapoints_are_no_traffic_not_success() {
        let data = assemble(&[QueryResult {
            query: q("a", Role::Requests),
            points: vec![],
        }])
        .unwrap();
        assert_eq!(
            data[&ObjectiveKey::new("s", "a")].series.total(),
            Counts::default()
        );
        assert_eq!(data[&ObjectiveKey::new("s", "a")].p99, None);
    }

    #[test]
    fn latency_is_tc_over_sample_count_and_p99_comes_through() {
        let results = vec![
            QueryResult {
                query: q("a", Role::Answered),
                points: vec![(at(0), 10.0)],
            },
            QueryResult {
                query: q("a", Role::WithinThreshold),
                points: vec![(at(0), 9.0)],
            },
            QueryResult {
                query: q("a", Role::P99),
                points: vec![(at(0), 0.75)],
            },
        ];
        let data = assemble(&results).unwrap();
        assert_eq!(
            data[&ObjectiveKey::new("s", "a")].series.total(),
            Counts::new(9, 10)
        );
        assert_eq!(
            data[&ObjectiveKey::new("s", "a")].p99,
            Some(Duration::from_millis(750))
        );
    }
}
