//! The bad requests of one objective in a span, by status code and path: what a post-mortem
//! lists as the top failing paths. Read only for that span's files (a few hours of one load
//! balancer), line by line; the query string never leaves this file (it may hold tokens), and
//! path segments that look like identifiers are folded into `{id}` so one endpoint is one row.

use super::files::LogFile;
use super::line::{Entry, field};
use crate::core::model::{ServiceSlo, Sli};
use crate::core::window::TimeRange;
use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, Read};

/// One row: how many bad requests answered `status` on `method path`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FailingPath {
    /// The load balancer's status code; `None`: no response was sent (`-`).
    pub status: Option<u16>,
    pub method: String,
    pub path: String,
    pub count: u64,
}

/// The top rows, most bad requests first, and the files that could not be read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Failing {
    pub top: Vec<FailingPath>,
    /// Bad requests of the span, every path counted.
    pub bad: u64,
    pub unreadable: Vec<String>,
}

/// At most this many rows are kept.
pub const TOP: usize = 10;

/// Bad requests of `slo`'s `sli` in `span`, from `files`.
pub fn failing_paths(files: &[LogFile], slo: &ServiceSlo, sli: Sli, span: TimeRange) -> Failing {
    let (from, to) = (span.start.timestamp(), span.end.timestamp());
    let lbs: HashSet<String> = [slo.alb.load_balancer.clone()].into();
    let mut counts: HashMap<(Option<u16>, String, String), u64> = HashMap::new();
    let mut out = Failing::default();
    for f in files.iter().filter(|f| f.may_hold(&lbs, from, to)) {
        let reader: Box<dyn Read> = match std::fs::File::open(&f.path) {
            Ok(file) if f.gzipped => Box::new(flate2::read::MultiGzDecoder::new(file)),
            Ok(file) => Box::new(file),
            Err(e) => {
                out.unreadable.push(format!("{}: {e}", f.path.display()));
                continue;
            }
        };
        let mut lines = BufReader::new(reader).split(b'\n');
        loop {
            match lines.next() {
                None => break,
                Some(Err(e)) => {
                    out.unreadable.push(format!("{}: {e}", f.path.display()));
                    break;
                }
                Some(Ok(line)) => {
                    if let Some(key) = bad_request(&line, slo, sli, from, to) {
                        out.bad += 1;
                        *counts.entry(key).or_default() += 1;
                    }
                }
            }
        }
    }
    let mut top: Vec<FailingPath> = counts
        .into_iter()
        .map(|((status, method, path), count)| FailingPath {
            status,
            method,
            path,
            count,
        })
        .collect();
    top.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then_with(|| (a.status, &a.path, &a.method).cmp(&(b.status, &b.path, &b.method)))
    });
    top.truncate(TOP);
    out.top = top;
    out
}

/// The row a line counts in, when it is a bad request of the objective in `[from, to)`.
fn bad_request(
    line: &[u8],
    slo: &ServiceSlo,
    sli: Sli,
    from: i64,
    to: i64,
) -> Option<(Option<u16>, String, String)> {
    let e = Entry::split(line).ok()?;
    if e.elb() != slo.alb.load_balancer.as_bytes() || !(from..to).contains(&e.time_unix().ok()?) {
        return None;
    }
    if let Some(tg) = &slo.alb.target_group
        && e.target_group() != Some(tg.as_bytes())
    {
        return None;
    }
    let status = e.elb_status().ok()?;
    let bad = match sli {
        Sli::Availability => matches!(status, Some(500..=599)),
        Sli::Latency { threshold } => e
            .target_ms()
            .ok()?
            .is_some_and(|ms| u128::from(ms) > threshold.as_millis()),
    };
    if !bad {
        return None;
    }
    let (method, path) = method_and_path(&String::from_utf8_lossy(e.field(field::REQUEST)));
    Some((status, method, path))
}

/// `GET https://shop.example.com:443/orders/12345?token=… HTTP/1.1` → (`GET`, `/orders/{id}`).
pub fn method_and_path(request: &str) -> (String, String) {
    let mut parts = request.split(' ');
    let method = parts.next().unwrap_or("-").to_owned();
    let url = parts.next().unwrap_or("-");
    let without_query = url.split(['?', '#']).next().unwrap_or(url);
    let path = match without_query.find("://") {
        Some(i) => {
            let rest = &without_query[i + 3..];
            rest.find('/').map_or("/", |j| &rest[j..])
        }
        None => without_query,
    };
    let folded: Vec<&str> = path
        .split('/')
        .map(|seg| if looks_like_id(seg) { "{id}" } else { seg })
        .collect();
    let mut path = folded.join("/");
    if path.chars().count() > 120 {
        path = path.chars().take(119).collect::<String>() + "…";
    }
    (method, path)
}

/// A number, a UUID, or a long hexadecimal or mixed token: an identifier, not an endpoint.
fn looks_like_id(seg: &str) -> bool {
    let digits = seg.bytes().filter(u8::is_ascii_digit).count();
    (!seg.is_empty() && digits == seg.len())
        || (seg.len() >= 8 && seg.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-') && digits > 0)
        || (seg.len() >= 16 && digits * 4 >= seg.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_lose_their_query_host_and_identifiers() {
        assert_eq!(
            method_and_path("GET https://shop.example.com:443/orders/12345?token=abc HTTP/1.1"),
            ("GET".into(), "/orders/{id}".into())
        );
        assert_eq!(
            method_and_path(
                "POST https://x:443/carts/3f2c9a1e-8d4b-4c7a-9e21-0a1b2c3d4e5f/pay HTTP/2.0"
            ),
            ("POST".into(), "/carts/{id}/pay".into())
        );
        assert_eq!(
            method_and_path("GET http://10.0.0.1:80/health HTTP/1.1"),
            ("GET".into(), "/health".into())
        );
        assert_eq!(method_and_path("- - - "), ("-".into(), "-".into()));
        assert_eq!(
            method_and_path("GET https://x:443/api/v2/items HTTP/1.1").1,
            "/api/v2/items"
        );
    }
}
