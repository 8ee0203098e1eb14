"""Editing shopgen.yaml keeps the user's comments, order and layout."""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path

import pytest

from shopgen.errors import SpecError, UserInputError
from shopgen.spec import load_spec
from shopgen.specedit import add_entity, add_service, remove_service
from tests.helpers import EXAMPLE


@pytest.fixture
def spec(tmp_path: Path) -> Path:
    path = tmp_path / "shopgen.yaml"
    shutil.copy(EXAMPLE, path)
    return path


def comments(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if "#" in line]


def test_add_service_keeps_every_comment_and_line(spec: Path) -> None:
    before = spec.read_text()
    add_service(
        spec,
        "reviews",
        capability="Product Catalog",
        entity="Review",
        fields=["rating:integer", "body:text?"],
    )
    after = spec.read_text()
    assert comments(after) == comments(before)
    added = [line for line in after.splitlines() if line not in before.splitlines()]
    assert "  reviews:" in added and "    - {prefix: /api/reviews, service: reviews}" in added
    # Only the capability's owner list changed; every other line stays, in the same order.
    old, new = before.splitlines(), after.splitlines()
    changes = [
        (tag, old[i1:i2], new[j1:j2])
        for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new).get_opcodes()
        if tag != "equal"
    ]
    assert [change for change in changes if change[0] != "insert"] == [
        ("replace", ["    services: [products]"], ["    services: [products, reviews]"])
    ]
    assert "\n\nevents:" in after and "\n\n  reviews:" in after
    loaded = load_spec(spec)
    assert loaded.services["reviews"].entities["Review"].fields["body"].optional
    assert "reviews" in loaded.capabilities[1].services


def test_add_entity_and_remove_service(spec: Path) -> None:
    add_entity(spec, "shipping", "Carrier", ["name:string", "kind:enum:road|air"])
    assert load_spec(spec).services["shipping"].entities["Carrier"].fields["kind"].values == [
        "road",
        "air",
    ]
    add_service(spec, "reviews")
    remove_service(spec, "reviews")
    text = spec.read_text()
    assert "reviews" not in text
    assert comments(text) == comments(EXAMPLE.read_text())


def test_an_edit_that_breaks_the_spec_is_not_written(spec: Path) -> None:
    before = spec.read_bytes()
    with pytest.raises(SpecError) as caught:
        remove_service(spec, "products")  # still a saga step, a publisher and a call target
    assert any("products" in str(issue) for issue in caught.value.issues)
    assert spec.read_bytes() == before


@pytest.mark.parametrize(
    ("action", "message"),
    [
        (lambda p: add_service(p, "orders"), "already exists"),
        (lambda p: add_entity(p, "nope", "X", ["a:string"]), "no service"),
        (lambda p: add_entity(p, "orders", "Order", ["a:string"]), "already has"),
        (lambda p: add_entity(p, "orders", "Line", ["broken"]), "name:type"),
    ],
)
def test_bad_edits_are_clear_errors(spec: Path, action, message: str) -> None:
    before = spec.read_bytes()
    with pytest.raises(UserInputError, match=message):
        action(spec)
    assert spec.read_bytes() == before


def test_bad_names_are_rejected_by_validation(spec: Path) -> None:
    with pytest.raises(SpecError):
        add_service(spec, "../etc")
    with pytest.raises(SpecError):
        add_entity(spec, "orders", "Line", ["class:string"])
