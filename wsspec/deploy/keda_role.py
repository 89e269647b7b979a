"""KEDA's CloudWatch role in the direct deploy: the role CloudFormation and Terraform create for
integrations with ``kubernetes`` (policy and trust from ``wsspec.keda``), as one more ``role``
record the planner's role rules create, update and delete. The EKS Pod Identity association
(``identity: pod_identity``) is not made by the direct deploy (docs/kubernetes.md). The role's
description says why its CloudWatch grant is on ``*``, as in the templates."""

from __future__ import annotations

from typing import Any

from wsspec import keda
from wsspec.deploy.records import Context
from wsspec.model import Spec


def trust(spec: Spec, ctx: Context) -> dict[str, Any] | None:
    """The role's trust policy (None: the spec has no workloads to scale)."""
    k = keda.keda(spec)
    if k is None:
        return None
    if k.identity == "pod_identity":
        statement: dict[str, Any] = {
            "Effect": "Allow",
            "Principal": {"Service": keda.POD_IDENTITY_SERVICE},
            "Action": list(keda.POD_IDENTITY_ACTIONS),
        }
    else:
        provider = f"arn:{ctx.partition}:iam::{ctx.account}:{keda.oidc_provider_resource(k)}"
        statement = {
            "Effect": "Allow",
            "Principal": {"Federated": provider},
            "Action": keda.IRSA_ACTIONS[0],
            "Condition": keda.irsa_conditions(k),
        }
    return {"Version": "2012-10-17", "Statement": [statement]}


def policy() -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": keda.policy_statements()}


def pod_identity_cluster(spec: Spec) -> str | None:
    """The cluster whose Pod Identity association the user makes (None: not pod_identity)."""
    k = keda.keda(spec)
    return k.cluster if k is not None and k.identity == "pod_identity" else None
