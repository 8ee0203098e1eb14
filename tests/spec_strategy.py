"""A hypothesis strategy for random valid specs: many services, every field type and option,
refs, events, sagas, read models, operations and calls.

Specs are built valid by construction where that is cheap (calls only go to earlier services,
so they never form a cycle; a saga's replies are published by its steps' services) and
otherwise left to shopgen to judge: the property under test is about every spec shopgen
*accepts*. Names are drawn both at random and from a list of awkward ones (keywords, builtins,
runtime table names, module-like names), which shopgen must refuse or generate safely.
"""

from __future__ import annotations

import keyword
import string
from typing import Any

from hypothesis import strategies as st

from shopgen.spec.model import FIELD_TYPES, RESERVED_ENTITY_NAMES, RESERVED_FIELD_NAMES

AWKWARD_ENTITIES = [
    "Return",
    "Import",
    "List",
    "Type",
    "Class",
    "Global",
    "Lambda",
    "Order",
    "Status",
    "Outbox",
    "ProcessedEvent",
    "SagaInstance",
    "AlembicVersion",
    "Schema",
    "Model",
    "Context",
    "Config",
    "Settings",
    "Event",
    "Page",
]
AWKWARD_FIELDS = [
    "type",
    "date",
    "status",
    "name",
    "value",
    "items",
    "total",
    "count",
    "order",
    "key",
    "data",
    "time",
    "format",
    "hash",
    "input",
    "open",
    "filter",
    "page_size",
    "limit",
    "sum",
    "min",
    "max",
    "uuid_value",
    "item",
    "model",
    "schema",
]

# Every field type; the composite ones (enum, ref, list, password) are drawn on their own.
_PLAIN_TYPES = [t for t in FIELD_TYPES if t not in ("enum", "ref", "list", "password")]
_LIST_OF = _PLAIN_TYPES  # what a list may hold, besides inline objects


def _ok_field_name(name: str) -> bool:
    return not keyword.iskeyword(name) and name not in RESERVED_FIELD_NAMES


def _ok_entity_name(name: str) -> bool:
    return name not in RESERVED_ENTITY_NAMES


field_names = st.one_of(
    st.sampled_from(AWKWARD_FIELDS),
    st.from_regex(r"[a-z][a-z0-9]{0,7}(_[a-z0-9]{1,5})?", fullmatch=True),
).filter(_ok_field_name)
entity_names = st.one_of(
    st.sampled_from(AWKWARD_ENTITIES),
    st.from_regex(r"[A-Z][a-z]{1,7}([A-Z][a-z]{1,5})?", fullmatch=True),
).filter(_ok_entity_name)
AWKWARD_IDENTIFIERS = [  # hypothesis draws the first most often: an accepted one
    "go",
    "list",
    "events",
    "models",
    "payloads",
    "type",
    "router",
    "schemas",
    "custom_go",
    "status",
    "select",
    "uuid",
    "dt",
    "sa",
    "context",
    "request",
    "settings",
    "app",
    "main",
    "test",
    "input",
    "id",
]
identifiers = st.one_of(
    st.sampled_from(AWKWARD_IDENTIFIERS),
    st.from_regex(r"[a-z][a-z0-9]{0,7}(_[a-z0-9]{1,5})?", fullmatch=True),
).filter(lambda n: not keyword.iskeyword(n))
service_names = st.from_regex(r"[a-z][a-z0-9]{1,7}(-[a-z0-9]{1,4})?", fullmatch=True)


