//! Reading access-log files into per-objective event series and latency histograms, in bounded
//! memory, with files read in parallel.

use super::files::LogFile;
use super::line::Entry;
use crate::core::events::{Counts, EventSeries};
use crate::core::latency::LatencyHistogram;
use crate::core::model::{ServiceSlo, Sli};
use crate::core::window::TimeRange;
use chrono::TimeDelta;
use flate2::read::MultiGzDecoder;
use std::collections::HashSet;
use std::fs::File;
use std::io::{self, Read};
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

/// Lines longer than this are malformed: ALB truncates its long fields well below it.
const MAX_LINE: usize = 1 << 20;
/// Read buffer per worker.
const CHUNK: usize = 1 << 20;
/// How many malformed lines are kept, with their location, for the report.
pub const MALFORMED_SAMPLES: usize = 5;

/// Event series are kept per minute: the finest burn-rate window is five minutes.
pub fn bucket() -> TimeDelta {
    TimeDelta::minutes(1)
}

#[derive(Clone, Copy, Debug)]
enum Want {
    Availability,
    Latency { threshold_ms: u64 },
}

/// The lines of one service's spec: its load balancer, optionally one target group.
struct Group {
    load_balancer: Vec<u8>,
    target_group: Option<Vec<u8>>,
    /// The spec's budget window, `[from, to)` in Unix seconds: percentiles are over it only,
    /// while counts are kept for the whole (longer) data range.
    percentile_from: i64,
    percentile_to: i64,
    /// (index into the tallies, what to count)
    slots: Vec<(usize, Want)>,
}

/// What to count: one tally per objective of every spec, in spec then objective order.
pub struct Selection {
    groups: Vec<Group>,
    load_balancers: HashSet<String>,
    range: TimeRange,
    slots: usize,
}

impl Selection {
    /// Lines whose time falls in `range` are counted; `budget_windows[i]` is the window of
    /// `specs[i]`, over which its latency percentiles are taken.
    pub fn new(specs: &[&ServiceSlo], budget_windows: &[TimeRange], range: TimeRange) -> Selection {
        let mut slots = 0;
        let groups = specs
            .iter()
            .zip(budget_windows)
            .map(|(s, w)| Group {
                load_balancer: s.alb.load_balancer.as_bytes().to_vec(),
                target_group: s.alb.target_group.as_ref().map(|t| t.as_bytes().to_vec()),
                percentile_from: w.start.timestamp(),
                percentile_to: w.end.timestamp(),
                slots: s
                    .objectives
                    .iter()
                    .map(|o| {
                        let want = match o.sli {
                            Sli::Availability => Want::Availability,
                            Sli::Latency { threshold } => Want::Latency {
                                threshold_ms: u64::try_from(threshold.as_millis())
                                    .unwrap_or(u64::MAX),
                            },
                        };
                        slots += 1;
                        (slots - 1, want)
                    })
                    .collect(),
            })
            .collect();
        Selection {
            groups,
            load_balancers: specs.iter().map(|s| s.alb.load_balancer.clone()).collect(),
            range,
            slots,
        }
    }

    fn may_hold(&self, f: &LogFile) -> bool {
        f.may_hold(
            &self.load_balancers,
            self.range.start.timestamp(),
            self.range.end.timestamp(),
        )
    }
}

