"""What the generated event, saga and read-model tests exercise."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from shopgen.view.entities import EntityView
from shopgen.view.events import (
    EventView,
    HandlerView,
    Invocation,
    ReadModelView,
    SagaView,
    Src,
    as_source,
)
from shopgen.view.fields import FieldView
from shopgen.view.names import python_name
from shopgen.view.source import py_str, pyrepr

if TYPE_CHECKING:
    from shopgen.view.services import ServiceView


# ---------------------------------------------------------------------------------------------
# The generated events test (tests/test_events.py)


def _test_value(view: FieldView) -> str | None:
    """Python source of a valid JSON value for a payload field in the events test."""
    if view.type in ("string", "text") and not view.spec.min_length and not view.spec.pattern:
        return py_str("set by a test")
    return view.sample or (None if view.zero == "None" else view.zero)


@dataclass(eq=False)
class SagaTestView:
    """What the events test needs to run one saga with stand-in actions."""

    saga: SagaView
    owner: ServiceView  # the service that runs the saga

    @cached_property
    def name(self) -> str:
        return python_name(self.saga.name)

    @cached_property
    def actions_constant(self) -> str:
        return self.saga.actions_constant

    @cached_property
    def entity(self) -> EntityView:
        return self.saga.entity

    @cached_property
    def skip_reason(self) -> str | None:
        """Why the test cannot start this saga by creating its entity, if it cannot."""
        if self.entity.spec.emits.get("created") != self.saga.spec.trigger:
            return (
                f"the saga starts on {self.saga.spec.trigger}, not on creating a {self.entity.name}"
            )
        if not self.entity.testable or self.entity.sample_refs:
            return f"no {self.entity.name} can be made without your own rules"
        return None

    @cached_property
    def key_field(self) -> str:
        return self.saga.key_attribute

    def _stand_ins(self, failing: int | None) -> str:
        """Source of `{service: {action name: stand-in}}` for every action of the saga."""
        events = self.saga.event_by_name
        out: dict[str, dict[str, Invocation]] = {}

        def fields(event: str, carried: set[str]) -> list[tuple[str | None, Any]]:
            view = events[event]
            return [
                (f.name, Src(_test_value(f) or "None"))
                for f in view.fields
                if f.name not in carried and not f.optional
            ]

        for index, step in enumerate(self.saga.spec.steps):
            carried = self.saga.carried(index)
            actions = out.setdefault(step.service, {})
            if index == failing and step.replies.failure:
                stand_in = Invocation("failing", tuple(fields(step.replies.failure, carried)))
            else:
                stand_in = Invocation("succeeding", tuple(fields(step.replies.success, carried)))
            actions[step.action] = stand_in
            if step.compensation:
                reply = step.compensation.reply
                args = [(None, step.compensation.action), (None, Src("undone"))]
                args += fields(reply, carried) if reply else []
                actions[step.compensation.action] = Invocation("undoing", tuple(args))
        return as_source(out)

    @cached_property
    def succeeding_actions(self) -> str:
        return self._stand_ins(None)

    @cached_property
    def failing_step(self) -> int | None:
        """The last step that can fail: failing it undoes the most."""
        steps = self.saga.spec.steps
        return next((i for i in reversed(range(len(steps))) if steps[i].replies.failure), None)

    @cached_property
    def failing_actions(self) -> str:
        return self._stand_ins(self.failing_step)

    @cached_property
    def failure_values(self) -> dict[str, str]:
        """Field -> value source the failing stand-in replies with."""
        if self.failing_step is None:
            return {}
        step = self.saga.spec.steps[self.failing_step]
        reply = self.saga.event_by_name[step.replies.failure]
        carried = self.saga.carried(self.failing_step)
        return {
            f.name: _test_value(f) or "None"
            for f in reply.fields
            if f.name not in carried and not f.optional
        }

    @cached_property
    def expected_undone(self) -> list[str]:
        """Compensations that must run after the failing step fails, in order."""
        if self.failing_step is None:
            return []
        done = self.saga.spec.steps[: self.failing_step]
        return [s.compensation.action for s in reversed(done) if s.compensation]

    def _checks(self, outcome: Any, failure: bool) -> list[tuple[str, str]]:
        """(entity field, expected JSON value source) after the outcome."""
        fields = self.entity.field_by_name
        checks = []
        for name, value in outcome.set.items():
            kind = fields[name].type if name in fields else None
            if kind in ("string", "text", "enum", "email") or (
                kind in ("boolean", "integer") and not isinstance(value, float)
            ):
                checks.append((name, pyrepr(value)))
        if failure:
            for target, source in outcome.copy_.items():
                if source in self.failure_values and target not in outcome.set:
                    kind = fields[target].type if target in fields else None
                    if kind in ("string", "text"):
                        checks.append((target, self.failure_values[source]))
        return checks

    @cached_property
    def success_checks(self) -> list[tuple[str, str]]:
        return self._checks(self.saga.spec.on_success, failure=False)

    @cached_property
    def failure_checks(self) -> list[tuple[str, str]]:
        return self._checks(self.saga.spec.on_failure, failure=True)


@dataclass(eq=False)
class ReadModelTestView:
    model: ReadModelView
    service: ServiceView  # the service that keeps it

    @cached_property
    def events(self) -> list[EventView]:
        by_name = self.model.event_by_name
        return [by_name[e] for e in self.model.spec.on]

    @cached_property
    def values(self) -> list[tuple[str, str]]:
        """One value per payload field of every event (shared, so copies agree)."""
        out: dict[str, str] = {}
        for event in self.events:
            for f in event.fields:
                if f.name == self.model.key and self.model.keyed:
                    out[f.name] = "key"
                elif f.name not in out:
                    out[f.name] = _test_value(f) or "None"
        return list(out.items())

    @cached_property
    def testable(self) -> bool:
        return all(v != "None" for _, v in self.values)

    @cached_property
    def payloads(self) -> list[tuple[str, list[str]]]:
        """(event, names of its payload fields)."""
        return [(e.name, e.field_names) for e in self.events]

    @cached_property
    def copied(self) -> list[str]:
        """Columns copied from payloads (their values are known after the projection)."""
        names = [n for u in self.model.spec.on.values() for n in u.copy_]
        return [n for n in dict.fromkeys(names) if n != self.model.key]

    @cached_property
    def filters(self) -> list[str]:
        return [c.name for c in self.model.query_columns if c.name in self.copied]

    @cached_property
    def filter_items(self) -> list[str]:
        """Items of the query parameters the list test sends."""
        return [f'"{name}": values["{name}"]' for name in self.filters]

    @cached_property
    def counts(self) -> list[tuple[str, int]]:
        totals: dict[str, int] = {}
        for update in self.model.spec.on.values():
            if update.count:
                totals[update.count] = totals.get(update.count, 0) + 1
        return list(totals.items())

    @cached_property
    def sums(self) -> list[tuple[str, list[str]]]:
        totals: dict[str, list[str]] = {}
        for update in self.model.spec.on.values():
            for column, field_name in update.sum.items():
                totals.setdefault(column, []).append(field_name)
        return list(totals.items())


@dataclass(eq=False)
class EventsTestView:
    """tests/test_events.py: consumers, sagas and read models of every service, in one
    process."""

    services: list[ServiceView]
    saga_views: list[SagaView]  # every saga of the spec

    @cached_property
    def hook_modules(self) -> list[tuple[str, str, str]]:
        """(hooks module, entity, source of what the pass-through create hook sets)."""
        return [
            (f"services.{s.module}.custom.hooks.{e.module}", e.snake, e.access.test_fill)
            for s in self.services
            if not s.from_template
            for e in s.entities
        ]

    @cached_property
    def roles(self) -> list[str]:
        """Every role any service's rules name: the test's caller holds them all."""
        return sorted({role for s in self.services for role in s.test_roles})

    @cached_property
    def handlers(self) -> list[tuple[ServiceView, HandlerView, list[tuple[str, str]]]]:
        out = []
        for service in self.services:
            if service.from_template:
                continue  # the team's template tests its own consumers
            for handler in service.handlers:
                values = [(f.name, _test_value(f)) for f in handler.event.fields]
                if all(v is not None for _, v in values):
                    out.append((service, handler, values))
        return out

    @cached_property
    def sagas(self) -> list[SagaTestView]:
        by_name = {service.name: service for service in self.services}
        return [SagaTestView(saga, by_name[saga.owner]) for saga in self.saga_views]

    @cached_property
    def read_models(self) -> list[ReadModelTestView]:
        views = [ReadModelTestView(m, s) for s in self.services for m in s.read_models]
        return [v for v in views if v.testable]

    @cached_property
    def file(self) -> str:
        """The file's name; empty (no file) when the spec has nothing to test here."""
        return "test_events.py" if self.handlers or self.sagas or self.read_models else ""
