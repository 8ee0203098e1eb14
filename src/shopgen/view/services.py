"""Services, their calls and routes, and the system test."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Protocol

from shopgen.spec import access
from shopgen.spec.model import SPECIAL_GRANTS, Call, Route, Service, Spec
from shopgen.spec.paths import service_paths
from shopgen.spec.reserved import entity_table
from shopgen.view.entities import EntityView
from shopgen.view.events import (
    ActionView,
    EventView,
    HandlerView,
    Invocation,
    ReadModelView,
    SagaView,
    Src,
    as_source,
)
from shopgen.view.fields import EnumView, FieldView, walk_fields
from shopgen.view.migrations import History, RevisionView
from shopgen.view.names import (
    SCHEMA_IMPORTS,
    Namer,
    python_name,
    title_case,
)
from shopgen.view.operations import ClientView, IssuerView, OperationView
from shopgen.view.schema import Schema, renames, schema_json, service_schema
from shopgen.view.source import FIRST_SERVICE_PORT, call, pyrepr

# ---------------------------------------------------------------------------------------------
# Services, routes, the system test


class Project(Protocol):
    """What a service reads of its project: the other services, the events and the sagas.
    ProjectView, one layer up, provides it; declared here so that this module never imports
    the project."""

    @property
    def spec(self) -> Spec: ...

    @property
    def history(self) -> Mapping[str, History]: ...

    @property
    def services(self) -> list[ServiceView]: ...

    @property
    def service_by_name(self) -> dict[str, ServiceView]: ...

    @property
    def event_by_name(self) -> dict[str, EventView]: ...

    @property
    def sagas(self) -> list[SagaView]: ...


@dataclass(eq=False)
class ServiceView:
    name: str
    spec: Service
    index: int
    default_database: str
    project: Project | None = None

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
    def from_template(self) -> bool:
        """Its folder comes from a team's template (shopgen.team_templates), not the built-in
        service files: the generated tests do not reach into its modules."""
        return self.spec.template is not None

    @property
    def has_events_module(self) -> bool:
        """Whether `services/<module>/events.py` is shopgen's (a team's template brings none)."""
        return not self.from_template

    @cached_property
    def calls(self) -> list[CallView]:
        return [CallView(target, call or Call()) for target, call in self.spec.calls.items()]

    @cached_property
    def depends_on(self) -> list[str]:
        return [call.target for call in self.calls]

    # -- schemas.py and models.py --------------------------------------------------------------

    @cached_property
    def schema_namer(self) -> Namer:
        taken = set(SCHEMA_IMPORTS) | {"LoginRequest", "AccessToken", "RefreshRequest"}
        for entity in self.spec.entities:
            taken |= {f"{entity}{s}" for s in ("Base", "Create", "Update", "Public", "Draft")}
        return Namer(taken)

    @cached_property
    def entities(self) -> list[EntityView]:
        tables = {name: entity_table(name) for name in self.spec.entities}
        account = access.account_entity(self.spec)
        entities = [
            EntityView(
                name,
                spec,
                self.module,
                self.schema_namer,
                tables,
                rules=access.entity_rules(self.spec, name),
                owner=access.owner_field(self.spec, name),
                is_account=name == account,
            )
            for name, spec in self.spec.entities.items()
        ]
        for entity in entities:  # claim class names in declaration order, whatever renders first
            _ = [f.enum for f in walk_fields(entity.fields)]
        return entities

    @cached_property
    def operations(self) -> list[OperationView]:
        ops = [
            OperationView(n, s, self.schema_namer, self.module, frozenset(self.spec.operations))
            for n, s in self.spec.operations.items()
        ]
        _ = self.entities  # entity classes claim their names first
        for op in ops:  # then operations, in declaration order
            _ = op.request_class, op.response_class
            _ = [
                f.enum for f in walk_fields((op.request_fields or []) + (op.response_fields or []))
            ]
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
        return list(walk_fields(fields))

    def _uses(self, *types: str) -> bool:
        return any(f.type in types or f.spec.of in types for f in self.all_fields)

    @cached_property
    def enum_constants(self) -> list[str]:
        """Module-level tuples of enum values, for the CHECK constraints."""
        return [f.values_assignment for entity in self.entities for f in entity.enum_fields]

    # -- migrations ----------------------------------------------------------------------------

    @cached_property
    def schema(self) -> Schema:
        """The database schema the spec implies (migrations/schema.json)."""
        return service_schema(self.tables_in_order, self.read_models, issuer=bool(self.issuer))

    @cached_property
    def schema_json(self) -> str:
        return schema_json(self.schema)

    @cached_property
    def history(self) -> History | None:
        return self.project.history.get(self.module) if self.project is not None else None

    @cached_property
    def initial_revision_file(self) -> str:
        """migrations/versions/0001_initial.py, rendered only for a service without history:
        once written, a revision is history and only BASE's copy of it is used."""
        return "0001_initial.py" if self.history is None else ""

    @cached_property
    def new_revision(self) -> RevisionView | None:
        """The revision taking the last generated schema to this one, if they differ."""
        if self.history is None:
            return None
        tables, columns = renames(self.entities)
        revision = RevisionView(self.name, self.history.schema, self.schema, self.history,
                                tables, columns)  # fmt: skip
        return None if revision.is_empty else revision

    @cached_property
    def new_revision_file(self) -> str:
        return self.new_revision.file if self.new_revision else ""

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
    def served_paths(self) -> dict[str, str]:
        """First path segment -> what the service serves there (what routes can reach)."""
        return service_paths(self.project.spec, self.name) if self.project else {}

    @cached_property
    def register_path(self) -> str:
        return f"/{self.name}/register"

    @cached_property
    def login_path(self) -> str:
        return f"/{self.name}/login"

    @cached_property
    def refresh_path(self) -> str:
        return f"/{self.name}/refresh"

    @cached_property
    def auth_file(self) -> str:
        """File name of api/auth.py: empty (no file) unless the service issues tokens."""
        return "auth.py" if self.issuer else ""

    @cached_property
    def operations_file(self) -> str:
        """File name of api/operations.py: empty without operations."""
        return "operations.py" if self.operations else ""

    @cached_property
    def operations_dir(self) -> str:
        """custom/operations/: one user module per operation; empty (no folder) without any."""
        return "operations" if self.operations else ""

    @cached_property
    def operation_schemas(self) -> list[str]:
        """The schema classes the operations use (api/operations.py imports schemas if any)."""
        return [name for op in self.operations for name in op.schemas]

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
        """`from . import ...` of api/__init__.py."""
        if not self.routers:
            return None
        return f"from . import {', '.join(self.routers)}"

    @cached_property
    def routers_list(self) -> str:
        routers = [f"{n}.router" for n in self.routers]
        return call("routers: list[APIRouter] = ", routers, "[]")

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
    def clients_init(self) -> str:
        """`Clients(...)` built in open_clients."""
        args = [f"{c.attribute}=_{c.attribute}(app)" for c in self.clients]
        return call("app.state.clients = Clients", args)

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
    def test_roles(self) -> list[str]:
        """Every role this service's rules name, and admin: the test client holds them all."""
        roles = {"admin"}
        for entity in self.entities:
            roles |= entity.access.roles
        for grants in [op.rule for op in self.operations] + [
            list(m.spec.access) for m in self.read_models
        ]:
            roles |= {g for g in grants if g not in SPECIAL_GRANTS}
        return sorted(roles)

    @cached_property
    def guarded_request(self) -> tuple[str, str] | None:
        """A request that needs a token (method, URL source), to try bad tokens on."""
        for entity in self.entities:
            if entity.access.anonymous_refused:
                return entity.access.anonymous_refused[0]
        return None

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
    def _project(self) -> Project:
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
        return [HandlerView(events[e], fn, self.module) for e, fn in self.spec.consumes.items()]

    @cached_property
    def read_models(self) -> list[ReadModelView]:
        tables = frozenset(e.table for e in self.entities)
        events = self._project.event_by_name
        return [ReadModelView(n, s, tables, events) for n, s in self.spec.read_models.items()]

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
    def catalog(self) -> str:
        """`CATALOG = EventCatalog([...])` of events.py."""
        entries = [e.catalog_entry for e in self.event_views]
        return "CATALOG = " + as_source(Invocation("EventCatalog", ((None, entries),)))

    @cached_property
    def saga_owners(self) -> list[str]:
        """`events.saga_owner(...)` lines: the outcome updates the saga's entity by its key."""
        out = []
        for saga in self.owned_sagas:
            args = [f"models.{saga.entity.class_name}"]
            if saga.key_attribute != "id":
                args.append(pyrepr(saga.key_attribute))
            updater = call("entity_updater", args)
            out.append(call("events.saga_owner", [saga.constant, updater]))
        return out

    @cached_property
    def saga_participants(self) -> list[str]:
        """`<SAGA>_ACTIONS = {...}` and `events.saga_participant(...)` of events.py."""
        out = []
        for saga, actions in self.participated_sagas:
            mapping = {a.function: Src(a.function) for a in actions}
            constant = saga.actions_constant
            out.append(f"{constant} = " + as_source(mapping))
            out.append(call("events.saga_participant", [saga.constant, constant]))
        return out

    @cached_property
    def emits(self) -> dict[str, list[tuple[str, str]]]:
        """Entity name -> (lifecycle, source of the emit call in a route body)."""
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
                emit = Invocation(
                    "await events.emitter.emit",
                    ((None, Src("session")), (None, event), (None, payload)),
                )
                calls.append((lifecycle, as_source(emit)))
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


