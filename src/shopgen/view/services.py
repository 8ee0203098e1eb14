"""Services, their calls and routes, and the system test."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from shopgen.spec.model import Call, Route, Service
from shopgen.view.entities import EntityView, _walk
from shopgen.view.events import (
    ActionView,
    EventView,
    HandlerView,
    Invocation,
    ReadModelView,
    SagaView,
    Src,
    exploded,
)
from shopgen.view.fields import EnumView, FieldView
from shopgen.view.names import (
    SCHEMA_IMPORTS,
    Namer,
    plural_snake,
    python_name,
    snake_case,
    title_case,
)
from shopgen.view.operations import ClientView, IssuerView, OperationView
from shopgen.view.source import FIRST_SERVICE_PORT, INDENT, LINE_LENGTH, pycall, pyimport, pyrepr

if TYPE_CHECKING:
    from shopgen.view.project import ProjectView


# ---------------------------------------------------------------------------------------------
# Services, routes, project


@dataclass(eq=False)
class ServiceView:
    name: str
    spec: Service
    index: int
    default_database: str
    project: ProjectView | None = None

    @cached_property
    def module(self) -> str:
        """The Python package: services/<module>/."""
        return python_name(self.name)

    @cached_property
    def env_prefix(self) -> str:
        return self.module.upper()

    @cached_property
    def title(self) -> str:
        return title_case(self.name)

    @cached_property
    def description(self) -> str:
        return self.spec.description or f"The {self.name} service."

    @cached_property
    def port(self) -> int:
        return self.spec.port or FIRST_SERVICE_PORT + self.index

    @cached_property
    def database(self) -> str:
        """The database engine used in distributed mode (embedded mode always uses SQLite)."""
        return self.spec.database or self.default_database

    @cached_property
    def is_issuer(self) -> bool:
        return self.spec.auth == "issuer"

    @cached_property
    def calls(self) -> list[CallView]:
        return [CallView(target, call or Call()) for target, call in self.spec.calls.items()]

    @cached_property
    def depends_on(self) -> list[str]:
        return [call.target for call in self.calls]

    # -- schemas.py and models.py --------------------------------------------------------------

    @cached_property
    def schema_namer(self) -> Namer:
        taken = set(SCHEMA_IMPORTS) | {"LoginRequest", "AccessToken"}
        for entity in self.spec.entities:
            taken |= {f"{entity}{s}" for s in ("Base", "Create", "Update", "Public")}
        return Namer(taken)

    @cached_property
    def entities(self) -> list[EntityView]:
        tables = {name: plural_snake(snake_case(name)) for name in self.spec.entities}
        entities = [
            EntityView(name, spec, self.module, self.schema_namer, tables)
            for name, spec in self.spec.entities.items()
        ]
        for entity in entities:  # claim class names in declaration order, whatever renders first
            _ = [f.enum for f in _walk(entity.fields)]
        return entities

    @cached_property
    def operations(self) -> list[OperationView]:
        ops = [OperationView(n, s, self.schema_namer) for n, s in self.spec.operations.items()]
        _ = self.entities  # entity classes claim their names first
        for op in ops:  # then operations, in declaration order
            _ = op.request_class, op.response_class
            _ = [f.enum for f in _walk((op.request_fields or []) + (op.response_fields or []))]
        return ops

    @cached_property
    def has_operations(self) -> bool:
        return bool(self.operations)

    @cached_property
    def enums(self) -> list[EnumView]:
        found = [e for entity in self.entities for e in entity.enums]
        return found + [e for op in self.operations for e in op.enums]

    @cached_property
    def nested_models(self) -> list[tuple[str, list[FieldView]]]:
        found = [m for entity in self.entities for m in entity.nested_models]
        return found + [m for op in self.operations for m in op.nested_models]

    @cached_property
    def all_fields(self) -> list[FieldView]:
        fields = [f for entity in self.entities for f in entity.fields]
        for op in self.operations:
            fields += (op.request_fields or []) + (op.response_fields or [])
        return list(_walk(fields))

    def _uses(self, *types: str) -> bool:
        return any(f.type in types or f.spec.of in types for f in self.all_fields)

    @cached_property
    def schema_imports(self) -> list[str]:
        """Import lines of schemas.py, sorted the way ruff's isort sorts them."""
        if not (self.entities or self.operations):
            return []
        fields = self.all_fields
        lines = []
        if self.entities or self._uses("date", "datetime"):
            lines.append("import datetime as dt")
        if self.entities or self._uses("uuid", "ref"):
            lines.append("import uuid")
        if self._uses("decimal"):
            lines.append("from decimal import Decimal")
        if self.enums:
            lines.append("from enum import StrEnum")
        if any(f.type == "json" or (f.type == "list" and f.item_type == "Any") for f in fields):
            lines.append("from typing import Any")
        names = ["BaseModel"]
        if self.entities:
            names.append("ConfigDict")
        if self._uses("email"):
            names.append("EmailStr")
        if any(f.constraints for f in fields):
            names.append("Field")
        separator = [""] if lines else []
        return [*lines, *separator, f"from pydantic import {', '.join(sorted(names))}"]

    @cached_property
    def model_imports(self) -> list[str]:
        """Import lines of models.py, sorted the way ruff's isort sorts them."""
        read_types = " ".join(t for m in self.read_models for t in m.types)
        lines = []
        if self.entities or self.read_models:
            lines.append("import datetime as dt")
        if self._uses("decimal") or "decimal." in read_types:
            lines.append("import decimal")
        if self.entities or "uuid." in read_types:
            lines.append("import uuid")
        if any(f.is_json for entity in self.entities for f in entity.fields) or "Any" in read_types:
            lines.append("from typing import Any")
        if lines:
            lines.append("")
        sqlalchemy = ["import sqlalchemy as sa", "from sqlalchemy.orm import DeclarativeBase"]
        if self.entities or self.read_models:
            sqlalchemy[1] += ", Mapped, mapped_column"
        return [*lines, *sqlalchemy, "", "from runtime.events import attach_tables"]

    @cached_property
    def enum_constants(self) -> list[str]:
        """Module-level tuples of enum values, for the CHECK constraints."""
        return [f.values_assignment for entity in self.entities for f in entity.enum_fields]

    @cached_property
    def tables_in_order(self) -> list[EntityView]:
        """Entities ordered so that a referenced table is created before its referrers."""
        done: list[EntityView] = []
        pending = list(self.entities)
        while pending:
            for entity in pending:
                targets = {t for t in entity.foreign_key_targets if t != entity.table}
                if targets <= {e.table for e in done}:
                    done.append(entity)
                    pending.remove(entity)
                    break
            else:  # a cycle between tables: keep the declared order
                done += pending
                break
        return done

    # -- auth ----------------------------------------------------------------------------------

    @cached_property
    def issuer(self) -> IssuerView | None:
        """The entity register/login use: the first with a password field and an email field
        (or, failing that, a unique string field) to log in with."""
        if not self.is_issuer:
            return None
        for entity in self.entities:
            if not entity.password_fields:
                continue
            login = next((f for f in entity.fields if f.type == "email"), None) or next(
                (f for f in entity.fields if f.type == "string" and f.spec.unique), None
            )
            if login is not None:
                return IssuerView(entity, login, entity.password_fields[0])
        return None

    @cached_property
    def register_path(self) -> str:
        return f"/{self.name}/register"

    @cached_property
    def login_path(self) -> str:
        return f"/{self.name}/login"

    @cached_property
    def auth_file(self) -> str:
        """File name of api/auth.py: empty (no file) unless the service issues tokens."""
        return "auth.py" if self.issuer else ""

    @cached_property
    def operations_file(self) -> str:
        """File name of api/operations.py and custom/operations.py: empty without operations."""
        return "operations.py" if self.operations else ""

    @cached_property
    def operation_schemas(self) -> list[str]:
        """The schema classes the operations use (imported by custom/operations.py)."""
        names = [op.request_class for op in self.operations if op.request_class]
        return names + [op.response_class for op in self.operations if op.response_class]

    @cached_property
    def operations_in_query(self) -> bool:
        return any(op.request_class and op.request_in_query for op in self.operations)

    @cached_property
    def routers(self) -> list[str]:
        """Modules of api/, in registration order."""
        # Fixed paths before the entities' `/{id}` routes, which would otherwise shadow them.
        names = ["auth"] if self.issuer else []
        names += ["operations"] if self.operations else []
        names += ["read_models"] if self.read_models else []
        return names + [entity.module for entity in self.entities]

    @cached_property
    def routers_import(self) -> str | None:
        """`from . import ...` of api/__init__.py, sorted and wrapped like ruff does."""
        if not self.routers:
            return None
        names = sorted(self.routers)
        one_line = f"from . import {', '.join(names)}"
        if len(one_line) <= LINE_LENGTH:
            return one_line
        return "from . import (\n" + "".join(f"    {n},\n" for n in names) + ")"

    @cached_property
    def routers_list(self) -> str:
        routers = [f"{n}.router" for n in self.routers]
        return pycall(routers, "routers: list[APIRouter] = ", 0, brackets="[]")

    # -- clients -------------------------------------------------------------------------------

    @cached_property
    def clients(self) -> list[ClientView]:
        if self.project is None:
            return []
        namer = Namer({"BaseModel", "ConfigDict", "Any", "Decimal", "EmailStr", "Page", "Clients"})
        return [
            ClientView(self.project.service_by_name[call.target], call.spec, namer)
            for call in self.calls
        ]

    @cached_property
    def client_fields(self) -> list[FieldView]:
        fields: list[FieldView] = []
        for client in self.clients:
            for entity, _ in client.entities:
                fields += entity.public_fields
            for op, _, _ in client.operations:
                fields += (op.request_fields or []) + (op.response_fields or [])
        return fields

    @cached_property
    def client_imports(self) -> list[str]:
        """Import lines of clients.py, sorted the way ruff's isort sorts them."""
        types = " ".join(f.client_type for f in self.client_fields)
        stdlib = []
        if "dt." in types:
            stdlib.append("import datetime as dt")
        if any(client.entities for client in self.clients) or "uuid." in types:
            stdlib.append("import uuid")
        stdlib.append("from dataclasses import dataclass")
        if "Decimal" in types:
            stdlib.append("from decimal import Decimal")
        if any(client.entities for client in self.clients) or "Any" in types:
            stdlib.append("from typing import Any")
        third = ["from fastapi import FastAPI"]
        if self.client_fields or any(client.entities for client in self.clients):
            third.append("from pydantic import BaseModel")
        first = []
        if any(client.breaker for client in self.clients):
            first.append("from runtime.breaker import CircuitBreaker")
        if self.clients:
            first.append("from runtime.http import ServiceClient")
        if any(client.entities for client in self.clients):
            first.append("from runtime.pagination import Page")
        blocks = [stdlib, third, first]
        return [line for block in blocks if block for line in [*block, ""]][:-1]

    @cached_property
    def clients_init(self) -> str:
        """`Clients(...)` built in open_clients."""
        args = [f"{c.attribute}=_{c.attribute}(app)" for c in self.clients]
        return pycall(args, "app.state.clients = Clients", INDENT)

    @cached_property
    def operation_auth(self) -> bool:
        return any(op.auth_required for op in self.operations)

    # -- tests -------------------------------------------------------------------------------

    @cached_property
    def testable_entities(self) -> list[EntityView]:
        """Entities the generated tests can create: locally testable, and every entity their
        sample refs point at is too (found as a fixed point, so cycles drop out)."""
        by_snake = {entity.snake: entity for entity in self.entities}
        testable = {entity.snake for entity in self.entities if entity.testable}
        changed = True
        while changed:
            changed = False
            for snake in list(testable):
                if any(target not in testable for _, target in by_snake[snake].sample_refs):
                    testable.discard(snake)
                    changed = True
        return [entity for entity in self.entities if entity.snake in testable]

    @cached_property
    def test_imports(self) -> list[str]:
        """Import lines of tests/test_api.py."""
        entities, ops = self.testable_entities, self.testable_operations
        auth = any(op.auth_required for op in ops)
        stdlib = []
        if entities or auth:
            stdlib.append("import uuid")
        if entities:
            stdlib.append("from typing import Any")
        third = ["import httpx"]
        if any(entity.invalid_payloads for entity in entities):
            third.append("import pytest")
        first = []
        if self.testable_issuer or auth:
            names = (["decode_token"] if self.testable_issuer else []) + (
                ["issue_access_token"] if auth else []
            )
            first.append(f"from runtime.auth import {', '.join(names)}")
            first.append(f"from services.{self.module}.config import Settings")
        blocks = [stdlib, third, first]
        return [line for block in blocks if block for line in [*block, ""]][:-1]

    @cached_property
    def testable_issuer(self) -> IssuerView | None:
        issuer = self.issuer
        if issuer and issuer.entity in self.testable_entities:
            return issuer
        return None

    @cached_property
    def testable_operations(self) -> list[OperationView]:
        return [op for op in self.operations if op.testable]

    # -- events, sagas and read models (events.py, payloads.py, custom/) -------------------------

    @cached_property
    def _project(self) -> ProjectView:
        assert self.project is not None, "events need the project"
        return self.project

    @cached_property
    def sagas(self) -> list[SagaView]:
        """Sagas this service takes part in (as owner or by running a step)."""
        return [s for s in self._project.sagas if self.name in s.services]

    @cached_property
    def owned_sagas(self) -> list[SagaView]:
        return [s for s in self.sagas if s.owner == self.name]

    @cached_property
    def participated_sagas(self) -> list[tuple[SagaView, list[ActionView]]]:
        """Sagas in which this service runs steps, with the actions it registers."""
        out = []
        for saga in self.sagas:
            actions = [a for a in self.all_actions if a.saga is saga]
            if actions:
                out.append((saga, actions))
        return out

    @cached_property
    def all_actions(self) -> list[ActionView]:
        """Every (saga, step, action) this service performs, compensations included."""
        out = []
        for saga in self.sagas:
            for index, step in enumerate(saga.spec.steps):
                if step.service != self.name:
                    continue
                out.append(ActionView(step.action, saga, index, compensation=False))
                if step.compensation:
                    out.append(ActionView(step.compensation.action, saga, index, True))
        return out

    @cached_property
    def actions(self) -> list[ActionView]:
        """One stub per action name (two sagas may share an action)."""
        return list({a.function: a for a in reversed(self.all_actions)}.values())[::-1]

    @cached_property
    def handlers(self) -> list[HandlerView]:
        events = self._project.event_by_name
        return [HandlerView(events[e], fn) for e, fn in self.spec.consumes.items()]

    @cached_property
    def read_models(self) -> list[ReadModelView]:
        return [ReadModelView(n, s, self) for n, s in self.spec.read_models.items()]

    @cached_property
    def keyed_read_models(self) -> list[ReadModelView]:
        return [m for m in self.read_models if m.keyed]

    @cached_property
    def event_views(self) -> list[EventView]:
        """Every event this service publishes or consumes, in the spec's order."""
        names = {e for e, v in self._project.event_by_name.items() if v.publisher == self.name}
        names |= set(self.spec.consumes)
        for model in self.spec.read_models.values():
            names |= set(model.on)
        for saga in self.sagas:
            if saga.owner == self.name:
                names.add(saga.spec.trigger)
                for step in saga.spec.steps:
                    names |= {step.replies.success, step.replies.failure}
                    names.add(step.compensation and step.compensation.reply)
                names |= set(saga.spec.on_success.published + saga.spec.on_failure.published)
            for action in self.all_actions:
                names.add(action.payload.name)
        return [v for n, v in self._project.event_by_name.items() if n in names]

    @cached_property
    def payload_imports(self) -> list[str]:
        """Import lines of payloads.py, sorted the way ruff's isort sorts them."""
        types = " ".join(t for e in self.event_views for t in e.types)
        lines = []
        if "dt." in types:
            lines.append("import datetime as dt")
        if "uuid." in types:
            lines.append("import uuid")
        if "Decimal" in types:
            lines.append("from decimal import Decimal")
        if "Any" in types:
            lines.append("from typing import Any")
        names = ["BaseModel"]
        if any("Field(" in d for e in self.event_views for d in e.declarations):
            names.append("Field")
        separator = [""] if lines else []
        return [*lines, *separator, f"from pydantic import {', '.join(names)}"]

    @cached_property
    def catalog(self) -> str:
        """`CATALOG = EventCatalog([...])` of events.py."""
        entries = [e.catalog_entry for e in self.event_views]
        return "CATALOG = " + exploded(Invocation("EventCatalog", ((None, entries),)), 0, 10)

    @cached_property
    def events_runtime_imports(self) -> list[str]:
        names = ["EventCatalog", "ServiceEvents"] + (["EventType"] if self.event_views else [])
        if self.sagas:
            names += ["Outcome", "SagaDefinition", "Step"]
        if self.owned_sagas:
            names.append("entity_updater")
        if self.read_models:
            names.append("Projection")
            if any(m.keyed for m in self.read_models):
                names.append("Upsert")
            if any(not m.keyed for m in self.read_models):
                names.append("Aggregate")
        names += sorted({function for function, _, _ in self.declared_queues})
        return names

    @cached_property
    def events_local_imports(self) -> list[str]:
        """`from . import ...` and the custom handler/action imports of events.py."""
        local = ["payloads"] if self.event_views else []
        if self.owned_sagas or self.read_models:
            local.insert(0, "models")
        custom = [(f".custom.actions.{a.module}", a.function) for a in self.actions]
        custom += [(f".custom.handlers.{h.module}", h.function) for h in self.handlers]
        head = [f"from . import {', '.join(local)}"] if local else []
        return [*head, *(pyimport([name], module) for module, name in sorted(custom))]

    @cached_property
    def saga_owners(self) -> list[str]:
        """`events.saga_owner(...)` lines: the outcome updates the saga's entity by its key."""
        out = []
        for saga in self.owned_sagas:
            args = [f"models.{saga.entity.class_name}"]
            if saga.key_attribute != "id":
                args.append(pyrepr(saga.key_attribute))
            updater = pycall(args, "entity_updater", 4)
            out.append(pycall([saga.constant, updater], "events.saga_owner", 0))
        return out

    @cached_property
    def saga_participants(self) -> list[str]:
        """`<SAGA>_ACTIONS = {...}` and `events.saga_participant(...)` of events.py."""
        out = []
        for saga, actions in self.participated_sagas:
            mapping = {a.function: Src(a.function) for a in actions}
            constant = saga.actions_constant
            out.append(f"{constant} = " + exploded(mapping, 0, len(constant) + 3))
            out.append(pycall([saga.constant, constant], "events.saga_participant", 0))
        return out

    @cached_property
    def declared_queues(self) -> list[tuple[str, str, str]]:
        """(name function, queue source, event) of other services' queues for events this
        service publishes: declared at start, so events published before they first start
        wait for them."""
        published = {e.name for e in self.event_views if e.publisher == self.name}
        out: list[tuple[str, str, str]] = []

        def add(function: str, args: Iterable[str], event: str, ours: bool = False) -> None:
            if ours or event in published:
                out.append((function, pycall([pyrepr(a) for a in args], function, 4), event))

        for other in self._project.services:
            if other.name == self.name:
                continue
            for event in other.spec.consumes:
                add("consumer_queue", (other.name, event), event)
            for model, spec in other.spec.read_models.items():
                for event in spec.on:
                    add("read_model_queue", (other.name, model, event), event)
        for saga in self.sagas:
            for index, step in enumerate(saga.spec.steps):
                if step.service != self.name:
                    event = saga.input_event(index)
                    add("saga_step_queue", (step.service, saga.name, step.name), event)
            for step in saga.spec.steps:
                # the saga's own commands and replies (`saga.<saga>.<step>.compensate`, ...)
                if step.compensation and saga.owner == self.name != step.service:
                    queue = f"{step.service}.saga.{saga.name}.{step.name}"  # its step's queue
                    add("compensation_queue", (queue,), saga.compensate_command(step), True)
                reply = step.compensation and step.compensation.reply
                if step.compensation and not reply and step.service == self.name != saga.owner:
                    event = saga.compensated_event(step)
                    add("saga_owner_queue", (saga.owner, saga.name, event), event, True)
            if saga.owner != self.name:
                listened = [saga.spec.trigger]
                for step in saga.spec.steps:
                    listened += [step.replies.success, step.replies.failure]
                    if step.compensation and step.compensation.reply:
                        listened.append(step.compensation.reply)
                for event in dict.fromkeys(e for e in listened if e):
                    add("saga_owner_queue", (saga.owner, saga.name, event), event)
        return out

    @cached_property
    def queue_declarations(self) -> list[str]:
        """`events.declare_queue(...)` lines of events.py."""
        return [
            pycall([queue, pyrepr(event)], "events.declare_queue", 0)
            for _, queue, event in self.declared_queues
        ]

    @cached_property
    def emits(self) -> dict[str, list[tuple[str, str]]]:
        """Entity name -> (lifecycle, source of the emit call, indented for a route body)."""
        events = self._project.event_by_name
        out: dict[str, list[tuple[str, str]]] = {}
        for entity in self.entities:
            item = entity.variable
            calls = []
            for lifecycle, event in entity.spec.emits.items():
                view = events[event]
                args = []
                for name in view.field_names:
                    if name == f"{entity.snake}_id":
                        args.append((name, Src(f"{item}.id")))
                    elif name in entity.field_by_name:
                        args.append((name, Src(f"{item}.{entity.field_by_name[name].column}")))
                payload = Invocation(f"payloads.{view.class_name}", tuple(args))
                call = Invocation(
                    "await events.emitter.emit",
                    ((None, Src("session")), (None, event), (None, payload)),
                )
                calls.append((lifecycle, exploded(call, INDENT)))
            out[entity.name] = calls
        return out

    @cached_property
    def handlers_dir(self) -> str:
        """custom/handlers/: one stub per `consumes:` entry; empty (no folder) without any."""
        return "handlers" if self.handlers else ""

    @cached_property
    def actions_dir(self) -> str:
        return "actions" if self.actions else ""

    @cached_property
    def hooks_dir(self) -> str:
        return "hooks" if self.entities else ""

    @cached_property
    def read_models_file(self) -> str:
        """api/read_models.py: the read models' query endpoints; empty without read models."""
        return "read_models.py" if self.read_models else ""

    @cached_property
    def read_model_imports(self) -> list[str]:
        """Standard-library imports of api/read_models.py."""
        types = " ".join(t for m in self.read_models for t in m.types)
        lines = ["import datetime as dt"]
        if "decimal." in types:
            lines.append("import decimal")
        if "uuid." in types:
            lines.append("import uuid")
        if "Any" in types:
            lines.append("from typing import Any")
        return lines


