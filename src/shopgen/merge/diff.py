"""Unified diffs of what a plan would change on disk, for `sync --dry-run`."""

from __future__ import annotations

import difflib

from shopgen.merge.model import Action, Plan
from shopgen.merge.textmerge import is_binary


def action_diff(action: Action) -> str:
    """What applying `action` would change on disk, as a unified diff ("" if nothing)."""
    if not action.changes_disk:
        return ""
    parts = []
    if action.old != action.new:
        parts.append(_diff(action.path, action.old, action.new))
    if action.sidecar is not None:
        parts.append(f"Binary file {action.sidecar} would be created\n")
    return "".join(parts)


def plan_diffs(plan: Plan) -> dict[str, str]:
    """A diff for every action that changes disk, keyed by path (in plan order)."""
    return {action.path: action_diff(action) for action in plan.changes}


def _diff(path: str, old: bytes | None, new: bytes | None) -> str:
    if is_binary(old) or is_binary(new):
        verb = "deleted" if new is None else "created" if old is None else "changed"
        return f"Binary file {path} would be {verb}\n"
    lines = difflib.unified_diff(
        _lines(old),
        _lines(new),
        fromfile="/dev/null" if old is None else f"a/{path}",
        tofile="/dev/null" if new is None else f"b/{path}",
    )
    return "".join(
        line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines
    )


def _lines(data: bytes | None) -> list[str]:
    return [] if data is None else data.decode("utf-8", errors="replace").splitlines(True)
