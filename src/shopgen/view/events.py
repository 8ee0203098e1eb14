"""Events, sagas, handlers, actions and read models."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from shopgen.spec.model import FieldSpec
from shopgen.spec.plurals import read_model_plural
from shopgen.spec.reserved import read_model_table
from shopgen.view.entities import EntityView
from shopgen.view.fields import FieldView
from shopgen.view.names import Namer, python_name, snake_case
from shopgen.view.source import (
    DECIMAL_DIGITS,
    DECIMAL_PLACES,
    DEFAULT_STRING_LENGTH,
    INDENT,
    call,
    py_str,
    pyrepr,
)

# ---------------------------------------------------------------------------------------------
# Events, sagas and read models

# Names payloads.py imports; a payload class must not shadow them.
PAYLOAD_IMPORTS = frozenset({"Any", "BaseModel", "Decimal", "Field", "dt", "uuid"})


@dataclass(frozen=True)
class Src:
    """Python source kept as it is by `source` (a name, an attribute)."""

    code: str


@dataclass(frozen=True)
class Invocation:
    """A call for `source`: `head(name=value, ...)`; a None name is a positional argument."""

    head: str
    args: tuple[tuple[str | None, Any], ...]


def as_source(value: Any) -> str:
    """Python source of nested calls, dicts and lists, on one line: ruff lays it out."""
    if isinstance(value, Src):
        return value.code
    if isinstance(value, Invocation):
        args = ", ".join((f"{k}=" if k else "") + as_source(v) for k, v in value.args)
        return f"{value.head}({args})"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{pyrepr(k)}: {as_source(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(as_source(v) for v in value) + "]"
    return pyrepr(value)


# ruff wraps no docstring: one that would pass the generated repository's line-length (100)
# falls back to a short one.
DOCSTRING_LINE = 100


def plain_docstring(text: str, fallback: str, indent: int = INDENT) -> str:
    """`text` as a one-line docstring when it is plain (no quotes, escapes or line breaks) and
    fits; else `fallback` (which must be plain)."""
    plain = text.isprintable() and not re.search(r'["\\]', text) and text.strip() == text
    if plain and text and indent + len(text) + 6 <= DOCSTRING_LINE:
        return f'"""{text}"""'
    return f'"""{fallback}"""'


def event_class_name(event: str) -> str:
    """`order.created` -> `OrderCreated`."""
    return "".join(part.capitalize() for part in re.split(r"[._-]", event) if part)


@dataclass(eq=False)
class EventView:
    """An event of the spec: its exchange and its typed payload model (payloads.py)."""

    name: str
    spec: Any  # shopgen.spec.model.Event
    class_name: str
    entity_id: str | None = None  # `<entity>_id` of an entity that emits it, when undeclared
    nullable: frozenset[str] = frozenset()  # optional fields of the entities that emit it

    @cached_property
    def exchange(self) -> str:
        return self.spec.exchange or self.spec.publisher

    @cached_property
    def publisher(self) -> str:
        return self.spec.publisher

    @cached_property
    def description(self) -> str:
        return self.spec.description or f"`{self.name}`, published by {self.publisher}."

    @cached_property
    def docstring(self) -> str:
        return plain_docstring(self.description, f"`{self.name}`, published by {self.publisher}.")

    @cached_property
    def fields(self) -> list[FieldView]:
        specs = dict(self.spec.payload)
        if self.entity_id and self.entity_id not in specs:
            specs = {self.entity_id: FieldSpec(type="uuid"), **specs}
        specs = {
            n: s.model_copy(update={"optional": True}) if n in self.nullable else s
            for n, s in specs.items()
        }
        return [FieldView(n, s, self.class_name, Namer()) for n, s in specs.items()]

    @cached_property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    @cached_property
    def field_by_name(self) -> dict[str, FieldView]:
        return {f.name: f for f in self.fields}

    @cached_property
    def declarations(self) -> list[str]:
        """The payload model's fields: plain types (enums as text, inline objects as dicts),
        so a consumer never depends on the publisher's code."""
        lines = []
        for f in self.fields:
            description = f.spec.description
            if description is None and f.name.endswith("_id") and f.type in ("uuid", "ref"):
                description = f"Id of the {f.name[:-3].replace('_', ' ')}."
            args = [f"description={py_str(description)}"] if description else []
            annotation = f.client_type + (" | None" if f.optional else "")
            lines.append(f.declare(annotation, "None" if f.optional else None, args))
        return lines

    @cached_property
    def types(self) -> set[str]:
        return {f.client_type for f in self.fields}

    @cached_property
    def catalog_entry(self) -> Invocation:
        return Invocation(
            "EventType",
            (
                ("name", self.name),
                ("exchange", self.exchange),
                ("payload", Src(f"payloads.{self.class_name}")),
                ("description", self.description),
                ("publisher", self.publisher),
            ),
        )


