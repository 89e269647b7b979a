"""wsspec: one YAML file for an AWS API Gateway WebSocket API.

The pipeline (one module per stage; data flows one way)::

    spec.yaml --loader--> plain data + a side table of source positions (path -> line:col)
              --schema--> JSON Schema findings (schemas/wsspec.schema.json)
              --checks--> WebSocket-specific findings (stable WSxxx codes)
              --model---> typed, frozen ``Spec`` with every default applied once
                           |
        +---------+--------+---------+---------+--------------+
        v         v                  v         v              v
  targets/     targets/         targets/    deploy/plan     serve/
  cloudformation terraform       stubs      deploy/aws      (local gateway)

Rules:
* ``loader`` never raises on bad YAML: it returns findings.
* ``schema`` and ``checks`` only *report*; they never change the data.
* ``model`` is the single input of every back end; no back end re-reads the YAML.
* ``names`` is the one home of logical IDs, Terraform labels and AWS physical names.
* ``derive`` computes facts shared by back ends (permissions, IAM policies, deployment
  hash) and ``alarms`` the concrete alarms, so CloudFormation, Terraform and the direct
  deploy cannot drift; ``arns`` is the one home of ARN shapes (partition-aware).
* ``model`` and ``monitoring`` (the records) import nothing above them.
* Every target implements ``targets.Target`` (``render``, ``notes``); ``build`` runs them.
* Only ``cli`` prints or exits. Library code raises ``WsspecError``.
* Heavy imports (boto3, websockets, moto) happen inside the deploy/serve commands only.
"""

__version__ = "0.1.0"
