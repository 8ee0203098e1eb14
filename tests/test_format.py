"""shopgen formats the rendered Python with the ruff its repositories pin, with their settings:
a user who runs ruff in a generated repository finds nothing to change, and sync stays clean."""

from __future__ import annotations

import subprocess
import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest

from shopgen.format import RUFF_VERSION, FormatError, format_python, ruff_binary
from tests.helpers import ADD_FIELD, REPO, edit_spec, run_cli, tree

SETTINGS = b'[tool.ruff]\nline-length = 100\n[tool.ruff.lint.isort]\nknown-first-party = ["app"]\n'


def test_imports_are_sorted_unused_ones_dropped_and_code_formatted() -> None:
    source = b"import sys, os\nimport httpx\nfrom app import db\nx = {'a':1}\nprint(os, db)\n"
    files = {"pyproject.toml": SETTINGS, "app/main.py": source, "README.md": b"x = {'a':1}\n"}
    out = format_python(files)
    assert out["app/main.py"] == b'import os\n\nfrom app import db\n\nx = {"a": 1}\nprint(os, db)\n'
    assert out["README.md"] == files["README.md"] and out["pyproject.toml"] == SETTINGS
    assert format_python(out) == out  # deterministic and stable


def test_re_exports_and_marked_side_effect_imports_are_kept() -> None:
    files = {
        "pyproject.toml": SETTINGS,
        "app/__init__.py": b"from .models import Base\n",
        "app/models.py": b"Base = object\n",
        "app/env.py": b"import app.models  # noqa: F401 (registers the tables)\nimport json\n",
    }
    out = format_python(files)
    assert out["app/__init__.py"] == files["app/__init__.py"]
    assert out["app/env.py"] == b"import app.models  # noqa: F401 (registers the tables)\n"


def test_rendered_python_that_does_not_parse_is_a_located_error() -> None:
    files = {"pyproject.toml": SETTINGS, "app/ok.py": b"x = 1\n", "app/api.py": b"def f(:\n"}
    with pytest.raises(FormatError) as error:
        format_python(files)
    assert "template defect" in str(error.value) and "app/api.py:1:7: " in str(error.value)
    assert "ok.py" not in str(error.value)


def test_shopgen_the_generated_repository_and_the_formatter_pin_one_ruff() -> None:
    shopgen = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    assert f"ruff=={RUFF_VERSION}" in [d.split(" ")[0] for d in shopgen]
    assert version("ruff") == RUFF_VERSION
    template = (REPO / "templates/project/pyproject.toml.jinja").read_text()
    assert '"ruff=={{ ruff_version }}"' in template


def _ruff(root: Path, *args: str) -> None:
    result = subprocess.run(
        [ruff_binary(), *args, "--no-cache", "."], cwd=root, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _git_status(root: Path) -> str:
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=root, capture_output=True, text=True, check=True
    )
    return status.stdout


def test_ruff_in_a_generated_repository_changes_nothing_and_sync_stays_clean(
    shop: Path, capsys
) -> None:
    """The user story: format and fix with the repository's ruff, then sync."""
    before = tree(shop)
    _ruff(shop, "format")
    _ruff(shop, "check", "--fix")
    assert tree(shop) == before and _git_status(shop) == ""

    result = run_cli(capsys, "sync", "--path", str(shop))
    assert result.exit_code == 0, result.stderr
    assert tree(shop) == before

    edit_spec(shop, *ADD_FIELD)
    result = run_cli(capsys, "sync", "--path", str(shop))
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "conflict" not in (result.stdout + result.stderr).lower()
    _ruff(shop, "format", "--check")
    _ruff(shop, "check")
