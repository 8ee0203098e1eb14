"""Gateway benchmark (a script, not a test): the generated gateways against nginx.

    python benchmarks/gateway.py [--rounds 3] [--duration 5] [--connections 32]
                                 [--workers 1] [--repo PATH]

One nginx serves a small JSON answer as the upstream of everything. In front of it, in the
same run: an nginx reverse proxy (the baseline), the generated Python gateway
(`python -m gateway`) and the generated HAProxy edge (`haproxy -f deploy/haproxy/haproxy.cfg`),
each on a public route and on a JWT route (nginx checks no token; the gateways do). wrk drives
them in alternating rounds (every target once per round, so a busy moment of the machine
affects all of them alike); printed: requests per second, p50/p99 latency, and each figure's
ratio to the nginx proxy of the same round (medians over the rounds), then p50 on one
kept-alive connection.

The example is generated and installed in a temporary folder (about a minute) unless `--repo`
names an installed generated repository. wrk, nginx and haproxy come from Debian
(`apt-get install wrk nginx haproxy`); a missing one is named and its targets are skipped.
On a shared machine, compare ratios, not absolute figures.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from shopgen.generate import create_project, example_overlay, example_spec

PUBLIC = "/api/products/3f1c5a6e-0000-4000-8000-000000000001"
PROTECTED = "/api/protected/orders/3f1c5a6e-0000-4000-8000-000000000001"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_port(port: int, process: subprocess.Popen | None = None, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"exited with {process.returncode}")
        with contextlib.suppress(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on {port}")


@contextlib.contextmanager
def running(command: list[str], port: int, *, env=None, cwd=None) -> Iterator[None]:
    process = subprocess.Popen(
        command,
        env={**os.environ, **(env or {})},
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_port(port, process)
        yield
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def nginx_config(folder: Path, upstream_port: int, proxy_port: int) -> Path:
    body = json.dumps({"id": "3f1c5a6e", "name": "benchmark", "price": "9.99"})
    config = folder / "nginx.conf"
    config.write_text(
        f"""
worker_processes 1;
daemon off;
pid {folder}/nginx.pid;
error_log {folder}/nginx-error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    upstream app {{ server 127.0.0.1:{upstream_port}; keepalive 64; }}
    server {{
        listen 127.0.0.1:{upstream_port};
        keepalive_requests 1000000;
        location / {{ default_type application/json; return 200 '{body}'; }}
    }}
    server {{
        listen 127.0.0.1:{proxy_port};
        keepalive_requests 1000000;
        location / {{
            proxy_pass http://app;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }}
    }}
}}
"""
    )
    return config


def install_example(folder: Path) -> Path:
    repo = folder / "shop"
    create_project(repo, example_spec("ecommerce"), overlay=example_overlay("ecommerce"))
    print("installing the generated example (make install)...", flush=True)
    subprocess.run(["make", "install"], cwd=repo, check=True, stdout=subprocess.DEVNULL)
    return repo


def tokens(folder: Path, repo: Path) -> dict[str, str]:
    """One RS256 user token, as the issuer signs it (issuer, audience, roles), and the public
    key both gateways verify it with."""
    script = f"""
