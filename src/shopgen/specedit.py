"""Edit the user's `shopgen.yaml` in place, keeping its comments, order and layout.

ruamel.yaml's round-trip mode does the preserving; this module only knows where in the spec a
service or an entity goes. Every edit is validated as a whole spec before the file is written,
so a rejected edit leaves the file untouched.
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark, YAMLError
from ruamel.yaml.tokens import CommentToken

from shopgen.errors import UserInputError
from shopgen.spec import parse_spec
from shopgen.spec.access import SHARED_DEFAULTS


def _yaml() -> YAML:
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap the user's long lines
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


@contextmanager
def editing(path: Path) -> Iterator[CommentedMap]:
    """Load the spec for editing; on leaving, validate the result and write it atomically."""
    yaml = _yaml()
    try:
        data = yaml.load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, YAMLError) as exc:
        raise UserInputError(f"cannot edit {path}: {exc}") from exc
    if not isinstance(data, CommentedMap):
        raise UserInputError(f"cannot edit {path}: the top level is not a mapping")
    yield data
    buffer = io.StringIO()
    yaml.dump(data, buffer)
    text = buffer.getvalue()
    parse_spec(text, path)  # raises SpecError, located in the file being edited
    _write_atomically(path, text)


def _write_atomically(path: Path, text: str) -> None:
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _append(mapping: CommentedMap, key: str, value: Any) -> None:
    """Append `key: value` where a person would have typed it.

    ruamel keeps the blank lines that end a block as a comment on the block's deepest last
    entry; appended naively, the new entry lands after that blank line and the next top-level
    block loses its spacing. Move the blank lines to the new entry, and copy the blank line
    that separates siblings.
    """
    previous = next(reversed(mapping), None)
    mapping[key] = value
    if previous is None:
        return
    owner, last = _deepest_last(mapping, previous)
    token = owner.ca.items.get(last, [None, None, None, None])[2]
    if token is not None and token.value.count("\n") > 1:  # the line's end, then blank lines
        head, tail = token.value.split("\n", 1)
        token.value = head + "\n"
        new_owner, new_last = _deepest_last(mapping, key)
        new_owner.ca.items[new_last] = [None, None, _comment("\n" + tail), None]
    if (mapping.ca.items.get(previous) or [None, None])[1]:
        mapping.ca.items.setdefault(key, [None, None, None, None])[1] = [_comment("\n")]


def _deepest_last(mapping: CommentedMap, key: str) -> tuple[CommentedMap, str]:
    """The last entry of the last block under `key` (flow mappings `{...}` are one line)."""
    while _is_block(mapping[key]):
        mapping, key = mapping[key], next(reversed(mapping[key]))
    return mapping, key


def _is_block(value: Any) -> bool:
    return isinstance(value, CommentedMap) and len(value) > 0 and not value.fa.flow_style()


def _comment(text: str) -> CommentToken:
    return CommentToken(text, CommentMark(0), None)


def flow_list(items: list[str]) -> CommentedSeq:
    seq = CommentedSeq(items)
    seq.fa.set_flow_style()
    return seq


def parse_field(option: str) -> tuple[str, Any]:
    """`name:type`, `name:type?` (optional), `name:ref:Entity`, `name:enum:a|b|c`."""
    name, _, rest = option.partition(":")
    if not name or not rest:
        raise UserInputError(f"--field {option!r}: expected name:type, e.g. price:decimal")
    optional = rest.endswith("?")
    rest = rest.removesuffix("?")
    kind, _, argument = rest.partition(":")
    field: dict[str, Any] = {"type": kind}
    if kind == "ref":
        field["to"] = argument
    elif kind == "enum":
        field["values"] = flow_list(argument.split("|")) if argument else flow_list([])
    elif argument:
        raise UserInputError(f"--field {option!r}: only ref and enum take an argument")
    if optional:
        field["optional"] = True
    if len(field) == 1:
        return name, kind
    flow = CommentedMap(field)
    flow.fa.set_flow_style()
    return name, flow


def entity_map(fields: list[str]) -> CommentedMap:
    """A new entity, with its access rules written out: the safe defaults, for the user to
    see and loosen (nothing is public until the spec says so)."""
    entity = CommentedMap()
    entity["fields"] = CommentedMap(parse_field(option) for option in fields)
    rules = CommentedMap()
    for action, grants in SHARED_DEFAULTS.items():
        rules[action] = grants[0] if len(grants) == 1 else flow_list(list(grants))
    rules.fa.set_flow_style()
    entity["access"] = rules
    return entity


def add_service(
    path: Path,
    name: str,
    *,
    capability: str | None = None,
    database: str | None = None,
    description: str | None = None,
    entity: str | None = None,
    fields: list[str] | None = None,
    route: bool = True,
) -> None:
    with editing(path) as spec:
        services = spec.setdefault("services", CommentedMap())
        if name in services:
            raise UserInputError(f"service {name!r} already exists in {path}")
        service = CommentedMap()
        service["description"] = description or f"The {name} service."
        if database:
            service["database"] = database
        if entity:
            service["entities"] = CommentedMap({entity: entity_map(fields or ["name:string"])})
        _append(services, name, service)
        if capability:
            _attach_capability(spec, capability, name)
        if route:
            gateway = spec.setdefault("gateway", CommentedMap())
            routes = gateway.setdefault("routes", CommentedSeq())
            entry = CommentedMap({"prefix": f"/api/{name}", "service": name})
            entry.fa.set_flow_style()
            routes.append(entry)


def _attach_capability(spec: CommentedMap, capability: str, service: str) -> None:
    capabilities = spec.setdefault("capabilities", CommentedSeq())
    for entry in capabilities:
        if entry.get("name") == capability:
            entry.setdefault("services", flow_list([])).append(service)
            return
    entry = CommentedMap({"name": capability, "services": flow_list([service])})
    capabilities.append(entry)


def add_entity(path: Path, service: str, entity: str, fields: list[str]) -> None:
    if not fields:
        raise UserInputError("give at least one --field name:type")
    with editing(path) as spec:
        services = spec.get("services") or {}
        if service not in services:
            raise UserInputError(f"no service {service!r} in {path}")
        entities = services[service].setdefault("entities", CommentedMap())
        if entity in entities:
            raise UserInputError(f"{service} already has an entity {entity!r}")
        _append(entities, entity, entity_map(fields))


def remove_service(path: Path, name: str) -> None:
    """Remove a service and the routes and capability entries that only name it. References
    from other services (calls, events, sagas) are left for validation to report, so the user
    sees each one located in the file."""
    with editing(path) as spec:
        services = spec.get("services") or {}
        if name not in services:
            raise UserInputError(f"no service {name!r} in {path}")
        del services[name]
        routes = (spec.get("gateway") or {}).get("routes")
        if routes is not None:
            for index in reversed(range(len(routes))):
                if routes[index].get("service") == name:
                    del routes[index]
        for capability in spec.get("capabilities") or []:
            owners = capability.get("services")
            if owners is not None and name in owners:
                owners.remove(name)
