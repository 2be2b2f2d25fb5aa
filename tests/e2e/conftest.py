"""Fixtures for the browser tests: one Streamlit server per module, one headless Chromium.

The browser is Debian's `chromium` (apt-get install chromium) driven by Playwright's Python package;
`playwright install` is never needed. Without a browser the tests skip outside CI (the reason is
printed at the end of the run) and fail in CI (CI=true), so a CI machine cannot pass by skipping.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
VIEWPORT = {"width": 1400, "height": 900}
SERVER_START_S = 90  # cold import of torch + streamlit on a busy two-core machine
_skip_reasons: set[str] = set()


def in_ci() -> bool:
    return os.environ.get("CI") == "true"


def find_chromium() -> str | None:
    for path in (os.environ.get("NNVIZ_CHROMIUM"), "/usr/bin/chromium"):
        if path and os.path.exists(path):
            return path
    return shutil.which("chromium") or shutil.which("chromium-browser")


def unavailable(reason: str):
    """No browser here: a skip on a developer machine, a failure in CI."""
    if in_ci():
        pytest.fail(f"browser tests cannot run in CI: {reason}", pytrace=False)
    _skip_reasons.add(reason)
    pytest.skip(reason)


def pytest_terminal_summary(terminalreporter):
    for reason in sorted(_skip_reasons):
        terminalreporter.write_line(f"e2e browser tests skipped: {reason}", yellow=True)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tail(path: Path, n: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-n:])
    except OSError:
        return ""


def _stop(proc: subprocess.Popen) -> None:
    """Stop the server and whatever it started (kaleido's browser) through its own process group."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)
    except (subprocess.TimeoutExpired, ProcessLookupError):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=15)


@pytest.fixture(scope="module")
def chromium_path() -> str:
    path = find_chromium()
    if path is None:
        unavailable("no Chromium found (looked for /usr/bin/chromium and `chromium` on PATH); install it with: apt-get install chromium")
    return path


@pytest.fixture(scope="module")
def server(chromium_path, tmp_path_factory):
    """Base URL of a fresh `streamlit run app.py` on a free port; stopped after the module."""
    port = _free_port()
    log_path = tmp_path_factory.mktemp("streamlit") / "server.log"
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "app.py",
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.fileWatcherType",
        "none",
        "--browser.gatherUsageStats",
        "false",
    ]
    env = dict(os.environ)
    # The server's torch threads, like the in-process tests' (tests/conftest.py): one by default; the
    # models are tiny, and on a busy two-core machine spinning OpenMP teams slow training many times over.
    env.setdefault("OMP_NUM_THREADS", os.environ.get("NNVIZ_TEST_THREADS", "1"))
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + SERVER_START_S
        while True:
            if proc.poll() is not None:
                pytest.fail(f"streamlit exited with code {proc.returncode} before it was healthy:\n{_tail(log_path)}", pytrace=False)
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"streamlit was not healthy after {SERVER_START_S} s:\n{_tail(log_path)}", pytrace=False)
            time.sleep(0.5)
        yield base
    finally:
        _stop(proc)


@pytest.fixture(scope="module")
def browser(chromium_path):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("the playwright Python package is not installed (pip install -r requirements-test.txt)")
    with sync_playwright() as p:
        try:
            b = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        except Exception as err:  # a broken browser install is the same problem as a missing one
            unavailable(f"Chromium at {chromium_path} did not start: {err}")
        yield b
        b.close()


@pytest.fixture
def new_page(browser):
    """A factory of pages, each in its own browser context (its own Streamlit session)."""
    contexts = []

    def make():
        ctx = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
        contexts.append(ctx)
        return ctx.new_page()

    yield make
    for ctx in contexts:
        ctx.close()


@pytest.fixture
def page(new_page):
    return new_page()
