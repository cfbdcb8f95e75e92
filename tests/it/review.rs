//! The SLO review on the bundled example: a CSV row per objective and month whose figures are
//! those of a report over exactly that month, a row for a month without data, and the
//! excluded requests of a maintenance window.

use crate::replay::example_logs;
use crate::support::{slo, text};
use serde_json::Value;

fn run(extra: &[&str]) -> String {
    let deployments = example_logs().join(slo::example::DEPLOYMENTS_FILE);
    let mut args = vec![
        "report",
        "--access-logs",
        example_logs().to_str().unwrap(),
        "--deployments",
        deployments.to_str().unwrap(),
    ];
    if !extra.contains(&"--at") {
        args.extend(["--at", "2026-11-20T00:00:00Z"]);
    }
    args.extend_from_slice(extra);
    let out = slo(&args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    text(&out.stdout)
}

fn rows(csv: &str) -> Vec<std::collections::BTreeMap<String, String>> {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    lines
        .map(|l| {
            header
                .iter()
                .map(|h| h.to_string())
                .zip(l.split(',').map(str::to_owned))
                .collect()
        })
        .collect()
}

#[test]
fn a_monthly_csv_has_a_row_per_objective_and_month_equal_to_that_months_report() {
    let csv = run(&["--period", "month", "--periods", "3", "--format", "csv"]);
    let rows = rows(&csv);
    // 4 objectives × 3 months (September has no data, and still has its row).
    assert_eq!(rows.len(), 12, "{csv}");
    let september: Vec<_> = rows.iter().filter(|r| r["period"] == "2026-09").collect();
    assert_eq!(september.len(), 4);
    assert!(
        september
            .iter()
            .all(|r| r["total"] == "0" && r["attainment"].is_empty() && r["met"].is_empty()),
        "{csv}"
    );
    // Each month's figures are a report's over exactly that month (catalog's months are
    // Tokyo's, checkout's UTC): the same good and total, the same SLI.
    for r in rows.iter().filter(|r| r["period"] != "2026-09") {
        let start: chrono::DateTime<chrono::Utc> = r["start"].parse().unwrap();
        let end: chrono::DateTime<chrono::Utc> = r["end"].parse().unwrap();
        let hours = (end - start).num_hours();
        let report: Value = serde_json::from_str(&run(&[
            "--at",
            &r["end"],
            "--window",
            &format!("{hours}h"),
            "--format",
            "json",
        ]))
        .unwrap();
        let o = report["objectives"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| {
                o["service"] == r["service"].as_str() && o["objective"] == r["objective"].as_str()
            })
            .unwrap();
        assert_eq!(r["good"], o["good"].to_string(), "{r:?}");
        assert_eq!(r["total"], o["total"].to_string(), "{r:?}");
        let attainment: f64 = r["attainment"].parse().unwrap();
        assert!(
            (attainment - o["sli_value"].as_f64().unwrap()).abs() < 1e-12,
            "{r:?} {o}"
        );
    }
    // The checkout deployment of 11-15 is named in November; October had no incident.
    let checkout = |month: &str| {
        rows.iter()
            .find(|r| {
                r["service"] == "checkout"
                    && r["objective"] == "availability"
                    && r["period"] == month
            })
            .unwrap()
            .clone()
    };
    assert_eq!(checkout("2026-11")["deployments"], "d4c8");
    assert_eq!(checkout("2026-11")["incidents"], "1");
    assert_eq!(checkout("2026-11")["complete"], "false");
    assert_eq!(checkout("2026-10")["complete"], "true");
    assert_eq!(
        checkout("2026-11")["met"],
        "false",
        "45% of the month's budget in one incident, and more"
    );
}

#[test]
fn every_format_of_a_review_renders_and_bad_combinations_are_refused() {
    for format in ["table", "markdown", "json", "html"] {
        let out = run(&["--period", "week", "--periods", "2", "--format", format]);
        assert!(
            out.contains("catalog") && out.contains("2026-W4"),
            "{format}: {out}"
        );
    }
    let json: Value =
        serde_json::from_str(&run(&["--period", "quarter", "--format", "json"])).unwrap();
    assert_eq!(json["period"], "quarter");
    assert_eq!(json["rows"].as_array().unwrap().len(), 8);
    for args in [
        vec!["report", "--access-logs", ".", "--format", "csv"],
        vec![
            "report",
            "--access-logs",
            ".",
            "--period",
            "month",
            "--window",
            "7d",
        ],
        vec![
            "report",
            "--access-logs",
            ".",
            "--period",
            "month",
            "--check",
        ],
        vec!["report", "--access-logs", ".", "--period", "year"],
        vec![
            "report",
            "--access-logs",
            ".",
            "--period",
            "month",
            "--periods",
            "0",
        ],
    ] {
        let out = slo(&args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert!(out.stdout.is_empty());
    }
}