@dataclass(eq=False)
class SagaView:
    """A saga, rendered identically into the events.py of every service that takes part."""

    name: str
    spec: Any  # shopgen.spec.model.Saga
    event_by_name: Mapping[str, EventView]  # every event of the spec
    owner_entities: list[EntityView]  # the owner service's

    @cached_property
    def constant(self) -> str:
        return python_name(self.name).upper() + "_SAGA"

    @cached_property
    def actions_constant(self) -> str:
        """The name of the dict of a participant's actions in its events.py."""
        return python_name(self.name).upper() + "_ACTIONS"

    @cached_property
    def key(self) -> str:
        return self.spec.key or f"{snake_case(self.spec.entity)}_id"

    @cached_property
    def owner(self) -> str:
        return self.spec.owner

    @cached_property
    def services(self) -> list[str]:
        """Every service taking part, owner first."""
        return list(dict.fromkeys([self.owner, *(s.service for s in self.spec.steps)]))

    @cached_property
    def entity(self) -> EntityView:
        return next(e for e in self.owner_entities if e.name == self.spec.entity)

    @cached_property
    def key_attribute(self) -> str:
        """The entity's column the saga key is matched against."""
        if self.key == f"{self.entity.snake}_id" or self.key not in self.entity.field_by_name:
            return "id"
        return self.key

    def input_event(self, index: int) -> str:
        return self.spec.trigger if index == 0 else self.spec.steps[index - 1].replies.success

    def carried(self, index: int) -> set[str]:
        """Payload fields the saga has carried to step `index` (trigger and earlier replies)."""
        events = self.event_by_name
        names = set(events[self.spec.trigger].field_names) | {self.key}
        for step in self.spec.steps[:index]:
            names |= set(events[step.replies.success].field_names)
        return names

    def compensate_command(self, step: Any) -> str:
        """The owner's command to undo `step` (as runtime.events.saga names it)."""
        return f"saga.{self.name}.{step.name}.compensate"

    def compensated_event(self, step: Any) -> str:
        return f"saga.{self.name}.{step.name}.compensated"

    @staticmethod
    def _outcome(outcome: Any) -> Invocation:
        args: list[tuple[str | None, Any]] = []
        if outcome.set:
            args.append(("set", dict(outcome.set)))
        if outcome.copy_:
            args.append(("copy", dict(outcome.copy_)))
        if outcome.published:
            args.append(("publish", list(outcome.published)))
        return Invocation("Outcome", tuple(args))

    @cached_property
    def definition(self) -> str:
        """`CHECKOUT_SAGA = SagaDefinition(...)`, the same text in every service."""
        steps = []
        for step in self.spec.steps:
            args: list[tuple[str | None, Any]] = [
                ("name", step.name),
                ("service", step.service),
                ("action", step.action),
                ("success_event", step.replies.success),
            ]
            if step.replies.failure:
                args.append(("failure_event", step.replies.failure))
            if step.compensation:
                args.append(("compensation_action", step.compensation.action))
                if step.compensation.reply:
                    args.append(("compensation_reply", step.compensation.reply))
            steps.append(Invocation("Step", tuple(args)))
        definition = Invocation(
            "SagaDefinition",
            (
                ("name", self.name),
                ("owner", self.owner),
                ("trigger", self.spec.trigger),
                ("key", self.key),
                ("steps", steps),
                ("on_success", self._outcome(self.spec.on_success)),
                ("on_failure", self._outcome(self.spec.on_failure)),
            ),
        )
        return f"{self.constant} = " + as_source(definition)


@dataclass(eq=False)
class HandlerView:
    """A `consumes:` entry: the user's handler of one event (custom/handlers/<function>.py)."""

    event: EventView
    function: str
    service_module: str = ""

    @cached_property
    def module(self) -> str:
        return self.function

    @cached_property
    def stub_file(self) -> str:
        return f"services/{self.service_module}/custom/handlers/{self.module}.py"


