//! Exact latency percentiles from a 1 ms histogram: ALB response times have millisecond
//! resolution, so counting per millisecond loses nothing.

use std::collections::BTreeMap;
use std::time::Duration;

/// Latencies up to this many milliseconds are counted in a flat array; longer ones (rare: the
/// ALB idle timeout allows up to 4000 s) in a sparse map. Memory stays bounded either way.
const DENSE_MS: usize = 60_000;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LatencyHistogram {
    dense: Vec<u64>,
    sparse: BTreeMap<u64, u64>,
    count: u64,
}

impl Default for LatencyHistogram {
    fn default() -> Self {
        LatencyHistogram::new()
    }
}

impl LatencyHistogram {
    pub fn new() -> LatencyHistogram {
        LatencyHistogram {
            dense: Vec::new(),
            sparse: BTreeMap::new(),
            count: 0,
        }
    }

    pub fn record_ms(&mut self, ms: u64) {
        self.record_ms_n(ms, 1);
    }

    /// `n` requests of `ms` milliseconds (a histogram's bucket, as a query returns it).
    pub fn record_ms_n(&mut self, ms: u64, n: u64) {
        self.count += n;
        match usize::try_from(ms) {
            Ok(i) if i < DENSE_MS => {
                if self.dense.is_empty() {
                    self.dense = vec![0; DENSE_MS];
                }
                self.dense[i] += n;
            }
            _ => *self.sparse.entry(ms).or_default() += n,
        }
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    pub fn merge(&mut self, other: &LatencyHistogram) {
        if !other.dense.is_empty() {
            if self.dense.is_empty() {
                self.dense = vec![0; DENSE_MS];
            }
            for (a, b) in self.dense.iter_mut().zip(&other.dense) {
                *a += *b;
            }
        }
        for (ms, n) in &other.sparse {
            *self.sparse.entry(*ms).or_default() += n;
        }
        self.count += other.count;
    }

    /// The nearest-rank percentile: the ⌈q·n⌉-th smallest value. `None` with no samples.
    pub fn quantile(&self, q: f64) -> Option<Duration> {
        if self.count == 0 || !(0.0..=1.0).contains(&q) {
            return None;
        }
        let rank = ((q * self.count as f64).ceil() as u64).clamp(1, self.count);
        let mut seen = 0u64;
        let dense = self.dense.iter().enumerate().map(|(ms, n)| (ms as u64, *n));
        let sparse = self.sparse.iter().map(|(ms, n)| (*ms, *n));
        for (ms, n) in dense.chain(sparse) {
            seen += n;
            if seen >= rank {
                return Some(Duration::from_millis(ms));
            }
        }
        None
    }

    /// How many samples are at most `limit`.
    pub fn count_at_most(&self, limit: Duration) -> u64 {
        let limit_ms = u64::try_from(limit.as_millis()).unwrap_or(u64::MAX);
        let dense_end = usize::try_from(limit_ms.saturating_add(1))
            .unwrap_or(usize::MAX)
            .min(self.dense.len());
        let dense: u64 = self.dense[..dense_end].iter().sum();
        let sparse: u64 = self.sparse.range(..=limit_ms).map(|(_, n)| n).sum();
        dense + sparse
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn p99_of_a_hundred_values_is_the_ninety_ninth() {
        let mut h = LatencyHistogram::new();
        for ms in 1..=100 {
            h.record_ms(ms);
        }
        assert_eq!(h.quantile(0.99), Some(Duration::from_millis(99)));
        assert_eq!(h.quantile(1.0), Some(Duration::from_millis(100)));
        assert_eq!(h.quantile(0.0), Some(Duration::from_millis(1)));
    }

    #[test]
    fn an_empty_histogram_has_no_percentile() {
        assert_eq!(LatencyHistogram::new().quantile(0.99), None);
    }

    #[test]
    fn very_long_requests_are_counted_exactly() {
        let mut h = LatencyHistogram::new();
        h.record_ms(5);
        h.record_ms(3_999_000);
        assert_eq!(h.quantile(1.0), Some(Duration::from_millis(3_999_000)));
        assert_eq!(h.count_at_most(Duration::from_secs(60)), 1);
        assert_eq!(h.count_at_most(Duration::from_secs(4000)), 2);
    }

    proptest! {
        #[test]
        fn quantiles_match_sorting(mut values in prop::collection::vec(0u64..120_000, 1..300), q in 0.0f64..=1.0) {
            let mut h = LatencyHistogram::new();
            for v in &values {
                h.record_ms(*v);
            }
            values.sort_unstable();
            let rank = ((q * values.len() as f64).ceil() as usize).clamp(1, values.len());
            prop_assert_eq!(h.quantile(q), Some(Duration::from_millis(values[rank - 1])));
        }

        #[test]
        fn merged_histograms_equal_one_histogram_of_everything(
            a in prop::collection::vec(0u64..100_000, 0..100),
            b in prop::collection::vec(0u64..100_000, 0..100),
            limit in 0u64..100_000,
        ) {
            let (mut ha, mut hb, mut all) = (LatencyHistogram::new(), LatencyHistogram::new(), LatencyHistogram::new());
            a.iter().for_each(|v| { ha.record_ms(*v); all.record_ms(*v); });
            b.iter().for_each(|v| { hb.record_ms(*v); all.record_ms(*v); });
            ha.merge(&hb);
            prop_assert_eq!(ha.quantile(0.99), all.quantile(0.99));
            let lim = Duration::from_millis(limit);
            prop_assert_eq!(ha.count_at_most(lim), all.count_at_most(lim));
            prop_assert_eq!(ha.count_at_most(lim), a.iter().chain(&b).filter(|v| **v <= limit).count() as u64);
        }
    }
}
