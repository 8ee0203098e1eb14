"""`shopgen sync`: re-render from shopgen.yaml and merge the result into the repository."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from shopgen import __version__
from shopgen.errors import UserInputError
from shopgen.generate import SPEC_FILE, load_and_render
from shopgen.merge import Plan, apply_plan, load_manifest, plan_sync, rename_prefix
from shopgen.policy import policy_for
from shopgen.view import ProjectView, python_name


@dataclass(frozen=True)
class SyncResult:
    plan: Plan
    renamed: tuple[tuple[str, str], ...]
    applied: bool


def find_root(start: Path) -> Path:
    """The repository root: the nearest folder at or above `start` holding shopgen.yaml."""
    start = start.absolute()
    for folder in (start, *start.parents):
        if (folder / SPEC_FILE).is_file():
            return folder
    raise UserInputError(
        f"no {SPEC_FILE} in {start} or its parents; run this inside a generated repository"
    )


def sync_project(root: Path, *, dry_run: bool = False, prune: bool = False) -> SyncResult:
    if load_manifest(root) is None:
        raise UserInputError(
            f"{root} has no .shopgen/manifest.json, so shopgen cannot tell your edits from its "
            "own output; it was not created by `shopgen new`"
        )
    _raw, _spec, view, theirs = load_and_render(root / SPEC_FILE)
    renames = _pending_renames(root, view)
    if renames and not dry_run:
        for old, new in renames:
            rename_prefix(root, old, new)
    plan = plan_sync(root, theirs, policy_for, generator_version=__version__, prune=prune)
    if not dry_run:
        apply_plan(plan)  # writes only what differs; also records resolved conflicts
    return SyncResult(plan=plan, renamed=tuple(renames), applied=not dry_run)


def _pending_renames(root: Path, view: ProjectView) -> list[tuple[str, str]]:
    """Services renamed in the spec (`renamed_from`) whose old folder is still on disk: the
    folder moves, BASE with it, so edits follow the service to its new name."""
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
