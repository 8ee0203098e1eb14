"""Deployment facts: compose, Kubernetes, Dockerfiles, CI, README."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cached_property

from shopgen.view.names import python_name
from shopgen.view.services import ServiceView

# --- deployment: compose, Kubernetes, Dockerfiles, CI, README ------------------------------
# Names and wiring the deployment files share, decided once here so compose, the manifests and
# the docs cannot disagree.

# Database servers in compose: one server per engine, one database and one login role per
# service (see deploy/compose.yaml for why).
DATABASE_SERVERS = {
    "postgresql": ("postgres", "postgresql+asyncpg", 5432),
    "mysql": ("mariadb", "mysql+aiomysql", 3306),
}


@dataclass(frozen=True)
class ServiceDeployView:
    service: ServiceView

    @cached_property
    def name(self) -> str:
        """Compose service, Kubernetes object and DNS name (a slug is valid for all three)."""
        return self.service.name

    @cached_property
    def database_env(self) -> str:
        """The variable `runtime.settings` reads this service's database URL from."""
        return f"{self.service.env_prefix}_DATABASE_URL"

    @cached_property
    def database_server(self) -> str | None:
        """The compose service of this service's database server; None for SQLite."""
        server = DATABASE_SERVERS.get(self.service.database)
        return server[0] if server else None

    @cached_property
    def database_name(self) -> str:
        """Database and role name on the shared server: the module name (no '-')."""
        return self.service.module

    @cached_property
    def database_url(self) -> str:
        """The URL in compose; the password comes from DATABASE_PASSWORD in the environment."""
        login = f"{self.database_name}:${{DATABASE_PASSWORD:-change-me}}"
        return self._url(login, sqlite_dir="/app/.data")

    @cached_property
    def secret_database_url(self) -> str:
        """The URL in the Kubernetes Secret template (a placeholder password)."""
        return self._url(f"{self.database_name}:change-me", sqlite_dir=".data")

    @cached_property
    def local_database_url(self) -> str:
        """An example for `.env`: this machine's server, as its administrator."""
        user = "postgres" if self.database_server == "postgres" else "root"
        return self._url(user, sqlite_dir=".data", host="127.0.0.1")

    def _url(self, login: str, *, sqlite_dir: str, host: str | None = None) -> str:
        server = DATABASE_SERVERS.get(self.service.database)
        if server is None:
            return f"sqlite+aiosqlite:///{sqlite_dir}/{self.service.module}.db"
        server_host, driver, port = server
        return f"{driver}://{login}@{host or server_host}:{port}/{self.database_name}"

    @cached_property
    def uses_sqlite(self) -> bool:
        return self.database_server is None

    @cached_property
    def replicas(self) -> int:
        """One replica: a starting point (SQLite cannot be shared between pods at all)."""
        return 1

    @cached_property
    def migration_job(self) -> bool:
        """Kubernetes migrates a server database once, in a Job, before the pods use it. A
        SQLite database lives in the pod's own volume: only the pod can migrate it."""
        return not self.uses_sqlite

    @cached_property
    def migrate_on_start(self) -> str:
        """MIGRATE_ON_START of the Kubernetes pods (compose always runs a migrate container)."""
        return "false" if self.migration_job else "true"

    @cached_property
    def summary(self) -> str:
        """The description on one line (for comments)."""
        return " ".join(self.service.description.split())

    @cached_property
    def table_description(self) -> str:
        """The description, safe inside a Markdown table cell."""
        return self.summary.replace("|", "\\|")


@dataclass(frozen=True)
class DeployView:
    project_name: str
    project_services: list[ServiceView]

    @cached_property
    def services(self) -> list[ServiceDeployView]:
        return [ServiceDeployView(service) for service in self.project_services]

    @cached_property
    def postgres_services(self) -> list[ServiceDeployView]:
        return [s for s in self.services if s.database_server == "postgres"]

    @cached_property
    def mysql_services(self) -> list[ServiceDeployView]:
        return [s for s in self.services if s.database_server == "mariadb"]

    @cached_property
    def sqlite_services(self) -> list[ServiceDeployView]:
        return [s for s in self.services if s.uses_sqlite]

    @cached_property
    def database_servers(self) -> list[str]:
        """The compose services of the database servers in use, e.g. ['postgres']."""
        return sorted({s.database_server for s in self.services if s.database_server})

    @cached_property
    def service_urls(self) -> str:
        """SERVICE_URLS for compose and Kubernetes: every service at its DNS name (JSON)."""
        urls = {s.name: f"http://{s.name}:{s.service.port}" for s in self.services}
        return json.dumps(urls, separators=(",", ":"))

    @cached_property
    def local_service_urls(self) -> str:
        """SERVICE_URLS for processes on this machine (JSON)."""
        urls = {s.name: f"http://127.0.0.1:{s.service.port}" for s in self.services}
        return json.dumps(urls, separators=(",", ":"))

    @cached_property
    def image_prefix(self) -> str:
        """Container images are `<project>-<service>` and `<project>-gateway`."""
        return self.project_name

    @cached_property
    def namespace(self) -> str:
        return self.project_name

    @cached_property
    def manifest_names(self) -> list[str]:
        """The files of deploy/k8s/, in apply order (deploy/kustomization.yaml lists them)."""
        names = ["00-namespace.yaml", "10-config.yaml", "20-gateway.yaml"]
        return names + [f"30-service-{item.name}.yaml" for item in self.services]

    @cached_property
    def local_database_names(self) -> dict[str, str]:
        """service name -> its database on this machine's shared servers (`make up`).

        `<project>_<service>`, so that two generated projects on one server never share a
        database; names longer than PostgreSQL's 63 bytes end in a hash to stay distinct.
        """
        names = {}
        for item in self.services:
            name = f"{python_name(self.project_name)}_{item.database_name}"
            if len(name) > MAX_DATABASE_NAME:
                digest = hashlib.sha256(name.encode()).hexdigest()[:8]
                name = f"{name[: MAX_DATABASE_NAME - 9]}_{digest}"
            names[item.name] = name
        return names


MAX_DATABASE_NAME = 63  # PostgreSQL's identifier limit (MySQL allows 64)
