# The task role: exactly what `slo serve` calls (tests/it/iam.rs reads this document and fails
# when the code calls an action it lacks, or when it allows one the code never calls).
data "aws_iam_policy_document" "task" {
  # GetMetricData has no resource-level permissions.
  statement {
    sid       = "ReadMetrics"
    actions   = ["cloudwatch:GetMetricData"]
    resources = ["*"]
  }

  # Alarms are asked by name prefix (`slo:`), not by name: the ARN pattern covers the region's
  # alarms, read only, so the answer does not depend on how IAM matches a prefix query.
  statement {
    sid       = "ReadAlarmStates"
    actions   = ["cloudwatch:DescribeAlarms", "cloudwatch:DescribeAlarmHistory"]
    resources = ["arn:${local.partition}:cloudwatch:${local.region}:${local.account}:alarm:*"]
  }

  # The heartbeat the `slo:heartbeat` alarm watches, and nothing else.
  statement {
    sid       = "PutTheHeartbeat"
    actions   = ["cloudwatch:PutMetricData"]
    resources = ["*"]
    condition {
      test     = "StringEquals"
      variable = "cloudwatch:namespace"
      values   = ["SLO"]
    }
  }

  # Deployments of the watched clusters' services, for correlation.
  statement {
    sid     = "ReadDeploymentsOfTheWatchedClusters"
    actions = ["ecs:ListServiceDeployments", "ecs:DescribeServices", "ecs:DescribeServiceDeployments", "ecs:DescribeServiceRevisions"]
    resources = flatten([for c in var.watched_clusters : [
      "arn:${local.partition}:ecs:${local.region}:${local.account}:service/${c}/*",
      "arn:${local.partition}:ecs:${local.region}:${local.account}:service-deployment/${c}/*",
      "arn:${local.partition}:ecs:${local.region}:${local.account}:service-revision/${c}/*",
    ]])
  }

  # The top errors behind an incident, from the services' own log groups.
  statement {
    sid     = "ReadEvidenceFromTheWatchedLogGroups"
    actions = ["logs:FilterLogEvents"]
    resources = flatten([for g in var.watched_log_groups : [
      "arn:${local.partition}:logs:${local.region}:${local.account}:log-group:${g}",
      "arn:${local.partition}:logs:${local.region}:${local.account}:log-group:${g}:*",
    ]])
  }

  statement {
    sid       = "PublishToTheSpecsTopics"
    actions   = ["sns:Publish"]
    resources = var.topic_arns
  }

  # Publishing to a topic encrypted with a customer-managed key needs the key (dependent on
  # sns:Publish above).
  statement {
    sid       = "EncryptForTheTopics"
    actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
    resources = [var.kms_key_arn]
    # Only through SNS: the task cannot use the key directly.
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["sns.${local.region}.amazonaws.com"]
    }
  }

  statement {
    sid       = "KeepTheJournal"
    actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"]
    resources = [var.journal_table_arn]
  }
}

resource "aws_iam_role" "task" {
  name               = "${var.name}-task"
  assume_role_policy = data.aws_iam_policy_document.assume_ecs_tasks.json
  tags               = var.tags
}

resource "aws_iam_role_policy" "task" {
  name   = "slo-serve"
  role   = aws_iam_role.task.id
  policy = data.aws_iam_policy_document.task.json
}

data "aws_iam_policy_document" "assume_ecs_tasks" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
    # Only tasks of this account may assume it (confused-deputy guard).
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account]
    }
  }
}

# The execution role: what ECS itself needs to start the task (pull the image, write the logs,
# read the Slack webhook secret into the container's environment).
data "aws_iam_policy_document" "execution" {
  statement {
    sid       = "EcrLogin"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }

  statement {
    sid       = "PullTheImage"
    actions   = ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"]
    resources = [var.repository_arn]
  }

  statement {
    sid       = "WriteTheLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.this.arn}:*"]
  }

  dynamic "statement" {
    for_each = var.slack_webhook ? [1] : []
    content {
      sid       = "ReadTheSlackWebhook"
      actions   = ["secretsmanager:GetSecretValue"]
      resources = [aws_secretsmanager_secret.slack_webhook[0].arn]
    }
  }

  statement {
    sid       = "DecryptTheSecretAndTheImage"
    actions   = ["kms:Decrypt"]
    resources = [var.kms_key_arn]
    # Only through Secrets Manager (the webhook) and ECR (the image).
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["secretsmanager.${local.region}.amazonaws.com", "ecr.${local.region}.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "execution" {
  name               = "${var.name}-execution"
  assume_role_policy = data.aws_iam_policy_document.assume_ecs_tasks.json
  tags               = var.tags
}

resource "aws_iam_role_policy" "execution" {
  name   = "ecs-start"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.execution.json
}
