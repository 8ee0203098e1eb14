"""Property: whatever the user edits and however the generator changes, no user edit is lost.

Random renders, random user edits (insert, delete and change lines, delete files, switch to
CRLF, create a file where the generator will later put one) and random generator changes
(insert, delete and change lines, add and remove files). After a sync, every line the user
wrote is still on disk, or in the backup of a file the engine had to overwrite or prune; files
the user deleted stay deleted; and once conflicts are resolved, a sync is a no-op.
"""

from __future__ import annotations

import itertools
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from shopgen.merge import Plan, Policy, apply_plan, plan_sync

FOLDERS = {"": Policy.GENERATED, "pkg/sub/": Policy.GENERATED, "user/": Policy.USER}
FOLDERS["managed/"] = Policy.MANAGED
EDITS = st.lists(
    st.tuples(st.sampled_from(["insert", "delete", "change"]), st.integers(0, 99)), max_size=3
)


def policy(path: str) -> Policy:
    folder = path.rpartition("/")[0]
    return FOLDERS.get(folder + "/" if folder else "", Policy.GENERATED)


@dataclass
class World:
    """Line lists for the render and the disk, and what the user did to them."""

    render: dict[str, list[str]]
    disk: dict[str, list[str]] = field(default_factory=dict)
    crlf: set[str] = field(default_factory=set)
    user_lines: dict[str, set[str]] = field(default_factory=dict)
    user_deleted: set[str] = field(default_factory=set)
    tokens: itertools.count = field(default_factory=itertools.count)

    def edit(self, lines: list[str], edits: list[tuple[str, int]], prefix: str) -> set[str]:
        """Apply `edits` to `lines` in place; return the lines they introduced."""
        added = set()
        for op, at in edits:
            if op == "insert":
                added.add(line := f"{prefix} {next(self.tokens)}")
                lines.insert(at % (len(lines) + 1), line)
            elif lines and op == "delete":
                added.discard(lines.pop(at % len(lines)))
            elif lines:
                added.discard(lines[at % len(lines)])
                added.add(line := f"{prefix} {next(self.tokens)}")
                lines[at % len(lines)] = line
        return added


def encode(lines: list[str], crlf: bool = False) -> bytes:
    return "".join(line + ("\r\n" if crlf else "\n") for line in lines).encode()


def write(root: Path, world: World) -> None:
    for path, lines in world.disk.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_bytes(encode(lines, path in world.crlf))
    for path in world.user_deleted:
        (root / path).unlink()


def sync(root: Path, render: dict[str, list[str]], prune: bool = False) -> Plan:
    rendered = {path: encode(lines) for path, lines in render.items()}
    plan = plan_sync(root, rendered, policy, generator_version="1", prune=prune)
    apply_plan(plan)
    return plan


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    return {
        p.relative_to(root).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def resolve_conflicts(root: Path, plan: Plan) -> None:
    """Resolve like a hurried user: keep both sides, drop the marker lines."""
    markers = (b"<<<<<<< ", b"||||||| ", b"=======", b">>>>>>> ")
    for action in plan.conflicts:
        file = root / action.path
        kept = [line for line in file.read_bytes().splitlines(True) if not line.startswith(markers)]
        file.write_bytes(b"".join(kept))


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.data())
def test_no_user_edit_is_silently_lost(data: st.DataObject) -> None:
    draw = data.draw
    count = draw(st.integers(1, 6), label="files")
    world = World(
        render={
            f"{draw(st.sampled_from(sorted(FOLDERS)))}f{i}.txt": [
                f"gen {i}.{j}" for j in range(draw(st.integers(0, 20)))
            ]
            for i in range(count)
        }
    )

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        sync(root, world.render)
        (root / "notes.txt").write_bytes(b"never generated\n")

        # The user edits, deletes, converts to CRLF, and anticipates a generated file.
        for path in sorted(world.render):
            if draw(st.integers(0, 5), label=f"delete {path}?") == 0:
                world.user_deleted.add(path)
                continue
            lines = list(world.render[path])
            world.user_lines[path] = world.edit(lines, draw(EDITS, label=f"edit {path}"), "user")
            world.disk[path] = lines
            if draw(st.booleans(), label=f"crlf {path}?"):
                world.crlf.add(path)
        if draw(st.booleans(), label="user creates new0.txt?"):
            world.disk["new0.txt"] = ["user 0 wrote this"]
            world.user_lines["new0.txt"] = {"user 0 wrote this"}
        write(root, world)

        # The generator changes lines, drops files and adds new ones.
        new_render = {}
        for path, lines in world.render.items():
            if draw(st.integers(0, 4), label=f"generator drops {path}?") == 0:
                continue
            lines = list(lines)
            world.edit(lines, draw(EDITS, label=f"generator edits {path}"), "gen2")
            new_render[path] = lines
        for k in range(draw(st.integers(0, 2), label="new files")):
            new_render[f"new{k}.txt"] = [f"gen2 new {k}.{j}" for j in range(3)]

        prune = draw(st.booleans(), label="prune")
        plan = sync(root, new_render, prune=prune)
        actions = {action.path: action for action in plan.actions}
        for action in plan.actions:
            event(action.kind.value)  # see them with pytest --hypothesis-show-statistics

        # Every line the user wrote is on disk, or in the backup of a file we had to replace.
        for path, lines in world.user_lines.items():
            disk = root / path
            on_disk = disk.read_bytes().splitlines() if disk.exists() else []
            backup = actions[path].backup if path in actions else None
            backed_up = (root / backup).read_bytes().splitlines() if backup else []
            for line in lines:
                assert line.encode() in on_disk or line.encode() in backed_up, (path, line)
            if backup:
                assert actions[path] in plan.attention
        # Deleted files stay deleted (a managed file is shopgen's, and comes back).
        for path in world.user_deleted:
            assert (root / path).exists() == (path in new_render and policy(path) is Policy.MANAGED)
        # The user's own files are not shopgen's business.
        assert (root / "notes.txt").read_bytes() == b"never generated\n"
        # Generated files the user did not touch end up as rendered, in the user's line endings.
        for path, lines in new_render.items():
            before_sync = world.disk.get(path)
            if path in world.render:
                untouched = path not in world.user_deleted and before_sync == world.render[path]
            else:
                untouched = before_sync is None
            if untouched and policy(path) is not Policy.USER:
                crlf = path in world.crlf and bool(before_sync)
                assert (root / path).read_bytes() == encode(lines, crlf), path

        # Once the conflicts are resolved, syncing again changes nothing, and then writes nothing.
        resolve_conflicts(root, plan)
        rendered = {path: encode(lines) for path, lines in new_render.items()}
        again = plan_sync(root, rendered, policy, generator_version="1", prune=prune)
        assert again.changes == ()
        assert again.drift == ()
        apply_plan(again)
        before = snapshot(root)
        third = plan_sync(root, rendered, policy, generator_version="1", prune=prune)
        assert third.is_noop
        apply_plan(third)
        assert snapshot(root) == before
