# GitHub Actions assume these roles by OIDC: no AWS key is stored anywhere. Pull requests get a
# read-only role (`slo plan`, posted as a comment); the deploy role is trusted only from the
# repository's GitHub environment (its protection rules apply) and may push the image, deploy
# with ecspresso and run `slo apply`.
data "aws_caller_identity" "current" {}
data "aws_region" "current" {}
data "aws_partition" "current" {}

locals {
  account   = data.aws_caller_identity.current.account_id
  region    = data.aws_region.current.region
  partition = data.aws_partition.current.partition
  issuer    = "token.actions.githubusercontent.com"
  alarms    = "arn:${local.partition}:cloudwatch:${local.region}:${local.account}:alarm:slo:*"
  dashboard = "arn:${local.partition}:cloudwatch::${local.account}:dashboard/slo-*"
  # Maintenance windows' alarm mute rules (`slo-<service>-<n>`).
  mute_rules = "arn:${local.partition}:cloudwatch:${local.region}:${local.account}:alarm-mute-rule:slo-*"
  watched_services = [
    for c in var.watched_clusters : "arn:${local.partition}:ecs:${local.region}:${local.account}:service/${c}/*"
  ]
  log_groups = flatten([for g in var.watched_log_groups : [
    "arn:${local.partition}:logs:${local.region}:${local.account}:log-group:${g}",
    "arn:${local.partition}:logs:${local.region}:${local.account}:log-group:${g}:*",
  ]])
  provider_arn = var.create_oidc_provider ? aws_iam_openid_connect_provider.github[0].arn : "arn:${local.partition}:iam::${local.account}:oidc-provider/${local.issuer}"
}

# One per account: set create_oidc_provider = false where another stack already made it.
resource "aws_iam_openid_connect_provider" "github" {
  count          = var.create_oidc_provider ? 1 : 0
  url            = "https://${local.issuer}"
  client_id_list = ["sts.amazonaws.com"]
  tags           = var.tags
}

data "aws_iam_policy_document" "trust" {
  for_each = {
    plan   = ["repo:${var.repository}:pull_request"]
    deploy = ["repo:${var.repository}:environment:${var.environment}"]
  }
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [local.provider_arn]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.issuer}:aud"
      values   = ["sts.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.issuer}:sub"
      values   = each.value
    }
  }
}

resource "aws_iam_role" "plan" {
  name                 = "${var.name}-plan"
  assume_role_policy   = data.aws_iam_policy_document.trust["plan"].json
  max_session_duration = 3600
  tags                 = var.tags
}

resource "aws_iam_role" "deploy" {
  name                 = "${var.name}-deploy"
  assume_role_policy   = data.aws_iam_policy_document.trust["deploy"].json
  max_session_duration = 3600
  tags                 = var.tags
}

resource "aws_iam_role_policy" "plan" {
  name   = "slo-plan"
  role   = aws_iam_role.plan.id
  policy = data.aws_iam_policy_document.slo_plan.json
}

resource "aws_iam_role_policy" "deploy_slo" {
  name   = "slo-apply"
  role   = aws_iam_role.deploy.id
  policy = data.aws_iam_policy_document.slo_apply.json
}

resource "aws_iam_role_policy" "deploy_image" {
  name   = "ecr-push-ecspresso-deploy"
  role   = aws_iam_role.deploy.id
  policy = data.aws_iam_policy_document.deploy.json
}
