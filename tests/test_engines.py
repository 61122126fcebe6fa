"""The app in Firefox ESR and WebKitGTK (tests/engines.py): boot, Datasette through the service worker, a database
opened with the file input, a returning start offline. One browser per engine, one engine at a time."""

import hashlib
import json
import os
import re
import shutil
import sqlite3
import struct
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import engines
from conftest import serve_directory

pytestmark = [
    pytest.mark.browser,
    # Selenium's own WebKitGTK driver still uses the API it deprecates.
    pytest.mark.filterwarnings("ignore:setting remote_server_addr:DeprecationWarning"),
]

SHOTS = Path(os.environ.get("ENGINE_SHOTS", "/tmp/engine-shots"))
BOOTED = (
    "() => document.querySelector('#status')?.textContent === 'Ready' || !document.getElementById('failure').hidden"
)
FRAME_SHOWS_DATASETTE = """() => { const doc = document.getElementById('frame').contentDocument;
    return doc?.location.pathname.includes('/ds/') && doc.readyState === 'complete' && doc.querySelector('h1')?.textContent; }"""
BIRDS = "fetch('ds/birds/birds.json?_shape=array').then(r => r.json()).then(rows => rows.map(r => r.name))"
# WebKitGTK has no OPFS (navigator.storage is undefined): the app needs its memory-only library there.
NO_OPFS = "WebKitGTK has no OPFS; the app fails at 'Opening your databases' until it has a memory-only library"


@dataclass
class Booted:
    """One engine's browser with the app opened, and what the journey measured."""

    name: str
    browser: engines.Engine | None
    profile: Path
    server: "Static"
    proxy: engines.RefusingProxy
    state: dict = field(default_factory=dict)
    timings: dict = field(default_factory=dict)


def boot(browser, url):
    """Open the app and wait until it is Ready or shows its failure panel; returns the shell's state and seconds."""
    started = time.monotonic()
    browser.goto(url)
    try:
        browser.wait_until(BOOTED, timeout=240)
    except TimeoutError:
        raise AssertionError(f"{browser.name} did not boot: {shell_state(browser)}") from None
    return shell_state(browser), round(time.monotonic() - started, 1)


def shell_state(browser):
    return browser.evaluate(
        """() => ({status: document.querySelector('#status').textContent,
                  stage: document.querySelector('#boot-stage').textContent,
                  failure: document.querySelector('#failure').hidden ? null : document.querySelector('#failure-detail').textContent,
                  controlled: navigator.serviceWorker.controller !== null})"""
    )


def check_guard(browser, proxy, url):
    """The guard catches a page's request to another host (from a page without the shell's CSP, which would stop it
    first); then forget it."""
    browser.goto(url + "build.json")
    browser.evaluate("fetch('http://example.com/guard-check').catch(() => null)")
    assert "GET http://example.com/guard-check" in proxy.outside, proxy.outside
    proxy.outside.clear()


@dataclass
class Static:
    """build.py's static server (its MIME types) on a free port, in a thread; stop() is the server going away."""

    url: str
    httpd: object

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def app_files(dist, tmp_path_factory):
    """A private copy of the built dist/. Another test run's build deletes and restages dist/ (sw.js last), and an
    engine that asks for sw.js meanwhile fails ("Script .../sw.js load failed", seen in WebKit here); so copy it,
    until the copy matches its own precache manifest (Workbox's revisions are the files' MD5)."""
    target = tmp_path_factory.mktemp("dist") / "dist"
    for _ in range(30):
        shutil.rmtree(target, ignore_errors=True)
        try:
            shutil.copytree(dist, target)
            manifest = re.findall(r'\{"revision":"(\w+)","url":"([^"]+)"\}', (target / "sw.js").read_text())
            if manifest and all(hashlib.md5((target / url).read_bytes()).hexdigest() == md5 for md5, url in manifest):
                return target
        except (OSError, shutil.Error):
            pass
        time.sleep(2)
    raise RuntimeError("dist/ kept changing while it was copied")


@pytest.fixture(scope="module", params=["firefox", "webkit"])
def booted(request, app_files, tmp_path_factory):
    """One engine, launched once for this file, with the app booted on its own server (a test may stop it)."""
    name = request.param
    if reason := engines.available(name):
        pytest.skip(reason)
    server = Static(*serve_directory(app_files))
    booted = Booted(name, None, tmp_path_factory.mktemp(f"{name}-profile"), server, engines.RefusingProxy())
    # Firefox starts without the prefs that answer navigator.storage.persist(): opening a database proves that
    # nothing waits on that prompt. The returning start turns them on.
    options = {"persist_prompt": False} if name == "firefox" else {}
    try:
        booted.browser = engines.launch(name, booted.profile, booted.proxy.port, **options)
        check_guard(booted.browser, booted.proxy, booted.server.url)
        booted.state, seconds = boot(booted.browser, booted.server.url)
        booted.timings.update(launch=round(booted.browser.launch_seconds, 1), first_boot=seconds)
        yield booted
    finally:
        if booted.browser:
            booted.browser.close()
        booted.server.stop()
        booted.proxy.close()
        write_timings(booted)
    assert booted.proxy.outside == [], f"{name}: requests left 127.0.0.1: {booted.proxy.outside}"


