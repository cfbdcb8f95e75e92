//! Evidence for every incident of a report: the service's log lines over the incident's
//! window, from a file (`--app-logs`) or from CloudWatch Logs. A log group that cannot be read
//! is evidence "unavailable" with the reason, never a failed report.

use crate::aws::LogReader;
use crate::core::evidence::{self, Evidence, EvidenceSource, LogLine};
use crate::core::model::ServiceSlo;
use crate::report::Report;
use chrono::{DateTime, Utc};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// At most this many lines are read per incident: the window is bounded, a runaway logger is
/// not.
pub const MAX_LINES: usize = 200_000;
/// A log line is kept up to this many bytes (templates and samples need its start).
pub const MAX_LINE_BYTES: usize = 4096;
/// At most this many bytes of lines are kept per incident, whatever their count: 40,000 lines
/// of 4 KB would otherwise be 160 MB in a 512 MB task.
pub const MAX_BYTES: usize = 16 * 1024 * 1024;
/// The largest `--app-logs` file read (the output of `aws logs filter-log-events` for the
/// incidents' windows; a whole log group's export is not what it is for).
pub const MAX_APP_LOGS_FILE: u64 = 256 * 1024 * 1024;

/// `message` cut to [`MAX_LINE_BYTES`] at a character boundary.
fn bounded(mut message: String) -> String {
    if message.len() > MAX_LINE_BYTES {
        let mut cut = MAX_LINE_BYTES;
        while !message.is_char_boundary(cut) {
            cut -= 1;
        }
        message.truncate(cut);
    }
    message
}

/// The filter pattern sent to `FilterLogEvents` for the default evidence words: filter
/// patterns are case-sensitive, so each word in its usual spellings; the regular expression
/// of `logs.patterns` then decides, case-insensitively. Custom patterns read every line.
pub fn server_filter(pattern: &str) -> Option<String> {
    (pattern == evidence::DEFAULT_PATTERN).then(|| {
        let words = [
            "exception",
            "error",
            "timeout",
            "panic",
            "fatal",
            "timed out",
        ];
        let mut terms = Vec::new();
        for w in words {
            let capital = format!("{}{}", w[..1].to_uppercase(), &w[1..]);
            for v in [w.to_owned(), capital, w.to_uppercase()] {
                terms.push(if v.contains(' ') {
                    format!("?\"{v}\"")
                } else {
                    format!("?{v}")
                });
            }
        }
        terms.join(" ")
    })
}

fn evidence_of(
    lines: &[LogLine],
    slo: &ServiceSlo,
    source: EvidenceSource,
    log_group: String,
    (from, to): (DateTime<Utc>, DateTime<Utc>),
) -> Evidence {
    let re = evidence::pattern(&slo.logs.pattern).expect("patterns are checked when specs load");
    let top = evidence::top_templates(
        lines
            .iter()
            .filter(|l| from <= l.timestamp && l.timestamp < to),
        &re,
        slo.logs.top,
    );
    Evidence {
        source,
        log_group,
        reason: None,
        bytes_scanned: None,
        from,
        to,
        top,
    }
}

/// Offline: `app_logs` by the spec's service, `(file, lines)`. Specs without one get none.
pub fn attach_from_files(
    report: &mut Report,
    slos: &[&ServiceSlo],
    app_logs: &BTreeMap<String, (PathBuf, Vec<LogLine>)>,
) {
    for o in &mut report.objectives {
        let (Some(slo), Some((file, lines))) = (
            slos.iter().find(|s| s.service == o.key.service),
            app_logs.get(&o.key.service),
        ) else {
            continue;
        };
        for i in &mut o.assessment.incidents {
            let window = evidence::window(i.impact.start, i.impact.end, slo.correlation_lead);
            i.evidence = Some(evidence_of(
                lines,
                slo,
                EvidenceSource::File,
                file.display().to_string(),
                window,
            ));
        }
    }
}

