variable "name" {
  description = "Repository name."
  type        = string
}

variable "kms_key_arn" {
  description = "The customer-managed key the images are encrypted with."
  type        = string
}

variable "keep_images" {
  description = "How many images to keep (each deployment is one)."
  type        = number
  default     = 30
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
