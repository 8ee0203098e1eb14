"""Validation of the relative paths a render produces (they derive from user-written specs)."""

from __future__ import annotations

from shopgen.errors import UserInputError

#: The engine's own state folder; a render may never write into it.
STATE_DIR = ".shopgen"

_FORBIDDEN_PARTS = {"", ".", "..", ".git", STATE_DIR}


def check_path(path: str) -> str:
    """Return `path` if it is a safe relative POSIX path inside the destination, else raise."""
    problem = _problem(path)
    if problem:
        raise UserInputError(
            f"Refusing to write {path!r}: {problem}. Generated paths come from names in the spec;"
            " rename the service, entity or file so that it is a plain relative path."
        )
    return path


def _problem(path: str) -> str | None:
    if not isinstance(path, str) or not path:
        return "the path is empty"
    if "\\" in path:
        return "backslashes are not allowed"
    if "\0" in path:
        return "NUL characters are not allowed"
    if path.startswith("/"):
        return "absolute paths are not allowed"
    parts = path.split("/")
    if parts[0] == STATE_DIR:
        return f"{STATE_DIR}/ holds shopgen's own state"
    if "" in parts:
        return "empty path parts (double or trailing slashes) are not allowed"
    bad = _FORBIDDEN_PARTS.intersection(parts)
    if bad:
        return f"the path part {sorted(bad)[0]!r} is not allowed"
    return None
