//! Secrets out of log lines, before anything else looks at them: evidence is stored, served by
//! `slo serve` and sent to Slack and e-mail, so a line must not carry a credential past here.
//!
//! Each rule replaces what it finds by a marker naming its kind (`[REDACTED]`,
//! `[REDACTED-AWS-KEY]`, …). Shapes that identify themselves (private keys, JWTs, URL
//! credentials, provider tokens, card numbers) run first; then values behind key names (any
//! quoting, case or separator); then long high-entropy tokens. A value that is already a
//! marker is left alone, so the rules never redact each other's work.

use regex::{Captures, Regex};
use std::sync::LazyLock;

/// Every marker starts so; a value starting so has been redacted already.
const MARKER: &str = "[REDACTED";

struct Rule {
    re: Regex,
    with: fn(&Captures) -> String,
}

fn rule(re: &str, with: fn(&Captures) -> String) -> Rule {
    Rule {
        re: Regex::new(re).expect("a valid redaction pattern"),
        with,
    }
}

/// Key names whose value is a secret, as a regex fragment: matched anywhere inside a longer
/// name (`db_password`, `aws_secret_access_key`, `X-Api-Key`, `sessionToken`).
const SECRET_KEY_NAMES: &str = concat!(
    "password|passwd|pwd|passphrase|secret|token|credentials?|authorization|cookie",
    "|api[_-]?key|apikey|access[_-]?key|private[_-]?key",
    "|(?:encryption|signing|master|license)[_-]?key|session[_-]?id|sessionid",
);

static RULES: LazyLock<Vec<Rule>> = LazyLock::new(|| {
    vec![
        // A PEM private key; its line breaks are spaces by now. Without its END line it runs
        // to the end of the message: nothing after BEGIN can be trusted to be harmless.
        rule(
            r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----(?:.*?-----END [A-Z0-9 ]*PRIVATE KEY-----|.*)",
            |_| "[REDACTED-PRIVATE-KEY]".into(),
        ),
        rule(
            r"\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*",
            |_| "[REDACTED-JWT]".into(),
        ),
        // Slack incoming-webhook URLs are credentials in themselves.
        rule(
            r"(?i)https://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9/_-]+",
            |_| "https://hooks.slack.com/[REDACTED]".into(),
        ),
        // URL user-info: `redis://:pw@host`, `amqp://user:pw@host`. The password runs to the
        // last `@` before the path, so an `@` inside it does not leave a tail behind.
        rule(
            r"(?i)\b([a-z][a-z0-9+.-]{1,20}://)([^\s:/@\[\]]*):([^\s/]+)@",
            |c| format!("{}{}:[REDACTED]@", &c[1], &c[2]),
        ),
        rule(r"\b(?:xox[abposr]|xapp)-[A-Za-z0-9-]{10,}", |_| {
            "[REDACTED-SLACK-TOKEN]".into()
        }),
        rule(
            r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{22,})",
            |_| "[REDACTED-GITHUB-TOKEN]".into(),
        ),
        rule(r"\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b", |_| {
            "[REDACTED-AWS-KEY]".into()
        }),
        // The shape of an AWS secret access key: 40 base64 characters standing alone.
        rule(
            r"(^|[^A-Za-z0-9/+=])([A-Za-z0-9/+]{40})($|[^A-Za-z0-9/+=])",
            |c| {
                if looks_random(&c[2]) {
                    format!("{}[REDACTED-AWS-SECRET]{}", &c[1], &c[3])
                } else {
                    c[0].to_owned()
                }
            },
        ),
        rule(
            r"(?i)\b(authorization\s*[:=]\s*)(?:(?:bearer|basic|token|digest)\s+)?[^\s,;]+",
            |c| format!("{}[REDACTED]", &c[1]),
        ),
        rule(r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]+", |_| {
            "Bearer [REDACTED]".into()
        }),
        rule(
            r"(?i)\b((?:set-)?cookie\s*[:=]\s*)[^\s;,]+(?:;\s*[^\s;,]+)*;?",
            |c| format!("{}[REDACTED]", &c[1]),
        ),
        // `<password>…</password>`
        rule(
            &format!(r"(?i)(<[\w:.-]*(?:{SECRET_KEY_NAMES})[\w:.-]*>)[^<]*(</)"),
            |c| format!("{}[REDACTED]{}", &c[1], &c[2]),
        ),
        // `key=value`, `"key": "value"`, `'key' => 'value'`, `KEY: value`, `key := value`,
        // with the key's quotes escaped or not (JSON inside a JSON string).
        rule(
            &format!(
                r#"(?i)((?:\\?["'])?([A-Za-z0-9_.-]*(?:{SECRET_KEY_NAMES})[A-Za-z0-9_.-]*)(?:\\?["'])?\s*(?:=>|:=|=|:)\s*)("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[^\s,;&]+)"#
            ),
            |c| {
                let value = &c[3];
                if value.starts_with(MARKER) || !names_a_secret(&c[2]) {
                    return c[0].to_owned();
                }
                // `{password=x}`, `User[pwd=x]`: the brackets closing around the pair stay.
                let closing = if value.starts_with(['"', '\'']) {
                    ""
                } else {
                    let kept = value.trim_end_matches(['}', ']', ')']);
                    &value[kept.len()..]
                };
                format!("{}[REDACTED]{closing}", &c[1])
            },
        ),
        // Card numbers (PAN): 13–19 digits with a known issuer prefix that pass Luhn's check.
        rule(r"\b[2-6](?:[ -]?\d){12,18}\b", |c| {
            let digits: Vec<u8> = c[0]
                .bytes()
                .filter(u8::is_ascii_digit)
                .map(|d| d - b'0')
                .collect();
            if is_card_number(&digits) {
                "[REDACTED-CARD]".into()
            } else {
                c[0].to_owned()
            }
        }),
        rule(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}", |_| {
            "[REDACTED-EMAIL]".into()
        }),
        // Whatever else looks like a generated credential: long, mixed, random.
        rule(r"[A-Za-z0-9+/=_-]{32,}", |c| {
            if looks_random(&c[0]) && entropy(&c[0]) >= HIGH_ENTROPY {
                "[REDACTED-TOKEN]".into()
            } else {
                c[0].to_owned()
            }
        }),
    ]
});

