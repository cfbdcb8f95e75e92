//! `--access-logs s3://bucket/prefix/`: the logs read where ALB writes them. The accounts and
//! regions under the prefix are found by listing with a `/` delimiter (the logs' region is the
//! load balancer's, never assumed to be the client's), then only the day prefixes the window
//! needs are listed (`AWSLogs/<account>/elasticloadbalancing/<region>/YYYY/MM/DD/`, from the
//! day before it to the day after), and only the objects whose names match the specs' load
//! balancers and the window are fetched, a few at a time (objects over [`PART`] in ranged
//! GETs of that size), and each is read as it arrives, from memory: nothing is written to disk,
//! and memory holds only the objects in flight and waiting (a few ALB files).

use super::files::{LogFile, describe_key};
use super::scan::{Scan, Selection, scan_objects};
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

/// One object's bytes: in ranged GETs of [`PART`] when larger (all of them at once), counted
/// in `gets`.
async fn get<S: ObjectStore + Sync>(
    store: &S,
    bucket: &str,
    key: &str,
    size: u64,
    gets: &AtomicUsize,
) -> Result<Vec<u8>, AwsError> {
    if size <= PART {
        gets.fetch_add(1, Ordering::Relaxed);
        return store.get(bucket, key).await;
    }
    let parts = size.div_ceil(PART);
    type Part = Option<Result<Vec<u8>, AwsError>>;
    let slots: Vec<Mutex<Part>> = (0..parts).map(|_| Mutex::new(None)).collect();
    let requests: Vec<std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + '_>>> = slots
        .iter()
        .zip(0..)
        .map(|(slot, i)| {
            gets.fetch_add(1, Ordering::Relaxed);
            Box::pin(async move {
                let part = store
                    .get_range(bucket, key, i * PART, ((i + 1) * PART).min(size))
                    .await;
                *slot.lock().unwrap_or_else(|e| e.into_inner()) = Some(part);
            }) as _
        })
        .collect();
    crate::aws::join_all(requests).await;
    let mut body = Vec::with_capacity(size as usize);
    for slot in slots {
        let part = slot.into_inner().unwrap_or_else(|e| e.into_inner());
        body.extend(part.unwrap_or_else(|| Ok(Vec::new()))?);
    }
    Ok(body)
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
    let (tx, rx) = tokio::sync::mpsc::channel::<(LogFile, Vec<u8>)>(concurrency);
    let (done, scanned) = tokio::sync::oneshot::channel();
    let reading = selection.clone();
    // The reading threads take objects as the fetching hands them over; both go on at once.
    std::thread::spawn(move || {
        let rx = Mutex::new(rx);
        let take = || rx.lock().unwrap_or_else(|e| e.into_inner()).blocking_recv();
        let _ = done.send(scan_objects(&reading, threads, &take, None));
    });
    let next = AtomicUsize::new(0);
    let gets = AtomicUsize::new(0);
    let bytes = AtomicU64::new(0);
    let failure: Mutex<Option<AwsError>> = Mutex::new(None);
    let worker = |tx: tokio::sync::mpsc::Sender<(LogFile, Vec<u8>)>| {
        let (keys, next, gets, bytes, failure) = (&keys, &next, &gets, &bytes, &failure);
        async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some((key, file)) = keys.get(i) else {
                    break;
                };
                if failure.lock().unwrap_or_else(|e| e.into_inner()).is_some() {
                    break;
                }
                match get(store, &url.bucket, key, file.size, gets).await {
                    Ok(body) => {
                        let n = body.len() as u64;
                        bytes.fetch_add(n, Ordering::Relaxed);
                        if let Some(p) = progress {
                            p.fetch_add(n, Ordering::Relaxed);
                        }
                        if tx.send((file.clone(), body)).await.is_err() {
                            break;
                        }
                    }
                    Err(e) => {
                        failure
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .get_or_insert(e);
                        break;
                    }
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
    fetched.gets = gets.into_inner();
    fetched.bytes = bytes.into_inner();
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

    #[tokio::test]
    async fn a_large_object_is_read_in_ranged_parts_put_back_in_order() {
        let store = crate::aws::memory::MemoryObjects::default();
        let body: Vec<u8> = (0..2 * PART + 5).map(|i| (i * 7 % 251) as u8).collect();
        store.put("b", "k", body.clone());
        let gets = AtomicUsize::new(0);
        let got = get(&store, "b", "k", body.len() as u64, &gets)
            .await
            .unwrap();
        assert!(got == body);
        assert_eq!(gets.into_inner(), 3);
        // A part that fails fails the object.
        let failing = crate::aws::failing::Failing::new(
            store,
            crate::aws::failing::FailOn::Calls([2].into()),
            crate::aws::ErrorKind::Throttled,
        );
        let gets = AtomicUsize::new(0);
        assert!(
            get(&failing, "b", "k", body.len() as u64, &gets)
                .await
                .is_err()
        );
    }
}