def write_timings(booted):
    """Seconds measured, kept beside the screenshots (and printed with -s)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / f"timings-{booted.name}.json").write_text(json.dumps(booted.timings, indent=1))
    print(f"\n{booted.name} timings (s): {booted.timings}")


def require_ready(booted):
    """Skip the rest as xfail where the app cannot boot yet (WebKit without OPFS); any other failure fails."""
    if booted.name == "webkit" and booted.state["failure"] and booted.state["stage"] == "Opening your databases":
        pytest.xfail(f"{NO_OPFS}: {booted.state['failure']}")
    state = booted.state
    assert state["failure"] is None, f"{booted.name} failed at {state['stage']}: {state['failure']}"


def make_db(path, names):
    with sqlite3.connect(path) as db:
        db.execute("create table birds (id integer primary key, name text)")
        db.executemany("insert into birds (name) values (?)", [(n,) for n in names])
    db.close()
    return path


def png_size(path):
    header = Path(path).read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", header[16:24])


def test_app_boots(booted):
    """The harness drives the engine: the shell loads, the service worker controls it; then Datasette is Ready."""
    browser = booted.browser
    assert browser.evaluate("document.title") == "Datasette"
    assert booted.state["controlled"], booted.state
    worker = browser.evaluate("navigator.serviceWorker.getRegistration().then(r => r.active.scriptURL)")
    assert worker == booted.server.url + "sw.js"
    require_ready(booted)
    assert booted.state["status"] == "Ready"


def test_datasette_answers_through_the_service_worker(booted):
    require_ready(booted)
    browser = booted.browser
    assert browser.wait_until(FRAME_SHOWS_DATASETTE, timeout=30) == "Datasette"
    versions = browser.evaluate("fetch('ds/-/versions.json').then(r => r.json())")
    assert versions["datasette"]["version"] == "1.0a41"
    csv = browser.evaluate("fetch('ds/_memory/-/query.csv?sql=select+1+as+n').then(r => r.text())")
    assert csv == "n\r\n1\r\n"


def test_screenshots(booted):
    """The app as the engine draws it, desktop and phone size (WebKit's window cannot be narrower than 447 px)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for label, size in (("desktop", engines.DESKTOP), ("phone", engines.PHONE)):
        path = SHOTS / f"{booted.name}-{label}.png"
        booted.browser.screenshot(path, size)
        width, height = png_size(path)
        print(f"\n{path}: {width}x{height}")
        assert width >= size[0] and width < size[0] + 100, (path, width)


def test_harness_sets_files_on_the_input(booted, tmp_path):
    """set_files gives the hidden <input type=file> real files from disk (whatever the app then does with them)."""
    db = make_db(tmp_path / "pick.db", ["wren"])
    booted.browser.set_files("#file-input", [db])
    picked = booted.browser.evaluate(
        "() => [...document.getElementById('file-input').files].map(f => [f.name, f.size])"
    )
    assert picked == [["pick.db", db.stat().st_size]]


def test_open_a_database_with_the_file_input(booted, tmp_path):
    """The Open button where there is no showOpenFilePicker (Firefox, Safari): pick a file, see its rows. Firefox fires
    `cancel` ~35 ms before `change` under automation (browsers.md); pickFiles() waits for a change after a cancel.
    No persist prompt answers in Firefox here: the open must not wait on navigator.storage.persist()."""
    require_ready(booted)
    db = make_db(tmp_path / "birds.db", ["wren", "robin", "kite"])
    booted.browser.pick_files("#open-database", "#file-input", [db])
    booted.browser.wait_until("() => !!document.querySelector(\"#library li[data-name='birds']\")", timeout=60)
    assert booted.browser.evaluate(BIRDS) == ["wren", "robin", "kite"]


def test_returning_start_offline_keeps_the_database(booted):
    """The server gone, a new Firefox on the same profile: the app boots from its service worker, the database is
    still in OPFS, and the persist prompt's testing prefs answer it."""
    require_ready(booted)
    if booted.name == "webkit":
        pytest.skip("WebKit automation storage is ephemeral: a returning start needs MiniBrowser without WebDriver")
    booted.browser.close()
    booted.server.stop()
    started = time.monotonic()
    booted.browser = browser = engines.launch("firefox", booted.profile, booted.proxy.port, persist_prompt=True)
    booted.timings["relaunch"] = round(time.monotonic() - started, 1)
    state, booted.timings["returning_boot"] = boot(browser, booted.server.url)
    assert state["failure"] is None and state["status"] == "Ready", state
    assert browser.evaluate(BIRDS) == ["wren", "robin", "kite"]
    assert browser.wait_until(FRAME_SHOWS_DATASETTE, timeout=30) == "Datasette"
    assert browser.evaluate("navigator.storage.persist()") is True
    browser.screenshot(SHOTS / "firefox-returning.png")
