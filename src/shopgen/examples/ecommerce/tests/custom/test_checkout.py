# Scaffolded once by shopgen. This file is yours: shopgen never changes it again.
"""The checkout saga end to end, driven through the gateway as a client would, with the shop's
own rules (custom/): stock reserved and released, payments above the card limit declined,
shipments created for paid orders. The admin who stocks the catalogue is made the way its
README says (`python -m system admin`); customers register and log in through the gateway.
The attacks the access rules must refuse are tried on the gateway and on the services' ports.

Each scenario runs in both modes:
- embedded: every service and the gateway in this process, SQLite databases in a temporary
  folder, the in-process bus;
- distributed: `python -m system up` in a temporary folder (its own `.run/`), on free ports,
  against this machine's PostgreSQL (databases with a unique name prefix, dropped afterwards)
  and RabbitMQ (a throwaway virtual host when `rabbitmqctl` may create one). Skipped, saying
  why, where PostgreSQL (TEST_POSTGRES_URL) or RabbitMQ (AMQP_URL) does not answer.
Polling waits for a saga's end with a generous deadline; nothing asserts how long anything took.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import importlib
import os
import random
import shutil
import socket
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import aio_pika
import httpx
import pytest
from sqlalchemy import select

from gateway.app import create_app as create_gateway
from gateway.settings import GatewaySettings
from runtime.databases import drop_database
from runtime.events import Envelope, consumer_queue
from runtime.events.bus import shared_memory_bus
from runtime.events.rabbit import dead_letter_queue
from runtime.events.tables import outbox
from runtime.launcher import AppSpec, bind_free_sockets, embedded, free_port
from runtime.settings import env_prefix
from runtime.testing import token_settings
from system import SERVICES
from system.admin import make_admin
from system.distributed import GATEWAY, Config, plan

FINAL = {"payment_confirmed", "cancelled"}
CARD_LIMIT = Decimal("1000.00")  # services/payments/custom/actions/charge.py
PASSWORD = "correct-horse-battery"
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
AMQP_URL = os.environ.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")


class Shop:
    """The running shop as its clients see it: the gateway, and the services themselves for
    what the gateway does not route (saga history, read models, shipments)."""

    def __init__(
        self, gateway: httpx.AsyncClient, urls: dict[str, str], deadline: float = 60.0
    ) -> None:
        self.gateway = gateway
        self.urls = urls
        self.deadline = deadline
        self.admin: dict[str, str] = {}  # the admin's Authorization header, once logged in

    def service(self, name: str, path: str) -> str:
        return self.urls[name] + path

    async def log_in(self, email: str) -> dict[str, str]:
        login = {"email": email, "password": PASSWORD}
        response = await self.gateway.post("/api/users/login", json=login)
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    async def customer(self) -> tuple[str, dict[str, str]]:
        """A new account: its user id and the Authorization header of its login."""
        account = {"email": f"c-{uuid.uuid4().hex}@example.com", "name": "C", "password": PASSWORD}
        response = await self.gateway.post("/api/users/register", json=account)
        assert response.status_code == 201, response.text
        return response.json()["id"], await self.log_in(account["email"])

    async def product(self, price: str, stock: int) -> str:
        payload = {"name": f"p-{uuid.uuid4().hex[:8]}", "price": price, "stock": stock}
        response = await self.gateway.post("/api/products", json=payload, headers=self.admin)
        assert response.status_code == 201, response.text
        return response.json()["id"]

    async def stock(self, product_id: str) -> int:
        response = await self.gateway.get(f"/api/products/{product_id}")
        assert response.status_code == 200, response.text
        return response.json()["stock"]

    async def place(
        self, user: tuple[str, dict[str, str]], *items: tuple[str, int], price: str = "0.01"
    ) -> httpx.Response:
        """POST an order. The prices sent are wrong unless `price` is right: the order must
        store the prices and total the products service knows. The customer is the token's;
        the total is the server's (a client cannot send either)."""
        _, headers = user
        lines = [{"product_id": p, "quantity": q, "price": price} for p, q in items]
        order = {"items": lines}
        return await self.gateway.post("/api/protected/orders", json=order, headers=headers)

    async def checkout(
        self, user: tuple[str, dict[str, str]], *items: tuple[str, int], price: str = "0.01"
    ) -> dict[str, Any]:
        response = await self.place(user, *items, price=price)
        assert response.status_code == 201, response.text
        return response.json()

    async def settled(self, user: tuple[str, dict[str, str]], order_id: str) -> dict[str, Any]:
        """The order once its saga has ended (its status is final)."""

        async def final() -> dict[str, Any] | None:
            response = await self.gateway.get(f"/api/protected/orders/{order_id}", headers=user[1])
            assert response.status_code == 200, response.text
            order = response.json()
            return order if order["status"] in FINAL else None

        return await eventually(final, self.deadline, f"order {order_id} never settled")

    async def saga(self, order_id: str) -> dict[str, Any]:
        """The checkout saga of an order once it has ended, with its history."""

        async def ended() -> dict[str, Any] | None:
            response = await self.gateway.get(
                self.service("orders", "/sagas"),
                params={"name": "checkout", "key": order_id},
                headers=self.admin,
            )
            assert response.status_code == 200, response.text
            sagas = response.json()
            return sagas[0] if sagas and sagas[0]["status"] in ("completed", "failed") else None

        return await eventually(ended, self.deadline, f"the saga of {order_id} never ended")

    async def rows(
        self, user: tuple[str, dict[str, str]], path: str, order_id: str
    ) -> list[dict[str, Any]]:
        """Every row of a protected collection (payments, shipments) that names the order;
        the customer may not list them (403), the admin may."""
        response = await self.gateway.get(path, headers=user[1])
        assert response.status_code == 403, response.text
        found, offset = [], 0
        while True:
            response = await self.gateway.get(
                path, params={"limit": 100, "offset": offset}, headers=self.admin
            )
            assert response.status_code == 200, response.text
            page = response.json()
            found += [row for row in page["items"] if row["order_id"] == order_id]
            offset += len(page["items"])
            if not page["items"] or offset >= page["total"]:
                return found

    async def summaries(self, **query: str) -> list[dict[str, Any]]:
        """OrderSummary rows (the orders service's read model) matching the query."""
        response = await self.gateway.get(
            self.service("orders", "/order-summaries"),
            params={**query, "limit": 100},
            headers=self.admin,
        )
        assert response.status_code == 200, response.text
        return response.json()["items"]

    async def daily_sales(self) -> dict[str, Decimal]:
        """Today's DailySales row: orders placed and their value, orders paid and the amount
        paid; zeros before the first."""
        response = await self.gateway.get(
            self.service("orders", "/daily-sales"), headers=self.admin
        )
        assert response.status_code == 200, response.text
        today = dt.datetime.now(dt.UTC).date().isoformat()
        columns = ("orders", "revenue", "paid_orders", "paid_revenue")
        for row in response.json()["items"]:
            if row["day"] == today:
                return {column: Decimal(str(row[column] or 0)) for column in columns}
        return dict.fromkeys(columns, Decimal(0))

    async def payments(self, user: tuple[str, dict[str, str]], order_id: str) -> list[dict]:
        return await self.rows(user, "/api/protected/payments", order_id)

    async def shipments(self, user: tuple[str, dict[str, str]], order_id: str) -> list[dict]:
        return await self.rows(user, self.service("shipping", "/shipments"), order_id)


