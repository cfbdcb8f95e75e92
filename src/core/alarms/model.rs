//! CloudWatch alarms as plain values, independent of the SDK: what `slo` wants, and what it
//! reads back, in the same shape so they can be compared field by field.

pub use super::rule::Rule;
pub use crate::core::stat::Stat;
use std::collections::BTreeMap;

/// One metric an alarm reads.
#[derive(Clone, Debug, PartialEq)]
pub struct MetricRef {
    /// Id inside a metric-math alarm (`m1`); empty for a single-metric alarm.
    pub id: String,
    pub namespace: String,
    pub name: String,
    /// Sorted by name.
    pub dimensions: Vec<(String, String)>,
    pub stat: Stat,
    pub period_secs: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub enum AlarmSource {
    Metric(MetricRef),
    /// `expression` over `metrics`, returned under the id `e1`.
    Math {
        expression: String,
        metrics: Vec<MetricRef>,
    },
}

impl AlarmSource {
    pub fn metric_count(&self) -> usize {
        match self {
            AlarmSource::Metric(_) => 1,
            AlarmSource::Math { metrics, .. } => metrics.len(),
        }
    }

    /// The period the alarm evaluates at.
    pub fn period_secs(&self) -> u32 {
        match self {
            AlarmSource::Metric(m) => m.period_secs,
            AlarmSource::Math { metrics, .. } => {
                metrics.iter().map(|m| m.period_secs).max().unwrap_or(0)
            }
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Comparison {
    GreaterThanThreshold,
    GreaterThanOrEqualToThreshold,
    LessThanThreshold,
    LessThanOrEqualToThreshold,
}

impl Comparison {
    pub const ALL: [Comparison; 4] = [
        Comparison::GreaterThanThreshold,
        Comparison::GreaterThanOrEqualToThreshold,
        Comparison::LessThanThreshold,
        Comparison::LessThanOrEqualToThreshold,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Comparison::GreaterThanThreshold => "GreaterThanThreshold",
            Comparison::GreaterThanOrEqualToThreshold => "GreaterThanOrEqualToThreshold",
            Comparison::LessThanThreshold => "LessThanThreshold",
            Comparison::LessThanOrEqualToThreshold => "LessThanOrEqualToThreshold",
        }
    }

    pub fn parse(text: &str) -> Option<Comparison> {
        Comparison::ALL.into_iter().find(|c| c.as_str() == text)
    }

    /// Whether `value` breaches `threshold`.
    pub fn breaches(self, value: f64, threshold: f64) -> bool {
        match self {
            Comparison::GreaterThanThreshold => value > threshold,
            Comparison::GreaterThanOrEqualToThreshold => value >= threshold,
            Comparison::LessThanThreshold => value < threshold,
            Comparison::LessThanOrEqualToThreshold => value <= threshold,
        }
    }
}

/// Which data an alarm evaluates each minute: the last periods (CloudWatch's default), or
/// periods aligned to the wall clock, which someone may have switched an alarm to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum EvaluationWindow {
    #[default]
    Sliding,
    WallClock,
}

/// How an alarm treats a period without a datapoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TreatMissingData {
    /// CloudWatch's default: the state stays as it is.
    Missing,
    NotBreaching,
    Breaching,
    Ignore,
}

impl TreatMissingData {
    pub fn as_str(self) -> &'static str {
        match self {
            TreatMissingData::Missing => "missing",
            TreatMissingData::NotBreaching => "notBreaching",
            TreatMissingData::Breaching => "breaching",
            TreatMissingData::Ignore => "ignore",
        }
    }

