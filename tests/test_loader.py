"""wsspec.loader: YAML 1.2 core types, duplicate keys, tabs, alias bombs, positions."""

from __future__ import annotations

from pathlib import Path

from wsspec.loader import MAX_BYTES, load_file, load_text


def codes(text: str) -> list[str]:
    return [f.code for f in load_text(text, "t.yaml").findings]


def test_yes_no_on_off_stay_strings() -> None:
    data = load_text("a: yes\nb: no\nc: on\nd: off\ne: true\nf: False\n", "t").data
    assert data == {"a": "yes", "b": "no", "c": "on", "d": "off", "e": True, "f": False}


def test_dates_and_versions_stay_strings() -> None:
    data = load_text("a: 2024-01-02\nb: 1.2.3\nc: 12:30\n", "t").data
    assert data == {"a": "2024-01-02", "b": "1.2.3", "c": "12:30"}


def test_numbers_follow_the_core_schema() -> None:
    data = load_text("a: 10\nb: 0x1f\nc: 0o17\nd: 1.5\ne: ~\n", "t").data
    assert data == {"a": 10, "b": 31, "c": 15, "d": 1.5, "e": None}


def test_duplicate_keys_are_errors_with_both_lines() -> None:
    loaded = load_text("a: 1\nb: 2\na: 3\n", "t.yaml")
    [f] = loaded.findings
    assert f.render() == (
        "t.yaml:3:1: error[WS902]: a: duplicate key 'a' (first defined on line 1) "
        "(hint: YAML keeps only one of them; remove or rename the other)"
    )


def test_tab_indentation_is_explained() -> None:
    [f] = load_text("a:\n\tb: 1\n", "t.yaml").findings
    assert f.code == "WS901" and "tab" in f.message and f.line == 2


def test_non_string_keys_are_errors() -> None:
    assert codes("1: a\n") == ["WS903"]
    assert codes("? [a]\n: b\n") == ["WS903"]


def test_alias_bombs_are_stopped() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    assert codes("\n".join(lines) + "\n") == ["WS904"]


def test_small_aliases_and_merge_keys_work() -> None:
    data = load_text("base: &b {x: 1, y: 2}\nc:\n  <<: *b\n  y: 3\n", "t").data
    assert data["c"] == {"x": 1, "y": 3}


def test_empty_and_comment_only_files() -> None:
    assert codes("") == ["WS907"]
    assert codes("# only a comment\n\n") == ["WS907"]


def test_a_non_mapping_document_is_an_error() -> None:
    assert codes("- a\n- b\n") == ["WS909"]
    assert codes("just text\n") == ["WS909"]


def test_cloudformation_tags_are_reported() -> None:
    assert codes("a: !Ref X\n") == ["WS905"]


def test_syntax_errors_have_a_position() -> None:
    [f] = load_text("a: [1, 2\nb: 3\n", "t.yaml").findings
    assert f.code == "WS901" and f.line >= 2


def test_several_documents_are_a_syntax_error() -> None:
    assert codes("a: 1\n---\nb: 2\n") == ["WS901"]


def test_positions_side_table_points_at_values_and_keys() -> None:
    loaded = load_text("api:\n  name: chat\nroutes:\n  ping: {function: f}\n", "t")
    assert loaded.position(("api", "name")) == (2, 9)
    assert loaded.position(("api", "name"), key=True) == (2, 3)
    assert loaded.position(("routes", "ping", "function")) == (4, 20)
    assert loaded.position(("routes", "ping", "missing", "deeper")) == (4, 9)


def test_an_unreadable_file_is_a_finding(tmp_path: Path) -> None:
    [f] = load_file(str(tmp_path / "nope.yaml")).findings
    assert f.code == "WS900"


def test_non_utf8_bytes_are_a_finding(tmp_path: Path) -> None:
    p = tmp_path / "bin.yaml"
    p.write_bytes(b"a: \xff\xfe\n")
    assert [f.code for f in load_file(str(p)).findings] == ["WS901"]


def test_a_huge_file_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "big.yaml"
    p.write_text("a: " + "x" * (MAX_BYTES + 1) + "\n")
    assert [f.code for f in load_file(str(p)).findings] == ["WS908"]


def test_a_utf8_bom_is_accepted(tmp_path: Path) -> None:
    p = tmp_path / "bom.yaml"
    p.write_bytes(b"\xef\xbb\xbfa: 1\n")
    assert load_file(str(p)).data == {"a": 1}
