"""Getting a team's template onto disk, and telling which version it is.

Git templates are cloned once into a cache (`$SHOPGEN_CACHE_DIR`, else the user cache folder,
e.g. `~/.cache/shopgen/templates/`), fetched again by each `new` and `sync`, and the wanted
commit is exported (`git archive`) into a temporary folder. Local folders are copied without
their `.git`. Either way copier and cookiecutter then render a plain folder, so neither clones
anything nor picks a tag by itself, and the recorded version is exactly what was rendered.
Written with plain git commands because copier's and cookiecutter's own cloning is per run
and uncached, and neither reports the commit it used.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
import tarfile
from pathlib import Path

from shopgen.cache import cache_root
from shopgen.errors import ShopgenError
from shopgen.spec.templates import TemplateLocation

GIT_TIMEOUT = 300  # seconds; a clone of a large template over a slow link


class TemplateFetchError(ShopgenError):
    """A git template could not be fetched, or its ref does not exist."""


def cache_dir() -> Path:
    return cache_root() / "templates"


def materialize(location: TemplateLocation, into: Path, *, fetch: bool = True) -> dict[str, str]:
    """Put the template's files into the empty folder `into`; return its version record.
    With `fetch=False` a git template comes from the cache as it is (no network)."""
    if location.is_git:
        return _export_git(location, into, fetch=fetch)
    assert location.folder is not None
    shutil.copytree(
        location.folder,
        into,
        dirs_exist_ok=True,
        ignore=shutil.ignore_patterns(".git", "__pycache__"),
    )
    record = {"source": location.source, "sha256": tree_hash(into)}
    if commit := _folder_commit(location.folder):
        record["commit"] = commit
    return record


def tree_hash(folder: Path) -> str:
    """A hash of a folder's paths and contents (its .git aside): a version beside git's."""
    digest = hashlib.sha256()
    files = (p for p in folder.rglob("*") if p.is_file())
    skipped = {".git", "__pycache__"}
    for path in sorted(p for p in files if not skipped & set(p.relative_to(folder).parts)):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _export_git(location: TemplateLocation, into: Path, *, fetch: bool) -> dict[str, str]:
    assert location.url is not None
    repo = cache_dir() / hashlib.sha256(location.url.encode()).hexdigest()[:24]
    cached = (repo / "HEAD").is_file()
    if not cached and not fetch:
        raise TemplateFetchError("not fetched yet; `shopgen sync` fetches it")
    if not cached:
        repo.parent.mkdir(parents=True, exist_ok=True)
        partial = repo.with_name(repo.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        _git(None, "clone", "--quiet", "--bare", location.url, str(partial))
        partial.rename(repo)
    elif fetch:
        _git(repo, "fetch", "--quiet", "--prune", "--tags", "origin", "+refs/heads/*:refs/heads/*")
    ref = location.ref or "HEAD"
    commit = _git(repo, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", what=ref)
    archive = subprocess.run(
        ["git", "archive", "--format=tar", commit],
        cwd=repo,
        capture_output=True,
        check=False,
        timeout=GIT_TIMEOUT,
    )
    if archive.returncode:
        raise TemplateFetchError(f"git archive of {location.url} failed: {archive.stderr!r}")
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(into, filter="data")
    record = {"source": location.url, "commit": commit}
    if location.ref:
        record["ref"] = location.ref
    return record


def _git(repo: Path | None, *args: str, what: str | None = None) -> str:
    try:
        result = subprocess.run(
            ["git", *args],
            cwd=repo,
            capture_output=True,
            text=True,
            check=False,
            timeout=GIT_TIMEOUT,
            env={**os.environ, "GIT_TERMINAL_PROMPT": "0"},
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise TemplateFetchError(f"git {args[0]} failed: {exc}") from exc
    if result.returncode:
        if what is not None:
            raise TemplateFetchError(f"the template has no ref {what!r}")
        raise TemplateFetchError(f"git {args[0]} failed: {result.stderr.strip()}")
    return result.stdout.strip()


def _folder_commit(folder: Path) -> str | None:
    """The last commit touching a local template folder, if git tracks it; `+modified` when
    the folder has uncommitted changes."""
    if shutil.which("git") is None:
        return None
    run = {"cwd": folder, "capture_output": True, "text": True, "check": False}
    log = subprocess.run(["git", "log", "-1", "--format=%H", "--", "."], **run)
    if log.returncode or not log.stdout.strip():
        return None
    status = subprocess.run(["git", "status", "--porcelain", "--", "."], **run)
    return log.stdout.strip() + ("+modified" if status.stdout.strip() else "")
