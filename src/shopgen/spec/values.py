"""Field defaults and bounds as values: what the generated code and every database accept.

A default is parsed once here into a value of its field's type (`parse_default`), checked
against the field's own constraints, and handed to the view model in canonical form, so that
the generated schema, model and migration never see text they cannot load (`"0.00"` is the
decimal 0.00, not the string `'0.00'`). `now` is a real default for date and datetime fields:
the current day or instant, given by the server when a row is created (`NOW`).

Bounds are those of every supported database (PostgreSQL, MariaDB, SQLite): a `string`
column is a VARCHAR, an integer column a 32-bit INTEGER unless its bounds or default need
64 bits (then BIGINT), and a decimal column is NUMERIC(DECIMAL_DIGITS, DECIMAL_PLACES).
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import math
import re
import uuid
from typing import Any, Final

# The column shapes the generated models use (view.source re-exports the decimal ones).
DECIMAL_DIGITS: Final = 12
DECIMAL_PLACES: Final = 2
# MariaDB's VARCHAR holds at most 65,535 bytes; in utf8mb4 that is 16,383 characters.
MAX_STRING_LENGTH: Final = 16_383
# Length limits of text fields are checked by the API only; keep them to what fits a signed
# 32-bit size everywhere.
MAX_TEXT_LENGTH: Final = 2**31 - 1
INT32: Final = (-(2**31), 2**31 - 1)
INT64: Final = (-(2**63), 2**63 - 1)


class _Now:
    """The `now` default: today for a date, the current instant for a datetime."""

    def __repr__(self) -> str:
        return "now"


NOW: Final = _Now()
NOW_WORDS = frozenset({"now"})
# Plain enough to give a clear message; the generated API validates emails with pydantic's
# EmailStr (email-validator), which a default must pass when the row is read back.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")


def parse_default(spec: Any) -> Any:
    """`spec.default` (a `FieldSpec`'s) as a value of the field's type; raises ValueError with a
    message fit for the user. None when the field has no default."""
    value = spec.default
    if value is None:
        return None
    parser = _PARSERS.get(spec.type)
    if parser is None:
        raise ValueError(f"a {spec.type} cannot have a default")
    parsed = parser(spec, value)
    _check_bounds(spec, parsed)
    return parsed


def _not_a(spec: Any, value: Any, hint: str = "") -> ValueError:
    return ValueError(f"default {value!r} is not a valid {spec.type}{hint}")


def _text(spec: Any, value: Any) -> str:
    if not isinstance(value, str):
        raise _not_a(spec, value, "; write it as text, e.g. in quotes")
    if spec.type == "email" and not _EMAIL.fullmatch(value):
        raise _not_a(spec, value, " address")
    if spec.pattern is not None and re.search(spec.pattern, value) is None:
        raise ValueError(f"default {value!r} does not match its pattern {spec.pattern!r}")
    if spec.min_length is not None and len(value) < spec.min_length:
        raise ValueError(f"default {value!r} is shorter than min_length {spec.min_length}")
    if spec.max_length is not None and len(value) > spec.max_length:
        raise ValueError(f"default is longer than max_length {spec.max_length}")
    return value


def _integer(spec: Any, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and value.is_integer():
            return int(value)
        raise _not_a(spec, value)
    return value


def _decimal(spec: Any, value: Any) -> decimal.Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise _not_a(spec, value)
    try:
        parsed = decimal.Decimal(str(value).strip())
    except decimal.InvalidOperation:
        raise _not_a(spec, value, '; write a number such as 0.00 or "19.99"') from None
    if not parsed.is_finite():
        raise _not_a(spec, value, "; it must be a finite number")
    exponent = parsed.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > DECIMAL_PLACES:
        raise ValueError(
            f"default {value!r} has more than {DECIMAL_PLACES} decimal places, the most a "
            "decimal column keeps"
        )
    if abs(parsed) >= decimal.Decimal(10) ** (DECIMAL_DIGITS - DECIMAL_PLACES):
        raise ValueError(
            f"default {value!r} needs more than {DECIMAL_DIGITS - DECIMAL_PLACES} digits before "
            "the decimal point, the most a decimal column keeps"
        )
    return parsed


def _float(spec: Any, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _not_a(spec, value)
    if not math.isfinite(value):
        raise _not_a(spec, value, "; it must be a finite number")
    return float(value)


def _boolean(spec: Any, value: Any) -> bool:
    if not isinstance(value, bool):
        raise _not_a(spec, value, "; use true or false")
    return value


def _uuid(spec: Any, value: Any) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise _not_a(spec, value, ", e.g. 123e4567-e89b-12d3-a456-426614174000") from None


def _date(spec: Any, value: Any) -> dt.date | _Now:
    if isinstance(value, str) and value.strip().lower() in NOW_WORDS:
        return NOW
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else _raise()
    except (TypeError, ValueError):
        raise _not_a(spec, value, "; use an ISO date such as 2024-01-31, or now") from None


def _datetime(spec: Any, value: Any) -> dt.datetime | _Now:
    if isinstance(value, str) and value.strip().lower() in NOW_WORDS:
        return NOW
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time())
    try:
        return dt.datetime.fromisoformat(value) if isinstance(value, str) else _raise()
    except (TypeError, ValueError):
        hint = "; use an ISO date and time such as 2024-01-31T12:00:00Z, or now"
        raise _not_a(spec, value, hint) from None


def _enum(spec: Any, value: Any) -> str:
    if value not in (spec.values or []):
        raise ValueError(f"default {value!r} is not one of {spec.values}")
    return value


def _list(spec: Any, value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise _not_a(spec, value, "; write a list such as []")
    return _json(spec, value)


def _json(spec: Any, value: Any) -> Any:
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        raise ValueError(f"default {value!r} cannot be stored as JSON") from None
    return value


def _raise() -> Any:
    raise TypeError


_PARSERS = {
    "string": _text,
    "text": _text,
    "email": _text,
    "integer": _integer,
    "decimal": _decimal,
    "float": _float,
    "boolean": _boolean,
    "uuid": _uuid,
    "date": _date,
    "datetime": _datetime,
    "enum": _enum,
    "list": _list,
    "json": _json,
}


def _check_bounds(spec: Any, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float | decimal.Decimal):
        return
    if spec.min is not None and value < spec.min:
        raise ValueError(f"default {_shown(value)} is below min {_shown(spec.min)}")
    if spec.max is not None and value > spec.max:
        raise ValueError(f"default {_shown(value)} is above max {_shown(spec.max)}")
    if spec.type == "integer" and not INT64[0] <= value <= INT64[1]:
        raise ValueError(f"default {value} does not fit a 64-bit integer column")


def option_issues(spec: Any) -> list[str]:
    """Options that contradict each other or exceed what the databases accept."""
    problems = []
    low, high = spec.min_length, spec.max_length
    if low is not None and high is not None and low > high:
        problems.append(f"min_length ({low}) is greater than max_length ({high})")
    if high is not None:
        limit = MAX_STRING_LENGTH if spec.type == "string" else MAX_TEXT_LENGTH
        if high > limit:
            hint = "; use type text for longer text" if spec.type == "string" else ""
            problems.append(f"max_length {high} is more than the databases accept ({limit}){hint}")
    if low is not None and low > MAX_TEXT_LENGTH:
        problems.append(f"min_length {low} is more than the databases accept")
    for name in ("min", "max"):
        bound = getattr(spec, name)
        if bound is None:
            continue
        if not math.isfinite(bound):
            problems.append(f"{name} must be a finite number")
        elif spec.type == "integer" and not INT64[0] <= bound <= INT64[1]:
            problems.append(f"{name} {_shown(bound)} does not fit a 64-bit integer column")
        elif spec.type == "integer" and not float(bound).is_integer():
            problems.append(f"{name} of an integer must be a whole number")
        elif spec.type == "decimal" and abs(bound) >= 10 ** (DECIMAL_DIGITS - DECIMAL_PLACES):
            problems.append(
                f"{name} {_shown(bound)} needs more than {DECIMAL_DIGITS - DECIMAL_PLACES} digits "
                "before the decimal point, the most a decimal column keeps"
            )
    if spec.unique and spec.type in ("list", "json", "password", "text"):
        problems.append(
            f"a {spec.type} cannot be unique (databases do not index such values for uniqueness)"
        )
    return problems


def needs_big_integer(spec: Any) -> bool:
    """An integer column whose bounds or default need 64 bits."""
    if spec.type != "integer":
        return False
    values = [spec.min, spec.max]
    if isinstance(spec.default, int) and not isinstance(spec.default, bool):
        values.append(spec.default)
    return any(v is not None and not INT32[0] <= v <= INT32[1] for v in values)


def _shown(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def unencodable_text(data: Any, path: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    """Paths of every key or string in YAML data that UTF-8 cannot encode (a lone surrogate
    such as "\\ud800", which YAML's escapes allow): generated files could not be written."""
    found: list[tuple[str | int, ...]] = []
    if isinstance(data, str):
        if not _encodable(data):
            found.append(path)
    elif isinstance(data, dict):
        for key, value in data.items():
            if isinstance(key, str) and not _encodable(key):
                found.append((*path, key))
            else:
                found.extend(unencodable_text(value, (*path, key)))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found.extend(unencodable_text(value, (*path, index)))
    return found


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
