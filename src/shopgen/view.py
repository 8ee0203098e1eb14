"""The view model: every decision about the generated code, made once in Python.

Templates receive these objects and only lay their values out. Facts derived from the spec are
`cached_property`s, so a template never recomputes or re-decides anything.

Generated code must pass `ruff format --check` as rendered, so the few declarations whose length
depends on the spec (columns, schema fields, long strings) are laid out here by `pycall` and
`kwarg`, the way ruff would lay them out. Every value from the spec that lands in Python source
goes through `pyrepr` (or `kwarg`), never raw: a description holding `{{ 7*7 }}` or `\"\"\"` comes
out as a literal string.
"""

from __future__ import annotations

import ast
import datetime
import hashlib
import json
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from shopgen import __version__
from shopgen.diagrams import Diagrams
from shopgen.spec.model import Call, FieldSpec, Operation, Route, Service, Spec
from shopgen.spec.model import Entity as EntitySpec

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

# ---------------------------------------------------------------------------------------------
# Fields

_PYTHON_TYPES = {
    "string": "str",
    "text": "str",
    "email": "EmailStr",
    "password": "str",
    "integer": "int",
    "decimal": "Decimal",
    "float": "float",
    "boolean": "bool",
    "uuid": "uuid.UUID",
    "ref": "uuid.UUID",
    "date": "dt.date",
    "datetime": "dt.datetime",
    "json": "Any",
}
_MAPPED_TYPES = {**_PYTHON_TYPES, "email": "str", "decimal": "decimal.Decimal", "enum": "str"}
_COLUMN_TYPES = {
    "text": "sa.Text()",
    "email": f"sa.String({EMAIL_LENGTH})",
    "password": f"sa.String({DEFAULT_STRING_LENGTH})",
    "integer": "sa.Integer()",
    "decimal": f"sa.Numeric({DECIMAL_DIGITS}, {DECIMAL_PLACES})",
    "float": "sa.Float()",
    "boolean": "sa.Boolean()",
    "uuid": "sa.Uuid()",
    "ref": "sa.Uuid()",
    "date": "sa.Date()",
    "datetime": "sa.DateTime(timezone=True)",
    "list": "sa.JSON()",
    "json": "sa.JSON()",
}
TEXT_TYPES = frozenset({"string", "text", "email", "enum"})
NUMERIC_TYPES = frozenset({"integer", "decimal", "float"})
SCALAR_DEFAULT_TYPES = frozenset({"string", "text", "email", "enum", "integer", "decimal", "float"})


@dataclass(frozen=True)
class EnumView:
    class_name: str
    values: list[str]

    @cached_property
    def members(self) -> list[tuple[str, str]]:
        """(MEMBER_NAME, 'value') pairs; enum values are snake_case identifiers."""
        return [(value.upper(), py_str(value)) for value in self.values]


@dataclass(frozen=True)
class CheckView:
    name: str  # the short name; the naming convention prefixes ck_<table>_
    expression: str  # SQLAlchemy expression source


@dataclass(eq=False)
class FieldView:
    """One field of an entity, an inline list item, or an operation's request or response."""

    name: str
    spec: FieldSpec
    owner: str  # PascalCase name of what holds the field, for naming enums and nested models
    namer: Namer
    table: str | None = None  # set for entity fields (columns)
    ref_tables: dict[str, str] = field(default_factory=dict)

    @cached_property
    def type(self) -> str:
        return self.spec.type

    @cached_property
    def optional(self) -> bool:
        return self.spec.optional

    @cached_property
    def has_default(self) -> bool:
        return self.spec.default is not None

    @cached_property
    def required(self) -> bool:
        """A client must send it: not optional and no default."""
        return not self.optional and not self.has_default

    @cached_property
    def is_password(self) -> bool:
        return self.type == "password"

    @cached_property
    def is_json(self) -> bool:
        """Stored as JSON: lists and json fields are dumped in JSON mode before saving."""
        return self.type in ("list", "json")

    @cached_property
    def column(self) -> str:
        """The column (and model attribute) name; passwords are stored hashed."""
        return f"{self.name}_hash" if self.is_password else self.name

    @cached_property
    def enum(self) -> EnumView | None:
        if self.type != "enum":
            return None
        return EnumView(self.namer.claim(self.owner + pascal_case(self.name)), self.spec.values)

    @cached_property
    def item_fields(self) -> list[FieldView] | None:
        """The fields of a list of inline objects."""
        if self.spec.inline_object is None:
            return None
        return [
            FieldView(name, spec, self.item_class, self.namer)
            for name, spec in self.spec.inline_object.items()
        ]

    @cached_property
    def item_class(self) -> str:
        return self.namer.claim(self.owner + pascal_case(singular_snake(self.name)))

    @cached_property
    def item_type(self) -> str:
        """The type of one element of a list."""
        of = self.spec.of
        if of is None:
            return "Any"
        if isinstance(of, dict):
            return self.item_class
        return _PYTHON_TYPES.get(of, "Any") if of not in ("enum", "list") else "Any"

    @cached_property
    def python_type(self) -> str:
        """The pydantic annotation, without `| None`."""
        if self.enum:
            return self.enum.class_name
        if self.type == "list":
            return f"list[{self.item_type}]"
        return _PYTHON_TYPES[self.type]

    @cached_property
    def annotation(self) -> str:
        return self.python_type + (" | None" if self.optional else "")

    # -- pydantic ------------------------------------------------------------------------------

    @cached_property
    def max_length(self) -> int | None:
        if self.spec.max_length is not None:
            return self.spec.max_length
        if self.type == "string":
            return DEFAULT_STRING_LENGTH
        return None

    @cached_property
    def constraints(self) -> list[str]:
        """Keyword arguments of pydantic's `Field(...)`, the spec's constraints."""
        spec = self.spec
        args = []
        if self.type in ("string", "text", "password", "email"):
            if spec.min_length is not None:
                args.append(f"min_length={spec.min_length}")
            if self.max_length is not None and self.type != "email":
                args.append(f"max_length={self.max_length}")
            if spec.pattern:
                args.append(f"pattern={py_pattern(spec.pattern)}")
        if spec.min is not None:
            args.append(f"ge={number(spec.min)}")
        if spec.max is not None:
            args.append(f"le={number(spec.max)}")
        if self.type == "decimal":
            args += [f"max_digits={DECIMAL_DIGITS}", f"decimal_places={DECIMAL_PLACES}"]
        if spec.description:
            args.append(f"description={py_str(spec.description)}")
        return args

    @cached_property
    def default_source(self) -> str:
        """The default as a value of the field's own type (pydantic does not convert defaults)."""
        default = self.spec.default
        if self.enum:
            return f"{self.enum.class_name}.{default.upper()}"
        if self.type == "decimal":
            return f"Decimal({py_str(number(default))})"
        if self.type == "float" and isinstance(default, int | float):
            return repr(float(default))
        if self.type in ("date", "datetime"):
            return f"dt.{self.type}.fromisoformat({pyrepr(default)})"
        if self.type in ("uuid", "ref"):
            return f"uuid.UUID({py_str(str(default))})"
        return pyrepr(default)

    def _declaration(self, annotation: str, default: str | None, args: list[str]) -> str:
        head = f"{self.name}: {annotation}"
        if args:
            call_args = ([f"default={default}"] if default is not None else []) + args
            return pycall(call_args, f"{head} = Field", indent=INDENT)
        if default is None:
            return head
        if INDENT + len(head) + 3 + len(default) <= LINE_LENGTH:
            return f"{head} = {default}"
        return f"{head} = (\n{' ' * 2 * INDENT}{default}\n{' ' * INDENT})"  # as ruff wraps it

    @cached_property
    def declaration(self) -> str:
        """The field in a Base/Create schema (or an operation's request or response)."""
        default = None
        if self.has_default:
            default = self.default_source
        elif self.optional:
            default = "None"
        return self._declaration(self.annotation, default, self.constraints)

    @cached_property
    def update_declaration(self) -> str:
        """The field in an Update schema: may be left out, may not be set to null unless the
        field is optional (pydantic does not validate the `None` default)."""
        return self._declaration(self.annotation, "None", self.constraints)

    @cached_property
    def filter_type(self) -> str:
        """The type of the field as a query parameter in a router module."""
        if self.enum:
            return f"schemas.{self.enum.class_name}"
        if self.type == "decimal":
            return "decimal.Decimal"
        if self.type in ("email", "password"):
            return "str"
        return self.python_type

    @cached_property
    def client_type(self) -> str:
        """The type in another service's client: plain types only (no enums, no nested
        models), so a client never depends on the target's code."""
        if self.type == "enum":
            return "str"
        if self.type == "email":
            return "str"
        if self.type == "list":
            item = self.item_type
            if self.spec.inline_object is not None or item == "EmailStr":
                item = "dict[str, Any]" if self.spec.inline_object is not None else "str"
            return f"list[{item}]"
        return self.python_type

    @cached_property
    def reader_declaration(self) -> str:
        """The field in a client's model of another service's data: a tolerant reader, so
        the fallback served while a breaker is open validates too."""
        return f"{self.name}: {self.client_type} | None = None"

    @cached_property
    def client_declaration(self) -> str:
        """The field in a client's copy of another service's request model."""
        if self.required:
            return f"{self.name}: {self.client_type}"
        return f"{self.name}: {self.client_type} | None = None"

    # -- SQLAlchemy ----------------------------------------------------------------------------

    @cached_property
    def mapped_type(self) -> str:
        if self.type == "list":
            base = "list[Any]"
        elif self.type == "json":
            base = "Any"
        else:
            base = _MAPPED_TYPES[self.type]
        return base + (" | None" if self.optional else "")

    @cached_property
    def column_type(self) -> str:
        if self.type == "string":
            return f"sa.String({self.max_length})"
        if self.type == "enum":
            return f"sa.String({max(len(v) for v in self.spec.values)})"
        return _COLUMN_TYPES[self.type]

    @cached_property
    def foreign_key(self) -> str | None:
        if self.type != "ref":
            return None
        target = self.ref_tables[self.spec.to]
        ondelete = "SET NULL" if self.optional else "CASCADE"
        return f'sa.ForeignKey("{target}.id", ondelete="{ondelete}")'

    @cached_property
    def server_default(self) -> str | None:
        """A database-side default, so rows added outside the API get it too."""
        default = self.spec.default
        if default is None or self.type not in SCALAR_DEFAULT_TYPES | {"boolean"}:
            return None
        if self.type == "boolean":
            return "sa.true()" if default else "sa.false()"
        if isinstance(default, bool | dict | list):
            return None
        return py_str(number(default) if isinstance(default, int | float) else str(default))

    @cached_property
    def checks(self) -> list[CheckView]:
        spec, col = self.spec, f'sa.column("{self.column}")'
        checks = []
        if spec.min is not None:
            checks.append(CheckView(f"{self.name}_min", f"{col} >= {number(spec.min)}"))
        if spec.max is not None:
            checks.append(CheckView(f"{self.name}_max", f"{col} <= {number(spec.max)}"))
        if spec.min_length and not self.is_password and self.type != "email":
            checks.append(
                CheckView(f"{self.name}_min_length", f"sa.func.length({col}) >= {spec.min_length}")
            )
        if self.enum:
            # At column 12: an argument of sa.CheckConstraint in __table_args__ and migrations.
            in_ = pycall([self.values_constant], f"{col}.in_", 3 * INDENT)
            checks.append(CheckView(f"{self.name}_values", in_))
        return checks

    @cached_property
    def values_constant(self) -> str:
        """The module-level tuple of an enum's values (models.py and the migration)."""
        return f"{snake_case(self.owner)}_{self.name}_values".upper()

    @cached_property
    def values_assignment(self) -> str:
        values = [py_str(v) for v in self.spec.values]
        if len(values) == 1:
            return f"{self.values_constant} = ({values[0]},)"
        return pycall(values, f"{self.values_constant} = ", 0)

    # -- samples for the generated tests -----------------------------------------------------

    @cached_property
    def sample(self) -> str | None:
        """Python source of a valid JSON value for tests, or None if none can be made."""
        return _sample(self)

    @cached_property
    def zero(self) -> str:
        """Python source of an empty but valid value (placeholder responses); pydantic
        converts it to the field's type."""
        if self.has_default:
            return self.default_source
        if self.optional:
            return "None"
        spec, kind = self.spec, self.type
        if kind == "boolean":
            return "False"
        if kind in NUMERIC_TYPES:
            value = _clamp(spec, 0)
            if kind == "decimal" and value is not None:
                return py_str(f"{value:.2f}")
            if value is not None:
                return number(value) if kind == "integer" else repr(float(value))
        if kind in ("string", "text") and not spec.min_length and not spec.pattern:
            return '""'
        simple = {
            "list": "[]",
            "json": "{}",
            "uuid": '"00000000-0000-0000-0000-000000000000"',
            "date": '"1970-01-01"',
            "datetime": '"1970-01-01T00:00:00Z"',
        }
        if kind in simple:
            return simple[kind]
        return _sample(self, unique=False) or "None"


