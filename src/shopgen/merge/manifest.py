"""The manifest and the stored BASE under `<root>/.shopgen/`.

Layout (committed with the project):
    .shopgen/manifest.json   format version, generator version, policy and sha256 per path,
                             the conflicts the last sync left for the user to resolve, and
                             `sources`: what the render came from besides the generator (e.g.
                             a template's commit), as opaque name -> {key: value} records,
                             and `fingerprint`: the caller's digest of the render's inputs,
                             so that it can reuse BASE instead of rendering (`recorded_render`)
    .shopgen/base/<path>     the pristine render of the last generation, byte for byte
    .shopgen/backup/<stamp>/ user edits the engine overwrote or pruned (managed files, --prune)
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from shopgen.errors import UserInputError
from shopgen.merge.model import Policy
from shopgen.merge.paths import STATE_DIR, check_path

FORMAT_VERSION = 1
MANIFEST_PATH = f"{STATE_DIR}/manifest.json"
BASE_DIR = f"{STATE_DIR}/base"
BACKUP_DIR = f"{STATE_DIR}/backup"

TEXT_CONFLICT = "text"  # the file holds conflict markers
BINARY_CONFLICT = "binary"  # the new render waits next to the file as <path>.shopgen-new
BINARY_SIDECAR_SUFFIX = ".shopgen-new"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class FileRecord:
    policy: Policy
    sha256: str


@dataclass(frozen=True)
class Manifest:
    generator_version: str
    files: dict[str, FileRecord] = field(default_factory=dict)
    conflicts: dict[str, str] = field(default_factory=dict)  # path -> TEXT/BINARY_CONFLICT
    sources: dict[str, dict[str, str]] = field(default_factory=dict)
    # Opaque to the engine: whoever rendered BASE says what it was rendered from. Recorded only
    # when BASE is exactly that render (no orphans kept beside it).
    fingerprint: str | None = None

    def to_json(self) -> str:
        document = {
            "format": FORMAT_VERSION,
            "generator_version": self.generator_version,
            "files": {
                path: {"policy": record.policy.value, "sha256": record.sha256}
                for path, record in sorted(self.files.items())
            },
            "conflicts": dict(sorted(self.conflicts.items())),
        }
        if self.sources:  # only when there are some: manifests without stay as they were
            document["sources"] = {
                name: dict(sorted(record.items())) for name, record in sorted(self.sources.items())
            }
        if self.fingerprint is not None:
            document["fingerprint"] = self.fingerprint
        return json.dumps(document, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        document = json.loads(text)
        if document.get("format") != FORMAT_VERSION:
            raise ValueError(
                f"format {document.get('format')!r} is not {FORMAT_VERSION}"
                " (written by another shopgen version?)"
            )
        files = {
            check_path(path): FileRecord(Policy(entry["policy"]), str(entry["sha256"]))
            for path, entry in document["files"].items()
        }
        conflicts = {check_path(p): str(kind) for p, kind in document["conflicts"].items()}
        sources = {
            str(name): {str(k): str(v) for k, v in record.items()}
            for name, record in document.get("sources", {}).items()
        }
        fingerprint = document.get("fingerprint")
        return cls(
            str(document["generator_version"]),
            files,
            conflicts,
            sources,
            None if fingerprint is None else str(fingerprint),
        )


def load_manifest(root: Path) -> Manifest | None:
    """The manifest of the last generation, or None if `root` was never generated."""
    file = Path(root, MANIFEST_PATH)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    try:
        return Manifest.from_json(text)
    except (ValueError, KeyError, TypeError, AttributeError, UserInputError) as e:
        raise UserInputError(
            f"{file} is unreadable ({e}). Restore it from version control"
            " (git checkout -- .shopgen) before running shopgen again; in the middle of a"
            " git merge, run `shopgen resolve-merge` instead."
        ) from e


def read_base(root: Path, manifest: Manifest | None, path: str) -> bytes | None:
    """The stored pristine content of `path`, or None if there is none to trust.

    A base file whose hash does not match the manifest (an interrupted write, a hand edit) is
    ignored: the planner then falls back to a 2-way merge, which can conflict but never loses.
    """
    record = manifest.files.get(path) if manifest else None
    if record is None:
        return None
    try:
        data = Path(root, BASE_DIR, path).read_bytes()
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return None
    return data if sha256(data) == record.sha256 else None


def recorded_render(root: Path, manifest: Manifest, fingerprint: str) -> dict[str, bytes] | None:
    """The render BASE holds, if it was recorded under `fingerprint` and every file is intact;
    None otherwise (then the caller renders). Equal fingerprints are the caller's promise that
    rendering again would give the same files."""
    if manifest.fingerprint != fingerprint:
        return None
    files = {}
    for path in manifest.files:
        data = read_base(root, manifest, path)
        if data is None:
            return None
        files[path] = data
    return files
