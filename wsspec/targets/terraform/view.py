"""What the Terraform templates need beyond the model: resource labels and HCL expressions.

Facts shared with the other back ends come from ``wsspec.derive`` (Lambda permissions and
their strategy, IAM statements with ``Ref`` tokens, environment, the API-definition hash that
triggers redeployment) and every base name from ``wsspec.names``. This module only turns those
facts into HCL: ``Ref`` tokens become references (``aws_dynamodb_table.connections.arn``) or
string templates of ``wsspec.arns`` shapes; JSON documents become ``jsonencode(...)`` values.

Resource labels: ``names`` gives each spec object a label unique within its kind; resources of
one Terraform type that serve several kinds get a kind prefix (``aws_iam_role.lambda_<fn>``,
``aws_iam_role.integration_<integration>``, ``aws_cloudwatch_log_group.access_<stage>``), and
prefixes never collide with each other.
"""

from __future__ import annotations

from collections.abc import Iterable

from wsspec import arns, derive, keda, names
from wsspec.escape import hcl_string
from wsspec.model import Authorizer, Function, Integration, Spec, Table
from wsspec.targets import BuildContext
from wsspec.targets.terraform.hcl import (
    Expr,
    expr_list,
    json_document,
    key,
    scalar,
    string_list,
    template,
    value,
)

API = "aws_apigatewayv2_api.this"
PARTITION = "data.aws_partition.current.partition"
ACCOUNT = "data.aws_caller_identity.current.account_id"
REGION = "var.region"
TABLE = "aws_dynamodb_table.connections"


