"""Spec language v1 as pydantic models.

This module checks the *shape* of each value (types, names, ranges). Cross-references between
parts of the spec (a route's service, a saga's events, payload fields) are checked afterwards
in `shopgen.spec.references`, on the whole validated model.
"""

from __future__ import annotations

import keyword
import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
    model_validator,
)

from shopgen.spec.reserved import SHADOWING_FIELD_NAMES
from shopgen.spec.values import option_issues, parse_default

# --- names -------------------------------------------------------------------------------
# Names end up as Python identifiers, file and folder names, URL segments, database and queue
# names. They are restricted to a safe alphabet so none can escape the output folder, break
# Python, or smuggle template syntax into generated code.

RESERVED_SERVICE_NAMES = frozenset(
    {"runtime", "gateway", "services", "system", "tests", "docs", "deploy", "migrations"}
    # The infrastructure's names in compose and the database logins.
    | {"postgres", "mariadb", "rabbitmq", "consul"}
)
# Column names the generated models define themselves, or that SQLAlchemy reserves.
# Also the public attributes of pydantic's BaseModel (`json`, `copy`, `schema`...), which a
# field of a generated schema would shadow.
RESERVED_FIELD_NAMES = (
    frozenset({"id", "created_at", "updated_at", "metadata", "registry", "query", "self", "cls"})
    | frozenset(name for name in dir(BaseModel) if not name.startswith("_"))
    | SHADOWING_FIELD_NAMES
)
# Class names the generated models and schemas import; an entity of that name would shadow them.
RESERVED_ENTITY_NAMES = frozenset(
    {"Any", "Base", "BaseModel", "ConfigDict", "Decimal", "EmailStr", "Enum", "Field", "Mapped"}
    | {"Settings", "StrEnum", "UUID", "DeclarativeBase"}
)

SLUG = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
SNAKE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
PASCAL = re.compile(r"^[A-Z][a-zA-Z0-9]*$")
EVENT = re.compile(r"^[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+$")
ROUTE_PREFIX = re.compile(r"^(?:/[a-z0-9][a-z0-9_-]*)+$")
OPERATION_PATH = re.compile(r"^(?:/[a-z0-9][a-z0-9_-]*|/\{[a-z][a-z0-9_]*\})+$")
REWRITE = re.compile(r"^(?:/[a-z0-9_-]*)+$")


def _matching(pattern: re.Pattern[str], what: str, reserved: frozenset[str] = frozenset()):
    def check(value: str) -> str:
        # fullmatch, not match: `$` would accept a trailing newline ("users\n").
        if not pattern.fullmatch(value):
            raise ValueError(f"{value!r} is not a valid {what}")
        # Soft keywords (match, case, type) are valid identifiers, so they are allowed.
        if keyword.iskeyword(value.replace("-", "_")):
            raise ValueError(f"{value!r} is a Python keyword and cannot be used as a {what}")
        if value in reserved:
            raise ValueError(f"{value!r} is reserved by shopgen and cannot be used as a {what}")
        return value

    return AfterValidator(check)


def _schema_pattern(pattern: re.Pattern[str]) -> Any:
    """Shows the name pattern to editors; validation itself is `_matching`'s."""
    return Field(json_schema_extra={"pattern": pattern.pattern})


ServiceName = Annotated[
    str,
    Field(max_length=40),
    _schema_pattern(SLUG),
    _matching(SLUG, "service name (lowercase letters, digits and '-')", RESERVED_SERVICE_NAMES),
]
ProjectName = Annotated[
    str,
    Field(max_length=60),
    _schema_pattern(SLUG),
    _matching(SLUG, "project name (lowercase letters, digits and '-')"),
]
FieldName = Annotated[
    str,
    Field(max_length=60),
    _schema_pattern(SNAKE),
    _matching(SNAKE, "field name (snake_case)", RESERVED_FIELD_NAMES),
]
Identifier = Annotated[
    str, Field(max_length=60), _schema_pattern(SNAKE), _matching(SNAKE, "name (snake_case)")
]
EntityName = Annotated[
    str,
    Field(max_length=60),
    _schema_pattern(PASCAL),
    _matching(PASCAL, "entity name (PascalCase, e.g. OrderItem)", RESERVED_ENTITY_NAMES),
]
EventName = Annotated[
    str,
    Field(max_length=120),
    _schema_pattern(EVENT),
    _matching(EVENT, "event name (dotted lowercase, e.g. order.created)"),
]
StepName = Annotated[
    str,
    Field(max_length=60),
    _schema_pattern(SLUG),
    _matching(SLUG, "step name (e.g. reserve-stock)"),
]