import json, time, jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
open({str(folder / "jwt-public.pem")!r}, "wb").write(key.public_key().public_bytes(
    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
now = int(time.time())
claims = {{"sub": "bench", "typ": "access", "iat": now, "exp": now + 7200, "roles": [],
          "iss": "shopgen-issuer", "aud": "shopgen-api"}}
token = jwt.encode(claims, key, algorithm="RS256")
print(json.dumps({{"python": token, "haproxy": token}}))
"""
    out = subprocess.run(
        [str(repo / ".venv/bin/python"), "-c", script], check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout)


@dataclass
class Figure:
    rps: float
    p50: float  # ms
    p99: float  # ms


def _ms(text: str) -> float:
    found = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text)
    if found is None:
        raise ValueError(f"unexpected wrk latency {text!r}")
    value, unit = found.groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1e3, "m": 6e4, "h": 3.6e6}[unit]


def wrk(url: str, connections: int, duration: int, token: str | None) -> Figure:
    command = ["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{duration}s"]
    command += ["--latency", url]
    if token:
        command += ["-H", f"Authorization: Bearer {token}"]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    if re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        raise RuntimeError(f"{url} answered errors:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    return Figure(rps, p50, p99)


def status(port: int, path: str, token: str | None) -> int:
    """The status of one GET (an error status too)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=1, help="GATEWAY_WORKERS")
    parser.add_argument("--repo", type=Path, help="an installed generated example")
    args = parser.parse_args()

    missing = [tool for tool in ("wrk", "nginx") if not shutil.which(tool)]
    if missing:
        print(f"cannot run: {', '.join(missing)} not installed (apt-get install wrk nginx)")
        return 2
    haproxy = shutil.which("haproxy") or shutil.which("haproxy", path="/usr/sbin")
    if haproxy is None:
        print("haproxy is not installed (apt-get install haproxy): its targets are skipped")

    with tempfile.TemporaryDirectory(prefix="shopgen-gateway-bench-") as tmp:
        folder = Path(tmp)
        repo = args.repo.resolve() if args.repo else install_example(folder)
        keys = tokens(folder, repo)
        upstream, proxy, python_port, haproxy_port = (free_port() for _ in range(4))
        services = ["users", "products", "orders", "payments", "shipping"]
        python_env = {
            "APP_ENV": "development",
            "GATEWAY_PORT": str(python_port),
            "GATEWAY_RATE_LIMIT": "off",
            "GATEWAY_WORKERS": str(args.workers),
            "JWT_PUBLIC_KEY_FILE": str(folder / "jwt-public.pem"),
            "SERVICE_URLS": json.dumps({s: f"http://127.0.0.1:{upstream}" for s in services}),
        }
        haproxy_env = {
            "GATEWAY_PORT": str(haproxy_port),
            "GATEWAY_RATE_LIMIT": "off",
            "JWT_ALGORITHM": "RS256",
            "JWT_PUBLIC_KEY_FILE": str(folder / "jwt-public.pem"),
            **{f"{s.upper()}_UPSTREAM": f"127.0.0.1:{upstream}" for s in services},
        }
        targets = {"nginx proxy": proxy, "python gateway": python_port}
        with contextlib.ExitStack() as stack:
            config = nginx_config(folder, upstream, proxy)
            stack.enter_context(running(["nginx", "-c", str(config)], proxy))
            stack.enter_context(
                running(
                    [str(repo / ".venv/bin/python"), "-m", "gateway"],
                    python_port,
                    env=python_env,
                    cwd=repo,
                )
            )
            if haproxy:
                cfg = str(repo / "deploy/haproxy/haproxy.cfg")
                stack.enter_context(
                    running([haproxy, "-db", "-f", cfg], haproxy_port, env=haproxy_env)
                )
                targets["haproxy edge"] = haproxy_port
            report(targets, keys, args)
    return 0


def report(targets: dict[str, int], keys: dict[str, str], args: argparse.Namespace) -> None:
    token_for = {"nginx proxy": None, "python gateway": keys["python"], "haproxy edge": None}
    if "haproxy edge" in targets:
        token_for["haproxy edge"] = keys["haproxy"]
    for name, port in targets.items():  # warm up every target and route once
        for path in (PUBLIC, PROTECTED):
            wrk(f"http://127.0.0.1:{port}{path}", 4, 1, token_for[name])
    print("\nthe JWT route without a token, then with the token:")
    for name, port in targets.items():
        if token_for[name] is not None:
            refused, accepted = (status(port, PROTECTED, t) for t in (None, token_for[name]))
            print(f"  {name:<16}{refused:>5}{accepted:>5}")
    print(
        f"\n{args.connections} connections, {args.duration}s x {args.rounds} alternating rounds,"
        f" gateway workers: {args.workers} (nginx checks no token)"
    )
    for label, path in (("public route", PUBLIC), ("JWT route", PROTECTED)):
        runs: dict[str, list[Figure]] = {name: [] for name in targets}
        ratios: dict[str, list[float]] = {name: [] for name in targets}
        for _ in range(args.rounds):
            for name, port in targets.items():
                token = token_for[name] if path == PROTECTED else None
                url = f"http://127.0.0.1:{port}{path}"
                runs[name].append(wrk(url, args.connections, args.duration, token))
            for name in targets:
                ratios[name].append(runs[name][-1].rps / runs["nginx proxy"][-1].rps)
        print(f"\n{label}:")
        print(f"  {'target':<16}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'x nginx':>10}")
        for name in targets:
            rps = statistics.median(f.rps for f in runs[name])
            p50 = statistics.median(f.p50 for f in runs[name])
            p99 = statistics.median(f.p99 for f in runs[name])
            ratio = statistics.median(ratios[name])
            print(f"  {name:<16}{rps:>10.0f}{p50:>10.2f}{p99:>10.2f}{ratio:>10.3f}")
    print("\none kept-alive connection (p50 ms):")
    for name, port in targets.items():
        for label, path in (("public", PUBLIC), ("JWT", PROTECTED)):
            token = token_for[name] if path == PROTECTED else None
            figure = wrk(f"http://127.0.0.1:{port}{path}", 1, args.duration, token)
            print(f"  {name:<16}{label:<8}{figure.p50:>8.2f}")


if __name__ == "__main__":
    sys.exit(main())