async def eventually(probe: Callable[[], Awaitable[Any]], deadline: float, message: str) -> Any:
    """Poll `probe` until it returns something other than None."""
    loop = asyncio.get_running_loop()
    end = loop.time() + deadline
    while True:
        found = await probe()
        if found is not None:
            return found
        if loop.time() > end:
            pytest.fail(message)
        await asyncio.sleep(0.1)


class EmbeddedShop(Shop):
    """Embedded mode, with the apps at hand (their databases, the shared bus)."""

    def __init__(
        self, gateway: httpx.AsyncClient, urls: dict[str, str], apps: dict[str, Any]
    ) -> None:
        super().__init__(gateway, urls)
        self.apps = apps

    async def published(self, event_type: str, order_id: str) -> Envelope:
        """The envelope the orders service wrote to its outbox for this order."""
        async with self.apps["orders"].state.db.session() as session:
            bodies = await session.scalars(
                select(outbox.c.body).where(outbox.c.event_type == event_type)
            )
            for body in bodies:
                envelope = Envelope.from_bytes(body)
                # Events name the order; the saga's commands carry it as their key.
                if order_id in (envelope.data.get("order_id"), envelope.data.get("key")):
                    return envelope
        raise AssertionError(f"no {event_type} in the outbox for {order_id}")


