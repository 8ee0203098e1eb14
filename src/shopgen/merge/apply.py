"""Carrying out a plan: atomic writes to the user's files, then the new BASE and manifest.

The manifest is written last: it is the commit point. An interrupted apply leaves files that
the next sync recognises (equal to the render: SKIP) or merges; it never loses an edit.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Collection, Mapping
from contextlib import suppress
from functools import cache
from pathlib import Path

from shopgen.errors import ShopgenError
from shopgen.merge.manifest import (
    BASE_DIR,
    BINARY_CONFLICT,
    MANIFEST_PATH,
    TEXT_CONFLICT,
    FileRecord,
    Manifest,
    sha256,
)
from shopgen.merge.model import ActionKind, Plan, Policy
from shopgen.merge.paths import check_path


def apply_plan(plan: Plan) -> Manifest:
    """Write the plan's changes, then record the render as the new BASE. Returns the manifest.

    Conflicted files are written with their markers and recorded in the manifest, so that the
    next sync refuses to run until the user has resolved them.
    """
    root = plan.root
    if plan.moves:
        raise ShopgenError("a plan made with moves is a preview; move the folders, then plan")
    # Deletions first, so that a file the render turned into a folder (or back) makes room.
    for action in sorted(plan.changes, key=lambda a: a.new is not None):
        current = _read(root / action.path)
        if current != action.old:
            raise ShopgenError(
                f"{action.path} changed while shopgen was syncing; run the command again."
            )
        if action.backup is not None and action.old is not None:
            atomic_write(root / action.backup, action.old)
        if action.sidecar is not None:
            atomic_write(root / action.sidecar, plan.base[action.path])
        if action.new is None:
            remove_file(root, action.path)
        elif action.new != action.old:
            atomic_write(root / action.path, action.new)
    conflicts = {
        action.path: TEXT_CONFLICT if action.kind is ActionKind.CONFLICT else BINARY_CONFLICT
        for action in plan.conflicts
    }
    base = {**plan.kept_base, **plan.base}
    policies = {**plan.kept_policies, **plan.policies}
    # With orphans kept, BASE holds more than the render: no fingerprint vouches for it.
    fingerprint = None if plan.kept_base else plan.fingerprint
    return _store_base(
        root,
        base,
        policies,
        plan.generator_version,
        conflicts,
        plan.sources,
        fingerprint,
        changed=plan.base_changes,
    )


def record_base(
    root: Path,
    theirs: Mapping[str, bytes],
    policy: Callable[[str], Policy],
    *,
    generator_version: str,
    sources: Mapping[str, Mapping[str, str]] | None = None,
    fingerprint: str | None = None,
) -> Manifest:
    """Record `theirs` as BASE without touching the user's files (after `new` wrote them).

    `plan_sync` + `apply_plan` on an empty folder does the same and also writes the files.
    """
    for path in theirs:
        check_path(path)
    policies = {path: policy(path) for path in theirs}
    recorded = {name: dict(record) for name, record in (sources or {}).items()}
    return _store_base(Path(root), theirs, policies, generator_version, {}, recorded, fingerprint)


def _store_base(
    root: Path,
    base: Mapping[str, bytes],
    policies: Mapping[str, Policy],
    generator_version: str,
    conflicts: dict[str, str],
    sources: dict[str, dict[str, str]] | None = None,
    fingerprint: str | None = None,
    *,
    changed: Collection[str] | None = None,
) -> Manifest:
    """Write BASE files and the manifest, skipping every file whose content is already right.

    `changed`: the only paths whose BASE may differ (a plan's `base_changes`, for which the
    planner checked every other stored file against its hash); None: any may."""
    base_root = root / BASE_DIR
    changed = None if changed is None else set(changed)
    if base_root.is_dir() and (changed is None or changed):
        # Stale files first: a file may have become a folder, or back.
        stale = [
            file
            for file in base_root.rglob("*")
            if file.is_file() and file.relative_to(base_root).as_posix() not in base
        ]
        for file in stale:
            remove_file(base_root, file.relative_to(base_root).as_posix())
    first = not base_root.exists() and not (root / MANIFEST_PATH).exists()
    for path, data in base.items():
        if changed is not None and path not in changed:
            continue
        if first:
            # A first BASE (`new`): nothing reads it before the manifest, written last, makes
            # it count, so plain writes do (no temporary file and rename per file).
            (base_root / path).parent.mkdir(parents=True, exist_ok=True)
            (base_root / path).write_bytes(data)
        elif _read(base_root / path) != data:
            atomic_write(base_root / path, data)
    manifest = Manifest(
        generator_version=generator_version,
        files={path: FileRecord(policies[path], sha256(data)) for path, data in base.items()},
        conflicts=conflicts,
        sources=sources or {},
        fingerprint=fingerprint,
    )
    text = manifest.to_json().encode()
    if _read(root / MANIFEST_PATH) != text:
        atomic_write(root / MANIFEST_PATH, text)
    return manifest


def _read(file: Path) -> bytes | None:
    try:
        return file.read_bytes()
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return None


@cache
def _default_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def atomic_write(target: Path, data: bytes) -> None:
    """Replace `target` with `data` in one step: readers see the old or the new file, never half.

    The temporary file lives in the target's folder (os.replace is atomic only within a file
    system) and is removed if anything fails. An existing file keeps its permission bits.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode = os.stat(target).st_mode & 0o7777
    except FileNotFoundError:
        mode = _default_mode()
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def remove_file(root: Path, path: str) -> None:
    """Delete `root/path`, then every parent folder that became empty (up to `root`)."""
    target = root / path
    target.unlink(missing_ok=True)
    folder = target.parent
    while folder != root and root in folder.parents:
        try:
            folder.rmdir()
        except OSError:  # not empty (or already gone): stop climbing
            break
        folder = folder.parent
