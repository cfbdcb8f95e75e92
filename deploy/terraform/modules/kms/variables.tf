variable "name" {
  description = "The key's alias, without the alias/ prefix."
  type        = string
}

variable "log_group_prefix" {
  description = "Log groups whose names start with this may be encrypted with the key."
  type        = string
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
