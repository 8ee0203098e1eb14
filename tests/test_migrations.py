"""Schema evolution against real databases: every kind of spec change, on a database that holds
rows, through the revision `shopgen sync` adds.

For each change and each database (SQLite, PostgreSQL, MariaDB): a repository is generated,
its database upgraded to head and filled with rows; the spec changes and sync writes a new
revision (0001 stays byte-identical); upgrading keeps the rows (renamed values carried over,
defaults filled); Alembic's compare finds no difference between models.py and the database;
a fresh database upgraded from empty matches too; non-destructive revisions downgrade one step.

The generated code runs in a fresh interpreter per step (tests/migration_probe.py): every
repository has its own `services` and `runtime` packages.
"""

from __future__ import annotations

import asyncio
import copy
import datetime
import json
import subprocess
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml
from sqlalchemy.ext.asyncio import create_async_engine

from shopgen.generate import create_project
from shopgen.sync import sync_project

PROBE = Path(__file__).parent / "migration_probe.py"
SERVERS = {
    "postgresql": "postgresql+asyncpg://postgres@127.0.0.1:5432",
    "mysql": "mysql+aiomysql://root@127.0.0.1:3306",
}

BASE_SPEC: dict[str, Any] = {
    "shopgen": 1,
    "project": {"name": "shelf"},
    "defaults": {"database": "sqlite"},
    "services": {
        "stock": {
            "entities": {
                "Category": {"fields": {"name": {"type": "string", "max_length": 80}}},
                "Item": {
                    "fields": {
                        "name": {"type": "string", "max_length": 100},
                        "sku": {"type": "string", "max_length": 40, "unique": True},
                        "price": {"type": "decimal", "min": 0},
                        "stock": {"type": "integer", "min": 0, "default": 0},
                        "status": {"type": "enum", "values": ["draft", "live", "retired"]},
                        "note": {"type": "text", "optional": True},
                        "category_id": {"type": "ref", "to": "Category", "optional": True},
                    },
                    "filter": ["status"],
                },
            }
        }
    },
}
CATEGORIES = [uuid.UUID(int=1), uuid.UUID(int=2)]
ITEMS = [
    {"id": uuid.UUID(int=10 + n), "name": f"item {n}", "sku": f"sku-{n}", "price": Decimal(n),
     "stock": n, "status": "live" if n % 2 else "draft", "note": None if n == 2 else f"note {n}",
     "category_id": CATEGORIES[n % 2]}
    for n in range(3)
]  # fmt: skip


def _items(spec: dict[str, Any]) -> dict[str, Any]:
    return spec["services"]["stock"]["entities"]["Item"]


# --- the changes ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    name: str
    edit: Callable[[dict[str, Any]], None]
    check: Callable[[list[dict[str, Any]]], None]  # the item rows after the upgrade
    destructive: bool = False
    table: str = "items"


def add_optional(spec):
    _items(spec)["fields"]["weight"] = {"type": "decimal", "optional": True}


def add_with_default(spec):
    _items(spec)["fields"]["featured"] = {"type": "boolean", "default": False}
    _items(spec)["fields"]["label"] = {"type": "string", "max_length": 20, "default": "none"}


def rename_field(spec):
    fields = _items(spec)["fields"]
    fields["title"] = {**fields.pop("name"), "renamed_from": "name"}


def drop_field(spec):
    del _items(spec)["fields"]["note"]


def add_entity(spec):
    spec["services"]["stock"]["entities"]["Tag"] = {
        "fields": {
            "label": {"type": "string", "unique": True},
            "item_id": {"type": "ref", "to": "Item"},
        }
    }


def drop_entity(spec):
    del spec["services"]["stock"]["entities"]["Category"]
    del _items(spec)["fields"]["category_id"]


def rename_entity(spec):
    entities = spec["services"]["stock"]["entities"]
    entities["Group"] = {**entities.pop("Category"), "renamed_from": "Category"}
    fields = _items(spec)["fields"]
    fields["group_id"] = {"type": "ref", "to": "Group", "optional": True,
                          "renamed_from": "category_id"}  # fmt: skip
    del fields["category_id"]


