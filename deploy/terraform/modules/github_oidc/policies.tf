# `slo plan` and `slo apply`: tests/it/iam.rs compares these two documents with the calls the
# code makes for each command; an action no code calls, or a call no action allows, fails it.
data "aws_iam_policy_document" "slo_plan" {
  # Lists of the account's dashboards and log groups have no resource-level permissions.
  statement {
    sid       = "ListDashboardsAndLogGroups"
    actions   = ["cloudwatch:ListDashboards", "logs:DescribeLogGroups"]
    resources = ["*"]
  }

  # Alarms are asked by name prefix (`slo:`), not by name: the pattern covers the region's
  # alarms, read only, so the answer does not depend on how IAM matches a prefix query.
  statement {
    sid       = "ListAlarms"
    actions   = ["cloudwatch:DescribeAlarms"]
    resources = ["arn:${local.partition}:cloudwatch:${local.region}:${local.account}:alarm:*"]
  }

  statement {
    sid       = "ReadOwnedAlarmTags"
    actions   = ["cloudwatch:ListTagsForResource"]
    resources = [local.alarms]
  }

  statement {
    sid       = "ReadOwnedDashboards"
    actions   = ["cloudwatch:GetDashboard"]
    resources = [local.dashboard]
  }

  # Maintenance windows: the region's mute rules listed, slo's read with their tags.
  statement {
    sid       = "ListMuteRules"
    actions   = ["cloudwatch:ListAlarmMuteRules"]
    resources = ["arn:${local.partition}:cloudwatch:${local.region}:${local.account}:alarm-mute-rule:*"]
  }

  statement {
    sid       = "ReadOwnedMuteRules"
    actions   = ["cloudwatch:GetAlarmMuteRule", "cloudwatch:ListTagsForResource"]
    resources = [local.mute_rules]
  }

  statement {
    sid       = "ReadMetricFiltersOfTheWatchedLogGroups"
    actions   = ["logs:DescribeMetricFilters"]
    resources = local.log_groups
  }

  # The deployment alarms of the specs' services (ecs.rollbackOnBurn), in the watched clusters.
  statement {
    sid       = "ReadTheServicesDeploymentAlarms"
    actions   = ["ecs:DescribeServices"]
    resources = local.watched_services
  }
}

