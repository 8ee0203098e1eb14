"""The project: the root of the view model and the render context."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property

from shopgen import __version__
from shopgen.format import RUFF_VERSION
from shopgen.spec.model import Spec
from shopgen.spec.templates import template_paths
from shopgen.view.deploy import DeployView
from shopgen.view.diagrams import Diagrams
from shopgen.view.events import PAYLOAD_IMPORTS, EventView, SagaView, event_class_name
from shopgen.view.migrations import History
from shopgen.view.names import Namer, snake_case, title_case
from shopgen.view.services import MountView, RouteView, ServiceView, SystemTestView
from shopgen.view.source import pyrepr
from shopgen.view.testing import EventsTestView


@dataclass(eq=False)
class ProjectView:
    spec: Spec
    # Per service module: the schema and revisions the last generation left (BASE). Without
    # one, a service's first revision is rendered; with one, a new revision holds the changes.
    history: Mapping[str, History] = field(default_factory=dict)

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
            ServiceView(name, service, index, default, self)
            for index, (name, service) in enumerate(self.spec.services.items())
        ]

    @cached_property
    def service_by_name(self) -> dict[str, ServiceView]:
        return {service.name: service for service in self.services}

    @cached_property
    def routes(self) -> list[RouteView]:
        plain = [RouteView(r, self.service_by_name[r.service]) for r in self.spec.gateway.routes]
        return [
            replace(
                view,
                elsewhere=frozenset(
                    other.rewrite.rstrip("/")
                    for other in plain
                    if other.service is view.service and other is not view
                ),
            )
            for view in plain
        ]

    @cached_property
    def gateway_mounts(self) -> list[MountView]:
        """Every row of the gateway's route table, in the spec's order."""
        return [mount for route in self.routes for mount in route.mounts]

    @cached_property
    def gateway_mounts_longest_first(self) -> list[MountView]:
        """The same rows as HAProxy must test them: the longest prefix wins."""
        return sorted(self.gateway_mounts, key=lambda m: len(m.prefix.rstrip("/")), reverse=True)

    @cached_property
    def routed_services(self) -> list[ServiceView]:
        """Services some route reaches (HAProxy has a backend for each)."""
        names = {route.service.name for route in self.routes}
        return [service for service in self.services if service.name in names]

    @cached_property
    def rate_limit_text(self) -> str:
        """The spec's limit as GATEWAY_RATE_LIMIT spells it (`100/900s`), or `off`."""
        limit = self.spec.gateway.rate_limit
        return f"{limit.requests}/{self.rate_limit_window}s" if limit else "off"

    @cached_property
    def rate_limit_window(self) -> int:
        """The rate-limit window in whole seconds (60 when there is no limit)."""
        limit = self.spec.gateway.rate_limit
        return max(1, math.ceil(limit.per)) if limit else 60

    @cached_property
    def gateway_port(self) -> int:
        return self.spec.gateway.port

    @cached_property
    def rate_limit(self):
        return self.spec.gateway.rate_limit

    @cached_property
    def issuer(self) -> ServiceView | None:
        """The service that issues tokens (the first), for `make admin`; None without one."""
        return next((s for s in self.services if s.issuer), None)

    @cached_property
    def admin_defaults(self) -> str:
        """Source of the values `make admin` gives the account's other required fields."""
        if self.issuer is None:
            return "{}"
        issuer = self.issuer.issuer
        taken = {issuer.login_field.name, issuer.password_field.name}
        items = []
        for f in issuer.entity.required_fields:
            if f.name in taken:
                continue
            if f.type in ("string", "text") and not f.spec.pattern:
                value = '"Administrator"'
            else:
                value = f.zero
            items.append(f"{pyrepr(f.name)}: {value}")
        return "{" + ", ".join(items) + "}"

    @cached_property
    def system_test(self) -> SystemTestView:
        return SystemTestView(self.routes, self.services)

    @cached_property
    def deploy(self) -> DeployView:
        """Facts for deployment files, docs and the Makefile (see the section at the end)."""
        return DeployView(self.name, self.services)

    @cached_property
    def event_by_name(self) -> dict[str, EventView]:
        """Every event of the spec, with its payload class (one name in every service)."""
        namer = Namer(PAYLOAD_IMPORTS)
        emitted: dict[str, str] = {}
        nullable: dict[str, set[str]] = {}
        for service in self.spec.services.values():
            for entity, spec in service.entities.items():
                optional = {n for n, f in spec.fields.items() if f.optional}
                for event in spec.emits.values():
                    emitted[event] = f"{snake_case(entity)}_id"
                    nullable.setdefault(event, set()).update(optional)
        return {
            name: EventView(
                name,
                spec,
                namer.claim(event_class_name(name)),
                emitted.get(name),
                frozenset(nullable.get(name, ())),
            )
            for name, spec in self.spec.events.items()
        }

    @cached_property
    def sagas(self) -> list[SagaView]:
        return [
            SagaView(name, spec, self.event_by_name, self.service_by_name[spec.owner].entities)
            for name, spec in self.spec.sagas.items()
        ]

    @cached_property
    def events_test(self) -> EventsTestView:
        return EventsTestView(self.services, self.sagas)

    @cached_property
    def diagrams(self) -> Diagrams:
        """Mermaid sources: `project.diagrams.capabilities`, `.events`, `.sagas`, …"""
        return Diagrams(self.title, self.spec, self.services, self.routes)

    @cached_property
    def template_folders(self) -> list[str]:
        """Teams' template folders inside the project (docs/templates.md): they hold templates,
        not the project's code, so its linters skip them."""
        return template_paths(self.spec)

    def context(self) -> dict[str, object]:
        """The render context: the top-level names templates see."""
        return {
            "project": self,
            "services": self.services,
            "routes": self.routes,
            "shopgen_version": __version__,
            "ruff_version": RUFF_VERSION,
        }
