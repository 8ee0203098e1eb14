"""`shopgen.doctor`: checks of the machine and of a generated repository, run for real.

The local-server checks connect to the real PostgreSQL and RabbitMQ this machine runs; the
repository checks run on a repository generated from the bundled example.
"""

from __future__ import annotations

import socket
from pathlib import Path

from shopgen.doctor import (
    MARIADB,
    POSTGRESQL,
    RABBITMQ,
    Check,
    LocalServer,
    check_server,
    run_checks,
    servers_for,
)
from shopgen.merge import load_manifest
from shopgen.spec import load_spec
from shopgen.sync import sync_project
from tests.helpers import ADD_FIELD, EXAMPLE, FIXTURES, edit_spec

MODELS = "services/orders/models.py"


def by_name(checks: list[Check]) -> dict[str, Check]:
    return {check.name: check for check in checks}


def closed_port() -> int:
    """A port nothing listens on: bound by us, then released."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- the machine ---------------------------------------------------------------------------


def test_outside_a_repository_only_the_machine_is_checked() -> None:
    checks = by_name(run_checks(None))
    assert "shopgen.yaml" not in checks and "drift" not in checks
    for name in ("Python ≥ 3.11", "git", "make"):
        assert checks[name].ok, checks[name]
    # This machine runs both servers; the probes must find them.
    assert checks["PostgreSQL on 127.0.0.1:5432"].ok
    assert checks["RabbitMQ on 127.0.0.1:5672"].ok


def test_missing_tools_fail_with_a_hint(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: no python3, git or make
    checks = by_name(run_checks(None, servers=[]))
    for name in ("Python ≥ 3.11", "git", "make"):
        assert checks[name].failed and checks[name].hint, checks[name]
    assert "not on PATH" in checks["git"].detail


def test_an_old_python3_on_path_fails(tmp_path: Path, monkeypatch) -> None:
    python3 = tmp_path / "python3"  # a stand-in interpreter: no old Python is installed here
    python3.write_text("#!/bin/sh\necho 3.9.18\n")
    python3.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    check = by_name(run_checks(None, servers=[]))["Python ≥ 3.11"]
    assert check.failed and "3.9.18" in check.detail


def test_an_unreachable_server_is_a_warning_not_a_failure() -> None:
    port = closed_port()
    check = check_server(LocalServer("RabbitMQ", "127.0.0.1", port, "events"))
    assert not check.ok and not check.failed and check.status == "warn"
    assert "make up" in check.detail and check.hint


def test_the_servers_probed_follow_the_specs_databases() -> None:
    assert servers_for(load_spec(EXAMPLE)) == [POSTGRESQL, RABBITMQ]
    assert servers_for(load_spec(FIXTURES / "single_sqlite.yaml")) == [RABBITMQ]
    assert servers_for(None) == [POSTGRESQL, RABBITMQ]
    assert MARIADB.port == 3306


# --- the repository ------------------------------------------------------------------------


def test_a_freshly_generated_repository_passes_every_check(shop: Path) -> None:
    checks = run_checks(shop, servers=[])
    # Only the warning that the user code is still to be written (the example without its
    # user code): see the stubs tests below.
    assert [c.name for c in checks if not c.ok] == ["stubs"]
    assert not any(c.failed for c in checks)
    assert [c.name for c in checks][3:] == [
        "shopgen.yaml",
        "manifest",
        "conflicts",
        "drift",
        "stubs",
    ]
    names = by_name(checks)
    assert names["shopgen.yaml"].detail.startswith("valid: 5 services")
    assert names["drift"].detail == "the repository matches shopgen.yaml"


def test_a_spec_change_not_yet_synced_is_drift_until_sync(shop: Path) -> None:
    edit_spec(shop, *ADD_FIELD)
    drift = by_name(run_checks(shop, servers=[]))["drift"]
    assert drift.failed
    assert MODELS in drift.detail and "shopgen sync" in (drift.hint or "")
    sync_project(shop)
    assert by_name(run_checks(shop, servers=[]))["drift"].ok


def test_a_hand_edit_to_a_generated_file_is_not_drift(shop: Path) -> None:
    """Edits are the user's right: only a disagreement with the spec is drift."""
    models = shop / MODELS
    models.write_text(models.read_text() + "\n# NOTE(team): kept on purpose\n")
    assert by_name(run_checks(shop, servers=[]))["drift"].ok


def test_unresolved_conflict_markers_fail_and_name_the_file(shop: Path) -> None:
    models = shop / MODELS
    text = models.read_text()
    anchor = next(line for line in text.splitlines(keepends=True) if "cancel_reason" in line)
    models.write_text(text.replace(anchor, anchor + "    loyalty_points: int = 0  # mine\n", 1))
    edit_spec(shop, *ADD_FIELD)
    assert sync_project(shop).plan.conflicts  # a real conflict, recorded in the manifest
    assert MODELS in load_manifest(shop).conflicts

    checks = by_name(run_checks(shop, servers=[]))
    assert checks["conflicts"].failed and MODELS in checks["conflicts"].detail
    assert checks["drift"].status == "warn" and "not checked" in checks["drift"].detail

    # Resolving by hand (keep both lines, drop the markers) clears the check.
    resolved = [
        line
        for line in models.read_text().splitlines(keepends=True)
        if not line.startswith(("<<<<<<<", "|||||||", "=======", ">>>>>>>"))
    ]
    models.write_text("".join(dict.fromkeys(resolved)))
    assert by_name(run_checks(shop, servers=[]))["conflicts"].ok


def test_an_invalid_spec_fails_with_its_location_and_skips_drift(shop: Path) -> None:
    edit_spec(shop, "price: {type: decimal, min: 0}", "price: {type: decimel, min: 0}")
    checks = by_name(run_checks(shop, servers=[]))
    spec = checks["shopgen.yaml"]
    assert spec.failed
    assert "shopgen.yaml:" in spec.detail and "services.products.entities.Product" in spec.detail
    assert "shopgen validate" in (spec.hint or "")
    assert not checks["drift"].failed and "not checked" in checks["drift"].detail


def test_a_missing_manifest_fails(shop: Path) -> None:
    (shop / ".shopgen" / "manifest.json").unlink()
    checks = by_name(run_checks(shop, servers=[]))
    assert checks["manifest"].failed and "missing" in checks["manifest"].detail
    assert "drift" not in checks


def test_a_corrupt_manifest_fails_without_a_traceback(shop: Path) -> None:
    (shop / ".shopgen" / "manifest.json").write_text("{not json")
    manifest = by_name(run_checks(shop, servers=[]))["manifest"]
    assert manifest.failed and "unreadable" in manifest.detail


# --- stubs ---------------------------------------------------------------------------------


def test_unimplemented_stubs_are_listed_as_a_warning(shop: Path) -> None:
    stubs = by_name(run_checks(shop, servers=[]))["stubs"]
    assert stubs.status == "warn"
    for path in (
        "services/products/custom/operations/validate.py",
        "services/payments/custom/actions/charge.py",
        "services/products/custom/actions/reserve_stock.py",
        "services/products/custom/actions/release_stock.py",
        "services/shipping/custom/handlers/create_shipment.py",
    ):
        assert path in stubs.detail
    assert "hooks" not in stubs.detail  # pass-through hooks are complete as they are


def test_a_written_stub_leaves_the_list(shop: Path) -> None:
    from shopgen.generate import example_overlay

    for path, content in example_overlay("ecommerce").items():
        if path.startswith("services/"):
            (shop / path).write_bytes(content)
    stubs = by_name(run_checks(shop, servers=[]))["stubs"]
    assert stubs.ok, stubs.detail
