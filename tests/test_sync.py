"""`shopgen sync` and the spec-editing commands on a generated example with hand edits."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import ADD_FIELD, edit_spec, run_cli, tree

MODELS = "services/orders/models.py"
CUSTOM = "services/products/custom/operations/validate.py"


def test_a_second_sync_with_no_change_writes_nothing(shop: Path, capsys) -> None:
    before = {p: (shop / p).stat().st_mtime_ns for p in tree(shop)}
    result = run_cli(capsys, "sync", "--path", str(shop))
    assert result.exit_code == 0, result.stderr
    assert "nothing to do" in result.stdout
    assert {p: (shop / p).stat().st_mtime_ns for p in tree(shop)} == before


def test_user_edit_and_spec_change_to_the_same_file_are_both_kept(shop: Path, capsys) -> None:
    models = shop / MODELS
    lines = models.read_text().splitlines(keepends=True)
    lines.insert(3, "# NOTE(team): orders are archived after a year.\n")
    models.write_text("".join(lines))
    edit_spec(shop, *ADD_FIELD)
    result = run_cli(capsys, "sync", "--path", str(shop))
    assert result.exit_code == 0, result.stdout + result.stderr
    text = models.read_text()
    assert "orders are archived after a year" in text and "gift_note" in text
    assert "<<<<<<<" not in text


def test_a_conflicting_edit_leaves_markers_exits_1_and_blocks_the_next_sync(
    shop: Path, capsys
) -> None:
    models = shop / MODELS
    text = models.read_text()
    anchor = next(line for line in text.splitlines(keepends=True) if "cancel_reason" in line)
    models.write_text(text.replace(anchor, anchor + "    loyalty_points: int = 0  # mine\n", 1))
    edit_spec(shop, *ADD_FIELD)
    result = run_cli(capsys, "sync", "--path", str(shop))
    assert result.exit_code == 1
    assert MODELS in result.stderr
    merged = models.read_text()
    assert "<<<<<<< yours" in merged and "loyalty_points" in merged and "gift_note" in merged
    again = run_cli(capsys, "sync", "--path", str(shop))
    assert again.exit_code == 1 and "not resolved" in again.stderr
    # Resolve: keep both lines, drop the markers.
    resolved = [
        line
        for line in merged.splitlines(keepends=True)
        if not line.startswith(("<<<<<<<", "|||||||", "=======", ">>>>>>>"))
    ]
    models.write_text("".join(dict.fromkeys(resolved)))
    assert run_cli(capsys, "sync", "--path", str(shop)).exit_code == 0


def test_dry_run_writes_nothing_and_check_catches_drift(shop: Path, capsys) -> None:
    edit_spec(shop, *ADD_FIELD)
    before = tree(shop)
    dry = run_cli(capsys, "sync", "--dry-run", "--path", str(shop))
    assert dry.exit_code == 0
    assert "gift_note" in dry.stdout and MODELS in dry.stdout
    assert tree(shop) == before
    check = run_cli(capsys, "sync", "--check", "--path", str(shop))
    assert check.exit_code == 1 and MODELS in check.stderr
    assert tree(shop) == before
    assert run_cli(capsys, "sync", "--path", str(shop)).exit_code == 0
    assert run_cli(capsys, "sync", "--check", "--path", str(shop)).exit_code == 0


def test_user_owned_stubs_and_deletions_are_respected(shop: Path, capsys) -> None:
    (shop / CUSTOM).write_text("# my own implementation\n")
    deleted = "services/shipping/tests/test_api.py"
    (shop / deleted).unlink()
    edit_spec(shop, *ADD_FIELD)
    assert run_cli(capsys, "sync", "--path", str(shop)).exit_code == 0
    assert (shop / CUSTOM).read_text() == "# my own implementation\n"
    assert not (shop / deleted).exists()


def test_add_and_remove_a_service(shop: Path, capsys) -> None:
    added = run_cli(
        capsys,
        "add-service",
        "reviews",
        "--capability",
        "Product Catalog",
        "--entity",
        "Review",
        "--field",
        "rating:integer",
        "--path",
        str(shop),
    )
    assert added.exit_code == 0, added.stderr
    assert (shop / "services/reviews/models.py").is_file()
    assert "# The business capability map" in (shop / "shopgen.yaml").read_text()
    own = shop / "services/reviews/custom/__init__.py"
    own.write_text(own.read_text() + "# kept\n")
    edited = shop / "services/reviews/app.py"
    edited.write_text(edited.read_text() + "# my tweak\n")
    removed = run_cli(capsys, "remove-service", "reviews", "--path", str(shop))
    assert removed.exit_code == 0, removed.stderr
    assert not (shop / "services/reviews/models.py").exists()
    assert edited.read_text().endswith("# my tweak\n"), "a modified file is kept and reported"
    assert "services/reviews/app.py" in removed.stdout
    assert own.read_text().endswith("# kept\n")


def test_renaming_a_service_moves_its_user_code(shop: Path, capsys) -> None:
    custom = shop / "services/shipping/custom/__init__.py"
    custom.write_text(custom.read_text() + "# shipping rules\n")
    spec = shop / "shopgen.yaml"
    text = spec.read_text().replace("  shipping:\n", "  delivery:\n    renamed_from: shipping\n")
    text = text.replace("services: [shipping]", "services: [delivery]")
    text = text.replace("service: shipping, auth", "service: delivery, auth")
    spec.write_text(text)
    # The user's own code elsewhere that imports the old package.
    mine = shop / "services/orders/custom/my_tracking.py"
    mine.write_text("from services.shipping.models import Shipment\n")

    preview = run_cli(capsys, "sync", "--dry-run", "--path", str(shop))
    assert preview.exit_code == 0, preview.stdout + preview.stderr
    assert "would move services/shipping/ → services/delivery/" in preview.stdout
    # The move, not a creation per new file and an orphan per old one.
    table = preview.stdout.split("┏", 1)[1].split("└", 1)[0]
    assert "│ orphan" not in table and "│ create │ services/" not in table
    assert "services/shipping/" not in table
    assert "services/orders/custom/my_tracking.py still imports services.shipping" in (
        " ".join(preview.stderr.split())
    )
    assert (shop / "services/shipping").is_dir()  # nothing written

    result = run_cli(capsys, "sync", "--path", str(shop))
    assert result.exit_code == 0, result.stdout + result.stderr
    assert (
        (shop / "services/delivery/custom/__init__.py").read_text().endswith("# shipping rules\n")
    )
    assert not (shop / "services/shipping").exists()
    assert "my_tracking.py still imports services.shipping" in " ".join(result.stderr.split())
