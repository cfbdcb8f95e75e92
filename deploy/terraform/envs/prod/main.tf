# slo in the prod account, beside the services it watches. Replace the example IDs with the
# existing stack's (deploy/README.md, step 3).
terraform {
  required_version = ">= 1.6"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
  }
}

provider "aws" {
  region              = "ap-northeast-1"
  allowed_account_ids = ["222222222222"]
  default_tags {
    tags = { "managed-by" = "terraform", "app" = "slo", "env" = "prod" }
  }
}

module "slo" {
  source = "../../modules/slo"

  name    = "slo-prod"
  cluster = "prod"
  vpc_id  = "vpc-0123456789abcdef0"
  subnet_ids = [
    "subnet-0123456789abcdef0",
    "subnet-0fedcba9876543210",
  ]
  alb_security_group_id = "sg-0123456789abcdef0"
  dashboard = {
    listener_arn = "arn:aws:elasticloadbalancing:ap-northeast-1:222222222222:listener/app/shop-prod/50dc6c495c0c9188/f2f7dc8efc522ab2"
    host         = "slo.prod.example.com"
    priority     = 90
    # Sign-in with the organisation's identity provider (or `internal_alb = true` on an
    # internal ALB); the secret comes from the environment, never from this file.
    oidc = {
      issuer                 = "https://login.example.com"
      authorization_endpoint = "https://login.example.com/oauth2/authorize"
      token_endpoint         = "https://login.example.com/oauth2/token"
      user_info_endpoint     = "https://login.example.com/oauth2/userinfo"
      client_id              = "slo-dashboard"
      client_secret          = var.dashboard_oidc_client_secret
    }
  }

  watched_clusters   = ["prod"]
  watched_log_groups = ["/ecs/checkout", "/ecs/catalog"]
  alert_emails       = ["oncall+prod@example.com"]
  log_retention_days = 90

  github_repository  = "example/shop-slo"
  github_environment = "production"
  state_bucket       = "example-tfstate-222222222222"
  state_key          = "slo/prod/terraform.tfstate"
}

# One object, so ecspresso reads every value as output.slo.<name> (deploy/ecspresso/).
output "slo" {
  description = "What ecspresso and the workflow read."
  value       = module.slo
}

variable "dashboard_oidc_client_secret" {
  description = "The dashboard's OIDC client secret (TF_VAR_dashboard_oidc_client_secret)."
  type        = string
  sensitive   = true
}
