"""A sync with nothing changed reuses BASE instead of rendering (shopgen.fingerprint), and
behaves exactly as a sync that renders: every input of the render defeats the reuse."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

import shopgen.builtin
import shopgen.fingerprint
import shopgen.pipeline
import shopgen.render
from shopgen.merge import load_manifest
from shopgen.pipeline import load_spec, render_with_history
from shopgen.sync import sync_project
from tests.helpers import ADD_FIELD, edit_spec, run_cli, tree

MODELS = "services/orders/models.py"


@pytest.fixture
def renders(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The spec paths rendered by sync, in order (the real render still runs)."""
    calls: list[Path] = []
    real = shopgen.pipeline.render_spec

    def spy(spec_path: Path, **kwargs):
        calls.append(spec_path)
        return real(spec_path, **kwargs)

    monkeypatch.setattr(shopgen.pipeline, "render_spec", spy)
    return calls


@pytest.fixture
def fresh_digest():
    """generator_digest is computed once per process: forget it around a test that changes
    what it hashes."""
    shopgen.fingerprint.generator_digest.cache_clear()
    yield
    shopgen.fingerprint.generator_digest.cache_clear()


def full_render(root: Path) -> dict[str, bytes]:
    """What rendering (no reuse) gives for the repository's spec and BASE's history."""
    manifest = dataclasses.replace(load_manifest(root), fingerprint=None)
    raw, spec = load_spec(root / "shopgen.yaml")
    rendered, _fingerprint, reused = render_with_history(root, manifest, raw, spec, {})
    assert not reused
    return rendered.files


def test_a_sync_after_new_reuses_base_and_equals_a_render(shop: Path, renders) -> None:
    result = sync_project(shop)
    assert result.reused_render and renders == []
    assert result.plan.is_noop
    assert result.plan.base == full_render(shop)


def test_after_a_schema_change_the_next_sync_reuses_exactly_the_render(shop: Path, renders) -> None:
    """The sync that adds a migration revision records the fingerprint; the next one reuses
    BASE, revision included, and that is what rendering again gives."""
    edit_spec(shop, *ADD_FIELD)
    first = sync_project(shop)
    assert not first.reused_render and len(renders) == 1
    assert any(s.new_revision for s in first.view.services)
    again = sync_project(shop)
    assert again.reused_render and len(renders) == 1
    assert again.plan.is_noop
    assert again.view is None  # nothing was even modelled, so no revision is reported added
    assert again.plan.base == full_render(shop)


def test_reused_sync_reports_user_edits_deletions_and_drift_as_a_render_would(
    shop: Path, renders, capsys
) -> None:
    models = shop / MODELS
    models.write_text(models.read_text() + "# mine\n")
    deleted = shop / "services/shipping/tests/test_api.py"
    deleted.unlink()
    managed = next(
        path
        for path, record in load_manifest(shop).files.items()
        if record.policy.value == "managed"
    )
    (shop / managed).write_text("edited by hand\n")

    before = tree(shop)
    check = run_cli(capsys, "sync", "--check", "--path", str(shop))
    assert check.exit_code == 1 and managed in check.stderr
    dry = run_cli(capsys, "sync", "--dry-run", "--path", str(shop))
    assert dry.exit_code == 0 and "overwrite-managed" in dry.stdout
    assert tree(shop) == before
    result = sync_project(shop)
    assert result.reused_render and renders == []
    kinds = {a.path: a.kind.value for a in result.plan.actions}
    assert kinds[MODELS] == "keep"
    assert kinds["services/shipping/tests/test_api.py"] == "user-deleted"
    assert kinds[managed] == "overwrite-managed"
    assert "# mine" in models.read_text() and not deleted.exists()
    assert (shop / managed).read_bytes() == result.plan.base[managed]


def test_unresolved_conflicts_still_block_a_reused_sync(shop: Path, capsys) -> None:
    models = shop / MODELS
    text = models.read_text()
    anchor = next(line for line in text.splitlines(keepends=True) if "cancel_reason" in line)
    models.write_text(text.replace(anchor, anchor + "    loyalty_points: int = 0  # mine\n", 1))
    edit_spec(shop, *ADD_FIELD)
    assert run_cli(capsys, "sync", "--path", str(shop)).exit_code == 1
    again = run_cli(capsys, "sync", "--path", str(shop))
    assert again.exit_code == 1 and "not resolved" in again.stderr


def test_a_kept_orphan_is_reported_again_and_then_reuse_resumes(
    shop: Path, renders, capsys
) -> None:
    """BASE holding an orphan beside the render is no render: no fingerprint is recorded."""
    orphan = shop / "services/shipping/models.py"
    orphan.write_text(orphan.read_text() + "# mine\n")
    assert run_cli(capsys, "remove-service", "shipping", "--path", str(shop)).exit_code == 0
    assert load_manifest(shop).fingerprint is None
    again = sync_project(shop)
    assert not again.reused_render
    assert [a.path for a in again.plan.attention] == ["services/shipping/models.py"]
    shutil.rmtree(shop / "services/shipping")
    assert not sync_project(shop).reused_render  # records the fingerprint again
    assert sync_project(shop).reused_render


