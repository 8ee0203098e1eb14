"""Mermaid diagrams: what they show, and that Mermaid's own parser accepts them.

The parser test runs the real `mermaid` package under Node (installed once into pytest's cache
folder); it is skipped where Node or the npm registry is unavailable.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from shopgen.generate import example_spec
from shopgen.spec import load_spec, parse_spec
from shopgen.view import ProjectView
from shopgen.view.diagrams import Diagrams
from tests.helpers import FIXTURES

# Names that would end a label or smuggle markup or template syntax, a three-step saga whose
# middle step cannot fail and whose first compensation sends no reply, and a service owned by
# no capability.
AWKWARD = """\
shopgen: 1
project: {name: awkward, title: 'Title "quoted"; #1 <b>bold</b> {{ 7*7 }}'}
capabilities:
  - name: 'Billing "Pro"; #2 <i>x</i> & more'
    includes: ['Invoices; "draft" <script>', '{% raw %}']
    services: [billing]
services:
  billing:
    entities:
      Invoice: {fields: {total: decimal}}
  stock-keeper:
    entities:
      Item: {fields: {count: integer}}
  courier:
    entities:
      Delivery: {fields: {invoice_id: uuid}}
    consumes: {invoice.shipped: on_shipped}
events:
  invoice.created: {publisher: billing, payload: {invoice_id: uuid}}
  stock.held: {publisher: stock-keeper, payload: {invoice_id: uuid}}
  stock.short: {publisher: stock-keeper, payload: {invoice_id: uuid}}
  courier.booked: {publisher: courier, payload: {invoice_id: uuid}}
  payment.taken: {publisher: billing, payload: {invoice_id: uuid}}
  payment.refused: {publisher: billing, payload: {invoice_id: uuid, reason: string}}
  courier.cancelled: {publisher: courier, payload: {invoice_id: uuid}}
  invoice.shipped: {publisher: billing, payload: {invoice_id: uuid}}
sagas:
  ship-it:
    owner: billing
    entity: Invoice
    trigger: invoice.created
    steps:
      - name: hold-stock
        service: stock-keeper
        action: hold
        replies: {success: stock.held, failure: stock.short}
        compensation: {action: unhold}
      - name: book
        service: courier
        action: book
        replies: {success: courier.booked}
        compensation: {action: cancel_booking, reply: courier.cancelled}
      - name: charge
        service: billing
        action: take_payment
        replies: {success: payment.taken, failure: payment.refused}
    on_success: {set: {total: 0}, publish: invoice.shipped}
    on_failure: {set: {total: 1}}
