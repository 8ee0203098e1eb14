"""shopgen's modules keep the layers pyproject.toml declares ([tool.importlinter]) and import no
cycle, type hints included (docs/design.md draws the layers)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.helpers import REPO

LINT = (
    "import sys; from importlinter.cli import lint_imports; "
    "sys.exit(lint_imports(config_filename=sys.argv[1], no_cache=True, no_logo=True))"
)


def _lint(package_parent: Path) -> subprocess.CompletedProcess[str]:
    """import-linter's contracts on the `shopgen` package found first in `package_parent`."""
    return subprocess.run(
        [sys.executable, "-c", LINT, str(REPO / "pyproject.toml")],
        cwd=package_parent,
        env={**os.environ, "PYTHONPATH": str(package_parent)},
        capture_output=True,
        text=True,
        check=False,
    )


def test_shopgen_keeps_its_layers_and_has_no_import_cycle() -> None:
    result = _lint(REPO / "src")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 kept, 0 broken" in result.stdout


def test_a_type_hint_that_imports_up_a_layer_breaks_the_contracts(tmp_path: Path) -> None:
    """The check sees imports under TYPE_CHECKING: the layers hold for type hints too."""
    copy = tmp_path / "shopgen"
    shutil.copytree(REPO / "src" / "shopgen", copy, ignore=shutil.ignore_patterns("__pycache__"))
    names = copy / "view" / "names.py"
    names.write_text(
        names.read_text(encoding="utf-8")
        + "\nfrom typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n"
        + "    from shopgen.view.project import ProjectView\n",
        encoding="utf-8",
    )
    result = _lint(tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "shopgen.view.names -> shopgen.view.project" in result.stdout
    assert "no import cycle between the modules of any package BROKEN" in result.stdout
