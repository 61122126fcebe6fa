"""The user's journeys in Firefox ESR and WebKitGTK (testkit/engines.py), as in Chromium: boot, Datasette through the
service worker, a CSV export, a database opened with the chooser and by dropping it, a CSV import, a write that
survives a restart, a returning start with the network cut, and errors that reach the window.

WebKitGTK has no usable OPFS (Safari 16.4+ has it): there the app runs its memory-only library, and these journeys
check that fallback instead, including that it says the databases are not kept. One browser per engine, one at a time.
"""

import base64
import contextlib
import json
import os
import sqlite3
import struct
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from testkit import engines, webkit_returning
from testkit.databases import make_db
from testkit.page import EXECUTE_WRITE_JS, IN_LIBRARY, INSERT_JS, NOTICE_JS, SAVED_VIEW_CURRENT
from testkit.servers import serve_cors_files, serve_directory
from testkit.sheets import write_xlsx

pytestmark = [
    pytest.mark.browser,
    # Selenium's own WebKitGTK driver still uses the API it deprecates.
    pytest.mark.filterwarnings("ignore:setting remote_server_addr:DeprecationWarning"),
]

SHOTS = Path(os.environ.get("ENGINE_SHOTS", "/tmp/engine-shots"))
FRAME_SHOWS_DATASETTE = """() => { const doc = document.getElementById('frame').contentDocument;
    return doc?.location.pathname.includes('/ds/') && doc.readyState === 'complete' && doc.querySelector('h1')?.textContent; }"""
NOTICES = "() => [...document.querySelectorAll('#notices .notice span')].map(n => n.textContent).join(' | ')"
NAMES = "name => fetch(`ds/${name}/birds.json?_shape=array`).then(r => r.json()).then(rows => rows.map(r => r.name))"
MEMORY_ONLY = "Your databases are kept in memory only"


@dataclass
class Booted:
    """One engine's browser with the app opened, and what the journeys measured."""

    name: str
    browser: engines.Engine | None
    profile: Path
    url: str
    server: object  # an http.server, shut down by the returning start
    proxy: engines.RefusingProxy
    timings: dict = field(default_factory=dict)
    serving: bool = True

    def stop_serving(self):
        if self.serving:
            self.server.shutdown()
            self.server.server_close()
            self.serving = False

    @contextlib.contextmanager
    def network_cut(self, dist):
        """The app's server gone for a while, as for a user offline after the first visit; then back on its port."""
        self.stop_serving()
        try:
            yield
        finally:
            _, self.server = serve_directory(dist, port=int(self.url.rsplit(":", 1)[1].strip("/")))
            self.serving = True

    @property
    def keeps_files(self):
        return self.name != "webkit"  # WebKitGTK: the memory-only library


def check_guard(browser, proxy, url):
    """The guard catches a page's request to another host (from a page without the shell's CSP, which would stop it
    first); then forget it."""
    browser.goto(url + "build.json")
    browser.evaluate("fetch('http://example.com/guard-check').catch(() => null)")
    assert "GET http://example.com/guard-check" in proxy.outside, proxy.outside
    proxy.outside.clear()


@pytest.fixture(scope="module", params=["firefox", "webkit"])
def booted(request, dist, tmp_path_factory):
    """One engine, launched once for this file, with the app booted from its own server (a test stops it)."""
    name = request.param
    if reason := engines.available(name):
        # A green run must not hide an engine that never ran: missing, it fails, unless a developer opts out.
        (pytest.skip if os.environ.get("DATASETTE_PWA_SKIP_MISSING_ENGINES") else pytest.fail)(reason)
    url, server = serve_directory(dist)
    booted = Booted(name, None, tmp_path_factory.mktemp(f"{name}-profile"), url, server, engines.RefusingProxy())
    # Firefox starts without the prefs that answer navigator.storage.persist(): opening a database proves that
    # nothing waits on that prompt. The returning start turns them on.
    options = {"persist_prompt": False} if name == "firefox" else {}
    try:
        booted.browser = engines.launch(name, booted.profile, booted.proxy.port, **options)
        booted.timings["launch"] = round(booted.browser.launch_seconds, 1)
        check_guard(booted.browser, booted.proxy, url)
        booted.timings["first_boot"] = booted.browser.start_app(url)
        yield booted
    finally:
        if booted.browser:
            booted.browser.close()
        booted.stop_serving()
        booted.proxy.close()
        write_timings(booted)
    assert booted.proxy.outside == [], f"{name}: requests left 127.0.0.1: {booted.proxy.outside}"