@dataclass(frozen=True)
class CallView:
    target: str
    spec: Call

    @cached_property
    def module(self) -> str:
        return python_name(self.target)


@dataclass(frozen=True)
class MountView:
    """One row of the gateway's table: requests under `prefix` go to `rewrite` on `service`."""

    prefix: str
    rewrite: str
    service: str
    auth_required: bool
    public_methods: tuple[str, ...]
    serves: str

    @cached_property
    def name(self) -> str:
        """A name for HAProxy's ACLs and backends (`api_products_categories`)."""
        return re.sub(r"[^a-z0-9]+", "_", self.prefix.lower()).strip("_") or "root"

    @cached_property
    def authentication(self) -> str:
        """For the README: what a request needs."""
        if not self.auth_required:
            return "none"
        if self.public_methods:
            return f"JWT required ({', '.join(self.public_methods)} public)"
        return "JWT required"

    @cached_property
    def backend(self) -> str:
        """HAProxy's backend for the service (its Python module name)."""
        return python_name(self.service)


@dataclass(frozen=True)
class RouteView:
    spec: Route
    service: ServiceView
    # Where the service's other routes lead: those paths are theirs, not mounted here too.
    elsewhere: frozenset[str] = frozenset()

    @cached_property
    def prefix(self) -> str:
        return self.spec.prefix

    @cached_property
    def served(self) -> dict[str, str]:
        """The service's first path segments and what each serves."""
        return self.service.served_paths

    @cached_property
    def rewrite(self) -> str:
        """Where the prefix itself leads: the route's `rewrite`, else the path the prefix's
        last segment names (/api/products -> /products), else the service's only entity
        collection (/api/protected/shipping -> /shipments), else the service's root."""
        if self.spec.rewrite:
            return self.spec.rewrite
        last = "/" + self.spec.prefix.rstrip("/").rsplit("/", 1)[-1]
        if last in self.served:
            return last
        collections = [e.collection_path for e in self.service.entities]
        if len(collections) == 1:
            return collections[0]
        return "/"

    @cached_property
    def auth_required(self) -> bool:
        return self.spec.auth == "required"

    def _mount(self, prefix: str, rewrite: str, serves: str) -> MountView:
        return MountView(
            prefix,
            rewrite,
            self.service.name,
            self.auth_required,
            tuple(self.spec.public_methods),
            serves,
        )

    @cached_property
    def mounts(self) -> list[MountView]:
        """The prefix itself, then `<prefix>/<segment>` for every other path the service
        serves that no other route of it leads to, so every endpoint is reachable under
        exactly one route (/api/products/categories)."""
        base = self.rewrite.rstrip("/")
        first = "/" + base.strip("/").split("/", 1)[0] if base else ""
        mounts = [self._mount(self.prefix, self.rewrite, self.served.get(first, "everything"))]
        if base and not self.spec.rewrite:
            prefix = self.prefix.rstrip("/")
            mounts += [
                self._mount(prefix + path, path, what)
                for path, what in self.served.items()
                if path != base and path not in self.elsewhere
            ]
        return mounts

    def public_path(self, service_path: str) -> str | None:
        """The gateway path that reaches `service_path` of this route's service, if any."""
        for mount in sorted(self.mounts, key=lambda m: len(m.rewrite.rstrip("/")), reverse=True):
            rewrite = mount.rewrite.rstrip("/")
            if service_path == rewrite or service_path.startswith(rewrite + "/") or not rewrite:
                return mount.prefix.rstrip("/") + service_path[len(rewrite) :]
        return None


