"""The real `aws cloudformation package` accepts what `wsspec build` writes.

`package` is the documented next step after `wsspec build`: it uploads each function's zip (and,
for nested stacks, each child template) to S3 and rewrites the local paths. Here S3 is a moto
server on 127.0.0.1 (the AWS CLI reaches it through AWS_ENDPOINT_URL); nothing leaves the
machine. Skips, with the reason, where the AWS CLI is not installed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml

from benchmarks.gen_spec import generate
from tests.conftest import SAMPLES
from tests.test_cloudformation_support import write_spec

AWS = shutil.which("aws")
pytestmark = pytest.mark.skipif(AWS is None, reason="the AWS CLI ('aws') is not installed")


class _CfnLoader(yaml.SafeLoader):
    """Reads `package` output, which may use short-form intrinsic tags."""


_CfnLoader.add_multi_constructor(
    "!",
    lambda loader, suffix, node: (
        {suffix: loader.construct_scalar(node)} if isinstance(node, yaml.ScalarNode) else None
    ),
)


def _build(spec: Path, out: Path) -> Path:
    proc = subprocess.run(
        ["wsspec", "build", str(spec), "-t", "cloudformation", "-t", "stubs", "-o", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    (api_dir,) = [p for p in out.iterdir() if p.is_dir()]
    return api_dir


def _package(moto_url: str, template: Path, bucket: str, aws_env: dict[str, str]) -> dict[str, Any]:
    packaged = template.parent / "packaged.yaml"
    env = {**os.environ, **aws_env, "AWS_ENDPOINT_URL": moto_url}
    proc = subprocess.run(
        [
            AWS,
            "cloudformation",
            "package",
            "--template-file",
            str(template),
            "--s3-bucket",
            bucket,
            "--output-template-file",
            str(packaged),
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return yaml.load(packaged.read_text(), Loader=_CfnLoader)


def _s3(moto_url: str) -> Any:
    return boto3.client("s3", endpoint_url=moto_url, region_name="us-east-1")


def test_package_uploads_every_function_zip_byte_for_byte(moto, aws_env, tmp_path: Path) -> None:
    moto.reset()
    project = tmp_path / "project"
    shutil.copytree(SAMPLES, project, ignore=shutil.ignore_patterns("invalid"))
    api_dir = _build(project / "chat.yaml", tmp_path / "out")
    s3 = _s3(moto.url)
    s3.create_bucket(Bucket="artifacts")

    packaged = _package(
        moto.url, api_dir / "cloudformation" / "template.yaml", "artifacts", aws_env
    )

    functions = {
        k: r for k, r in packaged["Resources"].items() if r["Type"] == "AWS::Lambda::Function"
    }
    assert len(functions) == 3
    zips = {
        hashlib.md5(p.read_bytes()).hexdigest(): p for p in (api_dir / "functions").glob("*.zip")
    }
    for logical, res in functions.items():
        code = res["Properties"]["Code"]
        assert code["S3Bucket"] == "artifacts", logical
        body = s3.get_object(Bucket="artifacts", Key=code["S3Key"])["Body"].read()
        # `package` uploads a local .zip as-is, keyed by its MD5: the object is our zip.
        assert hashlib.md5(body).hexdigest() in zips, logical


def test_package_uploads_nested_route_stacks_and_rewrites_their_urls(
    moto, aws_env, tmp_path: Path
) -> None:
    moto.reset()
    project = tmp_path / "project"
    data = generate(600, name="big600")
    spec = write_spec(project, data)
    api_dir = _build(spec, tmp_path / "out")
    s3 = _s3(moto.url)
    s3.create_bucket(Bucket="artifacts")

    packaged = _package(
        moto.url, api_dir / "cloudformation" / "template.yaml", "artifacts", aws_env
    )

    stacks = {
        k: r for k, r in packaged["Resources"].items() if r["Type"] == "AWS::CloudFormation::Stack"
    }
    assert stacks, "a 600-route API is split into nested stacks"
    for logical, res in stacks.items():
        url = res["Properties"]["TemplateURL"]
        assert url.startswith((moto.url, "https://")) and "/artifacts/" in url, (logical, url)
        key = url.split("/artifacts/", 1)[1]
        child = yaml.load(
            s3.get_object(Bucket="artifacts", Key=key)["Body"].read(), Loader=_CfnLoader
        )
        # each uploaded child is itself packaged: no local paths left in it
        for cres in child["Resources"].values():
            if cres["Type"] == "AWS::Lambda::Function":
                assert "S3Key" in cres["Properties"]["Code"], logical
