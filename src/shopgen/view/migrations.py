"""A new Alembic revision, computed from two schema snapshots (`shopgen.view.schema`).

The previous snapshot is the one recorded by the last generation (BASE's
`migrations/schema.json`); the new one comes from the spec. Their difference becomes explicit
operations, in an order every database accepts:

1. new tables are created (referenced tables first), renamed tables are renamed;
2. each changed table is altered in one `op.batch_alter_table` block (SQLite recreates the
   table and copies its rows; PostgreSQL and MariaDB run plain ALTERs): constraints that go
   away are dropped, columns renamed, dropped, added and altered, then new constraints made;
3. removed tables are dropped (referrers first).

`downgrade()` undoes the same steps in reverse. Every change that can lose data or fail on
existing rows is *destructive* and says why; sync refuses those without --allow-destructive.

Existing revisions are history: this module only ever adds one, numbered after the last and
chained to it (`down_revision`). It knows nothing about files on disk or merging.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from shopgen.view.schema import Schema
from shopgen.view.source import INDENT, call, number, py_str

ALEMBIC_ID_LENGTH = 32  # alembic_version.version_num is VARCHAR(32)
SLUG_LENGTH = 40

_TYPE = re.compile(r"^sa\.(\w+)\((.*)\)$")
_PG_TYPES = {
    "Text": "text",
    "Integer": "integer",
    "BigInteger": "bigint",
    "Float": "double precision",
    "Boolean": "boolean",
    "Uuid": "uuid",
    "Date": "date",
    "DateTime": "timestamp with time zone",
    "JSON": "json",
}


@dataclass(frozen=True)
class Revision:
    """An existing revision of a service: its file, Alembic id and the ids it revises."""

    number: int
    id: str
    file: str
    down: tuple[str, ...] = ()


@dataclass(frozen=True)
class History:
    """What the last generation left for one service: its schema and its revisions."""

    schema: Schema
    revisions: tuple[Revision, ...]

    @property
    def heads(self) -> list[str]:
        """Revisions nothing revises: one, or several after merging two branches' histories."""
        revised = {down for revision in self.revisions for down in revision.down}
        return [r.id for r in self.revisions if r.id not in revised]


@dataclass(frozen=True)
class Change:
    """One step of a revision, for the plan and the file's docstring."""

    summary: str  # "products: add column weight"
    slug: str  # "product_add_weight"
    destructive: str | None = None  # why it may lose data or fail on existing rows


# ---------------------------------------------------------------------------------------------
# Source text of single operations


def _type_parts(type_: str) -> tuple[str, list[str]]:
    match = _TYPE.match(type_)
    if match is None:
        return type_, []
    args = [a.strip() for a in match.group(2).split(",") if a.strip() and "=" not in a]
    return match.group(1), args


def _widens(old: str, new: str) -> bool:
    """Whether every value of type `old` fits type `new` unchanged."""
    (o, oa), (n, na) = _type_parts(old), _type_parts(new)
    if o == n == "String":
        return int(na[0]) >= int(oa[0])
    if o == n == "Numeric":
        return int(na[0]) - int(na[1]) >= int(oa[0]) - int(oa[1]) and int(na[1]) >= int(oa[1])
    return (o, n) in {
        ("String", "Text"),
        ("Integer", "BigInteger"),
        ("Integer", "Numeric"),
        ("Integer", "Float"),
    }


def _pg_type(type_: str) -> str:
    name, args = _type_parts(type_)
    if name == "String":
        return f"varchar({args[0]})"
    if name == "Numeric":
        return f"numeric({', '.join(args)})"
    return _PG_TYPES.get(name, name.lower())


def _column_source(name: str, column: dict[str, Any]) -> str:
    args = [py_str(name), column["type"], f"nullable={column['nullable']}"]
    if column["default"] is not None:
        args.append(f"server_default={column['default']}")
    return call("sa.Column", args)


def _name(name: str) -> str:
    return f"op.f({py_str(name)})"


def _check_expression(check: dict[str, Any], constant: str | None) -> str:
    column = f"sa.column({py_str(check['column'])})"
    rule, value = check["rule"], check["value"]
    if rule == "min":
        return f"{column} >= {number(value)}"
    if rule == "max":
        return f"{column} <= {number(value)}"
    if rule == "min_length":
        return f"sa.func.length({column}) >= {value}"
    return f"{column}.in_({constant})"


