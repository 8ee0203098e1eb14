"""Benchmarks (a script, not a test): prints figures, asserts nothing.

    python benchmarks/bench.py            # all benchmarks
    python benchmarks/bench.py new        # only `shopgen new`
    python benchmarks/bench.py sync       # only `shopgen sync`

Figures are wall-clock medians over a few runs on this machine; compare them between commits
on the same machine only.
"""

from __future__ import annotations

import itertools
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import yaml

from shopgen.generate import SPEC_FILE, create_project, example_spec
from shopgen.render import render_project
from shopgen.spec import load_spec
from shopgen.specedit import editing
from shopgen.sync import sync_project
from shopgen.view import ProjectView

T = TypeVar("T")
R = TypeVar("R")


def synthetic_spec(services: int) -> dict:
    """A spec of N services, each with two entities, chained by `calls`, with events."""
    spec: dict = {
        "shopgen": 1,
        "project": {"name": "synthetic", "title": f"{services} services"},
        "defaults": {"database": "postgresql"},
        "services": {},
        "events": {},
        "gateway": {"port": 8080, "routes": []},
    }
    for i in range(services):
        name = f"svc{i:02d}"
        service: dict = {
            "description": f"Service number {i}.",
            "entities": {
                f"Item{i}": {
                    "fields": {
                        "name": {"type": "string", "max_length": 80},
                        "price": {"type": "decimal", "min": 0},
                        "status": {"type": "enum", "values": ["new", "done"], "default": "new"},
                    },
                    "search": ["name"],
                    "emits": {"created": f"item{i}.created"},
                },
                f"Note{i}": {
                    "fields": {"text": "text", "item_id": {"type": "ref", "to": f"Item{i}"}}
                },
            },
        }
        if i:
            service["calls"] = {f"svc{i - 1:02d}": {"timeout": "2s", "retries": 1}}
            service["consumes"] = {f"item{i - 1}.created": f"on_item{i - 1}_created"}
        spec["services"][name] = service
        spec["events"][f"item{i}.created"] = {
            "publisher": name,
            "payload": {f"item{i}_id": "uuid", "name": "string"},
        }
        spec["gateway"]["routes"].append({"prefix": f"/api/{name}", "service": name})
    return spec


def timed(label: str, runs: int, action: Callable[[], object]) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return _report(label, samples)


def timed_each(
    label: str, runs: int, prepare: Callable[[], T], action: Callable[[T], R]
) -> list[R]:
    """Like `timed`, but `prepare` runs untimed before each run; returns each run's result."""
    samples, results = [], []
    for _ in range(runs):
        prepared = prepare()
        start = time.perf_counter()
        results.append(action(prepared))
        samples.append(time.perf_counter() - start)
    _report(label, samples)
    return results


def _report(label: str, samples: list[float]) -> float:
    median = statistics.median(samples)
    print(
        f"  {label:<46} median {median * 1000:8.1f} ms"
        f"  (min {min(samples) * 1000:.1f}, n={len(samples)})"
    )
    return median


def cases(workdir: Path) -> list[tuple[str, Path, int]]:
    """(label, spec file, runs): the example and the synthetic 50-service spec."""
    big = workdir / "synthetic50.yaml"
    if not big.exists():
        big.write_text(yaml.safe_dump(synthetic_spec(50), sort_keys=False))
    return [
        ("example (5 services)", example_spec("ecommerce"), 5),
        ("synthetic (50 services)", big, 3),
    ]


def bench_new(workdir: Path) -> None:
    print("shopgen new")
    counter = itertools.count()
    for label, spec_path, runs in cases(workdir):
        files = render_project(ProjectView(load_spec(spec_path)).context())
        print(f"  {label}: {len(files)} files, {sum(map(len, files.values())) / 1024:.0f} KiB")
        timed(
            f"render only, {label}",
            runs,
            lambda p=spec_path: render_project(ProjectView(load_spec(p)).context()),
        )
        timed(
            f"new (render, write, git init+commit), {label}",
            runs,
            lambda p=spec_path: create_project(workdir / f"out{next(counter)}", p),
        )


def add_optional_field(spec_file: Path) -> None:
    """The one-field change: an optional field appended to the spec's first entity.

    Edited the way `shopgen add-entity` edits (round-trip YAML 1.2, validated), not with
    PyYAML, which would read the read models' `on:` keys as booleans.
    """
    with editing(spec_file) as spec:
        service = next(s for s in spec["services"].values() if s.get("entities"))
        entity = next(iter(service["entities"].values()))
        entity["fields"]["bench_note"] = {"type": "string", "optional": True}


def bench_sync(workdir: Path) -> None:
    """`sync` on a repository fresh from `new`: with no spec change, and after a one-field one.

    Each run syncs its own copy of the generated repository (copying is not timed), so no run
    sees another's BASE.
    """
    print("shopgen sync")
    counter = itertools.count()
    for label, spec_path, runs in cases(workdir):
        pristine = workdir / f"sync-pristine-{spec_path.stem}"
        create_project(pristine, spec_path)

        def fresh(edit: bool, pristine: Path = pristine) -> Path:
            root = workdir / f"sync-{next(counter)}"
            shutil.copytree(pristine, root, symlinks=True)
            if edit:
                add_optional_field(root / SPEC_FILE)
            return root

        noop = timed_each(f"no-op sync, {label}", runs, lambda: fresh(False), sync_project)
        if not all(result.plan.is_noop for result in noop):
            drift = sorted({p for result in noop for p in result.plan.drift})
            print(f"    NOT a no-op (were the templates edited meanwhile?): {drift[:5]}")
        edited = timed_each(
            f"sync after a one-field change, {label}", runs, lambda: fresh(True), sync_project
        )
        changes = edited[0].plan.changes
        print(
            f"    the one-field change rewrote {len(changes)} file(s): "
            + ", ".join(sorted(f"{a.path} ({a.kind.value})" for a in changes))
        )


BENCHMARKS = {"new": bench_new, "sync": bench_sync}


def main(selected: list[str]) -> None:
    with tempfile.TemporaryDirectory(prefix="shopgen-bench-") as tmp:
        for name in selected or list(BENCHMARKS):
            BENCHMARKS[name](Path(tmp))


if __name__ == "__main__":
    main(sys.argv[1:])
