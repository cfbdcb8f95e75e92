//! The emulator evaluates alarms as CloudWatch's documentation says (tests/emulator/
//! evaluation.py, written from it, never from `src/`): its rule tests, then the alarms
//! `slo apply` made, driven through per-minute metrics and the emulator's clock — the page
//! composite fires and resolves, and without heartbeats the fallback composite publishes the
//! alarm message to SNS itself.

use crate::support::emulator::session;
use crate::support::{root, text};

#[tokio::test]
async fn the_emulator_evaluates_slos_alarms_from_metrics_and_runs_their_actions() {
    let s = session();
    s.sns()
        .await
        .create_topic()
        .name("slo-alerts")
        .send()
        .await
        .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("checkout.yaml"),
        "apiVersion: slo/v1\nservice: checkout\nalb: { loadBalancer: app/shop/50dc6c495c0c9188 }\nwindow: 30d\nobjectives:\n  - { name: availability, sli: availability, target: 99.9% }\nnotify: { sns: arn:aws:sns:us-east-1:123456789012:slo-alerts }\n",
    )
    .unwrap();
    let applied = s.slo(&["apply", tmp.path().to_str().unwrap(), "--yes"]);
    assert_eq!(applied.status.code(), Some(0), "{}", text(&applied.stderr));
    let out = std::process::Command::new(root().join("target/emulator-venv/bin/python"))
        .arg(root().join("tests/emulator/test_evaluation.py"))
        .args(["--endpoint", &s.endpoint()])
        .output()
        .expect("run tests/emulator/test_evaluation.py");
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    assert!(stdout.contains("ok  end to end"), "{stdout}");
}
