"""The view model: every decision about the generated code, made once in Python.

Templates receive these objects and only lay their values out. Facts derived from the spec are
`cached_property`s, so a template never recomputes or re-decides anything.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property

from shopgen import __version__
from shopgen.diagrams import Diagrams
from shopgen.spec.model import Call, Route, Service, Spec

FIRST_SERVICE_PORT = 8001


def python_name(name: str) -> str:
    return name.replace("-", "_")


def title_case(name: str) -> str:
    return " ".join(part.capitalize() for part in name.replace("_", "-").split("-"))


@dataclass(frozen=True)
class CallView:
    target: str
    spec: Call

    @cached_property
    def module(self) -> str:
        return python_name(self.target)


@dataclass(frozen=True)
class ServiceView:
    name: str
    spec: Service
    index: int
    default_database: str

    @cached_property
    def module(self) -> str:
        """The Python package: services/<module>/."""
        return python_name(self.name)

    @cached_property
    def env_prefix(self) -> str:
        return self.module.upper()

    @cached_property
    def title(self) -> str:
        return title_case(self.name)

    @cached_property
    def description(self) -> str:
        return self.spec.description or f"The {self.name} service."

    @cached_property
    def port(self) -> int:
        return self.spec.port or FIRST_SERVICE_PORT + self.index

    @cached_property
    def database(self) -> str:
        """The database engine used in distributed mode (embedded mode always uses SQLite)."""
        return self.spec.database or self.default_database

    @cached_property
    def is_issuer(self) -> bool:
        return self.spec.auth == "issuer"

    @cached_property
    def calls(self) -> list[CallView]:
        return [CallView(target, call or Call()) for target, call in self.spec.calls.items()]

    @cached_property
    def depends_on(self) -> list[str]:
        return [call.target for call in self.calls]


@dataclass(frozen=True)
class RouteView:
    spec: Route
    service: ServiceView

    @cached_property
    def prefix(self) -> str:
        return self.spec.prefix

    @cached_property
    def rewrite(self) -> str:
        """The upstream path prefix: the route's own, or the prefix's last segment."""
        return self.spec.rewrite or "/" + self.spec.prefix.rstrip("/").rsplit("/", 1)[-1]

    @cached_property
    def auth_required(self) -> bool:
        return self.spec.auth == "required"


@dataclass(frozen=True)
class ProjectView:
    spec: Spec

    @cached_property
    def name(self) -> str:
        return self.spec.project.name

    @cached_property
    def title(self) -> str:
        return self.spec.project.title or title_case(self.name)

    @cached_property
    def description(self) -> str:
        return self.spec.project.description or ""

    @cached_property
    def services(self) -> list[ServiceView]:
        default = self.spec.defaults.database
        return [
            ServiceView(name, service, index, default)
            for index, (name, service) in enumerate(self.spec.services.items())
        ]

    @cached_property
    def service_by_name(self) -> dict[str, ServiceView]:
        return {service.name: service for service in self.services}

    @cached_property
    def routes(self) -> list[RouteView]:
        return [RouteView(route, self.service_by_name[route.service]) for route in self.spec.gateway.routes]

    @cached_property
    def gateway_port(self) -> int:
        return self.spec.gateway.port

    @cached_property
    def rate_limit(self):
        return self.spec.gateway.rate_limit

    @cached_property
    def deploy(self) -> DeployView:
        """Facts for deployment files, docs and the Makefile (see the section at the end)."""
        return DeployView(self)

    @cached_property
    def diagrams(self) -> Diagrams:
        """Mermaid sources: `project.diagrams.capabilities`, `.events`, `.sagas`, …"""
        return Diagrams(self)

    def context(self) -> dict[str, object]:
        """The render context: the top-level names templates see."""
        return {
            "project": self,
            "services": self.services,
            "routes": self.routes,
            "shopgen_version": __version__,
        }


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
        server = DATABASE_SERVERS.get(self.service.database)
        if server is None:
            return f"sqlite+aiosqlite:////app/.data/{self.service.module}.db"
        host, driver, port = server
        name = self.database_name
        return f"{driver}://{name}:${{DATABASE_PASSWORD:-change-me}}@{host}:{port}/{name}"

    @cached_property
    def database_url_example(self) -> str:
        """A URL for `.env` and the Kubernetes Secret template (a placeholder password)."""
        server = DATABASE_SERVERS.get(self.service.database)
        if server is None:
            return f"sqlite+aiosqlite:///.data/{self.service.module}.db"
        host, driver, port = server
        name = self.database_name
        return f"{driver}://{name}:change-me@{host}:{port}/{name}"

    @cached_property
    def uses_sqlite(self) -> bool:
        return self.database_server is None

    @cached_property
    def replicas(self) -> int:
        """One replica: migrations run at startup, and SQLite cannot be shared between pods."""
        return 1

    @cached_property
    def table_description(self) -> str:
        """The description, safe inside a Markdown table cell."""
        return " ".join(self.service.description.split()).replace("|", "\\|")


@dataclass(frozen=True)
class DeployView:
    project: ProjectView

    @cached_property
    def services(self) -> list[ServiceDeployView]:
        return [ServiceDeployView(service) for service in self.project.services]

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
    def image_prefix(self) -> str:
        """Container images are `<project>-<service>` and `<project>-gateway`."""
        return self.project.name

    @cached_property
    def namespace(self) -> str:
        return self.project.name
