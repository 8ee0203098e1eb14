"""Access rules: the effective rule of every entity action and operation (the spec's, or the
safe default), their cross-reference checks, and the warnings `shopgen validate` prints.

Defaults, never public:
- an issuer's account entity (the one register and login use): owned by itself (`owner: id`);
  listed and created by admins, read by its owner, admins and services, updated by its owner
  and admins, deleted by admins;
- an entity with an `owner`: listed and read by its owner, admins and services, created by any
  signed-in user (who becomes its owner), updated and deleted by its owner and admins;
- any other entity: listed and read by signed-in users and services, written by admins.
"""

from __future__ import annotations

from collections.abc import Callable

from shopgen.spec.model import (
    ACTIONS,
    ADMIN,
    AUTHENTICATED,
    OWNER,
    PUBLIC,
    SERVICE,
    SPECIAL_GRANTS,
    Entity,
    Service,
)
from shopgen.spec.suggest import closest

Loc = tuple[str | int, ...]
Report = Callable[[Loc, str, str | None], None]

ACCOUNT_DEFAULTS = {
    "list": [ADMIN],
    "read": [OWNER, ADMIN, SERVICE],
    "create": [ADMIN],
    "update": [OWNER, ADMIN],
    "delete": [ADMIN],
}
OWNED_DEFAULTS = {
    "list": [OWNER, ADMIN, SERVICE],
    "read": [OWNER, ADMIN, SERVICE],
    "create": [AUTHENTICATED],
    "update": [OWNER, ADMIN],
    "delete": [OWNER, ADMIN],
}
SHARED_DEFAULTS = {
    "list": [AUTHENTICATED, SERVICE],
    "read": [AUTHENTICATED, SERVICE],
    "create": [ADMIN],
    "update": [ADMIN],
    "delete": [ADMIN],
}
OWNER_TYPES = ("uuid", "ref", "string")
WRITES = ("create", "update", "delete")


def can_log_in(entity: Entity) -> bool:
    """What the generated register/login endpoints need: a password, and an email (or a
    unique string) to log in with."""
    fields = entity.fields.values()
    has_login = any(f.type == "email" or (f.type == "string" and f.unique) for f in fields)
    return has_login and any(f.type == "password" for f in fields)


def account_entity(service: Service) -> str | None:
    """The entity an issuer registers and logs in: the first that can log in."""
    if service.auth != "issuer":
        return None
    return next((name for name, e in service.entities.items() if can_log_in(e)), None)


def owner_field(service: Service, name: str) -> str | None:
    """The entity's owner field: declared, or `id` for an issuer's accounts."""
    entity = service.entities[name]
    if entity.owner is not None:
        return entity.owner
    return "id" if name == account_entity(service) else None


def defaults(service: Service, name: str) -> dict[str, list[str]]:
    if name == account_entity(service):
        return ACCOUNT_DEFAULTS
    return OWNED_DEFAULTS if owner_field(service, name) else SHARED_DEFAULTS


def entity_rules(service: Service, name: str) -> dict[str, list[str]]:
    """action -> grants, for list, read, create, update and delete."""
    declared = service.entities[name].access
    fallback = defaults(service, name)
    return {
        action: list((declared.rule(action) if declared else None) or fallback[action])
        for action in ACTIONS
    }


def check_service_access(path: Loc, service: Service, report: Report) -> None:
    """Errors in the access rules, ownership and server-managed fields of one service."""
    for name, entity in service.entities.items():
        entity_path = (*path, "entities", name)
        owner = owner_field(service, name)
        _check_owner(entity_path, entity, report)
        _check_server_managed(entity_path, entity, owner, report)
        if entity.access is None:
            continue
        for action in ACTIONS:
            grants = entity.access.rule(action)
            if grants is None:
                continue
            rule_path = (*entity_path, "access", action)
            _check_grants(rule_path, grants, report)
            if OWNER in grants and action == "create":
                report(
                    rule_path,
                    "'owner' cannot create: the row has no owner yet (the creator becomes it)",
                    "use authenticated",
                )
            elif OWNER in grants and owner is None:
                candidates = [f for f, s in entity.fields.items() if s.type in OWNER_TYPES]
                hint = "user_id" if "user_id" in candidates else (candidates or ["user_id"])[0]
                report(
                    rule_path,
                    "'owner' needs the entity to name its owner field (the token's subject)",
                    f"add owner: {hint} to the entity",
                )
    for name, operation in service.operations.items():
        if operation.access is not None:
            rule_path = (*path, "operations", name, "access")
            _check_grants(rule_path, operation.access, report)
            if OWNER in operation.access:
                report(rule_path, "'owner' applies to an entity's rows, not to operations", None)
    for name, model in service.read_models.items():
        rule_path = (*path, "read_models", name, "access")
        _check_grants(rule_path, model.access, report)
        if OWNER in model.access:
            report(rule_path, "'owner' applies to an entity's rows, not to read models", None)


def _check_grants(path: Loc, grants: list[str], report: Report) -> None:
    for index, grant in enumerate(grants):
        if grant in SPECIAL_GRANTS:
            continue
        likely = closest(grant, SPECIAL_GRANTS)
        if likely is not None:
            report((*path, index), f"unknown grant {grant!r}", f"did you mean {likely!r}?")


def _check_owner(path: Loc, entity: Entity, report: Report) -> None:
    if entity.owner is None or entity.owner == "id":
        return
    spec = entity.fields.get(entity.owner)
    if spec is None:
        known = ", ".join(entity.fields)
        report((*path, "owner"), f"unknown field {entity.owner!r}", f"known fields: {known}")
    elif spec.type not in OWNER_TYPES:
        report(
            (*path, "owner"),
            f"{entity.owner!r} is a {spec.type}; an owner field holds a user id",
            f"use a field of type {', '.join(OWNER_TYPES)}",
        )


def _check_server_managed(path: Loc, entity: Entity, owner: str | None, report: Report) -> None:
    for index, name in enumerate(entity.server_managed):
        spec = entity.fields.get(name)
        where = (*path, "server_managed", index)
        if spec is None:
            report(where, f"unknown field {name!r}", f"known fields: {', '.join(entity.fields)}")
        elif name == owner:
            report(where, f"{name!r} is the owner field, already set from the token", None)
        elif spec.type == "password":
            report(where, "a password is set by its owner, not by the server", None)
    if len(set(entity.server_managed)) != len(entity.server_managed):
        report((*path, "server_managed"), "a field is listed twice", None)


def access_warnings(services: dict[str, Service]) -> list[tuple[Loc, str, str | None]]:
    """What `shopgen validate` warns about: anything anyone may write."""
    found: list[tuple[Loc, str, str | None]] = []
    for service_name, service in services.items():
        path: Loc = ("services", service_name)
        for name in service.entities:
            rules = entity_rules(service, name)
            for action in WRITES:
                if PUBLIC in rules[action]:
                    found.append(
                        (
                            (*path, "entities", name, "access", action),
                            f"anyone, signed in or not, may {action} {name} rows",
                            "write a role (e.g. admin) or authenticated unless that is meant",
                        )
                    )
        for name, operation in service.operations.items():
            if operation.method != "GET" and PUBLIC in operation.rule:
                found.append(
                    (
                        (*path, "operations", name),
                        f"anyone, signed in or not, may call {operation.method} {operation.path}",
                        "write access: authenticated (or a role) unless that is meant",
                    )
                )
    return found
