//! Triage evidence: the service's log lines behind an incident, redacted, grouped into
//! templates, the most frequent first. Pure: lines in, templates out.
//!
//! Masking: a line is split on whitespace and `,;()[]{}"'=`; a token that contains a digit is a
//! variable (`ch_3f9c1e0e5b`, `req-42`, `30000ms`, `10.0.3.7:6379`, a timestamp), and so are
//! UUIDs and quoted values. Lines that differ only in variables share a template. Secrets are
//! redacted (`core::redact`) before anything else looks at a line.

use chrono::{DateTime, Utc};
use regex::Regex;
use std::collections::HashMap;
use std::sync::LazyLock;

/// Longer messages are cut before anything else: a 1 MB stack dump is still one line.
pub const MAX_MESSAGE: usize = 8 * 1024;
/// A sample line is at most this many characters.
pub const MAX_SAMPLE: usize = 300;
/// The default `logs.patterns`.
pub const DEFAULT_PATTERN: &str = "exception|error|timeout|panic|fatal";
/// Templates shown per incident by default.
pub const DEFAULT_TOP: usize = 5;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogLine {
    pub timestamp: DateTime<Utc>,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Template {
    pub template: String,
    pub count: u64,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    /// The first line of the template, redacted, at most [`MAX_SAMPLE`] characters.
    pub sample: String,
}

static UUID: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
        .expect("a valid UUID pattern")
});

/// The line, cut to [`MAX_MESSAGE`] bytes (on a character boundary), control characters as
/// spaces, secrets replaced.
pub fn redact(message: &str) -> String {
    let mut end = message.len().min(MAX_MESSAGE);
    while !message.is_char_boundary(end) {
        end -= 1;
    }
    let clean: String = message[..end]
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    super::redact::secrets(&clean)
}

fn is_separator(c: char) -> bool {
    c.is_whitespace() || ",;()[]{}=".contains(c)
}

/// The template of an (already redacted) line: variables become `<*>`, whitespace runs one
/// space. `mask(mask(x)) == mask(x)`.
pub fn mask(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut token = String::new();
    let flush = |token: &mut String, out: &mut String| {
        if token.is_empty() {
            return;
        }
        let variable = token.chars().any(|c| c.is_ascii_digit()) || UUID.is_match(token);
        out.push_str(if variable { "<*>" } else { token });
        token.clear();
    };
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '"' || c == '\'' {
            flush(&mut token, &mut out);
            // A quoted value is a variable, whatever it holds.
            out.push(c);
            let mut closed = false;
            for d in chars.by_ref() {
                if d == c {
                    closed = true;
                    break;
                }
            }
            out.push_str("<*>");
            if closed {
                out.push(c);
            }
        } else if c.is_whitespace() {
            flush(&mut token, &mut out);
            if !out.ends_with(' ') && !out.is_empty() {
                out.push(' ');
            }
            while chars.peek().is_some_and(|n| n.is_whitespace()) {
                chars.next();
            }
        } else if is_separator(c) {
            flush(&mut token, &mut out);
            out.push(c);
        } else {
            token.push(c);
        }
    }
    flush(&mut token, &mut out);
    out.trim_end().to_owned()
}

/// The case-insensitive regular expression of `logs.patterns`.
pub fn pattern(text: &str) -> Result<Regex, regex::Error> {
    Regex::new(&format!("(?i){text}"))
}

/// The lines matching `pattern`, as templates, the most frequent first (then the earliest),
/// at most `top`.
pub fn top_templates<'a>(
    lines: impl IntoIterator<Item = &'a LogLine>,
    pattern: &Regex,
    top: usize,
) -> Vec<Template> {
    let mut by_template: HashMap<String, Template> = HashMap::new();
    for line in lines {
        if !pattern.is_match(&line.message) {
            continue;
        }
        let redacted = redact(&line.message);
        let template = mask(&redacted);
        by_template
            .entry(template.clone())
            .and_modify(|t| {
                t.count += 1;
                if line.timestamp < t.first_seen {
                    t.first_seen = line.timestamp;
                    t.sample = sample(&redacted);
                }
                t.last_seen = t.last_seen.max(line.timestamp);
            })
            .or_insert_with(|| Template {
                template,
                count: 1,
                first_seen: line.timestamp,
                last_seen: line.timestamp,
                sample: sample(&redacted),
            });
    }
    let mut out: Vec<Template> = by_template.into_values().collect();
    out.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then(a.first_seen.cmp(&b.first_seen))
            .then(a.template.cmp(&b.template))
    });
    out.truncate(top);
    out
}

fn sample(redacted: &str) -> String {
    let s = redacted.trim();
    match s.char_indices().nth(MAX_SAMPLE) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

/// Where an incident's evidence came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EvidenceSource {
    File,
    CloudWatchLogs,
    /// The log group could not be read: `reason` says why.
    Unavailable,
}

