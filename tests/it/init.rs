//! `slo init` against the emulator: ECS services, their task definitions' log groups, and the
//! ELBv2 (awsQuery) target groups and load balancers in front of them.

use crate::support::emulator::{Session, session};
use crate::support::text;

/// An ALB with three target groups, an NLB, and four ECS services in `prod`: `checkout` (one
/// target group, awslogs), `storefront` (two target groups), `tcp-proxy` (NLB only) and
/// `worker` (no load balancer).
const SEED: &str = r#"
import boto3, os
kw = dict(endpoint_url=os.environ["AWS_ENDPOINT_URL"], region_name="us-east-1",
          aws_access_key_id="test", aws_secret_access_key="test")
ec2, elb, ecs = (boto3.client(n, **kw) for n in ("ec2", "elbv2", "ecs"))
vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.%d.0/24" % i, AvailabilityZone="us-east-1" + z)["Subnet"]["SubnetId"]
           for i, z in ((1, "a"), (2, "b"))]
def lb(name, kind):
    return elb.create_load_balancer(Name=name, Subnets=subnets, Type=kind)["LoadBalancers"][0]["LoadBalancerArn"]
def tg(name, proto="HTTP"):
    return elb.create_target_group(Name=name, Protocol=proto, Port=80, VpcId=vpc, TargetType="ip")["TargetGroups"][0]["TargetGroupArn"]
alb, nlb = lb("shop-prod", "application"), lb("tcp-prod", "network")
tg_checkout, tg_web, tg_api, tg_tcp = tg("checkout-prod"), tg("web-prod"), tg("api-prod"), tg("tcp-prod", "TCP")
listener = elb.create_listener(LoadBalancerArn=alb, Protocol="HTTP", Port=80,
                               DefaultActions=[{"Type": "forward", "TargetGroupArn": tg_checkout}])["Listeners"][0]["ListenerArn"]
for prio, (t, path) in enumerate(((tg_web, "/web/*"), (tg_api, "/api/*")), start=1):
    elb.create_rule(ListenerArn=listener, Priority=prio, Conditions=[{"Field": "path-pattern", "Values": [path]}],
                    Actions=[{"Type": "forward", "TargetGroupArn": t}])
elb.create_listener(LoadBalancerArn=nlb, Protocol="TCP", Port=80, DefaultActions=[{"Type": "forward", "TargetGroupArn": tg_tcp}])
ecs.create_cluster(clusterName="prod")
for family, logs in (("checkout", True), ("other", False)):
    c = {"name": "app", "image": "repo/%s:1" % family, "memory": 512}
    if logs:
        c["logConfiguration"] = {"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/checkout", "awslogs-region": "us-east-1"}}
    ecs.register_task_definition(family=family, containerDefinitions=[c])
def service(name, family, tgs):
    ecs.create_service(cluster="prod", serviceName=name, taskDefinition=family, desiredCount=1,
                       loadBalancers=[{"targetGroupArn": t, "containerName": "app", "containerPort": 80} for t in tgs])
service("checkout", "checkout", [tg_checkout])
service("storefront", "other", [tg_web, tg_api])
service("tcp-proxy", "other", [tg_tcp])
service("worker", "other", [])
print(alb.split(":loadbalancer/")[1])
"#;

fn seeded() -> (Session, String) {
    let s = session();
    let lb = s.python(SEED).trim().to_owned();
    (s, lb)
}

