"""`shopgen resolve-merge`: finish a git merge of two branches that each ran `shopgen sync`.

Each branch recorded its own BASE in `.shopgen/` (pristine renders, hashes, schemas), so a
merge conflicts there, and neither side's BASE describes the merged tree. Nothing in
`.shopgen/` is the user's work: it is rebuilt from the merged spec instead.

- BASE becomes the render of the merged `shopgen.yaml`. The merged files on disk are the
  user's side: whatever differs from the render is treated as their edit, so nothing either
  branch wrote is lost, and the next sync merges as usual.
- Migration history is what is on disk: both branches' revisions. A service whose history
  now has two heads (each branch added a revision) gets a merge revision that revises both,
  so `alembic upgrade head` has one head again.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from shopgen import __version__
from shopgen.errors import UserInputError
from shopgen.history import disk_revisions, parse_revision
from shopgen.merge import record_base
from shopgen.merge.apply import atomic_write
from shopgen.merge.textmerge import has_conflict_markers
from shopgen.pipeline import SPEC_FILE, load_spec, render_spec
from shopgen.policy import policy_for
from shopgen.view import ProjectView
from shopgen.view.migrations import History


@dataclass(frozen=True)
class ResolveResult:
    files: int
    merge_revisions: tuple[str, ...]  # paths of the merge revisions written


def resolve_merge(root: Path) -> ResolveResult:
    if not (root / SPEC_FILE).is_file():
        raise UserInputError(f"no {SPEC_FILE} in {root}")
    raw, spec = load_spec(root / SPEC_FILE)
    history: dict[str, History] = {}
    recorded: dict[str, bytes] = {}
    for service in ProjectView(spec).services:
        found = disk_revisions(root, f"services/{service.module}", numbered=False)
        unresolved = [path for path, content in found.items() if has_conflict_markers(content)]
        if unresolved:
            raise UserInputError(
                "resolve the git conflicts in these migration revisions first (keep both "
                "branches' files under different names): " + ", ".join(unresolved)
            )
        if not found:
            continue
        revisions = tuple(
            parse_revision(path.rsplit("/", 1)[1], content) for path, content in found.items()
        )
        # The merged spec's schema: both branches' revisions together build it.
        history[service.module] = History(service.schema, revisions)
        recorded.update(disk_revisions(root, f"services/{service.module}"))  # shopgen's own
    rendered = render_spec(root / SPEC_FILE, loaded=(raw, spec), history=history)
    view, files = rendered.view, rendered.files
    files.update(recorded)
    written = []
    for service in view.services:
        if service.new_revision is None:
            continue
        path = f"services/{service.module}/migrations/versions/{service.new_revision.file}"
        if not (root / path).exists():
            atomic_write(root / path, files[path])
            written.append(path)
    record_base(root, files, policy_for, generator_version=__version__, sources=rendered.sources)
    return ResolveResult(len(files), tuple(written))
