"""Services rendered from a team's own copier or cookiecutter template (docs/templates.md).

    team = render_team_services(view, project_dir)
    files = team.apply(built_in_files)   # services/<module>/ comes from the team's template
    team.sources                         # template versions, recorded in the manifest

A service with `template:` gets the template's output as its folder `services/<module>/`,
instead of the built-in service files; everything else (gateway, runtime, system, deployment,
system tests) is built in. The output is then BASE and merged like any other output.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from shopgen.errors import ShopgenError
from shopgen.spec.templates import TemplateLocation, locate, template_format
from shopgen.team_templates.context import cookiecutter_context, copier_data
from shopgen.team_templates.engines import TeamTemplateError, render_cookiecutter, render_copier
from shopgen.team_templates.fetch import TemplateFetchError, materialize, tree_hash
from shopgen.view import ProjectView
from shopgen.view.services import ServiceView

__all__ = [
    "TeamRender",
    "TeamTemplateError",
    "TemplateFetchError",
    "describe_sources",
    "render_team_services",
    "team_template_versions",
]


@dataclass
class TeamRender:
    """The files of every service rendered from a team template, and where they came from."""

    files: dict[str, dict[str, bytes]] = field(default_factory=dict)  # folder -> {path: bytes}
    sources: dict[str, dict[str, str]] = field(default_factory=dict)  # "services.<name>" -> …

    def apply(self, built_in: dict[str, bytes]) -> dict[str, bytes]:
        """The built-in render with each templated service's folder replaced by its output."""
        folders = tuple(f"{folder}/" for folder in self.files)
        merged = {p: c for p, c in built_in.items() if not p.startswith(folders)}
        for folder, files in self.files.items():
            for relative, content in files.items():
                path = f"{folder}/{relative}"
                if path in merged:  # defence in depth: the folder is the service's own
                    raise TeamTemplateError(f"{folder}: its output would overwrite {path}")
                merged[path] = content
        return dict(sorted(merged.items()))


def render_team_services(view: ProjectView, spec_path: Path, *, fetch: bool = True) -> TeamRender:
    """Render every service that names a template. Fetches git templates unless `fetch` is
    False (then they come from the cache as the last new or sync left it)."""
    project_dir = spec_path.parent.resolve()
    team = TeamRender()
    for service in view.services:
        if service.spec.template is None:
            continue
        location = locate(service.spec.template, project_dir)
        where = f"{spec_path}: services.{service.name}.template ({location.source})"
        try:
            files, record = _render_one(service, view, location, fetch)
        except (ShopgenError, OSError) as exc:  # OSError: an unreadable template file
            raise TeamTemplateError(f"{where}: {exc}") from exc
        team.files[f"services/{service.module}"] = files
        team.sources[f"services.{service.name}"] = record
    return team


def team_template_versions(
    view: ProjectView, spec_path: Path, *, fetch: bool = True
) -> dict[str, dict[str, str]]:
    """The version records `render_team_services` would put in `sources`, without rendering:
    each template is fetched (unless `fetch` is False) and exported, as for a render."""
    project_dir = spec_path.parent.resolve()
    versions = {}
    for service in view.services:
        if service.spec.template is None:
            continue
        location = locate(service.spec.template, project_dir)
        try:
            with tempfile.TemporaryDirectory(prefix="shopgen-team-template-") as work:
                versions[f"services.{service.name}"] = _materialize(location, Path(work), fetch)
        except (ShopgenError, OSError) as exc:
            where = f"{spec_path}: services.{service.name}.template ({location.source})"
            raise TeamTemplateError(f"{where}: {exc}") from exc
    return versions


def _materialize(location: TemplateLocation, source: Path, fetch: bool) -> dict[str, str]:
    """The template's files into the empty folder `source`; returns its version record."""
    record = materialize(location, source, fetch=fetch)
    kind = template_format(source)
    if kind is None:
        raise TeamTemplateError(
            "neither a copier template (copier.yml) nor a cookiecutter template (cookiecutter.json)"
        )
    record["format"] = kind
    return record


def _render_one(
    service: ServiceView, view: ProjectView, location: TemplateLocation, fetch: bool
) -> tuple[dict[str, bytes], dict[str, str]]:
    with tempfile.TemporaryDirectory(prefix="shopgen-team-template-") as work:
        source, output = Path(work, "template"), Path(work, "output")
        source.mkdir()
        record = _materialize(location, source, fetch)
        kind = record["format"]
        if kind == "copier":
            rendered = render_copier(source, copier_data(service, view), output)
        else:
            rendered = render_cookiecutter(source, cookiecutter_context(service, view), output)
        files = _collect(rendered)
    if not files:
        raise TeamTemplateError("it rendered no files")
    return files, record


def _collect(folder: Path) -> dict[str, bytes]:
    """The rendered files by POSIX path; links and unsafe names are refused, never followed."""
    files: dict[str, bytes] = {}
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder).as_posix()
        if path.is_symlink():
            raise TeamTemplateError(f"it renders a symbolic link, {relative}; shopgen writes files")
        parts = PurePosixPath(relative).parts
        if any(part in ("..", ".git") or "\\" in part for part in parts):
            raise TeamTemplateError(f"it renders an unsafe path: {relative!r}")
        if path.is_file() and "__pycache__" not in parts:
            files[relative] = path.read_bytes()
    return files


def describe_sources(root: Path, sources: dict[str, dict[str, str]]) -> tuple[str, list[str]]:
    """For `doctor`: one line per template version recorded in the manifest, and the local
    template folders that changed since (a sync would re-render them). Never fetches."""
    lines, changed = [], []
    for name, record in sorted(sources.items()):
        version = (record.get("commit") or f"sha256:{record.get('sha256', '?')}")[:19]
        ref = f" ({record['ref']})" if "ref" in record else ""
        lines.append(f"{name}: {record.get('format', '?')} {record.get('source')}{ref} @ {version}")
        folder = root / record.get("source", "")
        if "sha256" in record and folder.is_dir() and tree_hash(folder) != record["sha256"]:
            changed.append(name)
    return "\n".join(lines), changed
