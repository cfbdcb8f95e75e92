# Everything `slo serve` needs around it on Fargate, beside the services it watches. The ECS
# service and its task definition belong to ecspresso (deploy/ecspresso/), which reads this
# module's outputs from the state: Terraform owns the infrastructure, ecspresso the deployments.
data "aws_caller_identity" "current" {}
data "aws_region" "current" {}
data "aws_partition" "current" {}

locals {
  account   = data.aws_caller_identity.current.account_id
  region    = data.aws_region.current.region
  partition = data.aws_partition.current.partition
}

resource "aws_cloudwatch_log_group" "this" {
  #checkov:skip=CKV_AWS_338:slo serve's own JSON logs are operational; incidents live in the journal and the post-mortems. Raise log_retention_days where policy asks for a year.
  name              = "/ecs/${var.name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
  tags              = var.tags
}

# The Slack webhook URL, set out of band (`aws secretsmanager put-secret-value`), never in
# Terraform's state or the task's plain environment.
resource "aws_secretsmanager_secret" "slack_webhook" {
  #checkov:skip=CKV2_AWS_57:A Slack webhook URL cannot be rotated by a Lambda; it is replaced in Slack and put here by hand.
  count                   = var.slack_webhook ? 1 : 0
  name                    = "${var.name}/slack-webhook"
  description             = "Slack incoming-webhook URL read by slo serve (SLACK_WEBHOOK_URL)"
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = 7
  tags                    = var.tags
}

resource "aws_security_group" "task" {
  #checkov:skip=CKV2_AWS_5:ecspresso attaches it to the service (ecs-service-def.jsonnet), outside Terraform.
  name        = "${var.name}-task"
  description = "slo serve: HTTP from the load balancer, HTTPS out to AWS APIs and Slack"
  vpc_id      = var.vpc_id
  tags        = var.tags
}

resource "aws_vpc_security_group_ingress_rule" "from_alb" {
  count                        = var.alb_security_group_id == null ? 0 : 1
  security_group_id            = aws_security_group.task.id
  description                  = "Dashboard, API and health checks from the load balancer"
  referenced_security_group_id = var.alb_security_group_id
  ip_protocol                  = "tcp"
  from_port                    = var.container_port
  to_port                      = var.container_port
}

resource "aws_vpc_security_group_egress_rule" "https" {
  security_group_id = aws_security_group.task.id
  description       = "AWS APIs (CloudWatch, ECS, Logs, SNS, DynamoDB, ECR) and the Slack webhook"
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
}

# The dashboard and API behind the existing ALB, on a host name or path of its HTTPS listener.
resource "aws_lb_target_group" "this" {
  #checkov:skip=CKV_AWS_378:TLS ends at the ALB; the task listens on plain HTTP inside private subnets, reachable only from the ALB's security group.
  count       = var.dashboard == null ? 0 : 1
  name        = substr(var.name, 0, 32)
  port        = var.container_port
  protocol    = "HTTP"
  target_type = "ip"
  vpc_id      = var.vpc_id

  health_check {
    path                = "/healthz"
    matcher             = "200"
    interval            = 15
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }

  # slo serve drains in 25 s on SIGTERM; the ALB should stop sending before that.
  deregistration_delay = 20
  tags                 = var.tags
}

resource "aws_lb_listener_rule" "this" {
  count        = var.dashboard == null ? 0 : 1
  listener_arn = var.dashboard.listener_arn
  priority     = var.dashboard.priority

  # Sign in first, when the ALB is not internal (variables.tf refuses a public listener
  # without it).
  dynamic "action" {
    for_each = var.dashboard.oidc == null ? [] : [var.dashboard.oidc]
    content {
      type  = "authenticate-oidc"
      order = 1
      authenticate_oidc {
        issuer                     = action.value.issuer
        authorization_endpoint     = action.value.authorization_endpoint
        token_endpoint             = action.value.token_endpoint
        user_info_endpoint         = action.value.user_info_endpoint
        client_id                  = action.value.client_id
        client_secret              = action.value.client_secret
        on_unauthenticated_request = "authenticate"
        session_timeout            = 28800
      }
    }
  }

  action {
    type             = "forward"
    order            = 2
    target_group_arn = aws_lb_target_group.this[0].arn
  }

  condition {
    host_header {
      values = [var.dashboard.host]
    }
  }
  tags = var.tags
}
