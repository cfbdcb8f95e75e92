variable "name" {
  description = "Name of the service and prefix of its resources (e.g. slo-prod)."
  type        = string
}

variable "vpc_id" {
  description = "The VPC of the existing stack slo runs beside."
  type        = string
}

variable "alb_security_group_id" {
  description = "The existing ALB's security group, allowed to reach the task; null when the dashboard is not exposed."
  type        = string
  default     = null
}

variable "dashboard" {
  description = "Expose the dashboard through the existing ALB's HTTPS listener on this host name; null for none."
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

variable "container_port" {
  description = "The port slo serve listens on (SLO_LISTEN)."
  type        = number
  default     = 8080
}

variable "watched_clusters" {
  description = "ECS clusters of the services the specs watch (deployment correlation)."
  type        = list(string)
}

variable "watched_log_groups" {
  description = "Log groups of the services the specs watch (the specs' ecs.logGroup; evidence)."
  type        = list(string)
}

variable "topic_arns" {
  description = "Every SNS topic the specs' notify.sns names."
  type        = list(string)
}

variable "journal_table_arn" {
  description = "The DynamoDB journal table."
  type        = string
}

variable "repository_arn" {
  description = "The ECR repository the image is pulled from."
  type        = string
}

variable "kms_key_arn" {
  description = "The customer-managed key of the topic, journal, logs, secret and images."
  type        = string
}

variable "slack_webhook" {
  description = "Create the Secrets Manager secret for a direct Slack webhook."
  type        = bool
  default     = true
}

variable "log_retention_days" {
  description = "Retention of slo serve's own logs."
  type        = number
  default     = 90
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