/// Whether a key that contains a secret's name holds one: `TooManyTokensException: …` and
/// `token_count=3` name something about secrets, not a secret.
fn names_a_secret(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    ![
        "exception",
        "error",
        "errors",
        "exceeded",
        "expired",
        "count",
        "length",
        "len",
        "size",
        "type",
        "limit",
        "ttl",
    ]
    .iter()
    .any(|suffix| key.ends_with(suffix))
}

/// Bits per character above which a long token is taken for a generated secret. Random
/// base64 of 32+ characters measures 4.5–5.2; English words joined by hyphens or underscores
/// about 3.5–4.1; hex (UUIDs, digests) at most 4.
const HIGH_ENTROPY: f64 = 4.3;

/// Upper case, lower case and a digit or a base64 symbol: not a word, not hex, not a number.
fn is_mixed(s: &str) -> bool {
    s.bytes().any(|b| b.is_ascii_uppercase())
        && s.bytes().any(|b| b.is_ascii_lowercase())
        && s.bytes()
            .any(|b| b.is_ascii_digit() || b == b'/' || b == b'+')
}

/// Mixed, and not a path: random base64 has few slashes (40 characters hold 0.6 on average).
fn looks_random(s: &str) -> bool {
    is_mixed(s) && s.bytes().filter(|&b| b == b'/').count() <= 3
}

