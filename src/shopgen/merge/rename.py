"""Moving a folder of generated files, with its BASE, so edits follow a rename."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from shopgen.errors import UserInputError
from shopgen.merge.apply import atomic_write
from shopgen.merge.manifest import BASE_DIR, MANIFEST_PATH, load_manifest
from shopgen.merge.paths import check_path


def rename_prefix(root: Path, old: str, new: str) -> None:
    """Move everything under the folder `old/` to `new/`: the files on disk, their stored BASE
    and their manifest records. A later plan then 3-way merges the renamed files as usual."""
    old, new = check_path(old.rstrip("/")), check_path(new.rstrip("/"))
    if (root / new).exists() or (root / BASE_DIR / new).exists():
        raise UserInputError(f"cannot move {old}/ to {new}/: {new}/ already exists")
    manifest = load_manifest(root)
    if manifest is None:
        raise UserInputError(f"{root} has no shopgen manifest")
    for folder in (root, root / BASE_DIR):
        if (folder / old).is_dir():
            (folder / new).parent.mkdir(parents=True, exist_ok=True)
            os.rename(folder / old, folder / new)

    def moved(path: str) -> str:
        return new + path[len(old) :] if path.startswith(old + "/") else path

    renamed = replace(
        manifest,
        files={moved(path): record for path, record in manifest.files.items()},
        conflicts={moved(path): kind for path, kind in manifest.conflicts.items()},
    )
    atomic_write(root / MANIFEST_PATH, renamed.to_json().encode())
