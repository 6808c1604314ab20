"""Programs for the AWS target's tests: every AWS type x access word, and the raw cases."""

#: One instance per shape each AWS type can take (docs/language.md), keyed "type.name".
SHAPES = {
    "s3_bucket.plain": 'name = "acme-plain-{env}"',
    "s3_bucket.scoped": 'name = "acme-scoped-{env}", prefix = "team/"',
    "dynamodb_table.tickets": 'name = "tickets-{env}"',
    "sqs_queue.jobs": 'name = "jobs-{env}"',
    "sns_topic.alerts": 'name = "alerts-{env}"',
    "lambda_function.resize": 'name = "resize-{env}"',
    "secret.token": 'name = "{env}/token"',
    "ssm_parameter.url": 'name = "/acme/{env}/url", secure = true',
    "ssm_parameter.flags": 'name = "/acme/{env}/flags/*"',
    "kms_key.by-id": 'key_id = "1234abcd-12ab-34cd-56ef-1234567890ab"',
    "kms_key.by-alias": 'alias = "alias/acme-{env}"',
    "log_group.app": 'name = "/acme/{env}/app"',
    "ecr_repository.images": 'name = "team/images"',
    "iam_role.deployer": 'name = "deployer-{env}"',
    "bedrock_model.claude": 'model_id = "anthropic.claude-3-5-sonnet-20240620-v1:0"',
}


def agent_name(ref: str, word: str) -> str:
    """`s3_bucket.plain` + `list` -> `s3_bucket-plain-list`."""
    return f"{ref.replace('.', '-')}-{word}"


def types_source(words: dict[str, tuple[str, ...]]) -> str:
    """One staging agent per (instance shape, access word), granted that word alone."""
    out = [f"resource {ref.replace('.', ' ')} {{ {attrs} }}" for ref, attrs in SHAPES.items()]
    for ref in SHAPES:
        for word in words[ref.split(".")[0]]:
            out.append(f'agent {agent_name(ref, word)} {{ owner = "t@acme.com"\n'
                       f"  in staging {{ allow {word} on {ref} }} }}")
    return "\n".join(out) + "\n"


#: Raw IAM actions on typed instances and on ARNs, wildcards, actions that exist only on `*`,
#: a mismatched and an unknown action (both skipped), denies, a shared bucket, a shared queue in
#: a third account, an explicit reference to an unprotected env, and a shadow principal.
RAW_SOURCE = '''
resource s3_bucket exports { name = "acme-exports-{env}", prefix = "support/" }
resource s3_bucket docs { name = "acme-docs", shared = true }
resource kms_key data { alias = "alias/data-{env}" }
resource log_group app { name = "/acme/{env}/app" }
resource sqs_queue partner { name = "partner-in", shared = true, account = "444444444444" }
resource ecr_repository images { name = "images" }
resource ecr_repository base { name = "base" }

agent raw-bot {
  owner = "t@acme.com"
  in staging, prod {
    allow "s3:GetObjectTagging", "s3:ListBucket", "s3:GetBucketTagging" on s3_bucket.exports
    allow "kms:DescribeKey", "kms:Decrypt" on kms_key.data
    allow "s3:Get*Tagging" on "arn:aws:s3:::acme-raw-{env}/*"
    allow "dynamodb:ListTables", "dynamodb:GetItem" on "arn:aws:dynamodb:{region}:{account}:table/raw"
    allow "s3:GetObject" on "arn:aws:dynamodb:{region}:{account}:table/raw"
    allow "s3:GetObjcet" on s3_bucket.exports
    allow pull on ecr_repository.images
    allow read on s3_bucket.docs
    allow send on sqs_queue.partner
    deny "s3:DeleteObject" on s3_bucket.exports
    deny pull on ecr_repository.base
    deny "ecr:GetAuthorizationToken" on ecr_repository.base
  }
  in prod {
    allow read on log_group.app@staging
  }
}

agent quiet-bot {
  owner = "t@acme.com"
  in prod {
    mode shadow
    allow read on s3_bucket.exports
  }
}
'''
