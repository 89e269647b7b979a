"""Terraform target: ``<out>/terraform/{versions,variables,main,outputs}.tf`` from the model.

The files are rendered from ``templates/terraform/*.j2`` through the one Jinja environment
(StrictUndefined) with a ``View`` (``view.py``: labels and HCL expressions), then laid out by
``hcl.format_hcl`` exactly as ``terraform fmt`` leaves them. With ``monitoring`` in the spec,
``monitoring.tf`` holds the alarms and their topic (``alarms.py``); with ``tables``,
``tables.tf`` holds the application tables and their stream triggers; with integrations on
Kubernetes, ``kubernetes.tf`` holds KEDA's CloudWatch role (``kubernetes.py``).
"""

from __future__ import annotations

from pathlib import PurePath

from wsspec import derive, names, runtimes, tables
from wsspec.model import Spec
from wsspec.targets import BuildContext, Output
from wsspec.targets.terraform import alarms, kubernetes
from wsspec.targets.terraform.hcl import format_hcl, is_wsspec_file
from wsspec.targets.terraform.view import View
from wsspec.templating import render as render_template

FILES = ("versions.tf", "variables.tf", "main.tf", "outputs.tf")
REQUIRED_VERSION = ">= 1.5.0"
AWS_PROVIDER_FLOOR = "5.30"
AWS_PROVIDER_CEILING = "7.0"
IP_ADDRESS_TYPE_PROVIDER = "5.96"  # ip_address_type (hashicorp/terraform-provider-aws#42145)


def aws_provider_version(spec: Spec) -> str:
    """The provider constraint: at least the release that accepts every runtime and argument
    the configuration uses (the runtimes table says which release accepts each runtime)."""
    floors = [AWS_PROVIDER_FLOOR]
    floors += [r.terraform_provider for fn in spec.functions if (r := runtimes.lookup(fn.runtime))]
    if spec.api.ip_address_type != "ipv4" or (
        spec.domain is not None and spec.domain.ip_address_type != "ipv4"
    ):
        floors.append(IP_ADDRESS_TYPE_PROVIDER)
    if (pod_identity := kubernetes.provider_floor(spec)) is not None:
        floors.append(pod_identity)
    floor = max(floors, key=runtimes.version_key)
    return f">= {floor}, < {AWS_PROVIDER_CEILING}"


def render(spec: Spec, ctx: BuildContext) -> list[Output]:
    """The four files, and ``monitoring.tf`` when the spec has ``monitoring``."""
    view = View(spec, ctx)
    out_dir = ctx.out_dir / "terraform"
    outputs = []
    for name in FILES:
        text = render_template(
            f"terraform/{name}.j2",
            spec=spec,
            spec_file=PurePath(spec.source_file).name or "the spec",
            tf=view,
            names=names,
            derive=derive,
            required_version=REQUIRED_VERSION,
            aws_provider_version=aws_provider_version(spec),
        )
        outputs.append(
            Output(out_dir / name, format_hcl(text).encode("utf-8"), ours=is_wsspec_file)
        )
    if spec.tables:
        text = render_template(
            "terraform/tables.tf.j2",
            spec=spec,
            spec_file=PurePath(spec.source_file).name or "the spec",
            tf=view,
            names=names,
            tables=tables,
        )
        outputs.append(
            Output(out_dir / "tables.tf", format_hcl(text).encode("utf-8"), ours=is_wsspec_file)
        )
    if spec.monitoring is not None:
        outputs.append(alarms.render(spec, ctx, view))
    if (keda_role := kubernetes.render(spec, ctx, view)) is not None:
        outputs.append(keda_role)
    return outputs


def notes(spec: Spec, ctx: BuildContext) -> list[str]:
    """What the Terraform output does differently from the spec or the other targets."""
    out = []
    if spec.api.disable_schema_validation:
        out.append(
            "terraform: aws_apigatewayv2_api has no disable_schema_validation argument; "
            "the Terraform output leaves schema validation on"
        )
    if not derive.permission_strategy(spec):
        out.append(
            "terraform: Lambda permissions collapsed to one per function and stage "
            "(.../{api}/{stage}/*), as in the CloudFormation output"
        )
    return out