@pytest.fixture
async def embedded_shop(tmp_path: Path) -> AsyncIterator[EmbeddedShop]:
    # Bound now and handed to the servers, so that no other process can take a port meanwhile.
    sockets = bind_free_sockets([*SERVICES, "gateway"])
    ports = {name: sock.getsockname()[1] for name, sock in sockets.items()}
    shared = {
        "app_env": "test",
        **token_settings(),
        "service_urls": {name: f"http://127.0.0.1:{ports[name]}" for name in SERVICES},
        "consul_http_addr": None,
        "event_bus": "memory",
    }
    apps: dict[str, Any] = {}
    admin = f"admin-{uuid.uuid4().hex[:8]}@example.com"
    await make_admin(admin, PASSWORD, f"sqlite+aiosqlite:///{tmp_path / 'users'}.db")
    for name, info in SERVICES.items():
        config = importlib.import_module(f"services.{info.module}.config")
        database_url = f"sqlite+aiosqlite:///{tmp_path / info.module}.db"
        settings = config.Settings(port=ports[name], database_url=database_url, **shared)
        apps[name] = importlib.import_module(info.app_module).create_app(settings)
    specs = [AppSpec(name, app, ports[name]) for name, app in apps.items()]
    # No rate limit: the concurrency test alone sends more requests than a client may.
    specs.append(AppSpec("gateway", create_gateway(GatewaySettings(**shared), rate_limit=None)))
    async with (
        embedded(specs, sockets=sockets) as system,
        httpx.AsyncClient(base_url=system.urls["gateway"], timeout=30) as gateway,
    ):
        shop = EmbeddedShop(gateway, system.urls, apps)
        shop.admin = await shop.log_in(admin)
        yield shop


