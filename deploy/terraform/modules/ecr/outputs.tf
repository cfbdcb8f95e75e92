output "repository_url" {
  description = "Where CI pushes the image (…/slo:<git sha>)."
  value       = aws_ecr_repository.this.repository_url
}

output "repository_arn" {
  description = "The repository's ARN, for the deploy role's push permission."
  value       = aws_ecr_repository.this.arn
}
