"""Direct deploys with boto3 (issue 6): no CloudFormation stack, no Terraform state.

    desired.py  model -> desired resource records (AWS parameter shapes, natural keys)
    remote.py   reads the current state: everything found by natural key + ownership tag
    plan.py     diff by natural key -> a list of small frozen ``Step`` records (data)
    execute.py  runs steps with boto3 (phases, retries, progress callback)
    aws.py      sessions/clients (lazy boto3 import, endpoint override, call hooks)
    errors.py   botocore errors -> one-line ``WsspecError`` (exit code 3)

Nothing here prints; ``wsspec.cli.deploy`` renders plans and progress.
"""