@st.composite
def field_specs(draw: st.DrawFn, refs: list[str], allow_password: bool = True) -> Any:
    """One field: a bare type or a mapping with options that fit the type."""
    kinds = [*_PLAIN_TYPES, "enum", "list"] + (["ref"] if refs else [])
    if allow_password:
        kinds.append("password")
    kind = draw(st.sampled_from(kinds))
    if kind not in ("enum", "ref", "list") and draw(st.booleans()):
        return kind  # bare type
    spec: dict[str, Any] = {"type": kind}
    if draw(st.booleans()):
        spec["optional"] = True
    if kind == "string":
        low = draw(st.integers(0, 5))
        high = draw(st.integers(max(low, 1), 300))
        if draw(st.booleans()):
            spec["max_length"] = high
        if low and draw(st.booleans()):
            spec["min_length"] = low
        if draw(st.booleans()):
            spec["unique"] = True
        elif draw(st.booleans()):
            spec["pattern"] = "^[a-z]+$"
            if draw(st.booleans()) and low <= 3 <= high:
                spec["default"] = "abc"
        if "default" not in spec and "pattern" not in spec and draw(st.booleans()):
            text = draw(st.text(string.ascii_letters + " -'\"{}%", min_size=low, max_size=8))
            if len(text) <= high:
                spec["default"] = text
    elif kind == "text":
        if draw(st.booleans()):
            spec["default"] = draw(st.sampled_from(["", "hello", "{{ x }}", "a\nb"]))
    elif kind == "integer":
        big = draw(st.booleans())
        low = draw(st.integers(-(2**40) if big else -1000, 0))
        high = draw(st.integers(0, 2**40 if big else 1000))
        if draw(st.booleans()):
            spec["min"] = low
        if draw(st.booleans()):
            spec["max"] = high
        if draw(st.booleans()):
            spec["default"] = draw(st.integers(low, high))
    elif kind == "decimal":
        if draw(st.booleans()):
            spec["min"] = 0
        if draw(st.booleans()):
            spec["default"] = draw(st.sampled_from(["0.00", "1.50", 2, 3.25, "19.99", "100"]))
    elif kind == "float":
        if draw(st.booleans()):
            spec["default"] = draw(st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False))
    elif kind == "boolean":
        if draw(st.booleans()):
            spec["default"] = draw(st.booleans())
    elif kind == "uuid":
        if draw(st.booleans()):
            spec["default"] = str(draw(st.uuids()))
    elif kind == "email":
        if draw(st.booleans()):
            spec["unique"] = True
        elif draw(st.booleans()):
            spec["default"] = "someone@example.com"
    elif kind == "date":
        if draw(st.booleans()):
            spec["default"] = draw(st.sampled_from(["now", "2024-02-29", "1999-12-31"]))
    elif kind == "datetime":
        if draw(st.booleans()):
            spec["default"] = draw(
                st.sampled_from(["now", "2024-02-29T12:30:00Z", "2024-01-01T00:00:00+02:00"])
            )
    elif kind == "enum":
        values = draw(st.lists(identifiers, min_size=1, max_size=4, unique=True))
        spec["values"] = values
        if draw(st.booleans()):
            spec["default"] = draw(st.sampled_from(values))
    elif kind == "ref":
        spec["to"] = draw(st.sampled_from(refs))
    elif kind == "list":
        if draw(st.booleans()):
            spec["of"] = draw(st.sampled_from(_LIST_OF))
        else:
            inner = draw(
                st.dictionaries(field_names, field_specs([], False), min_size=1, max_size=3)
            )
            spec["of"] = inner
    elif kind == "json" and draw(st.booleans()):
        spec["default"] = draw(st.sampled_from([{}, [], {"a": 1}]))
    if draw(st.booleans()):
        spec["description"] = draw(st.sampled_from(["A field.", 'Has {{ 7*7 }} and "quotes"']))
    return spec


def _type_of(field: Any) -> str:
    return field if isinstance(field, str) else field["type"]


@st.composite
def entities(draw: st.DrawFn, names: list[str], index: int) -> dict[str, Any]:
    fields = draw(st.dictionaries(field_names, field_specs(names[:index]), min_size=1, max_size=6))
    entity: dict[str, Any] = {"fields": fields}
    searchable = [n for n, f in fields.items() if _type_of(f) in ("string", "text", "email")]
    filterable = [
        n
        for n, f in fields.items()
        if _type_of(f) not in ("password", "list", "json")
        and n not in ("session", "page", "limit", "offset", "q")
    ]
    if searchable and draw(st.booleans()):
        entity["search"] = draw(st.lists(st.sampled_from(searchable), min_size=1, unique=True))
    if filterable and draw(st.booleans()):
        entity["filter"] = draw(st.lists(st.sampled_from(filterable), min_size=1, unique=True))
    return entity


