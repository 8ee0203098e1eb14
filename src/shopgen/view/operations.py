"""Custom operations, the token issuer and typed clients."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Protocol

from shopgen.spec.model import PUBLIC, SERVICE, Call, Operation
from shopgen.spec.reserved import safe_module
from shopgen.view.entities import EntityView
from shopgen.view.fields import EnumView, FieldView, walk_fields
from shopgen.view.names import Namer, pascal_case, title_case
from shopgen.view.source import call, number, py_str, pyrepr

# ---------------------------------------------------------------------------------------------
# Operations, auth, clients


@dataclass(eq=False)
class OperationView:
    name: str
    spec: Operation
    namer: Namer
    service_module: str = ""  # the package under services/ that serves it
    taken: frozenset[str] = frozenset()  # the service's operation (route function) names

    @cached_property
    def function(self) -> str:
        return self.name

    @cached_property
    def module(self) -> str:
        """custom/operations/<module>.py: the user's code, one module per operation."""
        return safe_module(self.name)

    @cached_property
    def stub_file(self) -> str:
        """The user's module, as the default stub names it (relative to the repository)."""
        return f"services/{self.service_module}/custom/operations/{self.module}.py"

    @cached_property
    def custom_function(self) -> str:
        """The user's function as api/operations.py imports it (beside the route functions,
        which are named after the operations)."""
        alias = f"custom_{self.name}"
        while alias in self.taken:
            alias += "_code"
        return alias

    @cached_property
    def custom_import(self) -> str:
        module = f"..custom.operations.{self.module}"
        return f"from {module} import {self.function} as {self.custom_function}"

    @cached_property
    def schemas(self) -> list[str]:
        """The schema classes its stub imports."""
        return [name for name in (self.request_class, self.response_class) if name]

    @cached_property
    def method(self) -> str:
        return self.spec.method.lower()

    @cached_property
    def path(self) -> str:
        return self.spec.path

    @cached_property
    def summary(self) -> str:
        return self.spec.description or title_case(self.name)

    @cached_property
    def path_params(self) -> list[str]:
        return re.findall(r"\{(\w+)\}", self.spec.path)

    @cached_property
    def request_fields(self) -> list[FieldView] | None:
        if self.spec.request is None:
            return None
        owner = pascal_case(self.name) + "Request"
        return [FieldView(n, s, owner, self.namer) for n, s in self.spec.request.items()]

    @cached_property
    def response_fields(self) -> list[FieldView] | None:
        if self.spec.response is None:
            return None
        owner = pascal_case(self.name) + "Response"
        return [FieldView(n, s, owner, self.namer) for n, s in self.spec.response.items()]

    @cached_property
    def request_class(self) -> str | None:
        return (
            None
            if self.spec.request is None
            else self.namer.claim(pascal_case(self.name) + "Request")
        )

    @cached_property
    def response_class(self) -> str | None:
        return (
            None
            if self.spec.response is None
            else self.namer.claim(pascal_case(self.name) + "Response")
        )

    @cached_property
    def request_in_query(self) -> bool:
        """GET and DELETE carry no body: their request fields are query parameters."""
        if self.spec.method not in ("GET", "DELETE") or not self.request_fields:
            return False
        return not any(f.type in ("list", "json") for f in self.request_fields)

    @cached_property
    def status_code(self) -> int:
        return 200 if self.response_class else 204

    @cached_property
    def rule(self) -> list[str]:
        return self.spec.rule

    @cached_property
    def auth_required(self) -> bool:
        """Whether a caller needs a token."""
        return PUBLIC not in self.rule

    @cached_property
    def access_alias(self) -> str:
        return pascal_case(self.name) + "Access"

    @cached_property
    def access_line(self) -> str:
        """`ValidateAccess = Annotated[Access, Depends(allow(...))]` of api/operations.py."""
        args = ", ".join(py_str(grant) for grant in self.rule)
        return f"{self.access_alias} = Annotated[Access, Depends(allow({args}))]"

    @cached_property
    def test_as_user(self) -> bool:
        """Whether the test calls it as a user holding every role (else as a service)."""
        return any(grant != SERVICE for grant in self.rule)

    @cached_property
    def parameters(self) -> list[str]:
        """The stub's parameters after the context."""
        params = [f"{p}: str" for p in self.path_params]
        if self.request_class:
            params.append(f"request: {self.request_class}")
        return params

    @cached_property
    def arguments(self) -> list[str]:
        args = [f"{p}={p}" for p in self.path_params]
        if self.request_class:
            args.append("request=request")
        return args

    @cached_property
    def return_type(self) -> str:
        return self.response_class or "None"

    @cached_property
    def decorator(self) -> str:
        args = [py_str(self.path), f"summary={py_str(self.summary)}"]
        if not self.response_class:
            args.append("status_code=204")
        return call(f"@router.{self.method}", args)

    @cached_property
    def route_parameters(self) -> list[str]:
        """Parameters of the route function in api/operations.py."""
        params = [f"{p}: str" for p in self.path_params]
        if self.request_class and self.request_in_query:
            params.append(f"request: Annotated[schemas.{self.request_class}, Query()]")
        elif self.request_class:
            params.append(f"request: schemas.{self.request_class}")
        params.append("context: ContextDep")
        params.append(f"access: {self.access_alias}")
        return params

    @cached_property
    def route_return(self) -> str:
        return f"schemas.{self.response_class}" if self.response_class else "None"

    @cached_property
    def stand_in_return(self) -> str:
        """The generated test's stand-in for the user's function: a valid, empty answer."""
        if not self.response_class:
            return "return None"
        args = [f"{f.name}={f.zero}" for f in self.response_fields if not f.has_default]
        return call("return schemas." + self.response_class, args)

    @cached_property
    def sample_request(self) -> str | None:
        """Python source of a valid request (JSON body or query), or None when none."""
        if not self.request_fields:
            return None
        items = []
        for f in self.request_fields:
            if f.required:
                if f.sample is None:
                    return None
                items.append(f"{py_str(f.name)}: {f.sample}")
        return "{" + ", ".join(items) + "}"

    @cached_property
    def client_path(self) -> str:
        """The path as Python source: an f-string when it has parameters."""
        return ("f" if self.path_params else "") + py_str(self.spec.path)

    @cached_property
    def test_request_args(self) -> list[str]:
        """Arguments of `client.request(...)` in the operation's test (a JSON body)."""
        args = [py_str(self.spec.method), py_str(self.sample_path)]
        if self.sample_request:
            args.append(f"json={self.sample_request}")
        return args

    @cached_property
    def sample_path(self) -> str:
        return re.sub(r"\{(\w+)\}", "sample", self.spec.path)

    @cached_property
    def testable(self) -> bool:
        return not self.request_fields or self.sample_request is not None

    @cached_property
    def enums(self) -> list[EnumView]:
        fields = (self.request_fields or []) + (self.response_fields or [])
        return [f.enum for f in walk_fields(fields) if f.enum]

    @cached_property
    def nested_models(self) -> list[tuple[str, list[FieldView]]]:
        fields = (self.request_fields or []) + (self.response_fields or [])
        found = [(f.item_class, f.item_fields) for f in walk_fields(fields) if f.item_fields]
        return list(reversed(found))


