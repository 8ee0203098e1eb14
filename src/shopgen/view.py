"""The view model: every decision about the generated code, made once in Python.

Templates receive these objects and only lay their values out. Facts derived from the spec are
`cached_property`s, so a template never recomputes or re-decides anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from shopgen import __version__
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

    def context(self) -> dict[str, object]:
        """The render context: the top-level names templates see."""
        return {
            "project": self,
            "services": self.services,
            "routes": self.routes,
            "shopgen_version": __version__,
        }
