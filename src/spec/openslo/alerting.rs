//! OpenSLO's alerting documents mapped onto slo/v1's `alerting.tiers` and `notify` (README,
//! "OpenSLO"): an SLO's `alertPolicies` (by `alertPolicyRef`, by name, or inline), each
//! policy's `conditions` (`conditionRef` or inline) of `kind: burnrate` and its
//! `notificationTargets` (`targetRef` or inline) with `target: email | slack`.
//!
//! - a burn-rate condition is a tier: `lookbackWindow` its long window, `alertAfter` its short
//!   one (the SRE Workbook's 5m for a 1h lookback; a twelfth of the lookback when not given or
//!   `0m`, OpenSLO's default),
//!   `threshold` its burn rate (`op: gt | gte`), `severity` page (`page`, `critical`, `high`) or
//!   ticket (`ticket`, `warning`, `low`, `info`);
//! - an `email` target is the SNS topic of the annotation `sns-topic-arn`; a `slack` target is
//!   the webhook in the environment variable of the annotation `slack-webhook-env`
//!   (`SLACK_WEBHOOK_URL` when not given);
//! - slo's alerting is the service's: every SLO of a service names the same policies.
//!   `alertWhenBreaching: false`, `alertWhenResolved: false` and `alertWhenNoData: true` are
//!   refused: slo pages on burn, always sends the resolved notice, and does not page on a
//!   quiet load balancer.

use super::{Doc, Index, err_hint};
use crate::spec::diag::Diagnostics;
use serde_json::Value;

/// A document referred to or written inline, and where it is written.
struct Found<'a> {
    value: &'a Value,
    doc: &'a Doc,
    name: String,
}

/// An entry of a list that names a document of `kind` by `ref_key` (or by plain name), or
/// holds it inline.
fn resolve<'a>(
    entry: &'a Value,
    kind: &str,
    ref_key: &str,
    within: &'a Doc,
    index: &Index<'a>,
    d: &mut Diagnostics,
) -> Option<Found<'a>> {
    let by_name = entry
        .get(ref_key)
        .and_then(Value::as_str)
        .or_else(|| entry.as_str());
    if let Some(name) = by_name {
        let found = index.get(&(kind, name)).copied();
        if found.is_none() {
            err_hint(
                d,
                within.at(ref_key).or(within.at("spec")),
                ref_key,
                format!("no {kind} named `{name}` in the files read"),
                "write it in this file or in another file read with it",
            );
        }
        return found.map(|doc| Found {
            value: &doc.value,
            doc,
            name: name.to_owned(),
        });
    }
    if entry.get("spec").is_some() {
        let name = entry["metadata"]["name"]
            .as_str()
            .unwrap_or(kind)
            .to_owned();
        return Some(Found {
            value: entry,
            doc: within,
            name,
        });
    }
    err_hint(
        d,
        within.at("spec"),
        ref_key,
        format!("an entry that is neither a `{ref_key}` nor an inline {kind}"),
        format!("write `- {ref_key}: <name>`"),
    );
    None
}