@st.composite
def operations(draw: st.DrawFn, service: str) -> dict[str, Any]:
    names = draw(st.lists(identifiers, min_size=1, max_size=3, unique=True))
    out = {}
    for position, name in enumerate(names):
        op: dict[str, Any] = {
            "method": draw(st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE"])),
            "path": f"/{service}-ops/{position}/{name.replace('_', '-')}"
            + draw(st.sampled_from(["", "/{code}"])),
        }
        if draw(st.booleans()):
            op["request"] = draw(
                st.dictionaries(field_names, field_specs([], False), min_size=1, max_size=3)
            )
        if draw(st.booleans()):
            op["response"] = draw(
                st.dictionaries(field_names, field_specs([], False), min_size=1, max_size=3)
            )
        if draw(st.booleans()):
            op["auth"] = "required"
        out[name] = op
    return out


@st.composite
def specs(draw: st.DrawFn, max_services: int = 4) -> dict[str, Any]:
    """A whole spec as plain data (dump it with yaml.safe_dump)."""
    names = draw(st.lists(service_names, min_size=1, max_size=max_services, unique=True))
    names = [
        n
        for n in names
        if n
        not in (
            "runtime",
            "gateway",
            "services",
            "system",
            "tests",
            "docs",
            "deploy",
            "migrations",
            "postgres",
            "mariadb",
            "rabbitmq",
            "consul",
        )
    ]
    if not names:
        names = ["alpha"]
    services: dict[str, Any] = {}
    events: dict[str, Any] = {}
    for index, name in enumerate(names):
        service: dict[str, Any] = {"database": "sqlite"}
        entity_names_ = draw(st.lists(entity_names, min_size=0, max_size=3, unique=True))
        service["entities"] = {
            entity: draw(entities(entity_names_, position))
            for position, entity in enumerate(entity_names_)
        }
        if draw(st.booleans()):
            service["operations"] = draw(operations(name))
        if index and draw(st.booleans()):
            targets = draw(st.lists(st.sampled_from(names[:index]), min_size=1, unique=True))
            service["calls"] = {
                target: draw(
                    st.sampled_from(
                        [
                            None,
                            {"timeout": "2s", "retries": 1},
                            {"breaker": {"failure_threshold": 2}},
                        ]
                    )
                )
                for target in targets
            }
        for entity in service["entities"]:
            if draw(st.booleans()):
                event = f"{name.replace('-', '_')}.{entity.lower()}_created"
                events[event] = {"publisher": name}
                service["entities"][entity]["emits"] = {"created": event}
        services[name] = service
    spec: dict[str, Any] = {
        "shopgen": 1,
        "project": {"name": "fuzz", "title": draw(st.sampled_from(["Fuzz", "It's {{ x }}"]))},
        "services": services,
    }
    # Plain events with payloads, consumed by other services.
    for name in names:
        if draw(st.booleans()):
            event = f"{name.replace('-', '_')}.happened"
            events[event] = {
                "publisher": name,
                "payload": draw(st.dictionaries(field_names, field_specs([], False), max_size=3)),
            }
            consumer = draw(st.sampled_from(names))
            services[consumer].setdefault("consumes", {})[event] = draw(identifiers)
    sagas = _sagas(draw, names, services, events)
    _read_models(draw, services, events)
    spec["events"] = events
    if sagas:
        spec["sagas"] = sagas
    spec["gateway"] = {
        "routes": [
            {
                "prefix": f"/api/{name}",
                "service": name,
                "auth": draw(st.sampled_from(["none", "required"])),
            }
            for name in names
        ]
    }
    return spec


def _sagas(draw: st.DrawFn, names: list[str], services: dict, events: dict) -> dict[str, Any]:
    """A saga from an entity's created event, with steps in other services."""
    sagas: dict[str, Any] = {}
    for owner in names:
        for entity, body in services[owner]["entities"].items():
            trigger = body.get("emits", {}).get("created")
            if trigger is None or not draw(st.booleans()):
                continue
            key = f"{_snake(entity)}_id"
            steps = []
            for position, service in enumerate(
                draw(st.lists(st.sampled_from(names), min_size=1, max_size=3))
            ):
                base = f"{service.replace('-', '_')}.step{position}_{_snake(entity)}"
                success, failure = f"{base}_done", f"{base}_failed"
                events[success] = {"publisher": service, "payload": {key: "uuid"}}
                step: dict[str, Any] = {
                    "name": f"step-{position}",
                    "service": service,
                    "action": f"act{position}_{_snake(entity)}",
                    "replies": {"success": success},
                }
                if draw(st.booleans()):
                    events[failure] = {
                        "publisher": service,
                        "payload": {key: "uuid", "reason": "string"},
                    }
                    step["replies"]["failure"] = failure
                if position < 2 and draw(st.booleans()):
                    step["compensation"] = {"action": f"undo{position}_{_snake(entity)}"}
                steps.append(step)
            sagas[f"{owner}-{_snake(entity).replace('_', '-')}"] = {
                "owner": owner,
                "entity": entity,
                "trigger": trigger,
                "steps": steps,
            }
    return sagas


def _read_models(draw: st.DrawFn, services: dict, events: dict) -> None:
    """Keyed read models over entity events, and a daily count."""
    for event, body in list(events.items()):
        publisher = body["publisher"]
        emitter = next(
            (
                entity
                for entity, spec in services[publisher]["entities"].items()
                if spec.get("emits", {}).get("created") == event
            ),
            None,
        )
        if emitter is None or not draw(st.booleans()):
            continue
        owner = draw(st.sampled_from(sorted(services)))
        models = services[owner].setdefault("read_models", {})
        key = f"{_snake(emitter)}_id"
        models[f"{emitter}View"] = {
            "key": key,
            "on": {event: {"set": {"seen": True, "label": "created"}}},
            "query_by": ["label"],
        }
        if draw(st.booleans()):
            models[f"{emitter}Daily"] = {
                "group_by": {"day": "timestamp"},
                "on": {event: {"count": "created"}},
            }


def _snake(name: str) -> str:
    from shopgen.spec.model import snake_case

    return snake_case(name)