@dataclass
class Distributed:
    """The processes `python -m system up` started, run from `workdir` with `env`."""

    workdir: Path
    env: dict[str, str]
    urls: dict[str, str]
    amqp_url: str

    admin: str = ""

    def system(self, *args: str, **env: str) -> None:
        command = [sys.executable, "-m", "system", *args]
        result = subprocess.run(
            command,
            cwd=self.workdir,
            env=self.env | env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stdout + result.stderr + self.logs()

    def logs(self) -> str:
        """The end of every process's log."""
        return "".join(
            f"\n--- {log.name}\n{log.read_text()[-3000:]}"
            for log in sorted((self.workdir / ".run").glob("*.log"))
        )


class _ReportingTransport(httpx.AsyncHTTPTransport):
    """When the gateway cannot be reached, says which processes run and what they logged."""

    def __init__(self, system: Distributed) -> None:
        super().__init__()
        self.system = system

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return await super().handle_async_request(request)
        except httpx.ConnectError as exc:
            status = subprocess.run(
                [sys.executable, "-m", "system", "status"],
                cwd=self.system.workdir,
                env=self.system.env,
                capture_output=True,
                text=True,
                timeout=60,
            )
            report = f"{exc}\n{status.stdout}{status.stderr}{self.system.logs()}"
            raise httpx.ConnectError(report, request=request) from exc


class DistributedShop(Shop):
    """Distributed mode: the processes, and the broker they share."""

    def __init__(self, gateway: httpx.AsyncClient, system: Distributed) -> None:
        super().__init__(gateway, system.urls, deadline=120.0)
        self.processes = system

    async def publish_raw(self, exchange: str, routing_key: str, body: bytes) -> None:
        connection = await aio_pika.connect_robust(self.processes.amqp_url)
        async with connection:
            channel = await connection.channel()
            target = await channel.get_exchange(exchange, ensure=True)
            await target.publish(aio_pika.Message(body, delivery_mode=2), routing_key)

    async def queued(self, queue: str) -> int:
        """How many messages wait in `queue` (a passive declare changes nothing)."""
        connection = await aio_pika.connect_robust(self.processes.amqp_url)
        async with connection:
            channel = await connection.channel()
            declared = await channel.declare_queue(queue, passive=True)
            return declared.declaration_result.message_count or 0


def _require_server(url: str, default_port: int, variable: str) -> None:
    parts = urlsplit(url)
    try:
        socket.create_connection((parts.hostname or "127.0.0.1", parts.port or default_port), 5)
    except OSError as exc:
        pytest.skip(f"nothing answers at {url} (set {variable}): {exc}")


@pytest.fixture(scope="module")
def rabbitmq_url() -> Iterator[str]:
    """AMQP_URL on a virtual host of its own, so that no other run's messages meet these
    (queue names are the same in every copy of the shop); AMQP_URL as it is when the virtual
    host cannot be created here."""
    _require_server(AMQP_URL, 5672, "AMQP_URL")
    parts = urlsplit(AMQP_URL)
    vhost = f"checkout-test-{uuid.uuid4().hex[:8]}"
    tool = shutil.which("rabbitmqctl")

    def rabbitmqctl(*args: str) -> bool:
        done = subprocess.run([tool, *args], capture_output=True, timeout=120) if tool else None
        return done is not None and done.returncode == 0

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
def distributed(
    tmp_path_factory: pytest.TempPathFactory, rabbitmq_url: str
) -> Iterator[Distributed]:
    _require_server(POSTGRES_URL, 5432, "TEST_POSTGRES_URL")
    workdir = tmp_path_factory.mktemp("distributed")
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("VIRTUAL_ENV", "CONSUL_HTTP_ADDR", "SERVICE_URLS")
        and not key.endswith(("_DATABASE_URL", "_PORT"))
    }
    keys = token_settings()
    env.update(
        APP_ENV="test",
        JWT_PRIVATE_KEY=keys["jwt_private_key"],
        JWT_PUBLIC_KEY=keys["jwt_public_key"],
        SERVICE_TOKEN_SECRET=keys["service_token_secret"],
        LOG_LEVEL="WARNING",
        AMQP_URL=rabbitmq_url,
        POSTGRES_SERVER_URL=POSTGRES_URL.rsplit("/", 1)[0],
        DATABASE_NAME_PREFIX=f"t{uuid.uuid4().hex[:8]}_",
        # The tests run behind a "proxy" that spreads their requests over many client
        # addresses: the concurrency test alone sends more than the rate limit allows one.
        TRUSTED_PROXIES="127.0.0.1",
        GATEWAY_PORT=str(free_port()),
    )
    env.update({f"{env_prefix(name)}_PORT": str(free_port()) for name in SERVICES})
    config = Config(env, env_file=workdir / ".env")
    urls = {process.name: process.url for process in plan([], config)}
    system = Distributed(workdir, env, urls, rabbitmq_url)
    try:
        system.admin = f"admin-{uuid.uuid4().hex[:8]}@example.com"
        system.system("admin", system.admin, "--distributed", ADMIN_PASSWORD=PASSWORD)
        system.system("up", "--timeout", "180")
        yield system
    finally:
        system.system("down")
        asyncio.run(_drop_databases(config))


async def _drop_databases(config: Config) -> None:
    for process in plan([], config):
        if process.database_url:
            await drop_database(process.database_url)


async def _spread_clients(request: httpx.Request) -> None:
    request.headers["X-Forwarded-For"] = f"10.{random.randrange(256)}.{random.randrange(256)}.1"


