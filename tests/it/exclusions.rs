//! Maintenance windows on the bundled example: the catalog incident of 2026-11-08 03:10–03:28
//! UTC (12:10 in Tokyo, a Sunday) excluded once, then by a weekly schedule, against the
//! report without them.

use crate::replay::example_logs;
use crate::support::{root, slo, text};
use serde_json::Value;
use std::path::Path;

/// The example's specs with `extra` appended to catalog.yaml, in a temporary folder.
fn specs_with(extra: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for f in ["checkout.yaml", "catalog.yaml"] {
        let mut text = std::fs::read_to_string(root().join("slo").join(f)).unwrap();
        if f == "catalog.yaml" {
            text.push_str(extra);
        }
        std::fs::write(dir.path().join(f), text).unwrap();
    }
    dir
}

/// `slo report SPECS` on the bundled example at its end, in `format`: its standard output.
pub fn run(specs: &Path, format: &str) -> String {
    let out = slo(&[
        "report",
        specs.to_str().unwrap(),
        "--access-logs",
        example_logs().to_str().unwrap(),
        "--at",
        "2026-11-20T00:00:00Z",
        "--format",
        format,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    text(&out.stdout)
}

fn report(specs: &Path) -> Value {
    let r: Value = serde_json::from_str(&run(specs, "json")).unwrap();
    crate::support::assert_valid("schema/report.schema.json", &r);
    r
}

fn objective<'a>(r: &'a Value, service: &str, name: &str) -> &'a Value {
    r["objectives"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["service"] == service && o["objective"] == name)
        .unwrap()
}

#[test]
fn an_excluded_incident_is_gone_and_its_requests_count_for_nothing() {
    let plain = report(specs_with("").path());
    let once = report(
        specs_with(
            "exclusions:\n  - { start: 2026-11-08T03:00:00Z, end: 2026-11-08T04:00:00Z, reason: \"failover drill\" }\n",
        )
        .path(),
    );
    let weekly = report(
        specs_with(
            "exclusions:\n  - { schedule: \"cron(0 12 ? * SUN *)\", duration: 1h, timeZone: Asia/Tokyo, reason: \"failover drill\" }\n",
        )
        .path(),
    );
    let before = objective(&plain, "catalog", "availability");
    assert_eq!(before["incidents"].as_array().unwrap().len(), 1);
    assert_eq!(before["notifications"].as_array().unwrap().len(), 1);
    for r in [&once, &weekly] {
        let after = objective(r, "catalog", "availability");
        assert_eq!(after["incidents"], serde_json::json!([]), "{after}");
        assert_eq!(after["notifications"], serde_json::json!([]), "{after}");
        let excluded = after["excluded"].as_array().unwrap();
        let held: u64 = excluded
            .iter()
            .map(|e| e["requests"].as_u64().unwrap())
            .sum();
        let bad: u64 = excluded.iter().map(|e| e["bad"].as_u64().unwrap()).sum();
        assert!(
            excluded
                .iter()
                .any(|e| e["start"] == "2026-11-08T03:00:00Z"),
            "{excluded:?}"
        );
        assert!(excluded.iter().all(|e| e["reason"] == "failover drill"));
        // The window lost exactly the excluded span's requests, and the budget their bad ones.
        assert_eq!(
            before["total"].as_u64().unwrap() - after["total"].as_u64().unwrap(),
            held,
            "{excluded:?}"
        );
        let spent =
            |o: &Value| o["budget_consumed"].as_f64().unwrap() * o["allowed_bad"].as_f64().unwrap();
        assert!((spent(before) - spent(after) - bad as f64).abs() < 1e-6);
        assert!(bad >= 31, "the incident's 31 failed requests: {bad}");
        assert!(after["budget_consumed"].as_f64() < before["budget_consumed"].as_f64());
        // Only the catalog's objectives are touched.
        assert_eq!(
            objective(r, "checkout", "availability"),
            objective(&plain, "checkout", "availability")
        );
    }
    // The weekly schedule falls on the same Sunday span (and on the other Sundays, whose
    // requests it also takes out), so it removes at least as much.
    let total = |r: &Value| {
        objective(r, "catalog", "availability")["total"]
            .as_u64()
            .unwrap()
    };
    assert!(total(&weekly) < total(&once));
    // The table and the page say what was excluded and how many requests it held.
    let dir = specs_with(
        "exclusions:\n  - { start: 2026-11-08T03:00:00Z, end: 2026-11-08T04:00:00Z, reason: \"failover drill\" }\n",
    );
    let table = run(dir.path(), "table");
    assert!(
        table.contains("catalog/availability: 2026-11-08 03:00 → 2026-11-08 04:00 UTC (1h) excluded, failover drill:"),
        "{table}"
    );
    let page = run(dir.path(), "html");
    assert!(
        page.contains("<h3>Excluded (maintenance windows and corrections)</h3>"),
        "no excluded list on the page"
    );
    assert!(page.contains("excluded, failover drill:"));
}

