"""Names: plurals, cases, and the names generated code reserves."""

from __future__ import annotations

import re
from collections.abc import Iterable

# ---------------------------------------------------------------------------------------------
# Names

IRREGULAR_PLURALS = {
    "person": "people",
    "child": "children",
    "man": "men",
    "woman": "women",
    "mouse": "mice",
    "goose": "geese",
    "tooth": "teeth",
    "foot": "feet",
    "datum": "data",
    "index": "indexes",
    "matrix": "matrices",
    "vertex": "vertices",
    "criterion": "criteria",
    "analysis": "analyses",
    "status": "statuses",
    "bus": "buses",
    "quiz": "quizzes",
}
UNCOUNTABLE = frozenset(
    {"equipment", "information", "rice", "money", "species", "series", "fish", "sheep",
     "news", "inventory", "feedback", "metadata", "software", "hardware", "staff"}
)  # fmt: skip


def pluralize(word: str) -> str:
    """English plural of a lowercase word.

    A small rule set rather than `inflect`: the output names tables and URLs, so it must be the
    same on every machine and release (an optional library would make regeneration depend on
    what happens to be installed), and entity names are ordinary nouns.
    """
    if word in UNCOUNTABLE or not word:
        return word
    if word in IRREGULAR_PLURALS:
        return IRREGULAR_PLURALS[word]
    if re.search(r"[^aeiou]y$", word):
        return word[:-1] + "ies"
    if re.search(r"(s|x|z|ch|sh)$", word):
        return word + "es"
    if re.search(r"[^aeiou]o$", word) and word not in ("photo", "piano", "logo", "video", "memo"):
        return word + "es"
    if word.endswith("fe") and word not in ("safe", "cafe"):
        return word[:-2] + "ves"
    if re.search(r"(?<!f)[lr]f$", word) or word in ("leaf", "loaf", "thief", "half", "wolf"):
        return word[:-1] + "ves"
    return word + "s"


def python_name(name: str) -> str:
    return name.replace("-", "_")


def title_case(name: str) -> str:
    return " ".join(part.capitalize() for part in name.replace("_", "-").split("-"))


def snake_case(pascal: str) -> str:
    """`UserPreference` -> `user_preference`, `HTTPLog` -> `http_log`."""
    text = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", pascal)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", text).lower()


def pascal_case(snake: str) -> str:
    return "".join(part.capitalize() for part in re.split(r"[_-]", snake))


def plural_snake(snake: str) -> str:
    head, _, last = snake.rpartition("_")
    return (head + "_" if head else "") + pluralize(last)


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
     "events", "payloads", "hooks", "name", "value"}
)  # fmt: skip
# Router modules live beside these in api/.
RESERVED_ROUTER_MODULES = frozenset({"auth", "operations", "deps", "read_models"})
