"""A project's overrides of built-in template files (`templates: ./shopgen-templates`).

A file in the overrides folder at the same relative path as a built-in template file (relative
to `templates/project/`, as `shopgen templates list` prints them) replaces it, and is rendered
by the same engine with the same context. A file there that overrides nothing is an error: a
misspelt name would otherwise be silently ignored.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

from shopgen.errors import UserInputError
from shopgen.spec import Spec
from shopgen.spec.templates import locate


@dataclass(frozen=True)
class TemplateFile:
    path: str  # relative to the built-in template's source folder
    overridden: bool


def overrides_folder(spec: Spec, spec_path: Path) -> Path | None:
    """The spec's overrides folder, already checked by validation to exist inside the project."""
    if spec.templates is None:
        return None
    return locate(spec.templates, spec_path.parent.resolve()).folder


def template_files(folder: Path | None) -> list[TemplateFile]:
    """Every built-in template file, and whether `folder` overrides it."""
    from shopgen.render import Renderer  # jinja: not for a sync that skips rendering

    return [
        TemplateFile(path, folder is not None and (folder / path).is_file())
        for path in Renderer().template_files()
    ]


def check_overrides(folder: Path) -> None:
    """Refuse files in the overrides folder that match no built-in template file."""
    from shopgen.render import Renderer

    built_in = set(Renderer().template_files())
    unknown = sorted(
        path.relative_to(folder).as_posix()
        for path in folder.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and ".git" not in path.parts
        if path.relative_to(folder).as_posix() not in built_in
    )
    if not unknown:
        return
    lines = []
    for path in unknown:
        close = difflib.get_close_matches(path, built_in, n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        lines.append(f"  {folder / path}: overrides no built-in template file{hint}")
    raise UserInputError(
        "the overrides folder (templates: in shopgen.yaml) has files that override nothing; "
        "`shopgen templates list` shows the built-in files:\n" + "\n".join(lines)
    )
