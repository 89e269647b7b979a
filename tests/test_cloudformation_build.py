"""``wsspec build --target cloudformation`` end to end through the CLI."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from benchmarks.gen_spec import generate
from tests.test_cloudformation_support import ROOT, write_spec
from wsspec import writer
from wsspec.cli import app

runner = CliRunner()


def invoke(*args: str):  # type: ignore[no-untyped-def]
    result = runner.invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


@pytest.fixture()
def chat(tmp_path: Path) -> Path:
    """A copy of the chat sample with real handler files, so zips have content."""
    shutil.copy(ROOT / "samples" / "chat.yaml", tmp_path / "chat.yaml")
    (tmp_path / "handlers").mkdir()
    for name in ("on_connect", "on_disconnect", "send_message"):
        (tmp_path / "handlers" / f"{name}.py").write_text(
            f"def handler(event, context):\n    return {{'statusCode': 200}}  # {name}\n"
        )
    return tmp_path / "chat.yaml"


def build(spec: Path, out: Path, *extra: str):  # type: ignore[no-untyped-def]
    return invoke("build", str(spec), "--target", "cloudformation", "-o", str(out), *extra)


def test_build_writes_template_and_the_zips_it_points_at(chat: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = build(chat, out)
    assert result.exit_code == 0, result.output
    template = out / "chat" / "cloudformation" / "template.yaml"
    assert "created" in result.output and "template.yaml" in result.output
    t = yaml.safe_load(template.read_text())
    functions = [r for r in t["Resources"].values() if r["Type"] == "AWS::Lambda::Function"]
    assert len(functions) == 3
    for fn in functions:
        zip_path = (template.parent / fn["Properties"]["Code"]).resolve()
        assert zip_path.is_file() and zip_path.parent == (out / "chat" / "functions").resolve()
        assert zip_path.stat().st_size > 100


def test_rebuild_is_byte_identical_and_reports_unchanged(chat: Path, tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    assert build(chat, a).exit_code == 0
    assert build(chat, b).exit_code == 0
    files_a = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert files_a == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    for rel in files_a:
        assert (a / rel).read_bytes() == (b / rel).read_bytes(), rel
    again = build(chat, a)
    assert again.exit_code == 0
    assert "created" not in again.output and "updated" not in again.output
    assert again.output.count("unchanged") == len(files_a)


def test_format_json_writes_the_same_template_as_json(chat: Path, tmp_path: Path) -> None:
    assert build(chat, tmp_path / "y").exit_code == 0
    result = build(chat, tmp_path / "j", "--format", "json")
    assert result.exit_code == 0, result.output
    as_json = json.loads((tmp_path / "j" / "chat" / "cloudformation" / "template.json").read_text())
    as_yaml = yaml.safe_load(
        (tmp_path / "y" / "chat" / "cloudformation" / "template.yaml").read_text()
    )
    assert as_json == as_yaml
    assert not (tmp_path / "j" / "chat" / "cloudformation" / "template.yaml").exists()


def test_check_passes_when_fresh_and_names_stale_and_missing_files(
    chat: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    missing = build(chat, out, "--check")
    assert (
        missing.exit_code == 1 and "missing" in missing.output and "template.yaml" in missing.output
    )
    assert not out.exists()  # --check writes nothing
    assert build(chat, out).exit_code == 0
    fresh = build(chat, out, "--check")
    assert fresh.exit_code == 0 and "up to date" in fresh.output
    data = yaml.safe_load(chat.read_text())
    data["routes"]["join"] = {"function": "send_message"}
    chat.write_text(yaml.safe_dump(data, sort_keys=False))
    (out / "chat" / "functions" / "on_connect.zip").unlink()
    before = (out / "chat" / "cloudformation" / "template.yaml").read_bytes()
    stale = build(chat, out, "--check")
    assert stale.exit_code == 1
    assert "stale" in stale.output and "cloudformation/template.yaml" in stale.output
    assert "missing" in stale.output and "on_connect.zip" in stale.output
    assert "2 output(s) out of date" in stale.output
    assert (out / "chat" / "cloudformation" / "template.yaml").read_bytes() == before


def test_invalid_spec_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    spec = tmp_path / "bad.yaml"
    spec.write_text("wsspec: 1\napi: {name: x\nroutes: [\n")
    result = build(spec, tmp_path / "out")
    assert result.exit_code == 1
    assert "bad.yaml:" in result.output and "error" in result.output
    assert not (tmp_path / "out").exists()


def test_failed_build_leaves_previous_outputs_intact(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, generate(60, name="big"))
    out = tmp_path / "out"
    assert build(spec, out).exit_code == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    write_spec(tmp_path, generate(700, name="big", mock_every=1))  # > 500 even nested
    result = build(spec, out)
    assert result.exit_code == 1
    # validation already knows (WS340), so build stops before rendering anything
    assert "[WS340]" in result.output and "at most 500" in result.output
    assert "Traceback" not in result.output
    after = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "template.yaml"
    target.write_bytes(b"old")

    def boom(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device", str(dst))

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        writer.atomic_write(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["template.yaml"]


def test_unavailable_target_is_a_usage_error_and_skipped_by_default(
    chat: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import wsspec.build

    monkeypatch.setattr(wsspec.build, "available", lambda t: t == "cloudformation")
    result = invoke("build", str(chat), "--target", "terraform", "-o", str(tmp_path / "o"))
    assert result.exit_code == 2 and "'terraform' is not available" in result.output
    assert not (tmp_path / "o").exists()
    result = invoke("build", str(chat), "-o", str(tmp_path / "o"))
    assert result.exit_code == 0, result.output
    assert "note: target 'terraform' is not available in this version; skipped" in result.output
    assert (tmp_path / "o" / "chat" / "cloudformation" / "template.yaml").is_file()


def test_output_dir_option_places_the_tree_under_the_api_name(chat: Path, tmp_path: Path) -> None:
    result = build(chat, tmp_path / "deep" / "er")
    assert result.exit_code == 0
    assert (tmp_path / "deep" / "er" / "chat" / "cloudformation" / "template.yaml").is_file()
