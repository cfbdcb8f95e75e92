//! The one mapping from an SLI to the ALB metrics CloudWatch has for it. The report's queries
//! and the burn-rate alarms both read it, so they can never count differently.

use crate::core::model::ObjectiveKey;
use crate::core::model::{ServiceSlo, Sli};
use crate::core::stat::Stat;
use crate::core::window::TimeRange;

pub const ALB_NAMESPACE: &str = "AWS/ApplicationELB";

/// What a metric's values mean for the SLI.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// `RequestCount`, Sum: availability total.
    Requests,
    /// `HTTPCode_Target_5XX_Count`, Sum: bad.
    Target5xx,
    /// `HTTPCode_ELB_5XX_Count`, Sum: bad. It has no TargetGroup dimension.
    Elb5xx,
    /// `TargetResponseTime`, SampleCount: latency total.
    Answered,
    /// `TargetResponseTime`, `TC(:threshold)`: latency good.
    WithinThreshold,
    /// `TargetResponseTime`, `p99`: reported, not counted.
    P99,
}

/// One metric query, in our own terms (the adapter turns it into the SDK's).
#[derive(Clone, Debug, PartialEq)]
pub struct MetricQuery {
    /// Unique within a call: `q<n>`.
    pub id: String,
    /// The objective it serves.
    pub objective: ObjectiveKey,
    pub role: Role,
    pub namespace: &'static str,
    pub metric: &'static str,
    /// `(name, value)` pairs.
    pub dimensions: Vec<(&'static str, String)>,
    pub stat: Stat,
    pub period_secs: i64,
    pub range: TimeRange,
    /// Human label for errors: `checkout/availability RequestCount`.
    pub label: String,
}

impl MetricQuery {
    /// The most datapoints this query can return.
    pub fn datapoints(&self) -> u64 {
        let secs = (self.range.end - self.range.start)
            .num_seconds()
            .max(0)
            .unsigned_abs();
        secs.div_ceil(self.period_secs.max(1).unsigned_abs())
    }
}

/// One ALB metric and statistic.
#[derive(Clone, Debug, PartialEq)]
pub struct SliMetric {
    pub role: Role,
    pub namespace: &'static str,
    pub name: &'static str,
    /// `(name, value)`, LoadBalancer first.
    pub dimensions: Vec<(&'static str, String)>,
    pub stat: Stat,
}

fn dimensions(slo: &ServiceSlo, with_target_group: bool) -> Vec<(&'static str, String)> {
    let mut d = vec![("LoadBalancer", slo.alb.load_balancer.clone())];
    if let (true, Some(tg)) = (with_target_group, &slo.alb.target_group) {
        d.push(("TargetGroup", tg.clone()));
    }
    d
}

fn metric(
    role: Role,
    name: &'static str,
    dimensions: Vec<(&'static str, String)>,
    stat: Stat,
) -> SliMetric {
    SliMetric {
        role,
        namespace: ALB_NAMESPACE,
        name,
        dimensions,
        stat,
    }
}

/// Whether the load balancer's own 5xx count against `slo`: always without a target group
/// (they are the load balancer's answers), by default with one (pessimistic: CloudWatch cannot
/// tell which target group they were meant for).
pub fn counts_elb_5xx(slo: &ServiceSlo) -> bool {
    slo.alb.target_group.is_none() || slo.alb.include_elb_5xx
}

/// The metrics whose sums give `sli`'s good and total events, the total first:
/// availability `[Requests, Target5xx, Elb5xx?]`, latency `[Answered, WithinThreshold]`.
pub fn counting_metrics(slo: &ServiceSlo, sli: Sli) -> Vec<SliMetric> {
    let dims = dimensions(slo, true);
    match sli {
        Sli::Availability => {
            let mut m = vec![
                metric(Role::Requests, "RequestCount", dims.clone(), Stat::Sum),
                metric(
                    Role::Target5xx,
                    "HTTPCode_Target_5XX_Count",
                    dims,
                    Stat::Sum,
                ),
            ];
            if counts_elb_5xx(slo) {
                m.push(metric(
                    Role::Elb5xx,
                    "HTTPCode_ELB_5XX_Count",
                    dimensions(slo, false),
                    Stat::Sum,
                ));
            }
            m
        }
        Sli::Latency { threshold } => vec![
            metric(
                Role::Answered,
                "TargetResponseTime",
                dims.clone(),
                Stat::SampleCount,
            ),
            metric(
                Role::WithinThreshold,
                "TargetResponseTime",
                dims,
                Stat::CountAtMost(threshold.as_secs_f64()),
            ),
        ],
    }
}

/// The target response time's 99th percentile (latency objectives report it).
pub fn p99_metric(slo: &ServiceSlo) -> SliMetric {
    metric(
        Role::P99,
        "TargetResponseTime",
        dimensions(slo, true),
        Stat::Percentile(99.0),
    )
}

/// The bad events of `metrics` (as [`counting_metrics`] returns them) as a CloudWatch metric-math
/// expression, the metrics having the ids `<prefix>1`, `<prefix>2`, … in that order (the first
/// is the total): availability `FILL(m2,0)+FILL(m3,0)`, latency `m1-FILL(m2,0)`.
pub fn bad_expression(sli: Sli, metrics: &[SliMetric], prefix: &str) -> String {
    let filled = |role| {
        metrics
            .iter()
            .position(|m| m.role == role)
            .map(|i| format!("FILL({prefix}{},0)", i + 1))
    };
    match sli {
        Sli::Availability => [Role::Target5xx, Role::Elb5xx]
            .into_iter()
            .filter_map(filled)
            .collect::<Vec<_>>()
            .join("+"),
        Sli::Latency { .. } => format!(
            "{prefix}1-{}",
            filled(Role::WithinThreshold).unwrap_or_else(|| "0".to_owned())
        ),
    }
}
