//! The emulator's CloudWatch answers alike over Smithy RPC v2 CBOR, JSON and query, as boto3
//! sees it (tests/emulator/test_protocols.py, in the emulator's own virtualenv): after
//! `slo apply`, composites, `set_alarm_state`, their history and the dashboard show over
//! every protocol, and one scenario's answers are the same whichever protocol asked.

use crate::support::emulator::session;
use crate::support::{root, text};

#[test]
fn boto3_sees_the_same_cloudwatch_over_cbor_json_and_query() {
    let s = session();
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("checkout.yaml"),
        "apiVersion: slo/v1\nservice: checkout\nalb: { loadBalancer: app/shop/50dc6c495c0c9188 }\nwindow: 30d\nobjectives:\n  - { name: availability, sli: availability, target: 99.9% }\nnotify: { sns: arn:aws:sns:us-east-1:123456789012:slo-alerts }\n",
    )
    .unwrap();
    let applied = s.slo(&["apply", tmp.path().to_str().unwrap(), "--yes"]);
    assert_eq!(applied.status.code(), Some(0), "{}", text(&applied.stderr));
    let out = std::process::Command::new(root().join("target/emulator-venv/bin/python"))
        .arg(root().join("tests/emulator/test_protocols.py"))
        .args([
            "--endpoint",
            &s.endpoint(),
            "--service",
            "checkout",
            "--objective",
            "availability",
        ])
        .output()
        .expect("run tests/emulator/test_protocols.py");
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    assert!(
        stdout.contains("every protocol answered alike: smithy-rpc-v2-cbor, json, query"),
        "{stdout}"
    );
}
