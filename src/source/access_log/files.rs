//! Finding access-log files in a folder synced from S3, and skipping those whose names show
//! they cannot hold a wanted line.
//!
//! ALB names its files
//! `AWSLogs/<account>/elasticloadbalancing/<region>/yyyy/mm/dd/<account>_elasticloadbalancing_<region>_app.<lb-name>.<lb-id>_<end-time>_<ip>_<random>.log.gz`
//! where `<end-time>` (`20261001T1205Z`) closes the 5-minute interval the file covers.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// A log file and what its name says about it.
#[derive(Clone, Debug, PartialEq)]
pub struct LogFile {
    pub path: PathBuf,
    pub size: u64,
    pub gzipped: bool,
    /// `app/<name>/<id>`, when the name follows ALB's convention.
    pub load_balancer: Option<String>,
    /// End of the interval the file covers, as Unix seconds.
    pub end_time: Option<i64>,
    /// Another kind of load balancer's log (its name says so): never an ALB line in it.
    pub other_kind: Option<&'static str>,
    /// Not a regular file or a pipe (a device such as a `*.log` link to `/dev/zero`, a
    /// socket): never read.
    pub not_regular: bool,
}

/// Entries in a file are at most this much older than its interval's end (5-minute files;
/// delivery is eventually consistent, so allow a generous margin).
const EARLIEST_ENTRY_BEFORE_END: i64 = 3600;

impl LogFile {
    /// Whether the file may hold lines of one of `load_balancers` with a time in `[from, to)`.
    /// Files whose names do not follow ALB's convention are always read.
    pub fn may_hold(&self, load_balancers: &HashSet<String>, from: i64, to: i64) -> bool {
        if self.other_kind.is_some() || self.not_regular {
            return false;
        }
        if let Some(lb) = &self.load_balancer
            && !load_balancers.contains(lb)
        {
            return false;
        }
        match self.end_time {
            // Every entry's time is at or before the file's end time.
            Some(end) => end >= from && end - EARLIEST_ENTRY_BEFORE_END < to,
            None => true,
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("cannot read {path}")]
pub struct WalkError {
    pub path: PathBuf,
    #[source]
    pub source: std::io::Error,
}

/// Every `.log` and `.log.gz` file under `dir`, recursively, in path order.
pub fn find_log_files(dir: &Path) -> Result<Vec<LogFile>, WalkError> {
    let mut out = Vec::new();
    walk(dir, &mut out)?;
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<LogFile>) -> Result<(), WalkError> {
    let err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| WalkError { path, source }
    };
    let meta = std::fs::metadata(dir).map_err(err(dir))?;
    if !meta.is_dir() {
        if let Some(f) = describe_meta(dir, &meta) {
            out.push(f);
        }
        return Ok(());
    }
    for entry in std::fs::read_dir(dir).map_err(err(dir))? {
        let entry = entry.map_err(err(dir))?;
        let path = entry.path();
        let kind = entry.file_type().map_err(err(&path))?;
        if kind.is_dir() {
            walk(&path, out)?;
        } else {
            // Followed through links: what the name points at decides.
            let meta = std::fs::metadata(&path).map_err(err(&path))?;
            if meta.is_dir() {
                continue;
            }
            if let Some(f) = describe_meta(&path, &meta) {
                out.push(f);
            }
        }
    }
    Ok(())
}

/// [`describe`] of a file on disk: a device or a socket is named, never read.
fn describe_meta(path: &Path, meta: &std::fs::Metadata) -> Option<LogFile> {
    use std::os::unix::fs::FileTypeExt;
    let mut f = describe(path, meta.len())?;
    f.not_regular = !(meta.is_file() || meta.file_type().is_fifo());
    Some(f)
}

/// What an S3 key's name says of the object (as a file of that name would).
pub fn describe_key(key: &str, size: u64) -> Option<LogFile> {
    describe(Path::new(key), size)
}

fn describe(path: &Path, size: u64) -> Option<LogFile> {
    let name = path.file_name()?.to_str()?;
    let (stem, gzipped) = if let Some(s) = name.strip_suffix(".log.gz") {
        (s, true)
    } else if let Some(s) = name.strip_suffix(".log") {
        (s, false)
    } else {
        return None;
    };
    let (load_balancer, end_time) = parse_alb_name(stem).unzip();
    Some(LogFile {
        path: path.to_path_buf(),
        size,
        gzipped,
        load_balancer,
        end_time,
        other_kind: other_kind(stem),
        not_regular: false,
    })
}

/// Classic and Network Load Balancers write under the same `elasticloadbalancing/<region>/`
/// prefix: a Network one's id starts `net.`, a Classic one's has no kind at all
/// (`<account>_elasticloadbalancing_<region>_<name>_<end>_<ip>_<random>`).
fn other_kind(stem: &str) -> Option<&'static str> {
    let parts: Vec<&str> = stem.split('_').collect();
    if parts.len() < 6 || parts[1] != "elasticloadbalancing" {
        return None;
    }
    let id = parts[3];
    if id.starts_with("net.") {
        Some("a Network Load Balancer's log")
    } else if id.starts_with("app.") {
        None
    } else if !id.contains('.') {
        Some("a Classic Load Balancer's log")
    } else {
        None
    }
}

