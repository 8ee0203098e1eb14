"""Entities: tables, schemas, routers, search and filters."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from functools import cached_property

from shopgen.spec.model import Entity as EntitySpec
from shopgen.spec.reserved import entity_table, safe_module
from shopgen.view.access import ACCOUNT_FIELDS, EntityAccessView
from shopgen.view.fields import (
    TEXT_TYPES,
    CheckView,
    EnumView,
    FieldView,
    text_sample,
    walk_fields,
)
from shopgen.view.names import (
    RESERVED_ROUTER_MODULES,
    ROUTER_NAMES,
    Namer,
    plural_snake,
    snake_case,
    title_case,
)
from shopgen.view.source import call, number, py_str

# ---------------------------------------------------------------------------------------------
# Entities


@dataclass(eq=False)
class EntityView:
    name: str
    spec: EntitySpec
    service_module: str
    namer: Namer
    tables: dict[str, str]  # entity name -> table name, within the service
    rules: dict[str, list[str]] = field(default_factory=dict)  # action -> grants
    owner: str | None = None  # the owner field, "id" for an issuer's accounts
    is_account: bool = False  # the entity the issuer registers and logs in

    @cached_property
    def access(self) -> EntityAccessView:
        return EntityAccessView(self, self.rules, self.owner, self.is_account)

    @cached_property
    def class_name(self) -> str:
        return self.name

    @cached_property
    def snake(self) -> str:
        return snake_case(self.name)

    @cached_property
    def plural(self) -> str:
        return plural_snake(self.snake)

    @cached_property
    def table(self) -> str:
        return entity_table(self.name)

    @cached_property
    def collection_path(self) -> str:
        return "/" + self.plural.replace("_", "-")

    @cached_property
    def module(self) -> str:
        """The router module: api/<module>.py."""
        if self.snake in RESERVED_ROUTER_MODULES:
            return self.snake + "_routes"
        return safe_module(self.snake)

    @cached_property
    def tag(self) -> str:
        return title_case(self.plural)

    @cached_property
    def description(self) -> str:
        return self.spec.description or f"{title_case(self.plural)}."

    @cached_property
    def fields(self) -> list[FieldView]:
        specs = dict(self.spec.fields) | (ACCOUNT_FIELDS if self.is_account else {})
        return [
            FieldView(name, spec, self.name, self.namer, self.table, self.tables)
            for name, spec in specs.items()
        ]

    @cached_property
    def field_by_name(self) -> dict[str, FieldView]:
        return {f.name: f for f in self.fields}

    # schema class names
    @cached_property
    def base_schema(self) -> str:
        return f"{self.name}Base"

    @cached_property
    def create_schema(self) -> str:
        return f"{self.name}Create"

    @cached_property
    def update_schema(self) -> str:
        return f"{self.name}Update"

    @cached_property
    def public_schema(self) -> str:
        return f"{self.name}Public"

    @cached_property
    def draft_schema(self) -> str:
        return f"{self.name}Draft"

    @cached_property
    def hook_create_schema(self) -> str:
        """What the create hook receives: the Draft when the server adds fields to the body."""
        return self.draft_schema if self.access.has_draft else self.create_schema

    @cached_property
    def to_columns_exclude(self) -> str:
        """What `to_columns` leaves out of a payload (source): JSON fields, dumped apart, and
        an account's current password, which only authorises a change."""
        parts = ["JSON_FIELDS"] if self.json_fields else []
        if self.is_account:
            parts.append("{" + py_str("current_" + self.password_fields[0].name) + "}")
        return " | ".join(parts) or "None"

    @cached_property
    def revoking_fields(self) -> str:
        """An account's fields whose change ends its sessions (a set display)."""
        names = [self.password_fields[0].name, "disabled"] if self.is_account else []
        return "{" + ", ".join(py_str(n) for n in names) + "}"

    @cached_property
    def public_fields(self) -> list[FieldView]:
        return [f for f in self.fields if not f.is_password]

    @cached_property
    def password_fields(self) -> list[FieldView]:
        return [f for f in self.fields if f.is_password]

    @cached_property
    def client_fields(self) -> list[FieldView]:
        """The fields a client may send."""
        return [f for f in self.fields if f.name not in self.access.not_from_clients]

    @cached_property
    def base_fields(self) -> list[FieldView]:
        """The Base schema's: what a client sends and reads back."""
        return [f for f in self.client_fields if not f.is_password]

    @cached_property
    def response_only_fields(self) -> list[FieldView]:
        """In responses, never in requests: owner, server-managed and privileged fields."""
        return [
            f for f in self.fields if f.name in self.access.not_from_clients and not f.is_password
        ]

    @cached_property
    def update_fields(self) -> list[FieldView]:
        """The Update schema's: the client's fields, and an account's admin-only fields."""
        privileged = set(self.access.privileged)
        return [f for f in self.fields if f in self.client_fields or f.name in privileged]

    @cached_property
    def ref_fields(self) -> list[FieldView]:
        return [f for f in self.fields if f.type == "ref"]

    @cached_property
    def json_fields(self) -> list[str]:
        return [f.name for f in self.fields if f.is_json]

    @cached_property
    def enums(self) -> list[EnumView]:
        return [f.enum for f in self._all_fields() if f.enum]

    @cached_property
    def nested_models(self) -> list[tuple[str, list[FieldView]]]:
        """(class name, fields) of inline list items, innermost first."""
        found = []
        for f in self._all_fields():
            if f.item_fields is not None:
                found.append((f.item_class, f.item_fields))
        return list(reversed(found))

    def _all_fields(self) -> list[FieldView]:
        return list(walk_fields(self.fields))

    @cached_property
    def search_fields(self) -> list[FieldView]:
        return [self.field_by_name[name] for name in self.spec.search]

    @cached_property
    def has_search(self) -> bool:
        return bool(self.search_fields)

    @cached_property
    def filter_fields(self) -> list[FieldView]:
        return [self.field_by_name[name] for name in self.spec.filter]

    @cached_property
    def filter_params(self) -> list[str]:
        """Query parameters of the list endpoint."""
        return [f"{f.name}: {f.filter_type} | None = None" for f in self.filter_fields]

    @cached_property
    def indexed(self) -> set[str]:
        names = {f.name for f in self.filter_fields} | {f.name for f in self.ref_fields}
        return {n for n in names if not self.field_by_name[n].spec.unique}

    @cached_property
    def columns(self) -> list[str]:
        """Model attribute declarations (without id and timestamps)."""
        return [self._column(f) for f in self.fields]

    def _column_args(self, f: FieldView) -> list[str]:
        args = [f.column_type]
        if f.foreign_key:
            args.append(f.foreign_key)
        if f.spec.unique:
            args.append("unique=True")
        if f.name in self.indexed:
            args.append("index=True")
        if f.server_default:
            args.append(f"server_default={f.server_default}")
        return args

    def _column(self, f: FieldView) -> str:
        head = f"{f.column}: Mapped[{f.mapped_type}] = mapped_column"
        return call(head, self._column_args(f))

    @cached_property
    def migration_columns(self) -> list[str]:
        """`sa.Column(...)` for op.create_table, one per field."""
        out = []
        for f in self.fields:
            args = [py_str(f.column), f.column_type, f"nullable={f.optional}"]
            if f.server_default:
                args.append(f"server_default={f.server_default}")
            out.append(call("sa.Column", args))
        return out

    @cached_property
    def checks(self) -> list[CheckView]:
        return [check for f in self.fields for check in f.checks]

    @cached_property
    def enum_fields(self) -> list[FieldView]:
        return [f for f in self.fields if f.enum]

    @cached_property
    def table_args(self) -> str | None:
        """The model's `__table_args__` statement: its CHECK constraints (the naming convention
        prefixes their names with ck_<table>_)."""
        if not self.checks:
            return None
        items = [
            call("sa.CheckConstraint", [c.expression, f"name={py_str(c.name)}"])
            for c in self.checks
        ]
        return f"__table_args__ = ({', '.join(items)},)"

    @cached_property
    def variable(self) -> str:
        """The local name of one instance in the router (`product`)."""
        if self.snake in ROUTER_NAMES or safe_module(self.snake) != self.snake:
            return "item"
        return self.snake

    @cached_property
    def migration_constraints(self) -> list[str]:
        """Constraints of op.create_table, with the names the naming convention gives them."""
        out = [f'sa.PrimaryKeyConstraint("id", name=op.f("pk_{self.table}")),']
        for f in self.fields:
            if f.spec.unique:
                args = [py_str(f.column), f'name=op.f("uq_{self.table}_{f.column}")']
                out.append(call("sa.UniqueConstraint", args) + ",")
        for f in self.ref_fields:
            target = self.tables[f.spec.to]
            args = [
                f'["{f.column}"]',
                f'["{target}.id"]',
                f'name=op.f("fk_{self.table}_{f.column}_{target}")',
                f'ondelete="{"SET NULL" if f.optional else "CASCADE"}"',
            ]
            out.append(call("sa.ForeignKeyConstraint", args) + ",")
        for c in self.checks:
            name = f'name=op.f("ck_{self.table}_{c.name}")'
            out.append(call("sa.CheckConstraint", [c.expression, name]) + ",")
        return out

    @cached_property
    def migration_indexes(self) -> list[tuple[str, str]]:
        """(index name, `op.create_index(...)` source) for the indexed columns."""
        out = []
        for f in self.fields:
            if f.name in self.indexed:
                name = f"ix_{self.table}_{f.column}"
                args = [f'op.f("{name}")', py_str(self.table), f'["{f.column}"]', "unique=False"]
                out.append((name, call("op.create_index", args)))
        return out

    @cached_property
    def foreign_key_targets(self) -> list[str]:
        return sorted({self.tables[f.spec.to] for f in self.ref_fields})

    # -- tests -------------------------------------------------------------------------------

    @cached_property
    def sample_fields(self) -> list[tuple[str, str | None]]:
        """(field, value source) for a valid create payload: the required fields, plus those
        that search and filters need. Refs are filled by `sample_refs`."""
        wanted = [
            f
            for f in self.client_fields
            if f.type != "ref"
            and (f.required or f in self.filter_fields or f in self.search_fields)
        ]
        return [(f.name, f.sample) for f in wanted]

    @cached_property
    def sample_refs(self) -> list[tuple[str, str]]:
        """(field, target entity's snake name) of the refs a sample payload fills: the
        required ones and those the filter test needs."""
        return [
            (f.name, snake_case(f.spec.to))
            for f in self.ref_fields
            if f in self.client_fields
            and (f.required or (f in self.filter_fields and f.spec.to != self.name))
        ]

    @cached_property
    def required_refs(self) -> list[FieldView]:
        return [f for f in self.ref_fields if f.required and f in self.client_fields]

    @cached_property
    def sample_uses_uuid(self) -> bool:
        return any(value and "uuid." in value for _, value in self.sample_fields)

    @cached_property
    def testable(self) -> bool:
        """Whether a valid instance can be made without knowing the user's rules (a pattern
        no sample matches, a required ref to itself). Refs to other entities are checked by
        `ServiceView.testable_entities`."""
        if any(value is None for _, value in self.sample_fields):
            return False
        if not self.access.role_holder_admitted:
            return False
        owner = self.access.owner_field
        if owner is not None and owner.type == "ref":
            return False  # the caller would have to be a row of the target: tests/custom/

        return all(target != self.snake for _, target in self.sample_refs)

    @cached_property
    def sample_items(self) -> list[str]:
        """Items of a dict display of the non-ref sample fields."""
        return [f"{py_str(n)}: {v}" for n, v in self.sample_fields]

    @cached_property
    def required_fields(self) -> list[FieldView]:
        return [f for f in self.client_fields if f.required]

    @cached_property
    def invalid_payloads(self) -> list[tuple[str, str]]:
        """(field, invalid value source) pairs the API must reject with 422."""
        out = []
        for f in self.client_fields:
            spec = f.spec
            if spec.min is not None and f.type != "decimal":
                out.append((f.name, number(spec.min - 1)))
            elif spec.min is not None:
                out.append((f.name, py_str(number(spec.min - 1))))
            elif spec.max_length is not None and f.type in ("string", "text", "password"):
                out.append((f.name, f'"x" * {spec.max_length + 1}'))
            elif f.enum:
                out.append((f.name, py_str("not-a-valid-value")))
            elif f.type == "email":
                out.append((f.name, py_str("not-an-email")))
        return out

    @cached_property
    def unique_field(self) -> str | None:
        """A unique field whose sample is fresh per call, to test 409 on a duplicate."""
        in_sample = {name for name, _ in self.sample_fields}
        return next((f.name for f in self.fields if f.spec.unique and f.name in in_sample), None)

    @cached_property
    def update_change(self) -> tuple[str, str] | None:
        """(field, new value source) for the PATCH test."""
        for f in self.client_fields:
            if f.spec.unique or f.type in ("ref", "password"):
                continue
            if f.type == "boolean":
                return f.name, "False"
            if f.enum and len(f.enum.values) > 1:
                return f.name, py_str(f.enum.values[-1])
            if f.type in ("string", "text") and not f.spec.pattern:
                value = text_sample(f.spec, "changed", False)
                if value:
                    return f.name, value
        return None

    @cached_property
    def search_probe(self) -> tuple[str, str] | None:
        """(field, query) for the search test: a word of the sample value."""
        samples = dict(self.sample_fields)
        for f in self.search_fields:
            value = samples.get(f.name)
            if value and f.type in TEXT_TYPES:
                try:
                    text = ast.literal_eval(value)
                except (ValueError, SyntaxError):
                    text = value[2:].split("-{")[0]  # an f-string: its fixed part
                if isinstance(text, str) and text:
                    return f.name, text[:6]
        return None

    @cached_property
    def filter_probe(self) -> str | None:
        """A filter field the test can check with the created item's own value."""
        in_sample = {name for name, _ in self.sample_fields} | {n for n, _ in self.sample_refs}
        return next((f.name for f in self.filter_fields if f.name in in_sample), None)
