//! The emulator evaluates alarms as CloudWatch's documentation says (tests/emulator/
//! evaluation.py, written from it, never from `src/`): its rule tests, then the alarms
//! `slo apply` made, driven through per-minute metrics and the emulator's clock — the page
//! composite fires and resolves, and without heartbeats the fallback composite publishes the
//! alarm message to SNS itself.

use crate::support::emulator::session;

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
    let _specs = s.apply_checkout();
    let stdout = s.emulator_test("test_evaluation.py", &[]);
    assert!(stdout.contains("ok  end to end"), "{stdout}");
}