def write_timings(booted):
    """Seconds measured, kept beside the screenshots (and printed with -s)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / f"timings-{booted.name}.json").write_text(json.dumps(booted.timings, indent=1))
    print(f"\n{booted.name} timings (s): {booted.timings}")


def birds(*names):
    """SQL for table birds (id, name) of these names."""
    values = ", ".join(f"('{name}')" for name in names)
    return f"create table birds (id integer primary key, name text); insert into birds (name) values {values};"


def png_size(path):
    header = Path(path).read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", header[16:24])


def test_the_app_starts_and_says_where_it_keeps_databases(booted):
    browser = booted.browser
    assert browser.evaluate("navigator.serviceWorker.controller.scriptURL") == booted.url + "sw.js"
    memory_only = MEMORY_ONLY in browser.evaluate(NOTICES)
    assert memory_only == (not booted.keeps_files)
    storage = browser.evaluate("document.getElementById('storage').textContent")
    assert ("in memory only" in storage) == (not booted.keeps_files), storage


def test_datasette_answers_through_the_service_worker(booted):
    browser = booted.browser
    assert browser.wait_until(FRAME_SHOWS_DATASETTE, timeout=30) == "Datasette"
    versions = browser.evaluate("fetch('ds/-/versions.json').then(r => r.json())")
    assert versions["datasette"]["version"] == "1.0a41"
    assert versions["sqlite"]["version"] == "3.54.1"  # APSW's, in this engine too (issue 27)
    csv = browser.evaluate("fetch('ds/_memory/-/query.csv?sql=select+1+as+n').then(r => r.text())")
    assert csv == "n\r\n1\r\n"


# The frame's page once it has loaded the page at a path ending so, with that in its query: the text of its facets.
FACETS_AT = """([path, query]) => { const doc = document.getElementById('frame').contentDocument;
  const there = doc?.location.pathname.endsWith(path) && doc.location.search.includes(query);
  return there && doc.readyState === 'complete' && [...doc.querySelectorAll('.facet-info')].map(f => f.innerText).join(' | '); }"""


def test_a_newcomer_sees_the_welcome_and_reaches_a_faceted_sample_in_two_clicks(booted, dist):
    """The first visit, with the library empty: the welcome in place of Datasette's home page, then, with the network
    cut, Try a sample database (one click) at its sightings faceted by park, then a park (two): as in Chromium
    (test_welcome.py)."""
    with booted.network_cut(dist):
        newcomer(booted.browser)


def newcomer(browser):
    welcome = browser.evaluate(
        "() => document.getElementById('welcome').hidden ? null : document.getElementById('welcome').innerText"
    )
    assert welcome and "Explore SQLite databases, offline" in welcome and "Try a sample database" in welcome
    browser.click("#welcome-sample")
    facets = browser.wait_until(FACETS_AT, ["/ds/sample/sightings", "_facet=park"], timeout=60)
    assert "park" in facets and "Riverside" in facets and "Mill Pond" in facets, facets
    browser.evaluate(
        "() => [...document.getElementById('frame').contentDocument.querySelectorAll('.facet-info a')]"
        ".find(a => a.textContent.trim() === 'Riverside').click()"
    )
    facets = browser.wait_until(FACETS_AT, ["/ds/sample/sightings", "park=Riverside"], timeout=60)
    assert "Riverside" in facets and "Mill Pond" not in facets, facets  # the sightings of one park now
    assert browser.evaluate("() => document.getElementById('welcome').hidden")


def test_open_a_database_with_the_chooser(booted, tmp_path):
    """The Open button where there is no showOpenFilePicker (Firefox, Safari): the file input. Under automation
    both engines fire `cancel` before `change` (browsers.md); the app waits for a change after a cancel. No persist
    prompt answers in Firefox here: the open must not wait on navigator.storage.persist()."""
    db = make_db(tmp_path / "birds.db", birds("wren", "robin", "kite"))
    booted.browser.pick_files("#open-database", "#file-input", [db])
    booted.browser.wait_until(IN_LIBRARY, "birds", timeout=60)
    assert booted.browser.evaluate(NAMES, "birds") == ["wren", "robin", "kite"]


def test_open_a_database_by_dropping_it(booted, tmp_path):
    """A drop on the window, dispatched with the engine's own DataTransfer holding the file."""
    db = make_db(tmp_path / "dropped.db", birds("heron"))
    booted.browser.evaluate(
        """([name, data]) => {
            const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
            const transfer = new DataTransfer();
            transfer.items.add(new File([bytes], name));
            for (const type of ['dragenter', 'dragover', 'drop']) {
                window.dispatchEvent(new DragEvent(type, {dataTransfer: transfer, bubbles: true, cancelable: true}));
            }
        }""",
        ["dropped.db", base64.b64encode(db.read_bytes()).decode()],
    )
    booted.browser.wait_until(IN_LIBRARY, "dropped", timeout=60)
    assert booted.browser.evaluate(NAMES, "dropped") == ["heron"]