class View:
    """What the templates need beyond the model: labels and HCL expressions."""

    api = API

    def __init__(self, spec: Spec, ctx: BuildContext) -> None:
        self.spec = spec
        self.ctx = ctx
        self.per_route = derive.permission_strategy(spec)
        self.permissions = derive.lambda_permissions(spec, per_route=self.per_route)
        self.definition_hash = derive.api_definition_hash(spec)
        self.needs_deployment = any(not s.auto_deploy for s in spec.stages)
        self.fn_log_groups = {
            names.function_log_group(spec, f.name): f.name for f in spec.functions
        }
        refs = [
            r
            for f in spec.functions
            for st in derive.function_statements(spec, f.name)
            for r in st.resources
        ]
        refs += [
            r
            for i in derive.generated_integration_roles(spec)
            for st in derive.integration_role_statements(spec, i)
            for r in st.resources
        ]
        foreign_logs = any(
            r.kind == "log_group" and r.value not in self.fn_log_groups for r in refs
        )
        trusts = spec.trust_conditions and (
            spec.cloudwatch_role or bool(derive.generated_integration_roles(spec))
        )
        k = keda.keda(spec)
        irsa = k is not None and k.identity == "irsa"  # the OIDC provider's ARN (kubernetes.tf)
        self.uses_account = foreign_logs or trusts or irsa
        self.uses_partition = (
            foreign_logs
            or trusts
            or irsa
            or spec.cloudwatch_role
            or any(
                i.kind == "aws" or (i.kind == "lambda" and not i.function)
                for i in spec.integrations
            )
            or any(not a.function for a in spec.authorizers)
        )

    # -- labels
    route = staticmethod(names.route_label)
    authorizer = staticmethod(names.authorizer_label)
    model = staticmethod(names.model_label)
    stage = staticmethod(names.stage_label)
    function = staticmethod(names.function_label)
    vpc_link = staticmethod(names.vpc_link_label)

    @staticmethod
    def integration(integ: Integration) -> str:
        return names.integration_label(integ)

    @staticmethod
    def integration_response(integ: Integration, response_key: str) -> str:
        # integration labels never contain "__", so "<integration>__<key>" cannot collide
        part = (
            "default"
            if response_key == "$default"
            else (names.snake(response_key).lstrip("_") + "_" + names.short_hash(response_key))
        )
        return f"{names.integration_label(integ)}__{part}"

    @staticmethod
    def permission(key_: str) -> str:
        return names.snake(key_.removeprefix("wsspec-"))

    # -- helpers exposed to templates
    string = staticmethod(hcl_string)
    value = staticmethod(value)
    string_list = staticmethod(string_list)
    key = staticmethod(key)
    json_document = staticmethod(json_document)

    def zip_path(self, fn: str) -> Expr:
        return template(Expr("path.module"), "/../functions/" + names.zip_name(fn))

    def layer_zip_path(self, layer: str) -> Expr:
        return template(Expr("path.module"), "/../layers/" + names.layer_zip_name(layer))

    def function_layers(self, fn: Function) -> str:
        """The function's layers in order: wsspec's by reference, the others by ARN."""
        return value(
            [
                Expr(f"aws_lambda_layer_version.{names.layer_label(x)}.arn")
                if self.spec.layer(x)
                else x
                for x in fn.layers
            ]
        )

    def ref(self, r: derive.Ref) -> Expr:
        if r.kind == "literal":
            return Expr(hcl_string(r.value))
        if r.kind == "log_group":
            fn = self.fn_log_groups.get(r.value)
            if fn is not None:
                return template(
                    Expr(f"aws_cloudwatch_log_group.lambda_{self.function(fn)}.arn"), ":*"
                )
            return template(
                *arns.parts(arns.log_streams, Expr(PARTITION), Expr(REGION), Expr(ACCOUNT), r.value)
            )
        if r.kind == "connections":
            return template(Expr(f"{API}.execution_arn"), f"/{r.stage}/{r.value}/@connections/*")
        if r.kind in ("table", "app_table"):
            table = TABLE if r.kind == "table" else self.app_table(r.value)
            if r.suffix:
                return template(Expr(f"{table}.arn"), r.suffix)
            return Expr(f"{table}.arn")
        if r.kind == "function":
            return Expr(f"aws_lambda_function.{self.function(r.value)}.arn")
        if r.kind == "account":
            return Expr(ACCOUNT)
        if r.kind == "execute_api_all":
            return template(
                *arns.parts(
                    arns.execute_api, Expr(PARTITION), Expr(REGION), Expr(ACCOUNT), "*", "*"
                )
            )
        raise AssertionError(r.kind)

    def policy(self, statements: Iterable[derive.Statement]) -> str:
        return value(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": s.sid,
                        "Effect": s.effect,
                        "Action": list(s.actions),
                        "Resource": [self.ref(r) for r in s.resources],
                    }
                    for s in statements
                ],
            }
        )

    def trust(self, service: str, api_role: bool = False) -> str:
        """A trust policy with ``derive.trust``'s confused-deputy conditions."""
        t = derive.trust(self.spec, service, api_role=api_role)
        return value(derive.trust_document(t, self.ref))

    # -- tags: the API's are the provider's default_tags; resources add only their own
    def default_tags(self) -> dict[str, str]:
        return derive.tags(self.spec)

    def own_tags(self, tags: dict[str, str]) -> dict[str, str]:
        """The tags of ``tags`` the provider's default tags do not already give."""
        api = derive.tags(self.spec)
        return {k: v for k, v in tags.items() if api.get(k) != v}

    def function_tags(self, fn: str) -> dict[str, str]:
        return self.own_tags(derive.function_tags(self.spec, self.spec.function(fn)))

    def stage_tags(self, stage: str) -> dict[str, str]:
        return self.own_tags(derive.stage_tags(self.spec, stage))

    def table_tags(self) -> dict[str, str]:
        return self.own_tags(derive.table_tags(self.spec))

    def app_table_tags(self, t: Table) -> dict[str, str]:
        return self.own_tags(derive.tags(self.spec, t.tags))

    def function_policy(self, fn: str) -> str:
        return self.policy(derive.function_statements(self.spec, fn))

    def integration_policy(self, integ: Integration) -> str:
        return self.policy(derive.integration_role_statements(self.spec, integ))

    @staticmethod
    def lambda_arn_uri(arn: str) -> Expr:
        return template(*arns.parts(arns.lambda_invoke_uri, Expr(PARTITION), Expr(REGION), arn))

    @staticmethod
    def managed_policy(name: str) -> Expr:
        return template(*arns.parts(arns.managed_policy, Expr(PARTITION), name))

    def integration_uri(self, integ: Integration) -> Expr | None:
        if integ.kind == "lambda":
            if integ.function:
                return Expr(f"aws_lambda_function.{self.function(integ.function)}.invoke_arn")
            return self.lambda_arn_uri(integ.lambda_arn or "")
        if integ.kind == "http":
            return Expr(hcl_string(integ.url or ""))
        if integ.kind == "aws":
            where = Expr(PARTITION), Expr(REGION), str(integ.service)
            if integ.action:
                return template(*arns.parts(arns.service_action_uri, *where, integ.action))
            return template(*arns.parts(arns.service_path_uri, *where, str(integ.path)))
        return None

    def credentials(self, integ: Integration) -> Expr | None:
        if integ.credentials_arn:
            return Expr(hcl_string(integ.credentials_arn))
        if integ.role is not None:
            return Expr(f"aws_iam_role.integration_{self.integration(integ)}.arn")
        return None

    def authorizer_uri(self, auth: Authorizer) -> Expr:
        if auth.function:
            return Expr(f"aws_lambda_function.{self.function(auth.function)}.invoke_arn")
        return self.lambda_arn_uri(auth.lambda_arn or "")

    def permission_function(self, p: derive.Permission) -> Expr:
        if p.function:
            return Expr(f"aws_lambda_function.{self.function(p.function)}.function_name")
        return Expr(hcl_string(p.function_arn or ""))

    def source_arn(self, p: derive.Permission) -> Expr:
        if p.authorizer is not None:
            return template(
                Expr(f"{API}.execution_arn"),
                "/authorizers/",
                Expr(f"aws_apigatewayv2_authorizer.{self.authorizer(p.authorizer)}.id"),
            )
        return template(Expr(f"{API}.execution_arn"), f"/{p.stage}/{p.route}")

    def environment(self, fn: str) -> dict[str, str]:
        """``derive.environment``; the table name refers to the table (so it is created first)."""
        env = derive.environment(self.spec, fn)
        if self.spec.connections is not None and env.get("CONNECTIONS_TABLE") == names.table_name(
            self.spec
        ):
            env["CONNECTIONS_TABLE"] = Expr(f"{TABLE}.name")
        for var, table in derive.table_environment(self.spec, fn).items():
            if table != "connections":
                env[var] = Expr(f"{self.app_table(table)}.name")
        return env

    @staticmethod
    def app_table(table: str) -> str:
        """The ``aws_dynamodb_table`` address of an application table."""
        return f"aws_dynamodb_table.{names.app_table_label(table)}"

    def retention(self) -> int:
        return derive.log_retention_days(self.spec)

    def tracing(self) -> bool:
        return derive.tracing(self.spec)

    def deployment_depends_on(self) -> list[str]:
        out = [f"aws_apigatewayv2_route.{self.route(r.key)}" for r in self.spec.routes]
        out += [
            f"aws_apigatewayv2_route_response.{self.route(r.key)}"
            for r in self.spec.routes
            if r.two_way
        ]
        out += [
            f"aws_apigatewayv2_integration_response.{self.integration_response(i, resp.key)}"
            for i in self.spec.integrations
            if not i.proxy
            for resp in i.responses
        ]
        return out

    def callback_url(self, stage_name: str | None = None) -> Expr:
        stage = f"aws_apigatewayv2_stage.{self.stage(stage_name or self.primary_stage())}.name"
        return template(
            "https://",
            Expr(f"{API}.id"),
            ".execute-api.",
            Expr(REGION),
            ".amazonaws.com/",
            Expr(stage),
        )

    def primary_stage(self) -> str:
        return self.spec.domain.stage if self.spec.domain else self.spec.stages[0].name

    expr_list = staticmethod(expr_list)

    @staticmethod
    def num(v: float) -> str:
        return scalar(v) or "null"