@pytest.fixture
async def distributed_shop(distributed: Distributed) -> AsyncIterator[DistributedShop]:
    hooks = {"request": [_spread_clients]}
    async with httpx.AsyncClient(
        base_url=distributed.urls[GATEWAY],
        timeout=30,
        event_hooks=hooks,
        transport=_ReportingTransport(distributed),
    ) as gateway:
        shop = DistributedShop(gateway, distributed)
        shop.admin = await shop.log_in(distributed.admin)
        yield shop


@pytest.fixture(params=["embedded", "distributed"])
def shop(request: pytest.FixtureRequest) -> Shop:
    """The scenario in each mode."""
    return request.getfixturevalue(f"{request.param}_shop")


async def test_a_checkout_is_paid_and_shipped(shop: Shop) -> None:
    user = await shop.customer()
    product = await shop.product("12.50", stock=10)
    order = await shop.checkout(user, (product, 3))
    assert Decimal(order["total"]) == Decimal("37.50")  # the catalogue's, not the client's

    settled = await shop.settled(user, order["id"])
    assert settled["status"] == "payment_confirmed"
    assert settled["cancel_reason"] is None
    assert await shop.stock(product) == 7
    [payment] = await shop.payments(user, order["id"])
    assert payment["status"] == "succeeded" and Decimal(payment["amount"]) == Decimal("37.50")
    shipments = await eventually(
        lambda: _nonempty(shop.shipments(user, order["id"])), shop.deadline, "no shipment"
    )
    assert len(shipments) == 1 and shipments[0]["tracking_number"].startswith("TRK-")


async def test_a_declined_payment_cancels_and_gives_the_stock_back(shop: Shop) -> None:
    user = await shop.customer()
    product = await shop.product("600.00", stock=5)
    order = await shop.checkout(user, (product, 2))  # 1200.00, above the card limit
    assert Decimal(order["total"]) > CARD_LIMIT

    settled = await shop.settled(user, order["id"])
    assert settled["status"] == "cancelled"
    assert "declined" in settled["cancel_reason"] and "1000.00" in settled["cancel_reason"]
    assert await shop.stock(product) == 5
    [payment] = await shop.payments(user, order["id"])
    assert payment["status"] == "failed"
    assert payment["failure_reason"] == settled["cancel_reason"]
    saga = await shop.saga(order["id"])
    events = [entry["event"] for entry in saga["history"]]
    assert saga["status"] == "failed"
    assert events.index("payment.failed") < events.index("inventory.released")
    assert await shop.shipments(user, order["id"]) == []


async def test_short_stock_cancels_without_a_charge(shop: Shop) -> None:
    user = await shop.customer()
    plenty = await shop.product("1.00", stock=10)
    scarce = await shop.product("2.00", stock=1)
    order = await shop.checkout(user, (plenty, 4), (scarce, 2))

    settled = await shop.settled(user, order["id"])
    assert settled["status"] == "cancelled"
    assert "out of stock" in settled["cancel_reason"]
    # All or nothing: the item that was available was not taken either.
    assert (await shop.stock(plenty), await shop.stock(scarce)) == (10, 1)
    assert await shop.payments(user, order["id"]) == []
    events = [entry["event"] for entry in (await shop.saga(order["id"]))["history"]]
    assert "inventory.rejected" in events and "inventory.released" not in events


async def test_unknown_products_are_refused(embedded_shop: EmbeddedShop) -> None:
    shop = embedded_shop
    user = await shop.customer()
    response = await shop.place(user, (str(uuid.uuid4()), 1))
    assert response.status_code == 422, response.text


async def test_a_deleted_user_cannot_order(embedded_shop: EmbeddedShop) -> None:
    """Their token still verifies until it expires, but the order names a user who is gone."""
    shop = embedded_shop
    user = await shop.customer()
    product = await shop.product("1.00", stock=1)
    response = await shop.gateway.delete(f"/api/users/{user[0]}", headers=shop.admin)
    assert response.status_code == 204, response.text
    response = await shop.place(user, (product, 1))
    assert response.status_code == 422, response.text