def snake_case(entity: str) -> str:
    """OrderItem -> order_item, URLMap -> url_map. An entity's id in payloads is `<snake>_id`."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", entity).lower()


def entity_id_field(entity: str) -> str:
    """The payload field that carries an entity's id, by convention: Order -> order_id."""
    return f"{snake_case(entity)}_id"


# --- durations -----------------------------------------------------------------------------

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, None: 1.0}


def _parse_duration(value: Any) -> Any:
    """'2s', '15m', '500ms', '1h' or a number of seconds -> seconds as a float."""
    if isinstance(value, bool):
        raise ValueError("expected a duration such as '2s', '15m' or '500ms'")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str) and (match := _DURATION.fullmatch(value)):
        return float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    raise ValueError(f"{value!r} is not a duration; use e.g. '2s', '15m' or '500ms'")


Duration = Annotated[
    float,
    BeforeValidator(_parse_duration),
    Field(gt=0),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "exclusiveMinimum": 0},
                {"type": "string", "pattern": r"^\s*\d+(\.\d+)?\s*(ms|s|m|h)?\s*$"},
            ],
            "description": "seconds, or a duration such as '500ms', '2s', '15m', '1h'",
        }
    ),
]


class Strict(BaseModel):
    """Unknown keys are errors: a typo must never be silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


# --- fields --------------------------------------------------------------------------------

FieldType = Literal[
    "string",
    "text",
    "integer",
    "decimal",
    "float",
    "boolean",
    "uuid",
    "email",
    "date",
    "datetime",
    "password",
    "enum",
    "ref",
    "list",
    "json",
]
FIELD_TYPES: tuple[str, ...] = FieldType.__args__  # type: ignore[attr-defined]


def _bare_type(value: Any) -> Any:
    """A bare type name (`name: string`) is a required field of that type."""
    return {"type": value} if isinstance(value, str) else value


class FieldSpec(Strict):
    """A field of an entity, payload, request or response. `name: string` is shorthand for `name:
    {type: string}`.
    """

    type: FieldType
    description: str | None = None
    optional: bool = False
    unique: bool = False
    default: Any = None
    min: float | None = None
    max: float | None = None
    min_length: int | None = Field(default=None, ge=0)
    max_length: int | None = Field(default=None, gt=0)
    pattern: str | None = None
    values: list[Identifier] | None = None  # enum
    to: EntityName | None = None  # ref
    of: FieldType | dict[FieldName, FieldSpecInput] | None = None  # list
    # An entity field's previous name: its column is renamed and keeps its data.
    renamed_from: FieldName | None = None

    @model_validator(mode="after")
    def _options_fit_type(self) -> FieldSpec:
        if self.type == "enum":
            if not self.values:
                raise ValueError("an enum needs 'values', e.g. values: [pending, done]")
            if len(set(self.values)) != len(self.values):
                raise ValueError("enum 'values' must be distinct")
        elif self.values is not None:
            raise ValueError("'values' only applies to type enum")
        if self.type == "ref" and not self.to:
            raise ValueError("a ref needs 'to', the entity it points at")
        if self.type != "ref" and self.to is not None:
            raise ValueError("'to' only applies to type ref")
        if self.type != "list" and self.of is not None:
            raise ValueError("'of' only applies to type list")
        if self.of in ("enum", "ref", "list", "password"):
            raise ValueError(
                f"a list cannot hold {self.of!r} values; use a list of inline objects, "
                "e.g. of: {product_id: uuid}"
            )
        if self.type == "password" and self.default is not None:
            raise ValueError("a password cannot have a default")
        if (self.min_length is not None or self.max_length is not None or self.pattern) and (
            self.type not in ("string", "text", "email", "password")
        ):
            raise ValueError("min_length, max_length and pattern apply to text types only")
        if (self.min is not None or self.max is not None) and self.type not in (
            "integer",
            "decimal",
            "float",
        ):
            raise ValueError("min and max apply to numeric types only")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min}) is greater than max ({self.max})")
        if self.pattern is not None:
            try:
                re.compile(self.pattern)
            except re.error as exc:
                raise ValueError(f"pattern is not a valid regular expression: {exc}") from None
        if problems := option_issues(self):
            raise ValueError("; ".join(problems))
        if self.default is not None:
            _check_default(self)
        return self

    @property
    def inline_object(self) -> dict[str, FieldSpec] | None:
        """The fields of a `list` of inline objects, if this is one."""
        return self.of if isinstance(self.of, dict) else None


def _check_default(spec: FieldSpec) -> None:
    """A default must be a value of its field's type that fits its constraints, or the
    generated model and migration would not load (see `shopgen.spec.values`)."""
    if spec.type == "ref":
        raise ValueError("a ref cannot have a default")
    parse_default(spec)


FieldSpecInput = Annotated[
    FieldSpec, BeforeValidator(_bare_type, json_schema_input_type=FieldType | FieldSpec)
]
FieldSpec.model_rebuild()
Fields = dict[FieldName, FieldSpecInput]


# --- access --------------------------------------------------------------------------------
# Who may do what. A rule is one grant or a list of them: `public` (anyone), `authenticated`
# (any signed-in user), `owner` (the row's owner, see Entity.owner), `service` (other services
# of this system) or a role name (`admin` is the role `make admin` grants).

PUBLIC = "public"
AUTHENTICATED = "authenticated"
OWNER = "owner"
SERVICE = "service"
ADMIN = "admin"
SPECIAL_GRANTS = (PUBLIC, AUTHENTICATED, OWNER, SERVICE)

Grant = Annotated[
    str,
    Field(max_length=60),
    _schema_pattern(SNAKE),
    _matching(SNAKE, "grant (public, authenticated, owner, service or a role name)"),
]


def _one_or_many(value: Any) -> Any:
    """`read: public` is shorthand for `read: [public]`."""
    return [value] if isinstance(value, str) else value


def _coherent(grants: list[str]) -> list[str]:
    if not grants:
        raise ValueError("a rule needs at least one grant; write [admin] to keep it closed")
    if len(set(grants)) != len(grants):
        raise ValueError("a grant is listed twice")
    if PUBLIC in grants and len(grants) > 1:
        raise ValueError("'public' already admits everyone: list it alone")
    return grants


RuleSpec = Annotated[
    list[Grant],
    BeforeValidator(_one_or_many, json_schema_input_type=Grant | list[Grant]),
    AfterValidator(_coherent),
]
ACTIONS = ("list", "read", "create", "update", "delete")


class EntityAccess(Strict):
    """Who may list, read, create, update and delete an entity's rows. An action left out
    keeps its safe default (see docs/spec-language.md): never public."""

    list_: RuleSpec | None = Field(default=None, alias="list")
    read: RuleSpec | None = None
    create: RuleSpec | None = None
    update: RuleSpec | None = None
    delete: RuleSpec | None = None

    def rule(self, action: str) -> list[str] | None:
        return getattr(self, "list_" if action == "list" else action)


# --- services ------------------------------------------------------------------------------

Lifecycle = Literal["created", "updated", "deleted"]


class Entity(Strict):
    """A table the service owns, with CRUD endpoints at /<plural-kebab> (Order -> /orders)."""

    description: str | None = None
    fields: Fields = Field(min_length=1)
    search: list[FieldName] = []
    filter: list[FieldName] = []
    emits: dict[Lifecycle, EventName] = {}
    # The field holding the owner's user id: set from the token on create, never from the
    # body; `owner` rules scope lists and rows to it. `id` for an issuer's accounts.
    owner: FieldName | Literal["id"] | None = None
    # Fields no client may set or change (only hooks, sagas, handlers and operations do).
    server_managed: list[FieldName] = []
    access: EntityAccess | None = None
    # The entity's previous name: its table is renamed and keeps its rows.
    renamed_from: EntityName | None = None


class Operation(Strict):
    """A custom endpoint whose body is user code (custom/operations/<name>.py)."""

    description: str | None = None
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"] = "POST"
    path: Annotated[str, Field(pattern=OPERATION_PATH.pattern, max_length=200)]
    request: Fields | None = None
    response: Fields | None = None
    # The older spelling: `required` is `access: authenticated`, `none` is `access: public`.
    auth: Literal["required", "none"] | None = None
    access: RuleSpec | None = None

    @model_validator(mode="after")
    def _one_rule(self) -> Operation:
        if self.auth is not None and self.access is not None:
            raise ValueError("give 'access' or the older 'auth', not both")
        return self

    @property
    def rule(self) -> list[str]:
        """Who may call it; without a rule, signed-in users and other services."""
        if self.access is not None:
            return list(self.access)
        if self.auth == "none":
            return [PUBLIC]
        if self.auth == "required":
            return [AUTHENTICATED]
        return [AUTHENTICATED, SERVICE]


class Breaker(Strict):
    """Circuit breaker for one dependency: opens after `failure_threshold` failures."""

    failure_threshold: int = Field(default=5, ge=1)
    reset_timeout: Duration = 30.0


class Call(Strict):
    """A synchronous REST dependency on another service."""

    timeout: Duration = 5.0
    retries: int = Field(default=0, ge=0, le=10)
    breaker: Breaker | None = None
    fallback: dict[str, Any] | None = None


class ReadModelUpdate(Strict):
    """How one event updates a read model row."""

    copy_: list[FieldName] = Field(default=[], alias="copy")
    set: dict[FieldName, Any] = {}
    count: FieldName | None = None
    sum: dict[FieldName, FieldName] = {}  # target column -> payload field


class ReadModel(Strict):
    """A CQRS read model projected from events: keyed rows (`key`) or daily aggregates
    (`group_by`).
    """

    description: str | None = None
    key: FieldName | None = None
    group_by: dict[Literal["day"], Literal["timestamp"]] | None = None
    on: dict[EventName, ReadModelUpdate] = Field(min_length=1)
    query_by: list[FieldName] = []
    access: RuleSpec = [ADMIN, SERVICE]  # who may query it

    @model_validator(mode="after")
    def _key_or_group(self) -> ReadModel:
        if (self.key is None) == (self.group_by is None):
            raise ValueError("a read model needs exactly one of 'key' or 'group_by'")
        return self


TemplateSource = Annotated[str, Field(min_length=1, max_length=500)]


class TeamTemplate(Strict):
    """A team's own service template with a version: `{source: URL, ref: v2}`."""

    source: TemplateSource  # a folder relative to shopgen.yaml, or a git URL
    ref: Annotated[str, Field(min_length=1, max_length=200)] | None = None  # git tag/branch/commit


