# The notification journal `slo serve --state dynamodb://TABLE` keeps: one item with the state
# (pk = "state") and one claim per message being sent (pk = "msg#…"), whose `until` is the end of
# its lease. A claim whose lease has ended is free to take again, so TTL deleting it changes
# nothing but the table's size.
resource "aws_dynamodb_table" "this" {
  name         = var.name
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "pk"

  attribute {
    name = "pk"
    type = "S"
  }

  ttl {
    attribute_name = "until"
    enabled        = true
  }

  # The journal is what keeps a notice from being sent twice or lost: restorable to any second.
  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = var.kms_key_arn
  }

  deletion_protection_enabled = true
  tags                        = var.tags
}
