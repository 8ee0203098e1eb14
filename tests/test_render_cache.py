"""Compiled templates are reused (within a process, and across processes through jinja's
bytecode cache in shopgen's cache folder) only for the very text they were compiled from."""

from __future__ import annotations

from pathlib import Path

import pytest

import shopgen.render
from shopgen.render import render_project


@pytest.fixture
def template(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A one-file copier template, and a cache folder of this test's own."""
    monkeypatch.setenv("SHOPGEN_CACHE_DIR", str(tmp_path / "cache"))
    root = tmp_path / "template"
    (root / "project").mkdir(parents=True)
    (root / "copier.yml").write_text("_subdirectory: project\n_templates_suffix: .jinja\n")
    (root / "project" / "hello.txt.jinja").write_text("Hello {{ name }}!\n")
    shopgen.render._compiler_for.cache_clear()  # as in a fresh process
    yield root
    shopgen.render._compiler_for.cache_clear()


def forbid_compiling(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("compiled again")

    monkeypatch.setattr("jinja2.sandbox.SandboxedEnvironment.compile", refuse)


def test_a_fresh_process_reuses_the_compiled_template(
    template: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert render_project({"name": "a"}, template) == {"hello.txt": b"Hello a!\n"}
    assert list((template.parent / "cache" / "jinja").iterdir())
    shopgen.render._compiler_for.cache_clear()
    with monkeypatch.context() as patch:
        forbid_compiling(patch)
        assert render_project({"name": "b"}, template) == {"hello.txt": b"Hello b!\n"}


def test_an_edited_template_is_compiled_afresh(template: Path) -> None:
    assert render_project({"name": "a"}, template) == {"hello.txt": b"Hello a!\n"}
    (template / "project" / "hello.txt.jinja").write_text("Goodbye {{ name }}.\n")
    assert render_project({"name": "a"}, template) == {"hello.txt": b"Goodbye a.\n"}
    shopgen.render._compiler_for.cache_clear()
    (template / "project" / "hello.txt.jinja").write_text("Hello again {{ name }}!\n")
    assert render_project({"name": "a"}, template) == {"hello.txt": b"Hello again a!\n"}


def test_a_damaged_or_unwritable_cache_only_costs_time(template: Path) -> None:
    render_project({"name": "a"}, template)
    for file in (template.parent / "cache" / "jinja").iterdir():
        file.write_bytes(b"garbage")
    shopgen.render._compiler_for.cache_clear()
    assert render_project({"name": "a"}, template) == {"hello.txt": b"Hello a!\n"}
    cache = template.parent / "cache"
    for file in (cache / "jinja").iterdir():
        file.unlink()
    (cache / "jinja").rmdir()
    (cache / "jinja").write_text("a file where the folder goes")
    shopgen.render._compiler_for.cache_clear()
    assert render_project({"name": "a"}, template) == {"hello.txt": b"Hello a!\n"}
