"""Concurrent load on the web servers: latency of the search API, the dataset search page and a
dataset page at 1, 4 and 16 clients, development server next to production server, same run.

    .venv/bin/python bench/load.py            (make bench-load)

1. Recreates a bench database of its own (GOVCATALOG_BENCH_DB with _load_bench for _bench:
   govcatalog_load_bench by default) and loads the demo catalog into it (`ckan govcatalog demo`)
   with the deployed plugins (deploy/ckan-settings.ini).
2. Starts, side by side on loopback ports (each idle while another is measured):
   - dev:         `ckan run --threaded` (Flask's development server, one process), workflow plugin on;
   - gunicorn:    gunicorn with deploy/gunicorn.conf.py (workers from the CPU count), workflow on;
   - gunicorn-no-workflow: the same without govcatalog_workflow, to price the workflow plugin.
3. Warm-up, then for every endpoint and every number of clients, CELL_SECONDS of requests from that
   many threads, each with one keep-alive HTTP connection, on each server in turn (back to back, so
   that the comparisons share the load of the rest of the machine). Anonymous visitors,
   plus the search page as a signed-in approver (an API token in the Authorization header), whose
   pages carry the workflow's approvals badge.
Prints p50/p95/max/errors per cell and the ratio gunicorn/dev; writes bench/results/load.json.
The clients run on the same CPUs as the server: what they cost is part of every figure.
"""
from __future__ import annotations

import argparse
import configparser
import contextlib
import http.client
import itertools
import json
import math
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

LOAD_DB = common.DB_NAME.removesuffix("_bench") + "_load_bench"
CLIENTS = (1, 4, 16)
CELL_SECONDS = 10.0
MIN_REQUESTS = 20  # a cell runs past CELL_SECONDS until it has this many answers
WARMUP_REQUESTS = 40  # per endpoint and server, not timed
TARGETS_MS = {"api": 150.0, "page": 500.0}  # p95 at 16 clients, gunicorn, workflow on (issue 11)
QUERIES = ["ประชากร", "เกษตร", "โรงพยาบาล", "ผู้สูงอายุ", "ข้าว", "งบประมาณ", "population", "rice",
           "ไข้เลือดออก", "นักเรียน", "ทะเบียนบ้าน", "แผนที่", "PM2.5", "ชลประทาน", "budget", "สถิติ"]
VENV_BIN = Path(sys.executable).parent


@dataclass
class Endpoint:
    key: str
    label: str
    kind: str  # "api" or "page": which target applies
    signed_in: bool = False


ENDPOINTS = [
    Endpoint("api", "search API", "api"),
    Endpoint("search_page", "search page", "page"),
    Endpoint("dataset_page", "dataset page", "page"),
    Endpoint("search_page_approver", "search page, approver", "page", signed_in=True),
]


@dataclass
class Server:
    key: str
    label: str
    ini: Path
    command: list[str]
    env: dict[str, str] = field(default_factory=dict)


def deployed_plugins() -> str:
    parser = configparser.RawConfigParser(strict=False)
    parser.read(common.ROOT / "deploy" / "ckan-settings.ini", encoding="utf-8")
    return parser.get("app:main", "ckan.plugins")


