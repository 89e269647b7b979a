variable "region" {
  description = "Region to deploy into"
  type        = string
  default     = "eu-west-2"
}

variable "environment" {
  description = "Deployment environment"
  type        = string
}

variable "log_retention_days" {
  type    = number
  default = 14
}

variable "extra_tags" {
  type    = map(string)
  default = {}
}
