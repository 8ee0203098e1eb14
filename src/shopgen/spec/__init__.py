"""Spec language v1: load a `shopgen.yaml` into a validated `Spec`, or raise `SpecError`.

    spec = load_spec(Path("shopgen.yaml"))

Three passes, each reporting located `Issue`s: YAML (`loader`), shape (`model`, via pydantic,
explained by `shape`), cross-references (`references`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from shopgen.errors import Issue, SpecError
from shopgen.spec.access import access_warnings
from shopgen.spec.loader import SourceMap, dotted_path, load_yaml, read_spec_text
from shopgen.spec.model import Spec
from shopgen.spec.references import reference_issues
from shopgen.spec.shape import shape_issues
from shopgen.spec.templates import template_issues
from shopgen.spec.values import unencodable_text

SUPPORTED_VERSIONS = (1,)

__all__ = [
    "Spec",
    "SpecError",
    "json_schema",
    "load_spec",
    "load_spec_with_warnings",
    "parse_spec",
    "read_spec_text",
]


def load_spec(path: Path) -> Spec:
    """Read, parse and fully validate the spec file at `path`."""
    return parse_spec(read_spec_text(path), path)


def parse_spec(text: str, file: Path | None = None) -> Spec:
    """Parse and fully validate spec text; `file` only names the source in issues."""
    return _parse(text, file)[0]


def load_spec_with_warnings(path: Path) -> tuple[Spec, list[Issue]]:
    """`load_spec`, plus the located warnings of a valid spec (anything anyone may write)."""
    spec, source = _parse(read_spec_text(path), path)
    warnings = [
        Issue(path, source.line(loc), dotted_path(loc), message, suggestion)
        for loc, message, suggestion in access_warnings(spec.services)
    ]
    return spec, _in_file_order(warnings)


def _parse(text: str, file: Path | None) -> tuple[Spec, SourceMap]:
    data, source = load_yaml(text, file)
    _check_top_level(data, source, file)
    _check_encodable(data, source, file)
    try:
        spec = Spec.model_validate(data)
    except ValidationError as exc:
        raise SpecError(_in_file_order(shape_issues(exc, data, source, file))) from None
    issues = reference_issues(spec, source, file) + template_issues(spec, source, file)
    if issues:
        raise SpecError(_in_file_order(issues))
    return spec, source


def _check_encodable(data: Any, source: SourceMap, file: Path | None) -> None:
    """Text that cannot be written as UTF-8 (a lone surrogate) is refused where it is."""
    paths = unencodable_text(data)
    if paths:
        raise SpecError(
            [
                Issue(
                    file,
                    source.line(path),
                    dotted_path(tuple(_printable(part) for part in path)),
                    "text with a lone surrogate (such as \\ud800) cannot be written as UTF-8",
                    "remove the escape, or write the character it stands for",
                )
                for path in paths
            ]
        )


def _printable(part: str | int) -> str | int:
    if isinstance(part, str):
        return part.encode("utf-8", "backslashreplace").decode("utf-8")
    return part


def _in_file_order(issues: list[Issue]) -> list[Issue]:
    return sorted(issues, key=lambda issue: issue.line or 0)


def _check_top_level(data: Any, source: SourceMap, file: Path | None) -> None:
    """A mapping with a version this shopgen reads; anything else makes other errors noise."""
    if data is None:
        raise SpecError([Issue(file, None, "", "the spec is empty", "start with 'shopgen: 1'")])
    if not isinstance(data, dict):
        raise SpecError(
            [Issue(file, source.line(()), "", "the spec must be a mapping of keys to values")]
        )
    if "shopgen" not in data:
        raise SpecError(
            [
                Issue(
                    file,
                    source.line(()),
                    "shopgen",
                    "missing the spec language version",
                    "add 'shopgen: 1' as the first line",
                )
            ]
        )
    version = data["shopgen"]
    if isinstance(version, bool) or version not in SUPPORTED_VERSIONS:
        supported = ", ".join(str(v) for v in SUPPORTED_VERSIONS)
        raise SpecError(
            [
                Issue(
                    file,
                    source.line(("shopgen",)),
                    "shopgen",
                    f"unsupported spec language version {_shown(version)}; this shopgen reads "
                    f"version {supported}",
                    "write 'shopgen: 1'" if str(version).strip() == "1" else "upgrade shopgen",
                )
            ]
        )


def _shown(value: Any) -> str:
    """A value as the YAML the user wrote shows it."""
    if isinstance(value, bool) or value is None:
        return {True: "true", False: "false", None: "null"}[value]
    return repr(value)


def json_schema() -> dict[str, Any]:
    """JSON Schema of spec language v1, for editors (e.g. yaml-language-server)."""
    schema = Spec.model_json_schema(by_alias=True)
    _close_name_patterns(schema)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "shopgen spec (language v1)",
        **{key: value for key, value in schema.items() if key != "title"},
    }


def _close_name_patterns(node: Any) -> None:
    """Pydantic renders `dict[ServiceName, ...]` as patternProperties, which leaves keys that
    miss the pattern unchecked; an editor should flag a bad service or event name too."""
    if isinstance(node, dict):
        if len(node.get("patternProperties", {})) == 1 and "additionalProperties" not in node:
            node["additionalProperties"] = False
        for value in node.values():
            _close_name_patterns(value)
    elif isinstance(node, list):
        for value in node:
            _close_name_patterns(value)