def widen_types(spec):
    fields = _items(spec)["fields"]
    fields["stock"] = {"type": "decimal", "min": 0, "default": 0}
    fields["name"] = {"type": "text"}
    fields["sku"]["max_length"] = 120


def narrow_types(spec):
    fields = _items(spec)["fields"]
    fields["name"]["max_length"] = 50
    fields["price"] = {"type": "integer", "min": 0}


def nullability(spec):
    fields = _items(spec)["fields"]
    fields["note"] = {"type": "text", "default": "n/a"}
    fields["price"] = {"type": "decimal", "min": 0, "optional": True}


def required_without_default(spec):
    _items(spec)["fields"]["note"] = {"type": "text"}


def unique_and_index(spec):
    item = _items(spec)
    item["fields"]["sku"] = {"type": "string", "max_length": 40}
    item["fields"]["name"]["unique"] = True
    item["filter"] = ["name", "stock"]


def enum_widen(spec):
    _items(spec)["fields"]["status"]["values"] = ["draft", "live", "retired", "archived"]
    _items(spec)["fields"]["stock"]["max"] = 1000


def enum_narrow(spec):
    _items(spec)["fields"]["status"] = {"type": "enum", "values": ["draft", "live"],
                                        "default": "draft"}  # fmt: skip
    _items(spec)["fields"]["price"]["max"] = 100


def refs(spec):
    _items(spec)["fields"]["parent_id"] = {"type": "ref", "to": "Item", "optional": True}


def _values(rows, column):
    return [row[column] for row in rows]


CASES = [
    Case("add_optional", add_optional, lambda rows: _values(rows, "weight") == [None] * 3),
    Case(
        "add_with_default",
        add_with_default,
        lambda rows: (
            [bool(v) for v in _values(rows, "featured")] == [False] * 3
            and _values(rows, "label") == ["none"] * 3
        ),
    ),
    Case(
        "rename_field",
        rename_field,
        lambda rows: _values(rows, "title") == [i["name"] for i in ITEMS],
    ),
    Case("drop_field", drop_field, lambda rows: "note" not in rows[0], destructive=True),
    Case("add_entity", add_entity, lambda rows: len(rows) == 3),
    Case("drop_entity", drop_entity, lambda rows: "category_id" not in rows[0], destructive=True),
    Case(
        "rename_entity",
        rename_entity,
        lambda rows: (
            [uuid.UUID(str(v)) for v in _values(rows, "group_id")]
            == [i["category_id"] for i in ITEMS]
        ),
    ),
    Case(
        "widen_types",
        widen_types,
        lambda rows: [Decimal(v) for v in _values(rows, "stock")] == [i["stock"] for i in ITEMS],
    ),
    Case(
        "narrow_types",
        narrow_types,
        lambda rows: [int(v) for v in _values(rows, "price")] == [int(i["price"]) for i in ITEMS],
        destructive=True,
    ),
    Case(
        "nullability",
        nullability,
        lambda rows: _values(rows, "note") == ["note 0", "note 1", "n/a"],
    ),
    Case(
        "unique_and_index",
        unique_and_index,
        lambda rows: _values(rows, "sku") == [i["sku"] for i in ITEMS],
        destructive=True,  # a new unique on `name`: rows sharing a name would fail it
    ),
    Case(
        "enum_widen",
        enum_widen,
        lambda rows: _values(rows, "status") == [i["status"] for i in ITEMS],
    ),
    Case(
        "enum_narrow",
        enum_narrow,
        lambda rows: _values(rows, "status") == [i["status"] for i in ITEMS],
        destructive=True,
    ),
    Case("refs", refs, lambda rows: _values(rows, "parent_id") == [None] * 3),
]


# --- the databases -------------------------------------------------------------------------


def database_url(engine: str, root: Path, label: str) -> str:
    if engine == "sqlite":
        return f"sqlite+aiosqlite:///{root / '.data' / label}.db"
    return f"{SERVERS[engine]}/i8mig_{label}_{uuid.uuid4().hex[:10]}"