class Service(Strict):
    """One deployable service with its own database."""

    description: str | None = None
    database: Literal["postgresql", "mysql", "sqlite", "mongodb"] | None = None
    port: int | None = Field(default=None, ge=1024, le=65535)
    auth: Literal["issuer"] | None = None
    entities: dict[EntityName, Entity] = {}
    operations: dict[Identifier, Operation] = {}
    consumes: dict[EventName, Identifier] = {}
    calls: dict[ServiceName, Call | None] = {}
    read_models: dict[EntityName, ReadModel] = {}
    # A team's own copier/cookiecutter template for this service (docs/templates.md).
    template: TemplateSource | TeamTemplate | None = None
    renamed_from: ServiceName | None = None


# --- events and sagas ----------------------------------------------------------------------


class Event(Strict):
    """An event on the broker; its payload carries `<entity>_id` for the entity it is about."""

    description: str | None = None
    publisher: ServiceName
    exchange: ServiceName | None = None  # defaults to the publisher's name
    payload: Fields = {}


class Replies(Strict):
    """The events a saga step's service publishes when the step succeeds or fails."""

    success: EventName
    failure: EventName | None = None


class Compensation(Strict):
    """The action that undoes a completed step when a later step fails."""

    action: Identifier
    reply: EventName | None = None


