"""Cross-reference checks on a spec whose shape is already valid.

Every name the spec uses must resolve: services in capabilities, routes and calls; entities
in refs and sagas; events in emits, consumes, read models and sagas, published by the right
service; payload fields in copies, sums and saga keys. Every problem is collected, so the user
sees them all at once.

Decisions recorded here:
- Synchronous `calls` may not form a cycle. A loop of blocking calls can deadlock under load
  and the generated compose file (`depends_on`) needs a start order; one direction of such a
  pair should be an event instead.
- An entity's id appears in the payload of the events it emits as `<entity_snake>_id`
  (Order -> order_id), whether or not the payload lists it.
- Payload fields of an event an entity emits must be fields of that entity (the generated
  outbox fills them from the row); a password never leaves its service.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from shopgen.errors import Issue
from shopgen.spec.access import can_log_in, check_service_access
from shopgen.spec.loader import SourceMap, dotted_path
from shopgen.spec.model import (
    Entity,
    FieldSpec,
    Outcome,
    ReadModel,
    Route,
    Saga,
    Service,
    Spec,
    entity_id_field,
)
from shopgen.spec.paths import service_paths
from shopgen.spec.reserved import (
    EVENTS_MODULE_NAMES,
    MAX_IDENTIFIER,
    crud_routes,
    entity_table,
    route_shape,
)
from shopgen.spec.suggest import closest, did_you_mean

NUMERIC = ("integer", "decimal", "float")
SEARCHABLE = ("string", "text", "email")
NOT_FILTERABLE = ("password", "list", "json")
# Names the generated code uses itself, which spec names must not shadow.
RESERVED_FILTER_NAMES = frozenset({"session", "page", "limit", "offset", "q"})
RESERVED_OPERATION_NAMES = frozenset({"router", "schemas", "custom", "replace"})
RESERVED_PATH_PARAMETERS = frozenset({"request", "context", "user", "session"})

Loc = tuple[str | int, ...]


class _Issues:
    def __init__(self, source: SourceMap, file: Path | None):
        self.source = source
        self.file = file
        self.found: list[Issue] = []

    def add(self, path: Loc, message: str, suggestion: str | None = None) -> None:
        self.found.append(
            Issue(self.file, self.source.line(path), dotted_path(path), message, suggestion)
        )

    def unknown(self, path: Loc, what: str, name: str, known: Iterable[str]) -> None:
        known = list(known)
        suggestion = did_you_mean(name, known)
        if suggestion is None and known and len(known) <= 12:
            suggestion = f"known {what}s: {', '.join(known)}"
        self.add(path, f"unknown {what} {name!r}", suggestion)


def reference_issues(spec: Spec, source: SourceMap, file: Path | None = None) -> list[Issue]:
    """Every cross-reference problem in `spec`, located with `source`."""
    return _Checker(spec, _Issues(source, file)).run()


class _Checker:
    def __init__(self, spec: Spec, issues: _Issues):
        self.spec = spec
        self.issues = issues
        self.payloads = _effective_payloads(spec)

    def run(self) -> list[Issue]:
        self.check_defaults()
        self.check_capabilities()
        for name, service in self.spec.services.items():
            self.check_service(name, service)
        self.check_ports()
        self.check_call_cycles()
        self.check_events()
        for name, saga in self.spec.sagas.items():
            self.check_saga(name, saga)
        self.check_routes()
        return self.issues.found

    # --- helpers ---------------------------------------------------------------------------

    def service_exists(self, path: Loc, name: str) -> bool:
        if name in self.spec.services:
            return True
        self.issues.unknown(path, "service", name, self.spec.services)
        return False

    def event_exists(self, path: Loc, name: str) -> bool:
        if name in self.spec.events:
            return True
        self.issues.unknown(path, "event", name, self.spec.events)
        return False

    def published_by(self, path: Loc, event: str, service: str, why: str) -> None:
        """`event` must exist and be published by `service`."""
        if not self.event_exists(path, event):
            return
        publisher = self.spec.events[event].publisher
        # An unknown publisher is reported once, with the event.
        if publisher != service and publisher in self.spec.services:
            self.issues.add(
                path,
                f"{event!r} is published by {publisher!r}, but {why} must come from {service!r}",
                f"set events.{event}.publisher to {service!r}, or use an event {service!r} "
                "publishes",
            )

    def in_payload(self, path: Loc, event: str, field: str, role: str) -> bool:
        """`field` must be in `event`'s payload (which must exist; checked elsewhere)."""
        payload = self.payloads.get(event)
        if payload is None or field in payload:
            return True
        self.issues.add(
            path,
            f"{role} {field!r} is not in the payload of {event!r}",
            did_you_mean(field, payload) or f"add {field!r} to events.{event}.payload",
        )
        return False

    # --- top level -------------------------------------------------------------------------

    def check_defaults(self) -> None:
        if self.spec.defaults.database == "mongodb":
            self.issues.add(("defaults", "database"), _MONGODB)

    def check_capabilities(self) -> None:
        for index, capability in enumerate(self.spec.capabilities):
            for position, service in enumerate(capability.services):
                self.service_exists(("capabilities", index, "services", position), service)

    def check_ports(self) -> None:
        gateway_port = self.spec.gateway.port
        taken: dict[int, str] = {}
        for name, service in self.spec.services.items():
            if service.port is None:
                continue
            path = ("services", name, "port")
            if service.port == gateway_port:
                self.issues.add(path, f"port {service.port} is the gateway's port")
            elif service.port in taken:
                self.issues.add(
                    path, f"port {service.port} is also used by {taken[service.port]!r}"
                )
            else:
                taken[service.port] = name

    def check_routes(self) -> None:
        prefixes: dict[str, int] = {}
        for index, route in enumerate(self.spec.gateway.routes):
            path: Loc = ("gateway", "routes", index)
            self.service_exists((*path, "service"), route.service)
            # A prefix under another one (/api/a and /api/a/b) is fine: the longest one wins.
            if route.prefix in prefixes:
                self.issues.add(
                    (*path, "prefix"),
                    f"prefix {route.prefix!r} is already routed by gateway.routes."
                    f"{prefixes[route.prefix]}",
                )
            else:
                prefixes[route.prefix] = index
            if route.service in self.spec.services:
                self.check_route_reach(path, route)

    def check_route_reach(self, path: Loc, route: Route) -> None:
        """A route's `rewrite` must lead to something its service serves (see
        `shopgen.spec.paths`); without one, every path of the service is reachable."""
        served = service_paths(self.spec, route.service)
        if not served:
            return  # a stub service: the route reaches its endpoints once it has some
        if route.rewrite and route.rewrite.rstrip("/"):
            first = "/" + route.rewrite.strip("/").split("/", 1)[0]
            if first not in served:
                self.issues.add(
                    (*path, "rewrite"),
                    f"rewrite {route.rewrite!r} reaches nothing in {route.service!r}, which "
                    f"serves {', '.join(served)}",
                    f"did you mean {did_you_mean_path(first, served)!r}? (or drop `rewrite`: "
                    "every path of the service is then reachable under the prefix)",
                )
        if route.public_methods and route.auth != "required":
            self.issues.add(
                (*path, "public_methods"),
                "public_methods only applies to a route with `auth: required`",
                "add `auth: required`, or remove public_methods",
            )

    def check_call_cycles(self) -> None:
        calls = {
            name: [target for target in service.calls if target in self.spec.services]
            for name, service in self.spec.services.items()
        }
        for cycle in _call_cycles(calls):
            if len(cycle) == 1:
                continue  # calling itself is reported with the service
            self.issues.add(
                ("services", cycle[-1], "calls", cycle[0]),
                "synchronous calls form a cycle: " + " -> ".join([*cycle, cycle[0]]),
                "let one of these services react to an event instead of calling back",
            )

    def check_events(self) -> None:
        classes: dict[str, str] = {}
        for name, event in self.spec.events.items():
            path: Loc = ("events", name)
            if self.service_exists((*path, "publisher"), event.publisher):
                publisher = self.spec.services[event.publisher]
                self.check_fields((*path, "payload"), event.payload, event.publisher, publisher)
            for field, spec in event.payload.items():
                if spec.type == "password":
                    self.issues.add(
                        (*path, "payload", field), "a password must never travel in an event"
                    )
            # Generated code names an event class after it: order.created -> OrderCreated.
            class_name = "".join(part.capitalize() for part in re.split(r"[._]", name))
            if class_name in classes:
                self.issues.add(
                    path,
                    f"{name!r} and {classes[class_name]!r} would both generate the class "
                    f"{class_name!r}",
                    "rename one of the events",
                )
            else:
                classes[class_name] = name

    # --- services --------------------------------------------------------------------------

    def check_service(self, name: str, service: Service) -> None:
        path: Loc = ("services", name)
        if service.database == "mongodb":
            self.issues.add((*path, "database"), _MONGODB)
        for target in service.calls:
            if target == name:
                self.issues.add((*path, "calls", target), "a service cannot call itself")
            else:
                self.service_exists((*path, "calls", target), target)
        if service.renamed_from in self.spec.services:
            self.issues.add(
                (*path, "renamed_from"),
                f"{service.renamed_from!r} is still a service of this spec; a rename needs the "
                "old name gone",
            )
        if service.auth == "issuer" and not any(
            can_log_in(entity) for entity in service.entities.values()
        ):
            self.issues.add(
                (*path, "auth"),
                "an issuer needs an entity to register and log in with: one with a password "
                "field and an email (or unique string) field",
                "e.g. fields: {email: {type: email, unique: true}, password: password}",
            )
        self.check_table_names(name, service)
        check_service_access(path, service, self.issues.add)
        self.check_renames(path, service)
        for entity_name, entity in service.entities.items():
            self.check_entity((*path, "entities", entity_name), name, service, entity_name, entity)
        routes: dict[tuple[str, str], str] = {}
        for op_name, operation in service.operations.items():
            op_path = (*path, "operations", op_name)
            for part in ("request", "response"):
                self.check_fields((*op_path, part), getattr(operation, part) or {}, name, service)
            if op_name in RESERVED_OPERATION_NAMES:
                self.issues.add(op_path, f"{op_name!r} is a name the generated router uses itself")
            parameters = re.findall(r"\{([a-z0-9_]+)\}", operation.path)
            for reserved in sorted(set(parameters) & RESERVED_PATH_PARAMETERS):
                self.issues.add(
                    (*op_path, "path"),
                    f"path parameter {{{reserved}}} would shadow an argument of the generated "
                    "route; rename it",
                )
            for repeated in sorted({p for p in parameters if parameters.count(p) > 1}):
                self.issues.add(
                    (*op_path, "path"), f"path parameter {{{repeated}}} appears more than once"
                )
            self.check_generated_route(op_path, name, service, operation.method, operation.path)
            endpoint = (operation.method, operation.path)
            if endpoint in routes:
                self.issues.add(
                    (*op_path, "path"),
                    f"{operation.method} {operation.path} is already operation "
                    f"{routes[endpoint]!r}",
                )
            else:
                routes[endpoint] = op_name
        for event, handler in service.consumes.items():
            self.event_exists((*path, "consumes", event), event)
            self.check_user_function((*path, "consumes", event), handler, "handler")
        for model_name, model in service.read_models.items():
            self.check_read_model((*path, "read_models", model_name), model)

    def check_renames(self, path: Loc, service: Service) -> None:
        """`renamed_from` of an entity or field names something gone from the spec (a rename
        carries its data over; the old name may not be in use any more)."""
        for entity_name, entity in service.entities.items():
            entity_path = (*path, "entities", entity_name)
            if entity.renamed_from is not None and entity.renamed_from in service.entities:
                self.issues.add(
                    (*entity_path, "renamed_from"),
                    f"{entity.renamed_from!r} is still an entity of this service; a rename "
                    "needs the old name gone",
                )
            for field_name, spec in entity.fields.items():
                if spec.renamed_from is not None and spec.renamed_from in entity.fields:
                    self.issues.add(
                        (*entity_path, "fields", field_name, "renamed_from"),
                        f"{spec.renamed_from!r} is still a field of {entity_name}; a rename "
                        "needs the old name gone",
                    )

    def check_generated_route(
        self, path: Loc, name: str, service: Service, method: str, route: str
    ) -> None:
        """An operation may not take the method and path of a generated endpoint: one of the two
        would never be reached."""
        generated: dict[tuple[str, str], str] = {}
        for entity_name, entity in service.entities.items():
            for endpoint in crud_routes(entity_name, bool(entity.search)):
                generated.setdefault(endpoint, f"an endpoint of entity {entity_name}")
        if service.auth == "issuer":
            for action in ("register", "login"):
                generated[("POST", f"/{name}/{action}")] = f"the issuer's {action} endpoint"
        owner = generated.get((method, route_shape(route)))
        if owner is not None:
            self.issues.add(
                (*path, "path"),
                f"{method} {route} is already {owner}; one of the two would never be reached",
                "choose another path or method for the operation",
            )

    def check_table_names(self, name: str, service: Service) -> None:
        """Entities and read models become classes, tables and files of one service."""
        seen: dict[str, Loc] = {}
        for kind, names in (("entities", service.entities), ("read_models", service.read_models)):
            for model_name in names:
                path: Loc = ("services", name, kind, model_name)
                other = seen.get(model_name.lower())
                if other is None:
                    seen[model_name.lower()] = path
                elif other[-1] == model_name:
                    self.issues.add(path, f"{model_name!r} is both an entity and a read model")
                else:
                    self.issues.add(
                        path,
                        f"{model_name!r} and {other[-1]!r} differ only in case; their files "
                        "would clash on case-insensitive file systems",
                    )

    def check_fields(
        self, path: Loc, fields: dict[str, FieldSpec], service_name: str, service: Service
    ) -> None:
        """A ref must point at an entity of the same service (also inside inline lists)."""
        for field_name, spec in fields.items():
            field_path = (*path, field_name)
            if spec.type == "ref" and spec.to not in service.entities:
                owner = next(
                    (other for other, s in self.spec.services.items() if spec.to in s.entities),
                    None,
                )
                if owner is not None:
                    self.issues.add(
                        (*field_path, "to"),
                        f"{spec.to!r} is an entity of {owner!r}; a ref points at an entity of "
                        f"the same service ({service_name!r})",
                        "store the other service's id as a uuid field instead",
                    )
                else:
                    self.issues.unknown(
                        (*field_path, "to"), "entity", spec.to or "", service.entities
                    )
            if spec.inline_object:
                self.check_fields((*field_path, "of"), spec.inline_object, service_name, service)

    def check_entity(
        self, path: Loc, service_name: str, service: Service, name: str, entity: Entity
    ) -> None:
        self.check_fields((*path, "fields"), entity.fields, service_name, service)
        self.check_identifier_lengths(path, name, entity)
        for index, field in enumerate(entity.search):
            spec = self.entity_field((*path, "search", index), entity, field)
            if spec is not None and spec.type not in SEARCHABLE:
                self.issues.add(
                    (*path, "search", index),
                    f"{field!r} is a {spec.type}; search works on {', '.join(SEARCHABLE)} fields",
                    "use filter for exact matches",
                )
        for field_name, spec in entity.fields.items():
            if spec.type == "password" and f"{field_name}_hash" in entity.fields:
                self.issues.add(
                    (*path, "fields", f"{field_name}_hash"),
                    f"the column storing {field_name!r} hashed is already called "
                    f"'{field_name}_hash'; rename this field",
                )
        for index, field in enumerate(entity.filter):
            if field in RESERVED_FILTER_NAMES:
                self.issues.add(
                    (*path, "filter", index),
                    f"{field!r} is a query parameter of every list endpoint and cannot be a filter",
                )
                continue
            spec = self.entity_field((*path, "filter", index), entity, field)
            if spec is not None and spec.type in NOT_FILTERABLE:
                self.issues.add(
                    (*path, "filter", index), f"{field!r} is a {spec.type} and cannot be filtered"
                )
        id_field = entity_id_field(name)
        for lifecycle, event in entity.emits.items():
            event_path = (*path, "emits", lifecycle)
            self.published_by(event_path, event, service_name, f"an event {name} emits")
            if event not in self.spec.events:
                continue
            for field in self.spec.events[event].payload:
                if field == id_field:
                    continue
                spec = entity.fields.get(field)
                if spec is None:
                    self.issues.add(
                        ("events", event, "payload", field),
                        f"{field!r} is not a field of {name}, which emits {event!r}",
                        did_you_mean(field, [*entity.fields, id_field])
                        or f"the payload may hold {id_field!r} and {name}'s fields",
                    )

    def check_identifier_lengths(self, path: Loc, name: str, entity: Entity) -> None:
        """Table and column names every database accepts (a password's column is
        `<name>_hash`)."""
        table = entity_table(name)
        if len(table.encode()) > MAX_IDENTIFIER:
            self.issues.add(
                path,
                f"its table {table!r} would be longer than {MAX_IDENTIFIER} characters, "
                "which PostgreSQL and MariaDB do not accept",
                "shorten the entity's name",
            )
        for field_name, spec in entity.fields.items():
            column = f"{field_name}_hash" if spec.type == "password" else field_name
            if len(column) > MAX_IDENTIFIER:
                self.issues.add(
                    (*path, "fields", field_name),
                    f"its column {column!r} would be longer than {MAX_IDENTIFIER} characters",
                    "shorten the field's name",
                )

    def entity_field(self, path: Loc, entity: Entity, field: str) -> FieldSpec | None:
        if field in entity.fields:
            return entity.fields[field]
        self.issues.unknown(path, "field", field, entity.fields)
        return None

    def check_read_model(self, path: Loc, model: ReadModel) -> None:
        columns: set[str] = set()
        if model.key:
            columns.add(model.key)
        if model.group_by:
            columns.update(model.group_by)
        for event, update in model.on.items():
            on_path = (*path, "on", event)
            if not self.event_exists(on_path, event):
                continue
            if model.key:
                self.in_payload((*path, "key"), event, model.key, "the read model key")
            for index, field in enumerate(update.copy_):
                self.in_payload((*on_path, "copy", index), event, field, "copied field")
            for column, field in update.sum.items():
                if self.in_payload((*on_path, "sum", column), event, field, "summed field"):
                    spec = self.payloads[event][field]
                    if spec is not None and spec.type not in NUMERIC:
                        self.issues.add(
                            (*on_path, "sum", column),
                            f"{field!r} is a {spec.type}; only numbers can be summed",
                        )
            columns.update(update.copy_)
            columns.update(update.set)
            columns.update(update.sum)
            if update.count:
                columns.add(update.count)
        for index, column in enumerate(model.query_by):
            if column not in columns:
                self.issues.unknown((*path, "query_by", index), "column", column, sorted(columns))

    # --- sagas -----------------------------------------------------------------------------

    def check_saga(self, name: str, saga: Saga) -> None:
        path: Loc = ("sagas", name)
        owner = self.spec.services.get(saga.owner)
        self.service_exists((*path, "owner"), saga.owner)
        entity = None
        if owner is not None:
            entity = owner.entities.get(saga.entity)
            if entity is None:
                self.issues.unknown((*path, "entity"), "entity", saga.entity, owner.entities)
        # Without a known entity the default key is a guess: checking it would only add noise.
        key = saga.key or (entity_id_field(saga.entity) if entity is not None else None)
        key_path = (*path, "key") if saga.key else (*path, "trigger")
        if self.event_exists((*path, "trigger"), saga.trigger) and key:
            self.in_payload(key_path, saga.trigger, key, "the saga key")
        step_names: dict[str, int] = {}
        failures: list[tuple[Loc, str]] = []
        self.check_saga_replies(path, saga)
        for index, step in enumerate(saga.steps):
            step_path: Loc = (*path, "steps", index)
            if step.name in step_names:
                self.issues.add(
                    (*step_path, "name"),
                    f"step {step.name!r} is already step {step_names[step.name]}",
                )
            step_names.setdefault(step.name, index)
            self.check_user_function((*step_path, "action"), step.action, "action")
            if step.compensation:
                compensation = step.compensation.action
                self.check_user_function(
                    (*step_path, "compensation", "action"), compensation, "action"
                )
            if not self.service_exists((*step_path, "service"), step.service):
                continue
            replies: list[tuple[Loc, str]] = [
                ((*step_path, "replies", "success"), step.replies.success)
            ]
            if step.replies.failure == step.replies.success:
                self.issues.add(
                    (*step_path, "replies", "failure"),
                    "the failure reply must differ from the success reply",
                )
            if step.replies.failure:
                replies.append(((*step_path, "replies", "failure"), step.replies.failure))
                failures.append(replies[-1])
            if step.compensation and step.compensation.reply:
                replies.append(((*step_path, "compensation", "reply"), step.compensation.reply))
            for reply_path, event in replies:
                self.published_by(reply_path, event, step.service, f"a reply of step {step.name!r}")
                if event in self.spec.events and key:
                    self.in_payload(reply_path, event, key, "the saga key")
        last_success = (
            (*path, "steps", len(saga.steps) - 1, "replies", "success"),
            saga.steps[-1].replies.success,
        )
        self.check_outcome((*path, "on_success"), saga, saga.on_success, entity, [last_success])
        self.check_outcome((*path, "on_failure"), saga, saga.on_failure, entity, failures)

    def check_user_function(self, path: Loc, name: str, what: str) -> None:
        """Handlers and actions are imported by name into the generated events.py."""
        if name in EVENTS_MODULE_NAMES:
            self.issues.add(
                path,
                f"{what} {name!r} would shadow a name of the generated events.py",
                f"rename it, e.g. to '{name}_{what}'",
            )

    def check_saga_replies(self, path: Loc, saga: Saga) -> None:
        """The owner tells a saga's steps apart by their replies: each reply event serves one
        step of the saga, and none is the trigger."""
        seen: dict[str, str] = {saga.trigger: "the saga's trigger"}
        mine: dict[str, str] = {}
        for index, step in enumerate(saga.steps):
            for outcome in ("success", "failure"):
                event = getattr(step.replies, outcome)
                if event is None:
                    continue
                other = seen.get(event)
                if other is not None and mine.get(event) != step.name:
                    self.issues.add(
                        (*path, "steps", index, "replies", outcome),
                        f"{event!r} is already {other}; the saga's owner tells its steps "
                        "apart by their replies",
                        "give each step reply events of its own",
                    )
                seen.setdefault(event, f"a reply of step {step.name!r}")
                mine.setdefault(event, step.name)

    def check_outcome(
        self,
        path: Loc,
        saga: Saga,
        outcome: Outcome,
        entity: Entity | None,
        replies: list[tuple[Loc, str]],
    ) -> None:
        if entity is not None:
            for column, value in outcome.set.items():
                spec = self.saga_column((*path, "set", column), saga, entity, column)
                if spec is not None and spec.type == "enum" and value not in (spec.values or []):
                    self.issues.add(
                        (*path, "set", column),
                        f"{_shown(value)} is not one of {saga.entity}.{column}'s values: "
                        f"{', '.join(spec.values or [])}",
                        did_you_mean(str(value), spec.values or []),
                    )
            for column in outcome.copy_:
                self.saga_column((*path, "copy", column), saga, entity, column)
        for column, field in outcome.copy_.items():
            for _, event in replies:
                self.in_payload((*path, "copy", column), event, field, "copied field")
        published = outcome.published
        for index, event in enumerate(published):
            event_path = (
                (*path, "publish")
                if isinstance(outcome.publish, str)
                else (*path, "publish", index)
            )
            self.published_by(event_path, event, saga.owner, f"an outcome of saga {path[1]!r}")

    def saga_column(self, path: Loc, saga: Saga, entity: Entity, column: str) -> FieldSpec | None:
        if column in entity.fields:
            return entity.fields[column]
        self.issues.add(
            path, f"{saga.entity} has no field {column!r}", did_you_mean(column, entity.fields)
        )
        return None