"""


def _diagrams(text: str) -> Diagrams:
    return ProjectView(parse_spec(text)).diagrams


@pytest.fixture(scope="module")
def shop() -> Diagrams:
    return ProjectView(load_spec(example_spec("ecommerce"))).diagrams


@pytest.fixture(scope="module")
def awkward() -> Diagrams:
    return _diagrams(AWKWARD)


def test_labels_show_awkward_names_literally(awkward: Diagrams) -> None:
    text = awkward.capabilities
    assert '"Billing #quot;Pro#quot;#59; #35;2 #lt;i#gt;x#lt;/i#gt; & more"' in text
    assert "{{ 7*7 }}" in text and "{% raw %}" in text  # shown as text, never evaluated
    assert "<script>" not in text and "<b>" not in text
    # Every label is one quoted string: no stray quote can end it early.
    for line in text.splitlines():
        assert line.count('"') % 2 == 0, line


def test_capability_map_links_owners_and_the_unassigned(awkward: Diagrams) -> None:
    text = awkward.capabilities
    assert "cap_0 -. owned by .-> svc_billing" in text
    assert "unassigned -.- svc_stock_keeper" in text
    assert "unassigned -.- svc_courier" in text


def test_dependencies_show_routes_calls_and_databases(shop: Diagrams) -> None:
    text = shop.dependencies
    assert 'gateway -->|"/api/protected/orders (JWT)"| svc_orders' in text
    assert 'gateway -->|"/api/users"| svc_users' in text
    assert 'svc_orders -->|"timeout 2s, retries 2, breaker, fallback"| svc_users' in text
    assert 'svc_orders -->|"timeout 2s, breaker"| svc_products' in text
    assert text.count("[(") == 5  # one database per service


def test_event_consumers_cover_handlers_sagas_and_read_models(shop: Diagrams) -> None:
    consumers = {event: {(c.service, c.reason) for c in found}
                 for event, found in shop.consumers.items()}  # fmt: skip
    assert consumers["order.created"] == {
        ("products", "checkout: reserve_stock"),
        ("orders", "read model OrderSummary"),
        ("orders", "read model DailySales"),
    }
    assert ("payments", "checkout: charge") in consumers["inventory.reserved"]
    assert ("orders", "saga checkout") in consumers["payment.failed"]
    assert consumers["shipping.initiate"] == {("shipping", "create_shipment")}
    assert consumers["order.updated"] == set()
    assert "svc_orders --> ev_order_created" in shop.events


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines()]


def test_saga_blocks_are_balanced_and_branch_only_where_a_step_can_fail(
    awkward: Diagrams,
) -> None:
    lines = _lines(awkward.sagas["ship-it"])
    opened = [line for line in lines if line.startswith("alt ")]
    assert opened == ["alt stock.held", "alt payment.taken"]  # `book` has no failure reply
    assert lines.count("end") == len(opened)
    # The later step's branches nest inside the earlier step's success branch.
    assert [line for line in lines if line.startswith("else ")] == [
        "else payment.refused",
        "else stock.short",
    ]


def test_a_late_failure_compensates_completed_steps_in_reverse(awkward: Diagrams) -> None:
    lines = _lines(awkward.sagas["ship-it"])
    branch = lines[lines.index("else payment.refused") :]
    undo_booking = branch.index("svc_courier->>svc_courier: cancel_booking")
    unhold = branch.index("svc_stock_keeper->>svc_stock_keeper: unhold")
    assert undo_booking < unhold
    assert branch[undo_booking + 1] == "svc_courier-)svc_billing: courier.cancelled"
    assert "saga failed: total = 1" in branch[unhold + 1]
    # The first step's failure has nothing to compensate.
    early = lines[lines.index("else stock.short") :]
    assert early[1:4] == [
        "svc_stock_keeper-)svc_billing: stock.short",
        "Note over svc_billing: saga failed: total = 1",
        "end",
    ]


def test_saga_success_applies_the_outcome_and_publishes(shop: Diagrams) -> None:
    lines = _lines(shop.sagas["checkout"])
    success = lines.index("Note over svc_orders: saga completed: status = payment_confirmed")
    assert lines[success + 1] == "svc_orders-)svc_shipping: shipping.initiate"
    assert lines[success - 1] == "svc_payments-)svc_orders: payment.processed"
    assert (
        "Note over svc_orders: saga failed: status = cancelled, cancel_reason = reply.reason"
        in (lines)
    )


def test_all_lists_every_diagram_in_reading_order(shop: Diagrams) -> None:
    assert list(shop.all()) == [
        "Capability map",
        "Service dependencies",
        "Event topology",
        "Saga: checkout",
    ]


# --- Mermaid's own parser ----------------------------------------------------------------

PARSE_SCRIPT = """
import { JSDOM } from "jsdom";
const dom = new JSDOM("<!doctype html><html><body></body></html>");
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import("mermaid");
const { readFileSync } = await import("node:fs");
const failures = [];
for (const [title, text] of Object.entries(JSON.parse(readFileSync(0, "utf8")))) {
  try { await mermaid.parse(text); }
  catch (error) { failures.push(`${title}: ${error.message ?? error}`); }
}
console.log(failures.join("\\n"));
process.exit(failures.length ? 1 : 0);
"""


@pytest.fixture(scope="session")
def mermaid(pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with mermaid and jsdom installed (once, into pytest's cache when enabled)."""
    if not (shutil.which("node") and shutil.which("npm")):
        pytest.skip("node and npm are needed to run Mermaid's parser")
    cache = getattr(pytestconfig, "cache", None)  # absent under `-p no:cacheprovider`
    folder = Path(cache.mkdir("mermaid")) if cache else tmp_path_factory.mktemp("mermaid")
    if not (folder / "node_modules" / "mermaid").is_dir():
        (folder / "package.json").write_text('{"private": true}', encoding="utf-8")
        installed = subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "mermaid@11", "jsdom@25"],
            cwd=folder, capture_output=True, text=True, check=False,
        )  # fmt: skip
        if installed.returncode != 0:
            pytest.skip(f"cannot install mermaid from npm: {installed.stderr[-500:]}")
    (folder / "parse.mjs").write_text(PARSE_SCRIPT, encoding="utf-8")
    return folder


SPECS = {
    "ecommerce": lambda: load_spec(example_spec("ecommerce")),
    "single_sqlite": lambda: load_spec(FIXTURES / "single_sqlite.yaml"),
    "chain12": lambda: load_spec(FIXTURES / "chain12.yaml"),
    "awkward": lambda: parse_spec(AWKWARD),
}


@pytest.mark.parametrize("name", list(SPECS))
def test_mermaid_parses_every_diagram(mermaid: Path, name: str) -> None:
    diagrams = ProjectView(SPECS[name]()).diagrams.all()
    result = subprocess.run(
        ["node", "parse.mjs"], cwd=mermaid, input=json.dumps(diagrams),
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_parser_check_can_fail(mermaid: Path) -> None:
    """The check above is only worth something if a broken diagram is caught."""
    broken = {"broken": 'flowchart LR\n    a["x"y"] --> b\n'}
    result = subprocess.run(
        ["node", "parse.mjs"], cwd=mermaid, input=json.dumps(broken),
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 1
    assert re.search(r"broken: Parse error", result.stdout)