data "aws_iam_policy_document" "slo_apply" {
  source_policy_documents = [data.aws_iam_policy_document.slo_plan.json]

  # Only alarms whose names start with `slo:`, written with the managed-by=slo tag, whose
  # actions notify only the specs' topics (a leaked CI credential cannot attach an EC2 stop or
  # a Lambda to an alarm): slo never touches an alarm it does not own.
  statement {
    sid       = "WriteOwnedAlarms"
    actions   = ["cloudwatch:PutMetricAlarm", "cloudwatch:PutCompositeAlarm"]
    resources = [local.alarms]
    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/managed-by"
      values   = ["slo"]
    }
    condition {
      test     = "ForAllValues:StringEquals"
      variable = "cloudwatch:AlarmActions"
      values   = var.topic_arns
    }
  }

  # Deleting and tagging: only alarms already tagged managed-by=slo.
  statement {
    sid       = "DeleteAndTagOwnedAlarms"
    actions   = ["cloudwatch:DeleteAlarms", "cloudwatch:TagResource"]
    resources = [local.alarms]
    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/managed-by"
      values   = ["slo"]
    }
  }

  # PutAlarmMuteRule is allowed on the rule and on each alarm it targets (AWS's two-resource
  # permission): only slo's rules, naming only slo's alarms, written with the managed-by tag.
  statement {
    sid       = "WriteOwnedMuteRules"
    actions   = ["cloudwatch:PutAlarmMuteRule"]
    resources = [local.mute_rules, local.alarms]
  }

  statement {
    sid       = "DeleteOwnedMuteRules"
    actions   = ["cloudwatch:DeleteAlarmMuteRule"]
    resources = [local.mute_rules]
    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/managed-by"
      values   = ["slo"]
    }
  }

  statement {
    sid       = "WriteOwnedDashboards"
    actions   = ["cloudwatch:PutDashboard", "cloudwatch:DeleteDashboards"]
    resources = [local.dashboard]
  }

  statement {
    sid       = "WriteMetricFiltersOfTheWatchedLogGroups"
    actions   = ["logs:PutMetricFilter", "logs:DeleteMetricFilter"]
    resources = local.log_groups
  }

  # `slo gate` before a deploy: the budget from CloudWatch (no resource-level permissions for
  # GetMetricData), the service's deployments and its logs' evidence.
  # `slo gate --access-logs s3://bucket/prefix/`: the log buckets listed under their prefixes only, and
  # their objects read. No statement when no location is given.
  dynamic "statement" {
    for_each = length(var.access_log_locations) > 0 ? [1] : []
    content {
      sid       = "ListAccessLogs"
      actions   = ["s3:ListBucket"]
      resources = distinct([for l in var.access_log_locations : "arn:${local.partition}:s3:::${split("/", l)[0]}"])
      condition {
        test     = "StringLike"
        variable = "s3:prefix"
        values   = [for l in var.access_log_locations : "${trimprefix(join("/", slice(split("/", l), 1, length(split("/", l)))), "/")}*"]
      }
    }
  }

  dynamic "statement" {
    for_each = length(var.access_log_locations) > 0 ? [1] : []
    content {
      sid       = "ReadAccessLogs"
      actions   = ["s3:GetObject"]
      resources = [for l in var.access_log_locations : "arn:${local.partition}:s3:::${trimsuffix(l, "/")}/*"]
    }
  }

  # `--engine athena` (report, gate): queries in the named workgroup over the ALB table, whose
  # metadata Athena reads from Glue on the caller's behalf, results written where the workgroup
  # (or --athena-output) says. No statement when no workgroup is given.
  dynamic "statement" {
    for_each = var.athena_workgroup != "" ? [1] : []
    content {
      sid       = "RunAthenaQueries"
      actions   = ["athena:StartQueryExecution", "athena:GetQueryExecution", "athena:GetQueryResults"]
      resources = ["arn:${local.partition}:athena:${local.region}:${local.account}:workgroup/${var.athena_workgroup}"]
    }
  }

  dynamic "statement" {
    for_each = var.athena_workgroup != "" ? [1] : []
    content {
      sid       = "ReadTheLogTable"
      actions   = ["athena:GetTableMetadata"]
      resources = ["arn:${local.partition}:athena:${local.region}:${local.account}:datacatalog/AwsDataCatalog"]
    }
  }

  dynamic "statement" {
    for_each = var.athena_workgroup != "" ? [1] : []
    content {
      sid     = "ReadTheLogTableFromGlue"
      actions = ["glue:GetTable", "glue:GetDatabase", "glue:GetPartitions"]
      resources = [
        "arn:${local.partition}:glue:${local.region}:${local.account}:catalog",
        "arn:${local.partition}:glue:${local.region}:${local.account}:database/${split(".", var.athena_table)[0]}",
        "arn:${local.partition}:glue:${local.region}:${local.account}:table/${replace(var.athena_table, ".", "/")}",
      ]
    }
  }

  dynamic "statement" {
    for_each = var.athena_workgroup != "" && var.athena_results != "" ? [1] : []
    content {
      sid     = "WriteAthenaResults"
      actions = ["s3:PutObject", "s3:GetBucketLocation"]
      resources = concat(
        ["arn:${local.partition}:s3:::${trimsuffix(var.athena_results, "/")}/*", "arn:${local.partition}:s3:::${split("/", var.athena_results)[0]}"],
        [for l in var.access_log_locations : "arn:${local.partition}:s3:::${split("/", l)[0]}"],
      )
    }
  }

  statement {
    sid       = "GateReadsTheBudget"
    actions   = ["cloudwatch:GetMetricData"]
    resources = ["*"]
  }

  statement {
    sid     = "GateReadsTheDeployments"
    actions = ["ecs:ListServiceDeployments", "ecs:DescribeServiceDeployments", "ecs:DescribeServiceRevisions"]
    resources = flatten([for c in var.watched_clusters : [
      "arn:${local.partition}:ecs:${local.region}:${local.account}:service/${c}/*",
      "arn:${local.partition}:ecs:${local.region}:${local.account}:service-deployment/${c}/*",
      "arn:${local.partition}:ecs:${local.region}:${local.account}:service-revision/${c}/*",
    ]])
  }

  statement {
    sid       = "GateReadsTheEvidence"
    actions   = ["logs:FilterLogEvents"]
    resources = local.log_groups
  }

  # ecs.rollbackOnBurn: slo apply adds its guard alarm to the specs' services' deployment
  # alarms (and removes it), sending back the rest of their deploymentConfiguration as read.
  statement {
    sid       = "KeepTheServicesDeploymentAlarms"
    actions   = ["ecs:UpdateService"]
    resources = local.watched_services
  }
}

# Not slo's own calls: pushing the image, `ecspresso deploy` and its tfstate plugin.
data "aws_iam_policy_document" "deploy" {
  statement {
    sid       = "EcrLogin"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }

  statement {
    sid = "PushTheImage"
    actions = [
      "ecr:BatchCheckLayerAvailability", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart",
      "ecr:CompleteLayerUpload", "ecr:PutImage", "ecr:BatchGetImage",
    ]
    resources = [var.repository_arn]
  }

  # RegisterTaskDefinition and DescribeTaskDefinition have no resource-level permissions.
  statement {
    sid       = "RegisterTaskDefinitions"
    actions   = ["ecs:RegisterTaskDefinition", "ecs:DescribeTaskDefinition"]
    resources = ["*"]
  }

  statement {
    sid       = "DeployTheSloService"
    actions   = ["ecs:DescribeServices", "ecs:UpdateService"]
    resources = ["arn:${local.partition}:ecs:${local.region}:${local.account}:service/${var.cluster}/${var.service}"]
  }

  statement {
    sid       = "WatchTheRollout"
    actions   = ["ecs:ListTasks", "ecs:DescribeTasks", "ecs:DescribeClusters"]
    resources = ["arn:${local.partition}:ecs:${local.region}:${local.account}:*"]
    condition {
      test     = "ArnEquals"
      variable = "ecs:cluster"
      values   = ["arn:${local.partition}:ecs:${local.region}:${local.account}:cluster/${var.cluster}"]
    }
  }

  statement {
    sid       = "HandTheRolesToTheTask"
    actions   = ["iam:PassRole"]
    resources = var.pass_role_arns
    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["ecs-tasks.amazonaws.com"]
    }
  }

  statement {
    sid       = "ReadTheTerraformOutputs"
    actions   = ["s3:GetObject"]
    resources = ["arn:${local.partition}:s3:::${var.state_bucket}/${var.state_key}"]
  }
}
