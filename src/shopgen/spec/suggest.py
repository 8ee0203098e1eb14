"""Suggestions for likely typos, shared by the shape and the reference checks."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The choice most like `word`, if one is close enough to be a likely typo."""
    choices = [str(choice) for choice in choices]
    matches = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    if not matches:  # a case slip ("String") is not always close enough for difflib
        matches = [choice for choice in choices if choice.lower() == word.lower()]
    return matches[0] if matches else None


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    match = closest(word, choices)
    return f"did you mean {match!r}?" if match is not None else None
