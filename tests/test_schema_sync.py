"""`shopgen sync` and the migration history, on the generated example (no database here:
tests/test_migrations.py runs the revisions against SQLite, PostgreSQL and MariaDB)."""

from __future__ import annotations

import json
from pathlib import Path

from shopgen import __version__
from tests.helpers import edit_spec, run_cli, tree

PRICE = "          price: {type: decimal, min: 0}\n"
VERSIONS = "services/products/migrations/versions"


def _revisions(shop: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((shop / VERSIONS).glob("*.py"))}


def test_a_schema_change_adds_one_revision_and_keeps_the_first(shop: Path, capsys) -> None:
    first = _revisions(shop)
    assert list(first) == ["0001_initial.py"]
    edit_spec(shop, PRICE, PRICE + "          weight: {type: decimal, optional: true}\n")
    result = run_cli(capsys, "sync", "--path", str(shop))
    assert result.exit_code == 0, result.stderr
    assert "adds services/products/migrations/versions/0002_product_add_weight.py" in result.stdout
    after = _revisions(shop)
    assert after["0001_initial.py"] == first["0001_initial.py"]
    revision = after["0002_product_add_weight.py"].decode()
    assert 'down_revision: str | Sequence[str] | None = "0001"' in revision
    assert 'batch_op.add_column(sa.Column("weight", sa.Numeric(12, 2), nullable=True))' in revision
    assert 'batch_op.drop_column("weight")' in revision
    schema = json.loads((shop / "services/products/migrations/schema.json").read_text())
    assert "weight" in schema["tables"]["products"]["columns"]

    # The user edits the revision before applying it: later syncs keep the edit.
    edited = shop / VERSIONS / "0002_product_add_weight.py"
    edited.write_text(edited.read_text() + "# checked by the team\n")
    edit_spec(shop, PRICE, PRICE + "          colour: {type: string, optional: true}\n")
    assert run_cli(capsys, "sync", "--path", str(shop)).exit_code == 0
    assert edited.read_text().endswith("# checked by the team\n")
    assert sorted(_revisions(shop)) == [
        "0001_initial.py", "0002_product_add_weight.py", "0003_product_add_colour.py",
    ]  # fmt: skip
    third = (shop / VERSIONS / "0003_product_add_colour.py").read_text()
    assert 'down_revision: str | Sequence[str] | None = "0002_product_add_weight"' in third

    again = run_cli(capsys, "sync", "--check", "--path", str(shop))
    assert again.exit_code == 0, again.stdout + again.stderr


def test_a_destructive_change_is_refused_without_the_flag(shop: Path, capsys) -> None:
    edit_spec(shop, "          description: {type: text, optional: true}\n", "")
    edit_spec(shop, "search: [name, description]", "search: [name]")
    before = tree(shop)

    refused = run_cli(capsys, "sync", "--path", str(shop))
    assert refused.exit_code == 2
    err = " ".join(refused.stderr.split())
    assert "products: drop column description (destructive)" in refused.stdout
    assert "drops column description and its data" in err
    assert "--allow-destructive" in err and "nothing written" in err
    assert tree(shop) == before

    preview = run_cli(capsys, "sync", "--dry-run", "--path", str(shop))
    assert preview.exit_code == 0
    assert '+        batch_op.drop_column("description")' in preview.stdout  # the revision
    assert tree(shop) == before

    allowed = run_cli(capsys, "sync", "--allow-destructive", "--path", str(shop))
    assert allowed.exit_code == 0, allowed.stderr
    assert (shop / VERSIONS / "0002_product_drop_description.py").is_file()


def test_a_new_required_field_without_default_is_destructive(shop: Path, capsys) -> None:
    edit_spec(shop, PRICE, PRICE + "          barcode: string\n")
    refused = run_cli(capsys, "sync", "--path", str(shop))
    assert refused.exit_code == 2
    assert "barcode is required and has no default" in " ".join(refused.stderr.split())
    assert run_cli(capsys, "sync", "--allow-destructive", "--path", str(shop)).exit_code == 0
    revision = (shop / VERSIONS / "0002_product_add_barcode.py").read_text()
    assert "# Existing rows have no barcode: fill it here" in revision


def test_a_new_unique_is_destructive_only_where_rows_may_share_a_value(shop: Path, capsys):
    name = "          name: {type: string, max_length: 200}\n"
    # A new column that starts empty (NULLs never collide): nothing to refuse.
    edit_spec(shop, PRICE, PRICE + "          sku: {type: string, optional: true, unique: true}\n")
    assert run_cli(capsys, "sync", "--path", str(shop)).exit_code == 0
    # Existing names may repeat: said, and refused without the user's word.
    edit_spec(shop, name, "          name: {type: string, max_length: 200, unique: true}\n")
    refused = run_cli(capsys, "sync", "--path", str(shop))
    assert refused.exit_code == 2
    assert "add uq_products_name (destructive)" in refused.stdout
    assert "share a value fail the upgrade" in " ".join(refused.stderr.split())
    # So may a new column that every existing row gets the same default in.
    edit_spec(shop, "          name: {type: string, max_length: 200, unique: true}\n", name)
    edit_spec(shop, PRICE, PRICE + "          code: {type: string, default: x, unique: true}\n")
    refused = run_cli(capsys, "sync", "--path", str(shop))
    assert refused.exit_code == 2
    assert "uq_products_code is new" in " ".join(refused.stderr.split())


