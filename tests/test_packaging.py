"""The wheel carries the templates and the example; a non-editable install generates the same
repository as this checkout; copier itself renders the templates as shopgen does."""

from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

import pytest

from shopgen.builtin import builtin_templates
from shopgen.format import format_python
from shopgen.render import render_project
from shopgen.spec import load_spec
from shopgen.view import ProjectView
from tests.helpers import EXAMPLE, REPO, tree

pytestmark = pytest.mark.slow


def test_a_wheel_installed_in_a_fresh_venv_generates_the_same_repository(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(REPO)],
        check=True,
        capture_output=True,
    )
    wheel = next(dist.glob("shopgen-*.whl"))
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    subprocess.run(
        [env_dir / "bin" / "pip", "install", "-q", str(wheel)], check=True, capture_output=True
    )
    out = tmp_path / "shop"
    result = subprocess.run(
        [env_dir / "bin" / "shopgen", "new", str(out), "--example", "ecommerce"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    expected = format_python(render_project(ProjectView(load_spec(EXAMPLE)).context()))
    generated = tree(out)
    for path, content in expected.items():
        if path.startswith("services/") and "/custom/" in path:
            continue  # the example ships its own user code in place of the stubs
        assert generated[path] == content, path


def test_copier_renders_the_builtin_templates_like_shopgen(tmp_path: Path) -> None:
    import copier

    view = ProjectView(load_spec(EXAMPLE))
    ours = format_python(render_project(view.context()))
    copier.run_copy(
        str(builtin_templates()),
        tmp_path,
        data=view.context(),
        defaults=True,
        unsafe=True,
        quiet=True,
        skip_tasks=True,
    )
    theirs = {k: v for k, v in tree(tmp_path).items() if not k.startswith(".shopgen/")}
    assert format_python(theirs) == ours  # through the same formatter as `shopgen new`