/// `alerting:` and `notify:` of the service's slo/v1 text (empty without policies).
pub(super) fn of_service(
    service: &str,
    slos: &[&Doc],
    index: &Index<'_>,
    ds: &mut [Diagnostics],
) -> Option<String> {
    let first = slos[0];
    let policies = |s: &Doc| s.value["spec"]["alertPolicies"].to_string();
    if let Some(other) = slos.iter().find(|s| policies(s) != policies(first)) {
        err_hint(
            &mut ds[other.file],
            other.at("alertPolicies").or(other.at("spec")),
            "spec.alertPolicies",
            format!("this SLO's alert policies differ from service `{service}`'s first SLO's"),
            "slo alerts per service: give every SLO of the service the same alertPolicies",
        );
        return None;
    }
    let Some(list) = first.value["spec"]["alertPolicies"].as_array() else {
        return Some(String::new());
    };
    let mut tiers = Vec::new();
    let mut sns: Vec<String> = Vec::new();
    let mut slack: Vec<String> = Vec::new();
    let mut ok = true;
    for entry in list {
        let Some(policy) = resolve(
            entry,
            "AlertPolicy",
            "alertPolicyRef",
            first,
            index,
            &mut ds[first.file],
        ) else {
            ok = false;
            continue;
        };
        let spec = &policy.value["spec"];
        let d = &mut ds[policy.doc.file];
        for (flag, refused, why) in [
            (
                "alertWhenBreaching",
                false,
                "a policy that never alerts on burn has nothing to map",
            ),
            (
                "alertWhenResolved",
                false,
                "slo always sends the resolved notice",
            ),
            (
                "alertWhenNoData",
                true,
                "slo does not page on a quiet load balancer; its reports say `no data`",
            ),
        ] {
            if spec[flag].as_bool() == Some(refused) {
                err_hint(
                    d,
                    policy.doc.at(flag),
                    flag,
                    format!(
                        "`{flag}: {refused}` in policy `{}` is not mapped",
                        policy.name
                    ),
                    why,
                );
                ok = false;
            }
        }
        for c in spec["conditions"].as_array().into_iter().flatten() {
            let Some(cond) = resolve(
                c,
                "AlertCondition",
                "conditionRef",
                policy.doc,
                index,
                &mut ds[policy.doc.file],
            ) else {
                ok = false;
                continue;
            };
            match tier(&cond, &mut ds[cond.doc.file]) {
                Some(t) => tiers.push(t),
                None => ok = false,
            }
        }
        for t in spec["notificationTargets"].as_array().into_iter().flatten() {
            let Some(target) = resolve(
                t,
                "AlertNotificationTarget",
                "targetRef",
                policy.doc,
                index,
                &mut ds[policy.doc.file],
            ) else {
                ok = false;
                continue;
            };
            let d = &mut ds[target.doc.file];
            let annotation = |key: &str| {
                let m = &target.value["metadata"];
                m["annotations"][key]
                    .as_str()
                    .or_else(|| m["labels"][key].as_str())
                    .map(str::to_owned)
            };
            match target.value["spec"]["target"].as_str().unwrap_or("") {
                "email" => match annotation("sns-topic-arn") {
                    Some(arn) => sns.push(arn),
                    None => {
                        err_hint(
                            d,
                            target.doc.at("target"),
                            "spec.target",
                            format!(
                                "e-mail target `{}` names no SNS topic: slo sends e-mail through SNS",
                                target.name
                            ),
                            "add metadata.annotations.sns-topic-arn: arn:aws:sns:<region>:<account>:<topic>",
                        );
                        ok = false;
                    }
                },
                "slack" => slack.push(
                    annotation("slack-webhook-env")
                        .unwrap_or_else(|| "SLACK_WEBHOOK_URL".to_owned()),
                ),
                other => {
                    err_hint(
                        d,
                        target.doc.at("target"),
                        "spec.target",
                        format!("notification target `{other}` is not mapped"),
                        "slo notifies by e-mail (SNS) and Slack: target: email | slack",
                    );
                    ok = false;
                }
            }
        }
    }
    sns.dedup();
    slack.dedup();
    for (what, list) in [("SNS topic", &sns), ("Slack webhook", &slack)] {
        if list.len() > 1 {
            err_hint(
                &mut ds[first.file],
                first.at("alertPolicies"),
                "spec.alertPolicies",
                format!(
                    "the policies name {} {what}s: {}",
                    list.len(),
                    list.join(", ")
                ),
                "slo notifies one of each per service",
            );
            ok = false;
        }
    }
    if !ok {
        return None;
    }
    let mut text = String::new();
    if !tiers.is_empty() {
        text.push_str("alerting:\n  tiers:\n");
        for t in &tiers {
            text.push_str(&format!("    - {t}\n"));
        }
    }
    if !sns.is_empty() || !slack.is_empty() {
        text.push_str("notify:\n");
        if let Some(arn) = sns.first() {
            text.push_str(&format!("  sns: {arn}\n"));
        }
        if let Some(env) = slack.first() {
            text.push_str(&format!("  slack: {{ webhookEnv: {env} }}\n"));
        }
    }
    Some(text)
}

/// A burn-rate condition as a slo/v1 tier (a flow mapping).
fn tier(cond: &Found<'_>, d: &mut Diagnostics) -> Option<String> {
    let spec = &cond.value["spec"];
    let c = &spec["condition"];
    let at = |key: &str| cond.doc.at(key).or(cond.doc.at("condition"));
    if c["kind"].as_str() != Some("burnrate") {
        err_hint(
            d,
            at("kind"),
            "spec.condition.kind",
            format!(
                "condition `{}` is of kind `{}`: slo maps burn-rate conditions only",
                cond.name,
                c["kind"].as_str().unwrap_or("")
            ),
            "kind: burnrate",
        );
        return None;
    }
    let op = c["op"].as_str().unwrap_or("gte");
    let threshold = c["threshold"].as_f64();
    let lookback = c["lookbackWindow"].as_str();
    let (Some(threshold), Some(lookback), true) = (threshold, lookback, matches!(op, "gt" | "gte"))
    else {
        err_hint(
            d,
            at("condition"),
            "spec.condition",
            format!(
                "condition `{}`: a burn-rate tier is `op: gte` (or gt), a `threshold` and a `lookbackWindow`",
                cond.name
            ),
            "e.g. { kind: burnrate, op: gte, threshold: 14.4, lookbackWindow: 1h, alertAfter: 5m }",
        );
        return None;
    };
    let long = match crate::spec::scalars::parse_duration(lookback) {
        Ok(l) => l,
        Err(p) => {
            err_hint(
                d,
                at("lookbackWindow"),
                "lookbackWindow",
                p.message,
                "e.g. 1h",
            );
            return None;
        }
    };
    // `alertAfter` defaults to 0m in OpenSLO: a tier still needs its short window.
    let short = match c["alertAfter"].as_str() {
        Some(a)
            if crate::spec::scalars::parse_duration(a)
                .is_ok_and(|d| d > chrono::TimeDelta::zero()) =>
        {
            a.to_owned()
        }
        _ => crate::core::window::format_duration(long / 12),
    };
    let severity = match spec["severity"].as_str().unwrap_or("page") {
        "page" | "critical" | "high" => "page",
        "ticket" | "warning" | "low" | "info" => "ticket",
        other => {
            err_hint(
                d,
                at("severity"),
                "spec.severity",
                format!("severity `{other}` is not mapped"),
                "page (page, critical, high) or ticket (ticket, warning, low, info)",
            );
            return None;
        }
    };
    let name: String = cond
        .name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    Some(format!(
        "{{ name: {name}, severity: {severity}, longWindow: {lookback}, shortWindow: {short}, burnRate: {threshold} }}"
    ))
}