def test_import_a_csv(booted, tmp_path):
    source = tmp_path / "flights.csv"
    source.write_text("name,km\nswift,1200\ngoose,800\n")
    booted.browser.pick_files("#open-database", "#file-input", [source])
    booted.browser.wait_until("() => !!document.querySelector('dialog[open] button.primary')", timeout=30)
    booted.browser.click("dialog[open] button.primary")  # Import, into a new database "flights"
    booted.browser.wait_until(IN_LIBRARY, "flights", timeout=60)
    rows = booted.browser.evaluate("fetch('ds/flights/flights.json?_shape=array').then(r => r.json())")
    assert rows == [{"rowid": 1, "name": "swift", "km": 1200}, {"rowid": 2, "name": "goose", "km": 800}]


def test_import_a_workbook_a_table_per_sheet(booted, tmp_path):
    """As in Chromium (test_spreadsheets_app.py): its reader loaded on demand, from the app's own files, offline."""
    book = write_xlsx(
        tmp_path / "tally.xlsx", {"Swifts": [["year", "count"], [2025, 40], [2026, 52]], "Notes": [["n"], ["ok"]]}
    )
    booted.browser.pick_files("#open-database", "#file-input", [book])
    booted.browser.wait_until(DIALOG_TITLE, "Import tally.xlsx", timeout=60)
    booted.browser.click("dialog[open] button.primary")  # Import every sheet, into a new database "tally"
    booted.browser.wait_until(IN_LIBRARY, "tally", timeout=60)
    rows = booted.browser.evaluate("fetch('ds/tally/Swifts.json?_shape=array').then(r => r.json())")
    assert rows == [{"rowid": 1, "year": 2025, "count": 40}, {"rowid": 2, "year": 2026, "count": 52}]
    assert booted.browser.evaluate("fetch('ds/tally/Notes.json?_shape=array').then(r => r.json())") == [
        {"rowid": 1, "n": "ok"}
    ]


DIALOG_TITLE = "title => document.querySelector('dialog[open] h2')?.textContent === title"
SCRIPT = "create table tides (id integer primary key, note text);\ninsert into tides (note) values ('<b>high</b>');\n"


def test_a_link_to_a_sql_script_asks_before_it_runs(booted, tmp_path):
    """As in Chromium (test_open_url.py): the link says the file is a script, which runs only on Run, after a dialog
    that shows its first lines, as text. Not in WebKitGTK: the link reloads the app, and its memory-only library would
    lose the databases the journeys after this one use."""
    if booted.name == "webkit":
        pytest.skip("a reload empties WebKitGTK's memory-only library, which the next journeys use")
    (tmp_path / "tides.sql").write_text(SCRIPT)
    files_url, files = serve_cors_files(tmp_path)
    browser = booted.browser
    try:
        browser.start_app(f"{booted.url}?url={files_url}tides.sql")
        browser.wait_until(DIALOG_TITLE, "Open a SQL script from the web?", timeout=30)
        browser.click("dialog[open] button.primary")  # Open
        browser.wait_until(DIALOG_TITLE, "Run tides.sql", timeout=60)
        shown = browser.evaluate("() => document.querySelector('dialog[open] pre').innerHTML")
        assert shown == SCRIPT.rstrip("\n").replace("<", "&lt;").replace(">", "&gt;")  # text, not markup
        assert not browser.evaluate(IN_LIBRARY, "tides")
        browser.click("dialog[open] button.primary")  # Run
        browser.wait_until(IN_LIBRARY, "tides", timeout=60)
        rows = browser.evaluate("fetch('ds/tides/tides.json?_shape=array').then(r => r.json())")
        assert rows == [{"id": 1, "note": "<b>high</b>"}]
    finally:
        files.shutdown()


def show(browser, path):
    """Show a Datasette page (path under ds/) in the frame, and wait until it has loaded."""
    browser.evaluate("path => { document.getElementById('frame').src = 'ds/' + path; }", path)
    browser.wait_until(
        """path => { const doc = document.getElementById('frame').contentDocument;
        return decodeURI(doc?.location.pathname ?? '').endsWith('/ds/' + path.split('?')[0])
            && doc.readyState === 'complete'; }""",
        path,
        timeout=60,
    )


