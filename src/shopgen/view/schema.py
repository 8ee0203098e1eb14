"""The database schema a service's spec implies, as plain data (a snapshot).

A snapshot is what `migrations/schema.json` holds for each service and what shopgen compares
to write a new Alembic revision (`shopgen.view.migrations`). It is JSON-able and stable: the
tables in creation order, each with its columns (SQLAlchemy type source, nullability, server
default) and its named constraints, named as the models' naming convention names them.

    {"format": 2, "tables": {"products": {
        "entity": "product",
        "columns": {"id": {"type": "sa.Uuid()", "nullable": false, "default": null}, ...},
        "primary_key": ["id"],
        "uniques": {"uq_products_sku": ["sku"]},
        "indexes": {"ix_products_category": ["category"]},
        "foreign_keys": {"fk_…": {"column": "…", "target": "…", "ondelete": "CASCADE"}},
        "checks": {"ck_products_price_min": {"column": "price", "rule": "min", "value": 0}}}}}

The events runtime's tables (outbox, processed events, sagas) are not part of it: they are
the runtime's, created by the first revision and never changed by the spec. The issuer's
`refresh_tokens` is (`runtime/refresh.py`): it holds the accounts' sessions, and it came
after the first release, so repositories of that release get it through a revision.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from shopgen.view.names import plural_snake, snake_case

if TYPE_CHECKING:
    from shopgen.view.entities import EntityView
    from shopgen.view.events import ReadModelView

# 2: the issuer's refresh_tokens table is part of the snapshot (1 left it out, though the
# first revision created it: `shopgen.history` reads a 1 as a 2).
SCHEMA_FORMAT = 2
TIMESTAMP = "sa.DateTime(timezone=True)"
REFRESH_TOKENS = "refresh_tokens"

Schema = dict[str, Any]


def service_schema(
    entities: list[EntityView], read_models: list[ReadModelView], *, issuer: bool = False
) -> Schema:
    """The snapshot of a service's tables: its entities (a referenced table before its
    referrers), the issuer's refresh tokens and its read models."""
    tables: dict[str, Any] = {}
    for entity in entities:
        tables[entity.table] = _entity_table(entity)
    if issuer:
        tables[REFRESH_TOKENS] = refresh_tokens_table()
    for model in read_models:
        tables[model.table] = _read_model_table(model)
    return {"format": SCHEMA_FORMAT, "tables": tables}


def schema_json(schema: Schema) -> str:
    return json.dumps(schema, indent=2) + "\n"


def _column(type_: str, nullable: bool, default: str | None = None) -> dict[str, Any]:
    return {"type": type_, "nullable": nullable, "default": default}


def _entity_table(entity: EntityView) -> dict[str, Any]:
    table = entity.table
    columns = {"id": _column("sa.Uuid()", False)}
    uniques: dict[str, list[str]] = {}
    indexes: dict[str, list[str]] = {}
    foreign_keys: dict[str, dict[str, str]] = {}
    checks: dict[str, dict[str, Any]] = {}
    for f in entity.fields:
        columns[f.column] = _column(f.column_type, f.optional, f.server_default)
        if f.spec.unique:
            uniques[f"uq_{table}_{f.column}"] = [f.column]
        if f.name in entity.indexed:
            indexes[f"ix_{table}_{f.column}"] = [f.column]
        if f.type == "ref":
            target = entity.tables[f.spec.to]
            foreign_keys[f"fk_{table}_{f.column}_{target}"] = {
                "column": f.column,
                "target": target,
                "ondelete": "SET NULL" if f.optional else "CASCADE",
            }
        spec = f.spec
        rules: list[tuple[str, Any]] = []
        if spec.min is not None:
            rules.append(("min", spec.min))
        if spec.max is not None:
            rules.append(("max", spec.max))
        if spec.min_length and not f.is_password and f.type != "email":
            rules.append(("min_length", spec.min_length))
        if f.enum:
            rules.append(("values", list(spec.values)))
        for rule, value in rules:
            checks[f"ck_{table}_{f.name}_{rule}"] = {
                "column": f.column,
                "rule": rule,
                "value": value,
            }
    columns["created_at"] = _column(TIMESTAMP, False, "sa.func.now()")
    columns["updated_at"] = _column(TIMESTAMP, False, "sa.func.now()")
    return {
        "entity": entity.snake,
        "columns": columns,
        "primary_key": ["id"],
        "uniques": uniques,
        "indexes": indexes,
        "foreign_keys": foreign_keys,
        "checks": checks,
    }


def refresh_tokens_table() -> dict[str, Any]:
    """As `runtime/refresh.py` declares it (and the first revision creates it)."""
    return {
        "entity": "refresh_token",
        "columns": {
            "token_hash": _column("sa.String(64)", False),
            "user_id": _column("sa.String(64)", False),
            "family": _column("sa.Uuid()", False),
            "expires_at": _column(TIMESTAMP, False),
            "used_at": _column(TIMESTAMP, True),
        },
        "primary_key": ["token_hash"],
        "uniques": {},
        "indexes": {f"ix_{REFRESH_TOKENS}_family": ["family"]},
        "foreign_keys": {},
        "checks": {},
    }


def _read_model_table(model: ReadModelView) -> dict[str, Any]:
    columns = {}
    for c in model.columns:
        columns[c.name] = _column(
            c.column_type, not (c.primary_key or c.counter), '"0"' if c.counter else None
        )
    if model.keyed:
        columns["last_event_at"] = _column(TIMESTAMP, False)
    return {
        "entity": model.snake,
        "columns": columns,
        "primary_key": [model.key],
        "uniques": {},
        "indexes": {},
        "foreign_keys": {},
        "checks": {},
    }


def renames(entities: list[EntityView]) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """The renames a service's spec declares: {new table: old table} and, per new table,
    {new column: old column} (`renamed_from` on entities and fields)."""
    tables: dict[str, str] = {}
    columns: dict[str, dict[str, str]] = {}
    for entity in entities:
        if entity.spec.renamed_from:
            tables[entity.table] = plural_snake(snake_case(entity.spec.renamed_from))
        moved = {}
        for f in entity.fields:
            if f.spec.renamed_from:
                old = f.spec.renamed_from
                moved[f.column] = f"{old}_hash" if f.is_password else old
        if moved:
            columns[entity.table] = moved
    return tables, columns