/// Online: every incident of a spec with `ecs.logGroup`, one query per incident (an incident's
/// objectives share it). Returns the warnings for groups that could not be read.
pub async fn attach_from_cloudwatch<R: LogReader>(
    report: &mut Report,
    slos: &[&ServiceSlo],
    reader: &R,
) -> Vec<String> {
    let mut warnings = Vec::new();
    let mut cache: BTreeMap<(String, DateTime<Utc>, DateTime<Utc>), Evidence> = BTreeMap::new();
    for o in &mut report.objectives {
        let Some(slo) = slos.iter().find(|s| s.service == o.key.service) else {
            continue;
        };
        let Some(group) = slo.ecs.as_ref().and_then(|e| e.log_group.clone()) else {
            continue;
        };
        for i in &mut o.assessment.incidents {
            let window = evidence::window(i.impact.start, i.impact.end, slo.correlation_lead);
            let key = (group.clone(), window.0, window.1);
            if let Some(e) = cache.get(&key) {
                i.evidence = Some(e.clone());
                continue;
            }
            let e = match read(reader, &group, window, &slo.logs.pattern).await {
                Ok(lines) => evidence_of(
                    &lines,
                    slo,
                    EvidenceSource::CloudWatchLogs,
                    group.clone(),
                    window,
                ),
                Err(e) => {
                    warnings.push(format!(
                        "{}: cannot read log group {group} ({e}); incidents are reported without evidence",
                        slo.service
                    ));
                    Evidence {
                        source: EvidenceSource::Unavailable,
                        log_group: group.clone(),
                        reason: Some(e.to_string()),
                        bytes_scanned: None,
                        from: window.0,
                        to: window.1,
                        top: Vec::new(),
                    }
                }
            };
            cache.insert(key, e.clone());
            i.evidence = Some(e);
        }
    }
    warnings
}

/// The one call `slo serve` makes for an incident of `slo`'s service — once when it opens and
/// once when it resolves, never on every pass: the evidence over the incident's window from
/// `ecs.logGroup` (`None` without one), or "unavailable" with the reason.
pub async fn for_incident<R: LogReader>(
    reader: &R,
    slo: &ServiceSlo,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Option<Evidence> {
    let group = slo.ecs.as_ref()?.log_group.clone()?;
    let window = evidence::window(start, end, slo.correlation_lead);
    Some(
        match read(reader, &group, window, &slo.logs.pattern).await {
            Ok(lines) => evidence_of(&lines, slo, EvidenceSource::CloudWatchLogs, group, window),
            Err(e) => Evidence {
                source: EvidenceSource::Unavailable,
                log_group: group,
                reason: Some(e.to_string()),
                bytes_scanned: None,
                from: window.0,
                to: window.1,
                top: Vec::new(),
            },
        },
    )
}

/// One incident's lines: every page, at most [`MAX_LINES`].
pub async fn read<R: LogReader>(
    reader: &R,
    group: &str,
    (from, to): (DateTime<Utc>, DateTime<Utc>),
    pattern: &str,
) -> Result<Vec<LogLine>, crate::aws::AwsError> {
    let filter = server_filter(pattern);
    let mut lines = Vec::new();
    let mut bytes = 0usize;
    let mut token = None;
    loop {
        let page = reader
            .filter_log_events(group, from, to, filter.as_deref(), token.take())
            .await?;
        for mut line in page.events {
            line.message = bounded(line.message);
            bytes += line.message.len();
            lines.push(line);
            if lines.len() >= MAX_LINES || bytes >= MAX_BYTES {
                return Ok(lines);
            }
        }
        token = page.next_token;
        if token.is_none() {
            break;
        }
    }
    Ok(lines)
}

#[derive(Debug, thiserror::Error)]
#[error("{}: {problem}", file.display())]
pub struct AppLogsError {
    pub file: PathBuf,
    pub problem: String,
}

/// The lines of a file as `aws logs filter-log-events --output json` prints it
/// (`{"events": [{"timestamp": ms, "message": …}, …]}`). Lone UTF-16 surrogates in escapes,
/// which some loggers write, are read as U+FFFD rather than refusing the file.
/// A file's text, refused when it is not a regular file or a pipe (a device such as
/// `/dev/zero` would never end) or holds more than `limit` bytes — said in a sentence.
pub fn read_bounded(path: &Path, limit: u64) -> Result<String, String> {
    use std::io::Read;
    use std::os::unix::fs::FileTypeExt;
    let meta = std::fs::metadata(path).map_err(|e| e.to_string())?;
    let kind = meta.file_type();
    if !(kind.is_file() || kind.is_fifo()) {
        return Err("not a regular file (a device, a socket or a directory): refused".to_owned());
    }
    if kind.is_file() && meta.len() > limit {
        return Err(format!(
            "{} MB, more than the {} MB read: give only the windows needed",
            meta.len() / 1_000_000,
            limit / 1_000_000
        ));
    }
    let mut text = String::new();
    std::fs::File::open(path)
        .map_err(|e| e.to_string())?
        .take(limit + 1)
        .read_to_string(&mut text)
        .map_err(|e| e.to_string())?;
    if text.len() as u64 > limit {
        return Err(format!(
            "more than the {} MB read: give only the windows needed",
            limit / 1_000_000
        ));
    }
    Ok(text)
}

pub fn read_app_logs(path: &Path) -> Result<Vec<LogLine>, AppLogsError> {
    let fail = |problem: String| AppLogsError {
        file: path.to_owned(),
        problem,
    };
    let text = read_bounded(path, MAX_APP_LOGS_FILE).map_err(fail)?;
    let doc: Value = serde_json::from_str(&replace_lone_surrogates(&text))
        .map_err(|e| fail(format!("not JSON: {e}")))?;
    let Some(events) = doc.get("events").and_then(Value::as_array) else {
        return Err(fail(
            "no `events` array: expected the output of `aws logs filter-log-events --output json`"
                .to_owned(),
        ));
    };
    events
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let ts = e
                .get("timestamp")
                .and_then(Value::as_i64)
                .and_then(DateTime::from_timestamp_millis)
                .ok_or_else(|| {
                    fail(format!("events[{i}]: no `timestamp` in epoch milliseconds"))
                })?;
            let message = e
                .get("message")
                .and_then(Value::as_str)
                .map(|m| bounded(m.to_owned()))
                .ok_or_else(|| fail(format!("events[{i}]: no `message`")))?;
            Ok(LogLine {
                timestamp: ts,
                message: message.to_owned(),
            })
        })
        .collect()
}

