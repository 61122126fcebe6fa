"""Shared fixtures: one built dist/, servers on free ports, one Playwright, real Debian Chromium."""

# isort: off
import sqlite_in_tests  # noqa: F401  (first: the SQLite the tests run on, before anything imports sqlite3)

# isort: on
import asyncio
import functools
import http.server
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from helpers import READY, bundled_plugins, grant_write_permission
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium phones home at every start; these machines have no internet.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BOOT_TIMEOUT_MS = 120_000


BROWSER_FIXTURES = {"playwright", "app_page", "app_context", "server", "dist"}


def pytest_collection_modifyitems(items):
    """Mark every test that needs a browser or the built app, so that `pytest -m "not browser"` runs the fast ones."""
    for item in items:
        if BROWSER_FIXTURES & set(item.fixturenames):
            item.add_marker(pytest.mark.browser)


def run_async(coroutine):
    """Run a coroutine to completion; in its own thread, since Playwright's sync API owns this thread's loop."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def stream(app, url):
    """(status, [body chunks]) of App.stream's answer to a GET of url (a whole URL), as the worker reads it."""

    async def chunks():
        answer = app.stream("GET", url, [], None)
        status, _ = await anext(answer)
        return status, [chunk async for chunk in answer]

    return run_async(chunks())


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    url: str
    process: subprocess.Popen

    def stop(self):
        self.process.terminate()
        self.process.wait(10)


def start_server(command, url, ready_path="", env=None):
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    deadline = time.time() + 60
    while True:
        try:
            urllib.request.urlopen(url + ready_path, timeout=1)
            return Server(url, process)
        except OSError:
            if process.poll() is not None or time.time() > deadline:
                process.kill()
                raise RuntimeError(f"{command} did not start: {process.stderr.read().decode()}") from None
            time.sleep(0.2)


def serve_app():
    """`python build.py serve` on a free port (dist/ is already built, so it serves at once)."""
    port = free_port()
    return start_server([sys.executable, "build.py", "serve", "--port", str(port)], f"http://127.0.0.1:{port}/")


@dataclass
class DatasetteServer(Server):
    """A real `datasette serve` of one database file, with CORS, and a token that may do anything."""

    path: Path = None
    token: str = ""
    port: int = 0
    command: list = field(default_factory=list)

    @property
    def database_url(self):
        return self.url + self.path.stem

    def restart(self):
        """Start it again on the same port and file (after stop(): the server was down, and is back)."""
        self.process = start_server(self.command, self.url, env=DATASETTE_ENV).process


# Our plugin is installed in this environment, and it makes every visitor root: the server loads no plugins.
DATASETTE_ENV = {**os.environ, "DATASETTE_LOAD_PLUGINS": ""}
# Native Datasette as a baseline that is not us: the plugins the app bundles, without this project's.
NATIVE_ENV = {**os.environ, "DATASETTE_LOAD_PLUGINS": ",".join(sorted(bundled_plugins()))}
DATASETTE_SECRET = "datasette-pwa-tests"


def serve_datasette(path, *options):
    """`datasette serve path --cors` (1.0a41, this environment's), plus options, on a free port."""
    port = free_port()
    datasette = str(Path(sys.executable).with_name("datasette"))
    command = [
        datasette,
        "serve",
        str(path),
        "--cors",
        "--root",
        "--secret",
        DATASETTE_SECRET,
        "--port",
        str(port),
        *options,
    ]
    server = start_server(command, f"http://127.0.0.1:{port}/", env=DATASETTE_ENV)
    token = subprocess.run(
        [datasette, "create-token", "root", "--secret", DATASETTE_SECRET], capture_output=True, text=True, check=True
    ).stdout.strip()
    return DatasetteServer(server.url, server.process, Path(path), token, port, command)


