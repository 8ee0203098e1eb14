"""Generate real repositories and run their own toolchain: `make install`, `make lint`,
`make test`, and `make dev` serving the gateway. These take minutes; they are the proof that
the generated code works, so they are part of the default run."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from shopgen.generate import create_project, example_overlay, example_spec
from tests.helpers import FIXTURES

pytestmark = pytest.mark.slow

SPECS = {
    "ecommerce": None,
    "single_sqlite": FIXTURES / "single_sqlite.yaml",
    "chain12": FIXTURES / "chain12.yaml",
}


def make(root: Path, *targets: str, timeout: int = 900) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    return subprocess.run(
        ["make", *targets], cwd=root, env=env, capture_output=True, text=True, timeout=timeout
    )


@pytest.fixture(scope="module", params=list(SPECS))
def installed(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    name = request.param
    root = tmp_path_factory.mktemp(name) / name
    if SPECS[name] is None:
        create_project(root, example_spec("ecommerce"), overlay=example_overlay("ecommerce"))
    else:
        create_project(root, SPECS[name])
    result = make(root, "install")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return root


def test_generated_code_passes_ruff(installed: Path) -> None:
    result = make(installed, "lint")
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]


def test_generated_tests_pass(installed: Path) -> None:
    result = make(installed, "test")
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]
    assert " passed" in result.stdout


def test_make_dev_serves_the_gateway(installed: Path) -> None:
    gateway_port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env["GATEWAY_PORT"] = str(gateway_port)
    process = subprocess.Popen(
        ["make", "dev"],
        cwd=installed,
        env=env,
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 90
        ready = None
        while time.monotonic() < deadline and process.poll() is None:
            try:
                ready = httpx.get(f"http://127.0.0.1:{gateway_port}/ready", timeout=2)
                if ready.status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.5)
        assert ready is not None and ready.status_code == 200, _drain(process)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _drain(process: subprocess.Popen[str]) -> str:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
    out, _ = process.communicate(timeout=20)
    return out[-5000:]