#[test]
fn a_bad_exclusion_is_refused_with_its_line_and_changes_nothing() {
    for (entry, field, says) in [
        (
            "{ start: 2026-11-08T03:00:00Z, end: 2026-11-08T02:00:00Z, reason: x }",
            "exclusions[0].end",
            "not after its start",
        ),
        (
            "{ start: 2026-11-08T03:00:00Z, end: 2026-11-08T04:00:00Z }",
            "exclusions[0].reason",
            "needs a reason",
        ),
        (
            "{ schedule: \"cron(0 2 * * MON *)\", duration: 2h, reason: x }",
            "exclusions[0].schedule",
            "must be `?`",
        ),
        (
            "{ schedule: \"0 2 * * *\", duration: 2h, reason: x }",
            "exclusions[0].schedule",
            "cron(",
        ),
        (
            "{ schedule: \"cron(0 2 ? * SUN *)\", duration: 2h, timeZone: Mars/Olympus, reason: x }",
            "exclusions[0].timeZone",
            "unknown time zone",
        ),
        (
            "{ start: 2026-11-08T03:00:00Z, duration: 2h, reason: x }",
            "exclusions[0]",
            "either `start` and `end`",
        ),
        (
            "{ start: yesterday, end: 2026-11-08T04:00:00Z, reason: x }",
            "exclusions[0].start",
            "not a time",
        ),
    ] {
        let dir = specs_with(&format!("exclusions:\n  - {entry}\n"));
        let spec = dir.path().join("catalog.yaml");
        let out = slo(&["validate", spec.to_str().unwrap()]);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{entry}: {err}");
        let line = std::fs::read_to_string(&spec).unwrap().lines().count();
        assert!(
            err.contains(&format!("catalog.yaml:{line}:")),
            "{entry}: {err}"
        );
        assert!(err.contains(field) && err.contains(says), "{entry}: {err}");
    }
}

#[test]
fn slo_exclude_writes_the_correction_into_the_spec_and_the_report_follows() {
    let dir = specs_with("");
    let spec = dir.path().join("catalog.yaml");
    let before = std::fs::read_to_string(&spec).unwrap();
    let exclude = |extra: &[&str]| {
        let mut args = vec!["exclude", dir.path().to_str().unwrap()];
        if !extra.contains(&"--service") {
            args.extend(["--service", "catalog"]);
        }
        args.extend_from_slice(extra);
        slo(&args)
    };
    // Refused, and the file untouched: an unknown service, an end before the start, an
    // unknown objective, an empty reason.
    for (args, says) in [
        (
            vec![
                "--service",
                "catalgo",
                "--start",
                "2026-11-08T03:00:00Z",
                "--end",
                "2026-11-08T04:00:00Z",
                "--reason",
                "x",
            ],
            "did you mean catalog",
        ),
        (
            vec![
                "--start",
                "2026-11-08T04:00:00Z",
                "--end",
                "2026-11-08T03:00:00Z",
                "--reason",
                "x",
            ],
            "not after --start",
        ),
        (
            vec![
                "--start",
                "2026-11-08T03:00:00Z",
                "--end",
                "2026-11-08T04:00:00Z",
                "--reason",
                "x",
                "--objective",
                "speed",
            ],
            "no such objective",
        ),
        (
            vec![
                "--start",
                "2026-11-08T03:00:00Z",
                "--end",
                "2026-11-08T04:00:00Z",
                "--reason",
                " ",
            ],
            "--reason is empty",
        ),
    ] {
        let out = exclude(&args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert!(
            text(&out.stderr).contains(says),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert_eq!(std::fs::read_to_string(&spec).unwrap(), before);
    }
    let out = exclude(&[
        "--start",
        "2026-11-08T03:00:00Z",
        "--end",
        "2026-11-08T04:00:00Z",
        "--reason",
        "failover drill: \"planned\", #ops",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let after = std::fs::read_to_string(&spec).unwrap();
    assert!(
        after.starts_with(&before),
        "only appended, comments kept:\n{after}"
    );
    assert!(after.ends_with("exclusions:\n  - { start: 2026-11-08T03:00:00Z, end: 2026-11-08T04:00:00Z, reason: \"failover drill: \\\"planned\\\", #ops\" }\n"), "{after}");
    // A second one joins the list.
    let out = exclude(&[
        "--start",
        "2026-11-09T03:00:00Z",
        "--end",
        "2026-11-09T03:30:00Z",
        "--reason",
        "second",
        "--objective",
        "latency-300ms",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let r = report(dir.path());
    let availability = objective(&r, "catalog", "availability");
    assert_eq!(availability["incidents"], serde_json::json!([]));
    assert_eq!(
        availability["excluded"][0]["reason"],
        "failover drill: \"planned\", #ops"
    );
    assert_eq!(
        availability["excluded"].as_array().unwrap().len(),
        1,
        "the second is the latency objective's only"
    );
    assert_eq!(
        objective(&r, "catalog", "latency-300ms")["excluded"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}
