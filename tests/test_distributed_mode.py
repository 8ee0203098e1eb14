"""The generated e-commerce example in distributed mode: `make up` starts one process per service
and the gateway against this machine's PostgreSQL and RabbitMQ, and each service stops and
starts on its own while the rest keep serving.

Every service and the gateway get a free port (`<SERVICE>_PORT`, `GATEWAY_PORT`), the
databases a per-run name prefix (`DATABASE_NAME_PREFIX`) and the broker a throwaway virtual
host, so that the run shares nothing with a developer's `make up`; all are removed at the end.
Skipped, saying why, only where PostgreSQL or RabbitMQ does not answer.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import httpx
import pytest

from shopgen.spec import load_spec
from shopgen.view import ProjectView
from tests.helpers import FIXTURES

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


ADMIN = {"email": f"admin-{uuid.uuid4().hex[:8]}@example.com", "password": "admin-password-1"}


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


def test_local_database_names_carry_the_project_and_fit_postgresql(tmp_path: Path) -> None:
    spec = (FIXTURES / "single_sqlite.yaml").read_text()
    long_name = "a-" + "very-long-project-name-" * 2 + "and-more"  # 56 characters
    (tmp_path / "library.yaml").write_text(spec.replace("name: library", "name: library-two"))
    (tmp_path / "long.yaml").write_text(spec.replace("name: library", f"name: {long_name}"))
    names = ProjectView(load_spec(tmp_path / "library.yaml")).deploy.local_database_names
    assert names == {"catalog": "library_two_catalog"}
    (name,) = ProjectView(load_spec(tmp_path / "long.yaml")).deploy.local_database_names.values()
    assert len(name) == 63 and name.startswith("a_very_long_project_name_")


@pytest.fixture(scope="module")
def amqp_url() -> Iterator[str]:
    """AMQP_URL on a virtual host of its own, so that no other copy of the shop (same queue
    names) takes these messages; AMQP_URL itself where `rabbitmqctl` cannot make one."""
    _require(AMQP_URL, 5672, "RabbitMQ", "AMQP_URL")
    parts = urlsplit(AMQP_URL)
    vhost = f"shopgen-test-{uuid.uuid4().hex[:8]}"
    tool = shutil.which("rabbitmqctl")

    def rabbitmqctl(*args: str) -> bool:
        return bool(tool) and subprocess.run([tool, *args], capture_output=True).returncode == 0

    user = parts.username or "guest"
    if not (
        rabbitmqctl("add_vhost", vhost)
        and rabbitmqctl("set_permissions", "-p", vhost, user, ".*", ".*", ".*")
    ):
        yield AMQP_URL
        return
    try:
        yield urlunsplit(parts._replace(path="/" + quote(vhost, safe="")))
    finally:
        rabbitmqctl("delete_vhost", vhost)


@pytest.fixture(scope="module")
def shop(installed_repo: Callable[[str], Path], amqp_url: str) -> Iterator[System]:
    _require(POSTGRES_URL, 5432, "PostgreSQL", "TEST_POSTGRES_URL")
    root = installed_repo("ecommerce")  # generated with the example's code, `make install`ed
    view = ProjectView(load_spec(root / "shopgen.yaml"))

    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("VIRTUAL_ENV", "PYTHONPATH", "CONSUL_HTTP_ADDR")
        and not key.endswith(("_DATABASE_URL", "_PORT"))
    }
    server = POSTGRES_URL.rsplit("/", 1)[0]
    env.update(
        POSTGRES_SERVER_URL=server,
        AMQP_URL=amqp_url,
        DATABASE_NAME_PREFIX=f"t{uuid.uuid4().hex[:8]}_",
        GATEWAY_PORT=str(_free_port()),
    )
    for service in view.services:
        env[f"{service.env_prefix}_PORT"] = str(_free_port())
    shop = System(root, env, f"http://127.0.0.1:{env['GATEWAY_PORT']}")
    try:
        # The first admin, the way the generated README says, in the database `up` uses.
        made = shop.make(
            "admin", EMAIL=ADMIN["email"], PASSWORD=ADMIN["password"], MODE="distributed"
        )
        assert made.returncode == 0, made.stdout + made.stderr
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
    return _customer(client)[1]


def _customer(client: httpx.Client) -> tuple[str, str]:
    """A new account through the gateway: its user id and access token."""
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
    return registered.json()["id"], logged_in.json()["access_token"]


def _admin(client: httpx.Client) -> dict[str, str]:
    logged_in = client.post("/api/users/login", json=ADMIN)
    assert logged_in.status_code == 200, logged_in.text
    return {"Authorization": f"Bearer {logged_in.json()['access_token']}"}


def _create_product(client: httpx.Client, token: str, stock: int = 5) -> dict:
    """A product, created by the admin (a customer's `token` is refused: 403)."""
    product = {"name": f"Lamp {uuid.uuid4().hex[:6]}", "price": "19.90", "stock": stock}
    refused = client.post(
        "/api/products", json=product, headers={"Authorization": f"Bearer {token}"}
    )
    assert refused.status_code == 403, refused.text
    created = client.post("/api/products", json=product, headers=_admin(client))
    assert created.status_code == 201, created.text
    return created.json()


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.rabbitmq
def test_every_process_is_ready_and_reported_by_status(shop: System) -> None:
    status = shop.make("status")
    assert status.returncode == 0, status.stdout + status.stderr
    lines = [line for line in status.stdout.splitlines() if "pid" in line]
    assert {line.split()[0] for line in lines} == {
        "users", "products", "orders", "payments", "shipping", "gateway",
    }  # fmt: skip
    assert all(line.split()[1] == "ready," for line in lines), status.stdout


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.rabbitmq
def test_register_log_in_and_create_a_product_through_the_gateway(shop: System) -> None:
    with httpx.Client(base_url=shop.gateway, timeout=30) as client:
        token = _log_in(client)
        product = _create_product(client, token)
        fetched = client.get(f"/api/products/{product['id']}")
        assert fetched.status_code == 200, fetched.text
        assert fetched.json()["name"] == product["name"]


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.rabbitmq
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


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.rabbitmq
def test_a_checkout_saga_completes_across_processes(shop: System) -> None:
    """order.created -> products reserves stock -> payments charges -> the order is confirmed
    and shipping creates a shipment: every hop over RabbitMQ between separate processes."""
    with httpx.Client(base_url=shop.gateway, timeout=30) as client:
        user_id, token = _customer(client)
        headers = {"Authorization": f"Bearer {token}"}
        product = _create_product(client, token, stock=5)
        line = {"product_id": product["id"], "quantity": 2, "price": product["price"]}
        order = {"items": [line]}  # the customer is the token's, the total the server's
        placed = client.post("/api/protected/orders", json=order, headers=headers)
        assert placed.status_code == 201, placed.text
        assert placed.json()["user_id"] == user_id and placed.json()["total"] == "39.80"
        order_id = placed.json()["id"]
        admin = _admin(client)

        deadline = time.monotonic() + 60  # a bound on waiting, not an assertion on speed
        latest = placed.json()
        while latest["status"] == "created" and time.monotonic() < deadline:
            time.sleep(0.5)  # the gateway's rate limit allows 100 requests in 15 minutes
            fetched = client.get(f"/api/protected/orders/{order_id}", headers=headers)
            assert fetched.status_code == 200, fetched.text
            latest = fetched.json()
        assert latest["status"] == "payment_confirmed", latest
        assert client.get(f"/api/products/{product['id']}").json()["stock"] == 3

    shipping = f"http://127.0.0.1:{shop.env['SHIPPING_PORT']}/shipments"
    while time.monotonic() < deadline:  # shipping.initiate follows the confirmation
        response = httpx.get(shipping, params={"limit": 100}, headers=admin, timeout=30)
        shipments = response.json()["items"]
        if any(item["order_id"] == order_id for item in shipments):
            break
        time.sleep(0.5)
    else:
        pytest.fail(f"no shipment for order {order_id}")
