# The operator policy: what a person running slo from a laptop needs (`slo init`, `slo report`
# against CloudWatch, `slo notify --test`, `slo plan`). Attach it to the on-call's SSO permission
# set or group; `slo apply` runs from CI only. tests/it/iam.rs checks it against the code.
data "aws_caller_identity" "current" {}
data "aws_region" "current" {}
data "aws_partition" "current" {}

locals {
  arn = "arn:${data.aws_partition.current.partition}"
  at  = "${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}"
  watched_log_groups = flatten([for g in var.watched_log_groups : [
    "${local.arn}:logs:${local.at}:log-group:${g}",
    "${local.arn}:logs:${local.at}:log-group:${g}:*",
  ]])
}

data "aws_iam_policy_document" "operator" {
  # No resource-level permissions (GetMetricData, the ELB describes), or asked by prefix or for
  # the account's list (alarms, dashboards, log groups).
  statement {
    sid = "ReadMetricsAlarmsAndLoadBalancers"
    actions = [
      "cloudwatch:GetMetricData", "cloudwatch:ListDashboards", "logs:DescribeLogGroups",
      "elasticloadbalancing:DescribeLoadBalancers", "elasticloadbalancing:DescribeTargetGroups",
      "elasticloadbalancing:DescribeLoadBalancerAttributes",
    ]
    resources = ["*"]
  }

  statement {
    sid       = "ReadAlarms"
    actions   = ["cloudwatch:DescribeAlarms", "cloudwatch:DescribeAlarmHistory"]
    resources = ["${local.arn}:cloudwatch:${local.at}:alarm:*"]
  }

  statement {
    sid       = "ReadOwnedAlarmTagsAndDashboards"
    actions   = ["cloudwatch:ListTagsForResource", "cloudwatch:GetDashboard"]
    resources = ["${local.arn}:cloudwatch:${local.at}:alarm:slo:*", "${local.arn}:cloudwatch::${data.aws_caller_identity.current.account_id}:dashboard/slo-*"]
  }

  # `--access-logs s3://bucket/prefix/`: the log buckets listed under their prefixes only, and
  # their objects read. No statement when no location is given.
  dynamic "statement" {
    for_each = length(var.access_log_locations) > 0 ? [1] : []
    content {
      sid       = "ListAccessLogs"
      actions   = ["s3:ListBucket"]
      resources = distinct([for l in var.access_log_locations : "arn:${data.aws_partition.current.partition}:s3:::${split("/", l)[0]}"])
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
      resources = [for l in var.access_log_locations : "arn:${data.aws_partition.current.partition}:s3:::${trimsuffix(l, "/")}/*"]
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
      resources = ["arn:${data.aws_partition.current.partition}:athena:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}:workgroup/${var.athena_workgroup}"]
    }
  }

  dynamic "statement" {
    for_each = var.athena_workgroup != "" ? [1] : []
    content {
      sid       = "ReadTheLogTable"
      actions   = ["athena:GetTableMetadata"]
      resources = ["arn:${data.aws_partition.current.partition}:athena:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}:datacatalog/AwsDataCatalog"]
    }
  }

  dynamic "statement" {
    for_each = var.athena_workgroup != "" ? [1] : []
    content {
      sid     = "ReadTheLogTableFromGlue"
      actions = ["glue:GetTable", "glue:GetDatabase", "glue:GetPartitions"]
      resources = [
        "arn:${data.aws_partition.current.partition}:glue:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}:catalog",
        "arn:${data.aws_partition.current.partition}:glue:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}:database/${split(".", var.athena_table)[0]}",
        "arn:${data.aws_partition.current.partition}:glue:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}:table/${replace(var.athena_table, ".", "/")}",
      ]
    }
  }

  dynamic "statement" {
    for_each = var.athena_workgroup != "" && var.athena_results != "" ? [1] : []
    content {
      sid     = "WriteAthenaResults"
      actions = ["s3:PutObject", "s3:GetBucketLocation"]
      resources = concat(
        ["arn:${data.aws_partition.current.partition}:s3:::${trimsuffix(var.athena_results, "/")}/*", "arn:${data.aws_partition.current.partition}:s3:::${split("/", var.athena_results)[0]}"],
        [for l in var.access_log_locations : "arn:${data.aws_partition.current.partition}:s3:::${split("/", l)[0]}"],
      )
    }
  }

  # `slo plan`: the region's mute rules listed, slo's maintenance windows read with their tags.
  statement {
    sid       = "ListMuteRules"
    actions   = ["cloudwatch:ListAlarmMuteRules"]
    resources = ["${local.arn}:cloudwatch:${local.at}:alarm-mute-rule:*"]
  }

  statement {
    sid       = "ReadOwnedMuteRules"
    actions   = ["cloudwatch:GetAlarmMuteRule", "cloudwatch:ListTagsForResource"]
    resources = ["${local.arn}:cloudwatch:${local.at}:alarm-mute-rule:slo-*"]
  }

  # `slo init` looks through the account's clusters; the rest read the watched services.
  statement {
    sid = "ReadClustersServicesAndDeployments"
    actions = [
      "ecs:DescribeClusters", "ecs:ListServices", "ecs:DescribeServices",
      "ecs:ListServiceDeployments", "ecs:DescribeServiceDeployments", "ecs:DescribeServiceRevisions",
    ]
    resources = ["${local.arn}:ecs:${local.at}:*"]
  }

  # Task definitions name their log group; the action has no resource-level permissions.
  statement {
    sid       = "ReadTaskDefinitions"
    actions   = ["ecs:DescribeTaskDefinition"]
    resources = ["*"]
  }

  statement {
    sid       = "ReadEvidenceAndMetricFilters"
    actions   = ["logs:FilterLogEvents", "logs:DescribeMetricFilters"]
    resources = local.watched_log_groups
  }

  # `slo notify --test` sends a test notice through the journal.
  statement {
    sid       = "NotifyThroughTheJournal"
    actions   = ["sns:Publish"]
    resources = concat([module.notifications.topic_arn], var.extra_topic_arns)
  }

  # Only through SNS, for the topics: the key is not usable directly.
  statement {
    sid       = "EncryptForTheTopics"
    actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
    resources = [module.kms.key_arn]
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["sns.${data.aws_region.current.region}.amazonaws.com"]
    }
  }

  statement {
    sid       = "KeepTheJournal"
    actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"]
    resources = [module.journal.table_arn]
  }
}

resource "aws_iam_policy" "operator" {
  name        = "${var.name}-operator"
  description = "slo init, report, notify --test and plan from a laptop"
  policy      = data.aws_iam_policy_document.operator.json
  tags        = var.tags
}
