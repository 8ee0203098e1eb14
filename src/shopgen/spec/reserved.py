"""Names the generated code and its runtime use themselves, and the routes it generates.

Where a clash can be avoided by generating differently without changing the user's name,
the view model does so (`safe_module`: an entity `Return` lives in `api/return_.py`; a table
the runtime owns gets a suffix). Where the user's name itself would be shadowed or would
shadow generated code (a field `sa` in a class whose other columns use `sa.String`), the spec
is refused with a located message.
"""

from __future__ import annotations

import keyword
import re

from shopgen.spec.plurals import plural_snake, snake_case

# Tables the events runtime (outbox, idempotent consumers, sagas) and Alembic create in every
# service database, and the issuer's sessions (refresh tokens).
RUNTIME_TABLES = frozenset(
    {"outbox", "processed_events", "saga_instances", "alembic_version", "refresh_tokens"}
)

# Module-level names of generated models.py, schemas.py, payloads.py and clients.py that the
# class bodies use in annotations and column definitions. A field of the same name would
# rebind it inside the class body, so every later field would break (`sa: str` and then
# `name: Mapped[str] = mapped_column(sa.String(255))`).
MODULE_LEVEL_NAMES = frozenset({"dt", "sa", "uuid", "decimal", "mapped_column"})
BUILTIN_TYPES = frozenset({"str", "int", "float", "bool", "list", "dict", "bytes", "object"})
SHADOWING_FIELD_NAMES = MODULE_LEVEL_NAMES | BUILTIN_TYPES

# Module-level names of a service's generated events.py, which imports every handler and saga
# action function by its name: a handler called `events` would replace the service's events.
EVENTS_MODULE_NAMES = frozenset(
    {"events", "models", "payloads", "compensation_queue", "consumer_queue", "entity_updater"}
    | {"saga_step_queue"}
)


def safe_module(snake: str) -> str:
    """A module name for `snake` that is not a keyword (`from . import return` is a
    SyntaxError) nor a builtin type the generated modules use beside it (`routers:
    list[APIRouter]` in api/__init__.py): `return` -> `return_`, `list` -> `list_`. Other
    names keep their module (an entity `Property` stays in `property.py`), so repositories
    generated before keep their files."""
    if keyword.iskeyword(snake) or snake in BUILTIN_TYPES:
        return snake + "_"
    return snake


# PostgreSQL truncates identifiers to 63 bytes and MariaDB refuses more than 64 characters.
MAX_IDENTIFIER = 63


def entity_table(entity: str) -> str:
    """An entity's table: its plural, with a suffix where the runtime owns that name."""
    table = plural_snake(snake_case(entity))
    return table + "_entity" if table in RUNTIME_TABLES else table


def read_model_table(snake: str, entity_tables: set[str]) -> str:
    """A read model's table: its snake name, with a suffix where another table has it."""
    return snake + "_view" if snake in entity_tables | RUNTIME_TABLES else snake


def is_python_keyword(name: str) -> bool:
    return keyword.iskeyword(name.replace("-", "_"))


def crud_routes(entity: str, searchable: bool) -> list[tuple[str, str]]:
    """(method, path) of an entity's generated endpoints; `{}` stands for any parameter."""
    collection = "/" + plural_snake(snake_case(entity)).replace("_", "-")
    routes = [("GET", collection), ("POST", collection)]
    routes += [(method, collection + "/{}") for method in ("GET", "PATCH", "DELETE")]
    if searchable:
        routes.append(("GET", collection + "/search"))
    return routes


def route_shape(path: str) -> str:
    """A path with its parameters' names erased: `/orders/{order_id}` -> `/orders/{}`."""
    return re.sub(r"\{[^}]*\}", "{}", path)
