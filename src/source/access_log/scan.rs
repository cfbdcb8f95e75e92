//! Reading access-log files into per-objective event series and latency histograms, in bounded
//! memory, with files read in parallel.

use super::files::LogFile;
use super::gunzip::{self, Gunzip, Inflated};
use super::line::Entry;
use super::mapped::Mapped;
use crate::core::assess::{data_range, window_for};
use crate::core::collected::{Collected, ObjectiveData};
use crate::core::events::{Counts, EventSeries};
use crate::core::latency::LatencyHistogram;
use crate::core::model::{ObjectiveKey, ServiceSlo, Sli};
use crate::core::window::TimeRange;
use chrono::{DateTime, TimeDelta, Utc};
use flate2::read::MultiGzDecoder;
use std::collections::BTreeMap;
use std::collections::HashSet;
use std::fs::File;
use std::io::{self, Read};
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

/// Lines longer than this are malformed: ALB truncates its long fields well below it.
const MAX_LINE: usize = 1 << 20;
const TOO_LONG: &str = "line longer than 1 MiB";
/// Read buffer per worker.
const CHUNK: usize = 1 << 20;
/// How many malformed lines are kept, with their location, for the report.
pub const MALFORMED_SAMPLES: usize = 5;

/// How the work is shared: files in parallel, and plain files larger than `split_above` cut at
/// line boundaries into pieces of `piece` bytes, so one large file also keeps every thread busy.
/// Plain files are mapped `window` bytes at a time (and the longest line past it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScanOptions {
    pub threads: usize,
    pub split_above: u64,
    pub piece: u64,
    pub window: u64,
}

impl ScanOptions {
    /// Pieces of 4 MiB for plain files over 8 MiB: large enough that opening and seeking cost
    /// nothing, small enough that two threads finish together. Windows of 4 MiB: memory
    /// stays flat, and mapping costs nothing beside the reading.
    pub fn threads(threads: usize) -> ScanOptions {
        ScanOptions {
            threads,
            split_above: 8 << 20,
            piece: 4 << 20,
            window: 4 << 20,
        }
    }
}

/// Event series are kept per minute: the finest burn-rate window is five minutes.
pub fn bucket() -> TimeDelta {
    TimeDelta::minutes(1)
}

#[derive(Clone, Copy, Debug)]
enum Want {
    Availability,
    Latency { threshold_ms: u64 },
}

/// One objective's counts while a file is read.
#[derive(Clone, Debug)]
struct Counter {
    key: ObjectiveKey,
    want: Want,
    series: EventSeries,
    /// Latency objectives: every answered request's time in the budget window.
    latency: Option<LatencyHistogram>,
}

/// The lines of one service's spec: its load balancer, optionally one target group, and a
/// counter for each of its objectives.
#[derive(Clone, Debug)]
struct Group {
    load_balancer: Vec<u8>,
    target_group: Option<Vec<u8>>,
    /// The spec's budget window, `[from, to)` in Unix seconds: percentiles are over it only,
    /// while counts are kept for the whole (longer) data range.
    percentile_from: i64,
    percentile_to: i64,
    counters: Vec<Counter>,
}

/// What to count: every objective of every spec, each under its own key.
#[derive(Clone, Debug)]
pub struct Selection {
    /// Empty counters, cloned by every worker.
    groups: Vec<Group>,
    load_balancers: HashSet<String>,
    range: TimeRange,
}

impl Selection {
    /// Everything a report at `at` needs: lines in the data range of every spec (its budget
    /// window, or `window_override`, plus the burn windows reaching back before it).
    pub fn new(
        specs: &[&ServiceSlo],
        at: DateTime<Utc>,
        window_override: Option<TimeDelta>,
    ) -> Selection {
        let range = data_range(specs, at, window_override);
        let groups = specs
            .iter()
            .map(|s| {
                let budget = window_for(s, window_override).range_at(at);
                Group {
                    load_balancer: s.alb.load_balancer.as_bytes().to_vec(),
                    target_group: s.alb.target_group.as_ref().map(|t| t.as_bytes().to_vec()),
                    percentile_from: budget.start.timestamp(),
                    percentile_to: budget.end.timestamp(),
                    counters: s
                        .keyed_objectives()
                        .map(|(key, o)| {
                            let want = match o.sli {
                                Sli::Availability => Want::Availability,
                                Sli::Latency { threshold } => Want::Latency {
                                    threshold_ms: u64::try_from(threshold.as_millis())
                                        .unwrap_or(u64::MAX),
                                },
                            };
                            Counter {
                                key,
                                want,
                                // A whole number of seconds is always a valid bucket.
                                series: EventSeries::covering(bucket(), range)
                                    .expect("one minute is a valid bucket"),
                                latency: matches!(want, Want::Latency { .. })
                                    .then(LatencyHistogram::new),
                            }
                        })
                        .collect(),
                }
            })
            .collect();
        Selection {
            groups,
            load_balancers: specs.iter().map(|s| s.alb.load_balancer.clone()).collect(),
            range,
        }
    }

