"""Rendered Python through the pinned ruff: imports sorted, unused ones dropped, then formatted.

Templates hold plain Python and import what a file may need; ruff lays the code out, as go-zero
runs its generated code through `go/format`. One batch per render: the `.py` files are written
to a temporary folder beside the rendered `pyproject.toml` (the generated repository's own ruff
settings, so a user's `ruff format` and `ruff check --fix` find nothing to change), and the
ruff binary runs twice: `check --fix-only` for import sorting and unused imports, then `format`.

What the unused-import fix keeps: imports in `__init__.py` (ruff only removes those with
`--unsafe-fixes`; a template re-exports with `__all__`, which its lint needs anyway) and any
import marked `# noqa: F401`, the way a template writes an import made for its side effect.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path

from shopgen.errors import ShopgenError

RUFF_VERSION = "0.17.6"
"""The ruff shopgen formats with and generated repositories pin (shopgen's own dependency)."""

SETTINGS_FILE = "pyproject.toml"
"""The rendered file that holds the generated repository's ruff settings."""

# Import sorting and unused-import removal only: everything else in the generated repository's
# `select` is a lint the templates must already pass, not something to rewrite.
FIXES = "I001,F401"


class FormatError(ShopgenError):
    """Rendered Python that ruff cannot parse: a defect in the template that rendered it."""


_PARSE_ERROR = re.compile(r"^error: Failed to parse (?P<where>\S+?:\d+:\d+): (?P<message>.*)$")


def ruff_binary() -> str:
    """The binary of the ruff package installed with shopgen (not whatever ruff is on PATH)."""
    try:
        from ruff.__main__ import find_ruff_bin

        return str(find_ruff_bin())
    except (ImportError, FileNotFoundError) as exc:
        raise ShopgenError(f"ruff {RUFF_VERSION} is required; reinstall shopgen") from exc


def format_python(files: Mapping[str, bytes]) -> dict[str, bytes]:
    """The rendered tree with every `.py` file formatted; other files as they are."""
    sources = {path: data for path, data in files.items() if path.endswith(".py")}
    if not sources:
        return dict(files)
    settings = files.get(SETTINGS_FILE)
    if settings is None:
        raise FormatError(f"the template renders no {SETTINGS_FILE} (ruff's settings)")
    ruff = ruff_binary()
    with tempfile.TemporaryDirectory(prefix="shopgen-format-", dir=_scratch()) as folder:
        root = Path(folder)
        (root / SETTINGS_FILE).write_bytes(settings)
        for path, data in sources.items():
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            (root / path).write_bytes(data)
        _run(ruff, ["check", "--fix-only", "--select", FIXES], root)
        _run(ruff, ["format"], root)
        formatted = {path: (root / path).read_bytes() for path in sources}
    return {path: formatted.get(path, data) for path, data in files.items()}


def _scratch() -> str | None:
    """Linux's RAM file system when there is one: the batch lives a fraction of a second, and
    writing and deleting a thousand files on disk costs more than ruff (50 services: 1-2 s)."""
    shm = "/dev/shm"
    return shm if os.path.isdir(shm) and os.access(shm, os.W_OK | os.X_OK) else None


def _run(ruff: str, command: list[str], root: Path) -> None:
    result = subprocess.run(
        [ruff, *command, "--no-cache", "."],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode == 0:
        return
    # A rendered file ruff cannot parse is a defect in the template that rendered it.
    defects = [
        f"{match['where']}: {match['message']}"
        for line in result.stderr.splitlines()
        if (match := _PARSE_ERROR.match(line.strip()))
    ]
    if defects:
        raise FormatError(
            "rendered Python that does not parse (a template defect):\n" + "\n".join(defects)
        )
    detail = (result.stderr or result.stdout).strip()
    raise ShopgenError(f"ruff {command[0]} failed on the rendered files: {detail}")
