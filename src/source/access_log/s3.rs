//! `--access-logs s3://bucket/prefix/`: the logs read where ALB writes them. The accounts and
//! regions under the prefix are found by listing with a `/` delimiter (the logs' region is the
//! load balancer's, never assumed to be the client's), then only the day prefixes the window
//! needs are listed (`AWSLogs/<account>/elasticloadbalancing/<region>/YYYY/MM/DD/`, from the
//! day before it to the day after), and only the objects whose names match the specs' load
//! balancers and the window are fetched, a few at a time, and each is read as it arrives, from
//! memory; an object over [`PART`] comes in ranged GETs of that size, decompressed as its parts
//! arrive. Nothing is written to disk, and memory holds only the objects in flight and waiting
//! (a few ALB files, a few parts of a large one).

use super::files::{LogFile, describe_key};
use super::scan::{Object, Scan, Selection, scan_objects};
use crate::aws::AwsError;
use crate::aws::s3::ObjectStore;
use chrono::{NaiveDate, TimeDelta};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

/// `s3://bucket/prefix/`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct S3Url {
    pub bucket: String,
    /// Empty, or ending with `/`.
    pub prefix: String,
}

impl S3Url {
    /// `None` when `text` is not an `s3://` URL; an error when it is a bad one.
    pub fn parse(text: &str) -> Option<Result<S3Url, String>> {
        let rest = text.strip_prefix("s3://")?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Some(Err(format!(
                "{text}: no bucket (write s3://BUCKET/PREFIX/)"
            )));
        }
        let mut prefix = prefix.to_owned();
        if !prefix.is_empty() && !prefix.ends_with('/') {
            prefix.push('/');
        }
        Some(Ok(S3Url {
            bucket: bucket.to_owned(),
            prefix,
        }))
    }
}

impl std::fmt::Display for S3Url {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "s3://{}/{}", self.bucket, self.prefix)
    }
}

/// What reading from S3 took: requests (for their price) and bytes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Fetched {
    /// Objects read.
    pub objects: usize,
    pub lists: usize,
    pub gets: usize,
    pub bytes: u64,
    /// `<account>/<region>` pairs found under the prefix.
    pub locations: Vec<String>,
}

/// Objects fetched at once: enough to keep a connection pool busy, few enough that memory
/// stays at a few ALB files (5-minute files of a few MB each).
pub const DEFAULT_CONCURRENCY: usize = 16;

/// Objects larger than this are read in ranged GETs of this size, all at once: a part that
/// fails is retried alone, and one large object is not one long request.
pub const PART: u64 = 8 << 20;

/// The objects under `url` that `selection` needs: listed by account, region and day.
async fn wanted<S: ObjectStore + Sync>(
    store: &S,
    url: &S3Url,
    selection: &Selection,
    fetched: &mut Fetched,
) -> Result<Vec<(String, LogFile)>, AwsError> {
    let logs = format!("{}AWSLogs/", url.prefix);
    let accounts = store.list(&url.bucket, &logs, true).await?;
    fetched.lists += 1;
    let range = selection.range();
    let first = (range.start - TimeDelta::days(1)).date_naive();
    let last = (range.end + TimeDelta::days(1)).date_naive();
    let mut out = Vec::new();
    for account in &accounts.prefixes {
        let base = format!("{account}elasticloadbalancing/");
        let regions = store.list(&url.bucket, &base, true).await?;
        fetched.lists += 1;
        for region in &regions.prefixes {
            fetched.locations.push(
                region
                    .trim_start_matches(&logs)
                    .trim_end_matches('/')
                    .replace("/elasticloadbalancing/", "/"),
            );
            for day in first.iter_days().take_while(|d| *d <= last) {
                let prefix = format!("{region}{}/", day_path(day));
                let listing = store.list(&url.bucket, &prefix, false).await?;
                fetched.lists += 1;
                for (key, size) in listing.objects {
                    let Some(mut file) = describe_key(&key, size) else {
                        continue;
                    };
                    if selection.wants(&file) {
                        // Said so in every message about the file (a malformed line, a
                        // damaged object).
                        file.path = format!("s3://{}/{key}", url.bucket).into();
                        out.push((key, file));
                    }
                }
            }
        }
    }
    Ok(out)
}

