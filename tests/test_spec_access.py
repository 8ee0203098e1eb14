"""Access rules in the spec language: defaults, located errors, warnings, JSON Schema, and the
rules `add-entity` writes into the spec."""

from __future__ import annotations

from pathlib import Path

import pytest

from shopgen.errors import Issue, SpecError
from shopgen.spec import json_schema, load_spec_with_warnings, parse_spec
from shopgen.spec.access import entity_rules
from shopgen.specedit import add_entity

BASE = """\
shopgen: 1
project: {name: shop}
services:
  users:
    auth: issuer
    entities:
      User:
        fields: {email: {type: email, unique: true}, password: password}
  orders:
    entities:
      Order:
{order}
"""


def spec_text(order: str) -> str:
    return BASE.replace("{order}", "\n".join("        " + line for line in order.splitlines()))


def issues(order: str) -> list[Issue]:
    with pytest.raises(SpecError) as caught:
        parse_spec(spec_text(order))
    return caught.value.issues


def test_without_rules_nothing_is_public() -> None:
    spec = parse_spec(spec_text("fields: {note: string}"))
    orders, users = spec.services["orders"], spec.services["users"]
    for rules in (entity_rules(orders, "Order"), entity_rules(users, "User")):
        assert all("public" not in grants for grants in rules.values())
    assert entity_rules(orders, "Order")["create"] == ["admin"]
    assert entity_rules(users, "User")["list"] == ["admin"]  # accounts: admins list them
    assert "owner" in entity_rules(users, "User")["read"]


def test_an_owned_entity_defaults_to_its_owner() -> None:
    spec = parse_spec(spec_text("owner: user_id\nfields: {user_id: uuid}"))
    rules = entity_rules(spec.services["orders"], "Order")
    assert rules["create"] == ["authenticated"]
    assert rules["read"][0] == "owner" and "public" not in rules["list"]


def test_rules_read_one_grant_or_a_list_and_keep_the_rest_default() -> None:
    spec = parse_spec(
        spec_text("fields: {note: string}\naccess: {read: public, update: [admin, clerk]}")
    )
    rules = entity_rules(spec.services["orders"], "Order")
    assert rules["read"] == ["public"] and rules["update"] == ["admin", "clerk"]
    assert rules["delete"] == ["admin"]


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        ("fields: {note: string}\naccess: {read: [owner]}", "add owner: "),
        ("owner: user_id\nfields: {user_id: uuid}\naccess: {create: owner}", "cannot create"),
        ("owner: nobody\nfields: {user_id: uuid}", "unknown field 'nobody'"),
        ("owner: note\nfields: {note: text}", "holds a user id"),
        ("fields: {note: string}\nserver_managed: [nothing]", "unknown field 'nothing'"),
        ("fields: {note: string}\naccess: {read: [public, admin]}", "list it alone"),
        ("fields: {note: string}\naccess: {read: [authenticted]}", "did you mean 'authenticated'"),
        ("fields: {note: string}\naccess: {remove: admin}", "remove"),
        ("fields: {note: string}\naccess: {read: []}", "at least one grant"),
    ],
)
def test_bad_rules_are_located_errors(order: str, expected: str) -> None:
    found = issues(order)
    assert any(expected in str(issue) for issue in found), found
    assert all(issue.key.startswith("services.orders.entities.Order") for issue in found), found
    assert all(issue.line and issue.line >= 12 for issue in found), found  # where it is


def test_validate_warns_about_public_writes(tmp_path: Path) -> None:
    path = tmp_path / "shopgen.yaml"
    path.write_text(spec_text("fields: {note: string}\naccess: {create: public}"))
    _, warnings = load_spec_with_warnings(path)
    assert [w.key for w in warnings] == ["services.orders.entities.Order.access.create"]
    assert warnings[0].line == 13


def test_the_json_schema_describes_access() -> None:
    entity = json_schema()["$defs"]["Entity"]["properties"]
    assert {"access", "owner", "server_managed"} <= set(entity)
    access = json_schema()["$defs"]["EntityAccess"]["properties"]
    assert set(access) == {"list", "read", "create", "update", "delete"}


def test_add_entity_writes_the_default_rules_visibly(tmp_path: Path) -> None:
    path = tmp_path / "shopgen.yaml"
    path.write_text(spec_text("fields: {note: string}"))
    add_entity(path, "orders", "Coupon", ["code:string"])
    text = path.read_text()
    assert "access: {list: [authenticated, service], read: [authenticated, service], " in text
    spec = parse_spec(text)
    assert spec.services["orders"].entities["Coupon"].access.create == ["admin"]
