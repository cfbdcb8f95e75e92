//! Every unknown key and every value of the wrong shape in a spec, not only the first: serde
//! stops at the first one, so this pass walks the YAML tree (with locations) against the keys
//! each mapping may hold and the shape each value must have.

use crate::spec::diag::Diagnostics;
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;
use std::fmt;

/// The keys each mapping may hold, by path (`[]` stands for any list index). Must match the
/// serde wire types in `wire.rs`; a test checks that it does.
pub const KEYS: &[(&str, &[&str])] = &[
    (
        "",
        &[
            "apiVersion",
            "service",
            "alb",
            "ecs",
            "window",
            "objectives",
            "alerting",
            "notify",
            "correlation",
            "logs",
            "runbook",
            "dashboard",
            "policy",
            "exclusions",
            "report",
        ],
    ),
    ("report", &["every", "at", "timeZone", "via"]),
    (
        "alb",
        &["loadBalancer", "targetGroup", "region", "includeElb5xx"],
    ),
    ("ecs", &["cluster", "service", "logGroup", "rollbackOnBurn"]),
    ("window", &["calendar", "timeZone"]),
    (
        "objectives[]",
        &[
            "name",
            "sli",
            "target",
            "threshold",
            "description",
            "exclusions",
        ],
    ),
    (
        "alerting",
        &[
            "policy",
            "tiers",
            "minRequests",
            "minBadEvents",
            "logs",
            "infra",
        ],
    ),
    (
        "alerting.tiers[]",
        &["name", "severity", "longWindow", "shortWindow", "burnRate"],
    ),
    ("alerting.logs[]", &["name", "pattern", "above", "severity"]),
    (
        "alerting.infra",
        &["cpu", "memory", "http5xx", "latencyP99", "for"],
    ),
    ("notify", &["sns", "slack", "repeat", "via", "dashboardUrl"]),
    ("notify.slack", &["webhookEnv"]),
    ("correlation", &["lead"]),
    ("policy", &["freezeBelow"]),
    ("logs", &["patterns", "top"]),
    (
        "exclusions[]",
        &[
            "start",
            "end",
            "schedule",
            "duration",
            "timeZone",
            "reason",
            "objective",
        ],
    ),
    (
        "objectives[].exclusions[]",
        &[
            "start",
            "end",
            "schedule",
            "duration",
            "timeZone",
            "reason",
            "objective",
        ],
    ),
];

/// What a value at a path must look like; paths not listed hold a single value (a scalar).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    Map,
    List,
    /// `window`: `30d` or `{ calendar: month }`.
    ScalarOrMap,
    Scalar,
}

pub const SHAPES: &[(&str, Shape)] = &[
    ("", Shape::Map),
    ("alb", Shape::Map),
    ("ecs", Shape::Map),
    ("window", Shape::ScalarOrMap),
    ("objectives", Shape::List),
    ("objectives[]", Shape::Map),
    ("alerting", Shape::Map),
    ("alerting.tiers", Shape::List),
    ("alerting.tiers[]", Shape::Map),
    ("alerting.logs", Shape::List),
    ("alerting.logs[]", Shape::Map),
    ("alerting.infra", Shape::Map),
    ("notify", Shape::Map),
    ("notify.slack", Shape::Map),
    ("correlation", Shape::Map),
    ("policy", Shape::Map),
    ("logs", Shape::Map),
    ("report", Shape::Map),
    ("report.via", Shape::List),
    ("exclusions", Shape::List),
    ("exclusions[]", Shape::Map),
    ("objectives[].exclusions", Shape::List),
    ("objectives[].exclusions[]", Shape::Map),
];

fn shape_of(pattern: &str) -> Shape {
    SHAPES
        .iter()
        .find(|(p, _)| *p == pattern)
        .map_or(Shape::Scalar, |(_, s)| *s)
}