def free_port() -> int:
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def ckan(ini: Path, *args: str) -> str:
    done = subprocess.run([str(VENV_BIN / "ckan"), "-c", str(ini), *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"ckan {' '.join(args)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return done.stdout


def prepare() -> tuple[Path, Path, str, str]:
    """The bench database with the demo catalog; inis with and without the workflow plugin; an
    approver's API token; what the demo loader said."""
    common.DB_NAME = LOAD_DB
    common.PLUGINS = deployed_plugins()
    with_workflow = common.fresh_bench_db("load.ini")
    print(f"Loading the demo catalog into {LOAD_DB}...", file=sys.stderr)
    demo = ckan(with_workflow, "govcatalog", "demo", "--quiet").strip().splitlines()[-1]
    common.PLUGINS = " ".join(p for p in deployed_plugins().split() if p != "govcatalog_workflow")
    without_workflow = common.write_ini("load-no-workflow.ini")
    token = ckan(with_workflow, "user", "token", "add", "demo-provincial-stat-office-admin", "load-bench",
                 "--quiet").strip().splitlines()[-1]
    return with_workflow, without_workflow, token, demo


def servers(with_workflow: Path, without_workflow: Path, log_dir: Path) -> list[Server]:
    def gunicorn(key: str, label: str, ini: Path) -> Server:
        config = common.ROOT / "deploy" / "gunicorn.conf.py"
        return Server(key, label, ini, [str(VENV_BIN / "gunicorn"), "-c", str(config), "deploy.wsgi:application"],
                      {"CKAN_INI": str(ini), "GOVCATALOG_ACCESS_LOG": str(log_dir / f"{key}-access.log"),
                       "GOVCATALOG_ERROR_LOG": str(log_dir / f"{key}-error.log")})

    return [
        Server("dev", "ckan run --threaded (development)", with_workflow,
               [str(VENV_BIN / "ckan"), "-c", str(with_workflow), "run", "--host", "127.0.0.1", "--port", "{port}",
                "--disable-reloader", "--threaded"]),
        gunicorn("gunicorn", "gunicorn (deploy/gunicorn.conf.py)", with_workflow),
        gunicorn("gunicorn_no_workflow", "gunicorn, workflow plugin off", without_workflow),
    ]


class Running:
    """A server process on a free loopback port, stopped (with its children) on exit."""

    def __init__(self, server: Server, log_dir: Path) -> None:
        self.server = server
        self.port = free_port()
        env = dict(os.environ, **server.env, GOVCATALOG_BIND=f"127.0.0.1:{self.port}")
        command = [part.replace("{port}", str(self.port)) for part in server.command]
        self.log = open(log_dir / f"{server.key}.log", "w")
        self.process = subprocess.Popen(command, cwd=common.ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                        start_new_session=True)

    def wait_ready(self, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"{self.server.label} exited; see {self.log.name}")
            try:
                status, _ = fetch(http.client.HTTPConnection("127.0.0.1", self.port, timeout=5),
                                  "/api/3/action/status_show", {})
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.5)
        raise SystemExit(f"{self.server.label} did not answer in {timeout:.0f} s; see {self.log.name}")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)  # its own session: the server and its workers
            try:
                self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()

    def __enter__(self) -> "Running":
        return self

    def __exit__(self, *_: Any) -> None:
        self.stop()


def fetch(conn: http.client.HTTPConnection, path: str, headers: dict[str, str]) -> tuple[int, bytes]:
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    return response.status, response.read()


def paths(endpoint: Endpoint, dataset_names: list[str]) -> list[str]:
    if endpoint.key == "api":
        return [f"/api/3/action/package_search?q={urllib.parse.quote(q)}" for q in QUERIES]
    if endpoint.key == "dataset_page":
        return [f"/dataset/{urllib.parse.quote(name)}" for name in dataset_names]
    return [f"/dataset/?q={urllib.parse.quote(q)}" for q in QUERIES]


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)] if ordered else float("nan")


def run_cell(port: int, urls: list[str], headers: dict[str, str], clients: int, seconds: float,
             min_requests: int = MIN_REQUESTS) -> dict[str, Any]:
    """``clients`` threads, each with its own keep-alive connection, for ``seconds`` (and min_requests)."""
    timings: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    counter = itertools.count()
    deadline = time.monotonic() + seconds

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while time.monotonic() < deadline or len(timings) + len(errors) < min_requests:
            path = urls[next(counter) % len(urls)]
            started = time.perf_counter()
            try:
                status, body = fetch(conn, path, headers)
                error = None if status == 200 else f"HTTP {status} {path}"
            except (OSError, http.client.HTTPException) as exc:
                error = f"{type(exc).__name__} {path}"
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                if error:
                    errors.append(error)
                else:
                    timings.append(elapsed)
        conn.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    return {
        "clients": clients,
        "requests": len(timings) + len(errors),
        "per_s": (len(timings) + len(errors)) / wall,
        "p50_ms": percentile(timings, 0.50),
        "p95_ms": percentile(timings, 0.95),
        "max_ms": max(timings) if timings else float("nan"),
        "mean_ms": statistics.fmean(timings) if timings else float("nan"),
        "errors": len(errors),
        "error_examples": sorted(set(errors))[:5],
    }


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def measure(running: list[Running], token: str, dataset_names: list[str], seconds: float) -> dict[str, Any]:
    """Every cell on every server, the servers' cells back to back (in a rotating order) so that
    each comparison is made under the same load from the rest of the machine."""
    out: dict[str, Any] = {r.server.key: {"label": r.server.label} for r in running}
    for endpoint in ENDPOINTS:
        headers = {"Authorization": token} if endpoint.signed_in else {}
        urls = paths(endpoint, dataset_names)
        for server in running:
            # warm-up: every gunicorn worker loads its templates and caches before the timed cells
            run_cell(server.port, urls, headers, clients=8, seconds=0, min_requests=WARMUP_REQUESTS)
        for turn, clients in enumerate(CLIENTS):
            rotated = running[turn % len(running):] + running[:turn % len(running)]
            for server in rotated:
                cell = run_cell(server.port, urls, headers, clients, seconds)
                cell["load"] = loadavg()
                out[server.server.key].setdefault(endpoint.key, [None] * len(CLIENTS))[turn] = cell
                print(f"  {server.server.key:22} {endpoint.label:24} {clients:2d} clients: p50 {cell['p50_ms']:6.0f} "
                      f"p95 {cell['p95_ms']:6.0f} max {cell['max_ms']:6.0f} ms, errors {cell['errors']}, "
                      f"{cell['per_s']:5.1f}/s  (load {cell['load']})", file=sys.stderr, flush=True)
    return out


