"""Benchmarks (a script, not a test): prints figures, asserts nothing.

    python benchmarks/bench.py            # all benchmarks
    python benchmarks/bench.py new        # `shopgen new`, beside copier's run_copy
    python benchmarks/bench.py sync       # `shopgen sync`: no-op and one-field, beside copier
    python benchmarks/bench.py saga       # checkout saga latency of the generated example

`new` and `sync` time the `shopgen` command as a user runs it (a fresh process: imports, spec,
render, writes, git), paired run by run with the reference: copier's `run_copy` of the same
templates with the same data, also in a fresh process. Each figure is the median of its runs,
as wall time and CPU time (user + system, child processes such as git included); on a loaded
machine wall time stretches, so compare CPU and the ratio to copier. `saga` installs the
generated example (a minute or so) and runs it embedded and, where PostgreSQL and RabbitMQ
answer, distributed.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path
from time import perf_counter
from urllib.parse import quote, urlsplit, urlunsplit

import yaml

from shopgen.generate import SPEC_FILE, create_project, example_overlay, example_spec
from shopgen.specedit import editing


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


# The reference: copier renders shopgen's templates with shopgen's view as its data (as
# tests/test_packaging.py checks it renders the same files), in a process of its own.
COPIER = """
import sys
from pathlib import Path

import copier

from shopgen.builtin import builtin_templates
from shopgen.spec import load_spec
from shopgen.view import ProjectView

data = ProjectView(load_spec(Path(sys.argv[1]))).context()
copier.run_copy(str(builtin_templates()), sys.argv[2], data=data, defaults=True, unsafe=True,
                quiet=True, skip_tasks=True)
