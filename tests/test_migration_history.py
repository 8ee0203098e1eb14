"""Random sequences of spec changes (hypothesis), on SQLite: the migration history only grows.

After every sync, each revision written before is byte-identical and a schema change adds
exactly one revision; after the sequence, a database that held rows at the first head and a
fresh one both upgrade to a schema Alembic's compare finds equal to the models.

The default run tries a few sequences (each generates a repository and runs its migrations);
`pytest -m fuzz` runs many more.
"""

from __future__ import annotations

import copy
import os
import random
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shopgen.sync import sync_project
from tests.test_migrations import (
    BASE_SPEC,
    ITEMS,
    generated,
    insert_rows,
    probe,
    revisions,
    write_spec,
)

EXAMPLES = int(os.environ.get("SHOPGEN_FUZZ_EXAMPLES", "0")) or 2
TYPES = ["string", "text", "integer", "decimal", "boolean", "date"]
DEFAULTS = {"string": "x", "text": "x", "integer": 1, "decimal": 1, "boolean": True}
NAMES = [f"extra_{n}" for n in range(12)]


def _entities(spec: dict[str, Any]) -> dict[str, Any]:
    return spec["services"]["stock"]["entities"]


def _extra_fields(spec: dict[str, Any]) -> list[tuple[str, str]]:
    """(entity, field) pairs the changes may touch: never the base fields the rows fill."""
    return [
        (entity, name)
        for entity, body in _entities(spec).items()
        for name in body["fields"]
        if name.startswith("extra_")
    ]


def _free_name(spec: dict[str, Any], rng: random.Random) -> str | None:
    used = {name for _entity, name in _extra_fields(spec)}
    free = [n for n in NAMES if n not in used]
    return rng.choice(free) if free else None


def change(spec: dict[str, Any], kind: str, rng: random.Random, shared: set[str]) -> None:
    """Apply one random change of `kind`; a change that does not apply leaves the spec as is.

    `shared` names the fields whose rows already held all share one value (added with a
    default): making one unique is refused as destructive, and would fail the upgrade.
    """
    entities = _entities(spec)
    extras = _extra_fields(spec)
    if kind == "add_field":
        name = _free_name(spec, rng)
        if name is None:
            return
        type_ = rng.choice(TYPES)
        field: dict[str, Any] = {"type": type_}
        if type_ in DEFAULTS and rng.random() < 0.5:
            field["default"] = DEFAULTS[type_]
            shared.add(name)
        else:
            field["optional"] = True
            shared.discard(name)
        entities[rng.choice(sorted(entities))]["fields"][name] = field
    elif kind == "drop_field" and extras:
        entity, name = rng.choice(extras)
        del entities[entity]["fields"][name]
        shared.discard(name)
        entities[entity]["filter"] = [f for f in entities[entity].get("filter", []) if f != name]
    elif kind == "rename_field" and extras:
        entity, name = rng.choice(extras)
        new = _free_name(spec, rng)
        if new is None:
            return
        fields = entities[entity]["fields"]
        fields[new] = {**fields.pop(name), "renamed_from": name}
        if name in shared:
            shared.symmetric_difference_update({name, new})
        entities[entity]["filter"] = [
            new if f == name else f for f in entities[entity].get("filter", [])
        ]
    elif kind == "toggle_unique" and extras:
        entity, name = rng.choice(extras)
        field = entities[entity]["fields"][name]
        if field.get("optional") and field["type"] in ("string", "integer") and name not in shared:
            field["unique"] = not field.get("unique", False)
    elif kind == "toggle_index" and extras:
        entity, name = rng.choice(extras)
        filters = entities[entity].setdefault("filter", [])
        if name in filters:
            filters.remove(name)
        elif entities[entity]["fields"][name]["type"] in ("string", "integer", "boolean"):
            filters.append(name)
    elif kind == "resize" and extras:
        entity, name = rng.choice(extras)
        field = entities[entity]["fields"][name]
        if field["type"] == "string":
            field["max_length"] = rng.choice([20, 60, 255, 400])
    elif kind == "make_optional" and extras:
        entity, name = rng.choice(extras)
        entities[entity]["fields"][name].pop("default", None)
        entities[entity]["fields"][name]["optional"] = True
    elif kind == "add_entity":
        name = rng.choice(["Shelf", "Bin", "Note"])
        if name not in entities:
            entities[name] = {"fields": {"label": {"type": "string", "optional": True}}}
    elif kind == "drop_entity":
        extra = [e for e in entities if e not in ("Category", "Item")]
        if extra:
            del entities[rng.choice(extra)]


KINDS = ["add_field", "drop_field", "rename_field", "toggle_unique", "toggle_index", "resize",
         "make_optional", "add_entity", "drop_entity"]  # fmt: skip


def _clean_renames(spec: dict[str, Any]) -> None:
    """`renamed_from` left in place after a sync is harmless; dropping it half the time
    exercises both."""
    for body in _entities(spec).values():
        for field in body["fields"].values():
            field.pop("renamed_from", None)


def _check_sequence(steps: list[tuple[str, int]]) -> None:
    work = Path(tempfile.mkdtemp(prefix="shopgen-history-"))
    try:
        root = generated(work, BASE_SPEC)
        url = f"sqlite+aiosqlite:///{root / '.data' / 'held.db'}"
        probe(root, url, "upgrade")
        insert_rows(url)
        spec = copy.deepcopy(BASE_SPEC)
        shared: set[str] = set()
        for kind, seed in steps:
            rng = random.Random(seed)
            if rng.random() < 0.5:
                _clean_renames(spec)
            before_spec = copy.deepcopy(spec)
            change(spec, kind, rng, shared)
            write_spec(root, spec)
            before = revisions(root)
            result = sync_project(root, allow_destructive=True)
            assert result.applied and not result.plan.conflicts
            after = revisions(root)
            assert {k: v for k, v in after.items() if k in before} == before  # append-only
            added = set(after) - set(before)
            # No view: the spec's bytes were those of the last sync, so nothing was modelled.
            changed = result.view is not None and result.view.services[0].new_revision is not None
            assert len(added) == (1 if changed else 0), (kind, added)
            if before_spec == spec:
                assert not added
            assert sync_project(root).plan.is_noop  # a second sync adds nothing
        fresh = f"sqlite+aiosqlite:///{root / '.data' / 'fresh.db'}"
        checked = probe(root, url, "upgrade", "compare", "count:items",
                        "url:" + fresh, "upgrade", "compare")  # fmt: skip
        assert checked["compare"] == [] and checked["compare@1"] == []
        assert checked["count"] == len(ITEMS)
    finally:
        shutil.rmtree(work, ignore_errors=True)


STEPS = st.lists(st.tuples(st.sampled_from(KINDS), st.integers(0, 2**16)), min_size=1, max_size=4)
SETTINGS = {
    "deadline": None,
    "derandomize": False,
    "suppress_health_check": [HealthCheck.too_slow],
    "database": None,
}


@settings(max_examples=EXAMPLES, **SETTINGS)
@given(STEPS)
def test_random_spec_changes_keep_the_history_append_only(steps) -> None:
    _check_sequence(steps)


@pytest.mark.fuzz
@settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", "40")), **SETTINGS)
@given(st.lists(st.tuples(st.sampled_from(KINDS), st.integers(0, 2**16)), min_size=2, max_size=8))
def test_many_random_spec_changes_keep_the_history_append_only(steps) -> None:
    _check_sequence(steps)