async def test_attacks_are_refused_at_the_gateway_and_at_the_services(shop: Shop) -> None:
    alice, bob = await shop.customer(), await shop.customer()
    product = await shop.product("5.00", stock=10)
    order = await shop.checkout(alice, (product, 1))
    await shop.settled(alice, order["id"])
    orders = "/api/protected/orders"
    own_port = shop.service("orders", "/orders")

    # The catalogue: anyone reads it, only admins write it.
    change = {"price": "0.00", "stock": 999999}
    assert (await shop.gateway.post("/api/products", json=change)).status_code == 401
    for headers in ({}, alice[1]):
        response = await shop.gateway.patch(
            f"/api/products/{product}", json=change, headers=headers
        )
        assert response.status_code in (401, 403), response.text
        response = await shop.gateway.delete(f"/api/products/{product}", headers=headers)
        assert response.status_code in (401, 403), response.text
    assert await shop.stock(product) == 9

    # Accounts: nobody lists them but admins; nobody else's account can be read or changed.
    users = "/api/users"
    assert (await shop.gateway.get(users)).status_code == 401
    assert (await shop.gateway.get(users, headers=alice[1])).status_code == 403
    takeover = {"password": "attacker-chosen-password"}
    for headers in ({}, alice[1]):
        response = await shop.gateway.patch(f"{users}/{bob[0]}", json=takeover, headers=headers)
        assert response.status_code in (401, 404), response.text
        response = await shop.gateway.delete(f"{users}/{bob[0]}", headers=headers)
        assert response.status_code in (401, 403), response.text
    own = await shop.gateway.patch(f"{users}/{alice[0]}", json=takeover, headers=alice[1])
    assert own.status_code == 403  # without the current password
    promoted = await shop.gateway.patch(
        f"{users}/{alice[0]}", json={"roles": ["admin"]}, headers=alice[1]
    )
    assert promoted.status_code == 403
    account = {"email": f"x-{uuid.uuid4().hex}@example.com", "name": "X", "password": PASSWORD}
    response = await shop.gateway.post("/api/users/register", json=account | {"roles": ["admin"]})
    assert response.status_code == 422 and PASSWORD not in response.text

    # Orders: each customer sees and changes only their own; status and total are the server's.
    assert (await shop.gateway.get(f"{orders}/{order['id']}", headers=bob[1])).status_code == 404
    listed = (await shop.gateway.get(orders, headers=bob[1])).json()["items"]
    assert order["id"] not in [row["id"] for row in listed]
    for changes in ({"status": "shipped"}, {"total": "0.01"}):
        for headers in (alice[1], bob[1]):
            response = await shop.gateway.patch(
                f"{orders}/{order['id']}", json=changes, headers=headers
            )
            assert response.status_code in (403, 422), response.text
    assert (await shop.gateway.delete(f"{orders}/{order['id']}", headers=bob[1])).status_code == 403
    line = [{"product_id": product, "quantity": 1, "price": "5.00"}]
    for smuggled in ({"user_id": bob[0]}, {"total": "0.01"}, {"status": "payment_confirmed"}):
        response = await shop.gateway.post(
            orders, json={"items": line, **smuggled}, headers=alice[1]
        )
        assert response.status_code == 422, response.text
    settled = (await shop.gateway.get(f"{orders}/{order['id']}", headers=alice[1])).json()
    assert settled["status"] == "payment_confirmed" and settled["user_id"] == alice[0]

    # Payments: not for customers, not even to read; a fake "succeeded" payment is refused.
    payments = "/api/protected/payments"
    fake = {"order_id": order["id"], "amount": "0.00", "status": "succeeded"}
    assert (await shop.gateway.post(payments, json=fake, headers=alice[1])).status_code == 403
    assert (await shop.gateway.get(payments, headers=alice[1])).status_code == 403

    # The services' own ports: no token, no answer; a user token is no service token.
    assert (await shop.gateway.get(own_port)).status_code == 401
    assert (await shop.gateway.get(own_port, headers=bob[1])).status_code == 200  # own rows only
    sagas = shop.service("orders", "/sagas")
    assert (await shop.gateway.get(sagas, headers=alice[1])).status_code == 403
    summaries = shop.service("orders", "/order-summaries")
    assert (await shop.gateway.get(summaries, headers=alice[1])).status_code == 403
    shipments = shop.service("shipping", "/shipments")
    assert (await shop.gateway.get(shipments)).status_code == 401
    direct = shop.service("products", "/products")
    assert (await shop.gateway.post(direct, json=change, headers=alice[1])).status_code == 403
    forged = {"Authorization": "Bearer " + alice[1]["Authorization"].split()[1][:-4] + "AAAA"}
    assert (await shop.gateway.get(own_port, headers=forged)).status_code == 401


