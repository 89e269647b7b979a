"""Kubernetes target: manifests for the integrations that declare ``kubernetes``, in
``kubernetes/`` (generated, rewritten every build):

* ``<integration>.yaml``: the workload's ``Service`` (type LoadBalancer, an internal NLB made by
  the AWS Load Balancer Controller, the VPC link's target) and its KEDA ``ScaledObject``
  (``aws-cloudwatch`` triggers on the API's metrics, dimensions from ``wsspec.keda``);
* ``keda-auth.yaml``: one ``TriggerAuthentication`` per namespace (KEDA's operator identity
  through IRSA or EKS Pod Identity; no keys);
* ``kustomization.yaml``: the resources, and kustomize replacements that put the API id and
  Region from ``api.env`` (the stack's ``KubernetesEnv`` output, written by the user) into every
  trigger, so ``kubectl apply -k`` needs no hand edits.

Every spec string reaches the files through ``yaml.safe_dump`` (no text templates).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from wsspec import keda
from wsspec.model import Spec
from wsspec.targets import BuildContext, Output
from wsspec.targets.kubernetes.manifests import (
    HEADER,
    authentications,
    dump,
    file_name,
    kustomization,
    workload_documents,
)

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["DIR", "notes", "render"]

DIR = "kubernetes"


def _ours(content: bytes) -> bool:
    return content.startswith(HEADER.encode("utf-8"))


def render(spec: Spec, ctx: BuildContext) -> list[Output]:
    pairs = keda.workloads(spec)
    if not pairs:
        return []
    out: Path = ctx.out_dir / DIR
    files: dict[str, str] = {"keda-auth.yaml": dump(authentications(spec))}
    for integ, workload in pairs:
        files[file_name(integ)] = dump(workload_documents(spec, integ, workload))
    files["kustomization.yaml"] = dump([kustomization(spec, list(files))])
    return [Output(out / name, text.encode("utf-8"), ours=_ours) for name, text in files.items()]


def notes(spec: Spec, ctx: BuildContext) -> list[str]:
    """How the API id reaches the manifests."""
    if not keda.workloads(spec):
        return []
    env = ctx.out_dir / DIR / keda.ENV_FILE
    return [
        f"kubernetes: write {env} from the stack output {keda.OUTPUT_ENV} (Terraform: "
        "kubernetes_env) before kubectl apply -k; see docs/kubernetes.md"
    ]
