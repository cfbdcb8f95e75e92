//! An event series packed for keeping (`slo serve` holds a month of buckets for every
//! objective): each bucket's total as the difference from the one before and its bad events,
//! both as variable-length integers. A busy minute's total differs from the last by its noise,
//! and most buckets have no bad event, so most buckets take two to four bytes instead of
//! sixteen. Exact: unpacking gives back the very series packed.

use crate::core::collected::ObjectiveData;
use crate::core::events::{Counts, EventSeries};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PackedSeries {
    bucket_secs: i64,
    /// Index (unix seconds / bucket) of the first bucket.
    first: i64,
    buckets: usize,
    bytes: Vec<u8>,
}

fn put(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// The integer at `bytes[*at..]`, and `at` moved past it. Packed by [`put`]: never short.
fn take(bytes: &[u8], at: &mut usize) -> u64 {
    let mut v = 0u64;
    let mut shift = 0;
    while let Some(&b) = bytes.get(*at) {
        *at += 1;
        v |= u64::from(b & 0x7f) << shift;
        if b < 0x80 {
            break;
        }
        shift += 7;
    }
    v
}

fn zigzag(d: i64) -> u64 {
    ((d << 1) ^ (d >> 63)) as u64
}

fn unzigzag(z: u64) -> i64 {
    ((z >> 1) as i64) ^ -((z & 1) as i64)
}

impl PackedSeries {
    pub fn pack(series: &EventSeries) -> PackedSeries {
        let mut packed = PackedSeries {
            bucket_secs: 60,
            first: 0,
            buckets: 0,
            bytes: Vec::new(),
        };
        packed.repack(series);
        packed
    }

    /// Packs `series` in place of what this held, in the same allocation when it fits: a
    /// refresh repacks every objective's series, and a new allocation for each, the old one
    /// freed after, would leave the heap strewn with holes (585 MB of RSS for 297 MB in use at
    /// 10,000 objectives).
    pub fn repack(&mut self, series: &EventSeries) {
        let (bucket_secs, first, counts) = series.parts();
        let mut scratch = Vec::with_capacity(counts.len() * 3);
        let mut previous = 0u64;
        for c in counts {
            put(&mut scratch, zigzag(c.total.wrapping_sub(previous) as i64));
            put(&mut scratch, c.bad());
            previous = c.total;
        }
        self.bytes.clear();
        if self.bytes.capacity() < scratch.len() {
            // Room for a few more buckets: a series grows by a bucket or two a refresh.
            self.bytes.reserve_exact(scratch.len() + 32);
        }
        self.bytes.extend_from_slice(&scratch);
        (self.bucket_secs, self.first, self.buckets) = (bucket_secs, first, counts.len());
    }

    pub fn unpack(&self) -> EventSeries {
        let mut counts = Vec::with_capacity(self.buckets);
        let (mut at, mut total) = (0, 0u64);
        for _ in 0..self.buckets {
            total = total.wrapping_add(unzigzag(take(&self.bytes, &mut at)) as u64);
            let bad = take(&self.bytes, &mut at);
            counts.push(Counts {
                good: total.saturating_sub(bad),
                total,
            });
        }
        EventSeries::from_parts(self.bucket_secs, self.first, counts)
    }

    /// Bytes it takes.
    pub fn footprint(&self) -> usize {
        self.bytes.capacity() + std::mem::size_of::<PackedSeries>()
    }
}

/// One objective's data as kept: its series packed, unpacked when a report reads it.
#[derive(Clone, Debug, PartialEq)]
pub struct PackedData {
    pub series: PackedSeries,
    pub p99: Option<std::time::Duration>,
}

impl PackedData {
    pub fn pack(d: &ObjectiveData) -> PackedData {
        PackedData {
            series: PackedSeries::pack(&d.series),
            p99: d.p99,
        }
    }

    pub fn unpack(&self) -> ObjectiveData {
        ObjectiveData {
            series: self.series.unpack(),
            p99: self.p99,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, TimeDelta};
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn unpacking_gives_back_the_series_packed(
            bucket in prop_oneof![Just(60i64), Just(300), Just(3600)],
            start in -1_000i64..1_000,
            counts in prop::collection::vec(
                prop_oneof![
                    (0u64..5, 0u64..5),
                    (0u64..100_000, 0u64..100),
                    (0u64..u64::MAX / 4, 0u64..u64::MAX / 4),
                ],
                0..300,
            ),
        ) {
            let mut s = EventSeries::new(TimeDelta::seconds(bucket)).unwrap();
            for (i, (good, bad)) in counts.iter().enumerate() {
                let at = DateTime::from_timestamp((start + i as i64) * bucket, 0).unwrap();
                s.add(at, Counts::new(*good, good + bad));
            }
            let packed = PackedSeries::pack(&s);
            prop_assert_eq!(packed.unpack(), s.clone());
            let mut again = PackedSeries::pack(&EventSeries::new(TimeDelta::seconds(bucket)).unwrap());
            again.repack(&s);
            prop_assert_eq!(again.unpack(), s);
        }
    }

    #[test]
    fn a_busy_month_packs_to_a_fraction() {
        // Five-minute buckets of ~60,000 requests with noise, a few 5xx now and then.
        let mut s = EventSeries::new(TimeDelta::minutes(5)).unwrap();
        for i in 0..9_504i64 {
            let total = 60_000 + (i * 7919 % 997) as u64;
            let bad = u64::from(i % 13 == 0) * (i % 50) as u64;
            s.add_unix(i * 300, Counts::new(total - bad, total));
        }
        let packed = PackedSeries::pack(&s);
        assert!(
            packed.footprint() * 4 < s.footprint(),
            "{} of {}",
            packed.footprint(),
            s.footprint()
        );
    }
}