/// Counts for one objective.
#[derive(Clone, Debug)]
pub struct Tally {
    pub series: EventSeries,
    /// For latency objectives: every answered request's time.
    pub latency: Option<LatencyHistogram>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct MalformedLine {
    pub file: PathBuf,
    pub line: u64,
    pub reason: String,
}

/// What the scan went through, for the report and for stderr.
#[derive(Clone, Debug, Default)]
pub struct ScanStats {
    pub files_found: usize,
    pub files_read: usize,
    pub files_skipped: usize,
    /// Bytes of the files read, as stored (compressed for .gz).
    pub bytes_read: u64,
    pub lines: u64,
    /// Lines counted by at least one objective.
    pub matched: u64,
    pub malformed: u64,
    /// The first few malformed lines, in file and line order.
    pub malformed_samples: Vec<MalformedLine>,
    /// Files that could not be read to the end (corrupt gzip, I/O error), with the reason.
    pub unreadable: Vec<(PathBuf, String)>,
}

pub struct Scan {
    pub tallies: Vec<Tally>,
    pub stats: ScanStats,
}

/// Reads every file that may hold selected lines, with up to `threads` files at a time.
/// `progress`, if given, is advanced by the bytes read.
pub fn scan(
    files: &[LogFile],
    selection: &Selection,
    threads: usize,
    progress: Option<&AtomicU64>,
) -> Scan {
    let wanted: Vec<&LogFile> = files.iter().filter(|f| selection.may_hold(f)).collect();
    let next = AtomicUsize::new(0);
    let results = Mutex::new(Vec::new());
    let threads = threads.clamp(1, wanted.len().max(1));
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                let mut worker = Worker::new(selection);
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(file) = wanted.get(i) else { break };
                    worker.read_file(file, progress);
                }
                if let Ok(mut r) = results.lock() {
                    r.push(worker);
                }
            });
        }
    });
    let workers = results.into_inner().unwrap_or_default();
    let mut out = merge(workers, selection);
    out.stats.files_found = files.len();
    out.stats.files_skipped = files.len() - wanted.len();
    out
}

fn merge(workers: Vec<Worker<'_>>, selection: &Selection) -> Scan {
    let mut tallies = empty_tallies(selection);
    let mut stats = ScanStats::default();
    for w in workers {
        for (into, from) in tallies.iter_mut().zip(&w.tallies) {
            // Same bucket size by construction.
            let _ = into.series.merge(&from.series);
            if let (Some(a), Some(b)) = (&mut into.latency, &from.latency) {
                a.merge(b);
            }
        }
        let s = w.stats;
        stats.files_read += s.files_read;
        stats.bytes_read += s.bytes_read;
        stats.lines += s.lines;
        stats.matched += s.matched;
        stats.malformed += s.malformed;
        stats.malformed_samples.extend(s.malformed_samples);
        stats.unreadable.extend(s.unreadable);
    }
    stats
        .malformed_samples
        .sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    stats.malformed_samples.truncate(MALFORMED_SAMPLES);
    stats.unreadable.sort();
    Scan { tallies, stats }
}

fn empty_tallies(selection: &Selection) -> Vec<Tally> {
    let mut tallies = vec![None; selection.slots];
    for g in &selection.groups {
        for (slot, want) in &g.slots {
            tallies[*slot] = Some(Tally {
                // A whole number of seconds is always a valid bucket.
                series: EventSeries::covering(bucket(), selection.range)
                    .expect("one minute is a valid bucket"),
                latency: matches!(want, Want::Latency { .. }).then(LatencyHistogram::new),
            });
        }
    }
    tallies.into_iter().flatten().collect()
}

struct Worker<'s> {
    selection: &'s Selection,
    /// Read buffer, reused from file to file.
    buf: Vec<u8>,
    tallies: Vec<Tally>,
    stats: ScanStats,
    from: i64,
    to: i64,
}