    /// CloudWatch's spelling; an absent or unknown value is its default, `missing`.
    pub fn parse(text: Option<&str>) -> TreatMissingData {
        match text {
            Some("notBreaching") => TreatMissingData::NotBreaching,
            Some("breaching") => TreatMissingData::Breaching,
            Some("ignore") => TreatMissingData::Ignore,
            _ => TreatMissingData::Missing,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct MetricAlarm {
    pub name: String,
    pub description: String,
    pub source: AlarmSource,
    pub comparison: Comparison,
    pub threshold: f64,
    pub evaluation_periods: u32,
    pub datapoints_to_alarm: u32,
    pub treat_missing_data: TreatMissingData,
    pub evaluation_window: EvaluationWindow,
    pub alarm_actions: Vec<String>,
    pub ok_actions: Vec<String>,
    pub tags: BTreeMap<String, String>,
}

/// A composite's actions are held back while `alarm` is in ALARM.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suppressor {
    pub alarm: String,
    pub wait_period_secs: u32,
    pub extension_period_secs: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub struct CompositeAlarm {
    pub name: String,
    pub description: String,
    pub rule: Rule,
    pub alarm_actions: Vec<String>,
    pub ok_actions: Vec<String>,
    pub suppressor: Option<Suppressor>,
    pub tags: BTreeMap<String, String>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Alarm {
    Metric(MetricAlarm),
    Composite(CompositeAlarm),
}

impl Alarm {
    pub fn name(&self) -> &str {
        match self {
            Alarm::Metric(a) => &a.name,
            Alarm::Composite(a) => &a.name,
        }
    }

    pub fn tags(&self) -> &BTreeMap<String, String> {
        match self {
            Alarm::Metric(a) => &a.tags,
            Alarm::Composite(a) => &a.tags,
        }
    }

    pub fn set_tags(&mut self, tags: BTreeMap<String, String>) {
        match self {
            Alarm::Metric(a) => a.tags = tags,
            Alarm::Composite(a) => a.tags = tags,
        }
    }

    pub fn is_composite(&self) -> bool {
        matches!(self, Alarm::Composite(_))
    }

    /// Alarms this one refers to (a composite's rule and suppressor), which must exist first.
    pub fn depends_on(&self) -> Vec<String> {
        let Alarm::Composite(c) = self else {
            return Vec::new();
        };
        let mut names: Vec<String> = c.rule.alarms().into_iter().map(str::to_owned).collect();
        names.extend(c.suppressor.iter().map(|s| s.alarm.clone()));
        names
    }

    /// The fields in which `self` and `other` (same name) differ, by their AWS names.
    pub fn differences(&self, other: &Alarm) -> Vec<&'static str> {
        let mut d = Vec::new();
        let mut check = |differs: bool, field| {
            if differs {
                d.push(field);
            }
        };
        match (self, other) {
            (Alarm::Metric(a), Alarm::Metric(b)) => {
                check(a.description != b.description, "AlarmDescription");
                check(a.source != b.source, "Metrics");
                check(a.comparison != b.comparison, "ComparisonOperator");
                check(!same_number(a.threshold, b.threshold), "Threshold");
                check(
                    a.evaluation_periods != b.evaluation_periods,
                    "EvaluationPeriods",
                );
                check(
                    a.datapoints_to_alarm != b.datapoints_to_alarm,
                    "DatapointsToAlarm",
                );
                check(
                    a.treat_missing_data != b.treat_missing_data,
                    "TreatMissingData",
                );
                check(
                    a.evaluation_window != b.evaluation_window,
                    "EvaluationWindow",
                );
                check(a.alarm_actions != b.alarm_actions, "AlarmActions");
                check(a.ok_actions != b.ok_actions, "OKActions");
                check(a.tags != b.tags, "Tags");
            }
            (Alarm::Composite(a), Alarm::Composite(b)) => {
                check(a.description != b.description, "AlarmDescription");
                check(a.rule != b.rule, "AlarmRule");
                check(a.alarm_actions != b.alarm_actions, "AlarmActions");
                check(a.ok_actions != b.ok_actions, "OKActions");
                check(a.suppressor != b.suppressor, "ActionsSuppressor");
                check(a.tags != b.tags, "Tags");
            }
            _ => check(true, "AlarmType"),
        }
        d
    }
}

/// Thresholds come back from AWS as doubles: compare to 1e-12 relative, not bit for bit.
fn same_number(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * a.abs().max(b.abs()).max(1.0)
}

/// A CloudWatch Logs metric filter: every line of `log_group` matching `pattern` adds 1 to
/// `namespace`/`metric`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MetricFilter {
    pub name: String,
    pub log_group: String,
    pub pattern: String,
    pub namespace: String,
    pub metric: String,
}

/// An alarm's state and since when: what `slo notify` reads of the composites, and what the
/// dashboard lists of the infra alarms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AlarmStatus {
    pub name: String,
    /// `ALARM`, `OK` or `INSUFFICIENT_DATA`.
    pub state: String,
    pub since: chrono::DateTime<chrono::Utc>,
}
