variable "name" {
  description = "Prefix of the roles (e.g. slo-prod → slo-prod-plan, slo-prod-deploy)."
  type        = string
}

variable "repository" {
  description = "The GitHub repository, owner/name, whose workflows may assume the roles."
  type        = string
}

variable "environment" {
  description = "The GitHub environment of the deploy job (its protection rules gate the deploy role)."
  type        = string
}

variable "create_oidc_provider" {
  description = "Create the account's GitHub OIDC provider (false when it exists already)."
  type        = bool
  default     = true
}

variable "watched_clusters" {
  description = "Clusters of the services the specs watch (slo apply keeps their deployment alarms)."
  type        = list(string)
}

variable "watched_log_groups" {
  description = "Log groups slo apply keeps its metric filters on (the specs' ecs.logGroup)."
  type        = list(string)
}

variable "topic_arns" {
  description = "The SNS topics the specs notify: the only actions slo apply may give an alarm."
  type        = list(string)
}

variable "repository_arn" {
  description = "The ECR repository the image is pushed to."
  type        = string
}

variable "cluster" {
  description = "The ECS cluster slo serve runs in."
  type        = string
}

variable "service" {
  description = "The ECS service name of slo serve."
  type        = string
}

variable "pass_role_arns" {
  description = "The task and execution roles ecspresso puts in the task definition."
  type        = list(string)
}

variable "state_bucket" {
  description = "The S3 bucket of this environment's Terraform state (read by ecspresso's tfstate plugin)."
  type        = string
}

variable "state_key" {
  description = "The state object's key."
  type        = string
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}

variable "access_log_locations" {
  description = "Where ALB writes its access logs, as bucket/prefix (no s3://), for `slo report --access-logs s3://…`; empty: no S3 reads."
  type        = list(string)
  default     = []
}

variable "athena_workgroup" {
  description = "The Athena workgroup `slo report|gate --engine athena` runs in; empty: no Athena permissions."
  type        = string
  default     = ""
}

variable "athena_table" {
  description = "The ALB access-log table, DATABASE.TABLE (`slo init --athena` prints its DDL)."
  type        = string
  default     = "slo.alb_logs"
}

variable "athena_results" {
  description = "Where Athena writes query results, as bucket/prefix (no s3://); empty: the workgroup enforces its own location."
  type        = string
  default     = ""
}