@dataclass(eq=False)
class ActionView:
    """A saga action or compensation this service performs (custom/actions/<function>.py)."""

    function: str
    saga: SagaView
    index: int  # the step's position
    compensation: bool

    @cached_property
    def module(self) -> str:
        return self.function

    @cached_property
    def step(self) -> Any:
        return self.saga.spec.steps[self.index]

    @cached_property
    def stub_file(self) -> str:
        module = python_name(self.step.service)
        return f"services/{module}/custom/actions/{self.module}.py"

    @cached_property
    def stub_failure(self) -> list[str]:
        """Arguments of the default stub's `StepResult.failure(...)`: the reason names the file
        to edit; other required fields of the failure reply get valid stand-in values."""
        reason = f"not_implemented({py_str(self.stub_file)})"
        out = [f"reason={reason}"]
        for f in self._missing(self.failure_event):
            if f.name != "reason":
                out.append(f"{f.name}={_placeholder(f)}")
        return out

    @cached_property
    def payload(self) -> EventView:
        """The event the step reacts to; a compensation gets the same payload."""
        return self.saga.event_by_name[self.saga.input_event(self.index)]

    @cached_property
    def success_event(self) -> str:
        return self.step.replies.success

    @cached_property
    def failure_event(self) -> str | None:
        return self.step.replies.failure

    @cached_property
    def reply_event(self) -> str | None:
        """A compensation's reply."""
        return self.step.compensation.reply if self.compensation else None

    def _missing(self, event: str | None) -> list[FieldView]:
        """Required fields of a reply the saga does not carry to this step already."""
        if event is None:
            return []
        carried = self.saga.carried(self.index)
        view = self.saga.event_by_name[event]
        return [f for f in view.fields if f.name not in carried and not f.optional]

    @cached_property
    def success_names(self) -> list[str]:
        """Required fields of the success reply the action must return."""
        return [f.name for f in self._missing(self.success_event)]

    @cached_property
    def failure_fields(self) -> list[str]:
        return [f"{f.name}=..." for f in self._missing(self.failure_event)]

    @cached_property
    def reply_fields(self) -> list[tuple[str, str]]:
        """A compensation's reply fields to fill in, as (name, placeholder)."""
        return [(f.name, _placeholder(f)) for f in self._missing(self.reply_event)]


def _placeholder(field_view: FieldView) -> str:
    """Python source of a valid stand-in value, for default stubs."""
    if field_view.type in ("uuid", "ref"):
        return "uuid.uuid4()"
    return field_view.zero


@dataclass(eq=False)
class ReadColumn:
    name: str
    column_type: str  # SQLAlchemy type source
    python_type: str  # Mapped[...] / pydantic annotation, without `| None`
    primary_key: bool = False
    counter: bool = False  # count/sum: NOT NULL, starts at 0

    @cached_property
    def model_column(self) -> str:
        """The attribute of the model class (models.py)."""
        if self.primary_key:
            annotation, args = self.python_type, [self.column_type, "primary_key=True"]
        elif self.counter:
            annotation, args = self.python_type, [self.column_type, "default=0"]
            args.append('server_default="0"')
        else:
            annotation, args = f"{self.python_type} | None", [self.column_type]
        return call(f"{self.name}: Mapped[{annotation}] = mapped_column", args)

    @cached_property
    def migration_column(self) -> str:
        """The column of op.create_table (the migration)."""
        args = [f'"{self.name}"', self.column_type]
        if self.counter:
            args.append('server_default="0"')
        args.append(f"nullable={not (self.primary_key or self.counter)}")
        return call("sa.Column", args)


_SET_TYPES = {bool: ("sa.Boolean()", "bool"), int: ("sa.Integer()", "int"),
              float: ("sa.Float()", "float")}  # fmt: skip
_SUM_TYPE = (f"sa.Numeric({DECIMAL_DIGITS + 6}, {DECIMAL_PLACES})", "decimal.Decimal")