/// Shannon entropy of the characters of `s`, in bits per character.
fn entropy(s: &str) -> f64 {
    let mut counts = [0u32; 256];
    for b in s.bytes() {
        counts[usize::from(b)] += 1;
    }
    let n = s.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

/// A payment card number: 13–19 digits, an issuer's prefix (Visa 4, Mastercard 51–55 and
/// 2221–2720, Amex 34/37, Discover 6011/64/65, JCB 35, Diners 36/38/300–305, UnionPay 62),
/// and Luhn's check digit. The prefix keeps millisecond timestamps (17…, 18…) out.
pub fn is_card_number(digits: &[u8]) -> bool {
    if !(13..=19).contains(&digits.len()) {
        return false;
    }
    let prefix = |n: usize| {
        digits[..n]
            .iter()
            .fold(0u32, |acc, d| acc * 10 + u32::from(*d))
    };
    let issuer = digits[0] == 4
        || (51..=55).contains(&prefix(2))
        || (2221..=2720).contains(&prefix(4))
        || [34, 37, 35, 36, 38, 62, 64, 65].contains(&prefix(2))
        || prefix(4) == 6011
        || (300..=305).contains(&prefix(3));
    issuer && luhn(digits)
}

fn luhn(digits: &[u8]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            let d = u32::from(d);
            if i % 2 == 1 {
                let d2 = d * 2;
                if d2 > 9 { d2 - 9 } else { d2 }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// The line with every secret the rules know replaced by a marker.
pub fn secrets(line: &str) -> String {
    RULES.iter().fold(line.to_owned(), |text, r| {
        r.re.replace_all(&text, |c: &Captures| (r.with)(c))
            .into_owned()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The corpus: `secret<TAB>line` (after redaction, `line` must not contain `secret`, and
    /// must contain a marker) or `keep<TAB>line` (redaction leaves `line` as it is).
    const CORPUS: &str = include_str!("../../tests/fixtures/redaction/corpus.tsv");

    #[test]
    fn the_corpus_holds() {
        let mut cases = 0;
        for (n, row) in CORPUS.lines().enumerate() {
            if row.starts_with('#') || row.trim().is_empty() {
                continue;
            }
            let (what, line) = row
                .split_once('\t')
                .unwrap_or_else(|| panic!("corpus line {}: no tab", n + 1));
            let out = secrets(line);
            if what == "keep" {
                assert_eq!(out, line, "corpus line {}: changed", n + 1);
            } else {
                assert!(
                    line.contains(what),
                    "corpus line {}: the secret is not in the line",
                    n + 1
                );
                assert!(
                    !out.contains(what),
                    "corpus line {}: {what:?} survived in {out:?}",
                    n + 1
                );
                assert!(out.contains(MARKER), "corpus line {}: {out}", n + 1);
            }
            cases += 1;
        }
        assert!(cases >= 60, "the corpus has {cases} cases");
    }

    #[test]
    fn card_numbers_need_an_issuer_and_luhn() {
        let digits = |s: &str| s.bytes().map(|b| b - b'0').collect::<Vec<_>>();
        assert!(is_card_number(&digits("4111111111111111")));
        assert!(is_card_number(&digits("378282246310005")));
        assert!(is_card_number(&digits("5555555555554444")));
        assert!(!is_card_number(&digits("4111111111111112")));
        assert!(!is_card_number(&digits("1795262400000")));
    }

    proptest! {
        /// Redacting twice is redacting once: markers are never redacted again.
        #[test]
        fn redaction_is_idempotent(s in "\\PC{0,120}") {
            let once = secrets(&s);
            prop_assert_eq!(secrets(&once), once.clone());
        }

        /// A random base64 token of 40+ characters never survives, wherever it stands.
        #[test]
        fn random_tokens_do_not_survive(
            token in "[A-Za-z0-9]{40,64}",
            before in "[a-z ]{0,20}",
        ) {
            prop_assume!(looks_random(&token) && entropy(&token) >= HIGH_ENTROPY);
            let out = secrets(&format!("{before} {token} end"));
            prop_assert!(!out.contains(&token), "{}", out);
        }

        /// A valid card number with separators is redacted.
        #[test]
        fn card_numbers_do_not_survive(body in proptest::collection::vec(0u8..10, 14), sep in "[ -]?") {
            let mut digits = vec![4u8];
            digits.extend(body);
            // Choose the check digit that makes Luhn pass.
            let check = (0u8..10).find(|c| { let mut d = digits.clone(); d.push(*c); luhn(&d) }).unwrap();
            digits.push(check);
            let text: String = digits.chunks(4).map(|c| c.iter().map(|d| char::from(b'0' + d)).collect::<String>()).collect::<Vec<_>>().join(&sep);
            let out = secrets(&format!("paid with {text} ok"));
            prop_assert!(out.contains("[REDACTED-CARD]"), "{}", out);
        }
    }
}
