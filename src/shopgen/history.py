"""Migration history: what the last generation left, so that sync only ever adds revisions.

A service's revisions (`services/<module>/migrations/versions/NNNN_*.py`) are history. Once
generated, BASE (`.shopgen/base/`) holds each one as first written and every later render
hands BASE's copy back to the merge (`frozen_revisions`): an untouched revision stays
byte-identical, one the user edited before applying it is kept as edited. What changes in the
spec becomes a new revision, computed by `shopgen.view.migrations` from BASE's
`migrations/schema.json` (the schema of the last generated spec) and the current spec.

A service with no schema recorded in BASE has no history: a new service's first revision is
rendered from the spec. A repository generated before shopgen recorded schemas keeps its
first revision where the schema behind it can be told (`shopgen.unrecorded`).
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Mapping
from pathlib import Path

from shopgen.merge import Manifest
from shopgen.merge.manifest import read_base
from shopgen.view.migrations import History, Revision
from shopgen.view.schema import REFRESH_TOKENS, SCHEMA_FORMAT, Schema, refresh_tokens_table

_REVISION_FILE = re.compile(r"^(\d{4})_[a-z0-9_]*\.py$")
_ANY_REVISION_FILE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_]*\.py$")
_REVISION_ID = re.compile(r"""^revision(?:: [^=]+)? = ['"]([^'"]+)['"]""", re.M)
_DOWN_REVISION = re.compile(r"^down_revision(?:: [^=]+)? = (.+)$", re.M)


def parse_revision(name: str, content: bytes) -> Revision:
    """A revision file's number (from its name), id and the ids it revises."""
    text = content.decode("utf-8", "replace")
    number = int(name[:4]) if name[:4].isdigit() else 0
    found = _REVISION_ID.search(text)
    down: tuple[str, ...] = ()
    if (match := _DOWN_REVISION.search(text)) is not None:
        try:
            value = ast.literal_eval(match.group(1).strip())
        except (ValueError, SyntaxError):
            value = None
        if isinstance(value, str):
            down = (value,)
        elif isinstance(value, tuple | list):
            down = tuple(str(v) for v in value)
    return Revision(number, found.group(1) if found else f"{number:04d}", name, down)


def service_dir(module: str) -> str:
    return f"services/{module}"


def revision_paths(manifest: Manifest | None, folder: str) -> list[str]:
    """The revision files recorded for a service folder, in order."""
    if manifest is None:
        return []
    prefix = f"{folder}/migrations/versions/"
    found = []
    for path in manifest.files:
        name = path[len(prefix) :] if path.startswith(prefix) else ""
        if _REVISION_FILE.match(name):
            found.append(path)
    return sorted(found)


def read_history(root: Path, manifest: Manifest | None, folder: str) -> History | None:
    """The history BASE holds for the service in `folder`, or None without a recorded schema."""
    data = read_base(root, manifest, f"{folder}/migrations/schema.json")
    if data is None:
        return None
    try:
        schema = json.loads(data)
    except ValueError:
        return None
    if not isinstance(schema, dict) or schema.get("format") not in (1, SCHEMA_FORMAT):
        return None
    revisions = recorded_revisions(root, manifest, folder)
    if schema["format"] == 1:
        schema = _from_format_1(schema, read_base(root, manifest, _initial(folder, revisions)))
    return History(schema, revisions)


def _initial(folder: str, revisions: tuple[Revision, ...]) -> str:
    first = revisions[0].file if revisions else "0001_initial.py"
    return f"{folder}/migrations/versions/{first}"


def _from_format_1(schema: Schema, initial: bytes | None) -> Schema:
    """A format 1 snapshot as format 2: with the issuer's refresh_tokens table where the
    first revision created it."""
    tables = dict(schema["tables"])
    if initial is not None and b'"refresh_tokens"' in initial:
        tables[REFRESH_TOKENS] = refresh_tokens_table()
    return {**schema, "format": SCHEMA_FORMAT, "tables": tables}


def recorded_revisions(root: Path, manifest: Manifest | None, folder: str) -> tuple[Revision, ...]:
    """The revisions BASE holds for the service in `folder`, in order."""
    revisions = []
    for path in revision_paths(manifest, folder):
        content = read_base(root, manifest, path)
        if content is not None:
            revisions.append(parse_revision(path.rsplit("/", 1)[1], content))
    return tuple(revisions)


def disk_revisions(root: Path, folder: str, *, numbered: bool = True) -> dict[str, bytes]:
    """The revision files on disk in a service folder (after a git merge: both branches'):
    shopgen's numbered ones, or (numbered=False) any Alembic revision, the user's own too."""
    versions = Path(root, folder, "migrations", "versions")
    if not versions.is_dir():
        return {}
    pattern = _REVISION_FILE if numbered else _ANY_REVISION_FILE
    found = {}
    for file in sorted(versions.iterdir()):
        if file.is_file() and pattern.match(file.name):
            content = file.read_bytes()
            if numbered or _REVISION_ID.search(content.decode("utf-8", "replace")):
                found[f"{folder}/migrations/versions/{file.name}"] = content
    return found


def with_user_revisions(root: Path, history: History, folder: str) -> History:
    """`history` plus the revisions the user wrote themselves (`alembic revision`) found on
    disk in `folder`, so that a new revision continues from the real head."""
    known = {revision.file for revision in history.revisions}
    extra = [
        parse_revision(path.rsplit("/", 1)[1], content)
        for path, content in disk_revisions(root, folder, numbered=False).items()
        if path.rsplit("/", 1)[1] not in known
    ]
    return History(history.schema, (*history.revisions, *extra)) if extra else history


def frozen_revisions(
    root: Path, manifest: Manifest | None, folders: Mapping[str, str]
) -> dict[str, bytes]:
    """BASE's copy of every recorded revision of the services with history, at the path the
    render uses (`folders`: the folder in BASE -> the folder rendered, differing after a
    service rename)."""
    out = {}
    for old, new in folders.items():
        for path in revision_paths(manifest, old):
            content = read_base(root, manifest, path)
            if content is not None:
                out[new + path[len(old) :]] = content
    return out