@dataclass(eq=False)
class SystemTestView:
    """Which steps the system test can take through the gateway for this spec; a step the
    spec cannot support (no issuer, no public route, no protected route) is left out."""

    routes: list[RouteView]
    services: list[ServiceView]

    def _url(self, service: ServiceView, path: str, auth: bool | None = None) -> str | None:
        """The gateway URL of a service path, through a route with the given auth if any."""
        for route in self.routes:
            if route.service is service and auth in (None, route.auth_required):
                public = route.public_path(path)
                if public:
                    return public
        return None

    @cached_property
    def issuer(self) -> ServiceView | None:
        """An issuer whose register and login are reachable, with a testable account entity."""
        for service in self.services:
            issuer = None if service.from_template else service.testable_issuer
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
        for service in self.services:
            if service.from_template:
                continue
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
        service = next(s for s in self.services if s.module == entity.service_module)
        return self._url(service, entity.collection_path, False)

    @cached_property
    def public_search(self) -> str | None:
        """The query for the public entity's search, when it has one."""
        entity = self.public_entity
        return entity.search_probe[1].upper() if entity and entity.search_probe else None

    @cached_property
    def _protected(self) -> tuple[str, EntityView] | None:
        for route in self.routes:
            if route.auth_required and not route.service.from_template:
                for entity in route.service.entities:
                    url = route.public_path(entity.collection_path)
                    if url:
                        return url, entity
        return None

    @cached_property
    def protected_url(self) -> str | None:
        """A collection reached through an `auth: required` route."""
        return self._protected[0] if self._protected else None

    @cached_property
    def mints_token(self) -> bool:
        """Without an issuer, or when an ordinary user may not list the protected
        collection, the test signs a token itself with the test keys (with every role)."""
        if not self._protected:
            return False
        return self.issuer is None or self._protected[1].access.plain_user("list") == "forbidden"

    @cached_property
    def roles(self) -> list[str]:
        """Every role the rules name: the test's admin holds them all."""
        return sorted({role for s in self.services for role in s.test_roles})

    @cached_property
    def rate_limited_url(self) -> str | None:
        """Any URL behind a route: the limit applies before the route's auth and upstream."""
        if not self.routes:
            return None
        return self.public_url or self.protected_url or self.routes[0].prefix

    @cached_property
    def uses_uuid(self) -> bool:
        items = self.account_items + (self.public_entity.sample_items if self.public_entity else [])
        return any("uuid." in item for item in items)