async def _drop(url: str) -> None:
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return
    maintenance = "postgres" if parsed.get_backend_name() == "postgresql" else "information_schema"
    engine = create_async_engine(parsed.set(database=maintenance), isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            quoted = connection.dialect.identifier_preparer.quote_identifier(parsed.database)
            force = " WITH (FORCE)" if parsed.get_backend_name() == "postgresql" else ""
            await connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {quoted}{force}")
    finally:
        await engine.dispose()


def probe(root: Path, url: str, *steps: str, service: str = "stock") -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, str(PROBE), service, url, *steps],
        cwd=root, capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


async def _execute(url: str, work: Callable[[sa.Connection], Any]) -> Any:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            return await connection.run_sync(work)
    finally:
        await engine.dispose()


def insert_rows(url: str) -> None:
    def work(connection: sa.Connection) -> None:
        categories = sa.table("categories", sa.column("id", sa.Uuid()), sa.column("name"))
        connection.execute(
            categories.insert(),
            [{"id": c, "name": f"category {n}"} for n, c in enumerate(CATEGORIES)],
        )
        items = sa.table(
            "items",
            sa.column("id", sa.Uuid()),
            sa.column("category_id", sa.Uuid()),
            sa.column("price", sa.Numeric(12, 2)),
            *(sa.column(n) for n in ITEMS[0] if n not in ("id", "category_id", "price")),
        )
        connection.execute(items.insert(), ITEMS)

    asyncio.run(_execute(url, work))


def read_rows(url: str, table: str) -> list[dict[str, Any]]:
    def work(connection: sa.Connection) -> list[dict[str, Any]]:
        reflected = sa.Table(table, sa.MetaData(), autoload_with=connection)
        rows = connection.execute(sa.select(reflected).order_by(reflected.c.id)).mappings()
        return [dict(row) for row in rows]

    return asyncio.run(_execute(url, work))


