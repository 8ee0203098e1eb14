"""Issue 8's acceptance check, end to end on the generated example (slow).

SQLite: the example runs (`make dev`), gets products, stops; one sync adds an optional field,
a required field with a default and renames a field; 0001 stays byte-identical, a revision is
added, and `make dev` on the same `.data/` answers 200 with the rows intact, the renamed
values carried over and the defaults filled. PostgreSQL: the same repository's databases
(`DATABASE_NAME_PREFIX`), holding rows, take another field through `make migrate`.

This interpreter's environment stands in for the repository's .venv (the same libraries).
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from shopgen.generate import create_project, example_overlay, example_spec
from shopgen.sync import sync_project
from tests.helpers import clean_env, edit_spec, make

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

BIN = str(Path(sys.executable).parent)
SERVICES = ("users", "products", "orders", "payments", "shipping")
DESCRIPTION = "          description: {type: text, optional: true}\n"
PRICE = "          price: {type: decimal, min: 0}\n"
ADMIN = {"email": "admin@example.com", "password": "admin-password-1"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_dev(root: Path, ports: dict[str, str]) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        ["make", "dev", f"BIN={BIN}"], cwd=root, env={**clean_env(), **ports},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{ports['PRODUCTS_PORT']}/ready"
    for _ in range(120):
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        if process.poll() is not None:
            break
        time.sleep(0.5)
    stop(process)
    raise AssertionError(f"make dev did not become ready: {process.stdout.read()[-3000:]}")


def stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


async def _sql(url: str, statement: str) -> list[tuple]:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            result = await connection.execute(sa.text(statement))
            return [tuple(row) for row in result] if result.returns_rows else []
    finally:
        await engine.dispose()


def test_a_schema_change_reaches_databases_that_hold_rows(tmp_path: Path) -> None:
    root = tmp_path / "shop"
    create_project(root, example_spec("ecommerce"), overlay=example_overlay("ecommerce"))
    ports = {f"{name.upper()}_PORT": str(free_port()) for name in SERVICES}
    ports["GATEWAY_PORT"] = str(free_port())
    products = f"http://127.0.0.1:{ports['PRODUCTS_PORT']}/products"

    admin = make(root, "admin", f"BIN={BIN}", EMAIL=ADMIN["email"], PASSWORD=ADMIN["password"])
    assert admin.returncode == 0, admin.stdout + admin.stderr
    dev = start_dev(root, ports)
    try:
        login = f"http://127.0.0.1:{ports['USERS_PORT']}/users/login"
        token = httpx.post(login, json=ADMIN, timeout=10).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}  # products are the admin's to create
        for name, description in (("Desk lamp", "A warm light"), ("Floor lamp", None)):
            body = {"name": name, "description": description, "price": "25.50", "stock": 4}
            created = httpx.post(products, json=body, headers=headers, timeout=10)
            assert created.status_code == 201, created.text
    finally:
        stop(dev)

    first = (root / "services/products/migrations/versions/0001_initial.py").read_bytes()
    edit_spec(root, DESCRIPTION, "          summary: {type: text, optional: true, "
              "renamed_from: description}\n")  # fmt: skip
    edit_spec(root, "search: [name, description]", "search: [name, summary]")
    edit_spec(root, PRICE, PRICE + "          weight: {type: decimal, optional: true}\n"
              "          featured: {type: boolean, default: false}\n")  # fmt: skip
    synced = sync_project(root)
    assert synced.applied and not synced.plan.conflicts
    versions = root / "services/products/migrations/versions"
    assert (versions / "0001_initial.py").read_bytes() == first
    assert len(list(versions.glob("0002_*.py"))) == 1

    dev = start_dev(root, ports)
    try:
        response = httpx.get(products, timeout=10)
        assert response.status_code == 200, response.text
        rows = {item["name"]: item for item in response.json()["items"]}
    finally:
        stop(dev)
    assert set(rows) == {"Desk lamp", "Floor lamp"}
    assert rows["Desk lamp"]["summary"] == "A warm light"  # renamed, carried over
    assert rows["Floor lamp"]["summary"] is None
    assert all(r["featured"] is False and r["weight"] is None for r in rows.values())

    # PostgreSQL, the databases `make up` uses (a throwaway name prefix).
    prefix = f"i8e2e{uuid.uuid4().hex[:6]}_"
    database = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{prefix}shop_products"
    env = {"DATABASE_NAME_PREFIX": prefix}
    try:
        migrated = make(root, "migrate", f"BIN={BIN}", **env)
        assert migrated.returncode == 0, migrated.stdout + migrated.stderr
        asyncio.run(_sql(database, "INSERT INTO products (id, name, price, stock, featured) "
                                   "VALUES ('6f2d1c1e-8b7a-4c53-9d1e-0a1b2c3d4e5f', 'Lamp', 9, 1, "
                                   "true)"))  # fmt: skip
        edit_spec(root, PRICE, PRICE + "          colour: {type: string, default: natural}\n")
        assert sync_project(root).applied
        migrated = make(root, "migrate", f"BIN={BIN}", **env)
        assert migrated.returncode == 0, migrated.stdout + migrated.stderr
        rows = asyncio.run(_sql(database, "SELECT name, featured, colour FROM products"))
        assert rows == [("Lamp", True, "natural")]
    finally:
        _drop_databases(prefix)


def _drop_databases(prefix: str) -> None:
    async def drop() -> None:
        engine = create_async_engine(
            "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres", isolation_level="AUTOCOMMIT"
        )
        try:
            async with engine.connect() as connection:
                names = await connection.execute(
                    sa.text("SELECT datname FROM pg_database WHERE datname LIKE :p"),
                    {"p": prefix + "%"},
                )
                for (name,) in names.fetchall():
                    await connection.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
        finally:
            await engine.dispose()

    asyncio.run(drop())
