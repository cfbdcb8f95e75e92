//! Keeping every objective's series current without reading the whole window each time:
//! what `slo serve` does every refresh. The first refresh of an objective reads its whole data
//! range; later ones read only from shortly before the last one ended, and splice that tail in.
//! Pure: the caller runs the calls (`fetch`).

use super::assemble::{QueryResult, assemble};
use super::plan::{MetricQuery, Role, aligned, queries};
use crate::core::collected::{DataChange, Lookup, ObjectiveData};
use crate::core::events::SeriesError;
use crate::core::model::{ObjectiveKey, ServiceSlo};
use crate::core::packed::PackedData;
use crate::core::window::TimeRange;
use chrono::{DateTime, TimeDelta, Utc};
use std::collections::BTreeMap;

/// How far before the end of the last read each refresh starts: ALB's datapoints for the
/// latest minutes arrive late, and a period read while it was still open is read again.
pub const REREAD: TimeDelta = TimeDelta::minutes(10);

/// What was last read for one objective.
#[derive(Clone, Debug)]
struct Meta {
    /// The metrics, dimensions, statistics and period its queries had: when a spec changes
    /// them, the objective is read whole again.
    signature: Vec<String>,
    /// The end of the last read.
    until: DateTime<Utc>,
    change: DataChange,
}

/// Every objective's series as last refreshed.
#[derive(Clone, Debug, Default)]
pub struct SeriesCache {
    data: BTreeMap<ObjectiveKey, PackedData>,
    meta: BTreeMap<ObjectiveKey, Meta>,
}

impl Lookup for SeriesCache {
    fn lookup(&self, key: &ObjectiveKey) -> Option<std::borrow::Cow<'_, ObjectiveData>> {
        self.get(key).map(std::borrow::Cow::Owned)
    }
}

/// Where the refresh after a read that ended at `until` starts reading again: [`REREAD`]
/// before it, at the start of that period.
fn reread_from(until: DateTime<Utc>, period_secs: i64) -> DateTime<Utc> {
    aligned(
        TimeRange {
            start: until - REREAD,
            end: until,
        },
        period_secs,
    )
    .start
}

fn signature(qs: &[&MetricQuery]) -> Vec<String> {
    let mut s: Vec<String> = qs
        .iter()
        .filter(|q| q.role != Role::P99)
        .map(|q| {
            format!(
                "{} {} {:?} {} {}",
                q.namespace, q.metric, q.dimensions, q.stat, q.period_secs
            )
        })
        .collect();
    s.sort();
    s
}

impl SeriesCache {
    /// The objectives read at least once.
    pub fn keys(&self) -> impl Iterator<Item = &ObjectiveKey> {
        self.data.keys()
    }

