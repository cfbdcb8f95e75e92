output "topic_arn" {
  description = "Put this in the specs' notify.sns."
  value       = aws_sns_topic.this.arn
}
