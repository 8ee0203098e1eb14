"""Each file in fixtures/specs/invalid/ is a spec with one mistake, described in its header:

    # key: the dotted key path the issue names
    # message: text the message contains
    # suggestion: the exact suggestion (omit the line when there is none)

and `# <-` marks the line the issue must point at.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from shopgen.errors import SpecError
from shopgen.spec import load_spec, parse_spec

INVALID = Path(__file__).parent / "fixtures" / "specs" / "invalid"


def _expectations(path: Path) -> dict[str, str | int | None]:
    text = path.read_text(encoding="utf-8")
    header = dict(re.findall(r"^# (key|message|suggestion):[ ]?(.*)$", text, re.MULTILINE))
    marked = [number for number, line in enumerate(text.splitlines(), 1) if "# <-" in line]
    assert len(marked) == 1, f"{path.name} needs exactly one '# <-' marker"
    return {
        "key": header["key"],
        "message": header["message"],
        "suggestion": header.get("suggestion"),
        "line": marked[0],
    }


@pytest.mark.parametrize("path", sorted(INVALID.glob("*.yaml")), ids=lambda path: path.stem)
def test_invalid_spec_is_reported_where_it_is_wrong(path: Path) -> None:
    expected = _expectations(path)
    with pytest.raises(SpecError) as raised:
        load_spec(path)

    issues = raised.value.issues
    assert len(issues) == 1, "\n".join(map(str, issues))  # one mistake, one issue, no noise
    (issue,) = issues
    assert issue.file == path
    assert issue.line == expected["line"]
    if path.stem == "alias_bomb":  # the key is wherever the budget ran out, inside lol4
        assert issue.key.startswith("lol4.")
    else:
        assert issue.key == expected["key"]
    assert expected["message"] in issue.message
    assert issue.suggestion == expected["suggestion"]


def test_all_issues_are_reported_at_once(specs_dir: Path) -> None:
    text = (specs_dir / "chain12.yaml").read_text(encoding="utf-8")
    text = text.replace("service: pricing}", "service: pricng}")
    text = text.replace("consumes:\n      purchase.completed", "consumes:\n      purchase.complete")
    with pytest.raises(SpecError) as raised:
        parse_spec(text, None)
    assert [issue.key for issue in raised.value.issues] == [
        "services.fulfilment.consumes.purchase.complete",
        "gateway.routes.4.service",
    ]