def _tightens(old: dict[str, Any], new: dict[str, Any]) -> bool:
    """Whether a CHECK rule accepts fewer values than before (existing rows may fail it)."""
    rule = new["rule"]
    if rule != old["rule"] or old["column"] != new["column"]:
        return True
    if rule == "values":
        return not set(old["value"]) <= set(new["value"])
    if rule == "max":
        return new["value"] < old["value"]
    return new["value"] > old["value"]  # min, min_length


@dataclass
class _Body:
    """The statements of upgrade() or downgrade(), and the value tuples they need."""

    statements: list[str] = field(default_factory=list)

    def add(self, statement: str) -> None:
        self.statements.append(statement)

    def source(self) -> str:
        return "\n".join(self.statements) if self.statements else f"{' ' * INDENT}pass"


class _Constants:
    """Module-level tuples of enum values used by CHECK constraints (`ORDERS_STATUS_VALUES`)."""

    def __init__(self) -> None:
        self.values: dict[str, tuple[str, ...]] = {}

    def name_for(self, check_name: str, values: list[str]) -> str:
        base = check_name.removeprefix("ck_").upper()
        name, n = base, 1
        while name in self.values and self.values[name] != tuple(values):
            n += 1
            name = f"{base}_{n}"
        self.values[name] = tuple(values)
        return name

    def assignments(self) -> list[str]:
        out = []
        for name, values in self.values.items():
            literals = [py_str(v) for v in values]
            if len(literals) == 1:
                out.append(f"{name} = ({literals[0]},)")
            else:
                out.append(call(f"{name} = ", literals))
        return out


# ---------------------------------------------------------------------------------------------
# Tables


def _create_table(name: str, table: dict[str, Any], constants: _Constants) -> str:
    items = [py_str(name)]
    for column_name, column in table["columns"].items():
        items.append(_column_source(column_name, column))
    pk = ", ".join(py_str(c) for c in table["primary_key"])
    items.append(f"sa.PrimaryKeyConstraint({pk}, name={_name('pk_' + name)})")
    for uq, columns in table["uniques"].items():
        args = [*(py_str(c) for c in columns), f"name={_name(uq)}"]
        items.append(call("sa.UniqueConstraint", args))
    for fk, spec in table["foreign_keys"].items():
        args = [
            f"[{py_str(spec['column'])}]",
            f"[{py_str(spec['target'] + '.id')}]",
            f"name={_name(fk)}",
            f"ondelete={py_str(spec['ondelete'])}",
        ]
        items.append(call("sa.ForeignKeyConstraint", args))
    for ck, check in table["checks"].items():
        constant = constants.name_for(ck, check["value"]) if check["rule"] == "values" else None
        args = [_check_expression(check, constant), f"name={_name(ck)}"]
        items.append(call("sa.CheckConstraint", args))
    lines = [f"{' ' * INDENT}op.create_table("]
    lines += [f"{' ' * 2 * INDENT}{item}," for item in items]
    lines.append(f"{' ' * INDENT})")
    out = ["\n".join(lines)]
    for ix, columns in table["indexes"].items():
        args = [_name(ix), py_str(name), f"[{', '.join(py_str(c) for c in columns)}]"]
        out.append(" " * INDENT + call("op.create_index", [*args, "unique=False"]))
    return "\n".join(out)


def _drop_table(name: str, table: dict[str, Any]) -> str:
    """The table with its indexes (MariaDB will not drop an index a foreign key uses first)."""
    return f"{' ' * INDENT}op.drop_table({py_str(name)})"