_SAMPLE_TEXTS = ("sample", "Sample", "SAMPLE", "sample1", "1", "a", "A", "a1", "sample-1", "x")


def _regex_sample(pattern: str) -> str | None:
    """A string matching a simple regular expression (literals, classes, repeats, groups,
    alternation, anchors), built from the parsed pattern; None for anything else.

    `re._parser` is CPython's own regex parser: private, but far smaller than pulling in a
    generator library for the sample values of generated tests.
    """
    try:
        from re import _constants as sre  # type: ignore[attr-defined]
        from re import _parser

        tree = _parser.parse(pattern)
    except Exception:
        return None
    categories = {sre.CATEGORY_DIGIT: "1", sre.CATEGORY_WORD: "a", sre.CATEGORY_SPACE: " "}

    def build(items: Any) -> str:
        out = []
        for op, arg in items:
            if op is sre.LITERAL:
                out.append(chr(arg))
            elif op is sre.ANY:
                out.append("a")
            elif op is sre.IN:
                out.append(one_of(arg))
            elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
                low, high, body = arg
                out.append(build(body) * min(max(low, 1), high))
            elif op is sre.SUBPATTERN:
                out.append(build(arg[-1]))
            elif op is sre.BRANCH:
                out.append(build(arg[1][0]))
            elif op is sre.AT:
                continue
            else:
                raise ValueError(op)
        return "".join(out)

    def one_of(members: Any) -> str:
        for op, arg in members:
            if op is sre.NEGATE:
                raise ValueError(op)
            if op is sre.LITERAL:
                return chr(arg)
            if op is sre.RANGE:
                return chr(arg[0])
            if op is sre.CATEGORY and arg in categories:
                return categories[arg]
        raise ValueError(members)

    try:
        text = build(tree)
    except (ValueError, TypeError, IndexError, OverflowError):
        return None
    return text if re.search(pattern, text) else None


