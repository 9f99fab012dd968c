"""Browser tests: a real CKAN served on 127.0.0.1 from the test database, driven by Debian's Chromium."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Iterator

import pytest

ROOT = Path(__file__).resolve().parents[4]
SCREENSHOTS = Path(__file__).resolve().parents[1] / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until_up(url: str, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"CKAN exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url + "/api/3/action/status_show", timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError("CKAN did not start in time")


@pytest.fixture(scope="session")
def live_server() -> Iterator[str]:
    """CKAN with test.ini in a subprocess; it reads what the tests commit to the test database."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    ckan = str(Path(sys.executable).with_name("ckan"))
    log = open(ROOT / ".run" / "browser-server.log", "w") if (ROOT / ".run").is_dir() else subprocess.DEVNULL
    process = subprocess.Popen(
        [ckan, "-c", str(ROOT / "test.ini"), "run", "--host", "127.0.0.1", "--port", str(port),
         "--disable-reloader"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
        env=dict(os.environ, CKAN_SITE_URL=url),  # redirects must come back to this server
    )
    try:
        _wait_until_up(url, process)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed: run `make test`, which installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="th-TH")
    page = context.new_page()
    yield page
    context.close()


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
