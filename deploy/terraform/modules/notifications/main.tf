# The topic the specs' `notify.sns` names: CloudWatch's fallback composites publish to it when
# `slo serve` is down, and `slo serve` publishes its correlated notices to it. E-mail subscribers
# get readable text; AWS Chatbot gets the custom-notification JSON.
data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

resource "aws_sns_topic" "this" {
  name              = var.name
  kms_master_key_id = var.kms_key_arn
  tags              = var.tags
}

data "aws_iam_policy_document" "topic" {
  statement {
    sid       = "CloudWatchAlarmsOfThisAccountPublish"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.this.arn]
    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }

  statement {
    sid       = "AccountManagesTheTopic"
    actions   = ["sns:GetTopicAttributes", "sns:SetTopicAttributes", "sns:Subscribe", "sns:ListSubscriptionsByTopic", "sns:Publish"]
    resources = [aws_sns_topic.this.arn]
    principals {
      type        = "AWS"
      identifiers = ["arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }
}

resource "aws_sns_topic_policy" "this" {
  arn    = aws_sns_topic.this.arn
  policy = data.aws_iam_policy_document.topic.json
}

# Each address receives a confirmation e-mail; nothing is delivered until it is confirmed.
resource "aws_sns_topic_subscription" "email" {
  for_each  = toset(var.emails)
  topic_arn = aws_sns_topic.this.arn
  protocol  = "email"
  endpoint  = each.value
}

# AWS Chatbot posts the topic's custom notifications to a Slack channel. The Slack workspace must
# have been authorised once in the Chatbot console (that step has no API).
resource "aws_iam_role" "chatbot" {
  count = var.chatbot == null ? 0 : 1
  name  = "${var.name}-chatbot"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "chatbot.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
  tags = var.tags
}

resource "aws_chatbot_slack_channel_configuration" "this" {
  count              = var.chatbot == null ? 0 : 1
  configuration_name = var.name
  iam_role_arn       = aws_iam_role.chatbot[0].arn
  slack_team_id      = var.chatbot.slack_team_id
  slack_channel_id   = var.chatbot.slack_channel_id
  sns_topic_arns     = [aws_sns_topic.this.arn]
  # The channel only reads notifications: nobody runs commands against the account from Slack.
  guardrail_policy_arns = ["arn:${data.aws_partition.current.partition}:iam::aws:policy/CloudWatchReadOnlyAccess"]
  logging_level         = "ERROR"
  tags                  = var.tags
}
