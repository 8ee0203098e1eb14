"""Run inside a generated repository (cwd and sys.path = its root), by tests/test_migrations.py.

python migration_probe.py MODULE URL STEP...   steps: upgrade, compare, downgrade, current,
                                               count:<table>, and url:<URL> to switch database
Prints one JSON object: {"compare": [...differences...], "current": "<revision>", ...}; a step
repeated after a url: switch is keyed "<step>@<n>" (n: how many switches before it).
Each generated repository has its own `services` and `runtime` packages, so they are imported
in a fresh interpreter per repository, never in the test process.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import sys
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text


async def main(module: str, url: str, steps: list[str]) -> dict[str, object]:
    from runtime.databases import ensure_database
    from runtime.db import Database, alembic_config

    migrations = Path("services", module, "migrations")
    models = importlib.import_module(f"services.{module}.models")
    out: dict[str, object] = {}

    def alembic(connection, verb: str, target: str) -> None:
        config = alembic_config(migrations)
        config.attributes["connection"] = connection
        getattr(command, verb)(config, target)

    def differences(connection) -> list[str]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return [repr(d) for d in compare_metadata(context, models.Base.metadata)]

    def current(connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    def count(connection, table: str) -> int:
        return connection.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one()

    switches = 0
    await ensure_database(url)
    database = Database(url)
    try:
        for step in steps:
            key = step.split(":")[0] + (f"@{switches}" if switches else "")
            if step.startswith("url:"):
                await database.dispose()
                switches += 1
                url = step.removeprefix("url:")
                await ensure_database(url)
                database = Database(url)
                continue
            async with database.engine.begin() as connection:
                if step == "upgrade":
                    await connection.run_sync(alembic, "upgrade", "head")
                elif step == "downgrade":
                    await connection.run_sync(alembic, "downgrade", "-1")
                elif step == "compare":
                    out[key] = await connection.run_sync(differences)
                elif step == "current":
                    out[key] = await connection.run_sync(current)
                elif step.startswith("count:"):
                    out[key] = await connection.run_sync(count, step.split(":", 1)[1])
    finally:
        await database.dispose()
    return out


if __name__ == "__main__":
    sys.path.insert(0, str(Path.cwd()))
    print(json.dumps(asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3:]))))
