//! Time-bucketed good/total counts: what every source produces and every SLO computation reads.

use crate::core::window::TimeRange;
use chrono::{DateTime, TimeDelta, Utc};
use std::ops::{Add, AddAssign};

/// Good and total events. `bad = total − good`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub good: u64,
    pub total: u64,
}

impl Counts {
    pub fn new(good: u64, total: u64) -> Counts {
        debug_assert!(good <= total, "good {good} > total {total}");
        Counts { good, total }
    }

    pub fn bad(self) -> u64 {
        self.total.saturating_sub(self.good)
    }

    pub fn is_empty(self) -> bool {
        self.total == 0
    }
}

impl Add for Counts {
    type Output = Counts;
    fn add(self, o: Counts) -> Counts {
        Counts {
            good: self.good + o.good,
            total: self.total + o.total,
        }
    }
}

impl AddAssign for Counts {
    fn add_assign(&mut self, o: Counts) {
        *self = *self + o;
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SeriesError {
    #[error("bucket sizes differ ({0}s and {1}s): resample to a common bucket first")]
    BucketMismatch(i64, i64),
    #[error(
        "cannot resample {from}s buckets to {to}s: the new bucket must be a multiple of the old"
    )]
    NotAMultiple { from: i64, to: i64 },
    #[error("bucket size must be a positive whole number of seconds, not {0}ms")]
    BadBucket(i64),
}

/// Counts in consecutive, equal, epoch-aligned buckets. A bucket with no events holds zeros:
/// "no traffic", which every consumer must treat as no data rather than as success.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventSeries {
    bucket_secs: i64,
    /// Index (unix seconds / bucket) of `counts[0]`.
    first: i64,
    counts: Vec<Counts>,
}

impl EventSeries {
    pub fn new(bucket: TimeDelta) -> Result<EventSeries, SeriesError> {
        let ms = bucket.num_milliseconds();
        if ms <= 0 || ms % 1000 != 0 {
            return Err(SeriesError::BadBucket(ms));
        }
        Ok(EventSeries {
            bucket_secs: ms / 1000,
            first: 0,
            counts: Vec::new(),
        })
    }

    pub fn bucket(&self) -> TimeDelta {
        TimeDelta::seconds(self.bucket_secs)
    }

    fn index_of(&self, t: DateTime<Utc>) -> i64 {
        t.timestamp().div_euclid(self.bucket_secs)
    }

    fn start_of(&self, index: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(index * self.bucket_secs, 0).unwrap_or_default()
    }

    /// An empty series with zeroed buckets over `range`, so that adding inside it never
    /// reallocates.
    pub fn covering(bucket: TimeDelta, range: TimeRange) -> Result<EventSeries, SeriesError> {
        let mut s = EventSeries::new(bucket)?;
        if range.start < range.end {
            s.slot(s.index_of(range.start));
            s.slot(s.index_of(range.end - TimeDelta::seconds(1)));
        }
        Ok(s)
    }

    /// Adds `c` to the bucket that contains `at`.
    pub fn add(&mut self, at: DateTime<Utc>, c: Counts) {
        self.add_unix(at.timestamp(), c);
    }

    /// Adds `c` to the bucket that contains Unix second `secs`.
    pub fn add_unix(&mut self, secs: i64, c: Counts) {
        let i = secs.div_euclid(self.bucket_secs);
        match usize::try_from(i - self.first) {
            Ok(k) if k < self.counts.len() => self.counts[k] += c,
            _ => *self.slot(i) += c,
        }
    }

    fn slot(&mut self, i: i64) -> &mut Counts {
        if self.counts.is_empty() {
            self.first = i;
        }
        if i < self.first {
            let grow = (self.first - i) as usize;
            self.counts
                .splice(0..0, std::iter::repeat_n(Counts::default(), grow));
            self.first = i;
        }
        let at = (i - self.first) as usize;
        if at >= self.counts.len() {
            self.counts.resize(at + 1, Counts::default());
        }
        &mut self.counts[at]
    }

