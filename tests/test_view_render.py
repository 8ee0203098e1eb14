"""The service templates rendered from the view: valid, ruff-clean Python for specs of every shape.

Running the generated tests is the job of tests/test_generated_repos.py (slow); this checks
in seconds that the code is well-formed and that text from the spec stays text.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from shopgen.format import format_python
from shopgen.render import render_project
from shopgen.spec import load_spec, parse_spec
from shopgen.view import ProjectView
from tests.helpers import EXAMPLE, FIXTURES
from tests.test_view import ODD_SPEC

# Realistically long names: the generated code must still fit in 100 columns as ruff lays it out.
LONG_NAMES = """\
shopgen: 1
project:
  name: long-names
defaults:
  database: sqlite
services:
  inventory-management:
    auth: issuer
    calls:
      customer-accounts:
        timeout: 1s
        breaker:
          failure_threshold: 2
          reset_timeout: 10s
        fallback:
          display_name: and a fairly long value to go with it
          another_key:
          - 1
          - 2
          - 3
    entities:
      InventoryAdjustmentEntry:
        fields:
          adjustment_reference_code:
            type: string
            unique: true
            max_length: 200
          access_passphrase:
            type: password
          adjustment_status_value:
            type: enum
            values:
            - first_value_long
            - second_value_long
            - third_value_long
            - fourth_value_long
            - fifth
            default: fifth
          warehouse_location_id:
            type: ref
            to: WarehouseLocationRecord
            optional: true
          adjustment_total_amount:
            type: decimal
            min: 0
            max: 1000000
        search:
        - adjustment_reference_code
        filter:
        - adjustment_status_value
        - warehouse_location_id
        - adjustment_total_amount
      WarehouseLocationRecord:
        fields:
          name: string
    operations:
      recalculate_inventory:
        method: POST
        path: /inventory-management/operations/{some_identifier}/do-something
        auth: required
        request:
          adjustment_line_items:
            type: list
            of:
              quantity_delta:
                type: integer
                min: 1
        response:
          recalculated_total:
            type: decimal
            min: 0
  customer-accounts:
    entities:
      CustomerAccountProfile:
        fields:
          some_field: string
    operations:
      fetch_account_summary:
        method: GET
        path: /customer-accounts/fetch/{identifier_param}
        request:
          include_history:
            type: string
            optional: true
        response:
          result_field_name: string
gateway:
  routes:
  - prefix: /api/long
    service: inventory-management
"""

# Events, a saga and read models with long names: events.py, payloads.py, the stubs and
# tests/test_events.py must still fit in 100 columns.
LONG_EVENTS = """\
shopgen: 1
project:
  name: long-events
defaults:
  database: sqlite
services:
  fulfilment-orchestration:
    entities:
      FulfilmentRequestRecord:
        fields:
          customer_account_identifier: uuid
          requested_delivery_window: {type: string, optional: true}
          fulfilment_request_status:
            type: enum
            values: [requested_by_customer, confirmed_by_warehouse, rejected_by_warehouse]
          cancellation_reason_text: {type: string, optional: true}
          accumulated_amount_value: {type: decimal, min: 0}
        emits:
          created: fulfilment_request_record.created_by_customer
          updated: fulfilment_request_record.updated_by_anyone
    read_models:
      FulfilmentRequestOverviewByCustomer:
        key: fulfilment_request_record_id
        on:
          fulfilment_request_record.created_by_customer:
            copy: [fulfilment_request_record_id, customer_account_identifier]
            set: {overview_status_text: requested_by_customer}
          warehouse_capacity.reservation_confirmed:
            set: {overview_status_text: confirmed_by_warehouse}
        query_by: [customer_account_identifier, overview_status_text]
      DailyFulfilmentRequestStatistics:
        group_by: {day: timestamp}
        on:
          fulfilment_request_record.created_by_customer:
            count: number_of_fulfilment_requests
            sum: {accumulated_amount_of_requests: accumulated_amount_value}
  warehouse-capacity-planning:
    entities:
      CapacityReservationEntry:
        fields:
          fulfilment_request_record_id: uuid
    consumes:
      fulfilment_request_record.updated_by_anyone: react_to_an_updated_fulfilment_request_record
