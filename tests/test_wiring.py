"""How services are wired to events: payloads, sagas, stubs, read models, their own queues.

These check the view's decisions and the rendered text; the generated repositories' own tests
(tests/test_events.py, services/*/tests/test_migrations.py) run them, in
tests/test_generated_repos.py.
"""

from __future__ import annotations

import ast
import re

import pytest

from shopgen.format import format_python
from shopgen.merge import Policy
from shopgen.policy import policy_for
from shopgen.render import render_project
from shopgen.spec import load_spec
from shopgen.view import ProjectView
from tests.helpers import EXAMPLE, FIXTURES


@pytest.fixture(scope="module")
def shop() -> ProjectView:
    return ProjectView(load_spec(EXAMPLE))


@pytest.fixture(scope="module")
def chain() -> ProjectView:
    return ProjectView(load_spec(FIXTURES / "chain12.yaml"))


@pytest.fixture(scope="module")
def chain_files(chain: ProjectView) -> dict[str, str]:
    return {
        path: data.decode() for path, data in format_python(render_project(chain.context())).items()
    }


def saga_block(events_py: str, constant: str) -> str:
    start = events_py.index(f"{constant} = SagaDefinition(")
    return events_py[start : events_py.index("\n)\n", start)]


def test_a_saga_is_rendered_identically_in_every_service_taking_part(chain_files):
    saga = "PLACE_PURCHASE_SAGA"
    blocks = {
        service: saga_block(chain_files[f"services/{service}/events.py"], saga)
        for service in ("checkout", "inventory", "warehouse", "carriers")
    }
    assert len(set(blocks.values())) == 1
    assert saga not in chain_files["services/pricing/events.py"]
    assert 'compensation_action="free_bin"' in blocks["checkout"]


def test_each_service_registers_its_roles(shop: ProjectView):
    files = {p: d.decode() for p, d in format_python(render_project(shop.context())).items()}
    orders = files["services/orders/events.py"]
    assert "events.saga_owner(CHECKOUT_SAGA, entity_updater(models.Order))" in orders
    assert "events.read_model(" in orders and 'group_by="day"' in orders
    products = files["services/products/events.py"]
    assert "events.saga_participant(CHECKOUT_SAGA, CHECKOUT_ACTIONS)" in products
    assert '"release_stock": release_stock' in products
    shipping = files["services/shipping/events.py"]
    assert 'events.consume("shipping.initiate", create_shipment)' in shipping


def test_publishers_do_not_declare_their_consumers_queues(shop: ProjectView):
    """A consumer's queues are its own: declared from its events.py by the deploy step
    (`python -m system migrate` / `up`) and at its start, never in a publisher's events.py."""
    files = {p: d.decode() for p, d in render_project(shop.context()).items()}
    events = {p: t for p, t in files.items() if p.endswith("/events.py")}
    assert events
    for path, text in events.items():
        assert "declare_queue" not in text, path
        for name in ("consumer_queue", "saga_step_queue", "read_model_queue"):
            assert name not in text, f"{path} names another service's queue ({name})"


def test_default_action_stubs_return_what_their_success_reply_needs(chain: ProjectView):
    actions = {a.function: a for s in chain.services for a in s.actions}
    # bin.allocated adds bin_code, which nothing earlier in the saga carried
    assert actions["allocate_bin"].success_names == ["bin_code"]
    # stock.reserved only repeats the saga key
    assert actions["reserve_stock"].success_names == []
    assert actions["allocate_bin"].failure_fields == ["reason=..."]
    assert actions["free_bin"].compensation and actions["free_bin"].payload.name == "stock.reserved"


def test_stubs_have_the_documented_signatures(chain_files):
    stub = chain_files["services/warehouse/custom/actions/allocate_bin.py"]
    assert (
        "async def allocate_bin(ctx: SagaContext, payload: StockReserved) -> StepResult | None:"
        in stub
    )
    assert "StepResult.failure(reason=...)" in stub
    handler = chain_files["services/notifications/custom/handlers/apologise.py"]
    assert "async def apologise(ctx: EventContext, payload: PurchaseFailed) -> None:" in handler
    hooks = chain_files["services/checkout/custom/hooks/purchase.py"]
    assert (
        "async def before_create_purchase(ctx: Context, data: PurchaseCreate) -> PurchaseCreate:"
        in hooks
    )
    for text in (stub, handler, hooks):
        ast.parse(text)


