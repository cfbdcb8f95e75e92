//! The mute rules of maintenance windows (`core::alarms::mute`), checked from spec text: these
//! tests read specs, so they live outside the pure core.

use crate::core::alarms::mute::*;
use crate::core::model::ServiceSlo;
use crate::spec::diag::Diagnostics;
use crate::spec::load::parse_spec;
use chrono::{DateTime, Utc};
use std::collections::BTreeSet;
fn spec(exclusions: &str) -> ServiceSlo {
    let text = format!(
        "apiVersion: slo/v1\nservice: checkout\nalb: {{ loadBalancer: app/shop/50dc6c495c0c9188 }}\necs: {{ cluster: prod, service: checkout }}\nwindow: 30d\nobjectives:\n  - {{ name: availability, sli: availability, target: 99.9% }}\n  - {{ name: latency, sli: latency, threshold: 1s, target: 99% }}\nnotify: {{ sns: arn:aws:sns:us-east-1:123456789012:t }}\nexclusions:\n{exclusions}"
    );
    let mut d = Diagnostics::new(std::path::Path::new("t.yaml"));
    parse_spec(text.as_bytes(), &mut d).expect("spec").0
}

fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn names(slo: &ServiceSlo) -> Vec<String> {
    crate::core::alarms::desired_alarms(slo)
        .unwrap()
        .iter()
        .map(|a| a.name().to_owned())
        .collect()
}

#[test]
fn each_exclusion_becomes_a_rule_muting_the_alarms_that_notify() {
    let slo = spec(
        "  - { schedule: \"cron(0 2 ? * SUN *)\", duration: 2h, timeZone: Europe/Berlin, reason: weekly }\n  - { start: 2026-12-24T10:00:30Z, end: 2026-12-24T12:00:00Z, reason: xmas, objective: latency }\n  - { start: 2026-01-01T00:00:00Z, end: 2026-01-02T00:00:00Z, reason: past }\n",
    );
    let all = names(&slo);
    let refs: Vec<&str> = all.iter().map(String::as_str).collect();
    let (rules, warnings) = desired_mute_rules(&slo, &refs, t("2026-12-01T00:00:00Z"));
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(rules.len(), 2, "the past one mutes nothing: {rules:#?}");
    let weekly = &rules[0];
    assert_eq!(weekly.name, "slo-checkout-0");
    assert_eq!(weekly.expression, "cron(0 2 * * SUN)");
    assert_eq!(weekly.duration, "PT2H");
    assert_eq!(weekly.time_zone, "Europe/Berlin");
    assert!(
        weekly
            .alarm_names
            .contains(&"slo:checkout:availability:page".to_owned())
    );
    assert!(
        weekly
            .alarm_names
            .contains(&"slo:checkout:fallback".to_owned())
    );
    assert!(weekly.alarm_names.iter().any(|n| n.contains(":infra:")));
    assert!(
        !weekly
            .alarm_names
            .iter()
            .any(|n| n.contains(":fast:") || n.ends_with(":guard")),
        "burn windows notify no one"
    );
    assert_eq!(
        weekly.tags.get("managed-by").map(String::as_str),
        Some("slo")
    );
    let xmas = &rules[1];
    assert_eq!(xmas.name, "slo-checkout-1");
    assert_eq!(xmas.expression, "at(2026-12-24T10:00)");
    assert_eq!(xmas.duration, "PT2H");
    assert_eq!(
        xmas.alarm_names,
        ["slo:checkout:latency:page", "slo:checkout:latency:ticket"]
    );
}

#[test]
fn what_a_mute_rule_cannot_say_is_a_warning() {
    let slo = spec(
        "  - { start: 2026-12-01T00:00:00Z, end: 2026-12-20T00:00:00Z, reason: long }\n  - { schedule: \"cron(0 2 ? * SUN 2026,2028)\", duration: 1h, reason: gaps }\n  - { schedule: \"cron(0 2 ? * SUN 2027-2028)\", duration: 1h, reason: years }\n",
    );
    let all = names(&slo);
    let refs: Vec<&str> = all.iter().map(String::as_str).collect();
    let (rules, warnings) = desired_mute_rules(&slo, &refs, t("2026-11-01T00:00:00Z"));
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(warnings[0].contains("15 days"));
    assert!(warnings[1].contains("gaps"));
    assert_eq!(rules.len(), 1);
    assert_eq!(rules[0].start_date, Some(t("2027-01-01T00:00:00Z")));
    assert_eq!(rules[0].expire_date, Some(t("2029-01-01T00:00:00Z")));
}

#[test]
fn only_our_rules_are_changed_and_an_unchanged_one_is_left_alone() {
    let slo = spec("  - { schedule: \"cron(0 2 ? * SUN *)\", duration: 2h, reason: weekly }\n");
    let all = names(&slo);
    let refs: Vec<&str> = all.iter().map(String::as_str).collect();
    let (want, _) = desired_mute_rules(&slo, &refs, t("2026-12-01T00:00:00Z"));
    let services: BTreeSet<String> = ["checkout".to_owned()].into();
    assert_eq!(plan_mute_rules(&want, &want, &services), []);
    let mut theirs = want[0].clone();
    theirs.name = "ops-freeze".into();
    theirs.tags.clear();
    let mut stale = want[0].clone();
    stale.name = "slo-checkout-7".into();
    let existing = vec![want[0].clone(), theirs, stale];
    let changes = plan_mute_rules(&want, &existing, &services);
    assert_eq!(
        changes,
        [MuteRuleChange::Delete {
            name: "slo-checkout-7".into()
        }]
    );
    let mut longer = want.clone();
    longer[0].duration = "PT3H".into();
    assert_eq!(
        plan_mute_rules(&longer, &want, &services)[0].action(),
        crate::core::alarms::Action::Update
    );
}
