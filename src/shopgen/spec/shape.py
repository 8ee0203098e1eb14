"""Pydantic's validation errors, turned into located `Issue`s a person can act on."""

from __future__ import annotations

import re
import types
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from shopgen.errors import Issue
from shopgen.spec.loader import SourceMap, dotted_path
from shopgen.spec.model import (
    OPERATION_PATH,
    PASCAL,
    RESERVED_ENTITY_NAMES,
    RESERVED_FIELD_NAMES,
    RESERVED_SERVICE_NAMES,
    REWRITE,
    ROUTE_PREFIX,
    SLUG,
    SNAKE,
    Spec,
)
from shopgen.spec.reserved import is_python_keyword
from shopgen.spec.suggest import did_you_mean

ALL_RESERVED_NAMES = RESERVED_ENTITY_NAMES | RESERVED_FIELD_NAMES | RESERVED_SERVICE_NAMES

# Errors that only say "this is the wrong kind of value". In a union each arm reports one; they
# are noise when another arm explains the real problem at the same place.
_KIND_ERRORS = {
    "dict_type": "a mapping (key: value)",
    "list_type": "a list",
    "string_type": "text",
    "model_type": "a mapping (key: value)",
    "model_attributes_type": "a mapping (key: value)",
    "none_required": "nothing",
    "int_type": "a whole number",
    "float_type": "a number",
    "bool_type": "true or false",
}

Loc = tuple[str | int, ...]

_PATTERNS = {
    ROUTE_PREFIX.pattern: "a path prefix such as /api/orders (lowercase segments)",
    OPERATION_PATH.pattern: "a path such as /orders/{order_id}/cancel (lowercase segments)",
    REWRITE.pattern: "a path such as /orders (lowercase segments)",
}


def shape_issues(
    error: ValidationError, data: Any, source: SourceMap, file: Path | None
) -> list[Issue]:
    located = [(*_locate(detail, data), detail) for detail in error.errors()]
    issues: list[Issue] = []
    seen: set[tuple[str, str]] = set()
    for path, on_key, detail in located:
        if _is_kind_error(detail) and any(
            other_path[: len(path)] == path and not _is_kind_error(other)
            for other_path, _, other in located
        ):
            continue  # another union arm explains it better
        message, suggestion = _explain(detail, path, on_key, data, located)
        key = dotted_path(path)
        if (key, message) in seen:
            continue
        seen.add((key, message))
        issues.append(Issue(file, source.line(path), key, message, suggestion))
    return issues


def _is_kind_error(detail: ErrorDetails) -> bool:
    """Wrong kind of value: a union arm for a list or mapping, or a choice given a mapping."""
    if detail["type"] == "literal_error":
        return not _is_scalar(detail.get("input"))
    return detail["type"] in _KIND_ERRORS


def _locate(detail: ErrorDetails, data: Any) -> tuple[Loc, bool]:
    """The error's path in the user's data, without pydantic's union and validator tags.

    Returns the path and whether the error is about the last key's *name* (a dict key).
    """
    path: list[str | int] = []
    current = data
    loc = detail["loc"]
    for index, part in enumerate(loc):
        if part == "[key]":
            return tuple(path), True
        if (isinstance(current, dict) and isinstance(part, str) and part in current) or (
            isinstance(current, list) and isinstance(part, int) and part < len(current)
        ):
            path.append(part)
            current = current[part]
        elif detail["type"] == "missing" and index == len(loc) - 1:
            path.append(part)  # the missing key itself; its line is its parent's
    return tuple(path), False


def _explain(
    detail: ErrorDetails, path: Loc, on_key: bool, data: Any, located: list
) -> tuple[str, str | None]:
    kind, value = detail["type"], detail.get("input")
    last = str(path[-1]) if path else ""
    if kind == "missing":
        return f"missing required key {last!r}", None
    if kind == "extra_forbidden":
        allowed = allowed_keys(path[:-1])
        suggestion = did_you_mean(last, allowed) or (
            f"allowed keys: {', '.join(allowed)}" if allowed else None
        )
        return f"unknown key {last!r}", suggestion
    if kind == "literal_error":
        choices = re.findall(r"'([^']*)'", detail.get("ctx", {}).get("expected", ""))
        shown = ", ".join(choices)
        suggestion = did_you_mean(value, choices) if isinstance(value, str) else None
        return f"{_shown(value)} is not one of: {shown}", suggestion
    if kind in _KIND_ERRORS:
        wanted = sorted(
            {
                _KIND_ERRORS[other["type"]]
                for other_path, _, other in located
                if other_path == path and other["type"] in _KIND_ERRORS
            }
        )
        return f"expected {' or '.join(wanted)}, got {_shown(value)}", None
    if kind == "string_pattern_mismatch":
        wanted = _PATTERNS.get(detail.get("ctx", {}).get("pattern", ""), "the expected format")
        return f"{_shown(value)} is not {wanted}", None
    message = detail["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if kind not in ("value_error", "assertion_error") and _is_scalar(value):
        message = f"{message} (got {_shown(value)})"
    return message, _name_fix(value, message) if kind == "value_error" else None


def _name_fix(value: Any, message: str) -> str | None:
    """For a name in the wrong case or separator style, the spelling that would be valid."""
    if not isinstance(value, str) or "is not a valid" not in message:
        return None
    words = [word for word in re.split(r"[^A-Za-z0-9]+", value) if word]
    if "entity name" in message:
        split = [w for word in words for w in re.findall(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])", word)]
        candidate, pattern = "".join(w.capitalize() for w in split), PASCAL
    elif "(snake_case)" in message:
        candidate, pattern = "_".join(words).lower(), SNAKE
    elif "lowercase letters, digits and '-'" in message or "step name" in message:
        candidate, pattern = "-".join(words).lower(), SLUG
    else:
        return None
    if candidate and candidate != value and pattern.fullmatch(candidate):
        if is_python_keyword(candidate) or candidate in ALL_RESERVED_NAMES:
            return None  # never suggest a name that is refused too
        return f"did you mean {candidate!r}?"
    return None


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# --- which keys a place in the spec allows -------------------------------------------------


def allowed_keys(path: Loc) -> list[str]:
    """The keys the spec language allows at `path` (a mapping of a pydantic model)."""
    annotation: Any = Spec
    for part in path:
        annotation = _step(annotation, part)
        if annotation is None:
            return []
    model = _model_in(annotation)
    if model is None:
        return []
    return [field.alias or name for name, field in model.model_fields.items()]


def _arms(annotation: Any) -> list[Any]:
    """The concrete types an annotation may stand for (Annotated and unions unwrapped)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _arms(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return [arm for arg in typing.get_args(annotation) for arm in _arms(arg)]
    return [annotation]


def _model_in(annotation: Any) -> type[BaseModel] | None:
    for arm in _arms(annotation):
        if isinstance(arm, type) and issubclass(arm, BaseModel):
            return arm
    return None


def _step(annotation: Any, part: str | int) -> Any:
    for arm in _arms(annotation):
        origin = typing.get_origin(arm)
        if isinstance(part, int) and origin is list:
            return typing.get_args(arm)[0]
        if isinstance(part, str) and origin is dict:
            return typing.get_args(arm)[1]
        if isinstance(part, str) and isinstance(arm, type) and issubclass(arm, BaseModel):
            for name, field in arm.model_fields.items():
                if part in (name, field.alias):
                    return field.annotation
    return None
