"""Mermaid diagrams of a project: capability map, service dependencies, events, sagas.

The text is built here, in Python, from the view model, so `docs/architecture.md` and
`shopgen graph` show the same diagrams and templates only paste them. Every name taken from
the spec goes through `_label` (quoted, with Mermaid's entity codes for the characters that
would end a label), and node ids are derived from names restricted to a safe alphabet by the
spec, so a description can never break out of a diagram.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shopgen.spec.model import Saga, SagaStep, Spec
    from shopgen.view.services import RouteView, ServiceView

INDENT = "    "

# Characters that end or confuse a Mermaid label, as Mermaid entity codes (replaced in one
# pass, so the codes' own '#' and ';' are never escaped again).
_ENTITIES = {"#": "#35;", '"': "#quot;", ";": "#59;", "<": "#lt;", ">": "#gt;"}
_SPECIAL = re.compile("[" + re.escape("".join(_ENTITIES)) + "]")


def _label(text: object) -> str:
    """A quoted Mermaid label that shows `text` literally."""
    value = " ".join(str(text).split())
    return '"' + _SPECIAL.sub(lambda match: _ENTITIES[match.group()], value) + '"'


def _message(text: object) -> str:
    """Text after the ':' of a sequence-diagram message or note (not quoted there)."""
    return _label(text)[1:-1]


def _node_id(kind: str, name: str) -> str:
    """A node id: spec names are slugs, dotted event names or Pascal names; ids use '_' only."""
    return f"{kind}_" + "".join(char if char.isalnum() else "_" for char in name)


def _seconds(value: float) -> str:
    return f"{value:g}s"


@dataclass(frozen=True)
class Consumer:
    """A service that reacts to an event, and why (a handler, a saga step, a read model)."""

    service: str
    reason: str


@dataclass(frozen=True)
class Diagrams:
    """All diagrams of one project; each property is the Mermaid source of one diagram."""

    title: str  # the project's
    spec: Spec
    services: list[ServiceView]
    routes: list[RouteView]

    @cached_property
    def capabilities(self) -> str:
        """The business capability map: project → capabilities → sub-capabilities and owners."""
        lines = ["flowchart LR", f"{INDENT}project([{_label(self.title)}])"]
        owned: set[str] = set()
        for number, capability in enumerate(self.spec.capabilities):
            cap = f"cap_{number}"
            lines.append(f"{INDENT}project --> {cap}[{_label(capability.name)}]")
            for sub_number, include in enumerate(capability.includes):
                lines.append(f"{INDENT}{cap} --- {cap}_{sub_number}({_label(include)})")
            for service in capability.services:
                owned.add(service)
                lines.append(f"{INDENT}{cap} -. owned by .-> {_node_id('svc', service)}")
        for service in self.services:
            lines.append(f"{INDENT}{_node_id('svc', service.name)}{{{{{_label(service.name)}}}}}")
        unowned = [s.name for s in self.services if s.name not in owned]
        if unowned and self.spec.capabilities:
            lines.append(f'{INDENT}unassigned["(no capability)"]')
            lines += [f"{INDENT}unassigned -.- {_node_id('svc', name)}" for name in unowned]
        lines.append(f"{INDENT}classDef service fill:#e8f0fe,stroke:#4a6fa5")
        lines.append(f"{INDENT}class {','.join(self._service_ids)} service")
        return "\n".join(lines) + "\n"

    @cached_property
    def dependencies(self) -> str:
        """Who talks to whom synchronously: gateway routes, `calls:` and each service's database."""
        lines = ["flowchart LR", f"{INDENT}client([client]) --> gateway{{{{gateway}}}}"]
        for service in self.services:
            lines.append(f"{INDENT}{_node_id('svc', service.name)}[{_label(service.name)}]")
        for route in self.routes:
            auth = " (JWT)" if route.auth_required else ""
            label = _label(f"{route.prefix}{auth}")
            lines.append(f"{INDENT}gateway -->|{label}| {_node_id('svc', route.service.name)}")
        for service in self.services:
            for call in service.calls:
                details = [f"timeout {_seconds(call.spec.timeout)}"]
                if call.spec.retries:
                    details.append(f"retries {call.spec.retries}")
                if call.spec.breaker:
                    details.append("breaker")
                if call.spec.fallback is not None:
                    details.append("fallback")
                lines.append(
                    f"{INDENT}{_node_id('svc', service.name)} -->|{_label(', '.join(details))}| "
                    f"{_node_id('svc', call.target)}"
                )
        for service in self.services:
            database = _node_id("db", service.name)
            lines.append(
                f"{INDENT}{_node_id('svc', service.name)} -.- "
                f"{database}[({_label(f'{service.name} db: {service.database}')})]"
            )
        lines.append(f"{INDENT}classDef service fill:#e8f0fe,stroke:#4a6fa5")
        lines.append(f"{INDENT}class {','.join(self._service_ids)} service")
        return "\n".join(lines) + "\n"

    @cached_property
    def consumers(self) -> dict[str, list[Consumer]]:
        """Every event's consumers: `consumes:` handlers, saga steps and owners, read models."""
        found: dict[str, list[Consumer]] = {name: [] for name in self.spec.events}

        def add(event: str, service: str, reason: str) -> None:
            consumer = Consumer(service, reason)
            if consumer not in found.setdefault(event, []):
                found[event].append(consumer)

        for name, service in self.spec.services.items():
            for event, handler in service.consumes.items():
                add(event, name, handler)
            for model_name, model in service.read_models.items():
                for event in model.on:
                    add(event, name, f"read model {model_name}")
        for saga_name, saga in self.spec.sagas.items():
            previous = saga.trigger
            for step in saga.steps:
                add(previous, step.service, f"{saga_name}: {step.action}")
                previous = step.replies.success
            for reply in _replies(saga):
                add(reply, saga.owner, f"saga {saga_name}")
        return found

    @cached_property
    def events(self) -> str:
        """The event topology: publisher → event → consumers."""
        lines = ["flowchart LR"]
        for service in self.services:
            lines.append(f"{INDENT}{_node_id('svc', service.name)}[{_label(service.name)}]")
        for name, event in self.spec.events.items():
            node = _node_id("ev", name)
            lines.append(f"{INDENT}{node}>{_label(name)}]")
            lines.append(f"{INDENT}{_node_id('svc', event.publisher)} --> {node}")
            for consumer in self.consumers.get(name, []):
                lines.append(
                    f"{INDENT}{node} -->|{_label(consumer.reason)}| "
                    f"{_node_id('svc', consumer.service)}"
                )
        lines.append(f"{INDENT}classDef service fill:#e8f0fe,stroke:#4a6fa5")
        lines.append(f"{INDENT}classDef event fill:#fff4e0,stroke:#c78a1b")
        lines.append(f"{INDENT}class {','.join(self._service_ids)} service")
        if self.spec.events:
            events = ",".join(_node_id("ev", name) for name in self.spec.events)
            lines.append(f"{INDENT}class {events} event")
        return "\n".join(lines) + "\n"

    @cached_property
    def sagas(self) -> dict[str, str]:
        """One sequence diagram per saga: the happy path, and every failure with compensations."""
        return {name: self._saga(name, saga) for name, saga in self.spec.sagas.items()}

    def all(self) -> dict[str, str]:
        """Every diagram by title, in reading order (what `shopgen graph` prints)."""
        diagrams = {
            "Capability map": self.capabilities,
            "Service dependencies": self.dependencies,
            "Event topology": self.events,
        }
        diagrams.update({f"Saga: {name}": text for name, text in self.sagas.items()})
        return diagrams

    # --- internals -------------------------------------------------------------------------

    @cached_property
    def _service_ids(self) -> list[str]:
        return [_node_id("svc", service.name) for service in self.services]

    def _publisher(self, event: str) -> str | None:
        found = self.spec.events.get(event)
        return found.publisher if found else None

    def _saga(self, name: str, saga: Saga) -> str:
        return _SagaSequence(name, saga, self.consumers, self._publisher(saga.trigger)).text


