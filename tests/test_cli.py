"""The command line: exit codes and output of the commands that do not generate."""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers import EXAMPLE, run_cli


def test_validate_accepts_the_example(capsys) -> None:
    result = run_cli(capsys, "validate", str(EXAMPLE))
    assert result.exit_code == 0
    assert "is valid" in result.stdout and "5 services" in result.stdout


def test_validate_reports_located_problems_with_exit_2(tmp_path: Path, capsys) -> None:
    spec = tmp_path / "shopgen.yaml"
    spec.write_text(EXAMPLE.read_text().replace("service: orders, auth", "service: order, auth"))
    result = run_cli(capsys, "validate", str(spec))
    assert result.exit_code == 2
    assert "shopgen.yaml:" in result.stderr and "gateway.routes" in result.stderr
    assert "orders" in result.stderr  # the suggestion
    assert "Traceback" not in result.stderr


def test_schema_is_json_schema(capsys) -> None:
    result = run_cli(capsys, "schema")
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert schema["type"] == "object" and "services" in schema["properties"]


def test_version_and_usage_errors(capsys) -> None:
    assert run_cli(capsys, "--version").stdout.startswith("shopgen ")
    usage = run_cli(capsys, "new")
    assert usage.exit_code == 2
    both = run_cli(capsys, "new", "x", "--spec", str(EXAMPLE), "--example", "ecommerce")
    assert both.exit_code == 2 and "exactly one" in both.stderr