def public_dataset_names(port: int) -> list[str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    status, body = fetch(conn, "/api/3/action/package_search?rows=1000&fl=name", {})
    names = [r["name"] for r in json.loads(body)["result"]["results"]] if status == 200 else []
    if not names:
        raise SystemExit("The demo catalog has no public dataset to load")
    return sorted(names)[:20]


def report(result: dict[str, Any]) -> list[str]:
    """Prints the tables; returns the targets missed."""
    runs = result["servers"]
    print()
    print(f"Load benchmark: the demo catalog ({result['demo']}), {result['cpus']} CPUs, "
          f"{result['seconds_per_cell']:.0f} s a cell, code {result['code']}")
    print(f"Load average (1/5/15 min) before: {result['load_before']}, after: {result['load_after']}")
    print(f"Plugins: {result['plugins']}")
    print()
    head = f"{'':26} {'clients':>7} | {'dev p50':>7} {'p95':>5} {'max':>5} {'err':>3}"
    head += f" | {'gunicorn p50':>12} {'p95':>5} {'max':>5} {'err':>3} | {'p95 gun/dev':>11}"
    head += f" | {'no-workflow p50':>15} {'p95':>5} {'err':>3} | {'p95 wf/no-wf':>12}"
    print(head)
    for endpoint in ENDPOINTS:
        for i, clients in enumerate(CLIENTS):
            dev, gun, nowf = (runs[k][endpoint.key][i] for k in ("dev", "gunicorn", "gunicorn_no_workflow"))
            print(f"{endpoint.label:26} {clients:7d} | {dev['p50_ms']:7.0f} {dev['p95_ms']:5.0f} {dev['max_ms']:5.0f} "
                  f"{dev['errors']:3d} | {gun['p50_ms']:12.0f} {gun['p95_ms']:5.0f} {gun['max_ms']:5.0f} "
                  f"{gun['errors']:3d} | {gun['p95_ms'] / dev['p95_ms']:11.2f} | {nowf['p50_ms']:15.0f} "
                  f"{nowf['p95_ms']:5.0f} {nowf['errors']:3d} | {gun['p95_ms'] / nowf['p95_ms']:12.2f}")
    print("(milliseconds; ratios below 1: the first is faster)")
    print()
    missed = []
    print("Targets at 16 clients, gunicorn, workflow on:")
    for endpoint in ENDPOINTS:
        cell = runs["gunicorn"][endpoint.key][-1]
        target = TARGETS_MS[endpoint.kind]
        ok = cell["p95_ms"] <= target and cell["errors"] == 0
        if not ok:
            missed.append(endpoint.label)
        print(f"  {endpoint.label:26} p95 {cell['p95_ms']:6.0f} ms (target <= {target:.0f}), errors {cell['errors']}"
              f"  {'PASS' if ok else 'FAIL'}")
    return missed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=CELL_SECONDS, help="length of each cell (default 10)")
    args = parser.parse_args()

    code = common.code_version()
    load_before = loadavg()
    with_workflow, without_workflow, token, demo = prepare()
    log_dir = common.RESULTS / "load-logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    result: dict[str, Any] = {"code": code, "cpus": os.cpu_count(), "load_before": load_before,
                              "plugins": deployed_plugins(), "seconds_per_cell": args.seconds, "demo": demo,
                              "servers": {}}
    with contextlib.ExitStack() as stack:
        # All three at once (idle while another is measured): the cells alternate between them.
        running = []
        for server in servers(with_workflow, without_workflow, log_dir):
            print(f"Starting {server.label}...", file=sys.stderr, flush=True)
            running.append(stack.enter_context(Running(server, log_dir)))
        for server in running:
            server.wait_ready()
        names = public_dataset_names(running[0].port)
        result["servers"] = measure(running, token, names, args.seconds)
    result["load_after"] = loadavg()
    missed = report(result)
    result["targets_ms_p95_at_16"] = TARGETS_MS
    result["missed"] = missed
    path = common.write_json("load.json", result)
    print(f"\nWrote {path.relative_to(common.ROOT)}")


if __name__ == "__main__":
    main()