    /// Buckets in time order, with their start time. Empty buckets are included.
    pub fn iter(&self) -> impl Iterator<Item = (DateTime<Utc>, Counts)> + '_ {
        self.counts
            .iter()
            .enumerate()
            .map(|(k, c)| (self.start_of(self.first + k as i64), *c))
    }

    /// [`EventSeries::iter`] with start times in Unix seconds, for per-minute loops.
    pub fn iter_unix(&self) -> impl Iterator<Item = (i64, Counts)> + '_ {
        self.counts
            .iter()
            .enumerate()
            .map(|(k, c)| ((self.first + k as i64) * self.bucket_secs, *c))
    }

    /// Its bucket size in seconds, the index (Unix seconds / bucket) of its first bucket, and
    /// its buckets: what [`crate::core::packed::PackedSeries`] keeps.
    pub(crate) fn parts(&self) -> (i64, i64, &[Counts]) {
        (self.bucket_secs, self.first, &self.counts)
    }

    /// The series of [`EventSeries::parts`].
    pub(crate) fn from_parts(bucket_secs: i64, first: i64, counts: Vec<Counts>) -> EventSeries {
        EventSeries {
            bucket_secs,
            first,
            counts,
        }
    }

    /// Bytes its buckets take (their allocation).
    pub fn footprint(&self) -> usize {
        self.counts.capacity() * std::mem::size_of::<Counts>()
    }

    /// The time span the series covers, if it has any bucket.
    pub fn span(&self) -> Option<TimeRange> {
        (!self.counts.is_empty()).then(|| TimeRange {
            start: self.start_of(self.first),
            end: self.start_of(self.first + self.counts.len() as i64),
        })
    }

    /// Sum of the buckets whose start lies in `range`.
    pub fn sum(&self, range: TimeRange) -> Counts {
        let (from, to) = self.index_bounds(range);
        self.counts[from..to]
            .iter()
            .fold(Counts::default(), |a, c| a + *c)
    }

    /// The starts of the first and the last bucket starting in `range` with a bad event.
    pub fn bad_bounds(&self, range: TimeRange) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        let (from, to) = self.index_bounds(range);
        let buckets = &self.counts[from..to];
        let first = buckets.iter().position(|c| c.bad() > 0)?;
        let last = buckets.iter().rposition(|c| c.bad() > 0)?;
        let at = |k: usize| self.start_of(self.first + (from + k) as i64);
        Some((at(first), at(last)))
    }

    fn index_bounds(&self, range: TimeRange) -> (usize, usize) {
        self.index_bounds_secs(range.start.timestamp(), range.end.timestamp())
    }

    /// [`EventSeries::index_bounds`] of `[start, end)` in Unix seconds: burn rates are asked at
    /// every minute of a window, and chrono's calendar arithmetic would be most of their cost.
    fn index_bounds_secs(&self, start: i64, end: i64) -> (usize, usize) {
        let n = self.counts.len() as i64;
        // First bucket whose start is >= start, first whose start is >= end.
        let lo = ceil_div(start, self.bucket_secs) - self.first;
        let hi = ceil_div(end, self.bucket_secs) - self.first;
        let clamp = |x: i64| x.clamp(0, n) as usize;
        (clamp(lo), clamp(hi).max(clamp(lo)))
    }

    /// Empties the buckets [`EventSeries::sum`] of `range` would add (those starting in it)
    /// and returns what they held: an excluded span's requests, gone as if never read.
    pub fn clear(&mut self, range: TimeRange) -> Counts {
        let (from, to) = self.index_bounds_secs(range.start.timestamp(), range.end.timestamp());
        let mut removed = Counts::default();
        for c in &mut self.counts[from..to] {
            removed += *c;
            *c = Counts::default();
        }
        removed
    }

    pub fn total(&self) -> Counts {
        self.counts.iter().fold(Counts::default(), |a, c| a + *c)
    }

    /// Adds every bucket of `other` into `self`. Both must use the same bucket size.
    pub fn merge(&mut self, other: &EventSeries) -> Result<(), SeriesError> {
        if other.bucket_secs != self.bucket_secs {
            return Err(SeriesError::BucketMismatch(
                self.bucket_secs,
                other.bucket_secs,
            ));
        }
        for (k, c) in other.counts.iter().enumerate() {
            *self.slot(other.first + k as i64) += *c;
        }
        Ok(())
    }

    /// Drops the buckets that start before `t` (the ones a rolling window has left behind),
    /// so a series kept up to date for months stays the size of its window.
    pub fn drop_before(&mut self, t: DateTime<Utc>) {
        let keep_from = ceil_div(t.timestamp(), self.bucket_secs);
        let cut = (keep_from - self.first).clamp(0, self.counts.len() as i64) as usize;
        if cut > 0 {
            self.counts.drain(..cut);
            self.first += cut as i64;
        }
    }

    /// Replaces every bucket that starts at or after `from` with `tail`'s buckets from `from`
    /// on: a newer answer for the recent past (CloudWatch's last minutes fill in late) and the
    /// time since the last fetch, without fetching the whole window again.
    pub fn replace_from(
        &mut self,
        from: DateTime<Utc>,
        tail: &EventSeries,
    ) -> Result<(), SeriesError> {
        if tail.bucket_secs != self.bucket_secs {
            return Err(SeriesError::BucketMismatch(
                self.bucket_secs,
                tail.bucket_secs,
            ));
        }
        let from_index = ceil_div(from.timestamp(), self.bucket_secs);
        let keep = (from_index - self.first).clamp(0, self.counts.len() as i64) as usize;
        self.counts.truncate(keep);
        if self.counts.is_empty() {
            self.first = from_index;
        }
        // Room for exactly the tail: grown by doubling, a series refreshed every few minutes
        // would keep twice its window's buckets (`slo serve` holds thousands of them).
        let end = tail.first + tail.counts.len() as i64;
        let wanted = usize::try_from(end - self.first).unwrap_or(0);
        if wanted > self.counts.capacity() {
            self.counts.reserve_exact(wanted - self.counts.len());
        }
        for (k, c) in tail.counts.iter().enumerate() {
            let i = tail.first + k as i64;
            if i >= from_index {
                *self.slot(i) += *c;
            }
        }
        Ok(())
    }

    /// The same events in coarser buckets of `bucket`, a multiple of the current size.
    pub fn resample(&self, bucket: TimeDelta) -> Result<EventSeries, SeriesError> {
        let mut out = EventSeries::new(bucket)?;
        if out.bucket_secs % self.bucket_secs != 0 {
            return Err(SeriesError::NotAMultiple {
                from: self.bucket_secs,
                to: out.bucket_secs,
            });
        }
        for (t, c) in self.iter() {
            out.add(t, c);
        }
        Ok(out)
    }

    /// Cumulative sums, for O(1) sums over any window (burn rates at every minute of a month).
    pub fn prefix_sums(&self) -> PrefixSums<'_> {
        let mut cum = Vec::with_capacity(self.counts.len() + 1);
        let mut acc = Counts::default();
        cum.push(acc);
        for c in &self.counts {
            acc += *c;
            cum.push(acc);
        }
        PrefixSums { series: self, cum }
    }
}

