"""Evaluates deploy/ecspresso/*.jsonnet as ecspresso would, with its native functions (tfstate,
must_env, env) answered from Terraform's output names, and checks what the task and service
must be. Run by scripts/check-deploy; exits 1 naming every problem."""
import json
import re
import sys
from pathlib import Path

import _jsonnet

ROOT = Path(__file__).resolve().parent.parent
ECSPRESSO = ROOT / "deploy/ecspresso"
OUTPUTS = set(re.findall(r'output "(\w+)"', (ROOT / "deploy/terraform/modules/slo/outputs.tf").read_text()))
WEBHOOK_ARN = "arn:aws:secretsmanager:ap-northeast-1:222222222222:secret:slo-prod/slack-webhook-AbCdEf"
TARGET_GROUP = "arn:aws:elasticloadbalancing:ap-northeast-1:222222222222:targetgroup/slo-prod/0123456789abcdef"


def outputs(with_optional):
    return {
        "cluster": "prod",
        "service": "slo-prod",
        "subnet_ids": ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"],
        "security_group_id": "sg-0aaaaaaaaaaaaaaaa",
        "task_role_arn": "arn:aws:iam::222222222222:role/slo-prod-task",
        "execution_role_arn": "arn:aws:iam::222222222222:role/slo-prod-execution",
        "log_group_name": "/ecs/slo-prod",
        "target_group_arn": TARGET_GROUP if with_optional else None,
        "slack_webhook_secret_arn": WEBHOOK_ARN if with_optional else None,
        "journal_table": "slo-prod-journal",
        "repository_url": "222222222222.dkr.ecr.ap-northeast-1.amazonaws.com/slo-prod",
    }


def evaluate(name, values, problems):
    environment = {"IMAGE_TAG": "0123456789abcdef0123456789abcdef01234567", "AWS_REGION": "ap-northeast-1"}

    def tfstate(address):
        prefix = "output.slo."
        key = address[len(prefix):] if address.startswith(prefix) else None
        if key is None or key not in OUTPUTS:
            problems.append(f"{name}: tfstate('{address}') is not an output of deploy/terraform/modules/slo")
            return None
        return values[key]

    def must_env(var):
        if var not in environment:
            raise RuntimeError(f"must_env: {var} is not set")
        return environment[var]

    callbacks = {
        "tfstate": (("address",), tfstate),
        "must_env": (("name",), must_env),
        "env": (("key", "fallback"), lambda key, fallback: environment.get(key, fallback)),
    }
    text = _jsonnet.evaluate_file(str(ECSPRESSO / name), native_callbacks=callbacks)
    return json.loads(text)


def check(with_optional, problems):
    values = outputs(with_optional)
    task = evaluate("ecs-task-def.jsonnet", values, problems)
    service = evaluate("ecs-service-def.jsonnet", values, problems)

    def expect(what, ok):
        if not ok:
            problems.append(f"{'with' if with_optional else 'without'} dashboard and webhook: {what}")

    expect("Fargate, 0.25 vCPU and 0.5 GB", task.get("requiresCompatibilities") == ["FARGATE"]
           and task.get("cpu") == "256" and task.get("memory") == "512")
    expect("the task and execution roles from Terraform", task.get("taskRoleArn") == values["task_role_arn"]
           and task.get("executionRoleArn") == values["execution_role_arn"])
    [container] = task["containerDefinitions"]
    expect("the image tagged with the git SHA", container["image"] == values["repository_url"] + ":" + "0123456789abcdef0123456789abcdef01234567")
    expect("a read-only root file system", container.get("readonlyRootFilesystem") is True)
    expect("a non-root user", container.get("user", "").split(":")[0] not in ("", "0", "root"))
    command = container.get("healthCheck", {}).get("command", [])
    expect("a health check on /healthz run by the binary", command[:3] == ["CMD", "/slo", "probe"] and "/healthz" in command)
    expect("stopTimeout covering slo serve's 25 s drain", container.get("stopTimeout", 0) >= 30)
    env = {e["name"]: e["value"] for e in container.get("environment", [])}
    expect("the journal in DynamoDB", env.get("SLO_STATE") == "dynamodb://" + values["journal_table"])
    expect("listening on all interfaces of the task", env.get("SLO_LISTEN", "").startswith("0.0.0.0:"))
    secret_values = json.dumps(container.get("environment", []))
    expect("no webhook in the plain environment", "SLACK_WEBHOOK_URL" not in env and "hooks.slack.com" not in secret_values)
    secrets = {s["name"]: s["valueFrom"] for s in container.get("secrets", [])}
    if with_optional:
        expect("the webhook from Secrets Manager", secrets.get("SLACK_WEBHOOK_URL") == WEBHOOK_ARN)
    else:
        expect("no secret without a webhook", secrets == {})
    logs = container.get("logConfiguration", {})
    expect("awslogs into Terraform's log group", logs.get("logDriver") == "awslogs"
           and logs.get("options", {}).get("awslogs-group") == values["log_group_name"])

    breaker = service.get("deploymentConfiguration", {}).get("deploymentCircuitBreaker", {})
    expect("the circuit breaker with rollback", breaker == {"enable": True, "rollback": True})
    network = service.get("networkConfiguration", {}).get("awsvpcConfiguration", {})
    expect("private subnets and the task's security group", network.get("subnets") == values["subnet_ids"]
           and network.get("securityGroups") == [values["security_group_id"]] and network.get("assignPublicIp") == "DISABLED")
    if with_optional:
        expect("the dashboard's target group on port 8080", service.get("loadBalancers") == [
            {"targetGroupArn": TARGET_GROUP, "containerName": container["name"], "containerPort": 8080}])
    else:
        expect("no load balancer without a dashboard", service.get("loadBalancers") == [] and "healthCheckGracePeriodSeconds" not in service)


def main():
    problems = []
    for with_optional in (True, False):
        check(with_optional, problems)
    for p in problems:
        print(f"check_ecspresso: {p}", file=sys.stderr)
    if problems:
        sys.exit(1)
    print("check_ecspresso: ecs-task-def.jsonnet and ecs-service-def.jsonnet evaluate and hold what they must")


if __name__ == "__main__":
    main()