def write_spec(root: Path, spec: dict[str, Any]) -> None:
    (root / "shopgen.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))


def generated(tmp_path: Path, spec: dict[str, Any]) -> Path:
    source = tmp_path / "shopgen.yaml"
    source.write_text(yaml.safe_dump(spec, sort_keys=False))
    root = tmp_path / "shelf"
    create_project(root, source)
    return root


def lint(file: Path) -> None:
    for command in (["check", "--no-cache"], ["format", "--check", "--no-cache"]):
        result = subprocess.run(
            [sys.executable, "-m", "ruff", *command, str(file)],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert result.returncode == 0, result.stdout + result.stderr


def revisions(root: Path) -> dict[str, bytes]:
    folder = root / "services" / "stock" / "migrations" / "versions"
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.py"))}


# --- the tests -----------------------------------------------------------------------------


# Every case on every database takes minutes: the default run tries a few kinds of change on
# SQLite; the rest (all of them on PostgreSQL and MariaDB too) run with the slow tests.
QUICK = {"add_with_default", "rename_field", "rename_entity", "drop_entity"}
SERVER_MARKS = {
    "sqlite": (),
    "postgresql": (pytest.mark.postgres,),
    "mysql": (pytest.mark.mariadb,),
}
MATRIX = [
    pytest.param(case, engine, id=f"{case.name}-{engine}", marks=(
        *SERVER_MARKS[engine],
        *(() if engine == "sqlite" and case.name in QUICK else (pytest.mark.slow,)),
    ))
    for case in CASES
    for engine in ("sqlite", "postgresql", "mysql")
]  # fmt: skip


@pytest.mark.parametrize(("case", "engine"), MATRIX)
def test_a_spec_change_upgrades_a_database_holding_rows(
    case: Case, engine: str, tmp_path: Path
) -> None:
    root = generated(tmp_path, BASE_SPEC)
    url, fresh = database_url(engine, root, "shelf"), database_url(engine, root, "fresh")
    try:
        probe(root, url, "upgrade")
        insert_rows(url)
        before = revisions(root)

        spec = copy.deepcopy(BASE_SPEC)
        case.edit(spec)
        write_spec(root, spec)
        result = sync_project(root)
        assert result.refused == case.destructive and not result.plan.conflicts
        if case.destructive:
            assert revisions(root) == before  # refused: nothing written
            result = sync_project(root, allow_destructive=True)
            assert result.applied and result.destructive
        after = revisions(root)
        assert {k: v for k, v in after.items() if k in before} == before  # history kept
        (new,) = set(after) - set(before)
        assert new.startswith("0002_")
        if engine == "sqlite":  # the revision is code the team reads and lints
            lint(root / "services" / "stock" / "migrations" / "versions" / new)

        upgraded = probe(root, url, "upgrade", "compare", "current")
        assert upgraded["compare"] == []
        assert upgraded["current"] == result.view.services[0].new_revision.id
        rows = read_rows(url, case.table)
        assert len(rows) == len(ITEMS)
        assert case.check(rows), rows
        # A fresh database from empty; then one step down and up again (non-destructive).
        steps = ["url:" + fresh, "upgrade", "compare"]
        if not case.destructive:
            steps += ["url:" + url, "downgrade", "current", "count:items", "upgrade", "compare"]
        checked = probe(root, url, *steps)
        assert checked["compare@1"] == []
        if not case.destructive:
            assert checked["current@2"] == "0001"
            assert checked["count@2"] == len(ITEMS)
            assert checked["compare@2"] == []
        # A second sync with no spec change adds nothing.
        assert sync_project(root).plan.is_noop
    finally:
        asyncio.run(_drop(url))
        asyncio.run(_drop(fresh))


SEEN = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
READ_MODEL_SPEC: dict[str, Any] = {
    **BASE_SPEC,
    "services": {
        "stock": {
            "entities": {
                "Item": {
                    "fields": {
                        "name": {"type": "string", "max_length": 100},
                        "sku": {"type": "string", "max_length": 40, "unique": True},
                    },
                    "emits": {"created": "item.created"},
                }
            },
            "read_models": {
                "Shelf": {"key": "item_id", "on": {"item.created": {"copy": ["item_id", "sku"]}}}
            },
        }
    },
    "events": {
        "item.created": {"publisher": "stock", "payload": {"item_id": "uuid", "sku": "string"}}
    },
}


@pytest.mark.parametrize("engine", ["sqlite", "postgresql", "mysql"])
def test_a_read_model_whose_key_changes_is_created_again(engine: str, tmp_path: Path) -> None:
    """A primary key cannot be altered into another: the read model's table is dropped and made
    again with its new key (destructive, said and refused without the user's word; the
    projection fills again from the events that follow)."""
    root = generated(tmp_path, READ_MODEL_SPEC)
    url, fresh = database_url(engine, root, "shelf"), database_url(engine, root, "fresh")
    try:
        probe(root, url, "upgrade")

        def fill(connection: sa.Connection) -> None:
            shelf = sa.table("shelf", sa.column("item_id", sa.Uuid()), sa.column("sku"),
                             sa.column("last_event_at", sa.DateTime(timezone=True)))  # fmt: skip
            connection.execute(shelf.insert(), [
                {"item_id": uuid.uuid4(), "sku": f"sku-{n}", "last_event_at": SEEN}
                for n in range(2)
            ])  # fmt: skip

        asyncio.run(_execute(url, fill))
        spec = copy.deepcopy(READ_MODEL_SPEC)
        spec["services"]["stock"]["read_models"]["Shelf"]["key"] = "sku"
        write_spec(root, spec)
        refused = sync_project(root)
        assert refused.refused
        assert refused.destructive == (
            "stock: shelf: create again with the key sku (was item_id): its rows are dropped: "
            "a read model fills again from the events that follow",
        )
        result = sync_project(root, allow_destructive=True)
        assert result.applied
        assert result.view.services[0].new_revision.file == "0002_rekey_shelf.py"
        if engine == "sqlite":
            lint(root / "services" / "stock" / "migrations" / "versions" / "0002_rekey_shelf.py")

        upgraded = probe(root, url, "upgrade", "compare", "count:shelf")
        assert upgraded["compare"] == [] and upgraded["count"] == 0

        def primary_key(connection: sa.Connection) -> list[str]:
            return sa.inspect(connection).get_pk_constraint("shelf")["constrained_columns"]

        assert asyncio.run(_execute(url, primary_key)) == ["sku"]
        checked = probe(root, url, "url:" + fresh, "upgrade", "compare", "url:" + url, "downgrade")
        assert checked["compare@1"] == []
        assert asyncio.run(_execute(url, primary_key)) == ["item_id"]  # and back
    finally:
        asyncio.run(_drop(url))
        asyncio.run(_drop(fresh))
