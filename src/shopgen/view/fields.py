"""Fields: column and schema types, constraints, defaults and test samples."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from shopgen.spec.model import FieldSpec
from shopgen.spec.values import (
    DECIMAL_DIGITS,
    DECIMAL_PLACES,
    NOW,
    needs_big_integer,
    parse_default,
)
from shopgen.view.names import Namer, pascal_case, singular_snake, snake_case
from shopgen.view.source import (
    DEFAULT_STRING_LENGTH,
    EMAIL_LENGTH,
    call,
    number,
    py_pattern,
    py_str,
    pyrepr,
)

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
    def default_value(self) -> Any:
        """The default as a value of the field's type (`shopgen.spec.values`), or NOW."""
        return parse_default(self.spec)

    @cached_property
    def default_is_now(self) -> bool:
        """`default: now`: today or the current instant, when the row is created."""
        return self.default_value is NOW

    @cached_property
    def default_factory(self) -> str | None:
        """A schema's `default_factory` for a `now` default (evaluated per request)."""
        if not self.default_is_now:
            return None
        return "dt.date.today" if self.type == "date" else "lambda: dt.datetime.now(dt.UTC)"

    @cached_property
    def default_source(self) -> str:
        """The default as a value of the field's own type (pydantic does not convert defaults)."""
        default = self.default_value
        if self.enum:
            return f"{self.enum.class_name}.{default.upper()}"
        if self.default_is_now:
            return "dt.date.today()" if self.type == "date" else "dt.datetime.now(dt.UTC)"
        if self.type == "decimal":
            return f"Decimal({py_str(str(default))})"
        if self.type == "float":
            return repr(float(default))
        if self.type in ("date", "datetime"):
            return f"dt.{self.type}.fromisoformat({py_str(default.isoformat())})"
        if self.type in ("uuid", "ref"):
            return f"uuid.UUID({py_str(str(default))})"
        return pyrepr(default)

    def declare(self, annotation: str, default: str | None, args: list[str]) -> str:
        """`name: annotation = default`, or `= Field(...)` when there are arguments."""
        head = f"{self.name}: {annotation}"
        if args:
            call_args = ([f"default={default}"] if default is not None else []) + args
            return call(f"{head} = Field", call_args)
        if default is None:
            return head
        return f"{head} = {default}"

    @cached_property
    def declaration(self) -> str:
        """The field in a Base/Create schema (or an operation's request or response)."""
        default = None
        if self.default_factory:
            args = [f"default_factory={self.default_factory}", *self.constraints]
            return call(f"{self.name}: {self.annotation} = Field", args)
        if self.has_default:
            default = self.default_source
        elif self.optional:
            default = "None"
        return self.declare(self.annotation, default, self.constraints)

    @cached_property
    def update_declaration(self) -> str:
        """The field in an Update schema: may be left out, may not be set to null unless the
        field is optional (pydantic does not validate the `None` default)."""
        return self.declare(self.annotation, "None", self.constraints)

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
        if needs_big_integer(self.spec):
            return "sa.BigInteger()"
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
        default = self.default_value
        if self.default_is_now:
            return "sa.func.current_date()" if self.type == "date" else "sa.func.now()"
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
            in_ = call(f"{col}.in_", [self.values_constant])
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
        return call(f"{self.values_constant} = ", values)

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


def text_sample(spec: FieldSpec, base: str, unique: bool) -> str | None:
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
        return text_sample(spec, view.name.replace("_", "-"), unique)
    if kind == "password":
        return text_sample(spec, "correct-horse-battery", False)
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


def walk_fields(fields: list[FieldView]) -> Iterable[FieldView]:
    """Every field and, depth first, the fields of its list items (inline objects)."""
    for f in fields:
        yield f
        if f.item_fields:
            yield from walk_fields(f.item_fields)
