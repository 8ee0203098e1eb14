"""The error hierarchy. Every error a user can cause derives from ShopgenError.

The CLI maps these to exit codes in one place (`shopgen.cli`); nothing else prints tracebacks.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class ShopgenError(Exception):
    """Base class. The message says what went wrong and, where it can, how to fix it."""

    exit_code = 2


class UserInputError(ShopgenError):
    """Bad command-line input: a missing file, a non-empty target folder, an unknown example."""


@dataclass(frozen=True)
class Issue:
    """One problem in a spec file, located by line and dotted key path."""

    file: Path | None
    line: int | None
    key: str  # dotted path, e.g. "services.orders.calls.users.timeout"
    message: str
    suggestion: str | None = None

    def __str__(self) -> str:
        where = str(self.file) if self.file else "<spec>"
        if self.line:
            where += f":{self.line}"
        text = f"{where}: {self.key or '<root>'}: {self.message}"
        if self.suggestion:
            text += f" ({self.suggestion})"
        return text


class SpecError(ShopgenError):
    """The spec is invalid. Carries every issue found, each with file, line and key."""

    def __init__(self, issues: list[Issue]):
        self.issues = issues
        super().__init__("\n".join(str(issue) for issue in issues))


class ConflictError(ShopgenError):
    """Regeneration left conflicts (or found drift) the user must resolve."""

    exit_code = 1
