"""Deciding, path by path, how a fresh render (THEIRS) lands on the user's files (OURS).

The decision table (PRODUCT.md, "Regeneration contract"), for a path the render produces:

    disk        BASE          GENERATED                       MANAGED
    absent      none          CREATE                          CREATE
    absent      recorded      USER_DELETED (stays deleted)    CREATE (restored)
    == THEIRS   any           SKIP                            SKIP
    == BASE     recorded      UPDATE (write THEIRS)           UPDATE
    edited      == THEIRS     KEEP (only the user changed it) OVERWRITE_MANAGED (backed up)
    edited      other / none  MERGE or CONFLICT (git merge-file, empty base when none);
                              BINARY_CONFLICT for binaries    OVERWRITE_MANAGED (backed up)

USER-owned paths are created once (CREATE), then always SKIP, or USER_DELETED once deleted.
For a path the render no longer produces: DELETE when unmodified, ORPHAN when modified (kept,
or deleted with a backup when pruning); user-owned ones are left alone. A kept orphan stays in
the manifest with its BASE, so that it is reported again until deleted or pruned.
"Equal" ignores line endings for text, so a checkout with CRLF is not mistaken for an edit.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from shopgen.errors import ConflictError, UserInputError
from shopgen.merge.manifest import (
    BACKUP_DIR,
    BINARY_SIDECAR_SUFFIX,
    TEXT_CONFLICT,
    FileRecord,
    Manifest,
    load_manifest,
    read_base,
    sha256,
)
from shopgen.merge.model import Action, ActionKind, Plan, Policy
from shopgen.merge.paths import check_path
from shopgen.merge.textmerge import has_conflict_markers, in_style_of, is_binary, merge3, same_text

PolicyFn = Callable[[str], Policy]


def plan_sync(
    root: Path,
    theirs: Mapping[str, bytes],
    policy: PolicyFn,
    *,
    generator_version: str,
    prune: bool = False,
    sources: Mapping[str, Mapping[str, str]] | None = None,
    moves: Mapping[str, str] | None = None,
    fingerprint: str | None = None,
) -> Plan:
    """Plan how to bring `root` up to date with the render `theirs`. Writes nothing.

    `moves` (old folder prefix -> new, e.g. "a/" -> "b/") plans as if `rename_prefix` had
    moved those folders already: a preview of a rename shows the move, not creations and
    orphans. Such a plan is for showing only; `apply_plan` refuses it.

    `fingerprint`: the caller's digest of what `theirs` was rendered from, recorded with it
    (`recorded_render` hands the render back while the caller's inputs match).

    Raises ConflictError while conflicts recorded by the last sync are unresolved, and
    UserInputError for an unsafe path in `theirs` or a render that does not fit the folders
    on disk.
    """
    root = Path(root)
    for path in theirs:
        check_path(path)
    manifest = load_manifest(root)
    ensure_resolved(root, manifest)
    moves = dict(moves or {})

    def moved(path: str) -> str:
        old = next((o for o in moves if path.startswith(o)), None)
        return moves[old] + path[len(old) :] if old is not None else path

    recorded = {moved(p): record for p, record in (manifest.files if manifest else {}).items()}
    source = {moved(p): p for p in (manifest.files if manifest else {})}  # where it is now
    policies = {path: policy(path) for path in theirs}
    backup_dir = f"{BACKUP_DIR}/{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}"

    actions: list[Action] = []
    base_changes: list[str] = []
    kept: dict[str, bytes] = {}  # orphans kept on disk keep their BASE, so --prune finds them
    reverse = {new: old for old, new in moves.items()}

    def on_disk(path: str) -> str:
        new = next((n for n in reverse if path.startswith(n)), None)
        return reverse[new] + path[len(new) :] if new is not None else path

    for path in sorted(set(theirs) | set(recorded)):
        base = read_base(root, manifest, source.get(path, path))
        if path in theirs:
            new_record = FileRecord(policies[path], sha256(theirs[path]))
            if base is None or recorded.get(path) != new_record:
                base_changes.append(path)
            ours = _read_ours(root, on_disk(path))
            decide = _Decision(path, policies[path], ours, base, backup_dir)
            actions.append(decide.rendered(theirs[path], known=path in recorded))
        else:
            ours = _read_ours(root, on_disk(path))
            decide = _Decision(path, recorded[path].policy, ours, base, backup_dir)
            action = decide.no_longer_rendered(prune)
            actions.append(action)
            if action.kind is ActionKind.ORPHAN and action.new is not None and base is not None:
                kept[path] = base
            else:
                base_changes.append(path)
    _check_layout(root, actions)
    return Plan(
        root=root,
        actions=tuple(actions),
        base=dict(theirs),
        policies=policies,
        generator_version=generator_version,
        base_changes=tuple(base_changes),
        kept_base=kept,
        kept_policies={path: recorded[path].policy for path in kept},
        moves=moves,
        sources={name: dict(record) for name, record in (sources or {}).items()},
        fingerprint=fingerprint,
    )


def ensure_resolved(root: Path, manifest: Manifest | None) -> None:
    """Raise ConflictError if a conflict recorded by the last sync is still unresolved."""
    if manifest is None:
        return
    unresolved = []
    for path, kind in sorted(manifest.conflicts.items()):
        if kind == TEXT_CONFLICT:
            ours = _read_ours(root, path)
            if ours is not None and has_conflict_markers(ours):
                unresolved.append(f"  {path}: still contains conflict markers")
        elif Path(root, path + BINARY_SIDECAR_SUFFIX).exists():
            unresolved.append(f"  {path}: the new version waits in {path}{BINARY_SIDECAR_SUFFIX}")
    if unresolved:
        raise ConflictError(
            "The last sync left conflicts that are not resolved yet:\n"
            + "\n".join(unresolved)
            + "\nIn each file, keep what you want between the '<<<<<<< yours' and"
            " '>>>>>>> new generation' lines and delete the marker lines; for a binary file,"
            f" keep the version you want and delete the {BINARY_SIDECAR_SUFFIX} file."
            " Then run the command again."
        )


def _read_ours(root: Path, path: str) -> bytes | None:
    """The file on disk, or None if there is none (a folder in its place counts as none)."""
    try:
        return Path(root, path).read_bytes()
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return None


def _check_layout(root: Path, actions: list[Action]) -> None:
    """Refuse a plan whose writes would meet a folder where a file goes, or a file where a
    folder goes, unless applying the plan deletes it first (a file the render turned into a
    package, for example)."""
    deleted = {a.path for a in actions if a.new is None and a.old is not None}
    clashes = []
    for action in actions:
        if action.new is None or action.new == action.old:
            continue
        target = root / action.path
        if target.is_dir() and any(
            f.is_file() and f.relative_to(root).as_posix() not in deleted for f in target.rglob("*")
        ):
            clashes.append(f"  {action.path}: a folder on disk where a file is generated")
        for parent in PurePosixPath(action.path).parents:
            if (root / parent).is_file() and parent.as_posix() not in deleted:
                clashes.append(f"  {action.path}: {parent} is a file on disk, not a folder")
    if clashes:
        raise UserInputError(
            "The generated layout does not fit the files on disk:\n"
            + "\n".join(clashes)
            + "\nMove these files or folders aside and run the command again."
        )


class _Decision:
    """One path's inputs; each method returns the action for one side of the table."""

    def __init__(
        self, path: str, policy: Policy, ours: bytes | None, base: bytes | None, backup_dir: str
    ):
        self.path, self.policy, self.ours, self.base = path, policy, ours, base
        self.backup = f"{backup_dir}/{path}"

    def _action(self, kind: ActionKind, reason: str, new: bytes | None, **extra) -> Action:
        return Action(self.path, kind, reason, self.policy, old=self.ours, new=new, **extra)

    def _keep(self, kind: ActionKind, reason: str, **extra) -> Action:
        return self._action(kind, reason, self.ours, **extra)

    def rendered(self, theirs: bytes, *, known: bool) -> Action:
        ours, base = self.ours, self.base
        if ours is None:
            if known and self.policy is not Policy.MANAGED:
                return self._keep(ActionKind.USER_DELETED, "you deleted it: it stays deleted")
            reason = "managed file restored" if known else "new file"
            return self._action(ActionKind.CREATE, reason, theirs)
        if self.policy is Policy.USER:
            return self._keep(ActionKind.SKIP, "yours: shopgen never changes it")
        if same_text(ours, theirs):
            return self._keep(ActionKind.SKIP, "up to date")
        if base is not None and same_text(ours, base):
            return self._action(ActionKind.UPDATE, "unchanged by you", in_style_of(theirs, ours))
        if self.policy is Policy.MANAGED:
            return self._overwrite_managed(theirs)
        if base is not None and theirs == base:
            return self._keep(ActionKind.KEEP, "only you changed it")
        return self._both_changed(theirs)

    def _overwrite_managed(self, theirs: bytes) -> Action:
        return self._action(
            ActionKind.OVERWRITE_MANAGED,
            f"managed file edited by you: rewritten, your version saved to {self.backup}",
            in_style_of(theirs, self.ours),
            backup=self.backup,
        )

    def _both_changed(self, theirs: bytes) -> Action:
        ours, base = self.ours, self.base
        assert ours is not None  # callers handle the absent file first
        if is_binary(ours) or is_binary(theirs) or is_binary(base):
            sidecar = self.path + BINARY_SIDECAR_SUFFIX
            return self._keep(
                ActionKind.BINARY_CONFLICT,
                f"binary changed by you and by the generator: yours kept, new one in {sidecar}",
                sidecar=sidecar,
            )
        result = merge3(ours, base or b"", theirs)
        no_base = "" if base is not None else " (no previous generation to compare with)"
        if result.conflicts:
            return self._action(
                ActionKind.CONFLICT,
                f"{result.conflicts} conflicting change(s) marked in the file{no_base}",
                result.content,
            )
        if result.content == ours:
            return self._keep(ActionKind.KEEP, "your file already has the new changes")
        return self._action(ActionKind.MERGE, f"merged your changes{no_base}", result.content)

    def no_longer_rendered(self, prune: bool) -> Action:
        ours, base = self.ours, self.base
        if self.policy is Policy.USER:
            return self._keep(ActionKind.SKIP, "yours, no longer generated: left alone")
        if ours is None:
            return self._keep(ActionKind.SKIP, "no longer generated and already gone")
        if base is not None and same_text(ours, base):
            return self._action(ActionKind.DELETE, "no longer generated", None)
        if prune:
            return self._action(
                ActionKind.ORPHAN,
                f"no longer generated; pruned, your version saved to {self.backup}",
                None,
                backup=self.backup,
            )
        return self._keep(
            ActionKind.ORPHAN,
            "no longer generated but changed by you: kept (delete it, or sync with --prune)",
        )
