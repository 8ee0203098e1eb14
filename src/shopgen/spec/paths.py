"""The paths a service serves, by first segment: what a gateway route can reach there.

Entities serve `/<plural-kebab>` (CRUD, search), an issuer `/<service>/register|login`,
operations their declared path, read models `/<plural-kebab>`, a saga owner `/sagas`. The
naming rules are `shopgen.spec.plurals`, so the gateway,
the README and `validate` agree on them.
"""

from __future__ import annotations

from shopgen.spec.model import Spec
from shopgen.spec.plurals import plural_snake, read_model_plural, snake_case


def kebab_path(snake: str) -> str:
    return "/" + snake.replace("_", "-")


def service_paths(spec: Spec, name: str) -> dict[str, str]:
    """First path segment ('/categories') -> what it serves, in the order a reader expects."""
    service = spec.services[name]
    paths: dict[str, list[str]] = {}

    def add(path: str, what: str) -> None:
        paths.setdefault("/" + path.strip("/").split("/", 1)[0], []).append(what)

    if service.auth == "issuer":
        add(f"/{name}", "register and login")
    for entity in service.entities:
        add(kebab_path(plural_snake(snake_case(entity))), f"{entity} (CRUD)")
    for op_name, operation in service.operations.items():
        add(operation.path, f"operation {op_name} ({operation.method} {operation.path})")
    for model in service.read_models:
        add(kebab_path(read_model_plural(snake_case(model))), f"read model {model}")
    owned = [saga for saga, spec_saga in spec.sagas.items() if spec_saga.owner == name]
    if owned:
        add("/sagas", f"saga state ({', '.join(owned)})")
    return {path: "; ".join(whats) for path, whats in paths.items()}
