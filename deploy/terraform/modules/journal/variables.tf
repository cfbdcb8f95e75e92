variable "name" {
  description = "Table name; slo serve's --state is dynamodb://<name>."
  type        = string
}

variable "kms_key_arn" {
  description = "Customer-managed key the table is encrypted with."
  type        = string
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
