"""The pipeline that `new`, `sync`, `resolve-merge` and `doctor` share.

spec -> view -> render -> format: `load_spec` reads and validates the spec; `render_spec`
builds the view model (shopgen.view), renders every file in memory (shopgen.render, overrides,
teams' templates) and lays the Python out with the pinned ruff (shopgen.format);
`render_with_history` does the same for an existing repository, continuing the migration
history its BASE holds. Nothing here writes to a repository: `generate` writes a new one,
`sync` and `resolve` merge into an existing one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from shopgen import SPEC_FILE
from shopgen.errors import UserInputError
from shopgen.fingerprint import render_fingerprint
from shopgen.format import format_python
from shopgen.history import (
    frozen_revisions,
    read_history,
    recorded_revisions,
    service_dir,
    with_user_revisions,
)
from shopgen.merge import Manifest, recorded_render
from shopgen.merge.manifest import read_base
from shopgen.overrides import check_overrides, overrides_folder
from shopgen.spec import Spec, parse_spec, read_spec_text
from shopgen.view import ProjectView
from shopgen.view.migrations import History


def load_spec(spec_path: Path) -> tuple[bytes, Spec]:
    """Read and validate; nothing touches the disk."""
    raw = spec_path.read_bytes() if spec_path.is_file() else None
    if raw is None:
        raise UserInputError(f"spec file not found: {spec_path}")
    return raw, parse_spec(read_spec_text(spec_path), spec_path)


@dataclass(frozen=True)
class Rendered:
    """A spec and its full render: built-in files, overrides and teams' service templates."""

    raw: bytes
    spec: Spec
    view: ProjectView
    files: dict[str, bytes]
    sources: dict[str, dict[str, str]]  # teams' template versions, for the manifest
    # Services (by name) whose first revision is rendered again though BASE holds one (a
    # repository of shopgen 0.1.0 whose spec changed since, see shopgen.unrecorded).
    unrecorded: tuple[str, ...] = ()


def render_spec(
    spec_path: Path,
    *,
    fetch: bool = True,
    loaded: tuple[bytes, Spec] | None = None,
    history: Mapping[str, History] | None = None,
) -> Rendered:
    """Read, validate and render; nothing in the repository is written. Teams' git templates
    are fetched into shopgen's cache (with `fetch=False`, taken from it as they are).
    `loaded`: the spec already read by `load_spec`; `history`: the services' migration
    history (sync), without which each service's first revision is rendered."""
    # The renderer (jinja) and teams' engines load here: a sync with nothing to render skips them.
    from shopgen.render import render_project
    from shopgen.team_templates import render_team_services

    raw, spec = loaded or load_spec(spec_path)
    view = ProjectView(spec, history or {})
    overrides = overrides_folder(spec, spec_path)
    if overrides is not None:
        check_overrides(overrides)
    files = format_python(render_project(view.context(), overrides=overrides))
    team = render_team_services(view, spec_path, fetch=fetch)
    return Rendered(raw, spec, view, team.apply(files), team.sources)


def load_and_render(spec_path: Path) -> tuple[bytes, Spec, ProjectView, dict[str, bytes]]:
    """Read, validate and render; nothing touches the repository."""
    rendered = render_spec(spec_path)
    return rendered.raw, rendered.spec, rendered.view, rendered.files


def render_with_history(
    root: Path,
    manifest: Manifest,
    raw: bytes,
    spec: Spec,
    renames: dict[str, str],
    *,
    fetch: bool = True,
) -> tuple[Rendered, str, bool]:
    """The render of `spec` that continues the migration history BASE holds: recorded
    revisions as BASE has them, plus one new revision per service whose schema changed.
    `renames`: service folders moving (old prefix -> new prefix), read from the old one.

    Also returns the render's fingerprint, and whether BASE stood in for the render: it does
    when the fingerprint recorded with it matches (nothing the render depends on changed, see
    shopgen.fingerprint) and no service is being renamed. Only the render is skipped; what
    sync does with it is the same either way."""
    folders = {}  # folder in BASE -> folder rendered
    for service in ProjectView(spec).services:
        new = service_dir(service.module)
        old = next((o for o, n in renames.items() if n.rstrip("/") == new), new + "/")
        folders[old.rstrip("/")] = new
    history = {}
    for old, new in folders.items():
        found = read_history(root, manifest, old)
        if found is not None:
            history[new.removeprefix("services/")] = with_user_revisions(root, found, old)
    spec_path = root / SPEC_FILE
    versions = _team_template_versions(spec, spec_path, fetch=fetch)
    fingerprint = render_fingerprint(raw, overrides_folder(spec, spec_path), versions)
    recorded = None if renames else recorded_render(root, manifest, fingerprint)
    if recorded is not None:
        view = ProjectView(spec, history)
        return Rendered(raw, spec, view, recorded, versions), fingerprint, True
    # Teams' templates were just fetched for their versions: render that very commit.
    fetch = fetch and not versions
    rendered = render_spec(spec_path, fetch=fetch, loaded=(raw, spec), history=history)
    unrecorded = _unrecorded_histories(root, manifest, folders, history, rendered)
    kept = {module: found for module, found in unrecorded.items() if found is not None}
    if kept:  # their first revision is history after all: render with it
        history.update(kept)
        rendered = render_spec(spec_path, fetch=False, loaded=(raw, spec), history=history)
    if not_kept := set(unrecorded) - set(kept):
        names = tuple(s.name for s in rendered.view.services if s.module in not_kept)
        rendered = replace(rendered, unrecorded=names)
    with_history = {
        old: new for old, new in folders.items() if new.removeprefix("services/") in history
    }
    rendered.files.update(frozen_revisions(root, manifest, with_history))
    return rendered, fingerprint, False


def _unrecorded_histories(
    root: Path,
    manifest: Manifest,
    folders: Mapping[str, str],
    history: Mapping[str, History],
    rendered: Rendered,
) -> dict[str, History | None]:
    """For each service whose first revision BASE holds without a recorded schema (a
    repository of shopgen 0.1.0): the history continuing from it, or None where the schema
    behind it cannot be told (`shopgen.unrecorded`)."""
    from shopgen.unrecorded import INITIAL, adopt

    found: dict[str, History | None] = {}
    for old, new in folders.items():
        module = new.removeprefix("services/")
        base_initial = read_base(root, manifest, f"{old}/migrations/versions/{INITIAL}")
        if module in history or base_initial is None:
            continue
        service = next(s for s in rendered.view.services if s.module == module)
        recorded = History({}, recorded_revisions(root, manifest, old))
        found[module] = adopt(
            base_initial,
            rendered.files.get(f"{new}/migrations/versions/{INITIAL}", b""),
            service.schema,
            service.issuer.entity.table if service.issuer else None,
            with_user_revisions(root, recorded, old),
        )
    return found


def _team_template_versions(
    spec: Spec, spec_path: Path, *, fetch: bool
) -> dict[str, dict[str, str]]:
    if not any(service.template for service in spec.services.values()):
        return {}  # without importing teams' engines
    from shopgen.team_templates import team_template_versions

    return team_template_versions(ProjectView(spec), spec_path, fetch=fetch)
