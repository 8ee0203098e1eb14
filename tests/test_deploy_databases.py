"""The compose file's database init scripts, run against this machine's real servers.

The scripts normally run inside the postgres and mariadb images on an empty volume; here they
run with the same environment variables against the local PostgreSQL and MariaDB, to prove
they create one database and one login per service and that a service's login cannot open
another service's database. Names carry a random token, and everything is dropped afterwards.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from shopgen.render import render_project
from shopgen.spec import parse_spec
from shopgen.view import ProjectView

PASSWORD = "s3cret-" + secrets.token_hex(4)


def _spec(token: str) -> str:
    services = "\n".join(
        f"  dt{token}-{suffix}:\n    database: {engine}\n"
        f"    entities: {{Thing: {{fields: {{name: string}}}}}}"
        for engine in ("postgresql", "mysql")
        for suffix in (f"{engine[:2]}a", f"{engine[:2]}b")
    )
    return f"shopgen: 1\nproject: {{name: dbtest}}\nservices:\n{services}\n"


def run(command: list[str], env: dict[str, str] | None = None, stdin: str | None = None):
    return subprocess.run(
        command, env={**os.environ, **(env or {})}, input=stdin,
        capture_output=True, text=True, check=False,
    )  # fmt: skip


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, list[str]]]:
    token = secrets.token_hex(3)
    view = ProjectView(parse_spec(_spec(token)))
    root = tmp_path_factory.mktemp("dbinit")
    for relative, content in render_project(view.context()).items():
        if relative.startswith("deploy/"):
            (root / relative).parent.mkdir(parents=True, exist_ok=True)
            (root / relative).write_bytes(content)
    names = {
        "postgres": [s.database_name for s in view.deploy.postgres_services],
        "mariadb": [s.database_name for s in view.deploy.mysql_services],
    }
    return root, names


def _psql(user: str, database: str, sql: str):
    return run(["psql", "-h", "127.0.0.1", "-U", user, "-d", database, "-tAc", sql])


@pytest.fixture
def postgres(rendered) -> Iterator[tuple[Path, list[str]]]:
    if not shutil.which("psql") or _psql("postgres", "postgres", "SELECT 1").returncode:
        pytest.skip("no PostgreSQL reachable at 127.0.0.1 as postgres")
    root, names = rendered
    yield root, names["postgres"]
    for name in names["postgres"]:
        _psql("postgres", "postgres", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        _psql("postgres", "postgres", f'DROP ROLE IF EXISTS "{name}"')


@pytest.mark.postgres
def test_postgres_init_creates_an_isolated_database_per_service(postgres) -> None:
    root, (first, second) = postgres
    env = {
        "POSTGRES_USER": "postgres",
        "POSTGRES_DB": "postgres",
        "DATABASE_PASSWORD": PASSWORD,
        "PGHOST": "127.0.0.1",
    }
    result = run(["sh", str(root / "deploy/postgres/init-databases.sh")], env)
    assert result.returncode == 0, result.stderr
    owners = _psql(
        "postgres", "postgres",
        "SELECT datname, pg_get_userbyid(datdba) FROM pg_database "
        f"WHERE datname IN ('{first}', '{second}') ORDER BY datname",
    )  # fmt: skip
    assert owners.stdout.split() == [f"{first}|{first}", f"{second}|{second}"]
    own = _psql(first, first, "CREATE TABLE t (id int); SELECT count(*) FROM t")
    assert own.returncode == 0, own.stderr
    other = _psql(first, second, "SELECT 1")
    assert other.returncode != 0 and "permission denied" in other.stderr


def _mariadb(*args: str, stdin: str | None = None, env: dict[str, str] | None = None):
    return run(["mariadb", *args], env, stdin)


@pytest.fixture
def mariadb(rendered) -> Iterator[tuple[Path, list[str]]]:
    if not shutil.which("mariadb") or _mariadb("--user=root", "-e", "SELECT 1").returncode:
        pytest.skip("no local MariaDB reachable as root")
    root, names = rendered
    yield root, names["mariadb"]
    for name in names["mariadb"]:
        _mariadb("--user=root", "-e", f"DROP DATABASE IF EXISTS `{name}`")
        _mariadb("--user=root", "-e", f"DROP USER IF EXISTS '{name}'@'%'")


@pytest.mark.mariadb
def test_mariadb_init_creates_an_isolated_database_per_service(mariadb) -> None:
    root, (first, second) = mariadb
    # Locally root signs in through the unix socket; the image gives it a password instead.
    env = {"MARIADB_ROOT_PASSWORD": "", "DATABASE_PASSWORD": PASSWORD}
    result = run(["sh", str(root / "deploy/mariadb/init-databases.sh")], env)
    assert result.returncode == 0, result.stderr
    login = ("-h", "127.0.0.1", f"--user={first}", f"--password={PASSWORD}")
    own = _mariadb(*login, first, "-e", "CREATE TABLE t (id int); SELECT COUNT(*) FROM t")
    assert own.returncode == 0, own.stderr
    other = _mariadb(*login, second, "-e", "SELECT 1")
    assert other.returncode != 0 and "Access denied" in other.stderr
