"""All terminal output goes through here, so every command speaks with one voice."""

from __future__ import annotations

import os

from rich.console import Console
from rich.markup import escape
from rich.theme import Theme

_theme = Theme(
    {
        "success": "bold green",
        "warning": "yellow",
        "error": "bold red",
        "muted": "dim",
        "path": "cyan",
    }
)

out = Console(theme=_theme, highlight=False, soft_wrap=True)
err = Console(theme=_theme, stderr=True, highlight=False, soft_wrap=True)


def debug_enabled() -> bool:
    return os.environ.get("SHOPGEN_DEBUG", "") not in ("", "0")


def success(message: str) -> None:
    out.print(f"[success]✓[/] {escape(message)}")


def warning(message: str) -> None:
    err.print(f"[warning]warning:[/] {escape(message)}")


def error(message: str) -> None:
    err.print(f"[error]error:[/] {escape(message)}")