async def test_read_models_show_the_outcomes(shop: Shop) -> None:
    """A mixed batch: paid, declined (above the card limit) and out of stock. OrderSummary
    follows each order to its real outcome; DailySales counts every order placed, and as paid
    only what was paid."""
    before = await shop.daily_sales()
    user = await shop.customer()
    cheap = await shop.product("10.00", stock=10)
    dear = await shop.product("2000.00", stock=10)
    scarce = await shop.product("3.00", stock=1)
    paid = await shop.checkout(user, (cheap, 2))
    declined = await shop.checkout(user, (dear, 1))
    short = await shop.checkout(user, (scarce, 5))
    orders = (paid, declined, short)
    outcomes = {order["id"]: (await shop.settled(user, order["id"]))["status"] for order in orders}
    assert outcomes == {
        paid["id"]: "payment_confirmed",
        declined["id"]: "cancelled",
        short["id"]: "cancelled",
    }

    async def summaries() -> dict[str, str] | None:
        rows = await shop.summaries(user_id=user[0])
        statuses = {row["order_id"]: row["status"] for row in rows}
        return statuses if statuses == outcomes else None

    await eventually(summaries, shop.deadline, "order summaries never matched the orders")
    cancelled = await shop.summaries(status="cancelled")
    assert {declined["id"], short["id"]} <= {row["order_id"] for row in cancelled}

    async def sales() -> dict[str, Decimal] | None:
        now = await shop.daily_sales()
        done = now["orders"] >= before["orders"] + 3 and now["paid_orders"] > before["paid_orders"]
        return now if done else None

    now = await eventually(sales, shop.deadline, "daily sales never caught up")
    assert now["orders"] - before["orders"] == 3
    assert now["revenue"] - before["revenue"] == Decimal("2035.00")  # placed: 20 + 2000 + 15
    assert now["paid_orders"] - before["paid_orders"] == 1
    assert now["paid_revenue"] - before["paid_revenue"] == Decimal("20.00")  # paid: 20 only


async def test_a_duplicated_event_has_one_effect(embedded_shop: EmbeddedShop) -> None:
    shop = embedded_shop
    user = await shop.customer()
    product = await shop.product("5.00", stock=10)
    order = await shop.checkout(user, (product, 2))
    await shop.settled(user, order["id"])
    bus = shared_memory_bus()
    await bus.join()

    # The broker may deliver any message twice; here the saga's trigger and the shipping
    # request are delivered again, twice each.
    for event_type, exchange in (("order.created", "orders"), ("shipping.initiate", "shipping")):
        envelope = await shop.published(event_type, order["id"])
        for _ in range(2):
            await bus.publish(exchange, event_type, envelope)
    await bus.join()

    assert await shop.stock(product) == 8
    assert len(await shop.payments(user, order["id"])) == 1
    assert len(await shop.shipments(user, order["id"])) == 1
    assert (await shop.daily_sales())["orders"] == 1


async def test_a_repeated_compensation_releases_once(embedded_shop: EmbeddedShop) -> None:
    shop = embedded_shop
    user = await shop.customer()
    product = await shop.product("600.00", stock=5)
    order = await shop.checkout(user, (product, 2))  # declined: the stock goes back once
    await shop.settled(user, order["id"])
    bus = shared_memory_bus()
    await bus.join()
    assert await shop.stock(product) == 5

    # The owner's command to undo the reservation, sent again as a new message (a new event
    # id, so the runtime's per-event deduplication does not catch it; the action must).
    command = await shop.published("saga.checkout.reserve-stock.compensate", order["id"])
    again = Envelope.build(command.type, command.data, producer="orders", cause=command)
    await bus.publish("saga.checkout", command.type, again)
    await bus.join()

    assert await shop.stock(product) == 5
    assert (await shop.settled(user, order["id"]))["status"] == "cancelled"


