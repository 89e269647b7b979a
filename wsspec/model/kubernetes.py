"""Model records of the Kubernetes target: an integration's workload on EKS and how KEDA scales
it (``Integration.kubernetes``), and the identity KEDA's operator reads CloudWatch with
(``Spec.kubernetes``); ``wsspec.model.records`` imports these, never the reverse. Built from data that passed the schema and the checks
(``wsspec.checks.kubernetes``); every default is applied here, once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

DEFAULT_STATISTIC = "Sum"
DEFAULT_PERIOD = 60
DEFAULT_MIN_REPLICAS = 1
DEFAULT_POLLING_INTERVAL = 30
DEFAULT_COOLDOWN_PERIOD = 300
DEFAULT_NAMESPACE = "default"
DEFAULT_KEDA_NAMESPACE = "keda"
DEFAULT_KEDA_SERVICE_ACCOUNT = "keda-operator"

Identity = Literal["irsa", "pod_identity"]


@dataclass(frozen=True)
class ScaleTrigger:
    """One aws-cloudwatch trigger on an API metric of one stage (and one route)."""

    metric: str
    per_replica: float
    statistic: str
    period: int
    route: str | None


@dataclass(frozen=True)
class Workload:
    """The Deployment behind an HTTP integration, its Service and its scaling."""

    namespace: str
    deployment: str
    port: int  # container port (the Service's targetPort)
    service: str
    selector: tuple[tuple[str, str], ...]  # pod labels the Service selects
    annotations: tuple[tuple[str, str], ...]  # the Service's extra annotations (they win)
    stage: str
    min_replicas: int
    max_replicas: int
    polling_interval: int
    cooldown_period: int
    triggers: tuple[ScaleTrigger, ...]  # the main trigger first


@dataclass(frozen=True)
class Keda:
    """The role KEDA's operator assumes to read CloudWatch, and who may assume it."""

    identity: Identity
    oidc_issuer: str | None  # irsa: issuer host/path, no scheme
    cluster: str | None  # pod_identity: the EKS cluster's name
    namespace: str
    service_account: str

    @property
    def subject(self) -> str:
        """The operator's service account as the OIDC token's ``sub`` claim."""
        return f"system:serviceaccount:{self.namespace}:{self.service_account}"


def _trigger(d: Mapping[str, Any]) -> ScaleTrigger:
    return ScaleTrigger(
        metric=d["metric"],
        per_replica=float(d["per_replica"]),
        statistic=str(d.get("statistic", DEFAULT_STATISTIC)),
        period=int(d.get("period", DEFAULT_PERIOD)),
        route=d.get("route"),
    )


def build_workload(d: Mapping[str, Any] | None, stages: tuple[str, ...]) -> Workload | None:
    """An integration's ``kubernetes`` block (None without one)."""
    if not d:
        return None
    scale: Mapping[str, Any] = d["scale"]
    deployment = str(d["deployment"])
    selector = d.get("selector") or {"app": deployment}
    return Workload(
        namespace=str(d.get("namespace", DEFAULT_NAMESPACE)),
        deployment=deployment,
        port=int(d["port"]),
        service=str(d.get("service", deployment)),
        selector=tuple((str(k), str(v)) for k, v in selector.items()),
        annotations=tuple((str(k), str(v)) for k, v in (d.get("annotations") or {}).items()),
        stage=str(d.get("stage", stages[0])),
        min_replicas=int(scale.get("min", DEFAULT_MIN_REPLICAS)),
        max_replicas=int(scale["max"]),
        polling_interval=int(scale.get("polling_interval", DEFAULT_POLLING_INTERVAL)),
        cooldown_period=int(scale.get("cooldown_period", DEFAULT_COOLDOWN_PERIOD)),
        triggers=tuple(_trigger(t) for t in [scale["on"], *(scale.get("also") or ())]),
    )


def build_keda(d: Mapping[str, Any] | None) -> Keda | None:
    """The top-level ``kubernetes.keda`` block (None without one)."""
    keda = (d or {}).get("keda")
    if not keda:
        return None
    return Keda(
        identity=keda["identity"],
        oidc_issuer=keda.get("oidc_issuer"),
        cluster=keda.get("cluster"),
        namespace=str(keda.get("namespace", DEFAULT_KEDA_NAMESPACE)),
        service_account=str(keda.get("service_account", DEFAULT_KEDA_SERVICE_ACCOUNT)),
    )