pub(crate) fn ceil_div(a: i64, b: i64) -> i64 {
    -div_floor(-a, b)
}

/// `a.div_euclid(b)`, dividing by a constant for the one- and five-minute buckets every series
/// here has (access logs, CloudWatch past 15 days): the burn-rate and replay loops divide at
/// every step of every window, and dividing by a value known only at run time is several
/// times slower.
#[inline]
pub(crate) fn div_floor(a: i64, b: i64) -> i64 {
    match b {
        60 => a.div_euclid(60),
        300 => a.div_euclid(300),
        _ => a.div_euclid(b),
    }
}

/// A series with its running totals; `sum` answers in constant time.
pub struct PrefixSums<'a> {
    series: &'a EventSeries,
    cum: Vec<Counts>,
}

impl PrefixSums<'_> {
    pub fn series(&self) -> &EventSeries {
        self.series
    }

    /// Same answer as [`EventSeries::sum`].
    pub fn sum(&self, range: TimeRange) -> Counts {
        self.sum_secs(range.start.timestamp(), range.end.timestamp())
    }

    /// [`PrefixSums::sum`] of `[start, end)` in Unix seconds.
    pub fn sum_secs(&self, start: i64, end: i64) -> Counts {
        let (from, to) = self.series.index_bounds_secs(start, end);
        let (a, b) = (self.cum[from], self.cum[to]);
        Counts {
            good: b.good - a.good,
            total: b.total - a.total,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn t(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(secs, 0).unwrap()
    }

    fn range(a: i64, b: i64) -> TimeRange {
        TimeRange {
            start: t(a),
            end: t(b),
        }
    }

    #[test]
    fn events_land_in_the_bucket_that_contains_them() {
        let mut s = EventSeries::new(TimeDelta::seconds(60)).unwrap();
        s.add(t(61), Counts::new(1, 1));
        s.add(t(119), Counts::new(0, 1));
        s.add(t(0), Counts::new(1, 1));
        let buckets: Vec<_> = s.iter().collect();
        assert_eq!(
            buckets,
            vec![(t(0), Counts::new(1, 1)), (t(60), Counts::new(1, 2))]
        );
    }

    #[test]
    fn a_window_sum_counts_buckets_that_start_inside_it() {
        let mut s = EventSeries::new(TimeDelta::seconds(60)).unwrap();
        for m in 0..10 {
            s.add(t(m * 60), Counts::new(1, 1));
        }
        assert_eq!(s.sum(range(60, 180)).total, 2);
        assert_eq!(s.sum(range(61, 180)).total, 1);
        assert_eq!(s.sum(range(-600, 6000)).total, 10);
        assert_eq!(s.sum(range(6000, 7000)).total, 0);
        assert_eq!(s.sum(range(180, 60)).total, 0);
    }

    #[test]
    fn a_series_covering_a_range_starts_with_zeroed_buckets() {
        let s = EventSeries::covering(TimeDelta::seconds(60), range(30, 600)).unwrap();
        assert_eq!(s.span(), Some(range(0, 600)));
        assert_eq!(s.total(), Counts::default());
    }

    #[test]
    fn resampling_to_a_non_multiple_is_an_error() {
        let s = EventSeries::new(TimeDelta::seconds(60)).unwrap();
        assert!(s.resample(TimeDelta::seconds(90)).is_err());
        assert!(EventSeries::new(TimeDelta::milliseconds(1500)).is_err());
    }

    #[test]
    fn merging_series_of_different_buckets_is_an_error() {
        let mut a = EventSeries::new(TimeDelta::seconds(60)).unwrap();
        let b = EventSeries::new(TimeDelta::seconds(300)).unwrap();
        assert_eq!(a.merge(&b), Err(SeriesError::BucketMismatch(60, 300)));
    }

    fn arb_series() -> impl Strategy<Value = EventSeries> {
        prop::collection::vec((-50i64..50, 0u64..20, 0u64..20), 0..40).prop_map(|points| {
            let mut s = EventSeries::new(TimeDelta::seconds(60)).unwrap();
            for (minute, good, extra) in points {
                s.add(t(minute * 60 + 7), Counts::new(good, good + extra));
            }
            s
        })
    }

    proptest! {
        #[test]
        fn merging_then_summing_equals_summing_then_merging(
            a in arb_series(), b in arb_series(), lo in -60i64..60, len in 0i64..120
        ) {
            let r = range(lo * 60, (lo + len) * 60);
            let mut m = a.clone();
            m.merge(&b).unwrap();
            prop_assert_eq!(m.sum(r), a.sum(r) + b.sum(r));
            prop_assert_eq!(m.total(), a.total() + b.total());
        }

        #[test]
        fn merging_is_commutative_and_associative(
            a in arb_series(), b in arb_series(), c in arb_series()
        ) {
            let mut ab_c = a.clone();
            ab_c.merge(&b).unwrap();
            ab_c.merge(&c).unwrap();
            let mut bc = b.clone();
            bc.merge(&c).unwrap();
            let mut a_bc = a.clone();
            a_bc.merge(&bc).unwrap();
            let all = range(-10_000, 10_000);
            prop_assert_eq!(ab_c.sum(all), a_bc.sum(all));
            for m in -50..50 {
                let r = range(m * 60, m * 60 + 60);
                prop_assert_eq!(ab_c.sum(r), a_bc.sum(r));
            }
        }

        #[test]
        fn bad_bounds_are_the_first_and_last_bad_buckets_starting_in_the_range(
            s in arb_series(), lo in -3600i64..3600, len in 0i64..7200
        ) {
            let r = range(lo, lo + len);
            let bad: Vec<DateTime<Utc>> = s
                .iter()
                .filter(|(at, c)| r.start <= *at && *at < r.end && c.bad() > 0)
                .map(|(at, _)| at)
                .collect();
            let expected = bad.first().copied().zip(bad.last().copied());
            prop_assert_eq!(s.bad_bounds(r), expected);
        }

        #[test]
        fn prefix_sums_agree_with_direct_sums(s in arb_series(), lo in -3600i64..3600, len in 0i64..7200) {
            let r = range(lo, lo + len);
            prop_assert_eq!(s.prefix_sums().sum(r), s.sum(r));
        }

        #[test]
        fn a_series_refreshed_from_a_point_equals_one_fetched_whole(
            old in arb_series(), new in arb_series(), cut in -60i64..60, lo in -60i64..60
        ) {
            // `new` is the truth; `old` agrees with it before `cut` and is stale after.
            let from = t(cut * 60);
            let mut whole = EventSeries::new(TimeDelta::seconds(60)).unwrap();
            let mut head = EventSeries::new(TimeDelta::seconds(60)).unwrap();
            for (at, c) in new.iter() {
                whole.add(at, c);
                if at < from { head.add(at, c); }
            }
            for (at, c) in old.iter() {
                if at >= from { head.add(at, c); }
            }
            head.replace_from(from, &new).unwrap();
            for m in -60..60 {
                let r = range(m * 60, m * 60 + 60);
                prop_assert_eq!(head.sum(r), whole.sum(r));
            }
            let keep = t(lo * 60);
            head.drop_before(keep);
            prop_assert_eq!(head.sum(range(-10_000, 10_000)), whole.sum(TimeRange { start: keep, end: t(10_000) }));
        }

        #[test]
        fn resampling_keeps_totals_in_aligned_windows(s in arb_series(), k in 1i64..10, lo in -20i64..20) {
            let coarse = s.resample(TimeDelta::seconds(60 * k)).unwrap();
            prop_assert_eq!(coarse.total(), s.total());
            let r = range(lo * 60 * k, (lo + 3) * 60 * k);
            prop_assert_eq!(coarse.sum(r), s.sum(r));
        }
    }
}
