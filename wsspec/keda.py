"""Facts of the Kubernetes back ends that several targets render: the metric dimensions each KEDA
trigger reads, the IAM role KEDA's operator assumes (its policy, its trust, its name) and the
names the manifests and the templates share. The kubernetes target writes the manifests from
these; CloudFormation and Terraform create the role from the same records, so the two cannot
drift apart (tests/test_cross_target.py compares them).

The API id is known only after deploy: manifests carry ``API_ID_PLACEHOLDER`` (and
``REGION_PLACEHOLDER``) where kustomize puts the values of ``api.env``, which the stack's
``KubernetesEnv`` output (Terraform: ``kubernetes_env``) holds ready to write.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from wsspec import names
from wsspec.model import Integration, Spec
from wsspec.model.kubernetes import Keda, ScaleTrigger, Workload
from wsspec.monitoring import API_NAMESPACE

# cloudwatch:GetMetricData and cloudwatch:GetMetricStatistics do not support resource-level
# permissions (nor a condition key naming the namespace or a dimension): "*" is the narrowest.
CLOUDWATCH_READ_ACTIONS = ("cloudwatch:GetMetricData", "cloudwatch:GetMetricStatistics")
ROLE_DESCRIPTION = (
    "KEDA reads this API's CloudWatch metrics to scale its back ends. GetMetricData and "
    "GetMetricStatistics do not support resource-level permissions, so the resource is *."
)
OIDC_AUDIENCE = "sts.amazonaws.com"
POD_IDENTITY_SERVICE = "pods.eks.amazonaws.com"
POD_IDENTITY_ACTIONS = ("sts:AssumeRole", "sts:TagSession")
IRSA_ACTIONS = ("sts:AssumeRoleWithWebIdentity",)

API_ID_PLACEHOLDER = "API_ID"
REGION_PLACEHOLDER = "AWS_REGION"
ENV_FILE = "api.env"  # kubernetes/api.env: API_ID=... and AWS_REGION=...
DIMENSION_SEPARATOR = ";"  # KEDA's separator of several dimension names and values

# Output names (CloudFormation Outputs; Terraform outputs are their snake_case)
OUTPUT_ROLE_ARN = "KedaRoleArn"
OUTPUT_ENV = "KubernetesEnv"
ROLE_LOGICAL = "KedaCloudWatchRole"
POD_IDENTITY_LOGICAL = "KedaPodIdentityAssociation"
ROLE_LABEL = "keda_cloudwatch"

# Kubernetes names: Services and namespaces are DNS labels (RFC 1123), a Deployment's name a
# DNS subdomain.
_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_SUBDOMAIN_PART = _LABEL
LABEL_LIMIT = 63
SUBDOMAIN_LIMIT = 253


def is_label(name: str) -> bool:
    return len(name) <= LABEL_LIMIT and bool(_LABEL.match(name))


def is_subdomain(name: str) -> bool:
    return len(name) <= SUBDOMAIN_LIMIT and all(_SUBDOMAIN_PART.match(p) for p in name.split("."))


_QUALIFIED = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")


def is_label_key(key: str) -> bool:
    """A label or annotation key: ``[prefix/]name``, prefix a DNS subdomain, name at most 63."""
    prefix, _, name = key.rpartition("/")
    if prefix and not is_subdomain(prefix):
        return False
    return len(name) <= LABEL_LIMIT and bool(_QUALIFIED.match(name))


def is_label_value(value: str) -> bool:
    return value == "" or (len(value) <= LABEL_LIMIT and bool(_QUALIFIED.match(value)))


def workloads(spec: Spec) -> list[tuple[Integration, Workload]]:
    """Every integration with a Kubernetes workload, in spec order."""
    return [(i, i.kubernetes) for i in spec.integrations if i.kubernetes is not None]


def keda(spec: Spec) -> Keda | None:
    """KEDA's identity when the spec has workloads to scale (else None: no role is created)."""
    return spec.kubernetes if workloads(spec) else None


