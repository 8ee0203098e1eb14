"""The regeneration engine, one scenario per row of the decision table (PRODUCT.md).

Trees are built from dicts in tmp_path; merges run the real `git merge-file`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from shopgen.errors import ConflictError, ShopgenError, UserInputError
from shopgen.merge import (
    ActionKind,
    Plan,
    Policy,
    apply_plan,
    load_manifest,
    plan_diffs,
    plan_sync,
    record_base,
    rename_prefix,
)

VERSION = "9.9.9"
LINES = "".join(f"line {n}\n" for n in range(1, 11))  # long enough for separate merge hunks


def policy_by_folder(path: str) -> Policy:
    """user/** is user-owned, managed/** managed, everything else generated."""
    folder = path.split("/")[0]
    return {"user": Policy.USER, "managed": Policy.MANAGED}.get(folder, Policy.GENERATED)


def build(root: Path, files: dict[str, str | bytes]) -> None:
    for path, content in files.items():
        file = root / path
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_bytes(content.encode() if isinstance(content, str) else content)


def tree(root: Path) -> dict[str, bytes]:
    """The user's files: everything outside .shopgen/."""
    return {
        file.relative_to(root).as_posix(): file.read_bytes()
        for file in sorted(root.rglob("*"))
        if file.is_file() and file.relative_to(root).parts[0] != ".shopgen"
    }


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    """Every file and folder including .shopgen/, with modification times: a rewrite shows."""
    return {
        file.relative_to(root).as_posix(): (
            file.read_bytes() if file.is_file() else b"<dir>",
            file.stat().st_mtime_ns,
        )
        for file in sorted(root.rglob("*"))
    }


def render(files: dict[str, str | bytes]) -> dict[str, bytes]:
    return {p: c.encode() if isinstance(c, str) else c for p, c in files.items()}


def sync(root: Path, files: dict[str, str | bytes], **options) -> Plan:
    plan = plan_sync(root, render(files), policy_by_folder, generator_version=VERSION, **options)
    apply_plan(plan)
    return plan


def kinds(plan: Plan) -> dict[str, ActionKind]:
    return {action.path: action.kind for action in plan.actions}


def edit(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new, 1)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "project"


# --- first generation -------------------------------------------------------------------


def test_first_generation_creates_files_and_records_base(root: Path) -> None:
    files = {"app.py": "print('hi')\n", "user/hooks.py": "# yours\n", "managed/routes.py": "R\n"}
    plan = sync(root, files)

    assert set(kinds(plan).values()) == {ActionKind.CREATE}
    assert tree(root) == render(files)
    assert tree(root / ".shopgen" / "base") == render(files)
    manifest = json.loads((root / ".shopgen" / "manifest.json").read_text())
    assert manifest["format"] == 1
    assert manifest["generator_version"] == VERSION
    assert manifest["files"]["user/hooks.py"]["policy"] == "user"
    assert manifest["files"]["managed/routes.py"]["policy"] == "managed"
    assert manifest["conflicts"] == {}


def test_record_base_stores_render_without_touching_files(root: Path) -> None:
    build(root, {"app.py": "on disk\n"})
    manifest = record_base(
        root, render({"app.py": "rendered\n"}), policy_by_folder, generator_version=VERSION
    )

    assert tree(root) == {"app.py": b"on disk\n"}
    assert (root / ".shopgen/base/app.py").read_bytes() == b"rendered\n"
    assert load_manifest(root) == manifest


# --- rows of the decision table ----------------------------------------------------------


def test_unmodified_file_gets_new_render(root: Path) -> None:
    sync(root, {"app.py": LINES})
    new = edit(LINES, "line 5", "line five")
    plan = sync(root, {"app.py": new})

    assert kinds(plan) == {"app.py": ActionKind.UPDATE}
    assert (root / "app.py").read_text() == new


def test_file_only_the_user_changed_is_kept(root: Path) -> None:
    sync(root, {"app.py": LINES, "other.py": "x\n"})
    mine = edit(LINES, "line 5", "my line")
    build(root, {"app.py": mine})
    plan = sync(root, {"app.py": LINES, "other.py": "y\n"})

    assert kinds(plan)["app.py"] is ActionKind.KEEP
    assert (root / "app.py").read_text() == mine


def test_changes_on_both_sides_in_different_places_are_merged(root: Path) -> None:
    sync(root, {"app.py": LINES})
    build(root, {"app.py": edit(LINES, "line 2", "my line")})
    plan = sync(root, {"app.py": edit(LINES, "line 9", "generated line")})

    assert kinds(plan) == {"app.py": ActionKind.MERGE}
    merged = (root / "app.py").read_text()
    assert "my line\n" in merged and "generated line\n" in merged
    assert "line 2\n" not in merged and "line 9\n" not in merged
    assert load_manifest(root).conflicts == {}


def test_changes_to_the_same_line_conflict_with_labelled_markers(root: Path) -> None:
    sync(root, {"app.py": LINES})
    build(root, {"app.py": edit(LINES, "line 5", "mine")})
    theirs = edit(LINES, "line 5", "theirs")
    plan = sync(root, {"app.py": theirs})

    assert kinds(plan) == {"app.py": ActionKind.CONFLICT}
    assert [a.path for a in plan.conflicts] == ["app.py"]
    text = (root / "app.py").read_text()
    assert (
        "<<<<<<< yours\nmine\n||||||| last generated\nline 5\n=======\ntheirs\n"
        ">>>>>>> new generation\n"
    ) in text
    # BASE stays the pristine render, and the conflict is recorded for the next run.
    assert (root / ".shopgen/base/app.py").read_text() == theirs
    assert load_manifest(root).conflicts == {"app.py": "text"}


def test_file_the_user_deleted_stays_deleted(root: Path) -> None:
    sync(root, {"app.py": LINES, "keep.py": "k\n"})
    (root / "app.py").unlink()
    plan = sync(root, {"app.py": edit(LINES, "line 1", "changed"), "keep.py": "k\n"})

    assert kinds(plan)["app.py"] is ActionKind.USER_DELETED
    assert not (root / "app.py").exists()
    assert not plan.changes


def test_file_no_longer_generated_is_deleted_with_its_empty_folders(root: Path) -> None:
    sync(root, {"svc/api/items.py": "x\n", "svc/api/users.py": "u\n", "app.py": "a\n"})
    plan = sync(root, {"app.py": "a\n", "svc/api/users.py": "u\n"})
    assert kinds(plan)["svc/api/items.py"] is ActionKind.DELETE
    assert tree(root) == {"app.py": b"a\n", "svc/api/users.py": b"u\n"}

    sync(root, {"app.py": "a\n"})
    assert not (root / "svc").exists()
    assert not (root / ".shopgen/base/svc").exists()
    assert set(load_manifest(root).files) == {"app.py"}


def test_modified_file_no_longer_generated_is_kept_and_reported(root: Path) -> None:
    sync(root, {"svc/items.py": "x\n", "app.py": "a\n"})
    build(root, {"svc/items.py": "x\nmy work\n"})
    plan = sync(root, {"app.py": "a\n"})

    assert kinds(plan)["svc/items.py"] is ActionKind.ORPHAN
    assert [a.path for a in plan.attention] == ["svc/items.py"]
    assert (root / "svc/items.py").read_text() == "x\nmy work\n"
    # Reported again next time, but nothing changes.
    again = plan_sync(root, render({"app.py": "a\n"}), policy_by_folder, generator_version="1")
    assert not again.changes


def test_a_kept_orphan_stays_recorded_until_pruned_or_deleted(root: Path) -> None:
    sync(root, {"svc/items.py": "x\n", "svc/more.py": "m\n", "app.py": "a\n"})
    build(root, {"svc/items.py": "x\nmy work\n", "svc/more.py": "m\nmine\n"})
    sync(root, {"app.py": "a\n"})
    again = sync(root, {"app.py": "a\n"})  # a later sync still knows both orphans
    assert kinds(again)["svc/items.py"] is ActionKind.ORPHAN
    assert again.is_noop
    assert {"svc/items.py", "svc/more.py"} <= set(load_manifest(root).files)

    (root / "svc/more.py").unlink()  # deleted by the user: forgotten
    pruned = sync(root, {"app.py": "a\n"}, prune=True)  # pruned: backed up and forgotten
    assert kinds(pruned)["svc/items.py"] is ActionKind.ORPHAN
    assert not (root / "svc").exists()
    assert set(load_manifest(root).files) == {"app.py"}
    assert not (root / ".shopgen/base/svc").exists()


def test_prune_removes_modified_orphan_but_backs_it_up(root: Path) -> None:
    sync(root, {"svc/items.py": "x\n", "app.py": "a\n"})
    build(root, {"svc/items.py": "x\nmy work\n"})
    plan = sync(root, {"app.py": "a\n"}, prune=True)

    (action,) = [a for a in plan.actions if a.path == "svc/items.py"]
    assert action.kind is ActionKind.ORPHAN
    assert not (root / "svc").exists()
    assert (root / action.backup).read_text() == "x\nmy work\n"
    assert action.backup.startswith(".shopgen/backup/")


def test_user_made_the_same_change_as_the_generator(root: Path) -> None:
    sync(root, {"app.py": LINES})
    new = edit(LINES, "line 3", "same")
    build(root, {"app.py": new})
    plan = sync(root, {"app.py": new})

    assert kinds(plan) == {"app.py": ActionKind.SKIP}
    assert plan.base_changes == ("app.py",)  # the new render still becomes BASE
    assert (root / ".shopgen/base/app.py").read_text() == new


def test_existing_file_without_base_is_merged_two_way(root: Path) -> None:
    build(root, {"app.py": "hand written\n", "same.py": "s\n"})
    plan = sync(root, {"app.py": "generated\n", "same.py": "s\n"})

    assert kinds(plan) == {"app.py": ActionKind.CONFLICT, "same.py": ActionKind.SKIP}
    text = (root / "app.py").read_text()
    assert "<<<<<<< yours\nhand written\n" in text and "generated\n>>>>>>> new generation" in text


def test_corrupt_base_falls_back_to_two_way_merge(root: Path) -> None:
    sync(root, {"app.py": "one\n"})
    build(root, {"app.py": "mine\n", ".shopgen/base/app.py": "tampered\n"})
    plan = plan_sync(root, render({"app.py": "one\n"}), policy_by_folder, generator_version="1")

    # Without a trusted BASE the engine cannot tell who changed what: it asks, it never picks.
    assert kinds(plan) == {"app.py": ActionKind.CONFLICT}


# --- policies ------------------------------------------------------------------------------


def test_user_owned_file_is_created_once_and_never_touched(root: Path) -> None:
    sync(root, {"user/a.py": "stub\n", "user/b.py": "stub\n", "user/c.py": "stub\n"})
    build(root, {"user/a.py": "my code\n"})
    (root / "user/b.py").unlink()
    plan = sync(root, {"user/a.py": "new stub\n", "user/b.py": "new stub\n"})

    assert kinds(plan) == {
        "user/a.py": ActionKind.SKIP,
        "user/b.py": ActionKind.USER_DELETED,
        "user/c.py": ActionKind.SKIP,  # no longer generated: left alone
    }
    assert tree(root) == {"user/a.py": b"my code\n", "user/c.py": b"stub\n"}


def test_user_owned_file_existing_before_generation_is_left_alone(root: Path) -> None:
    build(root, {"user/a.py": "mine\n"})
    plan = sync(root, {"user/a.py": "stub\n"})
    assert kinds(plan) == {"user/a.py": ActionKind.SKIP}
    assert (root / "user/a.py").read_text() == "mine\n"


def test_managed_file_edit_is_overwritten_backed_up_and_reported(root: Path) -> None:
    sync(root, {"managed/routes.py": LINES})
    build(root, {"managed/routes.py": edit(LINES, "line 1", "my hack")})
    new = edit(LINES, "line 9", "new route")
    plan = sync(root, {"managed/routes.py": new})

    (action,) = plan.actions
    assert action.kind is ActionKind.OVERWRITE_MANAGED
    assert plan.attention == (action,)
    assert (root / "managed/routes.py").read_text() == new
    assert "my hack" in (root / action.backup).read_text()


def test_managed_file_is_updated_and_restored_when_deleted(root: Path) -> None:
    sync(root, {"managed/routes.py": "v1\n"})
    assert kinds(sync(root, {"managed/routes.py": "v2\n"})) == {
        "managed/routes.py": ActionKind.UPDATE
    }
    (root / "managed/routes.py").unlink()
    assert kinds(sync(root, {"managed/routes.py": "v2\n"})) == {
        "managed/routes.py": ActionKind.CREATE
    }
    assert (root / "managed/routes.py").read_text() == "v2\n"


# --- binary files and line endings -------------------------------------------------------

PNG_V1 = b"\x89PNG\r\n\x1a\n\x00\x00v1"
PNG_V2 = b"\x89PNG\r\n\x1a\n\x00\x00v2"
PNG_MINE = b"\x89PNG\r\n\x1a\n\x00\x00mine"


def test_binary_changed_only_by_generator_is_replaced(root: Path) -> None:
    sync(root, {"logo.png": PNG_V1})
    assert kinds(sync(root, {"logo.png": PNG_V2})) == {"logo.png": ActionKind.UPDATE}
    assert (root / "logo.png").read_bytes() == PNG_V2


def test_binary_changed_on_both_sides_is_never_merged(root: Path) -> None:
    sync(root, {"logo.png": PNG_V1})
    build(root, {"logo.png": PNG_MINE})
    plan = sync(root, {"logo.png": PNG_V2})

    assert kinds(plan) == {"logo.png": ActionKind.BINARY_CONFLICT}
    assert (root / "logo.png").read_bytes() == PNG_MINE
    assert (root / "logo.png.shopgen-new").read_bytes() == PNG_V2
    with pytest.raises(ConflictError, match=r"logo\.png\.shopgen-new"):
        plan_sync(root, render({"logo.png": PNG_V2}), policy_by_folder, generator_version="1")

    (root / "logo.png.shopgen-new").unlink()  # the user chose to keep theirs
    assert kinds(sync(root, {"logo.png": PNG_V2})) == {"logo.png": ActionKind.KEEP}


def test_crlf_file_stays_crlf_when_merged_with_lf_render(root: Path) -> None:
    sync(root, {"app.py": LINES})
    mine = edit(LINES, "line 2", "my line").replace("\n", "\r\n")  # edited on Windows
    build(root, {"app.py": mine.encode()})
    sync(root, {"app.py": edit(LINES, "line 9", "generated line")})

    merged = (root / "app.py").read_bytes()
    assert (
        merged
        == edit(edit(LINES, "line 2", "my line"), "line 9", "generated line")
        .replace("\n", "\r\n")
        .encode()
    )


def test_crlf_checkout_of_unmodified_file_is_updated_in_crlf(root: Path) -> None:
    sync(root, {"app.py": LINES})
    build(root, {"app.py": LINES.replace("\n", "\r\n")})  # git autocrlf, no edit
    unchanged = plan_sync(root, render({"app.py": LINES}), policy_by_folder, generator_version="1")
    assert kinds(unchanged) == {"app.py": ActionKind.SKIP}

    new = edit(LINES, "line 4", "new")
    assert kinds(sync(root, {"app.py": new})) == {"app.py": ActionKind.UPDATE}
    assert (root / "app.py").read_bytes() == new.replace("\n", "\r\n").encode()


def test_crlf_conflict_markers_are_crlf(root: Path) -> None:
    sync(root, {"app.py": LINES})
    build(root, {"app.py": edit(LINES, "line 5", "mine").replace("\n", "\r\n")})
    sync(root, {"app.py": edit(LINES, "line 5", "theirs")})

    data = (root / "app.py").read_bytes()
    assert b"<<<<<<< yours\r\nmine\r\n" in data
    assert data.count(b"\n") == data.count(b"\r\n")


# --- refusing to run over unresolved conflicts ---------------------------------------------


def test_refuses_while_conflict_markers_remain_then_proceeds(root: Path) -> None:
    sync(root, {"app.py": LINES})
    build(root, {"app.py": edit(LINES, "line 5", "mine")})
    theirs = {"app.py": edit(LINES, "line 5", "theirs")}
    sync(root, theirs)

    with pytest.raises(ConflictError, match=r"app\.py: still contains conflict markers"):
        plan_sync(root, render(theirs), policy_by_folder, generator_version=VERSION)

    build(root, {"app.py": edit(LINES, "line 5", "mine and theirs")})  # resolved by hand
    plan = sync(root, theirs)
    assert kinds(plan) == {"app.py": ActionKind.KEEP}
    assert load_manifest(root).conflicts == {}
    assert "mine and theirs" in (root / "app.py").read_text()


def test_deleting_a_conflicted_file_resolves_it(root: Path) -> None:
    sync(root, {"app.py": LINES})
    build(root, {"app.py": edit(LINES, "line 5", "mine")})
    sync(root, {"app.py": edit(LINES, "line 5", "theirs")})
    (root / "app.py").unlink()
    plan = plan_sync(root, render({"app.py": "x\n"}), policy_by_folder, generator_version="1")
    assert kinds(plan) == {"app.py": ActionKind.USER_DELETED}


# --- no-op, dry run, drift -------------------------------------------------------------------


def test_second_sync_without_change_writes_nothing(root: Path) -> None:
    files = {"app.py": LINES, "user/a.py": "u\n", "managed/m.py": "m\n", "logo.png": PNG_V1}
    sync(root, files)
    before = snapshot(root)
    plan = sync(root, files)

    assert set(kinds(plan).values()) == {ActionKind.SKIP}
    assert plan.is_noop and plan.drift == ()
    assert snapshot(root) == before


def test_sync_after_user_edits_then_again_is_a_noop(root: Path) -> None:
    sync(root, {"app.py": LINES})
    build(root, {"app.py": edit(LINES, "line 1", "mine")})
    files = {"app.py": edit(LINES, "line 9", "theirs")}
    sync(root, files)
    before = snapshot(root)
    plan = sync(root, files)

    assert kinds(plan) == {"app.py": ActionKind.KEEP}
    assert plan.is_noop
    assert snapshot(root) == before


def test_dry_run_writes_nothing_and_shows_diffs(root: Path) -> None:
    sync(root, {"app.py": LINES, "old.py": "o\n", "managed/m.py": "m\n"})
    build(root, {"app.py": edit(LINES, "line 2", "mine"), "managed/m.py": "hack\n"})
    before = snapshot(root)

    plan = plan_sync(
        root,
        render({"app.py": edit(LINES, "line 9", "theirs"), "new.py": "n\n", "managed/m.py": "m\n"}),
        policy_by_folder,
        generator_version=VERSION,
    )
    diffs = plan_diffs(plan)

    assert snapshot(root) == before
    assert set(diffs) == {"app.py", "old.py", "new.py", "managed/m.py"}
    assert "-line 9\n+theirs\n" in diffs["app.py"] and "mine" not in diffs["app.py"].split("@@")[2]
    assert diffs["old.py"] == "--- a/old.py\n+++ /dev/null\n@@ -1 +0,0 @@\n-o\n"
    assert diffs["new.py"].startswith("--- /dev/null\n+++ b/new.py\n")
    assert "-hack\n+m\n" in diffs["managed/m.py"]


def test_drift_is_what_a_sync_would_change(root: Path) -> None:
    files = {"app.py": LINES, "managed/m.py": "m\n"}
    sync(root, files)

    def drift() -> tuple[str, ...]:
        return plan_sync(root, render(files), policy_by_folder, generator_version="1").drift

    assert drift() == ()
    build(root, {"app.py": edit(LINES, "line 1", "mine")})
    assert drift() == ()  # editing generated code is what it is for
    build(root, {"managed/m.py": "hack\n"})
    assert drift() == ("managed/m.py",)
    build(root, {"managed/m.py": "m\n"})
    files["app.py"] = edit(LINES, "line 9", "spec changed")
    assert drift() == ("app.py",)


# --- safety --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/etc/passwd",
        "../outside.py",
        "a/../../b",
        "a\\b.py",
        ".git/config",
        "x/.git/hooks/x",
        ".shopgen/manifest.json",
        "a//b",
        "a/",
        "./a",
        "",
    ],
)
def test_unsafe_paths_are_refused_before_anything_is_written(root: Path, path: str) -> None:
    with pytest.raises(UserInputError, match="Refusing to write"):
        sync(root, {"ok.py": "x\n", path: "evil\n"})
    assert not root.exists()


def test_atomic_writes_leave_no_temporary_files(root: Path) -> None:
    sync(root, {"a/b/c.py": "1\n", "d.py": "2\n"})
    sync(root, {"a/b/c.py": "3\n", "d.py": "4\n"})
    names = [p.name for p in root.rglob("*")]
    assert not [n for n in names if n.endswith(".tmp")]


def test_failed_write_keeps_the_old_file_and_no_temporary_file(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sync(root, {"app.py": "old\n"})
    plan = plan_sync(root, render({"app.py": "new\n"}), policy_by_folder, generator_version="1")

    def failing_replace(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        apply_plan(plan)
    monkeypatch.undo()

    assert sorted(p.name for p in root.iterdir()) == [".shopgen", "app.py"]
    assert (root / "app.py").read_text() == "old\n"


def test_update_keeps_the_executable_bit(root: Path) -> None:
    sync(root, {"run.sh": "#!/bin/sh\necho 1\n"})
    (root / "run.sh").chmod(0o755)
    sync(root, {"run.sh": "#!/bin/sh\necho 2\n"})
    assert (root / "run.sh").stat().st_mode & 0o777 == 0o755


def test_apply_refuses_when_a_file_changed_after_planning(root: Path) -> None:
    sync(root, {"app.py": "v1\n"})
    plan = plan_sync(root, render({"app.py": "v2\n"}), policy_by_folder, generator_version="1")
    build(root, {"app.py": "typed meanwhile\n"})
    with pytest.raises(ShopgenError, match="changed while shopgen was syncing"):
        apply_plan(plan)
    assert (root / "app.py").read_text() == "typed meanwhile\n"


def test_folder_where_a_file_is_generated_is_a_clear_error(root: Path) -> None:
    build(root, {"app.py/inner.txt": "x\n", "lib": "a file\n"})
    with pytest.raises(UserInputError) as raised:
        plan_sync(
            root,
            render({"app.py": "x\n", "lib/x.py": "x\n"}),
            policy_by_folder,
            generator_version="1",
        )
    assert "app.py: a folder on disk where a file is generated" in str(raised.value)
    assert "lib/x.py: lib is a file on disk, not a folder" in str(raised.value)


def test_generated_file_can_become_a_folder_and_back(root: Path) -> None:
    sync(root, {"svc/api": "file\n"})
    sync(root, {"svc/api/__init__.py": "folder\n"})
    assert tree(root) == {"svc/api/__init__.py": b"folder\n"}
    sync(root, {"svc/api": "file again\n"})
    assert tree(root) == {"svc/api": b"file again\n"}


def test_edited_module_blocks_its_replacement_by_a_package(root: Path) -> None:
    sync(root, {"svc/api": "module\n"})
    build(root, {"svc/api": "module with my edits\n"})
    with pytest.raises(UserInputError, match="svc/api is a file on disk"):
        plan_sync(root, render({"svc/api/x.py": "p\n"}), policy_by_folder, generator_version="1")


def test_unreadable_manifest_is_a_clear_error(root: Path) -> None:
    build(root, {".shopgen/manifest.json": "{not json"})
    with pytest.raises(UserInputError, match=r"manifest\.json is unreadable"):
        load_manifest(root)


def test_renamed_folder_keeps_its_edits_and_merges(root: Path) -> None:
    sync(root, {"svc/old/app.py": LINES, "user/x.py": "u\n"})
    build(root, {"svc/old/app.py": edit(LINES, "line 1", "mine"), "svc/old/notes.txt": "n\n"})
    rename_prefix(root, "svc/old/", "svc/new/")
    plan = sync(root, {"svc/new/app.py": edit(LINES, "line 9", "theirs"), "user/x.py": "u\n"})

    assert kinds(plan) == {"svc/new/app.py": ActionKind.MERGE, "user/x.py": ActionKind.SKIP}
    assert tree(root) == {
        "svc/new/app.py": edit(edit(LINES, "line 1", "mine"), "line 9", "theirs").encode(),
        "svc/new/notes.txt": b"n\n",
        "user/x.py": b"u\n",
    }
