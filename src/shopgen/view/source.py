"""How values from the spec become Python source text (the template filters)."""

from __future__ import annotations

import ast
import datetime
import math
import re
from collections.abc import Callable, Iterable
from typing import Any

FIRST_SERVICE_PORT = 8001
LINE_LENGTH = 100
INDENT = 4
DEFAULT_STRING_LENGTH = 255
EMAIL_LENGTH = 320  # RFC 5321's limit on a forward path
DECIMAL_DIGITS, DECIMAL_PLACES = 12, 2

# ---------------------------------------------------------------------------------------------
# Python source text


def py_str(text: str) -> str:
    """A string literal quoted the way `ruff format` quotes it: double quotes, unless the text
    holds more double quotes than single ones."""
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
        return py_str(value)
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


def _chunks(text: str, width: int) -> list[str]:
    """Split text at spaces into pieces whose literals fit in `width` columns; a word too long
    for a line is split between characters (its pieces still concatenate to the text)."""
    pieces: list[str] = []
    current = ""
    for word in re.split(r"(?<= )", text):
        if current and len(py_str(current + word)) > width:
            pieces.append(current)
            current = word
        else:
            current += word
        while len(py_str(current)) > width and len(current) > 1:
            fits = (n for n in range(1, len(current)) if len(py_str(current[:n])) <= width)
            cut = max(fits, default=1)
            pieces.append(current[:cut])
            current = current[cut:]
    pieces.append(current)
    return pieces


def kwarg(value: str, name: str, indent: int = 8, suffix: str = ",") -> str:
    """`name="value"`, or, when that line would be too long, the value as an implicit
    concatenation in parentheses (the layout ruff keeps)."""
    literal = py_str(value)
    if indent + len(name) + 1 + len(literal) + len(suffix) <= LINE_LENGTH:
        return f"{name}={literal}"
    inner = " " * (indent + INDENT)
    pieces = _chunks(value, LINE_LENGTH - len(inner))
    lines = [f"{name}=("] + [inner + py_str(piece) for piece in pieces] + [" " * indent + ")"]
    return "\n".join(lines)


def pystr(value: str, indent: int = 4, used: int = 0) -> str:
    """A string literal standing alone (an argument or a value), wrapped like `kwarg`."""
    literal = py_str(value)
    if indent + used + len(literal) + 1 <= LINE_LENGTH:
        return literal
    inner = " " * (indent + INDENT)
    pieces = _chunks(value, LINE_LENGTH - len(inner))
    return "(\n" + "\n".join(inner + py_str(p) for p in pieces) + "\n" + " " * indent + ")"


_STRING_KWARG = re.compile(r"^(\w+)=((?:\"|').*)$", re.S)
_CALL_OF_STRING = re.compile(r"^((?:\w+=)?[\w.]+)\((\"[^\"]*\")\)$")


def pycall(
    args: Iterable[str], head: str, indent: int = 4, suffix: str = "", brackets: str = "()"
) -> str:
    """`head(arg, ...)` on one line when it fits, else one argument per line with a magic
    trailing comma (which ruff format keeps). `indent` is the column the line starts at."""
    args = list(args)
    opening, closing = brackets
    one_line = f"{head}{opening}{', '.join(args)}{closing}"
    if "\n" not in one_line and indent + len(one_line) + len(suffix) <= LINE_LENGTH:
        return one_line
    inner = indent + INDENT
    lines = [f"{head}{opening}"]
    for arg in args:
        if inner + len(arg) + 1 > LINE_LENGTH and (match := _CALL_OF_STRING.match(arg)):
            # `name=op.f("a_long_name")`: ruff moves the string to a line of its own.
            pad = " " * (inner + INDENT)
            arg = f"{match.group(1)}(\n{pad}{match.group(2)}\n{' ' * inner})"
        elif inner + len(arg) + 1 > LINE_LENGTH and (match := _STRING_KWARG.match(arg)):
            arg = kwarg(ast.literal_eval(match.group(2)), match.group(1), inner)
        lines.append(" " * inner + arg + ",")
    lines.append(" " * indent + closing)
    return "\n".join(lines)


def _import_order(name: str) -> tuple[int, str]:
    """isort's order-by-type: CONSTANTS, then Classes, then the rest."""
    if name.isupper() and len(name) > 1:
        return 0, name.lower()
    return (1 if name[0].isupper() else 2), name.lower()


def pyimport(names: Iterable[str], module: str) -> str:
    """`from module import a, b` with the names sorted and wrapped the way ruff does."""
    names = sorted(set(names), key=_import_order)
    one_line = f"from {module} import {', '.join(names)}"
    if len(one_line) <= LINE_LENGTH:
        return one_line
    return f"from {module} import (\n" + "".join(f"    {n},\n" for n in names) + ")"


def comment(value: str) -> str:
    """Text on one comment line: newlines folded, so nothing escapes the comment."""
    return " ".join(value.split())


FILTERS: dict[str, Callable[..., str]] = {
    "pyrepr": pyrepr,
    "pystr": pystr,
    "kwarg": kwarg,
    "pycall": pycall,
    "pyimport": pyimport,
    "comment": comment,
}
"""Jinja filters, registered by `shopgen.render` (the only place filters are registered)."""