def role_name(spec: Spec) -> str:
    return names.physical(spec.api.name, "keda-cloudwatch", limit=64)


def load_balancer_name(spec: Spec, integ: Integration) -> str:
    """The NLB's name (the AWS Load Balancer Controller's ``aws-load-balancer-name``): at most 32
    letters, digits and hyphens, not starting with ``internal-``; the VPC link targets it."""
    raw = names.physical(spec.api.name, names.integration_token(integ), limit=32)
    clean = re.sub(r"[^A-Za-z0-9-]", "-", raw).strip("-") or "nlb"
    if clean.lower().startswith("internal-"):
        clean = "nlb-" + clean[: 32 - 4]
    return clean.strip("-")


@dataclass(frozen=True)
class Dimension:
    name: str
    value: str  # API_ID_PLACEHOLDER stands for the API id


def dimensions(workload: Workload, trigger: ScaleTrigger) -> tuple[Dimension, ...]:
    """What API Gateway publishes WebSocket metrics under: ApiId + Stage, + Route per route
    (only with detailed metrics on)."""
    dims = [Dimension("ApiId", API_ID_PLACEHOLDER), Dimension("Stage", workload.stage)]
    if trigger.route is not None:
        dims.append(Dimension("Route", trigger.route))
    return tuple(dims)


def collection_time(trigger: ScaleTrigger) -> int:
    """Seconds of history KEDA asks CloudWatch for (``metricCollectionTime``): five minutes, or
    one period when that is longer; always a multiple of the period."""
    return max(300, trigger.period)


def trigger_metadata(workload: Workload, trigger: ScaleTrigger) -> dict[str, str]:
    """The ``aws-cloudwatch`` trigger's metadata (KEDA wants every value as a string)."""
    dims = dimensions(workload, trigger)
    return {
        "namespace": API_NAMESPACE,
        "metricName": trigger.metric,
        "dimensionName": DIMENSION_SEPARATOR.join(d.name for d in dims),
        "dimensionValue": DIMENSION_SEPARATOR.join(d.value for d in dims),
        "metricStat": trigger.statistic,
        "metricStatPeriod": str(trigger.period),
        "metricCollectionTime": str(collection_time(trigger)),
        # the newest minute is still being counted: read up to one minute ago
        "metricEndTimeOffset": "60",
        "targetMetricValue": _number(trigger.per_replica),
        "minMetricValue": "0",  # no data (no traffic): the minimum replica count
        "awsRegion": REGION_PLACEHOLDER,
    }


def _number(value: float) -> str:
    return str(int(value)) if value == int(value) else repr(value)


def authentication_name(spec: Spec) -> str:
    """The TriggerAuthentication every ScaledObject of this API refers to (one per namespace)."""
    return names.physical(spec.api.name, "cloudwatch", limit=LABEL_LIMIT).lower().replace("_", "-")


def config_map_name(spec: Spec) -> str:
    return names.physical(spec.api.name, "api", limit=LABEL_LIMIT).lower().replace("_", "-")


# ----------------------------------------------------------------------------- the IAM role
def policy_statements() -> list[dict[str, object]]:
    """The role's one statement (every back end renders exactly this)."""
    return [
        {
            "Sid": "ReadApiMetrics",
            "Effect": "Allow",
            "Action": list(CLOUDWATCH_READ_ACTIONS),
            "Resource": "*",
        }
    ]


def oidc_provider_resource(k: Keda) -> str:
    """The IAM OIDC provider's ARN resource part (after ``arn:<partition>:iam::<account>:``)."""
    assert k.oidc_issuer is not None
    return f"oidc-provider/{k.oidc_issuer}"


def irsa_conditions(k: Keda) -> dict[str, dict[str, str]]:
    """IRSA: only the operator's service account, and only tokens meant for STS."""
    assert k.oidc_issuer is not None
    return {
        "StringEquals": {
            f"{k.oidc_issuer}:sub": k.subject,
            f"{k.oidc_issuer}:aud": OIDC_AUDIENCE,
        }
    }