@pytest.fixture(scope="module")
def remote(tmp_path_factory):
    """A Datasette server with an empty database, team, to publish to and pull from."""
    folder = tmp_path_factory.mktemp("remote")
    sqlite3.connect(folder / "team.db").close()
    server = serve_datasette(folder / "team.db", "--setting", "max_insert_rows", "1000")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def dist():
    result = subprocess.run([sys.executable, "build.py"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    return ROOT / "dist"


@pytest.fixture(scope="session")
def server(dist):
    server = serve_app()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def playwright():
    with sync_playwright() as p:
        yield p


@dataclass
class NetworkGuard:
    """Aborts and records every request that would leave 127.0.0.1.

    block=False only records them: Playwright's interception changes how Chromium treats CORS (a preflight the server
    would fail passes), so tests of talking to another origin watch without intercepting.
    """

    outside: list = field(default_factory=list)
    block: bool = True

    def attach(self, context):
        if self.block:
            context.route("**/*", self._route)
        context.on("request", self._seen)

    def _is_outside(self, url):
        parts = urlsplit(url)
        return parts.scheme in ("http", "https", "ws", "wss") and parts.hostname not in ("127.0.0.1", "localhost")

    def _seen(self, request):
        if self._is_outside(request.url) and request.url not in self.outside:
            self.outside.append(request.url)

    def _route(self, route):
        if self._is_outside(route.request.url):
            self._seen(route.request)
            route.abort()
        else:
            route.fallback()


DESKTOP = {"viewport": {"width": 1280, "height": 800}}
# A phone: 360x740 CSS pixels, touch.
PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


def launch(playwright, profile, guard=None, offline=False, device=DESKTOP, args=()):
    """A persistent Chromium profile (OPFS and the service worker survive a restart on the same directory)."""
    context = playwright.chromium.launch_persistent_context(
        str(profile),
        executable_path=CHROMIUM,
        headless=True,
        args=[*CHROMIUM_ARGS, *args],
        offline=offline,
        accept_downloads=True,
        **device,
    )
    if guard:
        guard.attach(context)
    return context


def start_app(playwright, profile, url, guard=None, offline=False, args=()):
    """Launch Chromium on profile, open the app at url and wait for Datasette; returns (context, page)."""
    context = launch(playwright, profile, guard, offline, args=args)
    page = context.pages[0]
    page.goto(url)
    wait_ready(page)
    return context, page


def serve_directory(root, port=0):
    """A static server (build.py's, with its MIME types) for root on port (0: a free one), in a thread; returns (url,
    server)."""
    from build import Handler

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), functools.partial(Handler, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}/", server


def wait_ready(page):
    """Wait until the shell reports Datasette ready and its frame has loaded a Datasette page (in place of a saved view),
    shown, or behind the welcome while the library is empty (pwa/page/welcome.js)."""
    page.wait_for_function(READY, timeout=BOOT_TIMEOUT_MS)
    assert page.locator("#failure").is_hidden(), page.text_content("#failure-detail")
    page.wait_for_function(
        "() => { const frame = document.getElementById('frame'); const doc = frame.contentDocument;"
        " const shown = !frame.hidden || !document.getElementById('welcome').hidden;"
        " return shown && doc?.location.pathname.includes('/ds/') && doc.readyState === 'complete'; }"
    )
    return page.frame_locator("#frame")


@pytest.fixture(scope="session")
def app_context(playwright, server, tmp_path_factory):
    """One profile with the app installed and booted, shared by the tests that only need a working app."""
    guard = NetworkGuard()
    context = launch(playwright, tmp_path_factory.mktemp("profile"), guard)
    context.pages[0].goto(server.url)
    wait_ready(context.pages[0])
    yield context
    context.close()
    assert guard.outside == [], f"requests left 127.0.0.1: {guard.outside}"


# Resolves true once the app's memory snapshot (pwa/worker/snapshot.js) is complete in OPFS.
SNAPSHOT_KEPT = """async () => { try {
  const folder = await (await navigator.storage.getDirectory()).getDirectoryHandle("snapshots");
  const names = []; for await (const name of folder.keys()) names.push(name);
  return names.filter((name) => !name.endsWith(".partial")).length >= 2;
} catch { return false; } }"""


@pytest.fixture(scope="session")
def installed(playwright, server, tmp_path_factory):
    """A Chromium profile the app was installed into once (service worker, precache, memory snapshot), closed: tests
    that need an installed app with an empty library, not a first visit, start from a copy of it (installed_copy)
    and so skip the first start's 10-15 s."""
    profile = tmp_path_factory.mktemp("installed") / "profile"
    context, page = start_app(playwright, profile, server.url)
    deadline = time.monotonic() + 120
    while not page.evaluate(SNAPSHOT_KEPT):
        assert time.monotonic() < deadline, "the app kept no memory snapshot"
        time.sleep(0.2)
    context.close()
    return profile


def installed_copy(installed, profile):
    """A copy of the installed profile at profile (a new directory); returns profile."""
    shutil.copytree(installed, profile)
    return profile


@pytest.fixture
def app_page(app_context):
    """The shared profile's booted app window (tests must leave it on a Datasette page)."""
    return app_context.pages[0]


@pytest.fixture(scope="module")
def library_page(playwright, server, tmp_path_factory):
    """One profile, write permission pre-granted, the picker hidden so Open uses the <input> fallback."""
    profile = tmp_path_factory.mktemp("library-profile")
    grant_write_permission(profile, server.url.rstrip("/"))
    guard = NetworkGuard()
    context, page = start_app(playwright, profile, server.url, guard)
    yield page
    context.close()
    assert guard.outside == [], f"requests left 127.0.0.1: {guard.outside}"