def test_a_damaged_base_is_rendered_again(shop: Path, renders) -> None:
    (shop / ".shopgen/base" / MODELS).write_text("damaged\n")
    result = sync_project(shop)
    assert not result.reused_render and result.plan.is_noop is False  # BASE rewritten
    assert sync_project(shop).reused_render


def test_a_spec_byte_defeats_the_reuse(shop: Path, renders) -> None:
    spec = shop / "shopgen.yaml"
    spec.write_text(spec.read_text() + "# a comment changes no meaning, but it is input\n")
    assert not sync_project(shop).reused_render and len(renders) == 1
    assert sync_project(shop).reused_render


def test_a_changed_template_file_defeats_the_reuse_and_arrives(
    shop: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, renders, fresh_digest
) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(shopgen.builtin.builtin_templates(), templates)
    monkeypatch.setattr(shopgen.builtin, "builtin_templates", lambda: templates)
    assert sync_project(shop).reused_render  # the same files, wherever they are
    readme = templates / "project" / "README.md.jinja"
    readme.write_text(readme.read_text() + "\nA line from a newer template.\n")
    shopgen.fingerprint.generator_digest.cache_clear()
    result = sync_project(shop)
    assert not result.reused_render
    assert "A line from a newer template." in (shop / "README.md").read_text()


def test_a_changed_override_defeats_the_reuse_and_arrives(shop: Path, renders) -> None:
    override = shop / "shopgen-templates" / "README.md.jinja"
    override.parent.mkdir()
    override.write_text("# {{ project.title }}\n\nOurs.\n")
    (shop / "shopgen.yaml").write_text(
        (shop / "shopgen.yaml").read_text() + "templates: ./shopgen-templates\n"
    )
    assert not sync_project(shop).reused_render
    assert sync_project(shop).reused_render
    override.write_text("# {{ project.title }}\n\nOurs, revised.\n")
    assert not sync_project(shop).reused_render
    assert "Ours, revised." in (shop / "README.md").read_text()


def test_another_shopgen_or_formatter_version_defeats_the_reuse(
    shop: Path, monkeypatch: pytest.MonkeyPatch, renders, fresh_digest
) -> None:
    monkeypatch.setattr(shopgen.fingerprint, "__version__", "99.0.0")
    assert not sync_project(shop).reused_render
    assert sync_project(shop).reused_render
    monkeypatch.setattr(shopgen.fingerprint, "formatter_version", lambda: "ruff 99")
    shopgen.fingerprint.generator_digest.cache_clear()
    assert not sync_project(shop).reused_render


def test_a_no_op_sync_builds_no_model_of_the_spec(
    shop: Path, monkeypatch: pytest.MonkeyPatch, renders
) -> None:
    """The shortcut: a spec without templates whose fingerprint matches is not even parsed
    into models, and the plan is the one the full path makes (the user's edit is kept)."""
    edited = shop / "services/orders/app.py"
    edited.write_text(edited.read_text() + "\n# ours\n")
    full = sync_project(shop, dry_run=True, fetch=False)  # fetch=False: a doctor-style run
    monkeypatch.setattr(shopgen.pipeline, "load_spec", lambda *a, **k: pytest.fail("parsed"))
    quick = sync_project(shop)
    assert quick.reused_render and quick.view is None and renders == []
    assert [(a.path, a.kind) for a in quick.plan.actions] == [
        (a.path, a.kind) for a in full.plan.actions
    ]
    assert edited.read_text().endswith("# ours\n")


@pytest.mark.parametrize("due", ["a rename in the spec", "an old operations module"])
def test_what_only_the_full_path_does_is_not_skipped(shop: Path, due: str) -> None:
    """A service rename (`renamed_from`) and the upgrade of an old `custom/operations.py` need
    the spec's models: sync takes the full path for them, whatever the fingerprint says."""
    if due == "a rename in the spec":
        spec = shop / "shopgen.yaml"
        spec.write_text(spec.read_text() + "# renamed_from: (a comment is enough to look)\n")
        assert sync_project(shop).view is not None  # the spec changed: a render
        result = sync_project(shop)
        assert result.reused_render and result.view is not None
    else:
        old = shop / "services/products/custom/operations.py"
        old.write_text("async def validate(request, context):\n    raise NotImplementedError\n")
        result = sync_project(shop)
        assert result.view is not None
        assert (shop / "services/products/custom/operations/legacy.py").is_file()