def _text_sample(spec: FieldSpec, base: str, unique: bool) -> str | None:
    """A string literal (or, for a unique field, an f-string with random hex) that satisfies
    the field's length and pattern, or None when no simple candidate does."""
    low = spec.min_length or 1
    high = spec.max_length or (DEFAULT_STRING_LENGTH if spec.type == "string" else 10_000)
    candidates = [base, *_SAMPLE_TEXTS] if not spec.pattern else list(_SAMPLE_TEXTS)
    if spec.pattern and (built := _regex_sample(spec.pattern)) is not None:
        candidates.insert(0, built)
    for text in candidates:
        text = (text * (low // len(text) + 1))[: max(low, len(text))][:high]
        if spec.pattern and not re.search(spec.pattern, text):
            continue
        if not low <= len(text) <= high:
            continue
        if not unique:
            return py_str(text)
        if spec.pattern:
            return None  # random text would not match the pattern
        # At least 12 random hex digits (48 bits) keep samples apart within a test run.
        prefix = text[: max(0, min(len(text), high - 13))]
        digits = min(32, high - len(prefix) - 1)
        if digits < 12 or len(prefix) + 1 + digits < low:
            return None
        return f'f"{prefix}-{{uuid.uuid4().hex[:{digits}]}}"'
    return None


def _clamp(spec: FieldSpec, preferred: float) -> float | None:
    low = spec.min if spec.min is not None else -math.inf
    high = spec.max if spec.max is not None else math.inf
    value = min(max(preferred, low), high)
    if spec.type == "integer":
        value = math.ceil(value)
        return value if value <= high else None
    return value


def _sample(view: FieldView, unique: bool | None = None) -> str | None:
    spec = view.spec
    unique = spec.unique if unique is None else unique
    kind = spec.type
    if kind in ("string", "text"):
        return _text_sample(spec, view.name.replace("_", "-"), unique)
    if kind == "password":
        return _text_sample(spec, "correct-horse-battery", False)
    if kind == "email":
        return 'f"user-{uuid.uuid4().hex}@example.com"' if unique else '"user@example.com"'
    if kind in NUMERIC_TYPES:
        if unique:
            return None
        value = _clamp(spec, 1)
        if value is None:
            return None
        if kind == "decimal":
            return py_str(f"{value:.2f}")
        return number(value) if kind == "integer" else repr(float(value))
    if kind == "boolean":
        return "True" if not unique else None
    if kind == "uuid":
        return "str(uuid.uuid4())"
    if kind == "date":
        return None if unique else '"2024-01-02"'
    if kind == "datetime":
        return None if unique else '"2024-01-02T03:04:05Z"'
    if kind == "enum":
        return None if unique else py_str(spec.default or spec.values[0])
    if kind == "json":
        return None if unique else '{"sample": True}'
    if kind == "list":
        if unique:
            return None
        if view.item_fields is None:
            return "[]"
        item = {}
        for item_field in view.item_fields:
            if item_field.required:
                value = item_field.sample
                if value is None:
                    return None
                item[item_field.name] = value
        return "[{" + ", ".join(f"{py_str(k)}: {v}" for k, v in item.items()) + "}]"
    return None  # ref: the test creates the target first


# ---------------------------------------------------------------------------------------------
# Entities


@dataclass(eq=False)
class EntityView:
    name: str
    spec: EntitySpec
    service_module: str
    namer: Namer
    tables: dict[str, str]  # entity name -> table name, within the service

    @cached_property
    def class_name(self) -> str:
        return self.name

    @cached_property
    def snake(self) -> str:
        return snake_case(self.name)

    @cached_property
    def plural(self) -> str:
        return plural_snake(self.snake)

    @cached_property
    def table(self) -> str:
        return self.plural

    @cached_property
    def collection_path(self) -> str:
        return "/" + self.plural.replace("_", "-")

    @cached_property
    def module(self) -> str:
        """The router module: api/<module>.py."""
        if self.snake in RESERVED_ROUTER_MODULES:
            return self.snake + "_routes"
        return self.snake

    @cached_property
    def tag(self) -> str:
        return title_case(self.plural)

    @cached_property
    def description(self) -> str:
        return self.spec.description or f"{title_case(self.plural)}."

    @cached_property
    def fields(self) -> list[FieldView]:
        return [
            FieldView(name, spec, self.name, self.namer, self.table, self.tables)
            for name, spec in self.spec.fields.items()
        ]

    @cached_property
    def field_by_name(self) -> dict[str, FieldView]:
        return {f.name: f for f in self.fields}

    # schema class names
    @cached_property
    def base_schema(self) -> str:
        return f"{self.name}Base"

    @cached_property
    def create_schema(self) -> str:
        return f"{self.name}Create"

    @cached_property
    def update_schema(self) -> str:
        return f"{self.name}Update"

    @cached_property
    def public_schema(self) -> str:
        return f"{self.name}Public"

    @cached_property
    def public_fields(self) -> list[FieldView]:
        return [f for f in self.fields if not f.is_password]

    @cached_property
    def password_fields(self) -> list[FieldView]:
        return [f for f in self.fields if f.is_password]

    @cached_property
    def ref_fields(self) -> list[FieldView]:
        return [f for f in self.fields if f.type == "ref"]

    @cached_property
    def json_fields(self) -> list[str]:
        return [f.name for f in self.fields if f.is_json]

    @cached_property
    def enums(self) -> list[EnumView]:
        return [f.enum for f in self._all_fields() if f.enum]

    @cached_property
    def nested_models(self) -> list[tuple[str, list[FieldView]]]:
        """(class name, fields) of inline list items, innermost first."""
        found = []
        for f in self._all_fields():
            if f.item_fields is not None:
                found.append((f.item_class, f.item_fields))
        return list(reversed(found))

    def _all_fields(self) -> list[FieldView]:
        return list(_walk(self.fields))

    @cached_property
    def search_fields(self) -> list[FieldView]:
        return [self.field_by_name[name] for name in self.spec.search]

    @cached_property
    def has_search(self) -> bool:
        return bool(self.search_fields)

    @cached_property
    def filter_fields(self) -> list[FieldView]:
        return [self.field_by_name[name] for name in self.spec.filter]

    @cached_property
    def filter_params(self) -> list[str]:
        """Query parameters of the list endpoint."""
        return [f"{f.name}: {f.filter_type} | None = None" for f in self.filter_fields]

    @cached_property
    def router_stdlib_imports(self) -> list[str]:
        types = " ".join(f.filter_type for f in self.filter_fields)
        lines = ["import datetime as dt"] if "dt." in types else []
        lines += ["import decimal"] if "decimal." in types else []
        lines.append("import uuid")
        return lines

    @cached_property
    def indexed(self) -> set[str]:
        names = {f.name for f in self.filter_fields} | {f.name for f in self.ref_fields}
        return {n for n in names if not self.field_by_name[n].spec.unique}

    @cached_property
    def columns(self) -> list[str]:
        """Model attribute declarations (without id and timestamps), laid out by ruff's rules."""
        return [self._column(f) for f in self.fields]

    def _column_args(self, f: FieldView) -> list[str]:
        args = [f.column_type]
        if f.foreign_key:
            args.append(f.foreign_key)
        if f.spec.unique:
            args.append("unique=True")
        if f.name in self.indexed:
            args.append("index=True")
        if f.server_default:
            args.append(f"server_default={f.server_default}")
        return args

    def _column(self, f: FieldView) -> str:
        head = f"{f.column}: Mapped[{f.mapped_type}] = mapped_column"
        return pycall(self._column_args(f), head, indent=INDENT)

    @cached_property
    def migration_columns(self) -> list[str]:
        """`sa.Column(...)` for op.create_table, one per field."""
        out = []
        for f in self.fields:
            args = [py_str(f.column), f.column_type, f"nullable={f.optional}"]
            if f.server_default:
                args.append(f"server_default={f.server_default}")
            out.append(pycall(args, "sa.Column", indent=2 * INDENT, suffix=","))
        return out

    @cached_property
    def checks(self) -> list[CheckView]:
        return [check for f in self.fields for check in f.checks]

    @cached_property
    def enum_fields(self) -> list[FieldView]:
        return [f for f in self.fields if f.enum]

    @cached_property
    def table_args(self) -> str | None:
        """The model's `__table_args__` statement: its CHECK constraints (the naming convention
        prefixes their names with ck_<table>_)."""
        if not self.checks:
            return None
        items = [
            pycall([c.expression, f"name={py_str(c.name)}"], "sa.CheckConstraint", 2 * INDENT)
            for c in self.checks
        ]
        one_line = f"__table_args__ = ({items[0]},)"
        if len(items) == 1 and "\n" not in items[0] and INDENT + len(one_line) <= LINE_LENGTH:
            return one_line
        body = "".join(f"{' ' * 2 * INDENT}{item},\n" for item in items)
        return f"__table_args__ = (\n{body}{' ' * INDENT})"

    @cached_property
    def variable(self) -> str:
        """The local name of one instance in the router (`product`)."""
        return self.snake if self.snake not in ROUTER_NAMES else "item"

    @cached_property
    def migration_constraints(self) -> list[str]:
        """Constraints of op.create_table, with the names the naming convention gives them."""
        out = [f'sa.PrimaryKeyConstraint("id", name=op.f("pk_{self.table}")),']
        for f in self.fields:
            if f.spec.unique:
                args = [py_str(f.column), f'name=op.f("uq_{self.table}_{f.column}")']
                out.append(pycall(args, "sa.UniqueConstraint", 2 * INDENT, ",") + ",")
        for f in self.ref_fields:
            target = self.tables[f.spec.to]
            args = [
                f'["{f.column}"]',
                f'["{target}.id"]',
                f'name=op.f("fk_{self.table}_{f.column}_{target}")',
                f'ondelete="{"SET NULL" if f.optional else "CASCADE"}"',
            ]
            out.append(pycall(args, "sa.ForeignKeyConstraint", 2 * INDENT, ",") + ",")
        for c in self.checks:
            name = f'name=op.f("ck_{self.table}_{c.name}")'
            out.append(pycall([c.expression, name], "sa.CheckConstraint", 2 * INDENT, ",") + ",")
        return out

    @cached_property
    def migration_indexes(self) -> list[tuple[str, str]]:
        """(index name, `op.create_index(...)` source) for the indexed columns."""
        out = []
        for f in self.fields:
            if f.name in self.indexed:
                name = f"ix_{self.table}_{f.column}"
                args = [f'op.f("{name}")', py_str(self.table), f'["{f.column}"]', "unique=False"]
                out.append((name, pycall(args, "op.create_index", INDENT)))
        return out

    @cached_property
    def foreign_key_targets(self) -> list[str]:
        return sorted({self.tables[f.spec.to] for f in self.ref_fields})

    # -- tests -------------------------------------------------------------------------------

    @cached_property
    def sample_fields(self) -> list[tuple[str, str | None]]:
        """(field, value source) for a valid create payload: the required fields, plus those
        that search and filters need. Refs are filled by `sample_refs`."""
        wanted = [
            f
            for f in self.fields
            if f.type != "ref"
            and (f.required or f in self.filter_fields or f in self.search_fields)
        ]
        return [(f.name, f.sample) for f in wanted]

    @cached_property
    def sample_refs(self) -> list[tuple[str, str]]:
        """(field, target entity's snake name) of the refs a sample payload fills: the
        required ones and those the filter test needs."""
        return [
            (f.name, snake_case(f.spec.to))
            for f in self.ref_fields
            if f.required or (f in self.filter_fields and f.spec.to != self.name)
        ]

    @cached_property
    def required_refs(self) -> list[FieldView]:
        return [f for f in self.ref_fields if f.required]

    @cached_property
    def sample_uses_uuid(self) -> bool:
        return any(value and "uuid." in value for _, value in self.sample_fields)

    @cached_property
    def testable(self) -> bool:
        """Whether a valid instance can be made without knowing the user's rules (a pattern
        no sample matches, a required ref to itself). Refs to other entities are checked by
        `ServiceView.testable_entities`."""
        if any(value is None for _, value in self.sample_fields):
            return False
        return all(target != self.snake for _, target in self.sample_refs)

    @cached_property
    def sample_items(self) -> list[str]:
        """Items of a dict display of the non-ref sample fields."""
        return [f"{py_str(n)}: {v}" for n, v in self.sample_fields]

    @cached_property
    def required_fields(self) -> list[FieldView]:
        return [f for f in self.fields if f.required]

    @cached_property
    def invalid_payloads(self) -> list[tuple[str, str]]:
        """(field, invalid value source) pairs the API must reject with 422."""
        out = []
        for f in self.fields:
            spec = f.spec
            if spec.min is not None and f.type != "decimal":
                out.append((f.name, number(spec.min - 1)))
            elif spec.min is not None:
                out.append((f.name, py_str(number(spec.min - 1))))
            elif spec.max_length is not None and f.type in ("string", "text", "password"):
                out.append((f.name, f'"x" * {spec.max_length + 1}'))
            elif f.enum:
                out.append((f.name, py_str("not-a-valid-value")))
            elif f.type == "email":
                out.append((f.name, py_str("not-an-email")))
        return out

    @cached_property
    def unique_field(self) -> str | None:
        """A unique field whose sample is fresh per call, to test 409 on a duplicate."""
        in_sample = {name for name, _ in self.sample_fields}
        return next((f.name for f in self.fields if f.spec.unique and f.name in in_sample), None)

    @cached_property
    def update_change(self) -> tuple[str, str] | None:
        """(field, new value source) for the PATCH test."""
        for f in self.fields:
            if f.spec.unique or f.type in ("ref", "password"):
                continue
            if f.type == "boolean":
                return f.name, "False"
            if f.enum and len(f.enum.values) > 1:
                return f.name, py_str(f.enum.values[-1])
            if f.type in ("string", "text") and not f.spec.pattern:
                value = _text_sample(f.spec, "changed", False)
                if value:
                    return f.name, value
        return None

    @cached_property
    def search_probe(self) -> tuple[str, str] | None:
        """(field, query) for the search test: a word of the sample value."""
        samples = dict(self.sample_fields)
        for f in self.search_fields:
            value = samples.get(f.name)
            if value and f.type in TEXT_TYPES:
                try:
                    text = ast.literal_eval(value)
                except (ValueError, SyntaxError):
                    text = value[2:].split("-{")[0]  # an f-string: its fixed part
                if isinstance(text, str) and text:
                    return f.name, text[:6]
        return None

    @cached_property
    def filter_probe(self) -> str | None:
        """A filter field the test can check with the created item's own value."""
        in_sample = {name for name, _ in self.sample_fields} | {n for n, _ in self.sample_refs}
        return next((f.name for f in self.filter_fields if f.name in in_sample), None)


def _walk(fields: list[FieldView]) -> Iterable[FieldView]:
    for f in fields:
        yield f
        if f.item_fields:
            yield from _walk(f.item_fields)


# ---------------------------------------------------------------------------------------------
# Operations, auth, clients


@dataclass(eq=False)
class OperationView:
    name: str
    spec: Operation
    namer: Namer

    @cached_property
    def function(self) -> str:
        return self.name

    @cached_property
    def method(self) -> str:
        return self.spec.method.lower()

    @cached_property
    def path(self) -> str:
        return self.spec.path

    @cached_property
    def summary(self) -> str:
        return self.spec.description or title_case(self.name)

    @cached_property
    def path_params(self) -> list[str]:
        return re.findall(r"\{(\w+)\}", self.spec.path)

    @cached_property
    def request_fields(self) -> list[FieldView] | None:
        if self.spec.request is None:
            return None
        owner = pascal_case(self.name) + "Request"
        return [FieldView(n, s, owner, self.namer) for n, s in self.spec.request.items()]

    @cached_property
    def response_fields(self) -> list[FieldView] | None:
        if self.spec.response is None:
            return None
        owner = pascal_case(self.name) + "Response"
        return [FieldView(n, s, owner, self.namer) for n, s in self.spec.response.items()]

    @cached_property
    def request_class(self) -> str | None:
        return (
            None
            if self.spec.request is None
            else self.namer.claim(pascal_case(self.name) + "Request")
        )

    @cached_property
    def response_class(self) -> str | None:
        return (
            None
            if self.spec.response is None
            else self.namer.claim(pascal_case(self.name) + "Response")
        )

    @cached_property
    def request_in_query(self) -> bool:
        """GET and DELETE carry no body: their request fields are query parameters."""
        if self.spec.method not in ("GET", "DELETE") or not self.request_fields:
            return False
        return not any(f.type in ("list", "json") for f in self.request_fields)

    @cached_property
    def status_code(self) -> int:
        return 200 if self.response_class else 204

    @cached_property
    def auth_required(self) -> bool:
        return self.spec.auth == "required"

    @cached_property
    def parameters(self) -> list[str]:
        """The stub's parameters after the context."""
        params = [f"{p}: str" for p in self.path_params]
        if self.request_class:
            params.append(f"request: {self.request_class}")
        return params

    @cached_property
    def arguments(self) -> list[str]:
        args = [f"{p}={p}" for p in self.path_params]
        if self.request_class:
            args.append("request=request")
        return args

    @cached_property
    def return_type(self) -> str:
        return self.response_class or "None"

    @cached_property
    def decorator(self) -> str:
        args = [py_str(self.path), f"summary={py_str(self.summary)}"]
        if not self.response_class:
            args.append("status_code=204")
        return pycall(args, f"@router.{self.method}", 0)

    @cached_property
    def route_parameters(self) -> list[str]:
        """Parameters of the route function in api/operations.py."""
        params = [f"{p}: str" for p in self.path_params]
        if self.request_class and self.request_in_query:
            params.append(f"request: Annotated[schemas.{self.request_class}, Query()]")
        elif self.request_class:
            params.append(f"request: schemas.{self.request_class}")
        params.append("context: ContextDep")
        if self.auth_required:
            params.append("user: CurrentUserDep")
        return params

    @cached_property
    def route_return(self) -> str:
        return f"schemas.{self.response_class}" if self.response_class else "None"

    @cached_property
    def placeholder(self) -> str:
        """The stub's default return value: a valid response built from zero values."""
        if not self.response_class:
            return "None"
        args = [f"{f.name}={f.zero}" for f in self.response_fields if not f.has_default]
        return pycall(args, "return " + self.response_class, indent=INDENT)

    @cached_property
    def sample_request(self) -> str | None:
        """Python source of a valid request (JSON body or query), or None when none."""
        if not self.request_fields:
            return None
        items = []
        for f in self.request_fields:
            if f.required:
                if f.sample is None:
                    return None
                items.append(f"{py_str(f.name)}: {f.sample}")
        return "{" + ", ".join(items) + "}"

    @cached_property
    def client_path(self) -> str:
        """The path as Python source: an f-string when it has parameters."""
        return ("f" if self.path_params else "") + py_str(self.spec.path)

    @cached_property
    def test_request_args(self) -> list[str]:
        """Arguments of `client.request(...)` in the operation's test (a JSON body)."""
        args = [py_str(self.spec.method), py_str(self.sample_path)]
        if self.sample_request:
            args.append(f"json={self.sample_request}")
        if self.auth_required:
            args.append("headers=headers")
        return args

    @cached_property
    def sample_path(self) -> str:
        return re.sub(r"\{(\w+)\}", "sample", self.spec.path)

    @cached_property
    def testable(self) -> bool:
        return not self.request_fields or self.sample_request is not None

    @cached_property
    def enums(self) -> list[EnumView]:
        fields = (self.request_fields or []) + (self.response_fields or [])
        return [f.enum for f in _walk(fields) if f.enum]

    @cached_property
    def nested_models(self) -> list[tuple[str, list[FieldView]]]:
        fields = (self.request_fields or []) + (self.response_fields or [])
        found = [(f.item_class, f.item_fields) for f in _walk(fields) if f.item_fields]
        return list(reversed(found))


@dataclass(eq=False)
class IssuerView:
    """Register and login for an `auth: issuer` service."""

    entity: EntityView
    login_field: FieldView
    password_field: FieldView

    @cached_property
    def other_login(self) -> str:
        """A login nobody registered (for the 401 test)."""
        return '"nobody@example.com"' if self.login_field.type == "email" else '"nobody"'

    @cached_property
    def login_request_fields(self) -> list[str]:
        return [
            f"{self.login_field.name}: {self.login_field.python_type}",
            f"{self.password_field.name}: str",
        ]


@dataclass(eq=False)
class ClientView:
    """A typed client for one `calls:` dependency."""

    target: ServiceView
    spec: Call
    namer: Namer

    @cached_property
    def class_name(self) -> str:
        return self.namer.claim(pascal_case(self.target.module) + "Client")

    @cached_property
    def attribute(self) -> str:
        return self.target.module

    @cached_property
    def timeout(self) -> str:
        return number(self.spec.timeout)

    @cached_property
    def retries(self) -> int:
        return self.spec.retries

    @cached_property
    def breaker(self) -> tuple[int, str] | None:
        if self.spec.breaker is None:
            return None
        return self.spec.breaker.failure_threshold, number(self.spec.breaker.reset_timeout)

    @cached_property
    def fallback(self) -> str | None:
        return None if self.spec.fallback is None else pyrepr(self.spec.fallback)

    @cached_property
    def docstring(self) -> str:
        return f"The {self.target.name} service."

    @cached_property
    def fallback_items(self) -> list[str]:
        fallback = self.spec.fallback or {}
        return [f"{pyrepr(key)}: {pyrepr(value)}" for key, value in fallback.items()]

    @cached_property
    def entities(self) -> list[tuple[EntityView, str]]:
        """The target's entities and this module's model class for each (tolerant readers)."""
        return [(entity, self.namer.claim(entity.name)) for entity in self.target.entities]

    @cached_property
    def operations(self) -> list[tuple[OperationView, str | None, str | None]]:
        """The target's operations, with this module's request and response class names."""
        out = []
        for op in self.target.operations:
            request = self.namer.claim(op.request_class) if op.request_class else None
            response = self.namer.claim(op.response_class) if op.response_class else None
            out.append((op, request, response))
        return out


# ---------------------------------------------------------------------------------------------
# Events, sagas and read models

# Names payloads.py imports; a payload class must not shadow them.
PAYLOAD_IMPORTS = frozenset({"Any", "BaseModel", "Decimal", "Field", "dt", "uuid"})


@dataclass(frozen=True)
class Src:
    """Python source kept as it is by `exploded` (a name, an attribute)."""

    code: str


@dataclass(frozen=True)
class Invocation:
    """A call for `exploded`: `head(name=value, ...)`; a None name is a positional argument."""

    head: str
    args: tuple[tuple[str | None, Any], ...]


def _flat(value: Any) -> str:
    if isinstance(value, Src):
        return value.code
    if isinstance(value, Invocation):
        args = ", ".join((f"{k}=" if k else "") + _flat(v) for k, v in value.args)
        return f"{value.head}({args})"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{pyrepr(k)}: {_flat(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_flat(v) for v in value) + "]"
    return pyrepr(value)


def exploded(value: Any, indent: int = 0, used: int = 0, suffix: int = 0) -> str:
    """Python source of nested calls, dicts and lists laid out as ruff format does: on one line
    when it fits after `used` columns (from `indent`), else one item per line with a trailing
    comma, each item laid out the same way."""
    flat = _flat(value)
    if indent + used + len(flat) + suffix <= LINE_LENGTH or isinstance(value, Src):
        return flat
    inner, items = indent + INDENT, []
    if isinstance(value, Invocation):
        for key, item in value.args:
            if isinstance(item, str) and key:  # a long string is wrapped the way ruff keeps it
                items.append(kwarg(item, key, inner))
                continue
            prefix = f"{key}=" if key else ""
            items.append(prefix + exploded(item, inner, len(prefix), 1))
        head, close = value.head + "(", ")"
    elif isinstance(value, dict):
        for key, item in value.items():
            prefix = f"{pyrepr(key)}: "
            items.append(prefix + exploded(item, inner, len(prefix), 1))
        head, close = "{", "}"
    elif isinstance(value, list | tuple):
        items = [exploded(item, inner, 0, 1) for item in value]
        head, close = "[", "]"
    else:
        return flat
    pad = " " * inner
    return head + "\n" + "".join(f"{pad}{item},\n" for item in items) + " " * indent + close


def plain_docstring(text: str, fallback: str, indent: int = INDENT) -> str:
    """`text` as a one-line docstring when it is plain (no quotes, escapes or line breaks) and
    fits; else `fallback` (which must be plain)."""
    plain = text.isprintable() and not re.search(r'["\\]', text) and text.strip() == text
    if plain and text and indent + len(text) + 6 <= LINE_LENGTH:
        return f'"""{text}"""'
    return f'"""{fallback}"""'


def event_class_name(event: str) -> str:
    """`order.created` -> `OrderCreated`."""
    return "".join(part.capitalize() for part in re.split(r"[._-]", event) if part)


def read_model_plural(snake: str) -> str:
    """Plural of a read model's last word, left alone when it already reads as a plural
    (`daily_sales`, `daily_dispatches`)."""
    last = snake.rpartition("_")[2]
    if last.endswith("s") and not last.endswith(("ss", "us", "is")) and last != "status":
        return snake
    return plural_snake(snake)


@dataclass(eq=False)
class EventView:
    """An event of the spec: its exchange and its typed payload model (payloads.py)."""

    name: str
    spec: Any  # shopgen.spec.model.Event
    class_name: str
    entity_id: str | None = None  # `<entity>_id` of an entity that emits it, when undeclared
    nullable: frozenset[str] = frozenset()  # optional fields of the entities that emit it

    @cached_property
    def exchange(self) -> str:
        return self.spec.exchange or self.spec.publisher

    @cached_property
    def publisher(self) -> str:
        return self.spec.publisher

    @cached_property
    def description(self) -> str:
        return self.spec.description or f"`{self.name}`, published by {self.publisher}."

    @cached_property
    def docstring(self) -> str:
        return plain_docstring(self.description, f"`{self.name}`, published by {self.publisher}.")

    @cached_property
    def fields(self) -> list[FieldView]:
        specs = dict(self.spec.payload)
        if self.entity_id and self.entity_id not in specs:
            specs = {self.entity_id: FieldSpec(type="uuid"), **specs}
        specs = {
            n: s.model_copy(update={"optional": True}) if n in self.nullable else s
            for n, s in specs.items()
        }
        return [FieldView(n, s, self.class_name, Namer()) for n, s in specs.items()]

    @cached_property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    @cached_property
    def field_by_name(self) -> dict[str, FieldView]:
        return {f.name: f for f in self.fields}

    @cached_property
    def declarations(self) -> list[str]:
        """The payload model's fields: plain types (enums as text, inline objects as dicts),
        so a consumer never depends on the publisher's code."""
        lines = []
        for f in self.fields:
            description = f.spec.description
            if description is None and f.name.endswith("_id") and f.type in ("uuid", "ref"):
                description = f"Id of the {f.name[:-3].replace('_', ' ')}."
            args = [f"description={py_str(description)}"] if description else []
            annotation = f.client_type + (" | None" if f.optional else "")
            lines.append(f._declaration(annotation, "None" if f.optional else None, args))
        return lines

    @cached_property
    def types(self) -> set[str]:
        return {f.client_type for f in self.fields}

    @cached_property
    def catalog_entry(self) -> Invocation:
        return Invocation(
            "EventType",
            (
                ("name", self.name),
                ("exchange", self.exchange),
                ("payload", Src(f"payloads.{self.class_name}")),
                ("description", self.description),
                ("publisher", self.publisher),
            ),
        )


@dataclass(eq=False)
class SagaView:
    """A saga, rendered identically into the events.py of every service that takes part."""

    name: str
    spec: Any  # shopgen.spec.model.Saga
    project: ProjectView

    @cached_property
    def constant(self) -> str:
        return python_name(self.name).upper() + "_SAGA"

    @cached_property
    def actions_constant(self) -> str:
        """The name of the dict of a participant's actions in its events.py."""
        return python_name(self.name).upper() + "_ACTIONS"

    @cached_property
    def key(self) -> str:
        return self.spec.key or f"{snake_case(self.spec.entity)}_id"

    @cached_property
    def owner(self) -> str:
        return self.spec.owner

    @cached_property
    def services(self) -> list[str]:
        """Every service taking part, owner first."""
        return list(dict.fromkeys([self.owner, *(s.service for s in self.spec.steps)]))

    @cached_property
    def entity(self) -> EntityView:
        owner = self.project.service_by_name[self.owner]
        return next(e for e in owner.entities if e.name == self.spec.entity)

    @cached_property
    def key_attribute(self) -> str:
        """The entity's column the saga key is matched against."""
        if self.key == f"{self.entity.snake}_id" or self.key not in self.entity.field_by_name:
            return "id"
        return self.key

    def input_event(self, index: int) -> str:
        return self.spec.trigger if index == 0 else self.spec.steps[index - 1].replies.success

    def carried(self, index: int) -> set[str]:
        """Payload fields the saga has carried to step `index` (trigger and earlier replies)."""
        events = self.project.event_by_name
        names = set(events[self.spec.trigger].field_names) | {self.key}
        for step in self.spec.steps[:index]:
            names |= set(events[step.replies.success].field_names)
        return names

    def compensate_command(self, step: Any) -> str:
        """The owner's command to undo `step` (as runtime.events.saga names it)."""
        return f"saga.{self.name}.{step.name}.compensate"

    def compensated_event(self, step: Any) -> str:
        return f"saga.{self.name}.{step.name}.compensated"

    @staticmethod
    def _outcome(outcome: Any) -> Invocation:
        args: list[tuple[str | None, Any]] = []
        if outcome.set:
            args.append(("set", dict(outcome.set)))
        if outcome.copy_:
            args.append(("copy", dict(outcome.copy_)))
        if outcome.published:
            args.append(("publish", list(outcome.published)))
        return Invocation("Outcome", tuple(args))

    @cached_property
    def definition(self) -> str:
        """`CHECKOUT_SAGA = SagaDefinition(...)`, the same text in every service."""
        steps = []
        for step in self.spec.steps:
            args: list[tuple[str | None, Any]] = [
                ("name", step.name),
                ("service", step.service),
                ("action", step.action),
                ("success_event", step.replies.success),
            ]
            if step.replies.failure:
                args.append(("failure_event", step.replies.failure))
            if step.compensation:
                args.append(("compensation_action", step.compensation.action))
                if step.compensation.reply:
                    args.append(("compensation_reply", step.compensation.reply))
            steps.append(Invocation("Step", tuple(args)))
        definition = Invocation(
            "SagaDefinition",
            (
                ("name", self.name),
                ("owner", self.owner),
                ("trigger", self.spec.trigger),
                ("key", self.key),
                ("steps", steps),
                ("on_success", self._outcome(self.spec.on_success)),
                ("on_failure", self._outcome(self.spec.on_failure)),
            ),
        )
        return f"{self.constant} = " + exploded(definition, 0, len(self.constant) + 3)


@dataclass(eq=False)
class HandlerView:
    """A `consumes:` entry: the user's handler of one event (custom/handlers/<function>.py)."""

    event: EventView
    function: str

    @cached_property
    def module(self) -> str:
        return self.function


@dataclass(eq=False)
class ActionView:
    """A saga action or compensation this service performs (custom/actions/<function>.py)."""

    function: str
    saga: SagaView
    index: int  # the step's position
    compensation: bool

    @cached_property
    def module(self) -> str:
        return self.function

    @cached_property
    def step(self) -> Any:
        return self.saga.spec.steps[self.index]

    @cached_property
    def payload(self) -> EventView:
        """The event the step reacts to; a compensation gets the same payload."""
        return self.saga.project.event_by_name[self.saga.input_event(self.index)]

    @cached_property
    def success_event(self) -> str:
        return self.step.replies.success

    @cached_property
    def failure_event(self) -> str | None:
        return self.step.replies.failure

    @cached_property
    def reply_event(self) -> str | None:
        """A compensation's reply."""
        return self.step.compensation.reply if self.compensation else None

    def _missing(self, event: str | None) -> list[FieldView]:
        """Required fields of a reply the saga does not carry to this step already."""
        if event is None:
            return []
        carried = self.saga.carried(self.index)
        view = self.saga.project.event_by_name[event]
        return [f for f in view.fields if f.name not in carried and not f.optional]

    @cached_property
    def success_fields(self) -> list[str]:
        """`name=value` placeholders the default stub returns so the success reply validates."""
        return [f"{f.name}={_placeholder(f)}" for f in self._missing(self.success_event)]

    @cached_property
    def failure_fields(self) -> list[str]:
        return [f"{f.name}=..." for f in self._missing(self.failure_event)]

    @cached_property
    def reply_fields(self) -> list[tuple[str, str]]:
        """A compensation's reply fields to fill in, as (name, placeholder)."""
        return [(f.name, _placeholder(f)) for f in self._missing(self.reply_event)]


def _placeholder(field_view: FieldView) -> str:
    """Python source of a valid stand-in value, for default stubs."""
    if field_view.type in ("uuid", "ref"):
        return "uuid.uuid4()"
    return field_view.zero


@dataclass(eq=False)
class ReadColumn:
    name: str
    column_type: str  # SQLAlchemy type source
    python_type: str  # Mapped[...] / pydantic annotation, without `| None`
    primary_key: bool = False
    counter: bool = False  # count/sum: NOT NULL, starts at 0

    @cached_property
    def model_column(self) -> str:
        """The attribute of the model class (models.py)."""
        if self.primary_key:
            annotation, args = self.python_type, [self.column_type, "primary_key=True"]
        elif self.counter:
            annotation, args = self.python_type, [self.column_type, "default=0"]
            args.append('server_default="0"')
        else:
            annotation, args = f"{self.python_type} | None", [self.column_type]
        return pycall(args, f"{self.name}: Mapped[{annotation}] = mapped_column", INDENT)

    @cached_property
    def migration_column(self) -> str:
        """The column of op.create_table (the migration)."""
        args = [f'"{self.name}"', self.column_type]
        if self.counter:
            args.append('server_default="0"')
        args.append(f"nullable={not (self.primary_key or self.counter)}")
        return pycall(args, "sa.Column", 2 * INDENT, ",")


_SET_TYPES = {bool: ("sa.Boolean()", "bool"), int: ("sa.Integer()", "int"),
              float: ("sa.Float()", "float")}  # fmt: skip
_SUM_TYPE = (f"sa.Numeric({DECIMAL_DIGITS + 6}, {DECIMAL_PLACES})", "decimal.Decimal")


@dataclass(eq=False)
class ReadModelView:
    """A read model: its table (models.py, the migration), projection and query endpoints."""

    name: str
    spec: Any  # shopgen.spec.model.ReadModel
    service: ServiceView

    @cached_property
    def class_name(self) -> str:
        return self.name

    @cached_property
    def snake(self) -> str:
        return snake_case(self.name)

    @cached_property
    def table(self) -> str:
        table = self.snake
        if table in {e.table for e in self.service.entities}:
            table += "_view"
        return table

    @cached_property
    def path(self) -> str:
        return "/" + read_model_plural(self.snake).replace("_", "-")

    @cached_property
    def function(self) -> str:
        """`list_<...>` / `get_<...>` suffix in the router."""
        return read_model_plural(self.snake)

    @cached_property
    def keyed(self) -> bool:
        return self.spec.key is not None

    @cached_property
    def key(self) -> str:
        return self.spec.key or "day"

    @cached_property
    def schema(self) -> str:
        return f"{self.name}Row"

    def _payload_field(self, name: str) -> FieldView | None:
        events = self.service.project.event_by_name
        for event in self.spec.on:
            found = events[event].field_by_name.get(name)
            if found is not None:
                return found
        return None

    def _column(self, name: str, *, primary_key: bool = False) -> ReadColumn:
        found = self._payload_field(name)
        if found is not None:
            python = found.mapped_type.removesuffix(" | None")
            if found.type == "list":
                python = "list[Any]"
            return ReadColumn(name, found.column_type, python, primary_key=primary_key)
        values = [u.set[name] for u in self.spec.on.values() if name in u.set]
        kinds = {type(v) for v in values if v is not None}
        if len(kinds) == 1 and next(iter(kinds)) in _SET_TYPES:
            column_type, python = _SET_TYPES[next(iter(kinds))]
            return ReadColumn(name, column_type, python, primary_key=primary_key)
        return ReadColumn(name, f"sa.String({DEFAULT_STRING_LENGTH})", "str", primary_key)

    @cached_property
    def columns(self) -> list[ReadColumn]:
        """The key first, then the data columns in the order the spec names them."""
        if self.keyed:
            columns = [self._column(self.key, primary_key=True)]
            names: list[str] = []
            for update in self.spec.on.values():
                names += [*update.copy_, *update.set]
            names = [n for n in dict.fromkeys(names) if n != self.key]
            return columns + [self._column(n) for n in names]
        columns = [ReadColumn("day", "sa.Date()", "dt.date", primary_key=True)]
        seen: set[str] = set()
        for update in self.spec.on.values():
            if update.count and update.count not in seen:
                seen.add(update.count)
                columns.append(ReadColumn(update.count, "sa.Integer()", "int", counter=True))
            for column in update.sum:
                if column not in seen:
                    seen.add(column)
                    columns.append(ReadColumn(column, *_SUM_TYPE, counter=True))
        return columns

    @cached_property
    def column_by_name(self) -> dict[str, ReadColumn]:
        return {c.name: c for c in self.columns}

    @cached_property
    def key_column(self) -> ReadColumn:
        return self.columns[0]

    @cached_property
    def query_columns(self) -> list[ReadColumn]:
        return [self.column_by_name[name] for name in self.spec.query_by]

    @cached_property
    def query_params(self) -> list[str]:
        return [f"{c.name}: {c.python_type} | None = None" for c in self.query_columns]

    @cached_property
    def schema_fields(self) -> list[str]:
        out = []
        for c in self.columns:
            optional = not (c.primary_key or c.counter)
            out.append(f"{c.name}: {c.python_type}" + (" | None = None" if optional else ""))
        if self.keyed:
            out.append("last_event_at: dt.datetime")
        return out

    @cached_property
    def list_params(self) -> list[str]:
        params = ["session: SessionDep", "page: PageParamsDep"]
        if not self.keyed:
            params += ["since: dt.date | None = None", "until: dt.date | None = None"]
        return params + [p for p in self.query_params if not p.startswith(("since:", "until:"))]

    @cached_property
    def order_by(self) -> list[str]:
        model = "model"  # the local alias in the route
        if self.keyed:
            return [f"{model}.last_event_at.desc()", f"{model}.{self.key}"]
        return [f"{model}.day.desc()"]

    @cached_property
    def projection(self) -> str:
        """`events.read_model(Projection(...))` of events.py."""
        on = {}
        for event, update in self.spec.on.items():
            if self.keyed:
                args: list[tuple[str | None, Any]] = []
                if update.copy_:
                    args.append(("copy", list(update.copy_)))
                if update.set:
                    args.append(("set", dict(update.set)))
                on[event] = Invocation("Upsert", tuple(args))
            else:
                args = []
                if update.count:
                    args.append(("count", update.count))
                if update.sum:
                    args.append(("sum", dict(update.sum)))
                on[event] = Invocation("Aggregate", tuple(args))
        grouping = ("key", self.key) if self.keyed else ("group_by", "day")
        projection = Invocation(
            "Projection",
            (
                ("name", self.name),
                ("table", Src(f"models.{self.class_name}.__table__")),
                grouping,
                ("on", on),
            ),
        )
        return exploded(Invocation("events.read_model", ((None, projection),)))

    @cached_property
    def types(self) -> set[str]:
        return {c.python_type for c in self.columns}


# ---------------------------------------------------------------------------------------------
# The generated events test (tests/test_events.py)


def _test_value(view: FieldView) -> str | None:
    """Python source of a valid JSON value for a payload field in the events test."""
    if view.type in ("string", "text") and not view.spec.min_length and not view.spec.pattern:
        return py_str("set by a test")
    return view.sample or (None if view.zero == "None" else view.zero)


@dataclass(eq=False)
class SagaTestView:
    """What the events test needs to run one saga with stand-in actions."""

    saga: SagaView

    @cached_property
    def name(self) -> str:
        return python_name(self.saga.name)

    @cached_property
    def actions_constant(self) -> str:
        return self.saga.actions_constant

    @cached_property
    def owner(self) -> ServiceView:
        return self.saga.project.service_by_name[self.saga.owner]

    @cached_property
    def entity(self) -> EntityView:
        return self.saga.entity

    @cached_property
    def skip_reason(self) -> str | None:
        """Why the test cannot start this saga by creating its entity, if it cannot."""
        if self.entity.spec.emits.get("created") != self.saga.spec.trigger:
            return (
                f"the saga starts on {self.saga.spec.trigger}, not on creating a {self.entity.name}"
            )
        if not self.entity.testable or self.entity.sample_refs:
            return f"no {self.entity.name} can be made without your own rules"
        return None

    @cached_property
    def key_field(self) -> str:
        return self.saga.key_attribute

    def _stand_ins(self, failing: int | None, indent: int) -> str:
        """Source of `{service: {action name: stand-in}}` for every action of the saga."""
        events = self.saga.project.event_by_name
        out: dict[str, dict[str, Invocation]] = {}

        def fields(event: str, carried: set[str]) -> list[tuple[str | None, Any]]:
            view = events[event]
            return [
                (f.name, Src(_test_value(f) or "None"))
                for f in view.fields
                if f.name not in carried and not f.optional
            ]

        for index, step in enumerate(self.saga.spec.steps):
            carried = self.saga.carried(index)
            actions = out.setdefault(step.service, {})
            if index == failing and step.replies.failure:
                stand_in = Invocation("failing", tuple(fields(step.replies.failure, carried)))
            else:
                stand_in = Invocation("succeeding", tuple(fields(step.replies.success, carried)))
            actions[step.action] = stand_in
            if step.compensation:
                reply = step.compensation.reply
                args = [(None, step.compensation.action), (None, Src("undone"))]
                args += fields(reply, carried) if reply else []
                actions[step.compensation.action] = Invocation("undoing", tuple(args))
        return exploded(out, indent, len("return "))

    @cached_property
    def succeeding_actions(self) -> str:
        return self._stand_ins(None, 2 * INDENT)

    @cached_property
    def failing_step(self) -> int | None:
        """The last step that can fail: failing it undoes the most."""
        steps = self.saga.spec.steps
        return next((i for i in reversed(range(len(steps))) if steps[i].replies.failure), None)

    @cached_property
    def failing_actions(self) -> str:
        return self._stand_ins(self.failing_step, INDENT)

    @cached_property
    def failure_values(self) -> dict[str, str]:
        """Field -> value source the failing stand-in replies with."""
        if self.failing_step is None:
            return {}
        step = self.saga.spec.steps[self.failing_step]
        reply = self.saga.project.event_by_name[step.replies.failure]
        carried = self.saga.carried(self.failing_step)
        return {
            f.name: _test_value(f) or "None"
            for f in reply.fields
            if f.name not in carried and not f.optional
        }

    @cached_property
    def expected_undone(self) -> list[str]:
        """Compensations that must run after the failing step fails, in order."""
        if self.failing_step is None:
            return []
        done = self.saga.spec.steps[: self.failing_step]
        return [s.compensation.action for s in reversed(done) if s.compensation]

    def _checks(self, outcome: Any, failure: bool) -> list[tuple[str, str]]:
        """(entity field, expected JSON value source) after the outcome."""
        fields = self.entity.field_by_name
        checks = []
        for name, value in outcome.set.items():
            kind = fields[name].type if name in fields else None
            if kind in ("string", "text", "enum", "email") or (
                kind in ("boolean", "integer") and not isinstance(value, float)
            ):
                checks.append((name, pyrepr(value)))
        if failure:
            for target, source in outcome.copy_.items():
                if source in self.failure_values and target not in outcome.set:
                    kind = fields[target].type if target in fields else None
                    if kind in ("string", "text"):
                        checks.append((target, self.failure_values[source]))
        return checks

    @cached_property
    def success_checks(self) -> list[tuple[str, str]]:
        return self._checks(self.saga.spec.on_success, failure=False)

    @cached_property
    def failure_checks(self) -> list[tuple[str, str]]:
        return self._checks(self.saga.spec.on_failure, failure=True)


@dataclass(eq=False)
class ReadModelTestView:
    model: ReadModelView

    @cached_property
    def service(self) -> ServiceView:
        return self.model.service

    @cached_property
    def events(self) -> list[EventView]:
        by_name = self.service.project.event_by_name
        return [by_name[e] for e in self.model.spec.on]

    @cached_property
    def values(self) -> list[tuple[str, str]]:
        """One value per payload field of every event (shared, so copies agree)."""
        out: dict[str, str] = {}
        for event in self.events:
            for f in event.fields:
                if f.name == self.model.key and self.model.keyed:
                    out[f.name] = "key"
                elif f.name not in out:
                    out[f.name] = _test_value(f) or "None"
        return list(out.items())

    @cached_property
    def testable(self) -> bool:
        return all(v != "None" for _, v in self.values)

    @cached_property
    def payloads(self) -> list[tuple[str, list[str]]]:
        """(event, names of its payload fields)."""
        return [(e.name, e.field_names) for e in self.events]

    @cached_property
    def copied(self) -> list[str]:
        """Columns copied from payloads (their values are known after the projection)."""
        names = [n for u in self.model.spec.on.values() for n in u.copy_]
        return [n for n in dict.fromkeys(names) if n != self.model.key]

    @cached_property
    def filters(self) -> list[str]:
        return [c.name for c in self.model.query_columns if c.name in self.copied]

    @cached_property
    def filter_items(self) -> list[str]:
        """Items of the query parameters the list test sends."""
        return [f'"{name}": values["{name}"]' for name in self.filters]

    @cached_property
    def counts(self) -> list[tuple[str, int]]:
        totals: dict[str, int] = {}
        for update in self.model.spec.on.values():
            if update.count:
                totals[update.count] = totals.get(update.count, 0) + 1
        return list(totals.items())

    @cached_property
    def sums(self) -> list[tuple[str, list[str]]]:
        totals: dict[str, list[str]] = {}
        for update in self.model.spec.on.values():
            for column, field_name in update.sum.items():
                totals.setdefault(column, []).append(field_name)
        return list(totals.items())


@dataclass(eq=False)
class EventsTestView:
    """tests/test_events.py: consumers, sagas and read models of every service, in one
    process."""

    project: ProjectView

    @cached_property
    def hook_modules(self) -> list[tuple[str, str]]:
        return [
            (f"services.{s.module}.custom.hooks.{e.module}", e.snake)
            for s in self.project.services
            for e in s.entities
        ]

    @cached_property
    def handlers(self) -> list[tuple[ServiceView, HandlerView, list[tuple[str, str]]]]:
        out = []
        for service in self.project.services:
            for handler in service.handlers:
                values = [(f.name, _test_value(f)) for f in handler.event.fields]
                if all(v is not None for _, v in values):
                    out.append((service, handler, values))
        return out

    @cached_property
    def sagas(self) -> list[SagaTestView]:
        return [SagaTestView(saga) for saga in self.project.sagas]

    @cached_property
    def read_models(self) -> list[ReadModelTestView]:
        views = [ReadModelTestView(m) for s in self.project.services for m in s.read_models]
        return [v for v in views if v.testable]

    @cached_property
    def runtime_imports(self) -> list[str]:
        names = ["Envelope", "bus_from_settings"]
        if self.sagas:
            names += ["SagaContext", "StepResult"]
        if self.handlers:
            names.append("consumer_queue")
        if self.read_models:
            names.append("read_model_queue")
        return names

    @cached_property
    def file(self) -> str:
        """The file's name; empty (no file) when the spec has nothing to test here."""
        return "test_events.py" if self.handlers or self.sagas or self.read_models else ""


# ---------------------------------------------------------------------------------------------
# Services, routes, project


@dataclass(eq=False)
class ServiceView:
    name: str
    spec: Service
    index: int
    default_database: str
    project: ProjectView | None = None

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
    def calls(self) -> list[CallView]:
        return [CallView(target, call or Call()) for target, call in self.spec.calls.items()]

    @cached_property
    def depends_on(self) -> list[str]:
        return [call.target for call in self.calls]

    # -- schemas.py and models.py --------------------------------------------------------------

    @cached_property
    def schema_namer(self) -> Namer:
        taken = set(SCHEMA_IMPORTS) | {"LoginRequest", "AccessToken"}
        for entity in self.spec.entities:
            taken |= {f"{entity}{s}" for s in ("Base", "Create", "Update", "Public")}
        return Namer(taken)

    @cached_property
    def entities(self) -> list[EntityView]:
        tables = {name: plural_snake(snake_case(name)) for name in self.spec.entities}
        entities = [
            EntityView(name, spec, self.module, self.schema_namer, tables)
            for name, spec in self.spec.entities.items()
        ]
        for entity in entities:  # claim class names in declaration order, whatever renders first
            _ = [f.enum for f in _walk(entity.fields)]
        return entities

    @cached_property
    def operations(self) -> list[OperationView]:
        ops = [OperationView(n, s, self.schema_namer) for n, s in self.spec.operations.items()]
        _ = self.entities  # entity classes claim their names first
        for op in ops:  # then operations, in declaration order
            _ = op.request_class, op.response_class
            _ = [f.enum for f in _walk((op.request_fields or []) + (op.response_fields or []))]
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
        return list(_walk(fields))

    def _uses(self, *types: str) -> bool:
        return any(f.type in types or f.spec.of in types for f in self.all_fields)

    @cached_property
    def schema_imports(self) -> list[str]:
        """Import lines of schemas.py, sorted the way ruff's isort sorts them."""
        if not (self.entities or self.operations):
            return []
        fields = self.all_fields
        lines = []
        if self.entities or self._uses("date", "datetime"):
            lines.append("import datetime as dt")
        if self.entities or self._uses("uuid", "ref"):
            lines.append("import uuid")
        if self._uses("decimal"):
            lines.append("from decimal import Decimal")
        if self.enums:
            lines.append("from enum import StrEnum")
        if any(f.type == "json" or (f.type == "list" and f.item_type == "Any") for f in fields):
            lines.append("from typing import Any")
        names = ["BaseModel"]
        if self.entities:
            names.append("ConfigDict")
        if self._uses("email"):
            names.append("EmailStr")
        if any(f.constraints for f in fields):
            names.append("Field")
        separator = [""] if lines else []
        return [*lines, *separator, f"from pydantic import {', '.join(sorted(names))}"]

    @cached_property
    def model_imports(self) -> list[str]:
        """Import lines of models.py, sorted the way ruff's isort sorts them."""
        read_types = " ".join(t for m in self.read_models for t in m.types)
        lines = []
        if self.entities or self.read_models:
            lines.append("import datetime as dt")
        if self._uses("decimal") or "decimal." in read_types:
            lines.append("import decimal")
        if self.entities or "uuid." in read_types:
            lines.append("import uuid")
        if any(f.is_json for entity in self.entities for f in entity.fields) or "Any" in read_types:
            lines.append("from typing import Any")
        if lines:
            lines.append("")
        sqlalchemy = ["import sqlalchemy as sa", "from sqlalchemy.orm import DeclarativeBase"]
        if self.entities or self.read_models:
            sqlalchemy[1] += ", Mapped, mapped_column"
        return [*lines, *sqlalchemy, "", "from runtime.events import attach_tables"]

    @cached_property
    def enum_constants(self) -> list[str]:
        """Module-level tuples of enum values, for the CHECK constraints."""
        return [f.values_assignment for entity in self.entities for f in entity.enum_fields]

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
    def register_path(self) -> str:
        return f"/{self.name}/register"

    @cached_property
    def login_path(self) -> str:
        return f"/{self.name}/login"

    @cached_property
    def auth_file(self) -> str:
        """File name of api/auth.py: empty (no file) unless the service issues tokens."""
        return "auth.py" if self.issuer else ""

    @cached_property
    def operations_file(self) -> str:
        """File name of api/operations.py and custom/operations.py: empty without operations."""
        return "operations.py" if self.operations else ""

    @cached_property
    def operation_schemas(self) -> list[str]:
        """The schema classes the operations use (imported by custom/operations.py)."""
        names = [op.request_class for op in self.operations if op.request_class]
        return names + [op.response_class for op in self.operations if op.response_class]

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
        """`from . import ...` of api/__init__.py, sorted and wrapped like ruff does."""
        if not self.routers:
            return None
        names = sorted(self.routers)
        one_line = f"from . import {', '.join(names)}"
        if len(one_line) <= LINE_LENGTH:
            return one_line
        return "from . import (\n" + "".join(f"    {n},\n" for n in names) + ")"

    @cached_property
    def routers_list(self) -> str:
        routers = [f"{n}.router" for n in self.routers]
        return pycall(routers, "routers: list[APIRouter] = ", 0, brackets="[]")

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
    def client_imports(self) -> list[str]:
        """Import lines of clients.py, sorted the way ruff's isort sorts them."""
        types = " ".join(f.client_type for f in self.client_fields)
        stdlib = []
        if "dt." in types:
            stdlib.append("import datetime as dt")
        if any(client.entities for client in self.clients) or "uuid." in types:
            stdlib.append("import uuid")
        stdlib.append("from dataclasses import dataclass")
        if "Decimal" in types:
            stdlib.append("from decimal import Decimal")
        if any(client.entities for client in self.clients) or "Any" in types:
            stdlib.append("from typing import Any")
        third = ["from fastapi import FastAPI"]
        if self.client_fields or any(client.entities for client in self.clients):
            third.append("from pydantic import BaseModel")
        first = []
        if any(client.breaker for client in self.clients):
            first.append("from runtime.breaker import CircuitBreaker")
        if self.clients:
            first.append("from runtime.http import ServiceClient")
        if any(client.entities for client in self.clients):
            first.append("from runtime.pagination import Page")
        blocks = [stdlib, third, first]
        return [line for block in blocks if block for line in [*block, ""]][:-1]

    @cached_property
    def clients_init(self) -> str:
        """`Clients(...)` built in open_clients."""
        args = [f"{c.attribute}=_{c.attribute}(app)" for c in self.clients]
        return pycall(args, "app.state.clients = Clients", INDENT)

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
    def test_imports(self) -> list[str]:
        """Import lines of tests/test_api.py."""
        entities, ops = self.testable_entities, self.testable_operations
        auth = any(op.auth_required for op in ops)
        stdlib = []
        if entities or auth:
            stdlib.append("import uuid")
        if entities:
            stdlib.append("from typing import Any")
        third = ["import httpx"]
        if any(entity.invalid_payloads for entity in entities):
            third.append("import pytest")
        first = []
        if self.testable_issuer or auth:
            names = (["decode_token"] if self.testable_issuer else []) + (
                ["issue_access_token"] if auth else []
            )
            first.append(f"from runtime.auth import {', '.join(names)}")
            first.append(f"from services.{self.module}.config import Settings")
        blocks = [stdlib, third, first]
        return [line for block in blocks if block for line in [*block, ""]][:-1]

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
    def _project(self) -> ProjectView:
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
        return [HandlerView(events[e], fn) for e, fn in self.spec.consumes.items()]

    @cached_property
    def read_models(self) -> list[ReadModelView]:
        return [ReadModelView(n, s, self) for n, s in self.spec.read_models.items()]

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
    def payload_imports(self) -> list[str]:
        """Import lines of payloads.py, sorted the way ruff's isort sorts them."""
        types = " ".join(t for e in self.event_views for t in e.types)
        lines = []
        if "dt." in types:
            lines.append("import datetime as dt")
        if "uuid." in types:
            lines.append("import uuid")
        if "Decimal" in types:
            lines.append("from decimal import Decimal")
        if "Any" in types:
            lines.append("from typing import Any")
        names = ["BaseModel"]
        if any("Field(" in d for e in self.event_views for d in e.declarations):
            names.append("Field")
        separator = [""] if lines else []
        return [*lines, *separator, f"from pydantic import {', '.join(names)}"]

    @cached_property
    def catalog(self) -> str:
        """`CATALOG = EventCatalog([...])` of events.py."""
        entries = [e.catalog_entry for e in self.event_views]
        return "CATALOG = " + exploded(Invocation("EventCatalog", ((None, entries),)), 0, 10)

    @cached_property
    def events_runtime_imports(self) -> list[str]:
        names = ["EventCatalog", "ServiceEvents"] + (["EventType"] if self.event_views else [])
        if self.sagas:
            names += ["Outcome", "SagaDefinition", "Step"]
        if self.owned_sagas:
            names.append("entity_updater")
        if self.read_models:
            names.append("Projection")
            if any(m.keyed for m in self.read_models):
                names.append("Upsert")
            if any(not m.keyed for m in self.read_models):
                names.append("Aggregate")
        names += sorted({function for function, _, _ in self.declared_queues})
        return names

    @cached_property
    def events_local_imports(self) -> list[str]:
        """`from . import ...` and the custom handler/action imports of events.py."""
        local = ["payloads"] if self.event_views else []
        if self.owned_sagas or self.read_models:
            local.insert(0, "models")
        custom = [(f".custom.actions.{a.module}", a.function) for a in self.actions]
        custom += [(f".custom.handlers.{h.module}", h.function) for h in self.handlers]
        head = [f"from . import {', '.join(local)}"] if local else []
        return [*head, *(pyimport([name], module) for module, name in sorted(custom))]

    @cached_property
    def saga_owners(self) -> list[str]:
        """`events.saga_owner(...)` lines: the outcome updates the saga's entity by its key."""
        out = []
        for saga in self.owned_sagas:
            args = [f"models.{saga.entity.class_name}"]
            if saga.key_attribute != "id":
                args.append(pyrepr(saga.key_attribute))
            updater = pycall(args, "entity_updater", 4)
            out.append(pycall([saga.constant, updater], "events.saga_owner", 0))
        return out

    @cached_property
    def saga_participants(self) -> list[str]:
        """`<SAGA>_ACTIONS = {...}` and `events.saga_participant(...)` of events.py."""
        out = []
        for saga, actions in self.participated_sagas:
            mapping = {a.function: Src(a.function) for a in actions}
            constant = saga.actions_constant
            out.append(f"{constant} = " + exploded(mapping, 0, len(constant) + 3))
            out.append(pycall([saga.constant, constant], "events.saga_participant", 0))
        return out

    @cached_property
    def declared_queues(self) -> list[tuple[str, str, str]]:
        """(name function, queue source, event) of other services' queues for events this
        service publishes: declared at start, so events published before they first start
        wait for them."""
        published = {e.name for e in self.event_views if e.publisher == self.name}
        out: list[tuple[str, str, str]] = []

        def add(function: str, args: Iterable[str], event: str, ours: bool = False) -> None:
            if ours or event in published:
                out.append((function, pycall([pyrepr(a) for a in args], function, 4), event))

        for other in self._project.services:
            if other.name == self.name:
                continue
            for event in other.spec.consumes:
                add("consumer_queue", (other.name, event), event)
            for model, spec in other.spec.read_models.items():
                for event in spec.on:
                    add("read_model_queue", (other.name, model, event), event)
        for saga in self.sagas:
            for index, step in enumerate(saga.spec.steps):
                if step.service != self.name:
                    event = saga.input_event(index)
                    add("saga_step_queue", (step.service, saga.name, step.name), event)
            for step in saga.spec.steps:
                # the saga's own commands and replies (`saga.<saga>.<step>.compensate`, ...)
                if step.compensation and saga.owner == self.name != step.service:
                    queue = f"{step.service}.saga.{saga.name}.{step.name}"  # its step's queue
                    add("compensation_queue", (queue,), saga.compensate_command(step), True)
                reply = step.compensation and step.compensation.reply
                if step.compensation and not reply and step.service == self.name != saga.owner:
                    event = saga.compensated_event(step)
                    add("saga_owner_queue", (saga.owner, saga.name, event), event, True)
            if saga.owner != self.name:
                listened = [saga.spec.trigger]
                for step in saga.spec.steps:
                    listened += [step.replies.success, step.replies.failure]
                    if step.compensation and step.compensation.reply:
                        listened.append(step.compensation.reply)
                for event in dict.fromkeys(e for e in listened if e):
                    add("saga_owner_queue", (saga.owner, saga.name, event), event)
        return out

    @cached_property
    def queue_declarations(self) -> list[str]:
        """`events.declare_queue(...)` lines of events.py."""
        return [
            pycall([queue, pyrepr(event)], "events.declare_queue", 0)
            for _, queue, event in self.declared_queues
        ]

    @cached_property
    def emits(self) -> dict[str, list[tuple[str, str]]]:
        """Entity name -> (lifecycle, source of the emit call, indented for a route body)."""
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
                call = Invocation(
                    "await events.emitter.emit",
                    ((None, Src("session")), (None, event), (None, payload)),
                )
                calls.append((lifecycle, exploded(call, INDENT)))
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

    @cached_property
    def read_model_imports(self) -> list[str]:
        """Standard-library imports of api/read_models.py."""
        types = " ".join(t for m in self.read_models for t in m.types)
        lines = ["import datetime as dt"]
        if "decimal." in types:
            lines.append("import decimal")
        if "uuid." in types:
            lines.append("import uuid")
        if "Any" in types:
            lines.append("from typing import Any")
        return lines


@dataclass(frozen=True)
class CallView:
    target: str
    spec: Call

    @cached_property
    def module(self) -> str:
        return python_name(self.target)


@dataclass(frozen=True)
class RouteView:
    spec: Route
    service: ServiceView

    @cached_property
    def prefix(self) -> str:
        return self.spec.prefix

    @cached_property
    def rewrite(self) -> str:
        """The upstream path prefix: the route's own, or the prefix's last segment."""
        return self.spec.rewrite or "/" + self.spec.prefix.rstrip("/").rsplit("/", 1)[-1]

    @cached_property
    def auth_required(self) -> bool:
        return self.spec.auth == "required"

    def public_path(self, service_path: str) -> str | None:
        """The gateway path that reaches `service_path` of this route's service, if any."""
        rewrite = self.rewrite.rstrip("/")
        if service_path == rewrite or service_path.startswith(rewrite + "/") or not rewrite:
            return self.prefix.rstrip("/") + service_path[len(rewrite) :]
        return None


@dataclass(eq=False)
class SystemTestView:
    """Which steps the system test can take through the gateway for this spec; a step the
    spec cannot support (no issuer, no public route, no protected route) is left out."""

    project: ProjectView

    def _url(self, service: ServiceView, path: str, auth: bool | None = None) -> str | None:
        """The gateway URL of a service path, through a route with the given auth if any."""
        for route in self.project.routes:
            if route.service is service and auth in (None, route.auth_required):
                public = route.public_path(path)
                if public:
                    return public
        return None

    @cached_property
    def issuer(self) -> ServiceView | None:
        """An issuer whose register and login are reachable, with a testable account entity."""
        for service in self.project.services:
            issuer = service.testable_issuer
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
        for service in self.project.services:
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
        service = self.project.service_by_name_module[entity.service_module]
        return self._url(service, entity.collection_path, False)

    @cached_property
    def public_search(self) -> str | None:
        """The query for the public entity's search, when it has one."""
        entity = self.public_entity
        return entity.search_probe[1].upper() if entity and entity.search_probe else None

    @cached_property
    def protected_url(self) -> str | None:
        """A collection reached through an `auth: required` route."""
        for route in self.project.routes:
            if route.auth_required:
                for entity in route.service.entities:
                    url = route.public_path(entity.collection_path)
                    if url:
                        return url
        return None

    @cached_property
    def mints_token(self) -> bool:
        """Without an issuer, the test signs a token itself with the shared secret."""
        return bool(self.protected_url) and self.issuer is None

    @cached_property
    def rate_limited_url(self) -> str | None:
        """Any URL behind a route: the limit applies before the route's auth and upstream."""
        if not self.project.routes:
            return None
        return self.public_url or self.protected_url or self.project.routes[0].prefix

    @cached_property
    def uses_uuid(self) -> bool:
        items = self.account_items + (self.public_entity.sample_items if self.public_entity else [])
        return any("uuid." in item for item in items)


@dataclass(eq=False)
class ProjectView:
    spec: Spec

    @cached_property
    def name(self) -> str:
        return self.spec.project.name

    @cached_property
    def title(self) -> str:
        return self.spec.project.title or title_case(self.name)

    @cached_property
    def description(self) -> str:
        return self.spec.project.description or ""

    @cached_property
    def services(self) -> list[ServiceView]:
        default = self.spec.defaults.database
        return [
            ServiceView(name, service, index, default, self)
            for index, (name, service) in enumerate(self.spec.services.items())
        ]

    @cached_property
    def service_by_name(self) -> dict[str, ServiceView]:
        return {service.name: service for service in self.services}

    @cached_property
    def service_by_name_module(self) -> dict[str, ServiceView]:
        return {service.module: service for service in self.services}

    @cached_property
    def routes(self) -> list[RouteView]:
        return [
            RouteView(route, self.service_by_name[route.service])
            for route in self.spec.gateway.routes
        ]

    @cached_property
    def gateway_port(self) -> int:
        return self.spec.gateway.port

    @cached_property
    def rate_limit(self):
        return self.spec.gateway.rate_limit

    @cached_property
    def system_test(self) -> SystemTestView:
        return SystemTestView(self)

    @cached_property
    def deploy(self) -> DeployView:
        """Facts for deployment files, docs and the Makefile (see the section at the end)."""
        return DeployView(self)

    @cached_property
    def event_by_name(self) -> dict[str, EventView]:
        """Every event of the spec, with its payload class (one name in every service)."""
        namer = Namer(PAYLOAD_IMPORTS)
        emitted: dict[str, str] = {}
        nullable: dict[str, set[str]] = {}
        for service in self.spec.services.values():
            for entity, spec in service.entities.items():
                optional = {n for n, f in spec.fields.items() if f.optional}
                for event in spec.emits.values():
                    emitted[event] = f"{snake_case(entity)}_id"
                    nullable.setdefault(event, set()).update(optional)
        return {
            name: EventView(
                name,
                spec,
                namer.claim(event_class_name(name)),
                emitted.get(name),
                frozenset(nullable.get(name, ())),
            )
            for name, spec in self.spec.events.items()
        }

    @cached_property
    def sagas(self) -> list[SagaView]:
        return [SagaView(name, spec, self) for name, spec in self.spec.sagas.items()]

    @cached_property
    def events_test(self) -> EventsTestView:
        return EventsTestView(self)

    @cached_property
    def diagrams(self) -> Diagrams:
        """Mermaid sources: `project.diagrams.capabilities`, `.events`, `.sagas`, …"""
        return Diagrams(self)

    def context(self) -> dict[str, object]:
        """The render context: the top-level names templates see."""
        return {
            "project": self,
            "services": self.services,
            "routes": self.routes,
            "shopgen_version": __version__,
        }


# --- deployment: compose, Kubernetes, Dockerfiles, CI, README ------------------------------
# Names and wiring the deployment files share, decided once here so compose, the manifests and
# the docs cannot disagree.

# Database servers in compose: one server per engine, one database and one login role per
# service (see deploy/compose.yaml for why).
DATABASE_SERVERS = {
    "postgresql": ("postgres", "postgresql+asyncpg", 5432),
    "mysql": ("mariadb", "mysql+aiomysql", 3306),
}


@dataclass(frozen=True)
class ServiceDeployView:
    service: ServiceView

    @cached_property
    def name(self) -> str:
        """Compose service, Kubernetes object and DNS name (a slug is valid for all three)."""
        return self.service.name

    @cached_property
    def database_env(self) -> str:
        """The variable `runtime.settings` reads this service's database URL from."""
        return f"{self.service.env_prefix}_DATABASE_URL"

    @cached_property
    def database_server(self) -> str | None:
        """The compose service of this service's database server; None for SQLite."""
        server = DATABASE_SERVERS.get(self.service.database)
        return server[0] if server else None

    @cached_property
    def database_name(self) -> str:
        """Database and role name on the shared server: the module name (no '-')."""
        return self.service.module

    @cached_property
    def database_url(self) -> str:
        """The URL in compose; the password comes from DATABASE_PASSWORD in the environment."""
        login = f"{self.database_name}:${{DATABASE_PASSWORD:-change-me}}"
        return self._url(login, sqlite_dir="/app/.data")

    @cached_property
    def secret_database_url(self) -> str:
        """The URL in the Kubernetes Secret template (a placeholder password)."""
        return self._url(f"{self.database_name}:change-me", sqlite_dir=".data")

    @cached_property
    def local_database_url(self) -> str:
        """An example for `.env`: this machine's server, as its administrator."""
        user = "postgres" if self.database_server == "postgres" else "root"
        return self._url(user, sqlite_dir=".data", host="127.0.0.1")

    def _url(self, login: str, *, sqlite_dir: str, host: str | None = None) -> str:
        server = DATABASE_SERVERS.get(self.service.database)
        if server is None:
            return f"sqlite+aiosqlite:///{sqlite_dir}/{self.service.module}.db"
        server_host, driver, port = server
        return f"{driver}://{login}@{host or server_host}:{port}/{self.database_name}"

    @cached_property
    def uses_sqlite(self) -> bool:
        return self.database_server is None

    @cached_property
    def replicas(self) -> int:
        """One replica: migrations run at startup, and SQLite cannot be shared between pods."""
        return 1

    @cached_property
    def summary(self) -> str:
        """The description on one line (for comments)."""
        return " ".join(self.service.description.split())

    @cached_property
    def table_description(self) -> str:
        """The description, safe inside a Markdown table cell."""
        return self.summary.replace("|", "\\|")


@dataclass(frozen=True)
class DeployView:
    project: ProjectView

    @cached_property
    def services(self) -> list[ServiceDeployView]:
        return [ServiceDeployView(service) for service in self.project.services]

    @cached_property
    def postgres_services(self) -> list[ServiceDeployView]:
        return [s for s in self.services if s.database_server == "postgres"]

    @cached_property
    def mysql_services(self) -> list[ServiceDeployView]:
        return [s for s in self.services if s.database_server == "mariadb"]

    @cached_property
    def sqlite_services(self) -> list[ServiceDeployView]:
        return [s for s in self.services if s.uses_sqlite]

    @cached_property
    def database_servers(self) -> list[str]:
        """The compose services of the database servers in use, e.g. ['postgres']."""
        return sorted({s.database_server for s in self.services if s.database_server})

    @cached_property
    def service_urls(self) -> str:
        """SERVICE_URLS for compose and Kubernetes: every service at its DNS name (JSON)."""
        urls = {s.name: f"http://{s.name}:{s.service.port}" for s in self.services}
        return json.dumps(urls, separators=(",", ":"))

    @cached_property
    def local_service_urls(self) -> str:
        """SERVICE_URLS for processes on this machine (JSON)."""
        urls = {s.name: f"http://127.0.0.1:{s.service.port}" for s in self.services}
        return json.dumps(urls, separators=(",", ":"))

    @cached_property
    def image_prefix(self) -> str:
        """Container images are `<project>-<service>` and `<project>-gateway`."""
        return self.project.name

    @cached_property
    def namespace(self) -> str:
        return self.project.name

    @cached_property
    def local_database_names(self) -> dict[str, str]:
        """service name -> its database on this machine's shared servers (`make up`).

        `<project>_<service>`, so that two generated projects on one server never share a
        database; names longer than PostgreSQL's 63 bytes end in a hash to stay distinct.
        """
        names = {}
        for item in self.services:
            name = f"{python_name(self.project.name)}_{item.database_name}"
            if len(name) > MAX_DATABASE_NAME:
                digest = hashlib.sha256(name.encode()).hexdigest()[:8]
                name = f"{name[: MAX_DATABASE_NAME - 9]}_{digest}"
            names[item.name] = name
        return names


MAX_DATABASE_NAME = 63  # PostgreSQL's identifier limit (MySQL allows 64)
