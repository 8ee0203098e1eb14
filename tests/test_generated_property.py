"""Every spec shopgen accepts generates a repository that compiles, imports every module, and
migrates an empty SQLite database to head with Alembic's compare clean (`check_generated`).
Every spec it refuses is refused with located issues.

The default run tries a few random specs (each costs seconds: a render, a subprocess that
imports the repository and migrates every service); the `fuzz` tier tries many
(`pytest -m fuzz`, or SHOPGEN_FUZZ=1; FUZZ_EXAMPLES sets how many).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings

from shopgen.errors import SpecError
from shopgen.generate import create_project
from shopgen.spec import parse_spec
from tests.generated_check import check_generated
from tests.spec_strategy import specs

_SETTINGS = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
    "print_blob": True,
}


def check_spec_property(data: dict[str, Any]) -> None:
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    try:
        parse_spec(text)
    except SpecError as refused:
        # Refused: every issue says where (a key), and nothing was generated.
        assert refused.issues
        for issue in refused.issues:
            assert issue.key or issue.line, issue
        return
    with tempfile.TemporaryDirectory() as folder:
        spec = Path(folder) / "shopgen.yaml"
        spec.write_text(text, encoding="utf-8")
        root = Path(folder) / "repo"
        create_project(root, spec)
        check_generated(root)


@settings(max_examples=3, **_SETTINGS)
@given(specs(max_services=3))
def test_random_specs_generate_code_that_imports_and_migrates(data: dict[str, Any]) -> None:
    check_spec_property(data)


@pytest.mark.fuzz
@settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", "60")), **_SETTINGS)
@given(specs(max_services=5))
def test_many_random_specs_generate_code_that_imports_and_migrates(data: dict[str, Any]) -> None:
    check_spec_property(data)


NEW_USER = sorted((Path(__file__).parent / "fixtures" / "new_user").glob("*.yaml"))


@pytest.mark.parametrize("spec", NEW_USER, ids=lambda path: path.stem)
def test_specs_written_from_the_docs_generate_code_that_imports_and_migrates(spec: Path) -> None:
    """Specs a new user wrote from docs/spec-language.md: decimal defaults as text, `now`
    defaults (a schema whose only `Field(...)` is a default factory), keyword-like and
    module-like entity names, operations, a saga whose last step cannot fail. Their
    repositories also passed `make install lint test` when they were written."""
    check_spec_property(yaml.safe_load(spec.read_text(encoding="utf-8")))
