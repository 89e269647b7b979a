"""The IAM role KEDA's operator reads the API's CloudWatch metrics with (integrations with
``kubernetes``), its EKS Pod Identity association, and the outputs the manifests need
(``KedaRoleArn``; ``KubernetesEnv``: the ``api.env`` kustomize reads). The policy and the trust
conditions come from ``wsspec.keda``, which the Terraform target renders too.
"""

from __future__ import annotations

from wsspec import derive, keda, names
from wsspec.model import Spec
from wsspec.targets.cloudformation.intrinsics import (
    ACCOUNT,
    PARTITION,
    REGION,
    Json,
    get_att,
    put,
    resource,
    sub,
    tag_list,
)


def _trust(spec: Spec) -> Json:
    k = spec.kubernetes
    assert k is not None
    if k.identity == "pod_identity":
        statement: Json = {
            "Effect": "Allow",
            "Principal": {"Service": keda.POD_IDENTITY_SERVICE},
            "Action": list(keda.POD_IDENTITY_ACTIONS),
        }
    else:
        provider = sub(
            f"arn:{PARTITION}:iam::{ACCOUNT}:${{Provider}}",
            {"Provider": keda.oidc_provider_resource(k)},
        )
        statement = {
            "Effect": "Allow",
            "Principal": {"Federated": provider},
            "Action": keda.IRSA_ACTIONS[0],
            "Condition": keda.irsa_conditions(k),
        }
    return {"Version": "2012-10-17", "Statement": [statement]}


def resources(spec: Spec) -> dict[str, Json]:
    k = keda.keda(spec)
    if k is None:
        return {}
    props: Json = {
        "Description": keda.ROLE_DESCRIPTION,
        "AssumeRolePolicyDocument": _trust(spec),
        "Policies": [
            {
                "PolicyName": "wsspec-keda-cloudwatch",
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": keda.policy_statements(),
                },
            }
        ],
    }
    put(props, "Tags", tag_list(derive.tags(spec)))
    out = {keda.ROLE_LOGICAL: resource("AWS::IAM::Role", props)}
    if k.identity == "pod_identity":
        assoc: Json = {
            "ClusterName": k.cluster,
            "Namespace": k.namespace,
            "ServiceAccount": k.service_account,
            "RoleArn": get_att(keda.ROLE_LOGICAL, "Arn"),
        }
        put(assoc, "Tags", tag_list(derive.tags(spec)))
        out[keda.POD_IDENTITY_LOGICAL] = resource("AWS::EKS::PodIdentityAssociation", assoc)
    return out


def outputs(spec: Spec) -> Json:
    if keda.keda(spec) is None:
        return {}
    env = (
        f"{keda.API_ID_PLACEHOLDER}=${{{names.API_LOGICAL}}}\n{keda.REGION_PLACEHOLDER}={REGION}\n"
    )
    return {
        keda.OUTPUT_ROLE_ARN: {
            "Description": "ARN of the role KEDA's operator reads CloudWatch with",
            "Value": get_att(keda.ROLE_LOGICAL, "Arn"),
        },
        keda.OUTPUT_ENV: {
            "Description": f"The kubernetes/{keda.ENV_FILE} file kustomize reads (API id, Region)",
            "Value": sub(env),
        },
    }
