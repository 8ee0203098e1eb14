"""Access control in the generated code: who may call each route, the owner scoping of rows,
the fields clients may not write, and the issuer accounts' own fields (roles, disabled)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from shopgen.spec.model import (
    ACTIONS,
    ADMIN,
    AUTHENTICATED,
    OWNER,
    PUBLIC,
    SERVICE,
    SPECIAL_GRANTS,
    FieldSpec,
)
from shopgen.view.fields import FieldView
from shopgen.view.source import call, py_str

# The issuer's accounts carry these besides the spec's fields; only admins change them.
ACCOUNT_FIELDS = {
    "roles": FieldSpec(
        type="list", of="string", optional=True, description="Roles granted by an admin"
    ),
    "disabled": FieldSpec(
        type="boolean", default=False, description="A disabled account cannot log in"
    ),
}
ALIASES = {action: f"{action.capitalize()}Access" for action in ACTIONS}


def rule_source(grants: list[str]) -> str:
    """`allow("owner", "admin")`."""
    return call("allow", [py_str(grant) for grant in grants])


@dataclass(eq=False)
class EntityAccessView:
    """The access side of one entity's router and schemas."""

    entity: Any  # its EntityView (which imports this module)
    rules: dict[str, list[str]]
    owner: str | None  # a field name, "id" (an issuer's accounts), or None
    is_account: bool

    @cached_property
    def aliases(self) -> list[str]:
        """`ListAccess = Annotated[Access, Depends(allow(...))]` lines of the router."""
        return [
            f"{ALIASES[action]} = Annotated[Access, Depends({rule_source(self.rules[action])})]"
            for action in ACTIONS
        ]

    def alias(self, action: str) -> str:
        return ALIASES[action]

    @cached_property
    def owner_field(self) -> FieldView | None:
        if self.owner in (None, "id"):
            return None
        return self.entity.field_by_name[self.owner]

    @cached_property
    def owner_column(self) -> str | None:
        """The model attribute a row's owner is compared with."""
        if self.owner == "id":
            return "id"
        return self.owner_field.column if self.owner_field else None

    @cached_property
    def owner_value(self) -> str:
        """The caller's subject as the owner column's type."""
        if self.owner_field and self.owner_field.type == "string":
            return "access.owner"
        return "access.owner_id"

    @cached_property
    def creator_value(self) -> str:
        """The creating user's subject, for the owner field."""
        if self.owner_field and self.owner_field.type == "string":
            return "access.user_subject()"
        return "access.user_id()"

    @cached_property
    def server_managed(self) -> list[str]:
        return list(self.entity.spec.server_managed)

    @cached_property
    def privileged(self) -> list[str]:
        """Fields only admins set: the accounts' roles and disabled flag."""
        return list(ACCOUNT_FIELDS) if self.is_account else []

    @cached_property
    def not_from_clients(self) -> set[str]:
        """Fields no Create schema has: owner, server-managed and privileged ones."""
        names = set(self.server_managed) | set(self.privileged)
        if self.owner_field:
            names.add(self.owner_field.name)
        return names

    @cached_property
    def has_draft(self) -> bool:
        """Whether create hooks get a Draft (the body plus owner and server-managed fields)."""
        return bool(self.owner_field or self.server_managed)

    @cached_property
    def draft_fields(self) -> list[str]:
        """Declarations the Draft adds to the Create schema."""
        out = []
        for f in self.entity.fields:
            if self.owner_field is f:
                out.append(f.declaration)
            elif f.name in self.server_managed:
                out.append(f.declaration if not f.required else f.update_declaration)
        return out

    @cached_property
    def unset_server_fields(self) -> list[str]:
        """Required server-managed fields without a default: the create hook must set them."""
        return [f.name for f in self.entity.fields if f.name in self.server_managed and f.required]

    @cached_property
    def public_rules(self) -> list[str]:
        return [action for action in ACTIONS if PUBLIC in self.rules[action]]

    @cached_property
    def admin(self) -> str:
        return py_str(ADMIN)

    # -- tests -------------------------------------------------------------------------------

    @cached_property
    def roles(self) -> set[str]:
        """The role names this entity's rules grant."""
        return {g for grants in self.rules.values() for g in grants if g not in SPECIAL_GRANTS}

    @cached_property
    def role_holder_admitted(self) -> bool:
        """Whether a user holding every role passes every rule (the generated CRUD tests
        call as such a user)."""
        return all(
            {PUBLIC, AUTHENTICATED, OWNER} & set(grants) or self.roles & set(grants)
            for grants in self.rules.values()
        )

    def plain_user(self, action: str) -> str:
        """What an ordinary user (no role) gets: ok, owner (own rows only) or forbidden."""
        grants = set(self.rules[action])
        if grants & {PUBLIC, AUTHENTICATED}:
            return "ok"
        return "owner" if OWNER in grants else "forbidden"

    def service(self, action: str) -> str:
        return "ok" if set(self.rules[action]) & {PUBLIC, SERVICE} else "forbidden"

    @cached_property
    def requests(self) -> dict[str, tuple[str, str]]:
        """action -> (method, URL source) of a request the rule is checked on (any row id:
        the check comes before the row is looked up)."""
        path = self.entity.collection_path
        row = f'f"{path}/{{ANY_ID}}"'
        return {
            "list": ("GET", py_str(path)),
            "read": ("GET", row),
            "create": ("POST", py_str(path)),
            "update": ("PATCH", row),
            "delete": ("DELETE", row),
        }

    @cached_property
    def anonymous_refused(self) -> list[tuple[str, str]]:
        return [self.requests[a] for a in ACTIONS if PUBLIC not in self.rules[a]]

    @cached_property
    def users_refused(self) -> list[tuple[str, str]]:
        return [self.requests[a] for a in ACTIONS if self.plain_user(a) == "forbidden"]

    @cached_property
    def services_refused(self) -> list[tuple[str, str]]:
        return [self.requests[a] for a in ACTIONS if self.service(a) == "forbidden"]

    @cached_property
    def owner_test(self) -> bool:
        """Whether the test can check that others' rows stay hidden: an owner field, rows an
        ordinary user may create, and read by their owner."""
        return (
            self.owner_field is not None
            and self.plain_user("create") == "ok"
            and self.plain_user("read") == "owner"
        )

    def other_user_status(self, action: str) -> int | None:
        """The status another ordinary user gets on someone's row (None: allowed)."""
        outcome = self.plain_user(action)
        return {"owner": 404, "forbidden": 403}.get(outcome)

    @cached_property
    def body_rejections(self) -> list[tuple[str, str]]:
        """(field, value source) a client may never send: owner and server-managed fields."""
        out = []
        for f in self.entity.fields:
            if f.name in self.not_from_clients and f.name not in self.privileged:
                if f.enum:
                    value = py_str(f.enum.values[-1])
                else:
                    value = f.zero if f.zero != "None" and "(" not in f.zero else py_str("x")
                out.append((f.name, value))
        return out

    @cached_property
    def test_fill(self) -> str:
        """`{"total": "0.00"}`: what the tests' pass-through create hook sets."""
        items = []
        for f in self.entity.fields:
            if f.name in self.unset_server_fields:
                items.append(f"{py_str(f.name)}: {f.zero}")
        return "{" + ", ".join(items) + "}"
