"""What a team's template receives: plain JSON data made from the view model.

Both engines get the same names (documented in docs/templates.md). Copier receives them as
`data` (every name is a template variable); cookiecutter receives them as `extra_context`, where
only names its `cookiecutter.json` declares are kept, so the structured part travels in one
private dictionary, `_shopgen`, which cookiecutter neither prompts for nor renders as a
template (free text such as descriptions is never evaluated).
"""

from __future__ import annotations

from typing import Any

from shopgen import __version__
from shopgen.view import ProjectView
from shopgen.view.services import ServiceView

# What a template may import from the generated repository (see docs/design.md, contracts).
RUNTIME = {
    "package": "runtime",
    "create_service_app": "runtime.service.create_service_app",
    "settings": "runtime.settings.ServiceSettings",
    "database": "runtime.db.Database",
    "session_dependency": "runtime.db.SessionDep",
    "current_user_dependency": "runtime.auth.CurrentUserDep",
    "service_client": "runtime.http.ServiceClient",
    "circuit_breaker": "runtime.breaker.CircuitBreaker",
    "registry": "runtime.registry.registry_from_settings",
}


def service_data(service: ServiceView, project: ProjectView) -> dict[str, Any]:
    """Everything shopgen tells a template about one service (JSON-able)."""
    spec = service.spec
    return {
        "shopgen_version": __version__,
        "project": {"name": project.name, "title": project.title},
        "service": {
            "name": service.name,
            "module": service.module,
            "title": service.title,
            "description": service.description,
            "port": service.port,
            "package": f"services.{service.module}",
            "folder": f"services/{service.module}",
            "env_prefix": service.env_prefix,
            "database": service.database,
            "database_url_variable": f"{service.env_prefix}_DATABASE_URL",
            "auth": spec.auth,
        },
        "entities": [
            {
                "name": entity.name,
                "table": entity.table,
                "path": entity.collection_path,
                "description": entity.spec.description,
                "fields": [
                    {"name": name, **field.model_dump(mode="json", exclude_defaults=True)}
                    for name, field in entity.spec.fields.items()
                ],
                "search": list(entity.spec.search),
                "filter": list(entity.spec.filter),
                "emits": dict(entity.spec.emits),
            }
            for entity in service.entities
        ],
        "publishes": [
            {
                "event": name,
                "description": event.description,
                "payload": sorted(event.payload),
            }
            for name, event in project.spec.events.items()
            if event.publisher == service.name
        ],
        "consumes": [
            {"event": event, "handler": handler} for event, handler in spec.consumes.items()
        ],
        "calls": [
            {
                "service": call.target,
                "module": call.module,
                **call.spec.model_dump(mode="json", exclude_none=True),
            }
            for call in service.calls
        ],
        "runtime": RUNTIME,
    }


def copier_data(service: ServiceView, project: ProjectView) -> dict[str, Any]:
    """Copier's `data`: the common names, plus everything under `shopgen`."""
    return {**_common(service, project), "shopgen": service_data(service, project)}


def cookiecutter_context(service: ServiceView, project: ProjectView) -> dict[str, Any]:
    """Cookiecutter's `extra_context`: strings (cookiecutter renders them), plus `_shopgen`."""
    common = {name: str(value) for name, value in _common(service, project).items()}
    return {**common, "_shopgen": service_data(service, project)}


def _common(service: ServiceView, project: ProjectView) -> dict[str, Any]:
    """Top-level names in both formats. Only names from the spec's safe alphabet and numbers:
    cookiecutter renders these values as templates."""
    return {
        "project_name": project.name,
        "service_name": service.name,
        "service_module": service.module,
        "service_port": service.port,
        "service_title": service.title,
        "database": service.database,
        "database_url_variable": f"{service.env_prefix}_DATABASE_URL",
    }
