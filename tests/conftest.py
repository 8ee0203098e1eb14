"""Shared fixtures. Keep this small and generic: test-specific helpers live with their tests."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

TESTS = Path(__file__).parent
SPECS = TESTS / "fixtures" / "specs"
# The bundled example (`--example ecommerce`): tests stand alone, so they never read a copy
# outside this repository.
BUNDLED_EXAMPLE = TESTS.parent / "src" / "shopgen" / "examples" / "ecommerce.yaml"


@pytest.fixture
def specs_dir() -> Path:
    """tests/fixtures/specs: valid specs of several shapes, and invalid/ specs."""
    return SPECS


@pytest.fixture
def example_spec() -> Path:
    """The bundled e-commerce example spec."""
    return BUNDLED_EXAMPLE


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


# --- servers and tiers ---------------------------------------------------------------------
# Tests that need a local server say so with a marker; without the server they are skipped
# with a reason saying what to start (.ci/run starts them all before the suite).
SERVERS = {
    "postgres": ("PostgreSQL", "127.0.0.1", 5432),
    "rabbitmq": ("RabbitMQ", "127.0.0.1", 5672),
    "mariadb": ("MariaDB", "127.0.0.1", 3306),
}
_answers: dict[str, bool] = {}


def _answering(marker: str) -> bool:
    if marker not in _answers:
        _, host, port = SERVERS[marker]
        try:
            socket.create_connection((host, port), 2).close()
            _answers[marker] = True
        except OSError:
            _answers[marker] = False
    return _answers[marker]


def pytest_runtest_setup(item: pytest.Item) -> None:
    for marker in SERVERS:
        if item.get_closest_marker(marker) is not None and not _answering(marker):
            name, host, port = SERVERS[marker]
            pytest.skip(f"needs {name} on {host}:{port}, which does not answer (.ci/run starts it)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The `fuzz` tier (many hypothesis examples) runs only when asked for: `-m fuzz` or
    SHOPGEN_FUZZ=1; the default run keeps a few examples of the same properties."""
    if "fuzz" in (config.getoption("-m") or "") or os.environ.get("SHOPGEN_FUZZ"):
        return
    skip = pytest.mark.skip(reason="fuzz tier: run with `pytest -m fuzz` or SHOPGEN_FUZZ=1")
    for item in items:
        if item.get_closest_marker("fuzz") is not None:
            item.add_marker(skip)