impl EvidenceSource {
    pub fn name(self) -> &'static str {
        match self {
            EvidenceSource::File => "file",
            EvidenceSource::CloudWatchLogs => "cloudwatch_logs",
            EvidenceSource::Unavailable => "unavailable",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Evidence {
    pub source: EvidenceSource,
    /// The log group, or the file's path.
    pub log_group: String,
    pub reason: Option<String>,
    pub bytes_scanned: Option<u64>,
    /// The window read: from the lead time before the incident, at most 6 hours.
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub top: Vec<Template>,
}

/// The window read for an incident: [start − lead, min(end, start − lead + 6 h)], so that
/// the beginning, where the cause is, is always read.
pub fn window(
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    lead: chrono::TimeDelta,
) -> (DateTime<Utc>, DateTime<Utc>) {
    let from = start - lead;
    (from, end.min(from + chrono::TimeDelta::hours(6)).max(from))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn t(s: u32) -> DateTime<Utc> {
        DateTime::from_timestamp(1_795_262_400 + i64::from(s), 0).unwrap()
    }

    fn line(s: u32, m: &str) -> LogLine {
        LogLine {
            timestamp: t(s),
            message: m.into(),
        }
    }

    #[test]
    fn variables_are_masked_and_equal_shapes_share_a_template() {
        assert_eq!(
            mask(
                "2026-11-15T14:03:11Z ERROR req-42 TimeoutException: card-gateway did not answer within 3000ms (pool=ch_3f9c1e0e5b, peer 10.0.3.7:6379)"
            ),
            "<*> ERROR <*> TimeoutException: card-gateway did not answer within <*> (pool=<*>, peer <*>)"
        );
        assert_eq!(
            mask(r#"user "alice" not found, id 6f1c2b9e-aaaa-bbbb-cccc-0123456789ab"#),
            r#"user "<*>" not found, id <*>"#
        );
        let lines = [
            line(
                5,
                "ERROR TimeoutException: card-gateway did not answer within 3000 ms req=r1",
            ),
            line(
                1,
                "ERROR TimeoutException: card-gateway did not answer within 3000 ms req=r2",
            ),
            line(
                9,
                "ERROR TimeoutException: card-gateway did not answer within 2999 ms req=r3",
            ),
            line(2, "WARN pool exhausted: 20 of 20 connections in use"),
            line(3, "INFO served 200 in 31ms"),
        ];
        let top = top_templates(&lines, &pattern(DEFAULT_PATTERN).unwrap(), 5);
        assert_eq!(top.len(), 1, "{top:#?}");
        assert_eq!(top[0].count, 3);
        assert_eq!((top[0].first_seen, top[0].last_seen), (t(1), t(9)));
        assert!(top[0].sample.ends_with("req=r2"));
    }

    #[test]
    fn secrets_never_survive() {
        for secret in [
            "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc",
            "authorization=Basic dXNlcjpwYXNz",
            "password=hunter2",
            "PASSWORD: \"s3cr3t with spaces\"",
            "token=abcdef123",
            "api_key=ZZZZ1111",
            "secret='x y z'",
            "key AKIAIOSFODNN7EXAMPLE",
            "mail to jane.doe+ops@example.co.jp now",
        ] {
            let out = redact(&format!("ERROR failed {secret} end"));
            for bad in [
                "eyJ",
                "dXNlcj",
                "hunter2",
                "s3cr3t",
                "abcdef123",
                "ZZZZ1111",
                "x y z",
                "AKIAIOSFODNN7EXAMPLE",
                "jane.doe",
            ] {
                assert!(!out.contains(bad), "{secret} → {out}");
            }
            assert!(out.contains("REDACTED"), "{out}");
            assert!(out.ends_with("end"), "{out}");
        }
    }

    #[test]
    fn huge_and_odd_messages_are_cut_and_cleaned_not_fatal() {
        let huge = format!("ERROR {}", "é".repeat(1 << 20));
        let r = redact(&huge);
        assert!(r.len() <= MAX_MESSAGE);
        let top = top_templates(&[line(0, &huge)], &pattern("error").unwrap(), 5);
        assert!(top[0].sample.chars().count() <= MAX_SAMPLE + 1);
        assert_eq!(
            redact("ERROR a\u{0}b\u{1b}[31mc\u{fffd}"),
            "ERROR a b [31mc\u{fffd}"
        );
    }

    #[test]
    fn the_window_keeps_the_beginning() {
        let lead = chrono::TimeDelta::minutes(30);
        assert_eq!(window(t(3600), t(7200), lead), (t(1800), t(7200)));
        assert_eq!(
            window(t(3600), t(100_000), lead),
            (t(1800), t(1800 + 6 * 3600))
        );
    }

    proptest! {
        #[test]
        fn masking_is_idempotent(s in "\\PC{0,80}") {
            let once = mask(&redact(&s));
            prop_assert_eq!(mask(&once), once.clone());
        }

        #[test]
        fn lines_differing_only_in_variables_share_a_template(
            words in proptest::collection::vec("[a-zA-Z:.]{1,8}", 1..8),
            a in proptest::collection::vec(0u32..100_000, 8),
            b in proptest::collection::vec(0u32..100_000, 8),
        ) {
            let build = |n: &[u32]| words.iter().zip(n).map(|(w, n)| format!("{w} id-{n}")).collect::<Vec<_>>().join(" ");
            prop_assert_eq!(mask(&build(&a)), mask(&build(&b)));
        }

        #[test]
        fn any_input_is_handled(s in "\\PC{0,400}") {
            let lines = [line(0, &format!("error {s}"))];
            let top = top_templates(&lines, &pattern(DEFAULT_PATTERN).unwrap(), 5);
            prop_assert_eq!(top.len(), 1);
        }
    }
}
