variable "name" {
  description = "Topic name; the specs' notify.sns is its ARN."
  type        = string
}

variable "kms_key_arn" {
  description = "Customer-managed key whose policy lets cloudwatch.amazonaws.com publish."
  type        = string
}

variable "emails" {
  description = "Addresses subscribed by e-mail (each confirms once)."
  type        = list(string)
  default     = []
}

variable "chatbot" {
  description = "Slack workspace and channel for AWS Chatbot, or null for none."
  type = object({
    slack_team_id    = string
    slack_channel_id = string
  })
  default = null
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
