//! The emulator's ECS deployment state (tests/emulator/README.md), read through the real SDK
//! the way the correlation of burn episodes with deployments will read it.

use crate::support::emulator::session;
use aws_sdk_ecs::types::{DeploymentRolloutState, ServiceDeploymentStatus};

const NEW: &str = "ecs-svc/1111111111111111111";
const OLD: &str = "ecs-svc/2222222222222222222";
const ARN: &str = "arn:aws:ecs:us-east-1:123456789012:service-deployment/prod/checkout/abc123";

/// A bad deployment of revision 43 that the circuit breaker rolled back to revision 42, as ECS
/// reports it (field names of the ECS API).
fn rolled_back() -> String {
    serde_json::json!({
        "cluster": "prod",
        "service": "checkout",
        "deployments": [
            {"id": OLD, "status": "PRIMARY", "taskDefinition": "arn:aws:ecs:us-east-1:123456789012:task-definition/checkout:42",
             "desiredCount": 2, "runningCount": 2, "rolloutState": "COMPLETED", "createdAt": 1795300000.0, "updatedAt": 1795303600.0},
            {"id": NEW, "status": "ACTIVE", "taskDefinition": "arn:aws:ecs:us-east-1:123456789012:task-definition/checkout:43",
             "desiredCount": 0, "runningCount": 0, "failedTasks": 3, "rolloutState": "FAILED",
             "rolloutStateReason": "ECS deployment circuit breaker: task failed to start.",
             "createdAt": 1795302000.0, "updatedAt": 1795303000.0}
        ],
        "events": [
            {"id": "e2", "createdAt": 1795303000.0, "message": format!("(service checkout) (deployment {NEW}) deployment failed: tasks failed to start.")},
            {"id": "e1", "createdAt": 1795302900.0, "message": format!("(service checkout) ECS deployment circuit breaker: rolling back to deploymentId {OLD}")}
        ],
        "serviceDeployments": [
            {"serviceDeploymentArn": ARN, "serviceArn": "arn:aws:ecs:us-east-1:123456789012:service/prod/checkout",
             "clusterArn": "arn:aws:ecs:us-east-1:123456789012:cluster/prod", "createdAt": 1795302000.0,
             "status": "ROLLBACK_SUCCESSFUL", "statusReason": "rolled back after 3 failed tasks",
             "deploymentCircuitBreaker": {"status": "TRIGGERED", "failureCount": 3, "threshold": 3},
             "rollback": {"reason": "ECS deployment circuit breaker", "startedAt": 1795302900.0,
                          "serviceRevisionArn": "arn:aws:ecs:us-east-1:123456789012:service-revision/prod/checkout/42"}}
        ]
    })
    .to_string()
}

#[tokio::test]
async fn deployments_rollbacks_and_events_set_by_a_test_read_back_through_the_sdk() {
    let s = session();
    s.checkout_service(true).await;
    let ecs = s.ecs().await;
    let (status, body) = s.http("POST", "/_slo/ecs/state", &rolled_back());
    assert_eq!(status, 200, "{body}");

    let services = ecs
        .describe_services()
        .cluster("prod")
        .services("checkout")
        .send()
        .await
        .unwrap();
    let svc = &services.services()[0];
    let cb = svc
        .deployment_configuration()
        .and_then(|c| c.deployment_circuit_breaker())
        .unwrap();
    assert!(
        cb.enable() && cb.rollback(),
        "deploymentConfiguration is kept"
    );
    let failed = svc
        .deployments()
        .iter()
        .find(|d| d.id() == Some(NEW))
        .unwrap();
    assert_eq!(
        failed.rollout_state(),
        Some(&DeploymentRolloutState::Failed)
    );
    assert!(failed.task_definition().unwrap().ends_with("checkout:43"));
    assert!(svc.events().iter().any(|e| {
        e.message()
            .unwrap()
            .contains(&format!("rolling back to deploymentId {OLD}"))
    }));

    let listed = ecs
        .list_service_deployments()
        .cluster("prod")
        .service("checkout")
        .status(ServiceDeploymentStatus::RollbackSuccessful)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.service_deployments().len(), 1);
    assert_eq!(
        listed.service_deployments()[0].service_deployment_arn(),
        Some(ARN)
    );
    let none = ecs
        .list_service_deployments()
        .cluster("prod")
        .service("checkout")
        .status(ServiceDeploymentStatus::Successful)
        .send()
        .await
        .unwrap();
    assert!(none.service_deployments().is_empty());

    let described = ecs
        .describe_service_deployments()
        .service_deployment_arns(ARN)
        .send()
        .await
        .unwrap();
    let d = &described.service_deployments()[0];
    assert_eq!(
        d.status(),
        Some(&ServiceDeploymentStatus::RollbackSuccessful)
    );
    assert_eq!(
        d.deployment_circuit_breaker().map(|c| c.failure_count()),
        Some(3)
    );
    assert!(
        d.rollback()
            .and_then(|r| r.service_revision_arn())
            .unwrap()
            .ends_with("/42")
    );
}

#[tokio::test]
async fn a_service_without_set_state_reads_as_moto_has_it() {
    let s = session();
    let ecs = s.ecs().await;
    ecs.create_cluster()
        .cluster_name("prod")
        .send()
        .await
        .unwrap();
    let out = ecs
        .list_service_deployments()
        .cluster("prod")
        .service("nothing")
        .send()
        .await
        .unwrap();
    assert!(out.service_deployments().is_empty());
    let missing = ecs
        .describe_service_deployments()
        .service_deployment_arns("arn:aws:ecs:us-east-1:123456789012:service-deployment/prod/x/y")
        .send()
        .await
        .unwrap();
    assert_eq!(missing.failures().len(), 1);
}
