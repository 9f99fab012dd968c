"""Real CKAN servers on 127.0.0.1 for tests: the test catalog itself, or a second catalog (a source
or sync target) with its own database."""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parents[3]
CKAN = str(Path(sys.executable).with_name("ckan"))


def test_ini() -> Path:
    """The ini this test run was started with (test.ini unless --ckan-ini named another)."""
    import ckan.plugins.toolkit as tk

    return Path(tk.config.get("__file__") or ROOT / "test.ini")


def worker_ini(base_ini: str, worker: str) -> Path:
    """An ini for one pytest-xdist worker (gw0, gw1...): the base ini with the database <test db>_<worker>
    (bin/bootstrap.sh creates them) and two Redis databases of its own (its own and its second catalog's)."""
    from ckan.cli import CKANConfigLoader
    from sqlalchemy.engine import make_url

    settings = CKANConfigLoader(str(Path(base_ini).resolve())).get_config()
    url = make_url(settings["sqlalchemy.url"])
    url = url.set(database=f"{url.database}_{worker}")
    redis_base, _, redis_db = settings.get("ckan.redis.url", "redis://127.0.0.1:6379/2").rpartition("/")
    redis_db = str((int(redis_db or 0) + 4 + 2 * int(worker.removeprefix("gw"))) % 16)
    ini = ROOT / ".run" / f"test-{worker}.ini"
    ini.parent.mkdir(exist_ok=True)
    ini.write_text(
        "[app:main]\n"
        f"use = config:{Path(base_ini).resolve()}\n"
        f"sqlalchemy.url = {url.render_as_string(hide_password=False)}\n"
        f"ckan.redis.url = {redis_base}/{redis_db}\n"
        f"ckan.storage_path = {ROOT / '.run' / f'storage-{worker}'}\n"
    )
    return ini


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"CKAN at {url} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url + "/api/3/action/status_show", timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"CKAN at {url} did not start in time")


def ckan_command(ini: Path, *args: str) -> None:
    subprocess.run([CKAN, "-c", str(ini), *args], cwd=ROOT, check=True, capture_output=True)


@contextmanager
def serve(ini: Path, port: int, log_name: str) -> Iterator[str]:
    """CKAN with this ini in a subprocess; redirects come back to it (CKAN_SITE_URL)."""
    url = f"http://127.0.0.1:{port}"
    log_dir = ROOT / ".run"
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    log_name = f"{worker}-{log_name}" if worker else log_name
    log = open(log_dir / log_name, "w") if log_dir.is_dir() else subprocess.DEVNULL
    process = subprocess.Popen(
        [CKAN, "-c", str(ini), "run", "--host", "127.0.0.1", "--port", str(port), "--disable-reloader"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=dict(os.environ, CKAN_SITE_URL=url),
    )
    try:
        wait_until_up(url, process)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


def next_redis_db(redis_url: str) -> str:
    """The Redis database after the test catalog's own, so that a second catalog's queues stay apart."""
    base, _, number = redis_url.rstrip("/").rpartition("/")
    return f"{base}/{int(number or 0) + 1}" if number.isdigit() else redis_url


def second_catalog_ini(directory: Path, test_db_url: str, suffix: str, port: int, plugins: str,
                       redis_url: str = "redis://127.0.0.1:6379/2") -> Path:
    """An ini for a second catalog: test.ini with its own database (<test db>_<suffix>), site and Redis
    database (the one after `redis_url`, the test catalog's)."""
    database_url = re.sub(r"/([^/?]+)(\?.*)?$", lambda m: f"/{m.group(1)}_{suffix}{m.group(2) or ''}", test_db_url)
    ini = directory / f"{suffix}.ini"
    ini.write_text(
        "[app:main]\n"
        f"use = config:{test_ini()}\n"
        f"sqlalchemy.url = {database_url}\n"
        f"ckan.site_id = govcatalog-{suffix}\n"
        f"ckan.site_url = http://127.0.0.1:{port}\n"
        f"ckan.plugins = {plugins}\n"
        f"ckan.redis.url = {next_redis_db(redis_url)}\n"
    )
    return ini
