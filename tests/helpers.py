"""Helpers shared by shopgen's tests."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from shopgen.cli import main

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "src" / "shopgen" / "examples" / "ecommerce.yaml"
FIXTURES = REPO / "tests" / "fixtures" / "specs"


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> Result:
    """Run `shopgen ARGS` in-process. Exceptions other than SystemExit propagate: a traceback
    in a test is a bug, never a result."""
    old_argv = sys.argv
    sys.argv = ["shopgen", *args]
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    finally:
        sys.argv = old_argv
    captured = capsys.readouterr()
    return Result(code, captured.out, captured.err)


def tree(root: Path) -> dict[str, bytes]:
    """Every file under root (outside .git), as {relative path: bytes}."""
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and ".git" not in path.relative_to(root).parts
    }


def clean_env() -> dict[str, str]:
    """This environment without shopgen's own virtualenv, for a generated repository's tools;
    with `UV` naming the uv installed beside shopgen, if any, which `make install` then uses
    to create .venv and install (as after the README's first command), pip being slower."""
    import os

    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    uv = Path(sys.executable).with_name("uv")
    if "UV" not in env and uv.is_file():
        env["UV"] = str(uv)
    return env


def make(root: Path, *targets: str, timeout: int = 1800, **env: str):
    import subprocess

    return subprocess.run(
        ["make", *targets], cwd=root, env={**clean_env(), **env},
        capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip


# A spec change that touches services/orders/models.py: an optional field on Order.
ADD_FIELD = (
    "          cancel_reason: {type: string, optional: true}\n",
    "          cancel_reason: {type: string, optional: true}\n"
    "          gift_note: {type: string, optional: true}\n",
)


def edit_spec(root: Path, old: str, new: str) -> None:
    """Replace `old` by `new` (once) in root/shopgen.yaml; `old` must be there."""
    spec = root / "shopgen.yaml"
    text = spec.read_text()
    assert old in text
    spec.write_text(text.replace(old, new, 1))