class SagaStep(Strict):
    """One step of a choreographed saga."""

    name: StepName
    service: ServiceName
    action: Identifier
    replies: Replies
    compensation: Compensation | None = None


class Outcome(Strict):
    """What the saga owner does to its entity when the saga ends."""

    set: dict[FieldName, Any] = {}
    copy_: dict[FieldName, FieldName] = Field(default={}, alias="copy")  # entity <- payload
    publish: EventName | list[EventName] | None = None

    @property
    def published(self) -> list[str]:
        if self.publish is None:
            return []
        return [self.publish] if isinstance(self.publish, str) else list(self.publish)


class Saga(Strict):
    """A choreographed saga: each step reacts to the previous reply; failures compensate in
    reverse.
    """

    description: str | None = None
    owner: ServiceName
    entity: EntityName
    trigger: EventName
    key: FieldName | None = None  # payload field that finds the entity; default <entity>_id
    steps: list[SagaStep] = Field(min_length=1)
    on_success: Outcome = Outcome()
    on_failure: Outcome = Outcome()


# --- gateway and the whole spec ------------------------------------------------------------


class RateLimit(Strict):
    """Requests allowed per client in each window."""

    requests: int = Field(ge=1)
    per: Duration


class Route(Strict):
    """A gateway route: requests under `prefix` go to `service`."""

    prefix: Annotated[str, Field(pattern=ROUTE_PREFIX.pattern, max_length=200)]
    service: ServiceName
    auth: Literal["required", "none"] = "none"
    rewrite: Annotated[str, Field(pattern=REWRITE.pattern, max_length=200)] | None = None
    # With `auth: required`: methods that pass without a token ("reads public, writes
    # authenticated" is `public_methods: [GET, HEAD]`).
    public_methods: list[Literal["GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"]] = []