/// A large object's parts as they arrive, read in order: `Read` for the decompressor on a
/// reading thread (it waits for the next part there, never on the runtime's threads).
struct Parts {
    rx: tokio::sync::mpsc::Receiver<Result<Vec<u8>, AwsError>>,
    part: Vec<u8>,
    at: usize,
}

impl Parts {
    fn new(rx: tokio::sync::mpsc::Receiver<Result<Vec<u8>, AwsError>>) -> Parts {
        Parts {
            rx,
            part: Vec::new(),
            at: 0,
        }
    }
}

impl std::io::Read for Parts {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.at == self.part.len() {
            match self.rx.blocking_recv() {
                Some(Ok(part)) => (self.part, self.at) = (part, 0),
                Some(Err(e)) => return Err(std::io::Error::other(e.to_string())),
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.part.len() - self.at);
        buf[..n].copy_from_slice(&self.part[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// Parts waiting for the decompressor, per large object: memory holds a few parts of it.
const PARTS_AHEAD: usize = 2;

/// What the GETs took, and the progress bar they advance.
#[derive(Default)]
struct Counted<'p> {
    gets: AtomicUsize,
    bytes: AtomicU64,
    progress: Option<&'p AtomicU64>,
}

impl Counted<'_> {
    fn got(&self, body: &[u8]) {
        let n = body.len() as u64;
        self.bytes.fetch_add(n, Ordering::Relaxed);
        if let Some(p) = self.progress {
            p.fetch_add(n, Ordering::Relaxed);
        }
    }
}

/// A large object's ranged GETs, in order, into `parts`; the first error ends them (and is
/// returned as well as handed on). The reader gone ends them too.
async fn send_parts<S: ObjectStore + Sync>(
    store: &S,
    bucket: &str,
    key: &str,
    size: u64,
    parts: tokio::sync::mpsc::Sender<Result<Vec<u8>, AwsError>>,
    counted: &Counted<'_>,
) -> Result<(), AwsError> {
    for i in 0..size.div_ceil(PART) {
        counted.gets.fetch_add(1, Ordering::Relaxed);
        let part = store
            .get_range(bucket, key, i * PART, ((i + 1) * PART).min(size))
            .await;
        let failed = part.as_ref().err().cloned();
        if let Ok(p) = &part {
            counted.got(p);
        }
        if parts.send(part).await.is_err() {
            break;
        }
        if let Some(e) = failed {
            return Err(e);
        }
    }
    Ok(())
}

/// Lists what `selection` needs under `url`, fetches it `concurrency` objects at a time and
/// reads each object as it arrives on `threads` threads: the scan of those objects, the same
/// as of a local copy of them, and the objects read. `progress` is advanced by the bytes read.
pub async fn read<S: ObjectStore + Sync>(
    store: &S,
    url: &S3Url,
    selection: &Selection,
    concurrency: usize,
    threads: usize,
    progress: Option<&AtomicU64>,
) -> Result<(Fetched, Scan, Vec<LogFile>), AwsError> {
    let mut fetched = Fetched::default();
    let keys = wanted(store, url, selection, &mut fetched).await?;
    let concurrency = concurrency.max(1);
    // Objects wait here for a reading thread: with those in flight, memory holds at most
    // twice `concurrency` objects.
    let (tx, rx) = tokio::sync::mpsc::channel::<(LogFile, Object)>(concurrency);
    let (done, scanned) = tokio::sync::oneshot::channel();
    let reading = selection.clone();
    // The reading threads take objects as the fetching hands them over; both go on at once.
    std::thread::spawn(move || {
        let rx = Mutex::new(rx);
        let take = || rx.lock().unwrap_or_else(|e| e.into_inner()).blocking_recv();
        let _ = done.send(scan_objects(&reading, threads, &take));
    });
    let next = AtomicUsize::new(0);
    let counted = Counted {
        progress,
        ..Counted::default()
    };
    let failure: Mutex<Option<AwsError>> = Mutex::new(None);
    let worker = |tx: tokio::sync::mpsc::Sender<(LogFile, Object)>| {
        let (keys, next, counted, failure) = (&keys, &next, &counted, &failure);
        async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some((key, file)) = keys.get(i) else {
                    break;
                };
                if failure.lock().unwrap_or_else(|e| e.into_inner()).is_some() {
                    break;
                }
                let result = if file.size > PART {
                    // Handed over first: its parts are decompressed as they arrive.
                    let (parts, rx) = tokio::sync::mpsc::channel(PARTS_AHEAD);
                    let stream = Box::new(Parts::new(rx));
                    if tx
                        .send((file.clone(), Object::Stream(stream)))
                        .await
                        .is_err()
                    {
                        break;
                    }
                    send_parts(store, &url.bucket, key, file.size, parts, counted).await
                } else {
                    counted.gets.fetch_add(1, Ordering::Relaxed);
                    match store.get(&url.bucket, key).await {
                        Ok(body) => {
                            counted.got(&body);
                            if tx.send((file.clone(), Object::Whole(body))).await.is_err() {
                                break;
                            }
                            Ok(())
                        }
                        Err(e) => Err(e),
                    }
                };
                if let Err(e) = result {
                    failure
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .get_or_insert(e);
                    break;
                }
            }
        }
    };
    let workers: Vec<std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + '_>>> = (0
        ..concurrency.min(keys.len().max(1)))
        .map(|_| Box::pin(worker(tx.clone())) as _)
        .collect();
    // The workers hold the only senders: when they are done, the reading ends.
    drop(tx);
    crate::aws::join_all(workers).await;
    let scan = scanned.await;
    if let Some(e) = failure.into_inner().unwrap_or_else(|e| e.into_inner()) {
        return Err(e);
    }
    let mut scan = scan.map_err(|_| {
        AwsError::new(
            "GetObject",
            crate::aws::ErrorKind::Transport,
            "the threads reading the objects stopped".to_owned(),
        )
    })?;
    scan.stats.files_found = keys.len();
    fetched.objects = keys.len();
    fetched.gets = counted.gets.into_inner();
    fetched.bytes = counted.bytes.into_inner();
    Ok((fetched, scan, keys.into_iter().map(|(_, f)| f).collect()))
}

