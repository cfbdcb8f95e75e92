output "table_name" {
  description = "For SLO_STATE=dynamodb://<table_name>."
  value       = aws_dynamodb_table.this.name
}

output "table_arn" {
  description = "For the task role's GetItem/PutItem."
  value       = aws_dynamodb_table.this.arn
}
