variable "name" {
  description = "Name of this installation (slo-dev, slo-prod): prefixes every resource; also the ECS service name."
  type        = string
}

variable "cluster" {
  description = "The existing ECS cluster slo serve runs in (beside the services it watches)."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets of the existing stack for the task (read by ecspresso)."
  type        = list(string)
}

variable "vpc_id" {
  description = "The existing stack's VPC."
  type        = string
}

variable "alb_security_group_id" {
  description = "The existing ALB's security group; null when the dashboard is not exposed."
  type        = string
  default     = null
}

variable "dashboard" {
  description = "Expose the dashboard on this host name of the existing ALB's HTTPS listener; null for none."
  type = object({
    listener_arn = string
    host         = string
    priority     = number
  })
  default = null
}

variable "watched_clusters" {
  description = "Clusters of the services the specs watch."
  type        = list(string)
}

variable "watched_log_groups" {
  description = "The specs' ecs.logGroup values."
  type        = list(string)
}

variable "extra_topic_arns" {
  description = "SNS topics the specs name besides the one made here."
  type        = list(string)
  default     = []
}

variable "alert_emails" {
  description = "Addresses subscribed to the alerts topic."
  type        = list(string)
  default     = []
}

variable "chatbot" {
  description = "Slack workspace and channel for AWS Chatbot, or null."
  type = object({
    slack_team_id    = string
    slack_channel_id = string
  })
  default = null
}

variable "slack_webhook" {
  description = "Create the secret for a direct Slack webhook."
  type        = bool
  default     = true
}

variable "log_retention_days" {
  description = "Retention of slo serve's own logs."
  type        = number
  default     = 90
}

variable "github_repository" {
  description = "owner/name of the repository whose workflows deploy."
  type        = string
}

variable "github_environment" {
  description = "The GitHub environment of the deploy job."
  type        = string
}

variable "create_oidc_provider" {
  description = "Create the account's GitHub OIDC provider (false when it exists)."
  type        = bool
  default     = true
}

variable "state_bucket" {
  description = "This environment's Terraform state bucket (ecspresso reads the outputs from it)."
  type        = string
}

variable "state_key" {
  description = "This environment's state key."
  type        = string
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
