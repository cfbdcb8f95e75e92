//! SLO-guarded deployments on the emulator (which keeps `deploymentConfiguration`): `slo apply`
//! with `ecs.rollbackOnBurn` adds the guard alarm to the service's deployment alarms beside the
//! team's own, keeps the circuit breaker and percentages, a second plan is empty, and removing
//! the flag leaves the team's alarm alone.

use crate::support::emulator::{Session, session};
use crate::support::text;
use aws_sdk_ecs::types::{DeploymentAlarms, DeploymentCircuitBreaker, DeploymentConfiguration};
use serde_json::Value;

fn spec(flag: &str) -> String {
    format!(
        "apiVersion: slo/v1\nservice: checkout\nalb: {{ loadBalancer: app/shop/50dc6c495c0c9188 }}\necs: {{ cluster: prod, service: checkout-svc{flag} }}\nwindow: 30d\nobjectives:\n  - {{ name: availability, sli: availability, target: 99.9% }}\nnotify: {{ sns: arn:aws:sns:us-east-1:123456789012:slo-alerts }}\n"
    )
}

/// `checkout-svc` in `prod`, with the circuit breaker, percentages and the team's own
/// deployment alarm.
async fn service_with_team_alarm(s: &Session) {
    let config = DeploymentConfiguration::builder()
        .deployment_circuit_breaker(
            DeploymentCircuitBreaker::builder()
                .enable(true)
                .rollback(true)
                .build(),
        )
        .maximum_percent(200)
        .minimum_healthy_percent(100)
        .alarms(
            DeploymentAlarms::builder()
                .alarm_names("team-5xx")
                .enable(true)
                .rollback(false)
                .build()
                .unwrap(),
        )
        .build();
    s.ecs_service("checkout-svc", Some(config)).await;
}

async fn deployment_configuration(s: &Session) -> DeploymentConfiguration {
    s.ecs()
        .await
        .describe_services()
        .cluster("prod")
        .services("checkout-svc")
        .send()
        .await
        .unwrap()
        .services()[0]
        .deployment_configuration()
        .cloned()
        .unwrap()
}

fn write(dir: &std::path::Path, flag: &str) {
    std::fs::write(dir.join("checkout.yaml"), spec(flag)).unwrap();
}

fn plan_json(s: &Session, specs: &std::path::Path) -> Value {
    let out = s.slo(&["plan", specs.to_str().unwrap(), "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    crate::support::assert_valid("schema/plan.schema.json", &v);
    v
}

#[tokio::test]
async fn rollback_on_burn_adds_the_guard_beside_the_teams_alarm_and_removing_it_leaves_theirs() {
    let s = session();
    service_with_team_alarm(&s).await;
    let (_tmp, specs) = s.apply_spec(&spec(", rollbackOnBurn: true")).await;

    let config = deployment_configuration(&s).await;
    let alarms = config.alarms().unwrap();
    assert_eq!(alarms.alarm_names(), ["team-5xx", "slo:checkout:guard"]);
    assert!(alarms.enable() && alarms.rollback());
    // The rest of the configuration as it was.
    let breaker = config.deployment_circuit_breaker().unwrap();
    assert!(breaker.enable() && breaker.rollback());
    assert_eq!(config.maximum_percent(), Some(200));
    assert_eq!(config.minimum_healthy_percent(), Some(100));
    // The guard alarm exists, with no actions of its own.
    let guard = s
        .cloudwatch()
        .await
        .describe_alarms()
        .alarm_names("slo:checkout:guard")
        .send()
        .await
        .unwrap();
    let guard = &guard.metric_alarms()[0];
    assert!(guard.alarm_actions().is_empty());
    assert_eq!(guard.evaluation_periods(), Some(1));
    assert!(
        guard
            .metrics()
            .iter()
            .filter_map(|m| m.metric_stat())
            .all(|m| m.period() == Some(300))
    );
    // A second plan is empty.
    let again = plan_json(&s, &specs);
    assert_eq!(again["changes"].as_array().unwrap().len(), 0, "{again:#}");

    // Someone else drops our name: the plan shows the drift.
    s.ecs()
        .await
        .update_service()
        .cluster("prod")
        .service("checkout-svc")
        .deployment_configuration(
            DeploymentConfiguration::builder()
                .alarms(
                    DeploymentAlarms::builder()
                        .alarm_names("team-5xx")
                        .enable(true)
                        .rollback(true)
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    let drift = plan_json(&s, &specs);
    let change = drift["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["type"] == "ecs_deployment_alarms")
        .cloned()
        .unwrap_or_else(|| panic!("{drift:#}"));
    assert_eq!(change["service"], "checkout");
    assert_eq!(change["cluster"], "prod");
    assert_eq!(
        change["previous_alarm_names"],
        serde_json::json!(["team-5xx"])
    );
    let applied = s.slo(&["apply", specs.to_str().unwrap(), "--yes"]);
    assert_eq!(applied.status.code(), Some(0), "{}", text(&applied.stderr));

    // The flag removed: only ours goes, then the guard alarm.
    write(&specs, "");
    let removed = s.slo(&["apply", specs.to_str().unwrap(), "--yes"]);
    assert_eq!(removed.status.code(), Some(0), "{}", text(&removed.stderr));
    let config = deployment_configuration(&s).await;
    assert_eq!(config.alarms().unwrap().alarm_names(), ["team-5xx"]);
    let gone = s
        .cloudwatch()
        .await
        .describe_alarms()
        .alarm_names("slo:checkout:guard")
        .send()
        .await
        .unwrap();
    assert!(gone.metric_alarms().is_empty());
    let last = plan_json(&s, &specs);
    assert_eq!(last["changes"].as_array().unwrap().len(), 0, "{last:#}");
}

#[tokio::test]
async fn a_snippet_is_printed_for_teams_whose_tool_owns_the_service() {
    let s = session();
    service_with_team_alarm(&s).await;
    let (_tmp, specs) = s.apply_spec(&spec(", rollbackOnBurn: snippet")).await;
    // Apply touched no service.
    let config = deployment_configuration(&s).await;
    assert_eq!(config.alarms().unwrap().alarm_names(), ["team-5xx"]);
    let out = s.slo(&["plan", specs.to_str().unwrap()]);
    let plan = text(&out.stdout);
    assert!(
        plan.contains("alarmNames: ['team-5xx', 'slo:checkout:guard']"),
        "{plan}"
    );
}
