//! `GetMetricData` results → one event series (and P99) per objective. Pure.

use super::plan::{MetricQuery, Role};
use crate::core::events::{Counts, EventSeries, SeriesError};
use chrono::{DateTime, TimeDelta, Utc};
use std::collections::BTreeMap;
use std::time::Duration;

/// The datapoints CloudWatch returned for one query: (period start, value).
#[derive(Clone, Debug, PartialEq)]
pub struct QueryResult {
    pub query: MetricQuery,
    pub points: Vec<(DateTime<Utc>, f64)>,
}

#[derive(Clone, Debug)]
pub struct ObjectiveData {
    pub series: EventSeries,
    pub p99: Option<Duration>,
}

/// Builds each objective's series. A missing datapoint means no traffic in that period (ALB
/// publishes metrics only when there are requests), never success: its bucket stays empty.
pub fn assemble(
    objectives: usize,
    results: &[QueryResult],
) -> Result<Vec<ObjectiveData>, SeriesError> {
    // objective -> period start -> per-role values
    let mut table: Vec<BTreeMap<DateTime<Utc>, [f64; 5]>> = vec![BTreeMap::new(); objectives];
    let mut buckets: Vec<Option<i64>> = vec![None; objectives];
    let mut p99 = vec![None; objectives];
    for r in results {
        let o = r.query.objective;
        if o >= objectives {
            continue;
        }
        if r.query.role == Role::P99 {
            // To the microsecond: 0.514 s must stay 0.514 s, not 0.513999999.
            p99[o] = r.points.first().map(|(_, v)| {
                Duration::from_micros(if v.is_finite() {
                    (v.max(0.0) * 1e6).round() as u64
                } else {
                    0
                })
            });
            continue;
        }
        buckets[o] = Some(r.query.period_secs);
        let slot = match r.query.role {
            Role::Requests => 0,
            Role::Target5xx => 1,
            Role::Elb5xx => 2,
            Role::Answered => 3,
            Role::WithinThreshold => 4,
            Role::P99 => continue,
        };
        for (t, v) in &r.points {
            table[o].entry(*t).or_insert([0.0; 5])[slot] += v;
        }
    }
    let mut out = Vec::with_capacity(objectives);
    for (o, rows) in table.into_iter().enumerate() {
        let bucket = TimeDelta::seconds(buckets[o].unwrap_or(60));
        let mut series = EventSeries::new(bucket)?;
        for (t, [requests, t5xx, e5xx, answered, within]) in rows {
            let counts = if answered > 0.0 || within > 0.0 {
                let total = count(answered);
                Counts::new(count(within).min(total), total)
            } else {
                // The ELB's own 5xx may come from requests RequestCount left out: count them.
                let bad = count(t5xx) + count(e5xx);
                let total = count(requests).max(bad);
                Counts::new(total - bad, total)
            };
            series.add(t, counts);
        }
        out.push(ObjectiveData {
            series,
            p99: p99[o],
        });
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

    fn q(objective: usize, role: Role) -> MetricQuery {
        let t: DateTime<Utc> = "2026-01-01T00:00:00Z".parse().unwrap();
        MetricQuery {
            id: "q0".into(),
            objective,
            role,
            metric: "RequestCount",
            dimensions: vec![],
            stat: "Sum".into(),
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
                query: q(0, Role::Requests),
                points: vec![(at(0), 100.0), (at(1), 50.0)],
            },
            QueryResult {
                query: q(0, Role::Target5xx),
                points: vec![(at(0), 2.0)],
            },
            QueryResult {
                query: q(0, Role::Elb5xx),
                points: vec![(at(0), 1.0), (at(2), 3.0)],
            },
        ];
        let data = assemble(1, &results).unwrap();
        let s: Vec<_> = data[0].series.iter().filter(|(_, c)| c.total > 0).collect();
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
        let data = assemble(
            1,
            &[QueryResult {
                query: q(0, Role::Requests),
                points: vec![],
            }],
        )
        .unwrap();
        assert_eq!(data[0].series.total(), Counts::default());
        assert_eq!(data[0].p99, None);
    }

    #[test]
    fn latency_is_tc_over_sample_count_and_p99_comes_through() {
        let results = vec![
            QueryResult {
                query: q(0, Role::Answered),
                points: vec![(at(0), 10.0)],
            },
            QueryResult {
                query: q(0, Role::WithinThreshold),
                points: vec![(at(0), 9.0)],
            },
            QueryResult {
                query: q(0, Role::P99),
                points: vec![(at(0), 0.75)],
            },
        ];
        let data = assemble(1, &results).unwrap();
        assert_eq!(data[0].series.total(), Counts::new(9, 10));
        assert_eq!(data[0].p99, Some(Duration::from_millis(750)));
    }
}