class _TableDiff:
    """The operations taking one table from `old` to `new` (possibly renamed), both ways."""

    def __init__(
        self,
        old_name: str,
        old: dict[str, Any],
        new_name: str,
        new: dict[str, Any],
        column_renames: dict[str, str],
        constants: _Constants,
    ) -> None:
        self.old_name, self.old, self.new_name, self.new = old_name, old, new_name, new
        self.constants = constants
        old_columns, new_columns = old["columns"], new["columns"]
        self.renamed = {
            new_col: old_col
            for new_col, old_col in column_renames.items()
            if new_col in new_columns
            and new_col not in old_columns
            and old_col in old_columns
            and old_col not in new_columns
        }
        moved = set(self.renamed.values())
        self.added = [c for c in new_columns if c not in old_columns and c not in self.renamed]
        self.dropped = [c for c in old_columns if c not in new_columns and c not in moved]
        self.kept = [(self.renamed.get(c, c), c) for c in new_columns if c not in self.added]
        self.changes: list[Change] = []
        # Statements inside batch blocks (indent 8): columns first, then the constraints that
        # name them, in a second block (a batch cannot rename a column and build a constraint
        # on its new name at once).
        self.upgrade: list[str] = []
        self.upgrade_constraints: list[str] = []
        self.downgrade: list[str] = []
        self.downgrade_constraints: list[str] = []
        self.before_upgrade: list[str] = []  # statements before the block (indent 4)
        self._build()

    @property
    def entity(self) -> str:
        return self.new.get("entity", self.new_name)

    def _change(self, summary: str, slug: str, destructive: str | None = None) -> None:
        self.changes.append(Change(f"{self.new_name}: {summary}", slug, destructive))

    # -- constraints, both ways -------------------------------------------------------------

    def _constraint_ops(self, table: dict[str, Any], names: list[str], create: bool) -> list[str]:
        """Foreign keys are dropped first and made last: MariaDB will not drop an index a
        foreign key uses, and makes an index of its own for a foreign key without one."""
        out = []
        is_fk = table["foreign_keys"].__contains__
        for name in sorted(names, key=lambda n: is_fk(n) == create):
            if name in table["uniques"]:
                if create:
                    columns = f"[{', '.join(py_str(c) for c in table['uniques'][name])}]"
                    out.append(call("batch_op.create_unique_constraint", [_name(name), columns]))
                else:
                    args = [_name(name), 'type_="unique"']
                    out.append(call("batch_op.drop_constraint", args))
            elif name in table["indexes"]:
                if create:
                    columns = f"[{', '.join(py_str(c) for c in table['indexes'][name])}]"
                    args = [_name(name), columns, "unique=False"]
                    out.append(call("batch_op.create_index", args))
                else:
                    out.append(call("batch_op.drop_index", [_name(name)]))
            elif name in table["foreign_keys"]:
                fk = table["foreign_keys"][name]
                if create:
                    args = [
                        _name(name),
                        py_str(fk["target"]),
                        f"[{py_str(fk['column'])}]",
                        '["id"]',
                        f"ondelete={py_str(fk['ondelete'])}",
                    ]
                    out.append(call("batch_op.create_foreign_key", args))
                else:
                    args = [_name(name), 'type_="foreignkey"']
                    out.append(call("batch_op.drop_constraint", args))
            else:
                check = table["checks"][name]
                if create:
                    constant = (
                        self.constants.name_for(name, check["value"])
                        if check["rule"] == "values"
                        else None
                    )
                    args = [_name(name), _check_expression(check, constant)]
                    out.append(call("batch_op.create_check_constraint", args))
                else:
                    args = [_name(name), 'type_="check"']
                    out.append(call("batch_op.drop_constraint", args))
        return out

    @staticmethod
    def _constraints(table: dict[str, Any]) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for kind in ("uniques", "indexes", "foreign_keys", "checks"):
            found.update({name: (kind, value) for name, value in table[kind].items()})
        return found

    # -- the whole table ----------------------------------------------------------------------

    def _build(self) -> None:
        old_constraints, new_constraints = self._constraints(self.old), self._constraints(self.new)
        gone = [n for n in old_constraints if new_constraints.get(n) != old_constraints[n]]
        made = [n for n in new_constraints if old_constraints.get(n) != new_constraints[n]]
        up, down = self.upgrade, self.downgrade
        up += self._constraint_ops(self.old, gone, create=False)
        self.downgrade_constraints += self._constraint_ops(self.old, gone, create=True)
        down_tail: list[str] = []
        down += self._constraint_ops(self.new, made, create=False)
        for new_col, old_col in self.renamed.items():
            existing = self._existing(self.old["columns"][old_col])
            up.append(self._alter(old_col, [f"new_column_name={py_str(new_col)}", *existing]))
            existing = self._existing(self.new["columns"][new_col])
            column_down = self._alter(new_col, [f"new_column_name={py_str(old_col)}", *existing])
            self._change(f"rename column {old_col} to {new_col}", f"rename_{old_col}")
            down_tail.insert(0, column_down)
        for name in self.dropped:
            up.append(call("batch_op.drop_column", [py_str(name)]))
            column = _column_source(name, self.old["columns"][name])
            down_tail.insert(0, call("batch_op.add_column", [column]))
            self._change(f"drop column {name}", f"drop_{name}", f"drops column {name} and its data")
        for name in self.added:
            self._add_column(name, down_tail)
        for old_col, new_col in self.kept:
            self._alter_column(old_col, new_col, down_tail)
        self.upgrade_constraints += self._constraint_ops(self.new, made, create=True)
        down += down_tail
        renamed_or_added = set(self.renamed) | set(self.added)
        for name in made:
            kind, value = new_constraints[name]
            column = value_column(kind, value)
            destructive = None
            if kind == "uniques" and self._may_repeat(value):
                destructive = f"{name} is new: existing rows that share a value fail the upgrade"
            if name in old_constraints:
                if kind == "checks" and _tightens(old_constraints[name][1], value):
                    destructive = f"{name} accepts fewer values: existing rows may violate it"
                self._change(f"change {name}", f"alter_{column}", destructive)
            elif column not in renamed_or_added or destructive:
                self._change(f"add {name}", f"add_{column}", destructive)
        for name in gone:
            if name not in new_constraints:
                kind, value = old_constraints[name]
                column = value_column(kind, value)
                if column not in self.dropped and column not in self.renamed.values():
                    self._change(f"remove {name}", f"drop_{name}")

    def _may_repeat(self, columns: list[str]) -> bool:
        """Whether rows already in the table may share values of `columns`: not if the old
        table was unique on the same columns (renamed or not), nor if one of them is new and
        starts empty (NULLs never collide)."""
        was = [self.renamed.get(c, c) for c in columns]
        if was in self.old["uniques"].values():
            return False
        for column in columns:
            new = self.new["columns"][column]
            if column in self.added and new["default"] is None and new["nullable"]:
                return False
        return True

    @staticmethod
    def _existing(column: dict[str, Any]) -> list[str]:
        args = [f"existing_type={column['type']}", f"existing_nullable={column['nullable']}"]
        if column["default"] is not None:
            args.append(f"existing_server_default={column['default']}")
        return args

    def _alter(self, column: str, args: list[str]) -> str:
        return call("batch_op.alter_column", [py_str(column), *args])

    def _add_column(self, name: str, down_tail: list[str]) -> None:
        column = self.new["columns"][name]
        if column["nullable"] or column["default"] is not None:
            source = _column_source(name, column)
            self.upgrade.append(call("batch_op.add_column", [source]))
            self._change(f"add column {name}", f"add_{name}")
        else:
            # Existing rows have no value for it: added as nullable, then made required.
            nullable = {**column, "nullable": True}
            source = _column_source(name, nullable)
            self.upgrade.append(call("batch_op.add_column", [source]))
            self.upgrade.append(
                f"# Existing rows have no {name}: fill it here (e.g. with\n"
                f"{' ' * 2 * INDENT}# op.execute), or the next step fails on a table with rows."
            )
            existing = self._existing(nullable)
            self.upgrade.append(self._alter(name, ["nullable=False", *existing]))
            self._change(
                f"add required column {name}",
                f"add_{name}",
                f"{name} is required and has no default: existing rows need a value",
            )
        down_tail.insert(0, call("batch_op.drop_column", [py_str(name)]))

    def _alter_column(self, old_col: str, new_col: str, down_tail: list[str]) -> None:
        old, new = self.old["columns"][old_col], self.new["columns"][new_col]
        up_args: list[str] = []
        down_args: list[str] = []
        reasons: list[str] = []
        words: list[str] = []
        if old["type"] != new["type"]:
            up_args.append(f"type_={new['type']}")
            down_args.append(f"type_={old['type']}")
            using = f'"{new_col}"::{_pg_type(new["type"])}'
            back = f'"{new_col}"::{_pg_type(old["type"])}'
            up_args.append(f"postgresql_using={py_str(using)}")
            down_args.append(f"postgresql_using={py_str(back)}")
            words.append(f"type {old['type']} to {new['type']}")
            if not _widens(old["type"], new["type"]):
                reasons.append(f"{new_col} becomes {new['type']}: values may not fit")
        if old["nullable"] != new["nullable"]:
            up_args.append(f"nullable={new['nullable']}")
            down_args.append(f"nullable={old['nullable']}")
            words.append("required" if not new["nullable"] else "optional")
            if not new["nullable"]:
                fill = self._fill(old_col, new)
                if fill is None:
                    reasons.append(f"{new_col} becomes required without a default")
                else:
                    self.before_upgrade.append(fill)
        if old["default"] != new["default"]:
            up_args.append(f"server_default={new['default']}")
            down_args.append(f"server_default={old['default']}")
            words.append("default")
        if not up_args:
            return
        self.upgrade.append(self._alter(new_col, [*up_args, *self._existing_kept(old, up_args)]))
        down_tail.insert(
            0, self._alter(new_col, [*down_args, *self._existing_kept(new, down_args)])
        )
        self._change(
            f"alter column {new_col} ({', '.join(words)})",
            f"alter_{new_col}",
            "; ".join(reasons) or None,
        )

    @staticmethod
    def _existing_kept(column: dict[str, Any], args: list[str]) -> list[str]:
        """existing_* for what the alteration leaves as it is (MariaDB restates the column)."""
        out = []
        if not any(a.startswith("type_=") for a in args):
            out.append(f"existing_type={column['type']}")
        if not any(a.startswith("nullable=") for a in args):
            out.append(f"existing_nullable={column['nullable']}")
        if column["default"] is not None and not any(a.startswith("server_default=") for a in args):
            out.append(f"existing_server_default={column['default']}")
        return out

    def _fill(self, column: str, spec: dict[str, Any]) -> str | None:
        """An UPDATE giving rows without a value the column's default, or None if none."""
        default = spec["default"]
        if default is None:
            return None
        name, _args = _type_parts(spec["type"])
        value = default
        if name in ("Integer", "BigInteger", "Numeric", "Float"):
            value = f"sa.literal_column({default})"
        rows = (
            f"{' ' * INDENT}rows = sa.table({py_str(self.new_name)}, sa.column({py_str(column)}))"
        )
        update = f"rows.update().where(rows.c[{py_str(column)}].is_(None))"
        values = call(f"{update}.values", [f"{{{py_str(column)}: {value}}}"])
        return rows + "\n" + " " * INDENT + call("op.execute", [values])


