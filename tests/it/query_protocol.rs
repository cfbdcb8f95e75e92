//! The emulator's awsQuery (form-encoded) front, through the real SDK: SNS speaks it, and so
//! does Elastic Load Balancing v2. Regression: the emulator read the form to find `Action` and
//! then handed moto a consumed body, so every such call hung for 60 s and failed.

use crate::support::emulator::session;
use std::time::{Duration, Instant};

#[tokio::test]
async fn sns_calls_are_answered_at_once_and_faults_apply_to_them() {
    let s = session();
    let sns = s.sns().await;
    let started = Instant::now();
    let topic = sns
        .create_topic()
        .name("slo-alerts")
        .send()
        .await
        .expect("CreateTopic")
        .topic_arn
        .expect("topic ARN");
    assert_eq!(topic, "arn:aws:sns:us-east-1:123456789012:slo-alerts");
    let published = sns
        .publish()
        .topic_arn(&topic)
        .subject("[PAGE] checkout availability")
        .message_structure("json")
        .message(r#"{"default":"plain text","email":"plain text for e-mail"}"#)
        .send()
        .await
        .expect("Publish");
    assert!(published.message_id.is_some());
    let topics = sns.list_topics().send().await.expect("ListTopics");
    assert_eq!(topics.topics().len(), 1);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "awsQuery calls took {:?}",
        started.elapsed()
    );

    s.inject("Publish", "throttle", 10);
    let err = sns
        .publish()
        .topic_arn(&topic)
        .message("x")
        .send()
        .await
        .expect_err("throttled");
    let text = format!("{:?}", err);
    assert!(text.contains("Throttling"), "{text}");
    assert!(
        s.calls("Publish") >= 2,
        "the SDK retried a throttled Publish"
    );
}