/// A YAML node with the location of every key and value.
#[derive(Debug)]
pub enum Node {
    Map(Vec<(Spanned<String>, Spanned<Node>)>),
    Seq(Vec<Spanned<Node>>),
    Scalar,
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Node, D::Error> {
        struct NodeVisitor;
        impl<'de> Visitor<'de> for NodeVisitor {
            type Value = Node;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any YAML value")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
                let mut entries = Vec::new();
                while let Some(key) = map.next_key::<Spanned<KeyText>>()? {
                    let value = map.next_value::<Spanned<Node>>()?;
                    let key = Spanned {
                        value: key.value.0,
                        referenced: key.referenced,
                        defined: key.defined,
                    };
                    entries.push((key, value));
                }
                Ok(Node::Map(entries))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element::<Spanned<Node>>()? {
                    items.push(item);
                }
                Ok(Node::Seq(items))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Node, E> {
                Ok(Node::Scalar)
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Node, E> {
                Ok(Node::Scalar)
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Node, E> {
                Ok(Node::Scalar)
            }
            fn visit_i128<E: de::Error>(self, _: i128) -> Result<Node, E> {
                Ok(Node::Scalar)
            }
            fn visit_u128<E: de::Error>(self, _: u128) -> Result<Node, E> {
                Ok(Node::Scalar)
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Node, E> {
                Ok(Node::Scalar)
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Node, E> {
                Ok(Node::Scalar)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Node, E> {
                Ok(Node::Scalar)
            }
            fn visit_none<E: de::Error>(self) -> Result<Node, E> {
                Ok(Node::Scalar)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
                Node::deserialize(d)
            }
        }
        d.deserialize_any(NodeVisitor)
    }
}

/// A mapping key as text, whatever scalar type YAML gives it (`1: x` has an integer key).
struct KeyText(String);

impl<'de> Deserialize<'de> for KeyText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<KeyText, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = KeyText;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a mapping key")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<KeyText, E> {
                Ok(KeyText(v.to_owned()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
            fn visit_unit<E: de::Error>(self) -> Result<KeyText, E> {
                Ok(KeyText("~".to_owned()))
            }
        }
        d.deserialize_any(KeyVisitor)
    }
}

/// Reports every key of `text` that its mapping does not allow, and every value of the wrong
/// shape (a list where a mapping belongs, …). Returns how many problems it found; `None` when
/// the YAML cannot even be read as a tree (the typed pass will say why).
pub fn check_structure(text: &str, d: &mut Diagnostics) -> Option<usize> {
    check_and_clean(text, d).0
}

/// What the structure check found: how many problems, and the byte ranges of unknown
/// `key: value` entries (single values only) that can be blanked out for the typed pass.
#[derive(Default)]
struct Found {
    count: usize,
    cuts: Vec<(usize, usize)>,
    uncuttable: usize,
}

/// [`check_structure`], and the text with every unknown `key: value` entry blanked out
/// (spaces of the same length, so every other line and column stays where it was) when every
/// problem found was one — so the typed pass can report the file's other errors in the same
/// run. `None` for the text when nothing was found, or something could not be blanked.
pub fn check_and_clean(text: &str, d: &mut Diagnostics) -> (Option<usize>, Option<String>) {
    let Ok(root) = serde_saphyr::from_str::<Spanned<Node>>(text) else {
        return (None, None);
    };
    let mut found = Found::default();
    if shape_ok(&root, "", "", d, &mut found) {
        walk(&root.value, "", "", d, &mut found);
    }
    let cleaned = (found.count > 0 && found.uncuttable == 0 && found.cuts.len() == found.count)
        .then(|| blank(text, &found.cuts))
        .flatten();
    (Some(found.count), cleaned)
}

/// `text` with each range, and a comma that separated it in a flow mapping, as spaces.
fn blank(text: &str, cuts: &[(usize, usize)]) -> Option<String> {
    let mut bytes = text.as_bytes().to_vec();
    for &(start, end) in cuts {
        if start >= end || end > bytes.len() {
            return None;
        }
        // In `{ a: 1, bogus: 2 }` the comma before goes too; in `{ bogus: 2, a: 1 }`, after.
        let after = bytes[end..]
            .iter()
            .position(|b| !b" \t".contains(b))
            .map(|i| end + i);
        let before = bytes[..start].iter().rposition(|b| !b" \t".contains(b));
        let comma = match (after, before) {
            (Some(i), _) if bytes[i] == b',' => Some(i),
            (_, Some(i)) if bytes[i] == b',' => Some(i),
            _ => None,
        };
        for b in &mut bytes[start..end] {
            if *b != b'\n' {
                *b = b' ';
            }
        }
        if let Some(i) = comma {
            bytes[i] = b' ';
        }
    }
    String::from_utf8(bytes).ok()
}

/// Checks the shape of the value at `pattern`; reports and returns false when it is wrong.
fn shape_ok(
    node: &Spanned<Node>,
    pattern: &str,
    path: &str,
    d: &mut Diagnostics,
    found: &mut Found,
) -> bool {
    let expected = shape_of(pattern);
    let ok = matches!(
        (expected, &node.value),
        (Shape::Map, Node::Map(_))
            | (Shape::List, Node::Seq(_))
            | (Shape::ScalarOrMap, Node::Scalar | Node::Map(_))
            | (Shape::Scalar, Node::Scalar)
    );
    if !ok {
        found.count += 1;
        found.uncuttable += 1;
        let want = match expected {
            Shape::Map => "a mapping (`key: value` lines or `{ … }`)",
            Shape::List => "a list (`- …` lines or `[ … ]`)",
            Shape::ScalarOrMap => "a single value or a mapping",
            Shape::Scalar => "a single value",
        };
        let got = match node.value {
            Node::Map(_) => "a mapping",
            Node::Seq(_) => "a list",
            Node::Scalar => "a single value",
        };
        let field = if path.is_empty() { "" } else { path };
        d.error_hint(
            Some(node.referenced),
            field,
            format!("expected {want}, found {got}"),
            "see the spec format in README.md",
        );
    }
    ok
}

fn allowed(pattern: &str) -> Option<&'static [&'static str]> {
    KEYS.iter().find(|(p, _)| *p == pattern).map(|(_, k)| *k)
}

/// `pattern` is the path with list indices as `[]`; `path` the real one, for messages.
fn walk(node: &Node, pattern: &str, path: &str, d: &mut Diagnostics, found: &mut Found) {
    match node {
        Node::Map(entries) => {
            let keys = allowed(pattern);
            for (key, value) in entries {
                let name = key.value.as_str();
                let child_path = if path.is_empty() {
                    name.to_owned()
                } else {
                    format!("{path}.{name}")
                };
                match keys {
                    Some(keys) if !keys.contains(&name) => {
                        found.count += 1;
                        match (&value.value, entry_range(key, value)) {
                            (Node::Scalar, Some(range)) => found.cuts.push(range),
                            _ => found.uncuttable += 1,
                        }
                        let hint = match closest(name, keys) {
                            Some(k) => {
                                format!("did you mean `{k}`? Allowed here: {}", keys.join(", "))
                            }
                            None => format!("allowed here: {}", keys.join(", ")),
                        };
                        d.error_hint(
                            Some(key.referenced),
                            &child_path,
                            format!("unknown field `{name}`"),
                            hint,
                        );
                    }
                    _ => {
                        let child_pattern = if pattern.is_empty() {
                            name.to_owned()
                        } else {
                            format!("{pattern}.{name}")
                        };
                        if keys.is_none() || shape_ok(value, &child_pattern, &child_path, d, found)
                        {
                            walk(&value.value, &child_pattern, &child_path, d, found);
                        }
                    }
                }
            }
        }
        Node::Seq(items) => {
            for (i, item) in items.iter().enumerate() {
                let (item_pattern, item_path) = (format!("{pattern}[]"), format!("{path}[{i}]"));
                if shape_ok(item, &item_pattern, &item_path, d, found) {
                    walk(&item.value, &item_pattern, &item_path, d, found);
                }
            }
        }
        Node::Scalar => {}
    }
}

/// The bytes of `key: value`, from the key's first byte to the value's last.
fn entry_range(key: &Spanned<String>, value: &Spanned<Node>) -> Option<(usize, usize)> {
    let start = usize::try_from(key.referenced.span().byte_offset()?).ok()?;
    let v = value.referenced.span();
    let end = usize::try_from(v.byte_offset()? + v.byte_len()?).ok()?;
    Some((start, end))
}

/// The allowed key nearest to `name`, if it is a plausible typo (edit distance ≤ 2, or the
/// same letters in another case).
fn closest<'k>(name: &str, keys: &[&'k str]) -> Option<&'k str> {
    keys.iter()
        .map(|k| {
            (
                strsim::levenshtein(&name.to_ascii_lowercase(), &k.to_ascii_lowercase()),
                *k,
            )
        })
        .filter(|(dist, _)| *dist <= 2)
        .min()
        .map(|(_, k)| k)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::slo_v1::wire::SpecDoc;
    use std::path::Path;