    /// The span of the lines wanted.
    pub fn range(&self) -> TimeRange {
        self.range
    }

    /// Whether `f`'s name lets it hold a wanted line.
    pub fn wants(&self, f: &LogFile) -> bool {
        f.may_hold(
            &self.load_balancers,
            self.range.start.timestamp(),
            self.range.end.timestamp(),
        )
    }
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
    /// Every selected objective, with its P99 (exact, nearest rank) for latency.
    pub data: Collected,
    pub stats: ScanStats,
}

/// A part of a file a worker reads: the lines that *start* in `[start, end)` (a line that
/// begins before `end` is read to its newline, past `end`). Whole files are `[0, u64::MAX)`.
#[derive(Clone, Copy, Debug)]
struct Piece<'f> {
    file: &'f LogFile,
    start: u64,
    end: u64,
}

/// Every wanted file as one piece, but plain files over `split_above` (gzip cannot be entered
/// in the middle), in file and offset order: a worker takes pieces in increasing order, so the
/// first malformed lines of all are among the first ones each worker keeps.
fn pieces<'f>(wanted: &[&'f LogFile], options: ScanOptions) -> Vec<Piece<'f>> {
    let mut out = Vec::new();
    for &file in wanted {
        let split = options.threads > 1 && !file.gzipped && file.size > options.split_above;
        if !split {
            out.push(Piece {
                file,
                start: 0,
                end: u64::MAX,
            });
            continue;
        }
        let piece = options.piece.max(1);
        let mut start = 0;
        while start < file.size {
            let end = start + piece;
            // The last piece reads to the end, should the file have grown since it was listed.
            let end = if end >= file.size { u64::MAX } else { end };
            out.push(Piece { file, start, end });
            start = end;
        }
    }
    out
}

/// Reads every file that may hold selected lines, with up to `threads` files at a time.
/// `progress`, if given, is advanced by the bytes read.
pub fn scan(
    files: &[LogFile],
    selection: &Selection,
    threads: usize,
    progress: Option<&AtomicU64>,
) -> Scan {
    scan_with(files, selection, ScanOptions::threads(threads), progress)
}

/// [`scan`], with large plain files split as `options` say. The result does not depend on
/// the options: the same counts, the same malformed lines with the same line numbers.
pub fn scan_with(
    files: &[LogFile],
    selection: &Selection,
    options: ScanOptions,
    progress: Option<&AtomicU64>,
) -> Scan {
    let wanted: Vec<&LogFile> = files.iter().filter(|f| selection.wants(f)).collect();
    let pieces = pieces(&wanted, options);
    let next = AtomicUsize::new(0);
    let results = Mutex::new(Vec::new());
    let threads = options.threads.clamp(1, pieces.len().max(1));
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                let mut worker = Worker::new(selection, options.window);
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(piece) = pieces.get(i) else { break };
                    worker.read_piece(piece, progress);
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

/// A log object to read: its bytes, or a reader of them as they arrive (a large object's
/// parts, in order).
pub enum Object {
    Whole(Vec<u8>),
    Stream(Box<dyn Read + Send>),
}

/// Reads log objects handed over by `next` as they arrive (S3 objects), up to `threads` at a
/// time: the same counts, malformed lines and unreadable files as [`scan`] of the same files.
pub fn scan_objects(
    selection: &Selection,
    threads: usize,
    next: &(dyn Fn() -> Option<(LogFile, Object)> + Sync),
) -> Scan {
    let results = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..threads.max(1) {
            s.spawn(|| {
                let mut worker = Worker::new(selection, ScanOptions::threads(1).window);
                while let Some((file, object)) = next() {
                    worker.read_object(&file, object);
                }
                if let Ok(mut r) = results.lock() {
                    r.push(worker);
                }
            });
        }
    });
    merge(results.into_inner().unwrap_or_default(), selection)
}

