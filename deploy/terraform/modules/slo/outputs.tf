# ecspresso's tfstate plugin reads these by name (output.<name>); the workflow reads the roles.
output "cluster" {
  description = "The ECS cluster slo serve runs in."
  value       = var.cluster
}

output "service" {
  description = "The ECS service name."
  value       = var.name
}

output "subnet_ids" {
  description = "Subnets of the task."
  value       = var.subnet_ids
}

output "security_group_id" {
  description = "The task's security group."
  value       = module.service.security_group_id
}

output "task_role_arn" {
  description = "The task role."
  value       = module.service.task_role_arn
}

output "execution_role_arn" {
  description = "The execution role."
  value       = module.service.execution_role_arn
}

output "log_group_name" {
  description = "The container's log group."
  value       = module.service.log_group_name
}

output "target_group_arn" {
  description = "The dashboard's target group, or null."
  value       = module.service.target_group_arn
}

output "slack_webhook_secret_arn" {
  description = "The Slack webhook secret, or null."
  value       = module.service.slack_webhook_secret_arn
}

output "journal_table" {
  description = "SLO_STATE=dynamodb://<journal_table>."
  value       = module.journal.table_name
}

output "repository_url" {
  description = "Where the image is pushed."
  value       = module.ecr.repository_url
}

output "alerts_topic_arn" {
  description = "Put this in the specs' notify.sns."
  value       = module.notifications.topic_arn
}

output "plan_role_arn" {
  description = "vars.AWS_PLAN_ROLE_ARN."
  value       = module.github_oidc.plan_role_arn
}

output "deploy_role_arn" {
  description = "vars.AWS_DEPLOY_ROLE_ARN."
  value       = module.github_oidc.deploy_role_arn
}

output "operator_policy_arn" {
  description = "Attach to the on-call's permission set for slo init, report, notify and plan."
  value       = aws_iam_policy.operator.arn
}