def in_frame(browser, js, arg=None):
    """Run js(document, arg) on the frame's page."""
    return browser.evaluate(f"arg => ({js})(document.getElementById('frame').contentDocument, arg)", arg)


def test_open_a_database_in_place(booted, tmp_path):
    """Read-only straight from the user's File (FileReaderSync in the worker), never copied; the page says so and
    offers the copy, which can be changed."""
    db = make_db(tmp_path / "wild.db", birds("owl", "lark"))
    booted.browser.pick_files("#open-in-place", "#file-input", [db])
    booted.browser.wait_until(IN_LIBRARY, "wild", timeout=60)
    assert booted.browser.evaluate(NAMES, "wild") == ["owl", "lark"]
    assert booted.browser.evaluate(EXECUTE_WRITE_JS, ["wild", "delete from birds"])[0] == 403
    show(booted.browser, "wild/birds")
    notice = in_frame(booted.browser, "doc => doc.querySelector('.pwa-read-only')?.textContent")
    assert "wild is opened in place, straight from your file, so it is read-only" in notice
    in_frame(booted.browser, "doc => doc.querySelector('.pwa-read-only button').click()")
    booted.browser.wait_until(IN_LIBRARY, "wild-2", timeout=60)
    assert booted.browser.evaluate(EXECUTE_WRITE_JS, ["wild-2", "delete from birds where name = 'owl'"])[0] == 200
    assert booted.browser.evaluate(NAMES, "wild-2") == ["lark"]
    assert booted.browser.evaluate(NAMES, "wild") == ["owl", "lark"]


def transfer(browser, db, action, fields):
    """Fill in db's Publish or Pull page (action: "publish" or "pull") and run it; the message it ends with."""
    show(browser, f"{db}/-/{action}")
    in_frame(
        browser,
        """(doc, fields) => { const form = doc.querySelector('form');
        for (const [name, value] of Object.entries(fields)) form.elements[name].value = value;
        form.requestSubmit(); }""",
        fields,
    )
    return browser.wait_until(
        "() => { const shown = document.getElementById('frame').contentDocument"
        ".querySelector('.pwa-transfer-message:not([hidden])'); return shown?.textContent; }",
        timeout=60,
    )


def test_publish_to_a_datasette_server_and_pull_back(booted, remote, tmp_path):
    """Publish crosses to another origin (the server's --cors), in this engine's fetch and CSP."""
    with sqlite3.connect(remote.path) as served:  # the other engine's run published there too
        served.execute("drop table if exists birds")
    served.close()
    db = make_db(tmp_path / "shelf.db", birds("swift", "ibis", "tern"))
    booted.browser.pick_files("#open-database", "#file-input", [db])
    booted.browser.wait_until(IN_LIBRARY, "shelf", timeout=60)
    published = transfer(booted.browser, "shelf", "publish", {"url": remote.database_url, "token": remote.token})
    assert "Published 3 rows of birds" in published
    with sqlite3.connect(remote.path) as served:
        assert served.execute("select name from birds order by id").fetchall() == [("swift",), ("ibis",), ("tern",)]
    pulled = transfer(booted.browser, "shelf", "pull", {"url": remote.database_url + "/birds", "table": "back"})
    assert "Pulled 3 rows into back" in pulled
    back = booted.browser.evaluate("fetch('ds/shelf/back.json?_shape=array').then(r => r.json())")
    assert [row["name"] for row in back] == ["swift", "ibis", "tern"]


def test_an_error_nothing_else_reported_reaches_the_window(booted):
    booted.browser.evaluate("() => { setTimeout(() => Promise.reject(new Error('an engine check'))); }")
    booted.browser.wait_until(NOTICE_JS, "Something went wrong in the app: an engine check", timeout=10)
    assert booted.browser.evaluate("document.querySelector('#status').textContent") == "Error in the app"


