"""Names: plurals, cases, and the names generated code reserves."""

from __future__ import annotations

import re
from collections.abc import Iterable

# Plurals and cases live with the spec, whose checks need them (CRUD paths, table names).
from shopgen.spec.plurals import (  # noqa: F401 (re-exported)
    IRREGULAR_PLURALS,
    UNCOUNTABLE,
    plural_snake,
    pluralize,
    snake_case,
)

# ---------------------------------------------------------------------------------------------
# Names


def python_name(name: str) -> str:
    return name.replace("-", "_")


def title_case(name: str) -> str:
    return " ".join(part.capitalize() for part in name.replace("_", "-").split("-"))


def pascal_case(snake: str) -> str:
    return "".join(part.capitalize() for part in re.split(r"[_-]", snake))


def singular_snake(snake: str) -> str:
    """Best effort for naming one item of a list field: `items` -> `item`."""
    for suffix, replacement in (("ies", "y"), ("sses", "ss"), ("ches", "ch"), ("shes", "sh")):
        if snake.endswith(suffix):
            return snake[: -len(suffix)] + replacement
    if snake.endswith("s") and not snake.endswith("ss"):
        return snake[:-1]
    return snake + "_item"


class Namer:
    """Hands out class names unique within one generated module."""

    def __init__(self, taken: Iterable[str] = ()):
        self.taken = set(taken)

    def claim(self, wanted: str) -> str:
        name, n = wanted, 2
        while name in self.taken:
            name, n = f"{wanted}{n}", n + 1
        self.taken.add(name)
        return name


# Names the generated schemas.py and clients.py import; a generated class must not shadow them.
SCHEMA_IMPORTS = frozenset(
    {"Any", "BaseModel", "ConfigDict", "Decimal", "EmailStr", "Field", "StrEnum"}
)
# Module-level names of a generated router; an instance variable must not shadow them.
ROUTER_NAMES = frozenset(
    {"models", "schemas", "router", "status", "select", "uuid", "or_", "hash_password", "item",
     "payload", "session", "changes", "statement", "page", "not_found", "query", "context",
     "events", "payloads", "hooks", "name", "value", "access", "draft", "allow", "Access",
     "Annotated", "Depends", "verify_password", "Forbidden"}
)  # fmt: skip
# Router modules live beside these in api/.
RESERVED_ROUTER_MODULES = frozenset({"auth", "operations", "deps", "read_models"})