/// `\ud800` not followed by a low surrogate (and a low one on its own) → `\ufffd`.
fn replace_lone_surrogates(text: &str) -> String {
    let hex = |s: &str| -> Option<u32> {
        (s.len() == 4 && s.chars().all(|c| c.is_ascii_hexdigit()))
            .then(|| u32::from_str_radix(s, 16).ok())
            .flatten()
    };
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("\\u") {
        // An escaped backslash before it means this is not an escape.
        let backslashes = rest[..i].chars().rev().take_while(|c| *c == '\\').count();
        out.push_str(&rest[..i]);
        let code = rest.get(i + 2..i + 6).and_then(hex);
        match code {
            Some(c) if backslashes % 2 == 0 && (0xD800..0xDC00).contains(&c) => {
                let low = rest
                    .get(i + 6..i + 8)
                    .filter(|s| *s == "\\u")
                    .and_then(|_| rest.get(i + 8..i + 12))
                    .and_then(hex)
                    .filter(|l| (0xDC00..0xE000).contains(l));
                if low.is_some() {
                    out.push_str(&rest[i..i + 12]);
                    rest = &rest[i + 12..];
                } else {
                    out.push_str("\\ufffd");
                    rest = &rest[i + 6..];
                }
            }
            Some(c) if backslashes % 2 == 0 && (0xDC00..0xE000).contains(&c) => {
                out.push_str("\\ufffd");
                rest = &rest[i + 6..];
            }
            _ => {
                out.push_str("\\u");
                rest = &rest[i + 2..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lone_surrogates_become_replacement_characters_and_pairs_stay() {
        let text = r#"{"events": [{"timestamp": 1, "message": "a\ud800b \udc00 \ud83d\ude00"}]}"#;
        let v: Value = serde_json::from_str(&replace_lone_surrogates(text)).unwrap();
        assert_eq!(v["events"][0]["message"], "a\u{fffd}b \u{fffd} 😀");
    }

    #[test]
    fn the_server_filter_covers_the_usual_spellings() {
        let f = server_filter(evidence::DEFAULT_PATTERN).unwrap();
        assert!(f.contains("?Exception") && f.contains("?TIMEOUT") && f.contains("?\"timed out\""));
        assert_eq!(server_filter("oops"), None);
    }

    /// A runaway logger: 5,000 lines of 10 KB in one incident's window. Each line is kept to
    /// 4 KiB, and the lines to 16 MiB in all, whatever their count.
    #[tokio::test]
    async fn evidence_is_bounded_in_bytes_per_line_and_in_all() {
        let logs = crate::aws::memory::MemoryLogs::default();
        let t0: DateTime<Utc> = "2026-11-15T14:00:00Z".parse().unwrap();
        logs.put(
            "/ecs/x",
            (0..5000).map(|i| LogLine {
                timestamp: t0 + chrono::TimeDelta::milliseconds(i),
                message: format!("ERROR {i} {}", "é".repeat(5000)),
            }),
        );
        let end = t0 + chrono::TimeDelta::hours(1);
        let lines = read(&logs, "/ecs/x", (t0, end), "ERROR").await.unwrap();
        assert!(lines.iter().all(|l| l.message.len() <= MAX_LINE_BYTES));
        let total: usize = lines.iter().map(|l| l.message.len()).sum();
        assert!(total <= MAX_BYTES + MAX_LINE_BYTES, "{total}");
        assert!(lines.len() < 5000, "{}", lines.len());
        // The start of each line, where its template is, survives.
        assert!(lines[0].message.starts_with("ERROR 0 é"));
    }

    #[test]
    fn a_file_larger_than_its_limit_is_refused_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.json");
        std::fs::write(&path, vec![b' '; 2048]).unwrap();
        let err = read_bounded(&path, 1024).unwrap_err();
        assert!(err.contains("more than"), "{err}");
        assert_eq!(read_bounded(&path, 4096).unwrap().len(), 2048);
    }
}
