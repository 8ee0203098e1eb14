"""The generated conformance suite, run against both gateways: the Python gateway and the
HAProxy edge (the real `haproxy` binary; `.ci/run` installs it). Where haproxy is absent the
HAProxy half is skipped, and this test says so rather than passing on half the cases."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from shopgen.generate import create_project
from tests.helpers import EXAMPLE, clean_env

pytestmark = pytest.mark.slow

HAPROXY = shutil.which("haproxy") or shutil.which("haproxy", path="/usr/sbin:/usr/local/sbin")


def conformance(repo: Path, python: Path, *, code_root: Path | None = None) -> dict[str, str]:
    """Run tests/gateway/test_conformance.py of `code_root` (default: `repo`) with `repo`'s
    interpreter; test id -> PASSED/FAILED/SKIPPED."""
    root = code_root or repo
    env = {**clean_env(), "PYTHONPATH": str(root)}  # the rendered code before the installed
    result = subprocess.run(
        [str(python), "-m", "pytest", "tests/gateway/test_conformance.py", "-v", "-rs",
         "-p", "no:cacheprovider", "-p", "no:randomly"],
        cwd=root, env=env, capture_output=True, text=True, timeout=1200,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    return dict(re.findall(r"^(\S+::\S+) (PASSED|FAILED|SKIPPED|ERROR)", result.stdout, re.M))


def test_both_gateways_pass_the_generated_conformance_suite(installed_repo) -> None:
    if HAPROXY is None:
        pytest.skip("haproxy is not installed (apt-get install haproxy): cannot check the edge")
    repo = installed_repo("ecommerce")
    outcomes = conformance(repo, repo / ".venv/bin/python")
    for kind in ("python", "haproxy"):
        ran = {test: outcome for test, outcome in outcomes.items() if f"[{kind}" in test}
        assert sum(outcome == "PASSED" for outcome in ran.values()) >= 40, (kind, ran)
    # The same cases, for each.
    python = {t.replace("[python", "[") for t in outcomes if "[python" in t}
    haproxy = {t.replace("[haproxy", "[") for t in outcomes if "[haproxy" in t}
    assert python == haproxy


def test_per_method_rules_hold_on_both_gateways(installed_repo, tmp_path: Path) -> None:
    if HAPROXY is None:
        pytest.skip("haproxy is not installed (apt-get install haproxy): cannot check the edge")
    repo = installed_repo("ecommerce")
    spec = tmp_path / "shopgen.yaml"
    spec.write_text(
        EXAMPLE.read_text().replace(
            "- {prefix: /api/products, service: products}",
            "- {prefix: /api/products, service: products, auth: required,"
            " public_methods: [GET, HEAD]}",
        )
    )
    variant = tmp_path / "variant"
    create_project(variant, spec)
    outcomes = conformance(repo, repo / ".venv/bin/python", code_root=variant)
    per_method = {t: o for t, o in outcomes.items() if "public_methods_pass" in t}
    assert sorted(per_method.values()) == ["PASSED", "PASSED"], per_method
