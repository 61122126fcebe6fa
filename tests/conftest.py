"""The fixtures: one built dist/ and its server, one Playwright, Chromium profiles with the app booted or installed, a
`datasette serve` to publish to. What they are made of, the tests and the benchmarks share: benchmarks/testkit/."""

# isort: off
import testkit.app_sqlite  # noqa: F401  (first: the SQLite the tests run on, before anything imports sqlite3)

# isort: on
import sqlite3
import subprocess
import sys
import time

import pytest
from playwright.sync_api import sync_playwright
from testkit import ROOT
from testkit.browser import SNAPSHOT_KEPT, NetworkGuard, grant_write_permission, launch, start_app, wait_ready
from testkit.servers import serve_app, serve_datasette

BROWSER_FIXTURES = {"playwright", "app_page", "app_context", "server", "dist"}


def pytest_collection_modifyitems(items):
    """Mark every test that needs a browser or the built app, so that `pytest -m "not browser"` runs the fast ones."""
    for item in items:
        if BROWSER_FIXTURES & set(item.fixturenames):
            item.add_marker(pytest.mark.browser)


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
