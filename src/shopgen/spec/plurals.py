"""Plurals and cases of names: the tables and URL paths the generated code gives entities.

The spec's checks need them (an operation must not take a CRUD route's path); the view model
uses them to name tables, paths and modules (re-exported by `shopgen.view.names`).
"""

from __future__ import annotations

import re

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


def snake_case(pascal: str) -> str:
    """`UserPreference` -> `user_preference`, `HTTPLog` -> `http_log`."""
    text = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", pascal)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", text).lower()


def plural_snake(snake: str) -> str:
    head, _, last = snake.rpartition("_")
    return (head + "_" if head else "") + pluralize(last)


def read_model_plural(snake: str) -> str:
    """Plural of a read model's last word, left alone when it already reads as a plural
    (`daily_sales`, `daily_dispatches`)."""
    last = snake.rpartition("_")[2]
    if last.endswith("s") and not last.endswith(("ss", "us", "is")) and last != "status":
        return snake
    return plural_snake(snake)
