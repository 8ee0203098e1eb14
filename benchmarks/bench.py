"""Benchmarks (a script, not a test): prints figures, asserts nothing.

    python benchmarks/bench.py            # all benchmarks
    python benchmarks/bench.py new        # only `shopgen new`

Figures are wall-clock medians over a few runs on this machine; compare them between commits
on the same machine only.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import yaml

from shopgen.generate import create_project, example_spec
from shopgen.render import render_project
from shopgen.spec import load_spec
from shopgen.view import ProjectView


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
                f"Note{i}": {"fields": {"text": "text", "item_id": {"type": "ref", "to": f"Item{i}"}}},
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
    median = statistics.median(samples)
    print(f"  {label:<46} median {median * 1000:8.1f} ms  (min {min(samples) * 1000:.1f}, n={runs})")
    return median


def bench_new(workdir: Path) -> None:
    print("shopgen new")
    big = workdir / "synthetic50.yaml"
    big.write_text(yaml.safe_dump(synthetic_spec(50), sort_keys=False))
    for label, spec_path, runs in (
        ("example (5 services)", example_spec("ecommerce"), 5),
        ("synthetic (50 services)", big, 3),
    ):
        files = render_project(ProjectView(load_spec(spec_path)).context())
        print(f"  {label}: {len(files)} files, {sum(map(len, files.values())) / 1024:.0f} KiB")
        timed(f"render only, {label}", runs, lambda p=spec_path: render_project(
            ProjectView(load_spec(p)).context()))
        counter = iter(range(1000))
        timed(f"new (render, write, git init+commit), {label}", runs,
              lambda p=spec_path: create_project(workdir / f"out{next(counter)}", p))


BENCHMARKS = {"new": bench_new}


def main(selected: list[str]) -> None:
    with tempfile.TemporaryDirectory(prefix="shopgen-bench-") as tmp:
        for name in selected or list(BENCHMARKS):
            BENCHMARKS[name](Path(tmp))


if __name__ == "__main__":
    main(sys.argv[1:])
