"""What is deployed in AWS today: `agentpol snapshot aws` and `agentpol drift` (boto3)."""
