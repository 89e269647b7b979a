"""Terraform for KEDA's CloudWatch role: ``<out>/terraform/kubernetes.tf`` (when an integration
has ``kubernetes``).

Rendered from ``templates/terraform/kubernetes.tf.j2`` with the same ``View`` and layout as the
other files. The policy and the trust conditions are ``wsspec.keda``'s, which CloudFormation
renders too; the outputs are the role's ARN and ``kubernetes_env``, the ``api.env`` file the
manifests' kustomization reads.
"""

from __future__ import annotations

from pathlib import PurePath

from wsspec import keda
from wsspec.model import Spec
from wsspec.model.kubernetes import Keda
from wsspec.targets import BuildContext, Output
from wsspec.targets.terraform.hcl import Expr, format_hcl, is_wsspec_file, template, value
from wsspec.targets.terraform.view import ACCOUNT, API, PARTITION, REGION, View
from wsspec.templating import render as render_template

FILE = "kubernetes.tf"
LABEL = keda.ROLE_LABEL
POD_IDENTITY_PROVIDER = "5.31"  # the release that added aws_eks_pod_identity_association


class KedaView:
    def __init__(self, spec: Spec, k: Keda) -> None:
        self.spec = spec
        self.k = k
        self.label = LABEL
        self.role_name = keda.role_name(spec)
        self.description = keda.ROLE_DESCRIPTION

    def trust(self) -> str:
        k = self.k
        statement: dict[str, object]
        if k.identity == "pod_identity":
            statement = {
                "Effect": "Allow",
                "Principal": {"Service": keda.POD_IDENTITY_SERVICE},
                "Action": list(keda.POD_IDENTITY_ACTIONS),
            }
        else:
            provider = template(
                "arn:",
                Expr(PARTITION),
                ":iam::",
                Expr(ACCOUNT),
                ":" + keda.oidc_provider_resource(k),
            )
            statement = {
                "Effect": "Allow",
                "Principal": {"Federated": provider},
                "Action": keda.IRSA_ACTIONS[0],
                "Condition": keda.irsa_conditions(k),
            }
        return value({"Version": "2012-10-17", "Statement": [statement]})

    def policy(self) -> str:
        return value({"Version": "2012-10-17", "Statement": keda.policy_statements()})

    def env(self) -> str:
        return template(
            f"{keda.API_ID_PLACEHOLDER}=",
            Expr(f"{API}.id"),
            f"\n{keda.REGION_PLACEHOLDER}=",
            Expr(REGION),
            "\n",
        )


def render(spec: Spec, ctx: BuildContext, tf: View) -> Output | None:
    k = keda.keda(spec)
    if k is None:
        return None
    text = render_template(
        f"terraform/{FILE}.j2",
        spec=spec,
        spec_file=PurePath(spec.source_file).name or "the spec",
        tf=tf,
        kv=KedaView(spec, k),
    )
    return Output(
        ctx.out_dir / "terraform" / FILE, format_hcl(text).encode("utf-8"), ours=is_wsspec_file
    )


def provider_floor(spec: Spec) -> str | None:
    """The provider release the file needs beyond the target's floor (None: no extra)."""
    k = keda.keda(spec)
    return POD_IDENTITY_PROVIDER if k is not None and k.identity == "pod_identity" else None
