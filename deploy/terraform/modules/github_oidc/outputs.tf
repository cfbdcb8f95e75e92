output "plan_role_arn" {
  description = "Assumed by pull requests (vars.AWS_PLAN_ROLE_ARN in GitHub)."
  value       = aws_iam_role.plan.arn
}

output "deploy_role_arn" {
  description = "Assumed by the deploy job (vars.AWS_DEPLOY_ROLE_ARN in the GitHub environment)."
  value       = aws_iam_role.deploy.arn
}
