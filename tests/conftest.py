"""Shared fixtures. Keep this small and generic: test-specific helpers live with their tests."""

from __future__ import annotations

from pathlib import Path

import pytest

TESTS = Path(__file__).parent
SPECS = TESTS / "fixtures" / "specs"
# The normative example lives in shared/examples/ beside the repository; the package bundles a
# copy (`--example ecommerce`), which is what a clean clone tests against.
SHARED_EXAMPLE = TESTS.parent.parent / "shared" / "examples" / "ecommerce.yaml"
BUNDLED_EXAMPLE = TESTS.parent / "src" / "shopgen" / "examples" / "ecommerce.yaml"


@pytest.fixture
def specs_dir() -> Path:
    """tests/fixtures/specs: valid specs of several shapes, and invalid/ specs."""
    return SPECS


@pytest.fixture
def example_spec() -> Path:
    """The e-commerce example spec (the shared original when present)."""
    return SHARED_EXAMPLE if SHARED_EXAMPLE.is_file() else BUNDLED_EXAMPLE


@pytest.fixture(scope="session")
def installed_repo(tmp_path_factory: pytest.TempPathFactory):
    """A generated repository after `make install`, built once per session for each spec name
    (`ecommerce` is the bundled example with its user code, others are fixtures in specs/):
    installing one takes about a minute, so the slow tests share them."""
    from shopgen.generate import create_project, example_overlay, example_spec
    from tests.helpers import make

    built: dict[str, Path] = {}

    def get(name: str) -> Path:
        if name not in built:
            root = tmp_path_factory.mktemp(name) / name
            if name == "ecommerce":
                create_project(root, example_spec(name), overlay=example_overlay(name))
            else:
                create_project(root, SPECS / f"{name}.yaml")
            result = make(root, "install", timeout=900)
            assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
            built[name] = root
        return built[name]

    return get


@pytest.fixture(scope="session")
def pristine_shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example generated once by `create_project` (no install); copy it before changing it."""
    from shopgen.generate import create_project

    root = tmp_path_factory.mktemp("pristine") / "shop"
    create_project(root, BUNDLED_EXAMPLE)
    return root


@pytest.fixture
def shop(pristine_shop: Path, tmp_path: Path) -> Path:
    """A fresh copy of the generated example, for one test to edit."""
    import shutil

    root = tmp_path / "shop"
    shutil.copytree(pristine_shop, root, symlinks=True)
    return root
