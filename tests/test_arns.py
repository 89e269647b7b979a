"""wsspec.arns: one home of ARN shapes, partition-aware, shared by templates and the deploy."""

from __future__ import annotations

from wsspec import arns
from wsspec.targets import TARGETS, Target, load
from wsspec.targets.terraform.hcl import Expr, template


def test_every_shape_carries_the_partition_it_is_given() -> None:
    shapes = [
        arns.lambda_function("aws-cn", "cn-north-1", "1", "f"),
        arns.iam_role("aws-cn", "1", "/wsspec/", "r"),
        arns.managed_policy("aws-cn", "service-role/P"),
        arns.dynamodb_table("aws-cn", "cn-north-1", "1", "t"),
        arns.log_streams("aws-cn", "cn-north-1", "1", "/aws/lambda/f"),
        arns.sns_topic("aws-cn", "cn-north-1", "1", "alarms"),
        arns.connections("aws-cn", "cn-north-1", "1", "abc", "prod", "POST"),
        arns.apigateway_resource("aws-cn", "cn-north-1", "/apis/abc"),
        arns.lambda_invoke_uri("aws-cn", "cn-north-1", "arn:aws-cn:lambda:cn-north-1:1:function:f"),
        arns.service_action_uri("aws-cn", "cn-north-1", "dynamodb", "PutItem"),
        arns.service_path_uri("aws-cn", "cn-north-1", "sqs", "1/q"),
    ]
    assert all(s.startswith("arn:aws-cn:") for s in shapes)
    assert shapes[1] == "arn:aws-cn:iam::1:role/wsspec/r"
    assert shapes[2] == "arn:aws-cn:iam::aws:policy/service-role/P"
    assert shapes[4] == "arn:aws-cn:logs:cn-north-1:1:log-group:/aws/lambda/f:*"
    assert shapes[6] == "arn:aws-cn:execute-api:cn-north-1:1:abc/prod/POST/@connections/*"
    assert shapes[7] == "arn:aws-cn:apigateway:cn-north-1::/apis/abc"
    assert shapes[9] == "arn:aws-cn:apigateway:cn-north-1:dynamodb:action/PutItem"


def test_parts_keep_the_arguments_apart_from_the_shape_text() -> None:
    part, region = Expr("data.p.partition"), Expr("var.region")
    got = arns.parts(arns.service_path_uri, part, region, "sqs", "${x}\x001\x00")
    assert got == ["arn:", part, ":apigateway:", region, ":", "sqs", ":path/", "${x}\x001\x00"]
    assert got[1] is part  # the expressions come back as given


def test_a_terraform_template_of_a_shape_escapes_the_literal_text_as_one_string() -> None:
    # "$" and "{" from two arguments must not join into an interpolation
    parts = arns.parts(arns.service_path_uri, Expr("p"), Expr("r"), "s$", "{y}")
    assert template(*parts) == '"arn:${p}:apigateway:${r}:s$:path/{y}"'
    assert template("a$", "{b}") == '"a$${b}"'


def test_every_registered_target_implements_the_protocol() -> None:
    for name in TARGETS:
        assert isinstance(load(name), Target)
