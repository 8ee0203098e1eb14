"""`shopgen new`: from a spec to a fresh repository, all or nothing."""

from __future__ import annotations

import secrets
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from shopgen import __version__
from shopgen.errors import ShopgenError, UserInputError
from shopgen.fingerprint import render_fingerprint
from shopgen.merge import record_base
from shopgen.overrides import overrides_folder
from shopgen.pipeline import SPEC_FILE, render_spec
from shopgen.policy import policy_for
from shopgen.spec import Spec
from shopgen.spec.templates import local_template_folders
from shopgen.view import ProjectView

EXAMPLES = ("ecommerce",)


@dataclass(frozen=True)
class NewResult:
    root: Path
    view: ProjectView
    files: int


def example_spec(name: str) -> Path:
    if name not in EXAMPLES:
        raise UserInputError(f"unknown example {name!r}; available: {', '.join(EXAMPLES)}")
    return Path(str(resources.files("shopgen") / "examples" / f"{name}.yaml"))


def example_overlay(name: str) -> dict[str, bytes]:
    """The user code that ships with an example (e.g. the shop's stock and payment rules).

    These files replace the default stubs at creation time; they are the user's from then on.
    """
    root = resources.files("shopgen") / "examples" / name
    if not root.is_dir():
        return {}
    base = Path(str(root))
    return {
        path.relative_to(base).as_posix(): path.read_bytes()
        for path in sorted(base.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }


def create_project(
    target: Path, spec_path: Path, *, force: bool = False, overlay: dict[str, bytes] | None = None
) -> NewResult:
    target = target.absolute()
    if target.exists() and not target.is_dir():
        raise UserInputError(f"{target} exists and is not a folder")
    if target.is_dir() and any(target.iterdir()) and not force:
        raise UserInputError(
            f"{target} is not empty; choose another folder or pass --force to write into it"
        )
    rendered = render_spec(spec_path)
    raw, view, files = rendered.raw, rendered.view, rendered.files
    stubs = {**files, **(overlay or {})}

    # Build the whole repository beside the target, then move it into place: a failure
    # half-way leaves nothing behind.
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        _write_tree(staging, stubs)
        (staging / SPEC_FILE).write_bytes(raw)
        _copy_local_templates(rendered.spec, spec_path, staging, target)
        (staging / ".env").write_text(_dotenv(), encoding="utf-8")
        # What the render came from, so that a sync with nothing changed skips rendering.
        overrides = overrides_folder(rendered.spec, staging / SPEC_FILE)
        fingerprint = render_fingerprint(raw, overrides, rendered.sources)
        record_base(
            staging,
            files,
            policy_for,
            generator_version=__version__,
            sources=rendered.sources,
            fingerprint=fingerprint,
        )
        _git_init(staging, f"Generate {view.name} with shopgen {__version__}")
        _move_into_place(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return NewResult(root=target, view=view, files=len(stubs) + 1)


def _copy_local_templates(spec: Spec, spec_path: Path, staging: Path, target: Path) -> None:
    """Local template folders (inside the spec's folder, by validation) travel with the spec,
    so that `sync` in the new repository finds them; their own .git stays behind."""
    source_dir = spec_path.parent.resolve()
    if source_dir == target.resolve():
        return
    for folder in local_template_folders(spec, spec_path):
        relative = folder.relative_to(source_dir)
        if (staging / relative).exists():
            continue  # a folder inside another one already copied
        shutil.copytree(
            folder, staging / relative, ignore=shutil.ignore_patterns(".git", "__pycache__")
        )


def _write_tree(root: Path, files: dict[str, bytes]) -> None:
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)


def _dotenv() -> str:
    """The real .env: random secrets, never committed (.gitignore lists it)."""
    return (
        "# Local settings with random secrets, written by `shopgen new`. Not committed.\n"
        "APP_ENV=development\n"
        f"JWT_SECRET={secrets.token_urlsafe(48)}\n"
        f"DATABASE_PASSWORD={secrets.token_urlsafe(24)}\n"
    )


def _git_init(root: Path, message: str) -> None:
    git = shutil.which("git")
    if git is None:
        raise ShopgenError("git is required to create the repository; install git and retry")
    identity = []
    if not _git_config(git, "user.email"):
        identity = ["-c", "user.name=shopgen", "-c", "user.email=shopgen@localhost"]
    for command, args in (
        ("init", ["init", "-q", "-b", "main"]),
        ("add", ["add", "-A"]),
        ("commit", [*identity, "commit", "-q", "--no-verify", "-m", message]),
    ):
        result = subprocess.run([git, *args], cwd=root, capture_output=True, text=True, check=False)
        if result.returncode:
            raise ShopgenError(f"git {command} failed: {result.stderr.strip()}")


def _git_config(git: str, key: str) -> str:
    result = subprocess.run([git, "config", key], capture_output=True, text=True, check=False)
    return result.stdout.strip()


def _move_into_place(staging: Path, target: Path) -> None:
    if target.is_dir() and not any(target.iterdir()):
        target.rmdir()
    if not target.exists():
        staging.rename(target)
        return
    # --force into a non-empty folder: existing files not generated are left alone.
    for item in staging.iterdir():
        destination = target / item.name
        if destination.is_dir() and not destination.is_symlink():
            shutil.rmtree(destination)
        elif destination.exists() or destination.is_symlink():
            destination.unlink()
        shutil.move(str(item), destination)
    staging.rmdir()