@dataclass(frozen=True)
class CallView:
    target: str
    spec: Call

    @cached_property
    def module(self) -> str:
        return python_name(self.target)


@dataclass(frozen=True)
class RouteView:
    spec: Route
    service: ServiceView

    @cached_property
    def prefix(self) -> str:
        return self.spec.prefix

    @cached_property
    def rewrite(self) -> str:
        """The upstream path prefix: the route's own, or the prefix's last segment."""
        return self.spec.rewrite or "/" + self.spec.prefix.rstrip("/").rsplit("/", 1)[-1]

    @cached_property
    def auth_required(self) -> bool:
        return self.spec.auth == "required"

    def public_path(self, service_path: str) -> str | None:
        """The gateway path that reaches `service_path` of this route's service, if any."""
        rewrite = self.rewrite.rstrip("/")
        if service_path == rewrite or service_path.startswith(rewrite + "/") or not rewrite:
            return self.prefix.rstrip("/") + service_path[len(rewrite) :]
        return None


@dataclass(eq=False)
class SystemTestView:
    """Which steps the system test can take through the gateway for this spec; a step the
    spec cannot support (no issuer, no public route, no protected route) is left out."""

    project: ProjectView

    def _url(self, service: ServiceView, path: str, auth: bool | None = None) -> str | None:
        """The gateway URL of a service path, through a route with the given auth if any."""
        for route in self.project.routes:
            if route.service is service and auth in (None, route.auth_required):
                public = route.public_path(path)
                if public:
                    return public
        return None

    @cached_property
    def issuer(self) -> ServiceView | None:
        """An issuer whose register and login are reachable, with a testable account entity."""
        for service in self.project.services:
            issuer = service.testable_issuer
            if issuer and not issuer.entity.required_refs:
                urls = (
                    self._url(service, service.register_path, False),
                    self._url(service, service.login_path, False),
                )
                if all(urls):
                    return service
        return None

    @cached_property
    def register_url(self) -> str | None:
        return self._url(self.issuer, self.issuer.register_path, False) if self.issuer else None

    @cached_property
    def login_url(self) -> str | None:
        return self._url(self.issuer, self.issuer.login_path, False) if self.issuer else None

    @cached_property
    def account_items(self) -> list[str]:
        return self.issuer.issuer.entity.sample_items if self.issuer else []

    @cached_property
    def credentials(self) -> list[str]:
        """Items of the login request, taken from the registered account."""
        if not self.issuer:
            return []
        names = self.issuer.issuer.login_field.name, self.issuer.issuer.password_field.name
        return [f'"{name}": account["{name}"]' for name in names]

    @cached_property
    def public_entity(self) -> EntityView | None:
        """An entity created through a route without auth (a searchable one if possible)."""
        found = []
        for service in self.project.services:
            for entity in service.testable_entities:
                if entity.required_refs or entity.password_fields:
                    continue
                if self._url(service, entity.collection_path, False):
                    found.append(entity)
        found.sort(key=lambda entity: entity.search_probe is None)
        return found[0] if found else None

    @cached_property
    def public_url(self) -> str | None:
        entity = self.public_entity
        if entity is None:
            return None
        service = self.project.service_by_name_module[entity.service_module]
        return self._url(service, entity.collection_path, False)

    @cached_property
    def public_search(self) -> str | None:
        """The query for the public entity's search, when it has one."""
        entity = self.public_entity
        return entity.search_probe[1].upper() if entity and entity.search_probe else None

    @cached_property
    def protected_url(self) -> str | None:
        """A collection reached through an `auth: required` route."""
        for route in self.project.routes:
            if route.auth_required:
                for entity in route.service.entities:
                    url = route.public_path(entity.collection_path)
                    if url:
                        return url
        return None

    @cached_property
    def mints_token(self) -> bool:
        """Without an issuer, the test signs a token itself with the shared secret."""
        return bool(self.protected_url) and self.issuer is None

    @cached_property
    def rate_limited_url(self) -> str | None:
        """Any URL behind a route: the limit applies before the route's auth and upstream."""
        if not self.project.routes:
            return None
        return self.public_url or self.protected_url or self.project.routes[0].prefix

    @cached_property
    def uses_uuid(self) -> bool:
        items = self.account_items + (self.public_entity.sample_items if self.public_entity else [])
        return any("uuid." in item for item in items)
