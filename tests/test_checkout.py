"""The e-commerce example's checkout saga, end to end, on a generated repository.

The scenarios are the example's own tests (src/shopgen/examples/ecommerce/tests/custom/
test_checkout.py, which `new --example ecommerce` lays into the repository as user code). They
run once, with the repository's own pytest after `make install`, in embedded mode and in
distributed mode against this machine's PostgreSQL and RabbitMQ; each scenario is then one
test here, so that a failure names the scenario and shows its report. A scenario the inner run
skipped (no PostgreSQL or RabbitMQ answering) is skipped here with the same reason.
"""

from __future__ import annotations

import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.helpers import clean_env

pytestmark = pytest.mark.slow

INNER = "tests/custom/test_checkout.py"
BOTH_MODES = [
    "test_a_checkout_is_paid_and_shipped",
    "test_a_declined_payment_cancels_and_gives_the_stock_back",
    "test_short_stock_cancels_without_a_charge",
    "test_read_models_show_the_outcomes",
    "test_concurrent_checkouts_never_oversell",
    "test_attacks_are_refused_at_the_gateway_and_at_the_services",
]
SCENARIOS = [
    *(f"{name}[{mode}]" for name in BOTH_MODES for mode in ("embedded", "distributed")),
    "test_unknown_products_are_refused",
    "test_a_deleted_user_cannot_order",
    "test_a_duplicated_event_has_one_effect",
    "test_a_repeated_compensation_releases_once",
    "test_a_poison_message_is_dead_lettered_while_orders_flow",
    "test_orders_go_through_on_the_users_fallback_while_users_is_down",
    "test_orders_placed_while_products_is_down_complete_when_it_is_back",
]


def _run(root: Path, *command: str, timeout: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=root, env=clean_env(), capture_output=True, text=True, timeout=timeout
    )


@pytest.fixture(scope="module")
def outcomes(installed_repo) -> dict[str, ET.Element]:
    """Each inner scenario's JUnit test case, by name."""
    root = installed_repo("ecommerce")
    report = root.parent / "checkout.xml"
    inner = _run(
        root,
        ".venv/bin/pytest",
        INNER,
        f"--junitxml={report}",
        "-p",
        "no:cacheprovider",
        timeout=1800,
    )
    assert report.is_file(), inner.stdout[-5000:] + inner.stderr[-3000:]
    cases = ET.parse(report).getroot().iter("testcase")
    return {case.get("name", ""): case for case in cases}


# The distributed scenarios run against PostgreSQL and RabbitMQ.
_SERVERS = (pytest.mark.postgres, pytest.mark.rabbitmq)


@pytest.mark.parametrize(
    "scenario",
    [pytest.param(s, marks=_SERVERS if "[distributed]" in s else ()) for s in SCENARIOS],
)
def test_checkout_scenario(outcomes: dict[str, ET.Element], scenario: str) -> None:
    case = outcomes.get(scenario)
    assert case is not None, f"{scenario} did not run; ran: {sorted(outcomes)}"
    skipped = case.find("skipped")
    if skipped is not None:
        pytest.skip(skipped.get("message", "skipped by the generated repository's test"))
    problems = [el for el in (case.find("failure"), case.find("error")) if el is not None]
    assert not problems, "\n".join(f"{el.get('message')}\n{el.text}" for el in problems)


def test_no_scenario_goes_unchecked(outcomes: dict[str, ET.Element]) -> None:
    assert sorted(outcomes) == sorted(SCENARIOS)