    /// Objectives read at least once.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// The queries a refresh at `at` needs: for an objective read before with the same
    /// metrics, its counting metrics from [`REREAD`] before the last read's end; otherwise its
    /// whole data range. P99 is a statistic over the window and is always asked whole (one
    /// datapoint).
    pub fn queries(
        &self,
        slos: &[&ServiceSlo],
        at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Vec<MetricQuery> {
        let mut all = queries(slos, at, None, now);
        let mut by_objective: BTreeMap<ObjectiveKey, Vec<usize>> = BTreeMap::new();
        for (i, q) in all.iter().enumerate() {
            by_objective.entry(q.objective.clone()).or_default().push(i);
        }
        for (key, idx) in by_objective {
            let Some(meta) = self.meta.get(&key) else {
                continue;
            };
            let qs: Vec<&MetricQuery> = idx.iter().map(|&i| &all[i]).collect();
            if signature(&qs) != meta.signature {
                continue;
            }
            for i in idx {
                let q = &mut all[i];
                if q.role == Role::P99 || meta.until - REREAD <= q.range.start {
                    continue;
                }
                q.range.start = reread_from(meta.until, q.period_secs).max(q.range.start);
            }
        }
        all
    }

    /// Splices the answers to [`SeriesCache::queries`] in, drops what the windows have left
    /// behind and the objectives no spec has any more.
    pub fn absorb(
        &mut self,
        slos: &[&ServiceSlo],
        asked: &[MetricQuery],
        results: &[QueryResult],
        at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), SeriesError> {
        let fresh = assemble(results)?
            .iter()
            .map(|(k, d)| (k.clone(), PackedData::pack(d)))
            .collect();
        self.absorb_assembled(slos, asked, fresh, at, now)
    }

    /// [`SeriesCache::absorb`] of answers already assembled into packed series
    /// (`fetch_assembled`), which move into the cache rather than being copied.
    pub fn absorb_assembled(
        &mut self,
        slos: &[&ServiceSlo],
        asked: &[MetricQuery],
        mut fresh: BTreeMap<ObjectiveKey, PackedData>,
        at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), SeriesError> {
        let whole = queries(slos, at, None, now);
        // Counting queries of one objective share one range: the whole one, and the one read.
        let mut full: BTreeMap<&ObjectiveKey, (TimeRange, Vec<&MetricQuery>)> = BTreeMap::new();
        for w in whole.iter().filter(|q| q.role != Role::P99) {
            full.entry(&w.objective)
                .or_insert((w.range, Vec::new()))
                .1
                .push(w);
        }
        let read: BTreeMap<&ObjectiveKey, TimeRange> = asked
            .iter()
            .filter(|q| q.role != Role::P99)
            .map(|q| (&q.objective, q.range))
            .collect();
        let ranges = full
            .into_iter()
            .filter_map(|(key, (full, qs))| Some((key, (*read.get(key)?, full, qs))));
        for (key, (read, full, qs)) in ranges {
            let Some(new) = fresh.remove(key) else {
                continue;
            };
            let period_secs = qs.first().map_or(60, |q| q.period_secs);
            let version = self.meta.get(key).map_or(0, |m| m.change.version) + 1;
            let changed_from = match self.data.get_mut(key) {
                Some(old) if read.start > full.start => {
                    let mut series = old.series.unpack();
                    series.replace_from(read.start, &new.series.unpack())?;
                    series.drop_before(full.start);
                    old.series.repack(&series);
                    old.p99 = new.p99;
                    read.start
                }
                _ => {
                    self.data.insert(key.clone(), new);
                    DateTime::<Utc>::MIN_UTC
                }
            };
            let meta = Meta {
                signature: signature(&qs),
                until: read.end,
                change: DataChange {
                    version,
                    changed_from,
                    next_change_from: reread_from(read.end, period_secs),
                },
            };
            self.meta.insert(key.clone(), meta);
        }
        // The P99 is read whole every time; an objective seen for the first time is kept whole.
        for (key, new) in fresh {
            if let Some(old) = self.data.get_mut(&key) {
                old.p99 = new.p99;
            } else {
                self.data.insert(key, new);
            }
        }
        let keys: std::collections::BTreeSet<ObjectiveKey> = slos
            .iter()
            .flat_map(|s| s.keyed_objectives().map(|(k, _)| k))
            .collect();
        self.data.retain(|k, _| keys.contains(k));
        self.meta.retain(|k, _| keys.contains(k));
        Ok(())
    }

    /// Bytes its series hold (packed), for the benchmark's account of memory.
    pub fn footprint(&self) -> usize {
        self.data.values().map(|d| d.series.footprint()).sum()
    }

    /// How an objective's series changed at its last refresh.
    pub fn change(&self, key: &ObjectiveKey) -> Option<DataChange> {
        self.meta.get(key).map(|m| m.change)
    }

    /// An objective's data, unpacked.
    pub fn get(&self, key: &ObjectiveKey) -> Option<ObjectiveData> {
        self.data.get(key).map(PackedData::unpack)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::events::Counts;

    fn spec() -> ServiceSlo {
        let text = "apiVersion: slo/v1\nservice: checkout\nalb: { loadBalancer: app/lb/0123456789abcdef }\nwindow: 1d\nobjectives:\n  - { name: availability, sli: availability, target: 99% }\n  - { name: latency, sli: latency, threshold: 1s, target: 99% }\n";
        let mut d = crate::spec::diag::Diagnostics::new(std::path::Path::new("t.yaml"));
        crate::spec::load::parse_spec(text.as_bytes(), &mut d)
            .unwrap()
            .0
    }

    /// What CloudWatch holds: `f(minute)` requests a minute, one in ten of them 5xx.
    fn answer(queries: &[MetricQuery], f: &dyn Fn(i64) -> f64) -> Vec<QueryResult> {
        queries
            .iter()
            .map(|q| {
                let step = q.period_secs;
                let mut points = Vec::new();
                let mut t = q.range.start.timestamp();
                while t < q.range.end.timestamp() {
                    let n: f64 = (0..step / 60).map(|k| f(t / 60 + k)).sum();
                    let v = match q.role {
                        Role::Requests | Role::Answered => n,
                        Role::Target5xx => n / 10.0,
                        Role::WithinThreshold => n * 0.9,
                        Role::Elb5xx => 0.0,
                        Role::P99 => 0.5,
                    };
                    if n > 0.0 {
                        points.push((DateTime::from_timestamp(t, 0).unwrap(), v));
                    }
                    t += step;
                }
                QueryResult {
                    query: q.clone(),
                    points,
                }
            })
            .collect()
    }

    #[test]
    fn a_refresh_reads_only_the_recent_minutes_and_ends_where_a_whole_read_would() {
        let slo = spec();
        let slos = [&slo];
        let t0: DateTime<Utc> = "2026-11-20T00:00:00Z".parse().unwrap();
        // Traffic that changes after the first read, including in its last minutes (late data).
        let before = |m: i64| if m % 7 == 0 { 0.0 } else { 10.0 };
        let after = |m: i64| {
            if m * 60 >= t0.timestamp() - 300 {
                20.0
            } else {
                before(m)
            }
        };
        let mut cache = SeriesCache::default();
        let first = cache.queries(&slos, t0, t0);
        cache
            .absorb(&slos, &first, &answer(&first, &before), t0, t0)
            .unwrap();
        let t1 = t0 + TimeDelta::minutes(5);
        let second = cache.queries(&slos, t1, t1);
        let whole = queries(&slos, t1, None, t1);
        assert_eq!(second.len(), whole.len());
        for (q, w) in second.iter().zip(&whole) {
            if q.role == Role::P99 {
                assert_eq!(q.range, w.range, "the P99 is over the whole window");
            } else {
                assert_eq!(q.range.start, t0 - REREAD, "{q:?}");
                assert!(q.datapoints() <= 16);
            }
        }
        cache
            .absorb(&slos, &second, &answer(&second, &after), t1, t1)
            .unwrap();
        let mut fresh = SeriesCache::default();
        fresh
            .absorb(&slos, &whole, &answer(&whole, &after), t1, t1)
            .unwrap();
        for key in fresh.keys() {
            let (d, kept) = (fresh.get(key).unwrap(), cache.get(key).unwrap());
            let range = TimeRange {
                start: t1 - TimeDelta::days(5),
                end: t1 + TimeDelta::hours(1),
            };
            assert_eq!(kept.series.sum(range), d.series.sum(range), "{key}");
            for m in 0..60 {
                let minute =
                    TimeRange::ending_at(t1 - TimeDelta::minutes(m), TimeDelta::minutes(1));
                assert_eq!(kept.series.sum(minute), d.series.sum(minute), "{key} {m}");
            }
            assert_eq!(kept.p99, d.p99);
            assert!(kept.series.sum(range) != Counts::default());
        }
    }

    #[test]
    fn an_objective_whose_metrics_changed_is_read_whole_again_and_removed_ones_are_dropped() {
        let slo = spec();
        let t0: DateTime<Utc> = "2026-11-20T00:00:00Z".parse().unwrap();
        let mut cache = SeriesCache::default();
        let first = cache.queries(&[&slo], t0, t0);
        cache
            .absorb(&[&slo], &first, &answer(&first, &|_| 1.0), t0, t0)
            .unwrap();
        let mut changed = slo.clone();
        changed.alb.target_group = Some("targetgroup/tg/0123456789abcdef".into());
        changed.objectives.truncate(1);
        let t1 = t0 + TimeDelta::minutes(5);
        let again = cache.queries(&[&changed], t1, t1);
        assert_eq!(again, queries(&[&changed], t1, None, t1), "read whole");
        cache
            .absorb(&[&changed], &again, &answer(&again, &|_| 1.0), t1, t1)
            .unwrap();
        assert_eq!(cache.len(), 1, "the latency objective is gone");
    }
}
