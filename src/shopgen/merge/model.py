"""The vocabulary of the engine: file policies, planned actions and the plan itself.

Nothing here knows what the files contain or mean; paths are relative POSIX strings.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path


class Policy(enum.StrEnum):
    """Who owns a generated path."""

    GENERATED = "generated"  # 3-way merged with the user's edits
    USER = "user"  # created once, never touched again
    MANAGED = "managed"  # always rewritten; a user edit is backed up and reported


class ActionKind(enum.StrEnum):
    CREATE = "create"  # new file, nothing on disk
    UPDATE = "update"  # the user did not touch it: the new render is written
    KEEP = "keep"  # only the user changed it: their file stays
    MERGE = "merge"  # both changed, merged cleanly
    CONFLICT = "conflict"  # both changed, written with conflict markers
    DELETE = "delete"  # no longer generated and unmodified
    ORPHAN = "orphan"  # no longer generated but modified: kept (deleted with prune)
    USER_DELETED = "user-deleted"  # the user deleted it: stays deleted
    SKIP = "skip"  # nothing to do
    OVERWRITE_MANAGED = "overwrite-managed"  # managed file edited by the user: backed up, rewritten
    BINARY_CONFLICT = "binary-conflict"  # binary changed on both sides: new version written aside


#: Kinds the user must look at after a sync.
ATTENTION_KINDS = frozenset(
    {
        ActionKind.CONFLICT,
        ActionKind.BINARY_CONFLICT,
        ActionKind.ORPHAN,
        ActionKind.OVERWRITE_MANAGED,
    }
)


@dataclass(frozen=True)
class Action:
    """What happens to one path. `old`/`new` are its disk content before/after (None = absent)."""

    path: str
    kind: ActionKind
    reason: str
    policy: Policy
    old: bytes | None = field(default=None, repr=False)
    new: bytes | None = field(default=None, repr=False)
    backup: str | None = None  # where `old` is saved before it is overwritten or pruned
    sidecar: str | None = None  # binary conflicts: where the new render is written instead

    @property
    def changes_disk(self) -> bool:
        return self.old != self.new or self.sidecar is not None

    @property
    def is_conflict(self) -> bool:
        return self.kind in (ActionKind.CONFLICT, ActionKind.BINARY_CONFLICT)


@dataclass(frozen=True)
class Plan:
    """A sync decided but not yet applied. `base` becomes the new BASE (exactly the render)."""

    root: Path
    actions: tuple[Action, ...]
    base: dict[str, bytes] = field(repr=False)
    policies: dict[str, Policy] = field(repr=False)
    generator_version: str
    base_changes: tuple[str, ...] = ()  # paths whose stored BASE would be written or removed
    # Orphans kept on disk: their BASE and policy stay recorded (not part of the render).
    kept_base: dict[str, bytes] = field(default_factory=dict, repr=False)
    kept_policies: dict[str, Policy] = field(default_factory=dict, repr=False)
    # Folder moves this plan assumes done (a preview of a rename): never applied as such.
    moves: dict[str, str] = field(default_factory=dict)
    sources: dict[str, dict[str, str]] = field(default_factory=dict, repr=False)  # manifest's
    fingerprint: str | None = None  # the caller's digest of the render's inputs (manifest's)

    @property
    def changes(self) -> tuple[Action, ...]:
        """Actions that would change the user's files."""
        return tuple(a for a in self.actions if a.changes_disk)

    @property
    def conflicts(self) -> tuple[Action, ...]:
        return tuple(a for a in self.actions if a.is_conflict)

    @property
    def attention(self) -> tuple[Action, ...]:
        """Conflicts, orphans and overwritten managed files: everything to report loudly."""
        return tuple(a for a in self.actions if a.kind in ATTENTION_KINDS)

    @property
    def drift(self) -> tuple[str, ...]:
        """Paths where disk or BASE disagree with the render (what `sync --check` fails on)."""
        return tuple(sorted({a.path for a in self.changes} | set(self.base_changes)))

    @property
    def is_noop(self) -> bool:
        return not self.drift