def test_an_older_shopgen_refuses_a_repository_a_newer_one_synced(shop: Path, capsys) -> None:
    manifest = shop / ".shopgen/manifest.json"
    document = json.loads(manifest.read_text())
    document["generator_version"] = "99.0.0"
    manifest.write_text(json.dumps(document, indent=2) + "\n")
    before = tree(shop)
    result = run_cli(capsys, "sync", "--path", str(shop))
    assert result.exit_code == 2
    err = " ".join(result.stderr.split())
    assert "last generated by shopgen 99.0.0" in err and f"this is shopgen {__version__}" in err
    assert ">= 99.0.0" in err
    assert tree(shop) == before


def test_a_repository_from_before_recorded_schemas_starts_its_history(shop: Path, capsys) -> None:
    # As generated by an earlier shopgen: no migrations/schema.json anywhere, no fingerprint.
    manifest = shop / ".shopgen/manifest.json"
    document = json.loads(manifest.read_text())
    del document["fingerprint"]
    for path in [p for p in document["files"] if p.endswith("migrations/schema.json")]:
        del document["files"][path]
        (shop / ".shopgen/base" / path).unlink()
        (shop / path).unlink()
    manifest.write_text(json.dumps(document, indent=2) + "\n")
    first = _revisions(shop)["0001_initial.py"]

    # The spec changed since 0001 was rendered: the schema behind it is unknown, so sync
    # refuses to render it again (the old way) without the user's word.
    weight = PRICE + "          weight: {type: decimal, optional: true}\n"
    edit_spec(shop, PRICE, weight)
    refused = run_cli(capsys, "sync", "--path", str(shop))
    assert refused.exit_code == 2
    assert "products: 0001_initial.py is rendered again" in " ".join(refused.stderr.split())
    assert _revisions(shop) == {"0001_initial.py": first}
    # With the spec it was rendered from, 0001 is history as it is, and the schema recorded...
    edit_spec(shop, weight, PRICE)
    assert run_cli(capsys, "sync", "--path", str(shop)).exit_code == 0
    assert _revisions(shop) == {"0001_initial.py": first}
    assert (shop / "services/products/migrations/schema.json").is_file()
    # ...so every change from now on is a revision of its own.
    edit_spec(shop, PRICE, weight)
    assert run_cli(capsys, "sync", "--path", str(shop)).exit_code == 0
    assert _revisions(shop)["0001_initial.py"] == first
    assert "0002_product_add_weight.py" in _revisions(shop)


def test_an_earlier_first_revision_is_rendered_again_only_with_the_users_word(
    shop: Path, capsys
) -> None:
    manifest = shop / ".shopgen/manifest.json"
    document = json.loads(manifest.read_text())
    path = "services/products/migrations/schema.json"
    del document["files"][path]
    (shop / ".shopgen/base" / path).unlink()
    manifest.write_text(json.dumps(document, indent=2) + "\n")
    edit_spec(shop, PRICE, PRICE + "          weight: {type: decimal, optional: true}\n")
    result = run_cli(capsys, "sync", "--allow-destructive", "--path", str(shop))
    assert result.exit_code == 0, result.stderr
    # One last time the old way: 0001 follows the spec.
    assert list(_revisions(shop)) == ["0001_initial.py"]
    assert '"weight"' in _revisions(shop)["0001_initial.py"].decode()


def test_a_new_revision_continues_from_a_revision_the_user_wrote(shop: Path, capsys) -> None:
    mine = shop / VERSIONS / "5f1c2a9b7e3d_backfill_prices.py"
    mine.write_text(
        '"""Backfill prices (written by hand)."""\n\n'
        'revision = "5f1c2a9b7e3d"\ndown_revision = "0001"\n\n\n'
        "def upgrade() -> None:\n    pass\n\n\ndef downgrade() -> None:\n    pass\n"
    )
    edit_spec(shop, PRICE, PRICE + "          weight: {type: decimal, optional: true}\n")
    assert run_cli(capsys, "sync", "--path", str(shop)).exit_code == 0
    revision = (shop / VERSIONS / "0002_product_add_weight.py").read_text()
    assert 'down_revision: str | Sequence[str] | None = "5f1c2a9b7e3d"' in revision
    assert mine.is_file()
