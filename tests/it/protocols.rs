//! The emulator's CloudWatch answers alike over Smithy RPC v2 CBOR, JSON and query, as boto3
//! sees it (tests/emulator/test_protocols.py, in the emulator's own virtualenv): after
//! `slo apply`, composites, `set_alarm_state`, their history and the dashboard show over
//! every protocol, and one scenario's answers are the same whichever protocol asked.

use crate::support::emulator::session;

#[test]
fn boto3_sees_the_same_cloudwatch_over_cbor_json_and_query() {
    let s = session();
    let _specs = s.apply_checkout();
    let stdout = s.emulator_test(
        "test_protocols.py",
        &["--service", "checkout", "--objective", "availability"],
    );
    assert!(
        stdout.contains("every protocol answered alike: smithy-rpc-v2-cbor, json, query"),
        "{stdout}"
    );
}