class Gateway(Strict):
    """The API gateway."""

    port: int = Field(default=8080, ge=1024, le=65535)
    rate_limit: RateLimit | None = None
    routes: list[Route] = []


class Project(Strict):
    """The generated project."""

    name: ProjectName
    title: str | None = None
    description: str | None = None


class Defaults(Strict):
    """Defaults for every service."""

    database: Literal["postgresql", "mysql", "sqlite", "mongodb"] = "postgresql"
    broker: Literal["rabbitmq"] = "rabbitmq"
    registry: Literal["consul", "static"] = "consul"


class Capability(Strict):
    """A business capability and the services that own it."""

    name: Annotated[str, Field(min_length=1, max_length=120)]
    description: str | None = None
    includes: list[Annotated[str, Field(min_length=1, max_length=120)]] = []
    services: list[ServiceName] = []


class Spec(Strict):
    """A shopgen spec (language v1)."""

    shopgen: Literal[1]
    project: Project
    defaults: Defaults = Defaults()
    capabilities: list[Capability] = []
    services: dict[ServiceName, Service] = Field(min_length=1)
    events: dict[EventName, Event] = {}
    sagas: dict[StepName, Saga] = {}
    gateway: Gateway = Gateway()
    # A folder of files overriding built-in template files at the same relative path.
    templates: TemplateSource | None = None
