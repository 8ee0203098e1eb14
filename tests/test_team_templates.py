"""Services rendered from teams' own templates (copier and cookiecutter), and overrides of
built-in template files. The templates are real git repositories made here from the examples
in docs/examples/, rendered by copier and cookiecutter themselves."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from shopgen.doctor import Check, run_checks
from tests.helpers import REPO, edit_spec, make, run_cli, tree

EXAMPLES = REPO / "docs" / "examples"
SERVICE_FOLDER = "services/{% yield service from services %}{{ service.module }}{% endyield %}"

SPEC = """\
shopgen: 1
project:
  name: teamshop
defaults:
  database: sqlite
  registry: static
services:
  catalog:
    entities:
      Item:
        fields:
          title: string
        emits: {created: item.created}
  notes:
    template: NOTES_TEMPLATE
    consumes: {item.created: on_item_created}
  audit:
    template: AUDIT_TEMPLATE
events:
  item.created:
    publisher: catalog
    payload: {title: string}
gateway:
  routes:
    - {prefix: /api/catalog, service: catalog}
    - {prefix: /api/notes, service: notes}
"""


def git(folder: Path, *args: str) -> str:
    identity = ["-c", "user.name=team", "-c", "user.email=team@example.com"]
    result = subprocess.run(
        ["git", *identity, *args], cwd=folder, capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def template_repo(folder: Path, kind: str) -> Path:
    """A git repository holding the docs' example template of `kind` (copier, cookiecutter)."""
    shutil.copytree(EXAMPLES / f"{kind}-service", folder)
    git(folder, "init", "-q", "-b", "main")
    git(folder, "add", "-A")
    git(folder, "commit", "-q", "-m", "The team's service template")
    return folder


def commit_change(repo: Path, relative: str, old: str, new: str) -> str:
    file = repo / relative
    text = file.read_text()
    assert old in text
    file.write_text(text.replace(old, new, 1))
    git(repo, "commit", "-q", "-am", "Change the template")
    return git(repo, "rev-parse", "HEAD")


@pytest.fixture(autouse=True)
def template_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "cache"
    monkeypatch.setenv("SHOPGEN_CACHE_DIR", str(cache))
    return cache


@pytest.fixture
def templates(tmp_path: Path) -> dict[str, Path]:
    return {
        "copier": template_repo(tmp_path / "tpl-copier", "copier"),
        "cookiecutter": template_repo(tmp_path / "tpl-cookiecutter", "cookiecutter"),
    }