impl<'s> Worker<'s> {
    fn new(selection: &'s Selection) -> Worker<'s> {
        Worker {
            selection,
            buf: vec![0u8; CHUNK],
            tallies: empty_tallies(selection),
            stats: ScanStats::default(),
            from: selection.range.start.timestamp(),
            to: selection.range.end.timestamp(),
        }
    }

    fn read_file(&mut self, file: &LogFile, progress: Option<&AtomicU64>) {
        let result = File::open(&file.path).and_then(|f| {
            let counted = Counted { inner: f, progress };
            if file.gzipped {
                self.read_lines(MultiGzDecoder::new(counted), file)
            } else {
                self.read_lines(counted, file)
            }
        });
        self.stats.files_read += 1;
        self.stats.bytes_read += file.size;
        if let Err(e) = result {
            self.stats
                .unreadable
                .push((file.path.clone(), e.to_string()));
        }
    }

    /// Splits the stream into lines with a fixed buffer: memory does not grow with the file.
    fn read_lines<R: Read>(&mut self, r: R, file: &LogFile) -> io::Result<()> {
        let mut buf = std::mem::take(&mut self.buf);
        let result = self.read_lines_into(r, file, &mut buf);
        self.buf = buf;
        result
    }

    fn read_lines_into<R: Read>(
        &mut self,
        mut r: R,
        file: &LogFile,
        buf: &mut Vec<u8>,
    ) -> io::Result<()> {
        let (mut filled, mut line_no, mut skipping_long) = (0usize, 0u64, false);
        loop {
            if filled == buf.len() {
                if buf.len() < MAX_LINE {
                    buf.resize(buf.len() * 2, 0);
                } else {
                    // A line longer than any ALB writes: report it once, drop until newline.
                    if !skipping_long {
                        line_no += 1;
                        self.malformed(file, line_no, "line longer than 1 MiB".to_owned());
                    }
                    skipping_long = true;
                    filled = 0;
                }
            }
            let n = match r.read(&mut buf[filled..]) {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if n == 0 {
                if filled > 0 && !skipping_long {
                    line_no += 1;
                    self.line(&buf[..filled], file, line_no);
                }
                return Ok(());
            }
            let mut start = 0;
            for nl in memchr::memchr_iter(b'\n', &buf[filled..filled + n]) {
                let end = filled + nl;
                if skipping_long {
                    skipping_long = false;
                } else {
                    line_no += 1;
                    self.line(&buf[start..end], file, line_no);
                }
                start = end + 1;
            }
            filled += n;
            buf.copy_within(start..filled, 0);
            filled -= start;
        }
    }

    fn malformed(&mut self, file: &LogFile, line: u64, reason: String) {
        self.stats.malformed += 1;
        if self.stats.malformed_samples.len() < MALFORMED_SAMPLES {
            self.stats.malformed_samples.push(MalformedLine {
                file: file.path.clone(),
                line,
                reason,
            });
        }
    }

    #[inline]
    fn line(&mut self, line: &[u8], file: &LogFile, line_no: u64) {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        self.stats.lines += 1;
        if line.is_empty() {
            return;
        }
        let r = match Entry::parse(line) {
            Ok(r) => r,
            Err(e) => return self.malformed(file, line_no, e.to_string()),
        };
        if r.time < self.from || r.time >= self.to {
            return;
        }
        let mut matched = false;
        for g in &self.selection.groups {
            if r.elb != g.load_balancer.as_slice() {
                continue;
            }
            if let Some(tg) = &g.target_group
                && r.entry.target_group() != Some(tg.as_slice())
            {
                continue;
            }
            matched = true;
            let in_budget_window = g.percentile_from <= r.time && r.time < g.percentile_to;
            for (slot, want) in &g.slots {
                let t = &mut self.tallies[*slot];
                match *want {
                    Want::Availability => {
                        let good = u64::from(!r.is_server_error());
                        t.series.add_unix(r.time, Counts { good, total: 1 });
                    }
                    Want::Latency { threshold_ms } => {
                        if let Some(ms) = r.target_ms {
                            let good = u64::from(ms <= threshold_ms);
                            t.series.add_unix(r.time, Counts { good, total: 1 });
                            if let Some(h) = &mut t.latency
                                && in_budget_window
                            {
                                h.record_ms(ms);
                            }
                        }
                    }
                }
            }
        }
        self.stats.matched += u64::from(matched);
    }
}

/// Counts bytes as they are read from disk, for the progress bar.
struct Counted<'p, R> {
    inner: R,
    progress: Option<&'p AtomicU64>,
}

impl<R: Read> Read for Counted<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(p) = self.progress {
            p.fetch_add(n as u64, Ordering::Relaxed);
        }
        Ok(n)
    }
}
