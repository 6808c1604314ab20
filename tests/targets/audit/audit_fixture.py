"""A program that exercises what acme does not: every data-event type, S3 prefixes nested in a
whole bucket, raw ARNs with wildcards, raw GitHub repositories and Vault paths, a KV `list`,
a shadow principal (whose resources must be on record too), an env without an `audit_log`,
and tool servers with upstreams (per env, and shared; a domain and an address)."""

SOURCE = '''
resource lambda_function resize { name = "resize-{env}" }
resource sns_topic alerts { name = "alerts-{env}" }
resource sqs_queue jobs { name = "jobs-{env}" }
resource s3_bucket data { name = "acme-data-{env}" }
resource s3_bucket data-in { name = "acme-data-{env}", prefix = "in/" }
resource secret token { name = "{env}/worker/token" }
resource github_repo app { repo = "acme/app", shared = true }
resource vault_path creds { path = "secret/data/{env}/worker/*" }
resource mcp_server tools { url = "https://tools.{env}.acme.internal/mcp",
                            upstream = ["api.tools.example:443", "10.9.8.7:5432"] }
resource mcp_server search { url = "https://search.acme.internal/mcp", shared = true,
                             upstream = ["search.example.com:443"] }

agent worker {
  owner = "data-team@acme.com"
  in staging, prod {
    allow invoke on lambda_function.resize
    allow publish on sns_topic.alerts
    allow send on sqs_queue.jobs
    allow read on s3_bucket.data
    allow write on s3_bucket.data-in
    allow read on secret.token
    allow "dynamodb:GetItem" on "arn:aws:dynamodb:{region}:{account}:table/orders-{env}/index/*"
    allow "s3:GetObject" on "arn:aws:s3:::acme-raw-{env}/*"
    allow "lambda:InvokeFunction" on "arn:aws:lambda:{region}:{account}:function:thumb-{env}:*"
    allow "contents:write", "pull_requests:write" on "acme/docs"
    allow read on github_repo.app
    allow list on vault_path.creds
    allow "read" on "secret/data/{env}/raw"
    allow call on mcp_server.tools
    allow call on mcp_server.search
  }
  in prod {
    mode shadow
  }
}

agent releaser {
  owner = "platform-team@acme.com"
  in prod {
    allow write on log_group.audit
    allow "contents:write" on github_repo.app
  }
}
'''