events:
  fulfilment_request_record.created_by_customer:
    publisher: fulfilment-orchestration
    payload:
      fulfilment_request_record_id: uuid
      customer_account_identifier: uuid
      accumulated_amount_value: decimal
  fulfilment_request_record.updated_by_anyone:
    publisher: fulfilment-orchestration
    payload:
      fulfilment_request_record_id: uuid
      fulfilment_request_status: string
      requested_delivery_window: string
  warehouse_capacity.reservation_confirmed:
    publisher: warehouse-capacity-planning
    payload:
      fulfilment_request_record_id: uuid
      capacity_reservation_entry_identifier: uuid
      assigned_warehouse_location_code: string
  warehouse_capacity.reservation_rejected:
    publisher: warehouse-capacity-planning
    payload:
      fulfilment_request_record_id: uuid
      rejection_reason_description: string
  warehouse_capacity.reservation_released:
    publisher: warehouse-capacity-planning
    payload:
      fulfilment_request_record_id: uuid
      released_capacity_units_count: integer
sagas:
  reserve-warehouse-capacity-for-a-fulfilment-request:
    owner: fulfilment-orchestration
    entity: FulfilmentRequestRecord
    trigger: fulfilment_request_record.created_by_customer
    steps:
      - name: reserve-warehouse-capacity-for-the-request
        service: warehouse-capacity-planning
        action: reserve_warehouse_capacity_for_request
        replies:
          success: warehouse_capacity.reservation_confirmed
          failure: warehouse_capacity.reservation_rejected
        compensation:
          action: release_reserved_warehouse_capacity
          reply: warehouse_capacity.reservation_released
      - name: second-step-run-by-the-owner-itself
        service: fulfilment-orchestration
        action: confirm_fulfilment_with_the_customer
        replies:
          success: fulfilment_request_record.updated_by_anyone
    on_success:
      set: {fulfilment_request_status: confirmed_by_warehouse}
    on_failure:
      set: {fulfilment_request_status: rejected_by_warehouse}
      copy: {cancellation_reason_text: rejection_reason_description}
"""

SPECS = {
    "ecommerce": lambda: load_spec(EXAMPLE),
    "single_sqlite": lambda: load_spec(FIXTURES / "single_sqlite.yaml"),
    "chain12": lambda: load_spec(FIXTURES / "chain12.yaml"),
    "template_injection": lambda: load_spec(FIXTURES / "template_injection.yaml"),
    "odd": lambda: parse_spec(ODD_SPEC),
    "long_names": lambda: parse_spec(LONG_NAMES),
    "long_events": lambda: parse_spec(LONG_EVENTS),
}
OWNED = ("services/", "tests/test_system.py", "tests/test_events.py")
USER_OWNED = "Scaffolded once by shopgen. This file is yours: shopgen never changes it again."
GENERATED = "Generated by shopgen from shopgen.yaml. Edit freely: shopgen sync merges your changes."


@pytest.fixture(scope="module", params=sorted(SPECS))
def rendered(request, tmp_path_factory) -> tuple[Path, dict[str, bytes]]:
    files = format_python(render_project(ProjectView(SPECS[request.param]()).context()))
    root = tmp_path_factory.mktemp(request.param)
    for path, data in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_bytes(data)
    return root, {p: d for p, d in files.items() if p.startswith(OWNED)}


def test_python_files_parse_and_carry_their_ownership_header(rendered):
    _, files = rendered
    for path, data in files.items():
        if not path.endswith(".py"):
            continue
        text = data.decode()
        ast.parse(text, filename=path)
        header = USER_OWNED if "/custom/" in path else GENERATED
        assert text.startswith(f"# {header}\n"), path


def test_generated_code_is_ruff_clean(rendered):
    root, files = rendered
    paths = sorted({p.split("/")[0] + "/" + p.split("/")[1] for p in files if "/" in p})
    paths = [p for p in paths if (root / p).exists() and p.startswith("services/")]
    paths += [p for p in ("tests/test_system.py", "tests/test_events.py") if (root / p).exists()]
    for command in (["check", "--no-cache"], ["format", "--check", "--no-cache"]):
        result = subprocess.run(
            [sys.executable, "-m", "ruff", *command, *paths],
            cwd=root,
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, result.stdout + result.stderr


def test_template_syntax_in_descriptions_stays_literal_text():
    view = ProjectView(load_spec(FIXTURES / "template_injection.yaml"))
    files = render_project(view.context())
    apps = [d.decode() for p, d in files.items() if p.endswith("/app.py")]
    assert any("{{ 7*7 }}" in text for text in apps)
    assert not any("49" in text for text in apps)
