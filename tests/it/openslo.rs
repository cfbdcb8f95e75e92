//! OpenSLO v1 documents read as specs: the example's checkout availability SLO written as
//! OpenSLO reports what slo/v1 reports for it; what slo cannot map is refused with its line.

use crate::support::{root, slo, text};
use serde_json::Value;

fn report(spec: &std::path::Path) -> Value {
    serde_json::from_str(&crate::exclusions::run(spec, "json")).unwrap()
}

#[test]
fn an_openslo_slo_reports_what_its_slo_v1_twin_reports() {
    let from_openslo = report(&root().join("tests/fixtures/openslo/checkout-availability.yaml"));
    let from_v1 = report(&root().join("slo/checkout.yaml"));
    let pick = |r: &Value| {
        r["objectives"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["service"] == "checkout" && o["objective"] == "availability")
            .cloned()
            .unwrap()
    };
    let (a, b) = (pick(&from_openslo), pick(&from_v1));
    for field in [
        "good",
        "total",
        "sli_value",
        "budget_remaining",
        "budget_consumed",
        "burn_rates",
        "status",
        "window",
        "target",
    ] {
        assert_eq!(a[field], b[field], "{field}");
    }
    assert_eq!(from_openslo["objectives"].as_array().unwrap().len(), 1);
}

#[test]
fn what_slo_cannot_map_is_refused_naming_the_field_and_line() {
    let good =
        std::fs::read_to_string(root().join("tests/fixtures/openslo/checkout-availability.yaml"))
            .unwrap();
    let dir = tempfile::tempdir().unwrap();
    for (from, to, field) in [
        (
            "budgetingMethod: Occurrences",
            "budgetingMethod: Timeslices",
            "budgetingMethod",
        ),
        (
            "indicatorRef: checkout-availability",
            "indicatorRef: nope",
            "spec.indicatorRef",
        ),
        (
            "metricName: RequestCount",
            "metricName: ActiveConnectionCount",
            "ratioMetric",
        ),
        (
            "- duration: 30d\n      isRolling: true",
            "- duration: 3M\n      isRolling: false",
            "timeWindow",
        ),
    ] {
        assert!(good.contains(from), "{from}");
        let spec = dir.path().join("slo.yaml");
        std::fs::write(&spec, good.replacen(from, to, 1)).unwrap();
        let out = slo(&["validate", spec.to_str().unwrap()]);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{to}: {err}");
        let line = good
            .replacen(from, to, 1)
            .lines()
            .position(|l| l.contains(field.rsplit('.').next().unwrap()))
            .unwrap()
            + 1;
        assert!(
            err.contains(&format!("slo.yaml:{line}:")),
            "{to}: line {line}: {err}"
        );
        assert!(err.contains(&format!("error: {field}")), "{to}: {err}");
    }
}

/// `slo convert --to openslo` and back: the example's specs as OpenSLO report the same
/// objective figures, and `--to slo` gives back specs that load.
#[test]
fn the_example_specs_convert_to_openslo_and_back_and_report_alike() {
    let dir = tempfile::tempdir().unwrap();
    let openslo = dir.path().join("openslo");
    let out = slo(&[
        "convert",
        "slo",
        "--to",
        "openslo",
        "--out",
        openslo.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let from_openslo = report(&openslo);
    let from_v1 = report(&root().join("slo"));
    let figures = |r: &Value| -> Vec<Value> {
        r["objectives"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| {
                serde_json::json!([
                    o["service"],
                    o["objective"],
                    o["good"],
                    o["total"],
                    o["sli_value"],
                    o["budget_remaining"],
                    o["window"],
                    o["target"],
                    o["threshold_seconds"]
                ])
            })
            .collect()
    };
    assert_eq!(figures(&from_openslo), figures(&from_v1));
    let back = dir.path().join("back");
    let out = slo(&[
        "convert",
        openslo.to_str().unwrap(),
        "--to",
        "slo",
        "--out",
        back.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = slo(&["validate", back.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(figures(&report(&back)), figures(&from_v1));
}
