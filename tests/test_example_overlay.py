"""The example's own code (src/shopgen/examples/ecommerce/) is the user's: `new --example`
lays it over the render, so it must only take the place of user-owned stubs (or add user-owned
files), never of generated code that `sync` would later fight over."""

from __future__ import annotations

import ast

import pytest

from shopgen.generate import example_overlay, example_spec
from shopgen.merge import Policy
from shopgen.pipeline import load_and_render
from shopgen.policy import policy_for

USER_HEADER = "# Scaffolded once by shopgen. This file is yours: shopgen never changes it again."


@pytest.fixture(scope="module")
def overlay() -> dict[str, bytes]:
    files = example_overlay("ecommerce")
    assert files, "the ecommerce example ships no code"
    return files


@pytest.fixture(scope="module")
def rendered() -> dict[str, bytes]:
    return load_and_render(example_spec("ecommerce"))[3]


def test_every_overlay_path_is_user_owned(overlay: dict[str, bytes]) -> None:
    assert {path: policy_for(path) for path in overlay} == dict.fromkeys(overlay, Policy.USER)


def test_service_code_replaces_a_rendered_stub(
    overlay: dict[str, bytes], rendered: dict[str, bytes]
) -> None:
    # A module generated code does not import would be dead code: each one must have a stub.
    service_code = [path for path in overlay if path.startswith("services/")]
    assert service_code
    assert [path for path in service_code if path not in rendered] == []


def test_overlay_files_are_python_with_the_user_header(overlay: dict[str, bytes]) -> None:
    for path, content in overlay.items():
        assert path.endswith(".py"), path
        text = content.decode("utf-8")
        assert text.startswith(USER_HEADER + "\n"), path
        ast.parse(text, filename=path)