fn merge(workers: Vec<Worker>, selection: &Selection) -> Scan {
    let mut merged: BTreeMap<ObjectiveKey, Counter> = selection
        .groups
        .iter()
        .flat_map(|g| &g.counters)
        .map(|c| (c.key.clone(), c.clone()))
        .collect();
    let mut stats = ScanStats::default();
    let mut samples: Vec<(u64, MalformedLine)> = Vec::new();
    for w in workers {
        for from in w.groups.iter().flat_map(|g| &g.counters) {
            let Some(into) = merged.get_mut(&from.key) else {
                continue;
            };
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
        samples.extend(w.sample_starts.into_iter().zip(s.malformed_samples));
        stats.unreadable.extend(s.unreadable);
    }
    // In file order, then by where the piece starts, then by line within the piece.
    samples.sort_by(|(sa, a), (sb, b)| (&a.file, sa, a.line).cmp(&(&b.file, sb, b.line)));
    samples.truncate(MALFORMED_SAMPLES);
    stats.malformed_samples = samples
        .into_iter()
        .map(|(start, mut m)| {
            // Counted from the piece's first line: add the lines before it.
            if start > 0 {
                m.line += lines_before(&m.file, start);
            }
            m
        })
        .collect();
    stats.unreadable.sort();
    // A file split in pieces fails once per piece: say it once.
    stats.unreadable.dedup_by(|a, b| a.0 == b.0);
    let data = merged
        .into_iter()
        .map(|(key, c)| {
            let p99 = c.latency.as_ref().and_then(|h| h.quantile(0.99));
            (
                key,
                ObjectiveData {
                    series: c.series,
                    p99,
                },
            )
        })
        .collect();
    Scan { data, stats }
}

/// How many lines end before byte `offset` of `path` (0 if it cannot be read: the sample then
/// keeps its line number within the piece).
fn lines_before(path: &std::path::Path, offset: u64) -> u64 {
    let Ok(f) = File::open(path) else { return 0 };
    let mut r = f.take(offset);
    let mut buf = vec![0u8; CHUNK];
    let mut lines = 0;
    loop {
        match r.read(&mut buf) {
            Ok(0) => return lines,
            Ok(n) => lines += memchr::memchr_iter(b'\n', &buf[..n]).count() as u64,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return lines,
        }
    }
}

struct Worker {
    /// Read buffer, reused from file to file.
    buf: Vec<u8>,
    /// This worker's own counters.
    groups: Vec<Group>,
    stats: ScanStats,
    /// Where the first line of the piece of each of `stats.malformed_samples` starts: their
    /// line numbers count from it.
    sample_starts: Vec<u64>,
    /// The current piece's first line's offset in the file.
    piece_start: u64,
    /// How much of a plain file is mapped at a time.
    window: u64,
    /// Decompressor and buffers for whole .gz files, kept from file to file.
    gunzip: Option<Gunzip>,
    from: i64,
    to: i64,
}

impl Worker {
    fn new(selection: &Selection, window: u64) -> Worker {
        Worker {
            window,
            buf: vec![0u8; CHUNK],
            groups: selection.groups.clone(),
            stats: ScanStats::default(),
            sample_starts: Vec::new(),
            piece_start: 0,
            gunzip: None,
            from: selection.range.start.timestamp(),
            to: selection.range.end.timestamp(),
        }
    }

    fn read_piece(&mut self, piece: &Piece<'_>, progress: Option<&AtomicU64>) {
        let file = piece.file;
        self.piece_start = 0;
        let result = if !file.gzipped {
            self.read_mapped(piece, progress)
        } else if file.size <= gunzip::MAX_COMPRESSED {
            self.read_gzip_whole(file, progress)
        } else {
            self.read_stream(file, progress)
        };
        if piece.start == 0 {
            self.stats.files_read += 1;
        }
        self.stats.bytes_read += if piece.end == u64::MAX {
            file.size.saturating_sub(piece.start)
        } else {
            piece.end - piece.start
        };
        if let Err(e) = result {
            self.stats
                .unreadable
                .push((file.path.clone(), e.to_string()));
        }
    }

    /// A plain file's piece, through memory maps of `window` bytes (and the longest line past
    /// them) at a time. Anything but a regular file (a pipe) is streamed instead.
    fn read_mapped(&mut self, piece: &Piece<'_>, progress: Option<&AtomicU64>) -> io::Result<()> {
        let file = piece.file;
        let f = File::open(&file.path)?;
        let meta = f.metadata()?;
        if !meta.is_file() {
            // A pipe (a symlink to one) has no size to cut it by: its one piece streams it.
            return match piece.start {
                0 => self.stream(f, file, progress),
                _ => Ok(()),
            };
        }
        // The size now: the file may have changed since it was listed.
        let size = meta.len();
        let end = piece.end.min(size);
        let mut start = piece.start;
        while start < end {
            let stop = (start + self.window.max(1)).min(end);
            // From the byte before `start`, so that a line starting exactly there is seen; to
            // the end of the longest line that may start before `stop`.
            let begin = start.saturating_sub(1);
            let last = (stop + MAX_LINE as u64 + 1).min(size);
            let map = Mapped::new(&f, begin, (last - begin) as usize)?;
            let bounds = Bounds {
                skip_first: start > 0,
                begin,
                stop_at: stop - begin,
            };
            self.lines_in(map.bytes(), file, bounds);
            if let Some(p) = progress {
                p.fetch_add(stop - start, Ordering::Relaxed);
            }
            start = stop;
        }
        Ok(())
    }

    /// A small .gz file: read whole, decompressed in one go, its lines split from memory.
    fn read_gzip_whole(&mut self, file: &LogFile, progress: Option<&AtomicU64>) -> io::Result<()> {
        let mut gz = self.gunzip.take().unwrap_or_else(Gunzip::new);
        gz.input.clear();
        let read = File::open(&file.path).and_then(|mut f| f.read_to_end(&mut gz.input));
        let result = read.and_then(|n| {
            if let Some(p) = progress {
                p.fetch_add(n as u64, Ordering::Relaxed);
            }
            self.inflate_whole(&mut gz, file)
        });
        self.gunzip = Some(gz);
        result
    }

    /// An object (an S3 object as it arrives), read as a file of it would be.
    fn read_object(&mut self, file: &LogFile, object: Object) {
        self.piece_start = 0;
        self.stats.files_read += 1;
        let result = match object {
            // Decompressed as its parts arrive, in constant memory.
            Object::Stream(r) => {
                self.stats.bytes_read += file.size;
                self.stream(r, file, None)
            }
            Object::Whole(body) => {
                self.stats.bytes_read += body.len() as u64;
                if !file.gzipped {
                    self.lines_in(&body, file, Bounds::WHOLE);
                    Ok(())
                } else if body.len() as u64 > gunzip::MAX_COMPRESSED {
                    self.stream(&body[..], file, None)
                } else {
                    let mut gz = self.gunzip.take().unwrap_or_else(Gunzip::new);
                    gz.input = body;
                    let result = self.inflate_whole(&mut gz, file);
                    self.gunzip = Some(gz);
                    result
                }
            }
        };
        if let Err(e) = result {
            self.stats
                .unreadable
                .push((file.path.clone(), e.to_string()));
        }
    }

    /// The gzip data in `gz.input` (a whole file's), decompressed in one go and its lines
    /// split from memory; streamed from the same bytes when too large for the bounded buffers
    /// or damaged (the stream keeps every complete line before the damage).
    fn inflate_whole(&mut self, gz: &mut Gunzip, file: &LogFile) -> io::Result<()> {
        if gz.input.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "the file is empty: no gzip data",
            ));
        }
        let damaged = match gz.inflate() {
            Ok(Inflated::Done(lines)) => {
                self.lines_in(lines, file, Bounds::WHOLE);
                return Ok(());
            }
            Ok(Inflated::TooLarge) => false,
            Err(_) => true,
        };
        let streamed = self.read_lines(MultiGzDecoder::new(&gz.input[..]), file);
        if damaged && streamed.is_ok() {
            // The streaming decoder read to the end: what libdeflate refused was after the
            // last complete line (trailing garbage, a bad checksum).
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "corrupt gzip data after the last complete line",
            ));
        }
        streamed
    }

    /// A whole file read as a stream (a large .gz file, a pipe), in constant memory.
    fn read_stream(&mut self, file: &LogFile, progress: Option<&AtomicU64>) -> io::Result<()> {
        let f = File::open(&file.path)?;
        self.stream(f, file, progress)
    }

    /// [`Worker::read_stream`] of a file already open (a pipe cannot be opened twice for one
    /// reading), or of any reader of a file's bytes (an S3 object's).
    fn stream<R: Read>(
        &mut self,
        f: R,
        file: &LogFile,
        progress: Option<&AtomicU64>,
    ) -> io::Result<()> {
        let counted = Counted { inner: f, progress };
        if file.gzipped {
            self.read_lines(MultiGzDecoder::new(counted), file)
        } else {
            self.read_lines(counted, file)
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
        let (mut filled, mut line_no) = (0usize, 0u64);
        // Dropping the rest of a line too long to be one.
        let mut skipping = false;
        loop {
            if filled == buf.len() {
                if buf.len() < MAX_LINE {
                    buf.resize(buf.len() * 2, 0);
                } else {
                    // A line longer than any ALB writes: report it once, drop until newline.
                    if !skipping {
                        line_no += 1;
                        self.malformed(file, line_no, TOO_LONG.to_owned());
                    }
                    skipping = true;
                    filled = 0;
                }
            }
            let n = match r.read(&mut buf[filled..]) {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if n == 0 {
                if filled > 0 && !skipping {
                    line_no += 1;
                    self.line(&buf[..filled], file, line_no);
                }
                return Ok(());
            }
            let mut start = 0;
            for nl in memchr::memchr_iter(b'\n', &buf[filled..filled + n]) {
                let end = filled + nl;
                if skipping {
                    skipping = false;
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

    /// The lines of bytes held in memory (a decompressed file, a mapped window) within
    /// `bounds`: the lines, line numbers and malformed lines [`Worker::read_lines`] finds in a
    /// stream, without copying a byte.
    fn lines_in(&mut self, data: &[u8], file: &LogFile, bounds: Bounds) {
        let mut start = 0usize;
        self.piece_start = bounds.begin;
        if bounds.skip_first {
            // The first partial line of a piece is the previous piece's.
            let Some(nl) = memchr::memchr(b'\n', data) else {
                return;
            };
            start = nl + 1;
            self.piece_start = bounds.begin + start as u64;
        }
        let mut line_no = 0u64;
        let mut one = |w: &mut Worker, line: &[u8]| {
            line_no += 1;
            if line.len() >= MAX_LINE {
                w.malformed(file, line_no, TOO_LONG.to_owned());
            } else {
                w.line(line, file, line_no);
            }
        };
        let from = start;
        for nl in memchr::memchr_iter(b'\n', &data[from..]) {
            if start as u64 >= bounds.stop_at {
                return;
            }
            let end = from + nl;
            one(self, &data[start..end]);
            start = end + 1;
        }
        if start < data.len() && (start as u64) < bounds.stop_at {
            one(self, &data[start..]);
        }
    }

    fn malformed(&mut self, file: &LogFile, line: u64, reason: String) {
        self.stats.malformed += 1;
        if self.stats.malformed_samples.len() < MALFORMED_SAMPLES {
            self.sample_starts.push(self.piece_start);
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
        for g in &mut self.groups {
            if r.elb != g.load_balancer.as_slice() {
                continue;
            }
            if let Some(tg) = &g.target_group
                && r.target_group != Some(tg.as_slice())
            {
                continue;
            }
            matched = true;
            let in_budget_window = g.percentile_from <= r.time && r.time < g.percentile_to;
            for t in &mut g.counters {
                match t.want {
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

/// Which lines of bytes in memory a worker reads: all but a first partial one (`skip_first`),
/// up to the first that starts at or after `stop_at` bytes in.
#[derive(Clone, Copy, Debug)]
struct Bounds {
    skip_first: bool,
    /// Where in the file the bytes begin.
    begin: u64,
    stop_at: u64,
}

impl Bounds {
    const WHOLE: Bounds = Bounds {
        skip_first: false,
        begin: 0,
        stop_at: u64::MAX,
    };
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
