"""The project: the root of the view model and the render context."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from shopgen import __version__
from shopgen.diagrams import Diagrams
from shopgen.spec.model import Spec
from shopgen.view.deploy import DeployView
from shopgen.view.events import PAYLOAD_IMPORTS, EventView, SagaView, event_class_name
from shopgen.view.names import Namer, snake_case, title_case
from shopgen.view.services import RouteView, ServiceView, SystemTestView
from shopgen.view.testing import EventsTestView


@dataclass(eq=False)
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
            ServiceView(name, service, index, default, self)
            for index, (name, service) in enumerate(self.spec.services.items())
        ]

    @cached_property
    def service_by_name(self) -> dict[str, ServiceView]:
        return {service.name: service for service in self.services}

    @cached_property
    def service_by_name_module(self) -> dict[str, ServiceView]:
        return {service.module: service for service in self.services}

    @cached_property
    def routes(self) -> list[RouteView]:
        return [
            RouteView(route, self.service_by_name[route.service])
            for route in self.spec.gateway.routes
        ]

    @cached_property
    def gateway_port(self) -> int:
        return self.spec.gateway.port

    @cached_property
    def rate_limit(self):
        return self.spec.gateway.rate_limit

    @cached_property
    def system_test(self) -> SystemTestView:
        return SystemTestView(self)

    @cached_property
    def deploy(self) -> DeployView:
        """Facts for deployment files, docs and the Makefile (see the section at the end)."""
        return DeployView(self)

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
        return [SagaView(name, spec, self) for name, spec in self.spec.sagas.items()]

    @cached_property
    def events_test(self) -> EventsTestView:
        return EventsTestView(self)

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
