"""The property every accepted spec must have: its generated repository compiles, imports every
module, and migrates an empty SQLite database to head with Alembic's compare clean.

The check runs in a subprocess with this interpreter (shopgen's test environment has the
generated repositories' stack installed), so a generated module's import side effects never
leak into the test process.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

_SCRIPT = r"""
import asyncio, compileall, importlib, pathlib, sys, tempfile, traceback
root = pathlib.Path.cwd()
sys.path.insert(0, str(root))
failures = []
if not compileall.compile_dir(str(root), quiet=2, force=True, legacy=False,
                              rx=__import__("re").compile(r"[/\\](\.venv|\.git|\.shopgen)[/\\]")):
    failures.append("compileall failed")
modules = []
for folder in ("runtime", "gateway", "system", "services"):
    for path in sorted((root / folder).rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        if "migrations" in parts or "tests" in parts:
            continue
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules.append(".".join(parts))
for name in modules:
    try:
        importlib.import_module(name)
    except BaseException:
        failures.append(f"import {name}:\n{traceback.format_exc()}")

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from runtime.db import Database, run_migrations


async def migrate(service):
    app = importlib.import_module(f"services.{service}.app")
    models = importlib.import_module(f"services.{service}.models")
    with tempfile.TemporaryDirectory() as folder:
        database = Database(f"sqlite+aiosqlite:///{folder}/{service}.db")
        try:
            await run_migrations(database, app.MIGRATIONS)
            async with database.engine.connect() as connection:
                def differences(sync):
                    context = MigrationContext.configure(sync, opts={"compare_type": True})
                    return compare_metadata(context, models.Base.metadata)
                found = await connection.run_sync(differences)
            if found:
                failures.append(f"migrations of {service} differ from models: {found}")
        finally:
            await database.dispose()

for package in sorted((root / "services").iterdir()):
    if (package / "models.py").is_file():
        try:
            asyncio.run(migrate(package.name))
        except BaseException:
            failures.append(f"migrate {package.name}:\n{traceback.format_exc()}")
if failures:
    print("\n".join(failures))
    sys.exit(1)
"""


def check_generated(root: Path, timeout: int = 600) -> None:
    """Assert the property for the repository at `root` (raises AssertionError with details)."""
    result = subprocess.run(
        [sys.executable, "-c", _SCRIPT],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={"APP_ENV": "test", "PATH": "/usr/bin:/bin", "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-6000:]