def _replies(saga: Saga) -> Iterator[str]:
    """The events the owner listens to, to record the saga's state."""
    for step in saga.steps:
        yield step.replies.success
        if step.replies.failure:
            yield step.replies.failure
        if step.compensation and step.compensation.reply:
            yield step.compensation.reply


@dataclass(frozen=True)
class _SagaSequence:
    """A saga as a sequence diagram: each step nests the rest of the saga in its success branch
    (`alt`), and its failure branch shows the compensations of the completed steps, in reverse.
    """

    name: str
    saga: Saga
    consumers: dict[str, list[Consumer]]
    starter: str | None  # the trigger's publisher

    @property
    def text(self) -> str:
        saga = self.saga
        starter = self.starter or saga.owner
        lines = ["sequenceDiagram"]
        order = [starter, saga.owner, *(step.service for step in saga.steps)]
        for event in saga.on_success.published + saga.on_failure.published:
            order += [consumer.service for consumer in self.consumers.get(event, [])]
        for service in dict.fromkeys(order):
            lines.append(f"{INDENT}participant {_node_id('svc', service)} as {service}")
        lines.append(
            f"{INDENT}Note over {self.owner}: saga {_message(self.name)} on {_message(saga.entity)}"
        )
        lines += self._steps(list(saga.steps), starter, saga.trigger, [], depth=1)
        return "\n".join(lines) + "\n"

    @property
    def owner(self) -> str:
        return _node_id("svc", self.saga.owner)

    def _steps(
        self, steps: list[SagaStep], sender: str, event: str, done: list[SagaStep], depth: int
    ) -> list[str]:
        """The step that reacts to `event`, then (nested) the rest; a failure branches off."""
        indent = INDENT * depth
        if not steps:
            lines = []
            if sender != self.saga.owner:
                lines.append(f"{indent}{_node_id('svc', sender)}-){self.owner}: {_message(event)}")
            return lines + self._outcome(success=True, depth=depth)
        step, rest = steps[0], steps[1:]
        service = _node_id("svc", step.service)
        action = (
            step.action
            if step.action == step.name.replace("-", "_")
            else (f"{step.action} ({step.name})")
        )
        lines = [
            f"{indent}{_node_id('svc', sender)}-){service}: {_message(event)}",
            f"{indent}{service}->>{service}: {_message(action)}",
        ]
        if not step.replies.failure:
            return lines + self._steps(
                rest, step.service, step.replies.success, [*done, step], depth
            )
        return [
            *lines,
            f"{indent}alt {_message(step.replies.success)}",
            *self._steps(rest, step.service, step.replies.success, [*done, step], depth + 1),
            f"{indent}else {_message(step.replies.failure)}",
            *self._failure(step, done, depth + 1),
            f"{indent}end",
        ]

    def _failure(self, failed: SagaStep, done: list[SagaStep], depth: int) -> list[str]:
        """The failure reply reaches the owner, which compensates completed steps in reverse."""
        indent = INDENT * depth
        lines = []
        if failed.service != self.saga.owner:
            lines.append(
                f"{indent}{_node_id('svc', failed.service)}-){self.owner}: "
                f"{_message(failed.replies.failure)}"
            )
        for step in reversed(done):
            if not step.compensation:
                continue
            service = _node_id("svc", step.service)
            lines.append(f"{indent}{self.owner}-){service}: compensate {_message(step.name)}")
            lines.append(f"{indent}{service}->>{service}: {_message(step.compensation.action)}")
            if step.compensation.reply:
                lines.append(
                    f"{indent}{service}-){self.owner}: {_message(step.compensation.reply)}"
                )
        return lines + self._outcome(success=False, depth=depth)

    def _outcome(self, success: bool, depth: int) -> list[str]:
        """The owner applies `on_success`/`on_failure` and publishes its events."""
        indent = INDENT * depth
        outcome = self.saga.on_success if success else self.saga.on_failure
        changes = [f"{field} = {value}" for field, value in outcome.set.items()]
        changes += [f"{field} = reply.{source}" for field, source in outcome.copy_.items()]
        verdict = "completed" if success else "failed"
        text = f"saga {verdict}" + (": " + ", ".join(changes) if changes else "")
        lines = [f"{indent}Note over {self.owner}: {_message(text)}"]
        for event in outcome.published:
            consumers = self.consumers.get(event, [])
            lines += [
                f"{indent}{self.owner}-){_node_id('svc', consumer.service)}: {_message(event)}"
                for consumer in consumers
            ] or [f"{indent}Note over {self.owner}: publish {_message(event)}"]
        return lines