#[test]
fn specs_are_drafted_for_every_service_behind_an_alb_and_the_rest_is_skipped_with_reasons() {
    let (s, lb) = seeded();
    let tmp = tempfile::tempdir().unwrap();
    let out_dir = tmp.path().join("slo");
    let dir = out_dir.to_str().unwrap();
    let out = s.slo(&[
        "init",
        "--cluster",
        "prod",
        "--out",
        dir,
        "--sns",
        "arn:aws:sns:us-east-1:123456789012:alerts",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    for f in [
        "checkout.yaml",
        "storefront-web-prod.yaml",
        "storefront-api-prod.yaml",
    ] {
        assert!(stdout.contains(&format!("wrote {dir}/{f}")), "{stdout}");
    }
    assert!(
        stdout.contains("skipped prod/tcp-proxy: behind a network load balancer only"),
        "{stdout}"
    );
    assert!(
        stdout.contains("skipped prod/worker: no load balancer"),
        "{stdout}"
    );
    assert!(
        stdout.contains("3 spec(s) drafted for 2 service(s); their alarms: 72"),
        "{stdout}"
    );
    let checkout = std::fs::read_to_string(out_dir.join("checkout.yaml")).unwrap();
    assert!(
        checkout.contains(&format!("loadBalancer: {lb}")),
        "{checkout}"
    );
    assert!(
        checkout.contains("targetGroup: targetgroup/checkout-prod/"),
        "{checkout}"
    );
    assert!(
        checkout.contains("ecs: { cluster: prod, service: checkout, logGroup: /ecs/checkout }"),
        "{checkout}"
    );
    // What was written is valid, and plan prices it.
    let v = s.slo(&["validate", dir]);
    assert_eq!(v.status.code(), Some(0), "{}", text(&v.stderr));
    let plan = s.slo(&["plan", dir]);
    assert_eq!(plan.status.code(), Some(0), "{}", text(&plan.stderr));
    assert!(
        text(&plan.stdout).contains("Plan: 73 alarm(s) to create"),
        "{}",
        text(&plan.stdout)
    );

    // A second run keeps what exists; --force replaces it; --dry-run writes nothing.
    std::fs::write(out_dir.join("checkout.yaml"), "# mine\n").unwrap();
    let again = text(&s.slo(&["init", "--cluster", "prod", "--out", dir]).stdout);
    assert!(
        again.contains(&format!("kept {dir}/checkout.yaml")),
        "{again}"
    );
    assert_eq!(
        std::fs::read_to_string(out_dir.join("checkout.yaml")).unwrap(),
        "# mine\n"
    );
    let dry = s.slo(&[
        "init",
        "--cluster",
        "prod",
        "--out",
        dir,
        "--dry-run",
        "--force",
    ]);
    assert!(text(&dry.stdout).contains("service: checkout"));
    assert_eq!(
        std::fs::read_to_string(out_dir.join("checkout.yaml")).unwrap(),
        "# mine\n"
    );
    s.slo(&["init", "--cluster", "prod", "--out", dir, "--force"]);
    assert!(
        std::fs::read_to_string(out_dir.join("checkout.yaml"))
            .unwrap()
            .contains("apiVersion")
    );
}

#[test]
fn a_cluster_or_service_that_does_not_exist_is_exit_2_naming_it() {
    let (s, _) = seeded();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_str().unwrap();
    let out = s.slo(&["init", "--cluster", "staging", "--out", dir]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("ECS cluster `staging` does not exist"),
        "{}",
        text(&out.stderr)
    );
    let out = s.slo(&[
        "init",
        "--cluster",
        "prod",
        "--service",
        "payments",
        "--out",
        dir,
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("ECS service `payments` does not exist"),
        "{}",
        text(&out.stderr)
    );
    let only = s.slo(&[
        "init",
        "--cluster",
        "prod",
        "--service",
        "checkout",
        "--out",
        dir,
        "--latency",
        "none",
    ]);
    assert_eq!(only.status.code(), Some(0), "{}", text(&only.stderr));
    assert!(text(&only.stdout).contains("1 spec(s) drafted"));
    let bad = s.slo(&[
        "init",
        "--cluster",
        "prod",
        "--out",
        dir,
        "--availability",
        "99.9",
        "--dry-run",
    ]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        text(&bad.stderr).contains("looks like a percentage"),
        "{}",
        text(&bad.stderr)
    );
}

/// `slo init --athena`: the load balancer's access-log place read from its attributes, the
/// projected table printed for it, and that DDL accepted by (the emulator's) Athena with the
/// location and projection template where ALB writes.
#[test]
fn init_athena_prints_the_projected_table_of_the_log_bucket() {
    let (s, lb) = seeded();
    // Logs off: said, and exit 2.
    let out = s.slo(&["init", "--cluster", "prod", "--athena"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stdout));
    assert!(
        text(&out.stderr).contains("no load balancer of these services writes access logs"),
        "{}",
        text(&out.stderr)
    );
    s.python(
        r#"
import boto3, os
kw = dict(endpoint_url=os.environ["AWS_ENDPOINT_URL"], region_name="us-east-1",
          aws_access_key_id="test", aws_secret_access_key="test")
elb = boto3.client("elbv2", **kw)
arn = elb.describe_load_balancers(Names=["shop-prod"])["LoadBalancers"][0]["LoadBalancerArn"]
elb.modify_load_balancer_attributes(LoadBalancerArn=arn, Attributes=[
    {"Key": "access_logs.s3.enabled", "Value": "true"},
    {"Key": "access_logs.s3.bucket", "Value": "alb-logs"},
    {"Key": "access_logs.s3.prefix", "Value": "prod"}])
"#,
    );
    let out = s.slo(&["init", "--cluster", "prod", "--athena"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let script = text(&out.stdout);
    let location = "s3://alb-logs/prod/AWSLogs/123456789012/elasticloadbalancing/us-east-1/";
    assert!(
        script.contains(&format!("LOCATION '{location}'")),
        "{script}"
    );
    assert!(
        script.contains(&format!(
            "-- {location} ({lb}): slo report --engine athena --athena-table slo.alb_logs_us_east_1"
        )),
        "{script}"
    );
    assert!(
        !script.contains("tcp-prod"),
        "an NLB has no ALB table: {script}"
    );
    // Every statement of it runs in Athena, and the table is where ALB writes.
    let ran = s.python(&format!(
        r#"
import boto3, os, time
a = boto3.client("athena", endpoint_url=os.environ["AWS_ENDPOINT_URL"], region_name="us-east-1",
                 aws_access_key_id="test", aws_secret_access_key="test")
script = {script:?}
for statement in [x for x in script.split(";") if x.strip()]:
    q = a.start_query_execution(QueryString=statement)["QueryExecutionId"]
    while a.get_query_execution(QueryExecutionId=q)["QueryExecution"]["Status"]["State"] in ("QUEUED", "RUNNING"):
        time.sleep(0.05)
    assert a.get_query_execution(QueryExecutionId=q)["QueryExecution"]["Status"]["State"] == "SUCCEEDED"
t = a.get_table_metadata(CatalogName="AwsDataCatalog", DatabaseName="slo", TableName="alb_logs_us_east_1")["TableMetadata"]
print(t["Parameters"]["storage.location.template"])
print(len(t["Columns"]), [k["Name"] for k in t["PartitionKeys"]])
"#
    ));
    assert!(ran.contains(&format!("{location}${{day}}")), "{ran}");
    assert!(ran.contains("34 ['day']"), "{ran}");
}
