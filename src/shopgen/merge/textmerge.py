"""Byte-level helpers: binary detection, line endings, and 3-way merges through `git merge-file`."""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from shopgen.errors import ShopgenError

#: Marker labels, as the user reads them in a conflicted file.
LABEL_OURS = "yours"
LABEL_BASE = "last generated"
LABEL_THEIRS = "new generation"

_BINARY_SNIFF = 8192  # git's own heuristic: a NUL byte in the first 8 KiB
_CRLF, _LF = b"\r\n", b"\n"


def is_binary(data: bytes | None) -> bool:
    return data is not None and b"\0" in data[:_BINARY_SNIFF]


def eol_style(data: bytes) -> bytes | None:
    """CRLF or LF when the file uses one consistently; None when mixed or without newlines."""
    lf_count = data.count(_LF)
    crlf_count = data.count(_CRLF)
    if lf_count == 0:
        return None
    if crlf_count == lf_count:
        return _CRLF
    return _LF if crlf_count == 0 else None


def to_lf(data: bytes) -> bytes:
    return data.replace(_CRLF, _LF)


def in_style_of(data: bytes, reference: bytes | None) -> bytes:
    """`data` with the line endings `reference` uses consistently (unchanged if it has none)."""
    if reference is None or is_binary(reference) or is_binary(data):
        return data
    style = eol_style(reference)
    if style is None:
        return data
    normalised = to_lf(data)
    return normalised.replace(_LF, _CRLF) if style == _CRLF else normalised


def same_text(a: bytes | None, b: bytes | None) -> bool:
    """Equal, or equal but for line endings (a checkout with autocrlf is not a user edit)."""
    if a is None or b is None:
        return a is b
    if a == b:
        return True
    return not is_binary(a) and not is_binary(b) and to_lf(a) == to_lf(b)


def has_conflict_markers(data: bytes) -> bool:
    return any(line.startswith((b"<<<<<<< ", b">>>>>>> ")) for line in data.splitlines())


@dataclass(frozen=True)
class MergeResult:
    content: bytes
    conflicts: int  # number of conflicting hunks; 0 is a clean merge


def merge3(ours: bytes, base: bytes, theirs: bytes) -> MergeResult:
    """3-way merge of text, in the line endings of `ours`, with labelled diff3 markers."""
    if eol_style(ours) is not None:
        # Merge in LF so that a line-ending difference is never a conflict; restored after.
        merged, conflicts = _git_merge_file(to_lf(ours), to_lf(base), to_lf(theirs))
    else:
        merged, conflicts = _git_merge_file(ours, base, theirs)
    return MergeResult(in_style_of(merged, ours), conflicts)


def _git_merge_file(ours: bytes, base: bytes, theirs: bytes) -> tuple[bytes, int]:
    with tempfile.TemporaryDirectory(prefix="shopgen-merge-") as tmp:
        files = []
        for name, data in (("ours", ours), ("base", base), ("theirs", theirs)):
            file = Path(tmp, name)
            file.write_bytes(data)
            files.append(str(file))
        labels = ["-L", LABEL_OURS, "-L", LABEL_BASE, "-L", LABEL_THEIRS]
        try:
            done = subprocess.run(
                ["git", "merge-file", "--diff3", "-p", *labels, *files],
                capture_output=True,
                check=False,
            )
        except FileNotFoundError as e:
            raise ShopgenError("shopgen needs git on PATH to merge regenerated files.") from e
    # git merge-file exits with the number of conflicts (capped at 127), or 255 on error.
    if not 0 <= done.returncode <= 127:
        message = done.stderr.decode(errors="replace").strip()
        raise ShopgenError(f"git merge-file failed: {message}")
    return done.stdout, done.returncode