async def test_concurrent_checkouts_never_oversell(shop: Shop) -> None:
    product = await shop.product("3.00", stock=5)
    users = [await shop.customer() for _ in range(20)]
    orders = await asyncio.gather(*(shop.checkout(user, (product, 1)) for user in users))
    settled = await asyncio.gather(
        *(shop.settled(user, order["id"]) for user, order in zip(users, orders, strict=True))
    )
    statuses = [order["status"] for order in settled]
    assert statuses.count("payment_confirmed") == 5
    assert statuses.count("cancelled") == 15
    assert await shop.stock(product) == 0


async def _nonempty(rows: Awaitable[list[dict[str, Any]]]) -> list[dict[str, Any]] | None:
    return (await rows) or None


async def test_a_poison_message_is_dead_lettered_while_orders_flow(
    distributed_shop: DistributedShop,
) -> None:
    shop = distributed_shop
    dead_letters = dead_letter_queue(consumer_queue("shipping", "shipping.initiate"))
    before = await shop.queued(dead_letters)
    await shop.publish_raw("shipping", "shipping.initiate", b"{this is not an event")

    async def dead_lettered() -> int | None:
        count = await shop.queued(dead_letters)
        return count if count > before else None

    assert await eventually(dead_lettered, shop.deadline, "no dead letter") == before + 1
    user = await shop.customer()
    product = await shop.product("7.00", stock=3)
    order = await shop.checkout(user, (product, 1))
    assert (await shop.settled(user, order["id"]))["status"] == "payment_confirmed"
    shipments = await eventually(
        lambda: _nonempty(shop.shipments(user, order["id"])), shop.deadline, "no shipment"
    )
    assert len(shipments) == 1


async def test_orders_go_through_on_the_users_fallback_while_users_is_down(
    distributed_shop: DistributedShop,
) -> None:
    shop = distributed_shop
    user = await shop.customer()
    product = await shop.product("3.00", stock=5)
    shop.processes.system("down", "users")
    try:
        # Refused while the users breaker is closed and its calls fail; once it opens, the
        # fallback `{name: Unknown User}` is served and the order is accepted.
        responses = [await shop.place(user, (product, 1))]
        while responses[-1].status_code != 201 and len(responses) < 10:
            responses.append(await shop.place(user, (product, 1)))
        statuses = [response.status_code for response in responses]
        assert statuses[0] == 503 and statuses[-1] == 201, statuses
    finally:
        shop.processes.system("up", "users")
    order = responses[-1].json()
    assert (await shop.settled(user, order["id"]))["status"] == "payment_confirmed"


async def test_orders_placed_while_products_is_down_complete_when_it_is_back(
    distributed_shop: DistributedShop,
) -> None:
    shop = distributed_shop
    user = await shop.customer()
    product = await shop.product("4.00", stock=10)
    shop.processes.system("down", "products")
    try:
        # Taken at the prices the client states, checked when the stock is reserved.
        orders = [await shop.checkout(user, (product, 1), price="4.00") for _ in range(3)]
        cheat = await shop.checkout(user, (product, 1), price="0.40")
        everything = [*orders, cheat]
        for order in everything:
            response = await shop.gateway.get(
                f"/api/protected/orders/{order['id']}", headers=user[1]
            )
            assert response.json()["status"] == "created"  # nobody can reserve stock now
    finally:
        shop.processes.system("up", "products")

    settled = [await shop.settled(user, order["id"]) for order in everything]
    assert [order["status"] for order in settled] == ["payment_confirmed"] * 3 + ["cancelled"]
    assert "price changed" in settled[-1]["cancel_reason"]
    assert await shop.stock(product) == 7