def test_one_stub_module_per_handler_action_and_entity_all_user_owned(chain_files):
    stubs = sorted(p for p in chain_files if "/custom/" in p and p.endswith(".py"))
    assert "services/notifications/custom/handlers/notify_customer.py" in stubs
    assert "services/notifications/custom/handlers/apologise.py" in stubs
    assert "services/inventory/custom/actions/release_stock.py" in stubs
    for path in stubs:
        assert policy_for(path) is Policy.USER, path
        assert chain_files[path].startswith("# Scaffolded once by shopgen.")
    for generated in ("events.py", "payloads.py", "api/read_models.py"):
        assert policy_for(f"services/tracking/{generated}") is Policy.GENERATED


def test_entity_events_are_written_to_the_outbox_before_commit(chain_files):
    router = chain_files["services/fulfilment/api/shipment.py"]
    update = router[router.index("async def update_shipment") :]
    emit, commit = update.index('"shipment.updated"'), update.index("await session.commit()")
    assert emit < commit
    assert "shipment_id=shipment.id" in update
    create = router[router.index("async def create_shipment") :]
    assert create.index("await session.flush()") < create.index('"shipment.created"')


def test_payload_fields_an_entity_may_leave_empty_are_optional(chain: ProjectView):
    updated = chain.event_by_name["shipment.updated"]
    assert "carrier: str | None = None" in updated.declarations
    assert "status: str" in updated.declarations
    # not emitted by an entity: as declared
    assert "carrier: str" in chain.event_by_name["purchase.completed"].declarations


def test_read_model_tables_and_endpoints(shop: ProjectView):
    summary, daily = shop.service_by_name["orders"].read_models
    assert (summary.table, summary.path, summary.keyed) == (
        "order_summary",
        "/order-summaries",
        True,
    )
    columns = {c.name: (c.column_type, c.primary_key) for c in summary.columns}
    assert columns == {
        "order_id": ("sa.Uuid()", True),
        "user_id": ("sa.Uuid()", False),
        "total": ("sa.Numeric(12, 2)", False),
        "status": ("sa.String(255)", False),
    }
    assert summary.query_params == ["user_id: uuid.UUID | None = None", "status: str | None = None"]
    assert (daily.path, daily.keyed) == ("/daily-sales", False)
    assert [(c.name, c.counter) for c in daily.columns] == [
        ("day", False),
        ("orders", True),
        ("revenue", True),
        ("paid_orders", True),
        ("paid_revenue", True),
    ]


def test_migration_creates_the_runtime_and_read_model_tables(chain_files):
    migration = chain_files["services/tracking/migrations/versions/0001_initial.py"]
    for table in (
        "outbox",
        "processed_events",
        "saga_instances",
        "shipment_status",
        "daily_dispatches",
    ):
        assert re.search(rf'op.create_table\(\s+"{table}"', migration), table
    models = chain_files["services/tracking/models.py"]
    assert "attach_tables(Base.metadata)" in models
    assert "class ShipmentStatus(Base):" in models and "class DailyDispatches(Base):" in models


def test_the_events_test_covers_every_consumer_saga_and_read_model(chain_files):
    test = chain_files["tests/test_events.py"]
    for name in (
        "test_fulfilment_create_shipment",
        "test_notifications_notify_customer",
        "test_place_purchase_saga_completes",
        "test_place_purchase_saga_compensates_a_failure",
        "test_tracking_shipment_status_projects_events",
        "test_checkout_daily_revenue_projects_events",
    ):
        assert f"async def {name}(" in test, name
    # the last step that can fail is book-pickup: both earlier steps are undone, last first
    assert 'assert undone == ["free_bin", "release_stock"]' in test
    assert 'assert entity["failure_reason"] == "set by a test"' in test


def test_no_events_test_without_events():
    files = render_project(ProjectView(load_spec(FIXTURES / "single_sqlite.yaml")).context())
    assert "tests/test_events.py" not in files
    assert not any("/custom/handlers/" in p or "/custom/actions/" in p for p in files)
