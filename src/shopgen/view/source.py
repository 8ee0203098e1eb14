"""How values from the spec become Python source text (the template filters)."""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Callable, Iterable
from typing import Any

from shopgen.spec.values import DECIMAL_DIGITS, DECIMAL_PLACES  # noqa: F401 (re-exported)

FIRST_SERVICE_PORT = 8001
INDENT = 4  # statements the view writes inside a block (migrations) are indented by it
DEFAULT_STRING_LENGTH = 255
EMAIL_LENGTH = 320  # RFC 5321's limit on a forward path

# ---------------------------------------------------------------------------------------------
# Python source text: literals only. ruff lays the code out (shopgen.format).

# ruff format does not split strings: a longer one is written as word-sized pieces in
# parentheses, which ruff joins when they fit on a line and puts one per line when they do not.
PIECE_LENGTH = 60


def py_str(text: str) -> str:
    """A string literal quoted the way `ruff format` quotes it: double quotes, unless the text
    holds more double quotes than single ones. Stable, because migrations/schema.json records
    server defaults in this form and compares them across generations."""
    quote = "'" if text.count('"') > text.count("'") else '"'
    out = []
    for char in text:
        if char in ("\\", quote):
            out.append("\\" + char)
        elif char == "\n":
            out.append("\\n")
        elif char == "\t":
            out.append("\\t")
        elif char == "\r":
            out.append("\\r")
        elif not char.isprintable():
            out.append(repr(char)[1:-1])
        else:
            out.append(char)
    return quote + "".join(out) + quote


def _pieces(text: str) -> list[str]:
    """The text cut after spaces into pieces of about PIECE_LENGTH characters; they
    concatenate to the text (a word longer than that stays whole)."""
    pieces = [""]
    for word in re.split(r"(?<= )", text):
        if pieces[-1] and len(pieces[-1]) + len(word) > PIECE_LENGTH:
            pieces.append("")
        pieces[-1] += word
    return pieces


def py_pattern(pattern: str) -> str:
    """A regular expression as a raw string where that is possible (it reads as written)."""
    raw_safe = '"' not in pattern and not pattern.endswith("\\") and pattern.isprintable()
    return f'r"{pattern}"' if raw_safe else py_str(pattern)


def pyrepr(value: Any) -> str:
    """Python source for a plain value from the spec (YAML scalars, lists, mappings)."""
    if value is None or isinstance(value, bool):
        return repr(value)
    if isinstance(value, int):
        return repr(value)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return f'float("{value}")'
        return repr(value)
    if isinstance(value, str):
        pieces = _pieces(value)
        if len(pieces) == 1:
            return py_str(value)
        return "(" + " ".join(py_str(piece) for piece in pieces) + ")"
    if isinstance(value, datetime.date):  # YAML reads unquoted dates as dates
        return py_str(value.isoformat())
    if isinstance(value, list | tuple):
        return "[" + ", ".join(pyrepr(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{pyrepr(k)}: {pyrepr(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"cannot write {type(value).__name__} as Python source")


def number(value: float | int) -> str:
    """`0.0` from YAML's `min: 0` reads as `0` in the generated code."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value)


def call(head: str, args: Iterable[str], brackets: str = "()") -> str:
    """`head(arg, ...)` on one line: ruff lays it out."""
    return f"{head}{brackets[0]}{', '.join(args)}{brackets[1]}"


def comment(value: str) -> str:
    """Text on one comment line: newlines folded, so nothing escapes the comment."""
    return " ".join(value.split())


FILTERS: dict[str, Callable[..., str]] = {
    "pyrepr": pyrepr,
    "comment": comment,
}
"""Jinja filters, registered by `shopgen.render` (the only place filters are registered)."""
