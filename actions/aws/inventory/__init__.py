"""The inventory pipeline: store CSV files from S3 into DynamoDB, stock alerts on SNS, and the answers over it."""