def test_screenshots(booted):
    """The app as the engine draws it, desktop and phone size (WebKit's window cannot be narrower than 447 px)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for label, size in (("desktop", engines.DESKTOP), ("phone", engines.PHONE)):
        path = SHOTS / f"{booted.name}-{label}.png"
        booted.browser.screenshot(path, size)
        width, _ = png_size(path)
        assert size[0] <= width < size[0] + 100, (path, width)


def test_a_write_survives_a_restart(booted):
    """Where the engine keeps files, a row written through Datasette is there after the browser restarts; in the
    memory-only library, the restart starts empty, as the window said it would."""
    assert booted.browser.evaluate(INSERT_JS, ["birds", "birds", [{"name": "owl"}]]) == 201
    if booted.keeps_files:
        booted.browser.close()
        booted.browser = engines.launch(booted.name, booted.profile, booted.proxy.port, persist_prompt=True)
        booted.timings["restart"] = booted.browser.start_app(booted.url)
        assert booted.browser.evaluate(NAMES, "birds") == ["wren", "robin", "kite", "owl"]
    else:
        booted.browser.goto(booted.url)  # a new page: a new worker, and nothing kept
        booted.browser.start_app(booted.url)
        assert booted.browser.evaluate("document.querySelectorAll('#library li').length") == 0
        assert MEMORY_ONLY in booted.browser.evaluate(NOTICES)


# The birds the journeys before the returning start leave in the library (a write added the owl).
BIRDS_KEPT = birds("wren", "robin", "kite", "owl")


def test_a_returning_start_with_the_network_cut(booted, dist, tmp_path):
    """The server gone, a new browser on the same profile: the app starts from its service worker, offline.

    WebKit differs: MiniBrowser under WebKitWebDriver always runs on ephemeral storage (measured: no service worker and
    no cache survive a relaunch), so there two MiniBrowser launches without WebDriver make the journey instead."""
    if not booted.browser.evaluate(IN_LIBRARY, "birds"):  # run alone: the journeys before it left no library
        booted.browser.pick_files("#open-database", "#file-input", [make_db(tmp_path / "birds.db", BIRDS_KEPT)])
        booted.browser.wait_until(IN_LIBRARY, "birds", timeout=60)
        booted.browser.evaluate("() => { document.getElementById('frame').src = 'ds/'; }")
    if booted.keeps_files:  # the page drawn at the last start is kept for the next (in the background)
        booted.browser.wait_until(SAVED_VIEW_CURRENT, booted.url + "ds/", timeout=30)
    booted.browser.close()
    booted.stop_serving()
    if booted.name == "webkit":
        webkit_returning_start(booted, dist, tmp_path)
        return
    booted.browser = browser = engines.launch(booted.name, booted.profile, booted.proxy.port, persist_prompt=True)
    booted.timings["returning_boot"] = browser.start_app(booted.url)
    # Nothing changed since the home page was drawn at the last start: it was shown as saved while Python started.
    assert browser.evaluate("performance.getEntriesByName('saved view shown').length") == 1
    assert browser.evaluate(NAMES, "birds") == ["wren", "robin", "kite", "owl"]
    assert browser.wait_until(FRAME_SHOWS_DATASETTE, timeout=30)
    assert browser.evaluate("navigator.storage.persist()") is True  # the testing prefs answer the prompt
    browser.screenshot(SHOTS / f"{booted.name}-returning.png")


def webkit_returning_start(booted, dist, tmp_path):
    """MiniBrowser twice on one HOME, a same-origin harness page driving the app (tests/webkit_returning.py): online
    until the service worker holds the whole precache, then with the server answering the harness alone. The app must
    come from its service worker: no request for it reaches the server, none leaves 127.0.0.1."""
    server = webkit_returning.HarnessServer(dist)
    home = tmp_path / "webkit-home"
    shot = SHOTS / "webkit-returning.png"
    SHOTS.mkdir(parents=True, exist_ok=True)
    try:
        first = webkit_returning.run(server, home, booted.proxy.port, "first")
        assert "error" not in first, first
        assert (first["status"], first["failure"]) == ("Ready", None)
        precache = [paths for name, paths in first["caches"].items() if name.startswith("workbox-precache")]
        assert precache and set(precache[0]) == webkit_returning.precache_manifest(dist), first["caches"].keys()
        server.cut = True
        returning = webkit_returning.run(server, home, booted.proxy.port, "returning", screenshot=shot)
    finally:
        server.close()
    # Only the browser's own check for a new service worker (on each navigation in its scope) asks the network.
    asked = [request for request in server.refused if request != "GET /sw.js"]
    assert asked == [], f"the returning start asked the network for {asked}"
    assert "error" not in returning, returning
    booted.timings["returning_boot"] = round(returning["readySeconds"], 1)
    assert (returning["status"], returning["failure"]) == ("Ready", None)
    assert returning["controller"] == server.url + "sw.js"
    assert returning["frame"]["heading"] == "Datasette" and returning["frame"]["styled"], returning["frame"]
    assert any(MEMORY_ONLY in notice for notice in returning["notices"]), returning["notices"]
    # The precache, the memory snapshot and Datasette's static files survived the relaunch (a start may add to them).
    kept = {name: set(paths) <= set(returning["caches"].get(name, [])) for name, paths in first["caches"].items()}
    assert all(kept.values()), kept
    assert png_size(shot)[0] > 0
