# State in S3, locked in DynamoDB; both made once per account before the first init (deploy/README.md, step 2).
terraform {
  backend "s3" {
    bucket         = "example-tfstate-222222222222"
    key            = "slo/prod/terraform.tfstate"
    region         = "ap-northeast-1"
    dynamodb_table = "terraform-lock"
    encrypt        = true
  }
}
