"""YAML loading: YAML 1.2 scalars, line numbers, and everything the loader refuses."""

from __future__ import annotations

from pathlib import Path

import pytest

from shopgen.errors import SpecError, UserInputError
from shopgen.spec import parse_spec, read_spec_text
from shopgen.spec.loader import MAX_SPEC_BYTES, load_yaml


def issue_of(text: str):
    with pytest.raises(SpecError) as raised:
        load_yaml(text)
    (issue,) = raised.value.issues
    return issue


def test_yaml_1_1_booleans_and_sexagesimals_stay_strings() -> None:
    data, _ = load_yaml("on: yes\noff: no\ny: n\ntime: 1:30\nday: 2024-01-01\nt: true\nf: False\n")
    assert data == {
        "on": "yes",
        "off": "no",
        "y": "n",
        "time": "1:30",
        "day": "2024-01-01",
        "t": True,
        "f": False,
    }


def test_core_schema_numbers_and_null() -> None:
    data, _ = load_yaml("a: 42\nb: -1.5\nc: 0x1F\nd: 0o17\ne: .inf\nf: ~\ng:\nh: '42'\n")
    assert data == {
        "a": 42,
        "b": -1.5,
        "c": 31,
        "d": 15,
        "e": float("inf"),
        "f": None,
        "g": None,
        "h": "42",
    }


def test_read_model_on_key_stays_a_string(example_spec: Path) -> None:
    spec = parse_spec(example_spec.read_text(encoding="utf-8"))
    summary = spec.services["orders"].read_models["OrderSummary"]
    assert list(summary.on)[:3] == ["order.created", "payment.processed", "payment.failed"]


def test_every_key_and_item_has_its_line(example_spec: Path) -> None:
    text = example_spec.read_text(encoding="utf-8")
    _, source = load_yaml(text)
    lines = text.splitlines()
    timeout = source.line(("services", "orders", "calls", "users", "timeout"))
    assert lines[timeout - 1].strip() == "timeout: 2s"
    route = source.line_of_dotted("gateway.routes.2.service")
    assert "/api/protected/orders" in lines[route - 1]
    step = source.line(("sagas", "checkout", "steps", 1))
    assert lines[step - 1].strip() == "- name: charge"


def test_a_missing_path_falls_back_to_its_closest_ancestor() -> None:
    _, source = load_yaml("a:\n  b:\n    c: 1\n")
    assert source.line(("a", "b", "missing", "deeper")) == 2


def test_alias_bomb_is_refused_with_an_explicit_message() -> None:
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for level in range(1, 9):
        refs = ", ".join([f"*a{level - 1}"] * 10)
        levels.append(f"a{level}: &a{level} [{refs}]")
    issue = issue_of("\n".join(levels))
    assert "alias bomb" in issue.message
    assert "more than 100000 values" in issue.message


def test_a_few_aliases_are_fine() -> None:
    data, _ = load_yaml("money: &money {type: decimal, min: 0}\nprice: *money\n")
    assert data["price"] == {"type": "decimal", "min": 0}


def test_too_many_aliases_are_refused() -> None:
    text = "a: &a 1\nb: [" + ", ".join(["*a"] * 101) + "]\n"
    assert "more than 100 aliases" in issue_of(text).message


def test_recursive_alias_is_refused() -> None:
    assert "refers to itself" in issue_of("a: &a [*a]\n").message


def test_merge_keys_are_refused() -> None:
    issue = issue_of("base: &base {x: 1}\nchild:\n  <<: *base\n")
    assert "merge keys" in issue.message
    assert issue.line == 3


def test_python_tags_are_refused() -> None:
    issue = issue_of("a: !!python/object/apply:os.system [echo hi]\n")
    assert "unsupported tag" in issue.message
    assert issue.key == "a"


def test_non_string_keys_are_refused() -> None:
    for text, shown in [("true: 1", "true"), ("~: 1", "null"), ("1.5: x", "1.5")]:
        assert f"({shown})" in issue_of(text).message


def test_deep_nesting_is_refused_without_recursion_error() -> None:
    assert "nested more than" in issue_of("a: " + "[" * 5000).message


def test_malformed_yaml_gives_line_and_column() -> None:
    issue = issue_of("a: 1\nb: [1, 2\nc: 3\n")
    assert issue.message.startswith("malformed YAML")
    assert issue.line == 3
    assert "(line 3, column 2)" in issue.message


def test_control_characters_are_located() -> None:
    issue = issue_of("a: 1\nb: \x07\n")
    assert issue.line == 2
    assert "U+0007" in issue.message


def test_oversized_documents_are_refused() -> None:
    issue = issue_of("a: " + "x" * MAX_SPEC_BYTES)
    assert "limit" in issue.message


def test_top_level_must_be_a_mapping() -> None:
    with pytest.raises(SpecError, match="must be a mapping"):
        parse_spec("- a\n- b\n")
    with pytest.raises(SpecError, match="empty"):
        parse_spec("# nothing\n")


def test_version_is_checked_before_anything_else() -> None:
    with pytest.raises(SpecError) as raised:
        parse_spec("shopgen: '1'\nproject: {name: Bad Name}\n")
    (issue,) = raised.value.issues
    assert issue.key == "shopgen"
    assert issue.suggestion == "write 'shopgen: 1'"
    with pytest.raises(SpecError, match="missing the spec language version"):
        parse_spec("project: {name: x}\n")


def test_read_spec_text_locates_bad_utf8(tmp_path: Path) -> None:
    path = tmp_path / "shopgen.yaml"
    path.write_bytes(b"shopgen: 1\nproject:\n  title: caf\xe9\n")
    with pytest.raises(SpecError) as raised:
        read_spec_text(path)
    (issue,) = raised.value.issues
    assert (issue.file, issue.line) == (path, 3)
    assert "byte 0xe9 at line 3, column 13" in issue.message


def test_read_spec_text_accepts_a_bom_and_refuses_missing_files(tmp_path: Path) -> None:
    path = tmp_path / "shopgen.yaml"
    path.write_bytes("\ufeffshopgen: 1\n".encode())
    assert read_spec_text(path) == "shopgen: 1\n"
    with pytest.raises(UserInputError, match="no such file"):
        read_spec_text(tmp_path / "missing.yaml")
    with pytest.raises(UserInputError, match="folder"):
        read_spec_text(tmp_path)
