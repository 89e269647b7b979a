"""`wsspec plan/deploy/destroy` through click's CliRunner and a subprocess (moto on 127.0.0.1)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from tests.deploy_util import project, snapshot
from tests.servers import FAKE_AWS_ENV, free_port
from wsspec.cli import app

runner = CliRunner()


def test_plan_deploy_noop_destroy_through_the_cli(moto, aws_env, tmp_path):
    moto.reset()
    path = str(project(tmp_path, "chat"))
    ep = ["--endpoint-url", moto.url]
    r = runner.invoke(app, ["plan", path, "--stage", "prod", *ep])
    assert r.exit_code == 0, r.output
    assert "+ create route sendmessage" in r.output and "Plan: " in r.output
    r = runner.invoke(app, ["deploy", path, "--stage", "prod", "--yes", *ep])
    assert r.exit_code == 0, r.output
    api_id = next(iter(boto_apis(moto.url)))
    assert f"wss://{api_id}.execute-api.us-east-1.amazonaws.com/prod" in r.output
    assert f"callback: https://{api_id}.execute-api.us-east-1.amazonaws.com/prod" in r.output
    r = runner.invoke(app, ["deploy", path, "--yes", *ep])
    assert r.exit_code == 0 and "No changes." in r.output
    r = runner.invoke(app, ["plan", path, "--output", "json", *ep])
    data = json.loads(r.stdout)
    assert data["steps"] == [] and data["summary"]["create"] == 0
    r = runner.invoke(app, ["destroy", path, "--yes", *ep])
    assert r.exit_code == 0 and "- delete api chat" in r.output
    assert not snapshot(moto.url)["apis"]


def test_deploy_json_output_has_plan_and_urls(moto, aws_env, tmp_path):
    moto.reset()
    path = str(project(tmp_path, "models-mock"))
    r = runner.invoke(
        app, ["deploy", path, "--yes", "--output", "json", "--endpoint-url", moto.url]
    )
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["applied"] and data["outputs"]["stages"]["dev"]["url"].startswith("wss://")


def test_unknown_stage_is_a_usage_error(moto, aws_env, tmp_path):
    path = str(project(tmp_path, "chat"))
    r = runner.invoke(app, ["plan", path, "--stage", "nope", "--endpoint-url", moto.url])
    assert r.exit_code == 2 and "not defined in the spec" in r.output


def boto_apis(url):
    import boto3

    return {
        a["ApiId"]
        for a in boto3.client("apigatewayv2", endpoint_url=url, region_name="us-east-1").get_apis()[
            "Items"
        ]
    }


def _run(args, env):
    return subprocess.run(
        [sys.executable, "-m", "wsspec", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def _env(**over):
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(FAKE_AWS_ENV)
    env.update(over)
    return {k: v for k, v in env.items() if v is not None}


def _assert_one_line(p):
    assert p.returncode == 3, (p.stdout, p.stderr)
    errs = [
        ln
        for ln in p.stderr.splitlines()
        if "error[" in ln and "WS801" not in ln and "warning" not in ln
    ]
    assert len(errs) == 1 and "Traceback" not in p.stderr, p.stderr
    return errs[0]


def test_missing_credentials_one_line_exit_3(moto, tmp_path):
    path = str(project(tmp_path, "chat"))
    env = _env(
        AWS_ACCESS_KEY_ID=None,
        AWS_SECRET_ACCESS_KEY=None,
        AWS_SESSION_TOKEN=None,
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"),
        AWS_CONFIG_FILE=str(tmp_path / "none"),
    )
    env = {
        k: v
        for k, v in env.items()
        if k not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
    }
    line = _assert_one_line(_run(["plan", path, "--endpoint-url", moto.url], env))
    assert "credentials" in line


def test_unreachable_endpoint_one_line_exit_3(tmp_path):
    path = str(project(tmp_path, "chat"))
    line = _assert_one_line(
        _run(["plan", path, "--endpoint-url", f"http://127.0.0.1:{free_port()}"], _env())
    )
    assert "cannot reach" in line


def test_unknown_region_one_line_exit_3(tmp_path):
    path = str(project(tmp_path, "chat"))
    line = _assert_one_line(_run(["plan", path, "--region", "moon-central-7"], _env()))
    assert "unknown AWS region" in line


def test_boto3_is_not_imported_on_validate_and_build_paths(tmp_path):
    path = str(project(tmp_path, "chat"))
    code = (
        "import sys, wsspec.cli, wsspec.cli.deploy; from click.testing import CliRunner;"
        f"CliRunner().invoke(wsspec.cli.app, ['validate', {path!r}]);"
        "print('boto3' in sys.modules, 'botocore' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=_env()
    ).stdout
    assert out.strip() == "False False"


def test_endpoint_url_that_is_not_a_url_is_a_usage_error(tmp_path):
    path = str(project(tmp_path, "chat"))
    for bad in ("notaurl", "ftp://127.0.0.1:5000", "http://127.0.0.1:99999", "http://"):
        p = _run(["plan", path, "--endpoint-url", bad], _env())
        assert p.returncode == 2, (bad, p.stderr)
        lines = [ln for ln in p.stderr.splitlines() if ln.strip()]
        assert len(lines) == 1 and "error[WS930]" in lines[0], p.stderr


def test_endpoint_that_is_not_aws_gives_one_line_exit_3(tmp_path):
    """A web server (or a proxy's error page) at --endpoint-url: one line, not its HTML."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    page = (
        "<!DOCTYPE html>\n<html>\n<head>\n<title>502 Bad Gateway</title>\n</head>\n<body>\n"
        "<center><h1>502 Bad Gateway</h1></center>\n<hr><center>nginx</center>\n"
        "</body>\n</html>\n"
    ).encode()

    class Html(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(502)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        do_GET = do_POST = _answer

        def log_message(self, *a: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Html)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        path = str(project(tmp_path, "chat"))
        url = f"http://127.0.0.1:{server.server_address[1]}"
        p = _run(["plan", path, "--endpoint-url", url], _env())
    finally:
        server.shutdown()
        server.server_close()
    line = _assert_one_line(p)
    assert "WS931" in line and "does not answer like AWS" in line and "<" not in line
    assert len([ln for ln in p.stderr.splitlines() if ln.strip()]) == 1, p.stderr


def test_the_status_line_shows_calls_in_flight_and_throttling():
    from wsspec.cli.deploy import render_status
    from wsspec.deploy.progress import FamilyView, Snapshot

    quiet = Snapshot({"lambda": FamilyView(0, 0, 0, None)}, 3, 10, 7, 1.2)
    assert render_status(quiet) == "3/10 changes, 0 calls in flight [1s]"
    busy = Snapshot(
        {
            "apigateway": FamilyView(in_flight=5, pacing=12, throttled=4, rate=8.5),
            "iam": FamilyView(in_flight=0, pacing=0, throttled=0, rate=None),
            "lambda": FamilyView(in_flight=3, pacing=0, throttled=0, rate=None),
        },
        40,
        120,
        95,
        6.6,
    )
    assert render_status(busy) == (
        "40/120 changes, 8 calls in flight (apigateway 5, lambda 3); "
        "throttled: apigateway at 8.5/s, 12 waiting [7s]"
    )


@pytest.mark.slow
def test_a_deploy_on_a_terminal_draws_the_live_status_line(moto, aws_env, tmp_path):
    """stderr on a pseudo-terminal, AWS latency and throttling from tests/awsproxy.py: the
    status line (calls in flight, the throttled family's pace) is drawn while the deploy runs,
    the throttle line is printed above it, and the line is cleared at the end."""
    import os
    import pty
    import select

    from tests.awsproxy import AwsProxy

    moto.reset()
    path = str(project(tmp_path, "chat"))
    master, slave = pty.openpty()
    with AwsProxy(moto.url, latency=0.05, rates={"apigateway": 5.0}, burst=2.0) as proxy:
        p = subprocess.Popen(
            [sys.executable, "-m", "wsspec", "deploy", path, "--yes", "--endpoint-url", proxy.url],
            stdout=subprocess.PIPE,
            stderr=slave,
            stdin=subprocess.DEVNULL,
            env=_env(COLUMNS="200"),
        )
        os.close(slave)
        chunks: list[bytes] = []
        while True:
            ready, _, _ = select.select([master], [], [], 120)
            assert ready, "the deploy wrote nothing for 120 s"
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        out, _ = p.communicate(timeout=60)
        os.close(master)
    screen = b"".join(chunks).decode()
    assert p.returncode == 0, screen
    assert "wss://" in out.decode()
    assert "calls in flight (apigateway" in screen, screen
    assert "throttled: apigateway at " in screen and "/s" in screen, screen
    assert "throttle: apigateway throttled " in screen, screen
    assert screen.rstrip("\r\n").endswith("\x1b[K"), repr(screen[-200:])  # cleared at the end
