"""`shopgen doctor`: is this machine, and this repository, ready to work with?

    checks = run_checks(root)        # root: a generated repository, or None outside one
    failed = any(check.failed for check in checks)

Each check says what it found and, when something is wrong, what to do about it. Nothing here
prints or writes: the CLI renders the list. Local servers (PostgreSQL, RabbitMQ) are only
needed in distributed mode, so their absence is a warning, never a failure.
"""

from __future__ import annotations

import ast
import re
import shutil
import socket
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from shopgen.errors import ConflictError, ShopgenError, SpecError
from shopgen.merge import Manifest, ensure_resolved, load_manifest
from shopgen.pipeline import SPEC_FILE
from shopgen.spec import Spec, load_spec

MIN_PYTHON = (3, 11)
CONNECT_TIMEOUT = 0.5  # seconds; a local server answers in microseconds or not at all
SHOWN_PATHS = 5  # a detail lists at most this many paths, then "and N more"


@dataclass(frozen=True)
class Check:
    """One finding. `required=False` marks a warning: worth knowing, not a failure."""

    name: str
    ok: bool
    detail: str
    hint: str | None = None
    required: bool = True

    @property
    def failed(self) -> bool:
        return not self.ok and self.required

    @property
    def status(self) -> str:
        """One of ok, warn or fail, for display."""
        if self.ok:
            return "ok"
        return "fail" if self.required else "warn"


@dataclass(frozen=True)
class LocalServer:
    """A server the generated repository uses in distributed mode (`make up`)."""

    name: str
    host: str
    port: int
    needed_for: str


POSTGRESQL = LocalServer("PostgreSQL", "127.0.0.1", 5432, "services on postgresql")
MARIADB = LocalServer("MariaDB/MySQL", "127.0.0.1", 3306, "services on mysql")
RABBITMQ = LocalServer("RabbitMQ", "127.0.0.1", 5672, "events between processes")


def run_checks(root: Path | None, *, servers: Sequence[LocalServer] | None = None) -> list[Check]:
    """Every check, in the order a user should fix them. `root` is a generated repository (the
    folder holding shopgen.yaml) or None to check only the machine. `servers` overrides the
    local servers to probe (by default: those the repository's spec needs)."""
    machine = [check_python(), check_tool("git", "git"), check_tool("make", "make")]
    repository: list[Check] = []
    spec = None
    if root is not None:
        spec_check, spec = check_spec(root)
        repository = [spec_check, *check_repository(root, spec_ok=spec is not None)]
    probed = servers_for(spec) if servers is None else servers
    return [*machine, *(check_server(server) for server in probed), *repository]


# --- the machine ---------------------------------------------------------------------------


def check_python() -> Check:
    """The generated Makefile builds its virtual environment with `python3` from PATH."""
    name = f"Python ≥ {'.'.join(map(str, MIN_PYTHON))}"
    python = shutil.which("python3")
    if python is None:
        return Check(
            name,
            False,
            "no python3 on PATH (the generated Makefile uses it)",
            "install Python 3.11 or newer, or run make with PYTHON=/path/to/python",
        )
    version = _python_version(python)
    if version is None:
        return Check(name, False, f"{python} did not report its version", "reinstall Python")
    shown = ".".join(map(str, version))
    if version < MIN_PYTHON:
        return Check(
            name,
            False,
            f"python3 is {shown} ({python})",
            "install Python 3.11 or newer, or run make with PYTHON=/path/to/python3.11",
        )
    return Check(name, True, f"python3 {shown} ({python})")