fn day_path(day: NaiveDate) -> String {
    day.format("%Y/%m/%d").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_read_as_bucket_and_prefix() {
        let u = |s| S3Url::parse(s).unwrap().unwrap();
        assert_eq!(u("s3://logs/alb").prefix, "alb/");
        assert_eq!(u("s3://logs/").prefix, "");
        assert_eq!(u("s3://logs").bucket, "logs");
        assert!(S3Url::parse("s3:///x").unwrap().is_err());
        assert!(S3Url::parse("/var/logs").is_none());
    }

    /// A large object's ranged GETs, read back as a stream on another thread.
    fn streamed<S: ObjectStore + Sync>(
        store: &S,
        size: u64,
    ) -> (Result<(), AwsError>, Vec<u8>, usize) {
        let (parts, rx) = tokio::sync::mpsc::channel(PARTS_AHEAD);
        let reader = std::thread::spawn(move || {
            let mut r = Parts::new(rx);
            let mut out = Vec::new();
            let _ = std::io::Read::read_to_end(&mut r, &mut out);
            out
        });
        let counted = Counted::default();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let sent = runtime.block_on(send_parts(store, "b", "k", size, parts, &counted));
        (sent, reader.join().unwrap(), counted.gets.into_inner())
    }

    #[test]
    fn a_large_object_is_read_in_ranged_parts_in_order() {
        let store = crate::aws::memory::MemoryObjects::default();
        let body: Vec<u8> = (0..2 * PART + 5).map(|i| (i * 7 % 251) as u8).collect();
        store.put("b", "k", body.clone());
        let (sent, got, gets) = streamed(&store, body.len() as u64);
        assert!(sent.is_ok());
        assert!(got == body);
        assert_eq!(gets, 3);
        // A part that fails ends the object, and says so.
        let failing = crate::aws::failing::Failing::new(
            store,
            crate::aws::failing::FailOn::Calls([2].into()),
            crate::aws::ErrorKind::Throttled,
        );
        let (sent, got, gets) = streamed(&failing, body.len() as u64);
        assert!(sent.is_err());
        assert_eq!(got.len() as u64, PART, "the first part only");
        assert_eq!(gets, 2);
    }
}