    /// A spec that uses every key of `KEYS`.
    const EVERY_KEY: &str = "apiVersion: slo/v1
service: s
alb: { loadBalancer: app/s/0123456789abcdef, targetGroup: targetgroup/t/0123456789abcdef, region: eu-west-1, includeElb5xx: true }
ecs: { cluster: c, service: s, logGroup: /ecs/s, rollbackOnBurn: true }
window: { calendar: month, timeZone: UTC }
runbook: https://example.com
objectives:
  - { name: l, sli: latency, target: 99%, threshold: 1s, description: d, exclusions: [{ start: c, end: d, schedule: s, duration: 1h, timeZone: UTC, reason: o, objective: l }] }
alerting:
  policy: sre-workbook
  tiers: [{ name: t, severity: page, longWindow: 1h, shortWindow: 5m, burnRate: 14.4 }]
  minRequests: 1/h
  minBadEvents: 2
  logs: [{ name: timeouts, pattern: Timeout, above: 10/5m, severity: ticket }]
  infra: { cpu: 80%, memory: 80%, http5xx: 5%, latencyP99: 1s, for: 2m }
notify: { sns: arn:aws:sns:us-east-1:123456789012:t, slack: { webhookEnv: X }, repeat: 4h, dashboardUrl: https://d.example.com, via: serve }
correlation: { lead: 30m }
logs: { patterns: error|timeout, top: 3 }
dashboard: true
policy: { freezeBelow: 10% }
exclusions: [{ start: a, end: b, schedule: s, duration: 1h, timeZone: UTC, reason: r, objective: l }]
report: { every: week, at: \"MON 09:00\", timeZone: UTC, via: [email] }
";

    #[test]
    fn a_spec_using_every_known_key_has_no_unknown_key() {
        let mut d = Diagnostics::new(Path::new("t.yaml"));
        assert_eq!(check_structure(EVERY_KEY, &mut d), Some(0), "{:?}", d.items);
        // And serde accepts every one of them too.
        assert!(serde_saphyr::from_str::<SpecDoc>(EVERY_KEY).is_ok());
    }

    #[test]
    fn unknown_entries_are_blanked_in_place_for_the_typed_pass() {
        let text = "a: { bogus: 1, b: 2 }\nc: { d: 3, bogus: 4 }\ne: 5\ntypo: 6\n";
        let at = |s: &str| text.find(s).unwrap();
        let cuts = [
            (at("bogus: 1"), at("bogus: 1") + 8),
            (at("bogus: 4"), at("bogus: 4") + 8),
            (at("typo: 6"), at("typo: 6") + 7),
        ];
        let blanked = blank(text, &cuts).unwrap();
        assert_eq!(blanked.len(), text.len());
        let squeezed: String = blanked.chars().filter(|c| *c != ' ').collect();
        assert_eq!(squeezed, "a:{b:2}\nc:{d:3}\ne:5\n\n");
        assert!(
            serde_saphyr::from_str::<serde_json::Value>(&blanked).is_ok(),
            "{blanked}"
        );
        // The unknown keys of a real spec, with a bad value beside them: both reported.
        let mut d = Diagnostics::new(Path::new("t.yaml"));
        let spec = EVERY_KEY.replacen("timeZone: UTC }", "timeZone: UTC, bogus: 1 }", 1);
        let (found, cleaned) = check_and_clean(&spec, &mut d);
        assert_eq!(found, Some(1));
        let cleaned = cleaned.expect("one unknown single-valued entry can be blanked");
        assert!(
            serde_saphyr::from_str::<SpecDoc>(&cleaned).is_ok(),
            "{cleaned}"
        );
        // A misshapen value cannot be blanked: no cleaned text.
        let mut d = Diagnostics::new(Path::new("t.yaml"));
        let shaped = EVERY_KEY.replacen("logs: { patterns: error|timeout, top: 3 }", "logs: 42", 1);
        assert_eq!(check_and_clean(&shaped, &mut d).1, None);
    }

    /// serde's "expected one of …" for each mapping must list exactly the keys of `KEYS`.
    #[test]
    fn the_key_table_matches_the_wire_types() {
        let insert_bogus = |pattern: &str| -> String {
            match pattern {
                "" => EVERY_KEY.replacen("service: s\n", "service: s\nbogus: 1\n", 1),
                "alb" => EVERY_KEY.replacen(
                    "includeElb5xx: true }",
                    "includeElb5xx: true, bogus: 1 }",
                    1,
                ),
                "ecs" => EVERY_KEY.replacen(
                    "rollbackOnBurn: true }",
                    "rollbackOnBurn: true, bogus: 1 }",
                    1,
                ),
                "policy" => {
                    EVERY_KEY.replacen("freezeBelow: 10% }", "freezeBelow: 10%, bogus: 1 }", 1)
                }
                "window" => EVERY_KEY.replacen("timeZone: UTC }", "timeZone: UTC, bogus: 1 }", 1),
                "objectives[]" => EVERY_KEY.replacen("}] }", "}], bogus: 1 }", 1),
                "report" => EVERY_KEY.replacen("via: [email] }", "via: [email], bogus: 1 }", 1),
                "exclusions[]" => EVERY_KEY.replacen(
                    "reason: r, objective: l }",
                    "reason: r, objective: l, bogus: 1 }",
                    1,
                ),
                "objectives[].exclusions[]" => EVERY_KEY.replacen(
                    "reason: o, objective: l }",
                    "reason: o, objective: l, bogus: 1 }",
                    1,
                ),
                "alerting" => EVERY_KEY.replacen(
                    "  minRequests: 1/h\n",
                    "  minRequests: 1/h\n  bogus: 1\n",
                    1,
                ),
                "alerting.tiers[]" => {
                    EVERY_KEY.replacen("burnRate: 14.4 }", "burnRate: 14.4, bogus: 1 }", 1)
                }
                "alerting.infra" => EVERY_KEY.replacen("for: 2m }", "for: 2m, bogus: 1 }", 1),
                "alerting.logs[]" => {
                    EVERY_KEY.replacen("severity: ticket }", "severity: ticket, bogus: 1 }", 1)
                }
                "notify" => EVERY_KEY.replacen("via: serve }", "via: serve, bogus: 1 }", 1),
                "correlation" => EVERY_KEY.replacen("lead: 30m }", "lead: 30m, bogus: 1 }", 1),
                "logs" => EVERY_KEY.replacen("top: 3 }", "top: 3, bogus: 1 }", 1),
                "notify.slack" => {
                    EVERY_KEY.replacen("webhookEnv: X }", "webhookEnv: X, bogus: 1 }", 1)
                }
                other => panic!("no bogus insertion for `{other}`: add one"),
            }
        };
        for (pattern, keys) in KEYS {
            let err = serde_saphyr::from_str::<SpecDoc>(&insert_bogus(pattern)).unwrap_err();
            let message = err.without_snippet().to_string();
            let listed = message
                .split("expected one of ")
                .nth(1)
                .and_then(|rest| rest.split(" at line").next())
                .unwrap_or_else(|| panic!("{pattern}: {message}"));
            assert_eq!(
                listed.split(", ").collect::<Vec<_>>(),
                keys.to_vec(),
                "{pattern}"
            );
        }
    }

    #[test]
    fn every_unknown_key_is_reported_with_a_suggestion() {
        let text = EVERY_KEY
            .replacen("service: s\n", "service: s\nservise: x\n", 1)
            .replacen("threshold: 1s", "treshold: 1s", 1)
            .replacen("webhookEnv: X", "webhook: X", 1);
        let mut d = Diagnostics::new(Path::new("t.yaml"));
        assert_eq!(check_structure(&text, &mut d), Some(3));
        let fields: Vec<&str> = d.items.iter().map(|i| i.field.as_str()).collect();
        assert_eq!(
            fields,
            ["servise", "objectives[0].treshold", "notify.slack.webhook"]
        );
        assert!(
            d.items[1]
                .hint
                .as_deref()
                .unwrap()
                .starts_with("did you mean `threshold`?")
        );
        assert_eq!(d.items[0].at, Some((3, 1)));
    }

    #[test]
    fn every_value_of_the_wrong_shape_is_reported_and_its_insides_skipped() {
        let text = EVERY_KEY
            .replacen("alb: { loadBalancer", "alb: [ { loadBalancer", 1)
            .replacen("includeElb5xx: true }", "includeElb5xx: true } ]", 1)
            .replacen("target: 99%", "target: [99%]", 1)
            .replacen("  minRequests: 1/h\n", "  minRequests: { per: hour }\n", 1);
        let mut d = Diagnostics::new(Path::new("t.yaml"));
        assert_eq!(check_structure(&text, &mut d), Some(3), "{:?}", d.items);
        let fields: Vec<&str> = d.items.iter().map(|i| i.field.as_str()).collect();
        assert_eq!(
            fields,
            ["alb", "objectives[0].target", "alerting.minRequests"]
        );
        assert!(
            d.items[0].message.starts_with("expected a mapping"),
            "{}",
            d.items[0].message
        );
        // serde agrees each of these is an error on its own.
        assert!(serde_saphyr::from_str::<SpecDoc>(&text).is_err());
    }

    /// Every listed shape is what the wire types want: a single value there fails in serde
    /// too, and this pass says so.
    #[test]
    fn the_shape_table_matches_the_wire_types() {
        let alerting_block = "alerting:\n  policy: sre-workbook\n  tiers: [{ name: t, severity: page, longWindow: 1h, shortWindow: 5m, burnRate: 14.4 }]\n  minRequests: 1/h\n  minBadEvents: 2\n  logs: [{ name: timeouts, pattern: Timeout, above: 10/5m, severity: ticket }]\n  infra: { cpu: 80%, memory: 80%, http5xx: 5%, latencyP99: 1s, for: 2m }\n";
        let objectives_block = "objectives:\n  - { name: l, sli: latency, target: 99%, threshold: 1s, description: d, exclusions: [{ start: c, end: d, schedule: s, duration: 1h, timeZone: UTC, reason: o, objective: l }] }\n";
        let broken = |pattern: &str| -> String {
            let (from, to) = match pattern {
                "alb" => (
                    "alb: { loadBalancer: app/s/0123456789abcdef, targetGroup: targetgroup/t/0123456789abcdef, region: eu-west-1, includeElb5xx: true }",
                    "alb: 42",
                ),
                "ecs" => (
                    "ecs: { cluster: c, service: s, logGroup: /ecs/s, rollbackOnBurn: true }",
                    "ecs: 42",
                ),
                "policy" => ("policy: { freezeBelow: 10% }", "policy: 42"),
                "objectives" => (objectives_block, "objectives: 42\n"),
                "objectives[]" => ("  - { name: l", "  - 42\n  - { name: l"),
                "alerting" => (alerting_block, "alerting: 42\n"),
                "alerting.tiers" => (
                    "tiers: [{ name: t, severity: page, longWindow: 1h, shortWindow: 5m, burnRate: 14.4 }]",
                    "tiers: 42",
                ),
                "alerting.tiers[]" => ("tiers: [{", "tiers: [42, {"),
                "alerting.logs" => (
                    "logs: [{ name: timeouts, pattern: Timeout, above: 10/5m, severity: ticket }]",
                    "logs: 42",
                ),
                "alerting.logs[]" => ("logs: [{", "logs: [42, {"),
                "alerting.infra" => (
                    "infra: { cpu: 80%, memory: 80%, http5xx: 5%, latencyP99: 1s, for: 2m }",
                    "infra: 42",
                ),
                "notify" => (
                    "notify: { sns: arn:aws:sns:us-east-1:123456789012:t, slack: { webhookEnv: X }, repeat: 4h, dashboardUrl: https://d.example.com, via: serve }",
                    "notify: 42",
                ),
                "notify.slack" => ("slack: { webhookEnv: X }", "slack: 42"),
                "correlation" => ("correlation: { lead: 30m }", "correlation: 42"),
                "logs" => ("logs: { patterns: error|timeout, top: 3 }", "logs: 42"),
                "exclusions" => (
                    "exclusions: [{ start: a, end: b, schedule: s, duration: 1h, timeZone: UTC, reason: r, objective: l }]",
                    "exclusions: 42",
                ),
                "exclusions[]" => ("exclusions: [{ start: a", "exclusions: [42, { start: a"),
                "report" => (
                    "report: { every: week, at: \"MON 09:00\", timeZone: UTC, via: [email] }",
                    "report: 42",
                ),
                "report.via" => ("via: [email]", "via: 42"),
                "objectives[].exclusions" => (
                    "exclusions: [{ start: c, end: d, schedule: s, duration: 1h, timeZone: UTC, reason: o, objective: l }]",
                    "exclusions: 42",
                ),
                "objectives[].exclusions[]" => {
                    ("exclusions: [{ start: c", "exclusions: [42, { start: c")
                }
                other => panic!("no broken variant for `{other}`: add one"),
            };
            assert!(EVERY_KEY.contains(from), "{pattern}");
            EVERY_KEY.replacen(from, to, 1)
        };
        for (pattern, shape) in SHAPES {
            if pattern.is_empty() || *shape == Shape::ScalarOrMap {
                continue;
            }
            let text = broken(pattern);
            assert!(
                serde_saphyr::from_str::<SpecDoc>(&text).is_err(),
                "serde accepts a single value at {pattern}"
            );
            let mut d = Diagnostics::new(Path::new("t.yaml"));
            assert_eq!(
                check_structure(&text, &mut d),
                Some(1),
                "{pattern}: {:?}",
                d.items
            );
        }
    }

    #[test]
    fn typos_within_two_edits_get_a_suggestion() {
        assert_eq!(closest("treshold", &["threshold"]), Some("threshold"));
        assert_eq!(closest("burnrate", &["burnRate"]), Some("burnRate"));
        assert_eq!(closest("completely", &["name"]), None);
    }
}
