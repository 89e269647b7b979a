"""Direct deploys with boto3 (issue 6): no CloudFormation stack, no Terraform state.

    records.py  the records: ``Out``/``Fmt``/``Json`` tokens, ``Res``, ``Context``, ``Facts``
    desired.py  model -> desired resource records, one builder per resource family
    current.py  the current state (``Cur``, ``Current``) and the context readers share
    remote.py   reads the current state (remote_apigw.py, remote_services.py: per service)
    steps.py    a plan is data: ``Plan`` of frozen ``Step`` records holding API ``Call``s
    compare.py  desired vs current field by field (defaults, policies, tags normalised)
    planner.py  the planner's state (wanted / existing in scope, steps so far) and phases
    rules/      per-kind create/update rules and delete calls, in tables by kind
    plan.py     diff by natural key -> ``Plan``: rules, deletes, deployments, in phases
    execute.py  runs steps with boto3 (phases, retries, progress callback)
    run.py      the three operations the CLI offers: plan, deploy, destroy
    aws.py      sessions/clients (lazy boto3 import, endpoint override, call hooks)
    errors.py   botocore errors -> one-line ``WsspecError`` (exit code 3)

Nothing here prints; ``wsspec.cli.deploy`` renders plans and progress.
"""