@dataclass(eq=False)
class IssuerView:
    """Register and login for an `auth: issuer` service."""

    entity: EntityView
    login_field: FieldView
    password_field: FieldView

    @cached_property
    def other_login(self) -> str:
        """A login nobody registered (for the 401 test)."""
        return '"nobody@example.com"' if self.login_field.type == "email" else '"nobody"'

    @cached_property
    def login_request_fields(self) -> list[str]:
        return [
            f"{self.login_field.name}: {self.login_field.python_type}",
            f"{self.password_field.name}: str",
        ]


class Callee(Protocol):
    """What a client reads of the service it calls (a ServiceView, one layer up)."""

    @property
    def name(self) -> str: ...

    @property
    def module(self) -> str: ...

    @property
    def entities(self) -> list[EntityView]: ...

    @property
    def operations(self) -> list[OperationView]: ...


@dataclass(eq=False)
class ClientView:
    """A typed client for one `calls:` dependency."""

    target: Callee
    spec: Call
    namer: Namer

    @cached_property
    def class_name(self) -> str:
        return self.namer.claim(pascal_case(self.target.module) + "Client")

    @cached_property
    def attribute(self) -> str:
        return self.target.module

    @cached_property
    def timeout(self) -> str:
        return number(self.spec.timeout)

    @cached_property
    def retries(self) -> int:
        return self.spec.retries

    @cached_property
    def breaker(self) -> tuple[int, str] | None:
        if self.spec.breaker is None:
            return None
        return self.spec.breaker.failure_threshold, number(self.spec.breaker.reset_timeout)

    @cached_property
    def fallback(self) -> str | None:
        return None if self.spec.fallback is None else pyrepr(self.spec.fallback)

    @cached_property
    def docstring(self) -> str:
        return f"The {self.target.name} service."

    @cached_property
    def fallback_items(self) -> list[str]:
        fallback = self.spec.fallback or {}
        return [f"{pyrepr(key)}: {pyrepr(value)}" for key, value in fallback.items()]

    @cached_property
    def entities(self) -> list[tuple[EntityView, str]]:
        """The target's entities and this module's model class for each (tolerant readers)."""
        return [(entity, self.namer.claim(entity.name)) for entity in self.target.entities]

    @cached_property
    def operations(self) -> list[tuple[OperationView, str | None, str | None]]:
        """The target's operations, with this module's request and response class names."""
        out = []
        for op in self.target.operations:
            request = self.namer.claim(op.request_class) if op.request_class else None
            response = self.namer.claim(op.response_class) if op.response_class else None
            out.append((op, request, response))
        return out
