# Everything slo needs in one account and region, wired together: envs/{dev,prod} call this with
# their own names and the existing stack's VPC, ALB and clusters.
locals {
  service_log_group = "/ecs/${var.name}"
}

module "kms" {
  source           = "../kms"
  name             = var.name
  log_group_prefix = local.service_log_group
  tags             = var.tags
}

module "ecr" {
  source      = "../ecr"
  name        = var.name
  kms_key_arn = module.kms.key_arn
  tags        = var.tags
}

module "notifications" {
  source      = "../notifications"
  name        = "${var.name}-alerts"
  kms_key_arn = module.kms.key_arn
  emails      = var.alert_emails
  chatbot     = var.chatbot
  tags        = var.tags
}

module "journal" {
  source      = "../journal"
  name        = "${var.name}-journal"
  kms_key_arn = module.kms.key_arn
  tags        = var.tags
}

module "service" {
  source                = "../service"
  name                  = var.name
  vpc_id                = var.vpc_id
  alb_security_group_id = var.alb_security_group_id
  dashboard             = var.dashboard
  watched_clusters      = var.watched_clusters
  watched_log_groups    = var.watched_log_groups
  # The topic made here, and any other the specs name (a team's own, say).
  topic_arns         = concat([module.notifications.topic_arn], var.extra_topic_arns)
  journal_table_arn  = module.journal.table_arn
  repository_arn     = module.ecr.repository_arn
  kms_key_arn        = module.kms.key_arn
  slack_webhook      = var.slack_webhook
  log_retention_days = var.log_retention_days
  tags               = var.tags
}

module "github_oidc" {
  source               = "../github_oidc"
  name                 = var.name
  repository           = var.github_repository
  environment          = var.github_environment
  create_oidc_provider = var.create_oidc_provider
  watched_log_groups   = var.watched_log_groups
  access_log_locations = var.access_log_locations
  watched_clusters     = var.watched_clusters
  topic_arns           = concat([module.notifications.topic_arn], var.extra_topic_arns)
  repository_arn       = module.ecr.repository_arn
  cluster              = var.cluster
  service              = var.name
  pass_role_arns       = [module.service.task_role_arn, module.service.execution_role_arn]
  state_bucket         = var.state_bucket
  state_key            = var.state_key
  tags                 = var.tags
}
