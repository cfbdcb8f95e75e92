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
    # The dashboard and the API show every objective, incident and deployment: whoever reaches
    # the host must sign in with the organisation's OIDC provider (authenticate-oidc on the
    # listener rule) ...
    oidc = optional(object({
      issuer                 = string
      authorization_endpoint = string
      token_endpoint         = string
      user_info_endpoint     = string
      client_id              = string
      client_secret          = string
    }))
    # ... or the listener belongs to an internal ALB, reachable only from the private network
    # (say so explicitly: a public listener without oidc is refused).
    internal_alb = optional(bool, false)
  })
  default   = null
  sensitive = true

  validation {
    condition     = var.dashboard == null || try(var.dashboard.oidc != null, false) || try(var.dashboard.internal_alb, false)
    error_message = "dashboard: the dashboard and API expose SLO data; give dashboard.oidc (sign-in on the listener rule) or set dashboard.internal_alb = true for an internal ALB."
  }
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