@dataclass(eq=False)
class ReadModelView:
    """A read model: its table (models.py, the migration), projection and query endpoints."""

    name: str
    spec: Any  # shopgen.spec.model.ReadModel
    entity_tables: frozenset[str]  # its service's (a read model's table must not clash)
    event_by_name: Mapping[str, EventView]  # every event of the spec

    @cached_property
    def class_name(self) -> str:
        return self.name

    @cached_property
    def snake(self) -> str:
        return snake_case(self.name)

    @cached_property
    def table(self) -> str:
        return read_model_table(self.snake, set(self.entity_tables))

    @cached_property
    def path(self) -> str:
        return "/" + read_model_plural(self.snake).replace("_", "-")

    @cached_property
    def access_alias(self) -> str:
        return f"{self.snake.upper()}_ACCESS"

    @cached_property
    def access_line(self) -> str:
        """`ORDER_SUMMARY_ACCESS = Depends(allow(...))`: who may query it."""
        args = ", ".join(py_str(grant) for grant in self.spec.access)
        return f"{self.access_alias} = Depends(allow({args}))"

    @cached_property
    def function(self) -> str:
        """`list_<...>` / `get_<...>` suffix in the router."""
        return read_model_plural(self.snake)

    @cached_property
    def keyed(self) -> bool:
        return self.spec.key is not None

    @cached_property
    def key(self) -> str:
        return self.spec.key or "day"

    @cached_property
    def schema(self) -> str:
        return f"{self.name}Row"

    def _payload_field(self, name: str) -> FieldView | None:
        events = self.event_by_name
        for event in self.spec.on:
            found = events[event].field_by_name.get(name)
            if found is not None:
                return found
        return None

    def _column(self, name: str, *, primary_key: bool = False) -> ReadColumn:
        found = self._payload_field(name)
        if found is not None:
            python = found.mapped_type.removesuffix(" | None")
            if found.type == "list":
                python = "list[Any]"
            return ReadColumn(name, found.column_type, python, primary_key=primary_key)
        values = [u.set[name] for u in self.spec.on.values() if name in u.set]
        kinds = {type(v) for v in values if v is not None}
        if len(kinds) == 1 and next(iter(kinds)) in _SET_TYPES:
            column_type, python = _SET_TYPES[next(iter(kinds))]
            return ReadColumn(name, column_type, python, primary_key=primary_key)
        return ReadColumn(name, f"sa.String({DEFAULT_STRING_LENGTH})", "str", primary_key)

    @cached_property
    def columns(self) -> list[ReadColumn]:
        """The key first, then the data columns in the order the spec names them."""
        if self.keyed:
            columns = [self._column(self.key, primary_key=True)]
            names: list[str] = []
            for update in self.spec.on.values():
                names += [*update.copy_, *update.set]
            names = [n for n in dict.fromkeys(names) if n != self.key]
            return columns + [self._column(n) for n in names]
        columns = [ReadColumn("day", "sa.Date()", "dt.date", primary_key=True)]
        seen: set[str] = set()
        for update in self.spec.on.values():
            if update.count and update.count not in seen:
                seen.add(update.count)
                columns.append(ReadColumn(update.count, "sa.Integer()", "int", counter=True))
            for column in update.sum:
                if column not in seen:
                    seen.add(column)
                    columns.append(ReadColumn(column, *_SUM_TYPE, counter=True))
        return columns

    @cached_property
    def column_by_name(self) -> dict[str, ReadColumn]:
        return {c.name: c for c in self.columns}

    @cached_property
    def key_column(self) -> ReadColumn:
        return self.columns[0]

    @cached_property
    def query_columns(self) -> list[ReadColumn]:
        return [self.column_by_name[name] for name in self.spec.query_by]

    @cached_property
    def query_params(self) -> list[str]:
        return [f"{c.name}: {c.python_type} | None = None" for c in self.query_columns]

    @cached_property
    def schema_fields(self) -> list[str]:
        out = []
        for c in self.columns:
            optional = not (c.primary_key or c.counter)
            out.append(f"{c.name}: {c.python_type}" + (" | None = None" if optional else ""))
        if self.keyed:
            out.append("last_event_at: dt.datetime")
        return out

    @cached_property
    def list_params(self) -> list[str]:
        params = ["session: SessionDep", "page: PageParamsDep"]
        if not self.keyed:
            params += ["since: dt.date | None = None", "until: dt.date | None = None"]
        return params + [p for p in self.query_params if not p.startswith(("since:", "until:"))]

    @cached_property
    def order_by(self) -> list[str]:
        model = "model"  # the local alias in the route
        if self.keyed:
            return [f"{model}.last_event_at.desc()", f"{model}.{self.key}"]
        return [f"{model}.day.desc()"]

    @cached_property
    def projection(self) -> str:
        """`events.read_model(Projection(...))` of events.py."""
        on = {}
        for event, update in self.spec.on.items():
            if self.keyed:
                args: list[tuple[str | None, Any]] = []
                if update.copy_:
                    args.append(("copy", list(update.copy_)))
                if update.set:
                    args.append(("set", dict(update.set)))
                on[event] = Invocation("Upsert", tuple(args))
            else:
                args = []
                if update.count:
                    args.append(("count", update.count))
                if update.sum:
                    args.append(("sum", dict(update.sum)))
                on[event] = Invocation("Aggregate", tuple(args))
        grouping = ("key", self.key) if self.keyed else ("group_by", "day")
        projection = Invocation(
            "Projection",
            (
                ("name", self.name),
                ("table", Src(f"models.{self.class_name}.__table__")),
                grouping,
                ("on", on),
            ),
        )
        return as_source(Invocation("events.read_model", ((None, projection),)))

    @cached_property
    def types(self) -> set[str]:
        return {c.python_type for c in self.columns}
