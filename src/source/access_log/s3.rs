//! `--access-logs s3://bucket/prefix/`: the logs read where ALB writes them. The accounts and
//! regions under the prefix are found by listing with a `/` delimiter (the logs' region is the
//! load balancer's, never assumed to be the client's), then only the day prefixes the window
//! needs are listed (`AWSLogs/<account>/elasticloadbalancing/<region>/YYYY/MM/DD/`, from the
//! day before it to the day after), and only the objects whose names match the specs' load
//! balancers and the window are fetched, a few at a time, into a folder laid out like the
//! bucket, which the local scan then reads.

use super::files::describe_key;
use super::scan::Selection;
use crate::aws::AwsError;
use crate::aws::s3::ObjectStore;
use chrono::{NaiveDate, TimeDelta};
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

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
    pub lists: usize,
    pub gets: usize,
    pub bytes: u64,
    /// `<account>/<region>` pairs found under the prefix.
    pub locations: Vec<String>,
}

/// Objects fetched at once: enough to keep a connection pool busy, few enough that memory
/// stays at a few ALB files (5-minute files of a few MB each).
pub const DEFAULT_CONCURRENCY: usize = 16;

/// Lists what `selection` needs under `url` and copies it below `dir`, keys as paths.
pub async fn fetch<S: ObjectStore + Sync>(
    store: &S,
    url: &S3Url,
    selection: &Selection,
    dir: &Path,
    concurrency: usize,
) -> Result<Fetched, AwsError> {
    let mut fetched = Fetched::default();
    let logs = format!("{}AWSLogs/", url.prefix);
    let accounts = store.list(&url.bucket, &logs, true).await?;
    fetched.lists += 1;
    let range = selection.range();
    let first = (range.start - TimeDelta::days(1)).date_naive();
    let last = (range.end + TimeDelta::days(1)).date_naive();
    let mut keys: Vec<(String, u64)> = Vec::new();
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
                keys.extend(listing.objects.into_iter().filter(|(key, size)| {
                    describe_key(key, *size).is_some_and(|f| selection.wants(&f))
                }));
            }
        }
    }
    // A few workers take the next key until none is left.
    let next = AtomicUsize::new(0);
    let failure: Mutex<Option<AwsError>> = Mutex::new(None);
    let bytes = std::sync::atomic::AtomicU64::new(0);
    let worker = || async {
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some((key, _)) = keys.get(i) else { break };
            if failure.lock().unwrap_or_else(|e| e.into_inner()).is_some() {
                break;
            }
            let result = match store.get(&url.bucket, key).await {
                Ok(body) => {
                    bytes.fetch_add(body.len() as u64, Ordering::Relaxed);
                    write(dir, key, &body)
                }
                Err(e) => Err(e),
            };
            if let Err(e) = result {
                failure
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .get_or_insert(e);
                break;
            }
        }
    };
    let workers: Vec<std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + '_>>> = (0
        ..concurrency.max(1).min(keys.len().max(1)))
        .map(|_| Box::pin(worker()) as _)
        .collect();
    crate::aws::join_all(workers).await;
    if let Some(e) = failure.into_inner().unwrap_or_else(|e| e.into_inner()) {
        return Err(e);
    }
    fetched.gets = keys.len();
    fetched.bytes = bytes.into_inner();
    Ok(fetched)
}

fn day_path(day: NaiveDate) -> String {
    day.format("%Y/%m/%d").to_string()
}

fn write(dir: &Path, key: &str, body: &[u8]) -> Result<(), AwsError> {
    let io = |e: std::io::Error| {
        AwsError::new(
            "GetObject",
            crate::aws::ErrorKind::Transport,
            format!("cannot keep s3 object {key} under {}: {e}", dir.display()),
        )
    };
    // Keys come from the bucket: no `..` or absolute part may leave the folder.
    let relative: std::path::PathBuf = key
        .split('/')
        .filter(|p| !p.is_empty() && *p != "." && *p != "..")
        .collect();
    let path = dir.join(relative);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io)?;
    }
    std::fs::write(&path, body).map_err(io)
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
}
