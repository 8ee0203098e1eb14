"""The manifest and the stored BASE under `<root>/.shopgen/`.

Layout (committed with the project):
    .shopgen/manifest.json   format version, generator version, policy and sha256 per path,
                             and the conflicts the last sync left for the user to resolve
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
        return cls(str(document["generator_version"]), files, conflicts)


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
            " (git checkout -- .shopgen) before running shopgen again."
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