def value_column(kind: str, value: Any) -> str:
    if kind in ("uniques", "indexes"):
        return value[0]
    return value["column"]


# ---------------------------------------------------------------------------------------------
# The revision


@dataclass(eq=False)
class RevisionView:
    """A new revision of one service: its file name, chain, docstring and operations."""

    service: str
    old: Schema
    new: Schema
    history: History
    table_renames: dict[str, str]
    column_renames: dict[str, dict[str, str]]

    @cached_property
    def _plan(self) -> tuple[list[Change], _Body, _Body, _Constants]:
        constants = _Constants()
        old_tables, new_tables = self.old["tables"], self.new["tables"]
        matched: dict[str, str] = {}  # new name -> old name
        for name in new_tables:
            renamed = self.table_renames.get(name)
            if name in old_tables:
                matched[name] = name
            elif renamed in old_tables and renamed not in new_tables:
                matched[name] = renamed
        # A table whose primary key changes (a read model's key) cannot be altered into the
        # new one: it is dropped and created again, before anything else.
        rebuilt = {
            new_name: matched.pop(new_name)
            for new_name, old_name in list(matched.items())
            if old_tables[old_name]["primary_key"] != new_tables[new_name]["primary_key"]
        }
        created = [n for n in new_tables if n not in matched and n not in rebuilt]
        dropped = [n for n in old_tables if n not in matched.values() and n not in rebuilt.values()]
        changes: list[Change] = []
        up, down = _Body(), _Body()
        for new_name, old_name in rebuilt.items():
            up.add(_drop_table(old_name, old_tables[old_name]))
            up.add(_create_table(new_name, new_tables[new_name], constants))
            old_key, new_key = (
                ", ".join(t["primary_key"]) for t in (old_tables[old_name], new_tables[new_name])
            )
            changes.append(
                Change(
                    f"{new_name}: create again with the key {new_key} (was {old_key})",
                    f"rekey_{new_tables[new_name].get('entity', new_name)}",
                    "its rows are dropped: a read model fills again from the events that follow",
                )
            )
        # Upgrade: renamed and new tables, then each table's columns, then their constraints,
        # then removed tables. Downgrade: the reverse, so every constraint finds its table.
        for new_name, old_name in matched.items():
            if new_name != old_name:
                up.add(f"{' ' * INDENT}op.rename_table({py_str(old_name)}, {py_str(new_name)})")
                entity = new_tables[new_name].get("entity", new_name)
                changes.append(
                    Change(f"{new_name}: rename table {old_name} to {new_name}", f"rename_{entity}")
                )
        for name in created:
            up.add(_create_table(name, new_tables[name], constants))
            entity = new_tables[name].get("entity", name)
            changes.append(Change(f"{name}: create table", f"create_{entity}"))
        diffs = []
        for new_name, old_name in matched.items():
            diff = _TableDiff(
                old_name,
                old_tables[old_name],
                new_name,
                new_tables[new_name],
                self.column_renames.get(new_name, {}),
                constants,
            )
            if diff.upgrade or diff.upgrade_constraints or diff.before_upgrade:
                diffs.append(diff)
        for diff in diffs:
            for statement in diff.before_upgrade:
                up.add(statement)
            if diff.upgrade:
                up.add(_batch(diff.new_name, diff.upgrade))
            changes += [
                Change(c.summary, f"{diff.entity}_{c.slug}", c.destructive) for c in diff.changes
            ]
        for diff in diffs:
            if diff.upgrade_constraints:
                up.add(_batch(diff.new_name, diff.upgrade_constraints))
        for name in reversed(dropped):
            up.add(_drop_table(name, old_tables[name]))
            entity = old_tables[name].get("entity", name)
            changes.append(
                Change(f"{name}: drop table", f"drop_{entity}", f"drops table {name} and its rows")
            )
        for diff in reversed(diffs):
            if diff.downgrade:
                down.add(_batch(diff.new_name, diff.downgrade))
        for name in reversed(created):
            down.add(_drop_table(name, new_tables[name]))
        for new_name, old_name in matched.items():
            if new_name != old_name:
                down.add(f"{' ' * INDENT}op.rename_table({py_str(new_name)}, {py_str(old_name)})")
        for name in dropped:
            down.add(_create_table(name, old_tables[name], constants))
        for diff in reversed(diffs):
            if diff.downgrade_constraints:
                down.add(_batch(diff.new_name, diff.downgrade_constraints))
        for new_name, old_name in rebuilt.items():
            down.add(_drop_table(new_name, new_tables[new_name]))
            down.add(_create_table(old_name, old_tables[old_name], constants))
        return changes, up, down, constants

    @cached_property
    def changes(self) -> list[Change]:
        return self._plan[0]

    @cached_property
    def is_empty(self) -> bool:
        """No schema change, and one head (several heads need a merge revision)."""
        return not self.changes and len(self.history.heads) <= 1

    @cached_property
    def destructive(self) -> list[str]:
        return [f"{c.summary}: {c.destructive}" for c in self.changes if c.destructive]

    @cached_property
    def number(self) -> int:
        return max((r.number for r in self.history.revisions), default=0) + 1

    @cached_property
    def slug(self) -> str:
        slug = self.changes[0].slug if self.changes else "merge_heads"
        if len(self.changes) > 1:
            slug += f"_and_{len(self.changes) - 1}_more"
        return slug[:SLUG_LENGTH].rstrip("_")

    @cached_property
    def id(self) -> str:
        return f"{self.number:04d}_{self.slug}"[:ALEMBIC_ID_LENGTH].rstrip("_")

    @cached_property
    def file(self) -> str:
        return f"{self.number:04d}_{self.slug}.py"

    @cached_property
    def down_revision(self) -> str:
        """Source of `down_revision`: the head, or a tuple of heads (a merge revision)."""
        heads = self.history.heads
        if not heads:
            return "None"
        if len(heads) == 1:
            return py_str(heads[0])
        return "(" + ", ".join(py_str(h) for h in heads) + ")"

    @cached_property
    def revises(self) -> str:
        return ", ".join(self.history.heads)

    @cached_property
    def summary_lines(self) -> list[str]:
        return [
            f"- {c.summary}" + (" (destructive)" if c.destructive else "") for c in self.changes
        ]

    @cached_property
    def constants(self) -> list[str]:
        return self._plan[3].assignments()

    @cached_property
    def uses_sqlalchemy(self) -> bool:
        """Whether the module needs `import sqlalchemy as sa` (not for constraint-only ones)."""
        return "sa." in self.upgrade_body + self.downgrade_body + "".join(self.constants)

    @cached_property
    def upgrade_body(self) -> str:
        return self._plan[1].source()

    @cached_property
    def downgrade_body(self) -> str:
        return self._plan[2].source()


def _batch(table: str, statements: list[str]) -> str:
    head = f"{' ' * INDENT}with op.batch_alter_table({py_str(table)}) as batch_op:"
    return "\n".join([head, *(" " * 2 * INDENT + statement for statement in statements)])
