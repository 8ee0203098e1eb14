"""The generated e-commerce example in distributed mode: `make up` starts one process per service
and the gateway against this machine's PostgreSQL and RabbitMQ, and each service stops and
starts on its own while the rest keep serving.

Every service and the gateway get a free port (`<SERVICE>_PORT`, `GATEWAY_PORT`), and the
databases a per-run name prefix (`DATABASE_NAME_PREFIX`) so that the run shares nothing with a
developer's `make up`; they are dropped at the end. Skipped, saying why, only where PostgreSQL
or RabbitMQ does not answer.
"""

from __future__ import annotations

import os
import socket
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from shopgen.generate import create_project, example_overlay, example_spec
from shopgen.spec import load_spec
from shopgen.view import ProjectView

pytestmark = pytest.mark.slow

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
AMQP_URL = os.environ.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")

DROP_DATABASES = """
import asyncio
from runtime.databases import drop_database
from system.distributed import Config, plan

async def main():
    for process in plan([], Config()):
        if process.database_url:
            await drop_database(process.database_url)

asyncio.run(main())
"""


@dataclass
class System:
    root: Path
    env: dict[str, str]
    gateway: str

    def run(self, *args: str, timeout: int = 900) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            args, cwd=self.root, env=self.env, capture_output=True, text=True, timeout=timeout
        )

    def make(self, *targets: str, **variables: str) -> subprocess.CompletedProcess[str]:
        return self.run("make", *targets, *(f"{k}={v}" for k, v in variables.items()))

    def system(self, *args: str) -> subprocess.CompletedProcess[str]:
        return self.run(".venv/bin/python", "-m", "system", *args, timeout=300)


def _require(url: str, default_port: int, what: str, variable: str) -> None:
    parts = urlsplit(url)
    try:
        socket.create_connection((parts.hostname or "127.0.0.1", parts.port or default_port), 5)
    except OSError as exc:
        pytest.skip(f"no {what} answers at {url} (set {variable}): {exc}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    _require(POSTGRES_URL, 5432, "PostgreSQL", "TEST_POSTGRES_URL")
    _require(AMQP_URL, 5672, "RabbitMQ", "AMQP_URL")
    root = tmp_path_factory.mktemp("distributed") / "shop"
    spec = example_spec("ecommerce")
    create_project(root, spec, overlay=example_overlay("ecommerce"))
    view = ProjectView(load_spec(spec))

    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("VIRTUAL_ENV", "PYTHONPATH", "CONSUL_HTTP_ADDR")
        and not key.endswith(("_DATABASE_URL", "_PORT"))
    }
    server = POSTGRES_URL.rsplit("/", 1)[0]
    env.update(
        POSTGRES_SERVER_URL=server,
        AMQP_URL=AMQP_URL,
        DATABASE_NAME_PREFIX=f"t{uuid.uuid4().hex[:8]}_",
        GATEWAY_PORT=str(_free_port()),
    )
    for service in view.services:
        env[f"{service.env_prefix}_PORT"] = str(_free_port())
    shop = System(root, env, f"http://127.0.0.1:{env['GATEWAY_PORT']}")

    installed = shop.make("install")
    assert installed.returncode == 0, installed.stdout[-3000:] + installed.stderr[-3000:]
    try:
        started = shop.make("up")
        assert started.returncode == 0, started.stdout[-3000:] + started.stderr[-5000:]
        assert f"Gateway: {shop.gateway}" in started.stdout
        yield shop
    finally:
        stopped = shop.make("down")
        dropped = shop.run(".venv/bin/python", "-c", DROP_DATABASES)
    assert stopped.returncode == 0, stopped.stderr
    assert dropped.returncode == 0, dropped.stderr


def _log_in(client: httpx.Client) -> str:
    account = {
        "email": f"buyer-{uuid.uuid4().hex[:8]}@example.com",
        "name": "Buyer",
        "password": "correct horse battery staple",
    }
    registered = client.post("/api/users/register", json=account)
    assert registered.status_code == 201, registered.text
    credentials = {"email": account["email"], "password": account["password"]}
    logged_in = client.post("/api/users/login", json=credentials)
    assert logged_in.status_code == 200, logged_in.text
    return logged_in.json()["access_token"]


def _create_product(client: httpx.Client, token: str, stock: int = 5) -> dict:
    product = {"name": f"Lamp {uuid.uuid4().hex[:6]}", "price": "19.90", "stock": stock}
    headers = {"Authorization": f"Bearer {token}"}
    created = client.post("/api/products", json=product, headers=headers)
    assert created.status_code == 201, created.text
    return created.json()


def test_every_process_is_ready_and_reported_by_status(shop: System) -> None:
    status = shop.make("status")
    assert status.returncode == 0, status.stdout + status.stderr
    lines = [line for line in status.stdout.splitlines() if "pid" in line]
    assert {line.split()[0] for line in lines} == {
        "users", "products", "orders", "payments", "shipping", "gateway",
    }  # fmt: skip
    assert all(line.split()[1] == "ready," for line in lines), status.stdout


def test_register_log_in_and_create_a_product_through_the_gateway(shop: System) -> None:
    with httpx.Client(base_url=shop.gateway, timeout=30) as client:
        token = _log_in(client)
        product = _create_product(client, token)
        fetched = client.get(f"/api/products/{product['id']}")
        assert fetched.status_code == 200, fetched.text
        assert fetched.json()["name"] == product["name"]


def test_one_service_stops_and_starts_on_its_own(shop: System) -> None:
    with httpx.Client(base_url=shop.gateway, timeout=30) as client:
        token = _log_in(client)
        product = _create_product(client, token)

        stopped = shop.system("down", "products")
        assert stopped.returncode == 0 and "Stopped: products" in stopped.stdout, stopped.stderr
        unavailable = client.get(f"/api/products/{product['id']}")
        assert unavailable.status_code in (502, 503), unavailable.text
        assert _log_in(client)  # the rest keep serving

        started = shop.system("up", "products")
        assert started.returncode == 0, started.stdout + started.stderr
        assert "Ready: products" in started.stdout
        again = client.get(f"/api/products/{product['id']}")
        assert again.status_code == 200, again.text  # its data lives on in its database
        assert again.json()["stock"] == product["stock"]