"""

# Child processes write bytecode as a user's installed shopgen has it (pip compiles it).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def run(*args: str | Path) -> tuple[float, float]:
    """Run a command; its (wall, CPU) seconds, CPU being user + system of it and its children."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = perf_counter()
    done = subprocess.run([str(a) for a in args], env=ENV, capture_output=True, text=True)
    wall = perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode:
        raise SystemExit(f"{args} failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall, cpu


def shopgen(*args: str | Path) -> tuple[float, float]:
    return run(sys.executable, "-m", "shopgen", *args)


def paired(
    label: str,
    runs: int,
    ours: Callable[[], tuple[float, float]],
    copier: Callable[[], tuple[float, float]],
) -> None:
    """`runs` runs of each, alternating (so both see the same load), after one untimed warm-up
    of each; prints the medians side by side."""
    ours(), copier()
    mine, theirs = [], []
    for _ in range(runs):
        mine.append(ours())
        theirs.append(copier())
    wall, cpu = (statistics.median(x) for x in zip(*mine, strict=True))
    ref_wall, ref_cpu = (statistics.median(x) for x in zip(*theirs, strict=True))
    print(
        f"  {label:<34} wall {wall:6.2f} s  CPU {cpu:6.2f} s  |  copier wall {ref_wall:6.2f} s"
        f"  CPU {ref_cpu:6.2f} s  |  CPU {cpu / ref_cpu:4.2f}x copier's  (n={runs})"
    )


def cases(workdir: Path) -> list[tuple[str, Path, int]]:
    """(label, spec file, runs): the example and the synthetic 50-service spec."""
    big = workdir / "synthetic50.yaml"
    if not big.exists():
        big.write_text(yaml.safe_dump(synthetic_spec(50), sort_keys=False))
    return [
        ("example (5 services)", example_spec("ecommerce"), 5),
        ("synthetic (50 services)", big, 3),
    ]


def fresh(workdir: Path, prefix: str) -> Path:
    """A folder name not used yet."""
    return workdir / f"{prefix}-{uuid.uuid4().hex[:12]}"


def _copier(workdir: Path, spec_path: Path) -> Callable[[], tuple[float, float]]:
    script = workdir / "copier_reference.py"
    script.write_text(COPIER)
    return lambda: run(sys.executable, script, spec_path, fresh(workdir, "copier"))


def bench_new(workdir: Path) -> None:
    print("shopgen new (render, write, git init + commit) beside copier's run_copy (render, write)")
    for label, spec_path, runs in cases(workdir):
        paired(
            f"new, {label}",
            runs,
            lambda p=spec_path: shopgen("new", fresh(workdir, "new"), "--spec", p),
            _copier(workdir, spec_path),
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
    """`shopgen sync` in a repository fresh from `new`: with no spec change, and after a
    one-field one. Each run syncs its own copy of the repository (copying is not timed), so no
    run sees another's BASE."""
    print("shopgen sync beside copier's run_copy of the same spec (the render it would redo)")
    for label, spec_path, runs in cases(workdir):
        pristine = fresh(workdir, "sync-pristine")
        create_project(pristine, spec_path)
        copier = _copier(workdir, spec_path)

        def sync(edit: bool, pristine: Path = pristine) -> tuple[float, float]:
            root = fresh(workdir, "sync")
            shutil.copytree(pristine, root, symlinks=True)
            if edit:
                add_optional_field(root / SPEC_FILE)
            return shopgen("sync", "--path", root)

        paired(f"no-op sync, {label}", runs, lambda s=sync: s(False), copier)
        paired(f"one-field sync, {label}", runs, lambda s=sync: s(True), copier)


# Runs inside the generated repository's virtual environment: places orders one after another
# through the gateway and prints, as JSON, each order's latency (seconds) two ways:
# - "client": from sending POST /orders to reading a final status (polled every 5 ms);
# - "server": from the order.created event (written to the outbox with the order) to the saga's
#   completion, both as recorded by the services (the saga's history and updated_at).
SAGA_PROBE = """
import asyncio, datetime as dt, importlib, json, sys, tempfile, time, uuid
from pathlib import Path
import httpx

FINAL = {"payment_confirmed", "cancelled"}


def utc(text):
    moment = dt.datetime.fromisoformat(text)  # SQLite gives it back without its zone (UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


async def measure(gateway, orders, count):
    account = {"email": f"b-{uuid.uuid4().hex}@example.com", "name": "B", "password": "x" * 12}
    user_id = (await gateway.post("/api/users/register", json=account)).json()["id"]
    del account["name"]
    token = (await gateway.post("/api/users/login", json=account)).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    product = {"name": "bench", "price": "1.00", "stock": count + 10}
    product_id = (await gateway.post("/api/products", json=product)).json()["id"]
    order = {"user_id": user_id, "total": "1.00",
             "items": [{"product_id": product_id, "quantity": 1, "price": "1.00"}]}
    client, server = [], []
    for _ in range(count):
        start = time.perf_counter()
        created = await gateway.post("/api/protected/orders", json=order, headers=headers)
        assert created.status_code == 201, created.text
        order_id = created.json()["id"]
        while (await orders.get(f"/orders/{order_id}")).json()["status"] not in FINAL:
            await asyncio.sleep(0.005)
        client.append(time.perf_counter() - start)
        saga = (await orders.get("/sagas", params={"name": "checkout", "key": order_id})).json()[0]
        began, ended = (utc(saga["history"][0]["at"]), utc(saga["updated_at"]))
        server.append((ended - began).total_seconds())
    return {"client": client, "server": server}


async def embedded(count):
    from gateway.app import create_app as create_gateway
    from gateway.settings import GatewaySettings
    from runtime.launcher import AppSpec, bind_free_sockets, embedded
    from system import SERVICES

    sockets = bind_free_sockets([*SERVICES, "gateway"])
    ports = {name: sock.getsockname()[1] for name, sock in sockets.items()}
    shared = {"app_env": "test", "jwt_secret": "bench-secret-0123456789-abcdefghijklmnop",
              "service_urls": {n: f"http://127.0.0.1:{ports[n]}" for n in SERVICES},
              "consul_http_addr": None, "event_bus": "memory", "log_level": "WARNING"}
    folder = Path(tempfile.mkdtemp(prefix="saga-bench-"))
    specs = []
    for name, info in SERVICES.items():
        config = importlib.import_module(f"services.{info.module}.config")
        url = f"sqlite+aiosqlite:///{folder / info.module}.db"
        settings = config.Settings(port=ports[name], database_url=url, **shared)
        app = importlib.import_module(info.app_module).create_app(settings)
        specs.append(AppSpec(name, app, ports[name]))
    specs.append(AppSpec("gateway", create_gateway(GatewaySettings(**shared), rate_limit=None)))
    async with embedded(specs, sockets=sockets) as system, \\
            httpx.AsyncClient(base_url=system.urls["gateway"], timeout=30) as gateway, \\
            httpx.AsyncClient(base_url=system.urls["orders"], timeout=30) as orders:
        return await measure(gateway, orders, count)


async def distributed(gateway_url, orders_url, count):
    async with httpx.AsyncClient(base_url=gateway_url, timeout=30) as gateway, \\
            httpx.AsyncClient(base_url=orders_url, timeout=30) as orders:
        return await measure(gateway, orders, count)


mode, count = sys.argv[1], int(sys.argv[2])
if mode == "embedded":
    result = asyncio.run(embedded(count))
else:
    result = asyncio.run(distributed(sys.argv[3], sys.argv[4], count))
print(json.dumps(result))
"""

SAGA_ORDERS = 50
POSTGRES_SERVER_URL = os.environ.get("POSTGRES_SERVER_URL", "postgresql://postgres@127.0.0.1:5432")
AMQP_URL = os.environ.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")


def _answers(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), 3).close()
    except OSError:
        return False
    return True


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _rabbitmqctl(*args: str) -> bool:
    tool = shutil.which("rabbitmqctl")
    done = subprocess.run([tool, *args], capture_output=True, timeout=120) if tool else None
    return done is not None and done.returncode == 0


def _private_vhost(name: str) -> str:
    """AMQP_URL on a new virtual host, so that no other copy of the shop running on this
    broker (same queue names) consumes the benchmark's messages; AMQP_URL itself if
    rabbitmqctl cannot create one."""
    parts = urlsplit(AMQP_URL)
    if _rabbitmqctl("add_vhost", name) and _rabbitmqctl(
        "set_permissions", "-p", name, parts.username or "guest", ".*", ".*", ".*"
    ):
        return urlunsplit(parts._replace(path="/" + quote(name, safe="")))
    print("  (rabbitmqctl could not create a virtual host: sharing AMQP_URL's)")
    return AMQP_URL


def _report_latencies(label: str, result: dict[str, list[float]]) -> None:
    for kind, samples in result.items():
        p99 = statistics.quantiles(samples, n=100, method="inclusive")[98]
        print(
            f"  {label + ', ' + kind:<46} median {statistics.median(samples) * 1000:8.1f} ms"
            f"  p99 {p99 * 1000:8.1f} ms  (n={len(samples)})"
        )


def _probe(root: Path, probe: Path, *args: str, env: dict[str, str]) -> dict[str, list[float]]:
    done = subprocess.run(
        [str(root / ".venv/bin/python"), str(probe), *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if done.returncode != 0:
        raise SystemExit(f"the saga probe failed:\n{done.stdout[-3000:]}\n{done.stderr[-5000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def bench_saga(workdir: Path) -> None:
    """Checkout saga latency of the generated example (its own user code: stock, payment)."""
    print(f"checkout saga, order.created to completion, {SAGA_ORDERS} orders one at a time")
    root = workdir / "saga-shop"
    create_project(root, example_spec("ecommerce"), overlay=example_overlay("ecommerce"))
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    if Path(sys.executable).with_name("uv").is_file():  # make install creates .venv with it
        env.setdefault("UV", str(Path(sys.executable).with_name("uv")))
    installed = subprocess.run(
        ["make", "install"], cwd=root, env=env, capture_output=True, text=True, timeout=900
    )
    if installed.returncode != 0:
        raise SystemExit(f"make install failed:\n{installed.stderr[-3000:]}")
    probe = workdir / "saga_probe.py"
    probe.write_text(SAGA_PROBE)
    _report_latencies("embedded", _probe(root, probe, "embedded", str(SAGA_ORDERS), env=env))

    if not (_answers("127.0.0.1", 5432) and _answers("127.0.0.1", 5672)):
        print("  distributed: skipped, PostgreSQL or RabbitMQ does not answer")
        return
    ports = {
        name: str(_free_port())
        for name in ("GATEWAY", "USERS", "PRODUCTS", "ORDERS", "PAYMENTS", "SHIPPING")
    }
    prefix = f"b{uuid.uuid4().hex[:8]}_"
    vhost = f"saga-bench-{prefix.rstrip('_')}"
    up_env = {
        **{k: v for k, v in env.items() if not k.endswith(("_DATABASE_URL", "_PORT"))},
        **{f"{name}_PORT": port for name, port in ports.items()},
        "APP_ENV": "test",
        "JWT_SECRET": "bench-secret-0123456789-abcdefghijklmnop",
        "LOG_LEVEL": "WARNING",
        "DATABASE_NAME_PREFIX": prefix,
        "POSTGRES_SERVER_URL": POSTGRES_SERVER_URL,
        "AMQP_URL": _private_vhost(vhost),
    }
    run_dir = workdir / "saga-run"  # its own .run/ and no .env
    run_dir.mkdir()

    def system(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(root / ".venv/bin/python"), "-m", "system", *args],
            cwd=run_dir,
            env=up_env,
            capture_output=True,
            text=True,
            timeout=300,
        )

    try:
        started = system("up", "--timeout", "180")
        if started.returncode != 0:
            raise SystemExit(f"system up failed:\n{started.stderr[-5000:]}")
        urls = [f"http://127.0.0.1:{ports[name]}" for name in ("GATEWAY", "ORDERS")]
        result = _probe(root, probe, "distributed", str(SAGA_ORDERS), *urls, env=env)
        _report_latencies("distributed (RabbitMQ, PostgreSQL)", result)
    finally:
        system("down")
        _rabbitmqctl("delete_vhost", vhost)
        for service in ("users", "products", "orders", "payments", "shipping"):
            subprocess.run(
                [
                    "psql",
                    POSTGRES_SERVER_URL + "/postgres",
                    "-qc",
                    f'DROP DATABASE IF EXISTS "{prefix}shop_{service}"',
                ],
                capture_output=True,
                check=False,
            )


BENCHMARKS = {"new": bench_new, "sync": bench_sync, "saga": bench_saga}


def _load() -> str:
    return f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs"


def main(selected: list[str]) -> None:
    print(f"{_load()} at the start (a busy machine stretches wall times)")
    with tempfile.TemporaryDirectory(prefix="shopgen-bench-") as tmp:
        for name in selected or list(BENCHMARKS):
            BENCHMARKS[name](Path(tmp))
    print(f"{_load()} at the end")


if __name__ == "__main__":
    main(sys.argv[1:])