def write_spec(folder: Path, notes: str, audit: str, extra: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    spec = folder / "shopgen.yaml"
    text = SPEC.replace("NOTES_TEMPLATE", notes).replace("AUDIT_TEMPLATE", audit)
    spec.write_text(text + extra)
    return spec


@pytest.fixture
def spec(tmp_path: Path, templates: dict[str, Path]) -> Path:
    """Both services point at their template by git URL (file://), the audit one at a ref."""
    audit = f"{{source: '{templates['cookiecutter'].as_uri()}', ref: main}}"
    return write_spec(tmp_path / "design", templates["copier"].as_uri(), audit)


@pytest.fixture
def repo(tmp_path: Path, spec: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    result = run_cli(capsys, "new", str(tmp_path / "shop"), "--spec", str(spec))
    assert result.exit_code == 0, result.stderr
    return tmp_path / "shop"


def manifest_sources(root: Path) -> dict[str, dict[str, str]]:
    return json.loads((root / ".shopgen/manifest.json").read_text())["sources"]


def test_new_renders_each_service_with_its_templates_engine(
    repo: Path, templates: dict[str, Path]
) -> None:
    files = tree(repo)
    notes = files["services/notes/about.py"].decode()
    assert '"service": "notes"' in notes
    assert '"consumes": ["item.created"]' in notes  # data beyond the names reaches copier
    assert 'title="Audit"' in files["services/audit/app.py"].decode()  # cookiecutter
    assert '"service": "audit"' in files["services/audit/about.py"].decode()
    assert "port: int = 8002" in files["services/notes/config.py"].decode()
    # The templated folders hold the template's files only; the built-in service is untouched.
    assert not any(p.startswith("services/notes/") and p.endswith("models.py") for p in files)
    assert "services/catalog/models.py" in files
    # Output is BASE like any other file.
    assert (repo / ".shopgen/base/services/audit/about.py").read_bytes() == files[
        "services/audit/about.py"
    ]
    sources = manifest_sources(repo)
    assert sources["services.notes"] == {
        "commit": git(templates["copier"], "rev-parse", "HEAD"),
        "format": "copier",
        "source": templates["copier"].as_uri(),
    }
    assert sources["services.audit"]["format"] == "cookiecutter"
    assert sources["services.audit"]["ref"] == "main"


def templates_check(root: Path) -> Check:
    [found] = [check for check in run_checks(root, servers=()) if check.name == "templates"]
    return found


def test_doctor_shows_the_template_versions(repo: Path, templates: dict[str, Path]) -> None:
    found = templates_check(repo)
    commit = git(templates["cookiecutter"], "rev-parse", "HEAD")
    assert found.ok
    source = templates["cookiecutter"].as_uri()
    assert f"services.audit: cookiecutter {source} (main) @ {commit[:19]}" in found.detail


def test_user_edits_survive_a_spec_change_and_a_template_commit(
    repo: Path, templates: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    about = repo / "services/notes/about.py"
    about.write_text(about.read_text() + "\n\nEDITED_BY_THE_TEAM = True\n")
    cc_about = repo / "services/audit/about.py"
    cc_about.write_text(cc_about.read_text().replace("    return ABOUT", "    return ABOUT  # ok"))

    edit_spec(repo, "    consumes: {item.created: on_item_created}\n", "    calls: {catalog: }\n")
    result = run_cli(capsys, "sync", "--path", str(repo))
    assert result.exit_code == 0, result.stdout + result.stderr
    text = about.read_text()
    assert '"calls": ["catalog"]' in text and '"consumes": []' in text
    assert "EDITED_BY_THE_TEAM = True" in text

    new_commit = commit_change(
        templates["cookiecutter"],
        "{{cookiecutter.service_module}}/about.py",
        '"service": "{{ cookiecutter.service_name }}",',
        '"service": "{{ cookiecutter.service_name }}",\n    "team": "platform",',
    )
    result = run_cli(capsys, "sync", "--path", str(repo))
    assert result.exit_code == 0, result.stdout + result.stderr
    text = cc_about.read_text()
    assert '"team": "platform"' in text and "return ABOUT  # ok" in text
    assert manifest_sources(repo)["services.audit"]["commit"] == new_commit

    before = tree(repo)
    assert run_cli(capsys, "sync", "--path", str(repo)).exit_code == 0
    assert tree(repo) == before  # a second sync changes nothing
    assert run_cli(capsys, "sync", "--check", "--path", str(repo)).exit_code == 0


def test_a_template_change_against_a_user_edit_is_a_reported_conflict(
    repo: Path, templates: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    config = repo / "services/notes/config.py"
    config.write_text(config.read_text().replace("port: int = 8002", "port: int = 9000"))
    commit_change(
        templates["copier"],
        "template/config.py.jinja",
        "port: int = {{ service_port }}",
        "port: int = {{ service_port + 100 }}",
    )
    result = run_cli(capsys, "sync", "--path", str(repo))
    assert result.exit_code == 1
    assert "services/notes/config.py" in result.stderr
    assert "<<<<<<<" in config.read_text()


def test_a_ref_pins_the_template(
    tmp_path: Path, templates: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    copier_repo = templates["copier"]
    git(copier_repo, "tag", "v1")
    commit_change(
        copier_repo, "template/about.py.jinja", '"service"', '"after_v1": True,\n    "service"'
    )
    pinned = f"{{source: '{copier_repo.as_uri()}', ref: v1}}"
    spec = write_spec(tmp_path / "pinned", pinned, templates["cookiecutter"].as_uri())
    assert run_cli(capsys, "new", str(tmp_path / "p"), "--spec", str(spec)).exit_code == 0
    assert "after_v1" not in (tmp_path / "p/services/notes/about.py").read_text()
    assert manifest_sources(tmp_path / "p")["services.notes"]["commit"] == git(
        copier_repo, "rev-parse", "v1"
    )


def test_a_local_template_folder_travels_with_the_spec(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    design = tmp_path / "design"
    shutil.copytree(EXAMPLES / "copier-service", design / "templates/notes")
    shutil.copytree(EXAMPLES / "cookiecutter-service", design / "templates/audit")
    spec = write_spec(design, "./templates/notes", "templates/audit")
    assert run_cli(capsys, "validate", str(spec)).exit_code == 0
    shop = tmp_path / "shop"
    result = run_cli(capsys, "new", str(shop), "--spec", str(spec))
    assert result.exit_code == 0, result.stderr
    assert (shop / "templates/audit/cookiecutter.json").is_file()
    recorded = manifest_sources(shop)["services.notes"]
    assert recorded["source"] == "./templates/notes" and len(recorded["sha256"]) == 64
    assert "commit" not in recorded  # the design folder is not in git

    commit = commit_change(
        shop,
        "templates/notes/template/about.py.jinja",
        '"service"',
        '"local": True,\n    "service"',
    )
    found = templates_check(shop)
    assert found.status == "warn" and "changed since the last sync: services.notes" in found.detail
    assert run_cli(capsys, "sync", "--path", str(shop)).exit_code == 0
    assert '"local": True' in (shop / "services/notes/about.py").read_text()
    # Now the new repository's git tracks the folder: its last commit is the version.
    assert manifest_sources(shop)["services.notes"]["commit"] == commit


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("../outside", "is outside the project"),
        ("/etc", "is outside the project"),
        ("./missing", "template folder './missing' not found"),
        ("./services/audit", "is inside services/, which shopgen generates"),
        ("./not-a-template", "neither a copier nor a cookiecutter template"),
        ("{source: ./not-a-template, ref: v1}", "neither a copier nor a cookiecutter template"),
    ],
)
def test_bad_template_paths_are_located_errors(
    tmp_path: Path, template: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    design = tmp_path / "design"
    (design / "not-a-template").mkdir(parents=True)
    (tmp_path / "outside").mkdir()
    shutil.copytree(EXAMPLES / "copier-service", design / "notes")
    spec = write_spec(design, "./notes", template)
    result = run_cli(capsys, "validate", str(spec))
    assert result.exit_code == 2
    assert f"{spec}:18: services.audit.template" in result.stderr
    assert message in result.stderr
    assert run_cli(capsys, "new", str(tmp_path / "shop"), "--spec", str(spec)).exit_code == 2
    assert not (tmp_path / "shop").exists()


def test_a_ref_on_a_local_folder_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    design = tmp_path / "design"
    shutil.copytree(EXAMPLES / "copier-service", design / "notes")
    spec = write_spec(design, "{source: ./notes, ref: v1}", "./notes")
    result = run_cli(capsys, "validate", str(spec))
    assert result.exit_code == 2
    assert "services.notes.template.ref: 'ref' pins a git template" in result.stderr


def test_validate_never_fetches(
    tmp_path: Path, template_cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = write_spec(
        tmp_path / "design", "https://git.invalid/team/notes.git", "gh:team/audit-template"
    )
    assert run_cli(capsys, "validate", str(spec)).exit_code == 0
    assert not template_cache.exists()


def test_templated_services_cannot_run_sagas_or_read_models(
    tmp_path: Path, templates: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    read_model = (
        "    read_models:\n      Seen:\n        key: item_id\n"
        "        on: {item.created: {copy: [title]}}\n"
    )
    spec = write_spec(tmp_path / "d", templates["copier"].as_uri(), templates["copier"].as_uri())
    edit_spec(spec.parent, "    consumes: {item.created: on_item_created}\n", read_model)
    result = run_cli(capsys, "validate", str(spec))
    assert result.exit_code == 2
    assert "services.notes.read_models: read models need the built-in service code" in result.stderr


def commit_file(repo: Path, relative: str, content: str) -> None:
    path = repo / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "Add a file to the template")


@pytest.mark.parametrize(
    ("kind", "relative", "content", "message"),
    [
        ("copier", "template/bad.py.jinja", "{{ service_name ", "copier could not render it"),
        ("copier", "copier.yml", "_tasks: [touch x]\n", "shopgen never runs template code"),
        # A question shopgen has no answer for: an error, never a prompt.
        ("copier", "copier.yml", "team:\n  type: str\n", 'Question "team" is required'),
        (
            "cookiecutter",
            "{{cookiecutter.service_module}}/bad.py",
            "{% if %}",
            "cookiecutter could not render it",
        ),
        ("cookiecutter", "hooks/post_gen_project.py", "print(1)\n", "it has hooks"),
    ],
)
def test_templates_that_fail_to_render_write_nothing(
    tmp_path: Path,
    templates: dict[str, Path],
    spec: Path,
    kind: str,
    relative: str,
    content: str,
    message: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    if relative == "copier.yml":
        content = (templates[kind] / relative).read_text() + content
    commit_file(templates[kind], relative, content)
    result = run_cli(capsys, "new", str(tmp_path / "shop"), "--spec", str(spec))
    assert result.exit_code == 2, result.stdout
    service = "notes" if kind == "copier" else "audit"
    assert f"{spec}: services.{service}.template" in result.stderr
    assert message in result.stderr
    assert not (tmp_path / "shop").exists()
    assert not list(tmp_path.glob(".shop.*"))  # no staging folder left behind


def test_a_broken_template_at_sync_changes_nothing(
    repo: Path, templates: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    before = tree(repo)
    commit_file(templates["copier"], "template/bad.py.jinja", "{{ nope(")
    result = run_cli(capsys, "sync", "--path", str(repo))
    assert result.exit_code == 2
    assert tree(repo) == before


@pytest.mark.parametrize(
    ("source", "ref", "message"),
    [
        ("file:///nonexistent/template", None, "git clone failed"),
        (None, "no-such-tag", "the template has no ref 'no-such-tag'"),
    ],
)
def test_unreachable_templates_and_unknown_refs(
    tmp_path: Path,
    templates: dict[str, Path],
    source: str | None,
    ref: str | None,
    message: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = source or templates["copier"].as_uri()
    notes = f"{{source: '{url}', ref: {ref}}}" if ref else url
    spec = write_spec(tmp_path / "d", notes, templates["cookiecutter"].as_uri())
    result = run_cli(capsys, "new", str(tmp_path / "shop"), "--spec", str(spec))
    assert result.exit_code == 2
    assert "services.notes.template" in result.stderr and message in result.stderr
    assert not (tmp_path / "shop").exists()


# --- overrides of built-in template files ---------------------------------------------------

DOCKERFILE = f"{SERVICE_FOLDER}/Dockerfile.jinja"


def with_overrides(spec: Path, files: dict[str, str]) -> None:
    for relative, content in files.items():
        path = spec.parent / "shopgen-templates" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    spec.write_text(spec.read_text() + "templates: ./shopgen-templates\n")


OVERRIDE = (
    "# Generated by shopgen from shopgen.yaml. Edit freely: shopgen sync merges your changes.\n"
    "# The team's image for {{ service.name }}\n"
    "FROM registry.example.com/python:3.11\n"
    'CMD ["python", "-m", "services.{{ service.module }}"]\n'
)


def test_an_override_replaces_a_built_in_file_for_every_service(
    tmp_path: Path, spec: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with_overrides(spec, {DOCKERFILE: OVERRIDE})
    listing = run_cli(capsys, "templates", "list", str(spec))
    assert f"overridden  {DOCKERFILE}\n" in listing.stdout
    assert "built-in    gateway/Dockerfile.jinja\n" in listing.stdout

    shop = tmp_path / "shop"
    assert run_cli(capsys, "new", str(shop), "--spec", str(spec)).exit_code == 0
    dockerfile = (shop / "services/catalog/Dockerfile").read_text()
    assert "# The team's image for catalog\nFROM registry.example.com" in dockerfile
    # A templated service's folder is its template's, overrides or not.
    assert "registry.example.com" not in (shop / "services/notes/Dockerfile").read_text()
    assert (shop / "shopgen-templates" / DOCKERFILE).is_file()  # travels with the spec

    dockerfile_path = shop / "services/catalog/Dockerfile"
    dockerfile_path.write_text(dockerfile + "# a local note\n")
    override = shop / "shopgen-templates" / DOCKERFILE
    override.write_text(OVERRIDE.replace("python:3.11", "py:3.12"))
    assert run_cli(capsys, "sync", "--path", str(shop)).exit_code == 0
    text = dockerfile_path.read_text()
    assert "py:3.12" in text and "# a local note" in text


def test_an_override_that_matches_nothing_is_refused(
    tmp_path: Path, spec: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with_overrides(spec, {f"{SERVICE_FOLDER}/Dockerfile": OVERRIDE})  # .jinja forgotten
    result = run_cli(capsys, "new", str(tmp_path / "shop"), "--spec", str(spec))
    assert result.exit_code == 2
    assert "overrides no built-in template file (did you mean" in result.stderr
    assert not (tmp_path / "shop").exists()


def test_an_override_that_fails_to_render_is_located(
    tmp_path: Path, spec: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with_overrides(spec, {DOCKERFILE: "FROM {{ service.no_such_thing }}\n"})
    result = run_cli(capsys, "new", str(tmp_path / "shop"), "--spec", str(spec))
    assert result.exit_code == 2
    assert "shopgen-templates" in result.stderr and "no_such_thing" in result.stderr
    assert not (tmp_path / "shop").exists()


@pytest.mark.slow
def test_a_repository_with_both_templates_passes_its_tests(repo: Path) -> None:
    """How issue 10 is checked: both templated services start, answer /health and /ready and
    pass the repository's own lint and tests, alongside a built-in service."""
    for target in ("install", "lint", "test"):
        result = make(repo, target)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "services/notes/tests/test_app.py .." in result.stdout
    assert "services/audit/tests/test_app.py .." in result.stdout


def test_a_path_to_a_template_repository_is_a_git_template_wherever_it_is(
    tmp_path: Path, templates: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """A local git repository outside the project, by absolute and by relative path: its
    commits are its versions, and a new commit there reaches the repository at sync."""
    spec = write_spec(
        tmp_path / "design", str(templates["copier"]), "../tpl-cookiecutter"
    )  # tmp_path/tpl-cookiecutter, beside the design folder
    shop = tmp_path / "design" / "shop"  # `shopgen new shop` next to the spec: paths differ
    assert run_cli(capsys, "new", str(shop), "--spec", str(spec)).exit_code == 0
    assert manifest_sources(shop)["services.notes"]["commit"] == git(
        templates["copier"], "rev-parse", "HEAD"
    )
    edit_spec(shop, "../tpl-cookiecutter", "../../tpl-cookiecutter")  # from the new repository
    about = shop / "services/notes/about.py"
    about.write_text(about.read_text() + "\n\nEDITED = True\n")
    commit_change(
        templates["copier"], "template/about.py.jinja", '"service"', '"v": 2,\n    "service"'
    )
    result = run_cli(capsys, "sync", "--path", str(shop))
    assert result.exit_code == 0, result.stdout + result.stderr
    text = about.read_text()
    assert '"v": 2' in text and "EDITED = True" in text


def test_files_under_custom_are_scaffolded_once_as_for_built_in_services(
    repo: Path, templates: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """Ownership is by path, whichever engine rendered the file."""
    commit_file(
        templates["copier"],
        "template/custom/rules.py.jinja",
        "# Scaffolded once by shopgen. This file is yours: shopgen never changes it again.\n"
        "LIMIT = 1\n",
    )
    assert run_cli(capsys, "sync", "--path", str(repo)).exit_code == 0
    rules = repo / "services/notes/custom/rules.py"
    assert rules.read_text().endswith("LIMIT = 1\n")
    rules.write_text("LIMIT = 5\n")
    commit_change(templates["copier"], "template/custom/rules.py.jinja", "LIMIT = 1", "LIMIT = 2")
    assert run_cli(capsys, "sync", "--path", str(repo)).exit_code == 0
    assert rules.read_text() == "LIMIT = 5\n"
    manifest = json.loads((repo / ".shopgen/manifest.json").read_text())
    assert manifest["files"]["services/notes/custom/rules.py"]["policy"] == "user"


def test_doctor_never_fetches(repo: Path, template_cache: Path) -> None:
    """Its drift check renders like `sync --check`, from the cache only."""
    assert next(c for c in run_checks(repo, servers=()) if c.name == "drift").ok
    shutil.rmtree(template_cache)
    drift = next(c for c in run_checks(repo, servers=()) if c.name == "drift")
    assert not drift.ok and "not fetched yet; `shopgen sync` fetches it" in drift.detail
    assert not template_cache.exists()


def test_an_override_that_renders_python_ruff_cannot_parse_is_located(
    tmp_path: Path, spec: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with_overrides(spec, {f"{SERVICE_FOLDER}/app.py.jinja": "def create_app(:\n    pass\n"})
    result = run_cli(capsys, "new", str(tmp_path / "shop"), "--spec", str(spec))
    assert result.exit_code == 2
    assert "services/catalog/app.py:1:" in result.stderr and "template defect" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "shop").exists()
