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