/// `123456789012_elasticloadbalancing_us-east-2_app.my-lb.50dc6c495c0c9188_20261001T1205Z_10.0.0.1_abcd`
/// → (`app/my-lb/50dc6c495c0c9188`, end time).
fn parse_alb_name(stem: &str) -> Option<(String, i64)> {
    let parts: Vec<&str> = stem.split('_').collect();
    if parts.len() < 6 || parts[1] != "elasticloadbalancing" {
        return None;
    }
    let mut lb = parts[3].splitn(3, '.');
    let (kind, name, id) = (lb.next()?, lb.next()?, lb.next()?);
    if kind != "app" {
        return None;
    }
    Some((format!("app/{name}/{id}"), parse_end_time(parts[4])?))
}

/// `20261001T1205Z` → Unix seconds.
fn parse_end_time(s: &str) -> Option<i64> {
    if s.len() != 14 {
        return None;
    }
    let iso = format!(
        "{}-{}-{}T{}:{}:00Z",
        s.get(0..4)?,
        s.get(4..6)?,
        s.get(6..8)?,
        s.get(9..11)?,
        s.get(11..13)?
    );
    (s.as_bytes()[8] == b'T' && s.ends_with('Z'))
        .then(|| super::line::parse_time(iso.as_bytes()))
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAME: &str = "123456789012_elasticloadbalancing_us-east-2_app.my-loadbalancer.50dc6c495c0c9188_20180702T2225Z_10.0.0.1_2fk0q8xl";

    #[test]
    fn an_alb_file_name_gives_its_load_balancer_and_end_time() {
        let f = describe(Path::new(&format!("{NAME}.log.gz")), 10).unwrap();
        assert!(f.gzipped);
        assert_eq!(
            f.load_balancer.as_deref(),
            Some("app/my-loadbalancer/50dc6c495c0c9188")
        );
        assert_eq!(f.end_time, Some(1_530_570_300));
    }

    #[test]
    fn other_names_are_read_but_say_nothing() {
        let f = describe(Path::new("export.log"), 10).unwrap();
        assert!(!f.gzipped);
        assert_eq!(f.load_balancer, None);
        assert!(describe(Path::new("notes.txt"), 1).is_none());
        assert!(
            describe(
                Path::new("1_elasticloadbalancing_r_app.x.y_garbage_ip_r.log.gz"),
                1
            )
            .unwrap()
            .end_time
            .is_none()
        );
    }

    #[test]
    fn files_of_other_load_balancers_or_far_outside_the_window_are_skipped() {
        let f = describe(Path::new(&format!("{NAME}.log.gz")), 10).unwrap();
        let end = f.end_time.unwrap();
        let mine: HashSet<String> = ["app/my-loadbalancer/50dc6c495c0c9188".to_owned()].into();
        let other: HashSet<String> = ["app/other/50dc6c495c0c9188".to_owned()].into();
        assert!(f.may_hold(&mine, end - 300, end + 300));
        assert!(!f.may_hold(&other, end - 300, end + 300));
        // Ends before the window starts: every entry is older.
        assert!(!f.may_hold(&mine, end + 1, end + 1000));
        // Ends just after the window: may still hold its last minutes.
        assert!(f.may_hold(&mine, end - 7200, end - 60));
        assert!(!f.may_hold(&mine, end - 7200, end - 3600));
    }
}
