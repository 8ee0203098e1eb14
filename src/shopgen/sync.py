"""`shopgen sync`: re-render from shopgen.yaml and merge the result into the repository."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.version import InvalidVersion, Version

from shopgen import SPEC_FILE, __version__
from shopgen.errors import UserInputError
from shopgen.fingerprint import plain_spec_fingerprint
from shopgen.merge import (
    Manifest,
    Plan,
    apply_plan,
    load_manifest,
    plan_sync,
    recorded_render,
    rename_prefix,
)
from shopgen.policy import policy_for

if TYPE_CHECKING:
    from shopgen.view import ProjectView


@dataclass(frozen=True)
class SyncResult:
    plan: Plan
    renamed: tuple[tuple[str, str], ...]
    applied: bool
    view: ProjectView | None = None
    destructive: tuple[str, ...] = ()  # destructive steps of new revisions, refused or allowed
    refused: bool = False  # destructive steps without --allow-destructive: nothing was written
    # (file, old module) for Python files that still import a renamed service's old package.
    stale_imports: tuple[tuple[str, str], ...] = ()
    # Nothing the render depends on changed since the last sync: BASE stood in for the render.
    reused_render: bool = False


def find_root(start: Path) -> Path:
    """The repository root: the nearest folder at or above `start` holding shopgen.yaml."""
    start = start.absolute()
    for folder in (start, *start.parents):
        if (folder / SPEC_FILE).is_file():
            return folder
    raise UserInputError(
        f"no {SPEC_FILE} in {start} or its parents; run this inside a generated repository"
    )


def sync_project(
    root: Path,
    *,
    dry_run: bool = False,
    prune: bool = False,
    allow_destructive: bool = False,
    fetch: bool = True,
) -> SyncResult:
    """`fetch=False` (doctor): teams' git templates come from the cache, never the network.
    A new migration revision that drops or narrows data is refused (nothing written) unless
    `allow_destructive`."""
    manifest = load_manifest(root)
    if manifest is None:
        raise UserInputError(
            f"{root} has no .shopgen/manifest.json, so shopgen cannot tell your edits from its "
            "own output; it was not created by `shopgen new`"
        )
    check_generator_version(manifest)
    base = _unchanged_render(root, manifest)
    if base is not None:
        # Nothing the render depends on changed: BASE is the render, and the spec's models,
        # the view and the renderer are not even loaded (a no-op sync costs its imports).
        plan = plan_sync(
            root,
            base,
            policy_for,
            generator_version=__version__,
            prune=prune,
            fingerprint=manifest.fingerprint,
        )
        if not dry_run:
            apply_plan(plan)
        return SyncResult(plan, (), not dry_run, reused_render=True)
    return _render_and_merge(root, manifest, dry_run, prune, allow_destructive, fetch)


def _unchanged_render(root: Path, manifest: Manifest) -> dict[str, bytes] | None:
    """BASE, when a look that builds no model shows that rendering again would give it: the
    fingerprint of a spec without templates matches, and no layout upgrade is due. None sends
    sync down the full path (which may still reuse BASE, see `render_with_history`)."""
    spec_path = root / SPEC_FILE
    if manifest.fingerprint is None or manifest.sources or not spec_path.is_file():
        return None
    if any(root.glob("services/*/custom/operations.py")):  # an old layout to upgrade
        return None
    fingerprint = plain_spec_fingerprint(spec_path.read_bytes())
    return None if fingerprint is None else recorded_render(root, manifest, fingerprint)


def _render_and_merge(
    root: Path,
    manifest: Manifest,
    dry_run: bool,
    prune: bool,
    allow_destructive: bool,
    fetch: bool,
) -> SyncResult:
    """The full path: read the spec into its models, render (or reuse BASE), carry out service
    renames and layout upgrades, gate destructive revisions, merge."""
    from shopgen.layout import legacy_operations
    from shopgen.pipeline import load_spec, render_with_history
    from shopgen.view import ProjectView

    raw, spec = load_spec(root / SPEC_FILE)
    service_renames = _pending_renames(root, ProjectView(spec))
    rendered, fingerprint, reused = render_with_history(
        root, manifest, raw, spec, dict(service_renames), fetch=fetch
    )
    view, theirs = rendered.view, rendered.files
    destructive = tuple(
        f"{service.name}: {step}"
        for service in view.services
        if service.new_revision is not None
        for step in service.new_revision.destructive
    ) + tuple(
        f"{name}: 0001_initial.py is rendered again: an earlier shopgen wrote it and kept no "
        "schema, and the spec changed since, so a database at revision 0001 would not get "
        "that change. Sync first with the spec as it was last generated (git stash), then "
        "change it"
        for name in rendered.unrecorded
    )
    refused = bool(destructive) and not allow_destructive
    applied = not dry_run and not refused
    if service_renames and applied:
        for old, new in service_renames:
            rename_prefix(root, old, new)
    # Old single-module operations move into the per-operation layout, still serving.
    upgrades = legacy_operations(root, view)
    if applied:
        for upgrade in upgrades:
            upgrade.apply(root)
    renames = [*service_renames, *((upgrade.old, upgrade.new) for upgrade in upgrades)]
    # A preview plans a service rename as done, so it shows the move and what really changes.
    plan = plan_sync(
        root,
        theirs,
        policy_for,
        generator_version=__version__,
        prune=prune,
        sources=rendered.sources,
        moves=None if applied else dict(service_renames),
        fingerprint=fingerprint,
    )
    if applied:
        apply_plan(plan)  # writes only what differs; also records resolved conflicts
    stale = _stale_imports(root, plan, service_renames, moved=applied)
    return SyncResult(plan, tuple(renames), applied, view, destructive, refused, stale, reused)


def check_generator_version(manifest: Manifest) -> None:
    """Refuse to sync a repository last generated by a newer shopgen: its templates would be
    reverted to older ones and the recorded version rewritten."""
    recorded = manifest.generator_version
    try:
        newer = Version(recorded) > Version(__version__)
    except InvalidVersion:
        raise UserInputError(
            f".shopgen/manifest.json records generator version {recorded!r}, which is not a "
            "version number; restore it from version control"
        ) from None
    if newer:
        raise UserInputError(
            f"this repository was last generated by shopgen {recorded}, and this is shopgen "
            f"{__version__}: syncing would revert it to older templates. Install shopgen "
            f">= {recorded} (pip install 'shopgen>={recorded}') and run the command again."
        )


_SKIPPED_FOLDERS = frozenset({".git", ".venv", ".shopgen", ".data", ".run", "node_modules"})


def _stale_imports(
    root: Path, plan: Plan, renames: list[tuple[str, str]], *, moved: bool
) -> tuple[tuple[str, str], ...]:
    """Python files that, once the plan is applied, still import a renamed service's old
    package (`services.<old>`): the user's own code, which sync does not rewrite."""
    if not renames:
        return ()
    planned = {action.path: action.new for action in plan.actions}
    modules = [old.split("/")[1] for old, _new in renames]
    patterns = {
        module: re.compile(rf"\bservices\.{module}\b|\bfrom services import [^\n]*\b{module}\b")
        for module in modules
    }
    found = []
    for file in sorted(root.rglob("*.py")):
        relative = file.relative_to(root)
        if _SKIPPED_FOLDERS & set(relative.parts):
            continue
        path = relative.as_posix()
        if not moved:  # a preview: files of a renamed folder are judged at their new place
            path = next((n + path[len(o) :] for o, n in renames if path.startswith(o)), path)
        content = planned[path] if path in planned else file.read_bytes()
        if content is None:
            continue
        text = content.decode("utf-8", "replace")
        found += [(path, old) for old, pattern in patterns.items() if pattern.search(text)]
    return tuple(found)


def _pending_renames(root: Path, view: ProjectView) -> list[tuple[str, str]]:
    """Services renamed in the spec (`renamed_from`) whose old folder is still on disk: the
    folder moves, BASE with it, so edits follow the service to its new name."""
    from shopgen.view import python_name

    moves = []
    for service in view.services:
        old = service.spec.renamed_from
        if old is None:
            continue
        old_prefix = f"services/{python_name(old)}/"
        new_prefix = f"services/{service.module}/"
        if (root / old_prefix).is_dir() and not (root / new_prefix).exists():
            moves.append((old_prefix, new_prefix))
    return moves