_MONGODB = "mongodb is not supported yet; use postgresql, mysql or sqlite"


def _effective_payloads(spec: Spec) -> dict[str, dict[str, FieldSpec | None]]:
    """Each event's payload fields, with the id of every entity that emits it."""
    payloads: dict[str, dict[str, FieldSpec | None]] = {
        name: dict(event.payload) for name, event in spec.events.items()
    }
    for service in spec.services.values():
        for entity_name, entity in service.entities.items():
            for event in entity.emits.values():
                if event in payloads:
                    payloads[event].setdefault(entity_id_field(entity_name), None)
    return payloads


def _call_cycles(calls: dict[str, list[str]]) -> list[list[str]]:
    """One cycle per back edge of a depth-first walk (linear, unlike listing every cycle)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    cycles: list[list[str]] = []
    for root in calls:
        if root in state:
            continue
        path: list[str] = [root]
        pending: list[list[str]] = [list(calls[root])]
        state[root] = 1
        while path:
            if not pending[-1]:
                state[path.pop()] = 2
                pending.pop()
                continue
            target = pending[-1].pop(0)
            if state.get(target) == 1:
                cycles.append(path[path.index(target) :])
            elif target not in state:
                state[target] = 1
                path.append(target)
                pending.append(list(calls[target]))
    return cycles


def _shown(value: Any) -> str:
    return repr(value) if isinstance(value, str) else str(value)


def did_you_mean_path(path: str, served: Iterable[str]) -> str:
    """The served path closest to `path` (the first one when none is close)."""
    served = list(served)
    return closest(path, served) or served[0]
