"""The renderer, on small template trees built from dicts."""

from __future__ import annotations

from pathlib import Path

import pytest

from shopgen.render import Renderer, TemplateRenderError

COPIER_YML = """\
_subdirectory: project
_templates_suffix: .jinja
_envops: {keep_trailing_newline: true, trim_blocks: true, lstrip_blocks: true}
"""


def make_template(root: Path, files: dict[str, str]) -> Path:
    (root / "copier.yml").write_text(COPIER_YML)
    for relative, text in files.items():
        path = root / "project" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_yield_forks_folders_and_nested_files(tmp_path: Path) -> None:
    root = make_template(
        tmp_path,
        {
            "svc/{% yield s from services %}{{ s.name }}{% endyield %}/"
            "{% yield e from s.entities %}{{ e }}{% endyield %}.py.jinja": "{{ s.name }}:{{ e }}\n",
            "plain.txt": "{{ not rendered }}\n",
        },
    )
    services = [{"name": "a", "entities": ["x", "y"]}, {"name": "b", "entities": ["z"]}]
    files = Renderer(root).render({"services": services})
    assert files == {
        "plain.txt": b"{{ not rendered }}\n",
        "svc/a/x.py": b"a:x\n",
        "svc/a/y.py": b"a:y\n",
        "svc/b/z.py": b"b:z\n",
    }


def test_a_path_part_rendering_empty_switches_the_file_off(tmp_path: Path) -> None:
    root = make_template(tmp_path, {"{% if flag %}auth.py{% endif %}.jinja": "auth\n"})
    assert Renderer(root).render({"flag": False}) == {}
    assert Renderer(root).render({"flag": True}) == {"auth.py": b"auth\n"}


def test_template_syntax_in_values_comes_out_as_literal_text(tmp_path: Path) -> None:
    root = make_template(tmp_path, {"README.md.jinja": "{{ description }}\n"})
    files = Renderer(root).render({"description": "{{ 7*7 }} {% raw %}"})
    assert files["README.md"] == b"{{ 7*7 }} {% raw %}\n"


def test_the_sandbox_blocks_attribute_escapes(tmp_path: Path) -> None:
    root = make_template(tmp_path, {"x.jinja": "{{ ''.__class__.__mro__ }}\n"})
    with pytest.raises(TemplateRenderError):
        Renderer(root).render({})


def test_undefined_names_fail_loudly_with_the_template_path(tmp_path: Path) -> None:
    root = make_template(tmp_path, {"x.txt.jinja": "line one\n{{ missing }}\n"})
    with pytest.raises(TemplateRenderError, match=r"x\.txt\.jinja:2"):
        Renderer(root).render({})


@pytest.mark.parametrize("name", ["..", "a/../../etc", "/abs", ".git"])
def test_rendered_paths_cannot_escape_the_destination(tmp_path: Path, name: str) -> None:
    root = make_template(tmp_path, {"{{ name }}/f.txt": "x"})
    with pytest.raises(TemplateRenderError, match="unsafe path"):
        Renderer(root).render({"name": name})