def _python_version(python: str) -> tuple[int, ...] | None:
    try:
        done = subprocess.run(
            [python, "-c", "import sys; print(*sys.version_info[:3], sep='.')"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = re.fullmatch(r"(\d+)\.(\d+)\.(\d+)\s*", done.stdout)
    return tuple(int(part) for part in match.groups()) if match else None


def check_tool(name: str, command: str) -> Check:
    path = shutil.which(command)
    if path is None:
        why = {
            "git": "shopgen needs it to create repositories and merge regenerated files",
            "make": "the generated repository's commands are make targets",
        }.get(command, "")
        return Check(name, False, f"{command} is not on PATH; {why}", f"install {command}")
    return Check(name, True, path)


def servers_for(spec: Spec | None) -> list[LocalServer]:
    """The local servers distributed mode needs: the spec's databases and the broker."""
    if spec is None:
        return [POSTGRESQL, RABBITMQ]
    engines = {service.database or spec.defaults.database for service in spec.services.values()}
    servers = [POSTGRESQL] if "postgresql" in engines else []
    if "mysql" in engines:
        servers.append(MARIADB)
    return [*servers, RABBITMQ]


def check_server(server: LocalServer) -> Check:
    name = f"{server.name} on {server.host}:{server.port}"
    try:
        with socket.create_connection((server.host, server.port), timeout=CONNECT_TIMEOUT):
            pass
    except OSError as exc:
        return Check(
            name,
            False,
            f"not reachable ({exc.strerror or exc}); needed only in distributed mode "
            f"(`make up`), for {server.needed_for}",
            f"start {server.name} for `make up`; `make dev` needs no servers",
            required=False,
        )
    return Check(name, True, "accepting connections")


# --- the repository ------------------------------------------------------------------------


def check_spec(root: Path) -> tuple[Check, Spec | None]:
    name = SPEC_FILE
    try:
        spec = load_spec(root / SPEC_FILE)
    except SpecError as exc:
        shown = "; ".join(str(issue) for issue in exc.issues[:3])
        more = f" (and {len(exc.issues) - 3} more)" if len(exc.issues) > 3 else ""
        check = Check(
            name,
            False,
            f"{len(exc.issues)} problem(s): {shown}{more}",
            f"run `shopgen validate {SPEC_FILE}` for every problem, located",
        )
        return check, None
    except ShopgenError as exc:  # unreadable, too large, not UTF-8...
        return Check(name, False, str(exc), f"fix or restore {SPEC_FILE}"), None
    summary = f"valid: {len(spec.services)} services, {len(spec.events)} events"
    return Check(name, True, summary), spec


def check_repository(root: Path, *, spec_ok: bool) -> list[Check]:
    """Manifest, unresolved conflicts, then drift (which needs all of the above to be sound)."""
    try:
        manifest = load_manifest(root)
    except ShopgenError as exc:
        return [Check("manifest", False, str(exc), "git checkout -- .shopgen")]
    if manifest is None:
        return [
            Check(
                "manifest",
                False,
                ".shopgen/manifest.json is missing: shopgen cannot tell your edits from its output",
                "restore .shopgen/ from version control (it must be committed)",
            )
        ]
    checks = [Check("manifest", True, f"generated by shopgen {manifest.generator_version}")]
    if manifest.sources:
        checks.append(check_templates(root, manifest))
    conflicts = check_conflicts(root, manifest)
    checks.append(conflicts)
    if not spec_ok:
        checks.append(_skipped_drift(f"{SPEC_FILE} is invalid"))
    elif not conflicts.ok:
        checks.append(_skipped_drift("conflicts are unresolved"))
    else:
        checks.append(check_drift(root))
    checks.append(check_stubs(root))
    return checks


# What the default stubs call (runtime/stubs.py in the generated repository).
STUB_CALLS = frozenset({"NotImplementedYet", "not_implemented", "warn_not_implemented"})


def unimplemented_stubs(root: Path) -> list[str]:
    """User-owned modules under services/*/custom/ that still call a default stub's helper."""
    found = []
    for path in sorted(root.glob("services/*/custom/**/*.py")):
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
            continue
        calls = {
            node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            for node in ast.walk(tree)
            if isinstance(node, ast.Call)
        }
        if calls & STUB_CALLS:
            found.append(path.relative_to(root).as_posix())
    return found


def check_stubs(root: Path) -> Check:
    """A warning listing the user code nobody has written yet: operations answer 501, saga
    steps fail, handlers only log."""
    stubs = unimplemented_stubs(root)
    if not stubs:
        return Check("stubs", True, "every operation, action and handler is implemented")
    return Check(
        "stubs",
        False,
        f"{len(stubs)} still unimplemented: " + ", ".join(stubs),
        "write the code in each file (until then operations answer 501, saga steps fail and "
        "handlers only log a warning)",
        required=False,
    )


def check_templates(root: Path, manifest: Manifest) -> Check:
    """Teams' templates the last generation used, and their versions (recorded, not fetched)."""
    from shopgen.team_templates import describe_sources

    detail, changed = describe_sources(root, manifest.sources)
    if changed:
        return Check(
            "templates",
            False,
            f"{detail}\nchanged since the last sync: {', '.join(changed)}",
            "run `shopgen sync` to re-render and merge them",
            required=False,
        )
    return Check("templates", True, detail)


def check_conflicts(root: Path, manifest: Manifest) -> Check:
    """Conflicts the last sync left, asked of the engine one path at a time so that the detail
    can name each unresolved one."""
    unresolved = []
    for path, kind in sorted(manifest.conflicts.items()):
        try:
            ensure_resolved(root, replace(manifest, conflicts={path: kind}))
        except ConflictError:
            unresolved.append(path)
    if unresolved:
        return Check(
            "conflicts",
            False,
            f"{len(unresolved)} unresolved from the last sync: {_paths(unresolved)}",
            "keep what you want between the '<<<<<<< yours' and '>>>>>>> new generation' "
            "lines, delete the markers (for a binary, delete the .shopgen-new file), then run "
            "`shopgen sync`",
        )
    return Check("conflicts", True, "none unresolved")


def check_drift(root: Path) -> Check:
    """What `shopgen sync --check` would report: the same dry run, including renames."""
    from shopgen.sync import sync_project  # imports the renderer: only when needed

    try:
        result = sync_project(root, dry_run=True, fetch=False)  # a check never fetches
    except ShopgenError as exc:
        return Check("drift", False, str(exc), "run `shopgen sync --dry-run` for details")
    drift = list(result.plan.drift)
    moves = [f"{old} → {new}" for old, new in result.renamed]
    if not drift and not moves:
        return Check("drift", True, f"the repository matches {SPEC_FILE}")
    parts = []
    if moves:
        parts.append(f"pending rename(s): {', '.join(moves)}")
    if drift:
        parts.append(f"{len(drift)} file(s) differ from the spec: {_paths(drift)}")
    return Check(
        "drift",
        False,
        "; ".join(parts),
        "preview with `shopgen sync --dry-run`, then run `shopgen sync`",
    )


def _skipped_drift(reason: str) -> Check:
    # A warning: the check above already failed, and it is the one to fix.
    return Check("drift", False, f"not checked: {reason}", "fix the check above first", False)


def _paths(paths: Sequence[str]) -> str:
    shown = ", ".join(paths[:SHOWN_PATHS])
    more = len(paths) - SHOWN_PATHS
    return f"{shown} and {more} more" if more > 0 else shown
