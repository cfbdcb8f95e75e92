# Read by ecspresso through its tfstate plugin (deploy/ecspresso/*.jsonnet).
output "task_role_arn" {
  description = "The task role: what slo serve may call."
  value       = aws_iam_role.task.arn
}

output "execution_role_arn" {
  description = "The execution role: what ECS needs to start the task."
  value       = aws_iam_role.execution.arn
}

output "log_group_name" {
  description = "The awslogs group of the container."
  value       = aws_cloudwatch_log_group.this.name
}

output "security_group_id" {
  description = "The task's security group."
  value       = aws_security_group.task.id
}

output "target_group_arn" {
  description = "The dashboard's target group, or null."
  value       = try(aws_lb_target_group.this[0].arn, null)
}

output "slack_webhook_secret_arn" {
  description = "The secret holding the Slack webhook URL, or null."
  value       = try(aws_secretsmanager_secret.slack_webhook[0].arn, null)
}
