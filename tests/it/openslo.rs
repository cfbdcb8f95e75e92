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

fn copy_shop(dir: &std::path::Path) {
    for f in ["slis.yaml", "slos.yaml", "alerting.yaml"] {
        std::fs::copy(
            root().join("tests/fixtures/openslo/shop").join(f),
            dir.join(f),
        )
        .unwrap();
    }
}

/// SLOs, SLIs and alerting documents in three files, two services in one of them: read
/// together, each service is one spec, its burn-rate conditions its tiers, its targets its
/// notify.
#[test]
fn documents_refer_across_files_and_alerting_maps_to_tiers_and_notify() {
    let shop = root().join("tests/fixtures/openslo/shop");
    let out = slo(&["validate", shop.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("2 spec(s), 2 objective(s)"));
    let out = slo(&["convert", shop.to_str().unwrap(), "--to", "slo"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v1 = text(&out.stdout);
    for want in [
        "service: checkout",
        "service: catalog",
        "region: ap-northeast-1, includeElb5xx: false }",
        "- { name: fast-burn, severity: page, longWindow: 1h, shortWindow: 5m, burnRate: 14.4 }",
        // No alertAfter: a twelfth of the lookback, the SRE Workbook's ratio.
        "- { name: slow-burn, severity: ticket, longWindow: 3d, shortWindow: 6h, burnRate: 1 }",
        "sns: arn:aws:sns:ap-northeast-1:123456789012:slo-alerts",
        "slack: { webhookEnv: SLACK_WEBHOOK_URL }",
        "window: { calendar: month, timeZone: Asia/Tokyo }",
        "- { name: latency-300ms, sli: latency, threshold: 300ms, target: 0.95 }",
    ] {
        assert!(v1.contains(want), "{want}:\n{v1}");
    }
    // catalog names no policy: the default tiers, no notify of its own.
    let catalog = v1.split("service: catalog").nth(1).unwrap();
    assert!(
        !catalog.contains("tiers:") && !catalog.contains("notify:"),
        "{catalog}"
    );
}

/// What slo cannot map in the alerting documents, and references that lead nowhere, are
/// errors in the file and at the line of the document that has them.
#[test]
fn alerting_problems_are_told_in_their_own_file_and_line() {
    for (file, from, to, field, message) in [
        (
            "alerting.yaml",
            "conditionRef: fast-burn",
            "conditionRef: no-such",
            "conditionRef",
            "no AlertCondition named `no-such`",
        ),
        (
            "alerting.yaml",
            "alertWhenResolved: true",
            "alertWhenResolved: false",
            "alertWhenResolved",
            "slo always sends the resolved notice",
        ),
        (
            "alerting.yaml",
            "spec: { target: slack, description: the shop's channel }",
            "spec: { target: pagerduty }",
            "spec.target",
            "notification target `pagerduty` is not mapped",
        ),
        (
            "alerting.yaml",
            "    op: gte\n    threshold: 14.4",
            "    op: lte\n    threshold: 14.4",
            "spec.condition",
            "a burn-rate tier is `op: gte`",
        ),
        (
            "alerting.yaml",
            "  severity: page\n",
            "  severity: sev7\n",
            "spec.severity",
            "severity `sev7` is not mapped",
        ),
        (
            "slis.yaml",
            "  name: catalog-latency",
            "  name: checkout-availability",
            "metadata.name",
            "a second SLI named `checkout-availability`",
        ),
        (
            "slos.yaml",
            "    - alertPolicyRef: burn",
            "    - alertPolicyRef: nope",
            "alertPolicyRef",
            "no AlertPolicy named `nope`",
        ),
        (
            "slis.yaml",
            "          region: ap-northeast-1\n          namespace: AWS/ApplicationELB\n          metricName: HTTPCode",
            "          region: us-east-1\n          namespace: AWS/ApplicationELB\n          metricName: HTTPCode",
            "spec.region",
            "name regions ap-northeast-1 and us-east-1",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        copy_shop(dir.path());
        let path = dir.path().join(file);
        let original = std::fs::read_to_string(&path).unwrap();
        assert!(original.contains(from), "{from}");
        let changed = original.replacen(from, to, 1);
        std::fs::write(&path, &changed).unwrap();
        let out = slo(&["validate", dir.path().to_str().unwrap()]);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{to}: {err}");
        assert!(err.contains(message), "{to}: {err}");
        assert!(err.contains(&format!("error: {field}")), "{to}: {err}");
        // In the file that has it, at a line of the document that has it.
        let line: usize = err
            .lines()
            .find(|l| l.contains(&format!("error: {field}")))
            .and_then(|l| l.split(&format!("{file}:")).nth(1))
            .and_then(|rest| rest.split(':').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{to}: no {file}:LINE in {err}"));
        assert!(line >= 1 && line <= changed.lines().count(), "{to}: {err}");
    }
}

/// `spec.region` is the load balancer's: a report through an AWS client of another region is
/// refused before any call (its metrics are not there).
#[test]
fn a_region_other_than_the_clients_is_refused() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_slo"))
        .args(["report", "tests/fixtures/openslo/shop"])
        .current_dir(root())
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .unwrap();
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("checkout: its load balancer is in ap-northeast-1 (alb.region), but AWS is configured for us-east-1"),
        "{err}"
    );
}
