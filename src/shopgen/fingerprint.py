"""One digest of everything a render depends on, recorded in the manifest by `new` and `sync`.

While it matches, the files BASE holds are what rendering again would give, so a `sync` with
nothing changed merges BASE instead of rendering (`shopgen.merge.recorded_render`). The inputs:

- the spec file, byte for byte;
- the generator: shopgen's version and a hash of its own files (Python code and built-in
  templates, so an editable install changed without a version bump counts), jinja's version
  and ruff's (`formatter_version`);
- the project's template overrides (`templates:` in the spec), hashed as a folder;
- teams' service templates, by the version records the manifest keeps in `sources`.

The migration history is not an input: it changes the render only through a new revision,
which exists only when the spec's schema differs from the one BASE holds, and BASE holds the
render of this very spec.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from functools import cache
from importlib import metadata
from pathlib import Path

import shopgen
from shopgen import __version__, builtin

_SKIPPED = frozenset({".git", "__pycache__"})


def render_fingerprint(
    spec: bytes, overrides: Path | None, sources: Mapping[str, Mapping[str, str]]
) -> str:
    """The digest recorded with a render of the spec `spec` (the file's bytes)."""
    document = {
        "generator": generator_digest(),
        "spec": hashlib.sha256(spec).hexdigest(),
        "overrides": folder_digest(overrides) if overrides is not None else None,
        "sources": {name: dict(sorted(record.items())) for name, record in sorted(sources.items())},
    }
    return hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()


def plain_spec_fingerprint(spec: bytes) -> str | None:
    """The fingerprint of a spec that names no templates, read without building its models:
    the shortcut of a no-op sync. None when the spec needs the full path: overrides or teams'
    templates (their folders and versions come from the parsed spec), a service rename to carry
    out, or text that is not a plain YAML mapping."""
    import yaml

    if b"renamed_from" in spec:
        return None
    try:
        document = yaml.load(spec, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        return None
    if not isinstance(document, dict) or "templates" in document:
        return None
    services = document.get("services")
    if not isinstance(services, dict) or any(
        not isinstance(service, dict) or "template" in service for service in services.values()
    ):
        return None
    return render_fingerprint(spec, None, {})


@cache
def generator_digest() -> str:
    """This shopgen: its version, its files and the libraries whose output it records."""
    package = Path(shopgen.__file__).parent
    folders = [package]
    templates = builtin.builtin_templates()
    if not templates.is_relative_to(package):  # an editable install: templates/ at the root
        folders.append(templates)
    parts = [
        f"shopgen {__version__}",
        f"jinja2 {metadata.version('jinja2')}",
        f"formatter {formatter_version()}",
        *(folder_digest(folder) for folder in folders),
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def formatter_version() -> str:
    """The version of the ruff that rendered Python goes through (shopgen's pinned dependency,
    `shopgen.format`): a new formatter may lay the same code out differently."""
    return metadata.version("ruff")


def folder_digest(folder: Path) -> str:
    """A hash of a folder's file paths and contents (.git and __pycache__ aside)."""
    digest = hashlib.sha256()
    for path, relative in _files(folder):
        digest.update(relative.encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _files(folder: Path) -> Iterable[tuple[Path, str]]:
    found = []
    for path in folder.rglob("*"):
        relative = path.relative_to(folder)
        if not _SKIPPED & set(relative.parts) and path.is_file():
            found.append((relative.as_posix(), path))
    return ((path, relative) for relative, path in sorted(found))
