//! CloudWatch statistics as values, not strings: what a query or an alarm asks of a metric.

use std::fmt;

#[derive(Clone, Debug, PartialEq)]
pub enum Stat {
    Sum,
    SampleCount,
    Average,
    Minimum,
    Maximum,
    /// `p99`, `p99.9`: the percentile, in percent.
    Percentile(f64),
    /// `TC(:t)`: how many values are ≤ `t` (CloudWatch's trimmed count; the lower bound is
    /// exclusive, the upper inclusive).
    CountAtMost(f64),
    /// A statistic `slo` does not use, read back from an alarm someone edited: kept verbatim so
    /// that the plan shows the difference.
    Other(String),
}

impl Stat {
    /// Standard statistics go to `Statistic`, the others to `ExtendedStatistic`.
    pub fn is_standard(&self) -> bool {
        matches!(
            self,
            Stat::Sum | Stat::SampleCount | Stat::Average | Stat::Minimum | Stat::Maximum
        )
    }

    /// Reads CloudWatch's spelling back: `Sum`, `p99`, `TC(:0.3)`; anything else is `Other`.
    pub fn parse(text: &str) -> Stat {
        match text {
            "Sum" => Stat::Sum,
            "SampleCount" => Stat::SampleCount,
            "Average" => Stat::Average,
            "Minimum" => Stat::Minimum,
            "Maximum" => Stat::Maximum,
            _ => {
                let percentile = text
                    .strip_prefix('p')
                    .and_then(|p| p.parse::<f64>().ok())
                    .filter(|p| p.is_finite() && *p > 0.0 && *p < 100.0);
                let count_at_most = text
                    .strip_prefix("TC(:")
                    .and_then(|t| t.strip_suffix(')'))
                    .and_then(|t| t.parse::<f64>().ok())
                    .filter(|t| t.is_finite());
                match (percentile, count_at_most) {
                    (Some(p), _) => Stat::Percentile(p),
                    (_, Some(t)) => Stat::CountAtMost(t),
                    _ => Stat::Other(text.to_owned()),
                }
            }
        }
    }
}

impl fmt::Display for Stat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Stat::Sum => f.write_str("Sum"),
            Stat::SampleCount => f.write_str("SampleCount"),
            Stat::Average => f.write_str("Average"),
            Stat::Minimum => f.write_str("Minimum"),
            Stat::Maximum => f.write_str("Maximum"),
            Stat::Percentile(p) => write!(f, "p{p}"),
            Stat::CountAtMost(t) => write!(f, "TC(:{t})"),
            Stat::Other(s) => f.write_str(s),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_statistic_reads_back_as_it_is_written() {
        for s in [
            Stat::Sum,
            Stat::SampleCount,
            Stat::Average,
            Stat::Minimum,
            Stat::Maximum,
            Stat::Percentile(99.0),
            Stat::Percentile(99.9),
            Stat::CountAtMost(0.3),
            Stat::CountAtMost(1.0),
            Stat::Other("TM(10%:90%)".into()),
        ] {
            assert_eq!(Stat::parse(&s.to_string()), s, "{s}");
        }
        assert_eq!(Stat::CountAtMost(1.0).to_string(), "TC(:1)");
        assert_eq!(Stat::Percentile(99.0).to_string(), "p99");
        assert!(!Stat::Percentile(99.0).is_standard());
    }
}
