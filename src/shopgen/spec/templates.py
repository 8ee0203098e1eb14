"""Where a spec's templates live: a service's `template:` and the top-level `templates:`.

A template is one of:
- a git URL (`https://…`, `ssh://…`, `git@host:…`, `file://…`, `gh:owner/repo`,
  `gl:owner/repo`), optionally pinned with `ref`;
- a local path to a git repository of its own (a folder with `.git`), anywhere on this
  machine: treated like a git URL (copier does the same), so its commits are its versions;
- a plain folder relative to `shopgen.yaml`, which must stay inside the project (the folder
  holding `shopgen.yaml`).
These checks never touch the network: git templates are only fetched by `new` and `sync`
(`shopgen.team_templates`).
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from shopgen.errors import Issue
from shopgen.spec.loader import SourceMap
from shopgen.spec.model import Spec, TeamTemplate

COPIER_FILES = ("copier.yml", "copier.yaml")
COOKIECUTTER_FILE = "cookiecutter.json"
_GIT_URL = re.compile(r"^(?:git\+)?(?:https?|ssh|git|file)://\S+$|^[\w.-]+@[\w.-]+:\S+$")
_SHORTCUTS = {"gh:": "https://github.com/", "gl:": "https://gitlab.com/"}
# Folders of the generated repository that shopgen writes: a template kept there would be
# mistaken for output (and output for a template).
GENERATED_FOLDERS = frozenset({"services", "gateway", "runtime", "system", "tests", "deploy"})


@dataclass(frozen=True)
class TemplateLocation:
    """A template's source, classified. `folder` for local ones, `url` (expanded) for git."""

    source: str
    ref: str | None = None
    folder: Path | None = None
    url: str | None = None

    @property
    def is_git(self) -> bool:
        return self.url is not None


def template_format(folder: Path) -> str | None:
    """'copier' or 'cookiecutter', from the file each tool's documentation puts at the top."""
    if any((folder / name).is_file() for name in COPIER_FILES):
        return "copier"
    if (folder / COOKIECUTTER_FILE).is_file():
        return "cookiecutter"
    return None


def git_url(source: str) -> str | None:
    """The clone URL of a git source, or None for a local folder."""
    for prefix, expansion in _SHORTCUTS.items():
        if source.startswith(prefix):
            return expansion + source[len(prefix) :]
    if _GIT_URL.match(source):
        return source.removeprefix("git+")
    return None


def locate(template: str | TeamTemplate, project: Path) -> TemplateLocation:
    """Classify a template source; a local folder is resolved against `project`."""
    source, ref = (template, None) if isinstance(template, str) else (template.source, template.ref)
    if (url := git_url(source)) is not None:
        return TemplateLocation(source, ref, url=url)
    folder = (project / source).resolve()
    if (folder / ".git").exists():  # a repository of its own: its commits are its versions
        return TemplateLocation(source, ref, folder=folder, url=str(folder))
    return TemplateLocation(source, ref, folder=folder)


def template_issues(spec: Spec, source: SourceMap, file: Path | None) -> list[Issue]:
    """Path and format problems of every template the spec names."""
    # Without a file (a spec given as text) folders are checked for escaping, not existence.
    project = (file.parent if file else Path.cwd()).resolve()
    exists = file is not None
    issues: list[Issue] = []

    def issue(key: tuple[str, ...], message: str, suggestion: str | None = None) -> None:
        issues.append(Issue(file, source.line(key), ".".join(key), message, suggestion))

    for name, service in spec.services.items():
        if service.template is None:
            continue
        key = ("services", name, "template")
        location = locate(service.template, project)
        if location.is_git:
            continue
        if problem := _folder_problem(location, project, need_format=True, exists=exists):
            issue(key, *problem)
        elif location.ref is not None:
            issue(
                (*key, "ref"),
                "'ref' pins a git template; a local folder has no ref",
                "remove 'ref', or give a git repository as 'source'",
            )
    issues += _built_in_only(spec, source, file)
    if spec.templates is not None:
        location = TemplateLocation(spec.templates, folder=(project / spec.templates).resolve())
        if git_url(spec.templates) is not None:
            issue(("templates",), "the overrides folder must be a local folder, not a git URL")
        elif problem := _folder_problem(location, project, need_format=False, exists=exists):
            issue(("templates",), *problem)
    return issues


def _folder_problem(
    location: TemplateLocation, project: Path, *, need_format: bool, exists: bool
) -> tuple[str, str] | None:
    folder = location.folder
    assert folder is not None
    if Path(location.source).is_absolute() or not folder.is_relative_to(project):
        return (
            f"{location.source!r} is outside the project ({project})",
            "keep templates in a folder next to shopgen.yaml, or in a git repository "
            "(a path to its folder, or a URL such as https://host/team/template.git)",
        )
    inside = folder.relative_to(project).parts
    if inside and (inside[0] in GENERATED_FOLDERS or inside[0].startswith(".")):
        return (
            f"{location.source!r} is inside {inside[0]}/, which shopgen generates",
            "keep templates in a folder of their own, e.g. ./templates/",
        )
    if not exists:
        return None
    if not folder.is_dir():
        return (f"template folder {location.source!r} not found", f"looked in {folder}")
    if need_format and template_format(folder) is None:
        return (
            f"{location.source!r} is neither a copier nor a cookiecutter template",
            f"a copier template has {COPIER_FILES[0]}, a cookiecutter template "
            f"{COOKIECUTTER_FILE}, at the top of the folder",
        )
    return None


def template_paths(spec: Spec) -> list[str]:
    """The spec's templates given as relative paths (service templates and overrides),
    normalised: folders that belong to the project, wherever it is generated."""
    named = [s.template for s in spec.services.values() if s.template is not None]
    if spec.templates is not None:
        named.append(spec.templates)
    sources = {t if isinstance(t, str) else t.source for t in named}
    paths = {
        posixpath.normpath(s)
        for s in sources
        if git_url(s) is None and not PurePosixPath(s).is_absolute()
    }
    return sorted(p for p in paths if p != ".." and not p.startswith("../"))


def local_template_folders(spec: Spec, spec_path: Path) -> list[Path]:
    """The folders of `template_paths` next to this spec file."""
    project = spec_path.parent.resolve()
    folders = {(project / path).resolve() for path in template_paths(spec)}
    return sorted(f for f in folders if f.is_dir() and f.is_relative_to(project))


def _built_in_only(spec: Spec, source: SourceMap, file: Path | None) -> list[Issue]:
    """Sagas and read models run inside the built-in service code, which a templated service
    does not have."""
    templated = {name for name, service in spec.services.items() if service.template}
    keys: list[tuple[tuple[str | int, ...], str]] = [
        (("services", name, "read_models"), "read models")
        for name in sorted(templated)
        if spec.services[name].read_models
    ]
    for saga_name, saga in spec.sagas.items():
        if saga.owner in templated:
            keys.append((("sagas", saga_name, "owner"), "sagas"))
        keys += [
            (("sagas", saga_name, "steps", index, "service"), "sagas")
            for index, step in enumerate(saga.steps)
            if step.service in templated
        ]
    return [
        Issue(
            file,
            source.line(key),
            ".".join(map(str, key)),
            f"{what} need the built-in service code, and this service is rendered from a "
            "team's template",
            "leave 'template' out of this service, or move this to a built-in service",
        )
        for key, what in keys
    ]
