"""Publish and Pull in the built app, against a real `datasette serve` 1.0a41 on loopback (--cors, a root token): 100,000
rows published with the network cut half-way and then back (Resume), pulled back into another database and compared
row by row; a wrong token, a wrong URL, a server that is down and one without CORS each say why; a generated column
published with its values, a server's refusal of every row in one sentence; Pull from hostile servers
(testkit/hostile_servers.py) ending in words; and the token kept out of every URL with the page's script blocked."""

import json
import sqlite3
import time
from pathlib import Path

import pytest
from testkit import hostile_servers
from testkit.browser import NetworkGuard, installed_copy, start_app
from testkit.databases import make_db, to_publish
from testkit.page import open_with_input, query, wait_for_frame, wait_for_library
from testkit.servers import serve_directory
from testkit.transfer import dialog, message

DOCS = Path(__file__).resolve().parent.parent / "docs"
ROWS = 100_000

# gen: stored and virtual generated columns; codes: a text primary key that SQLite lets be null, in every row, which
# Datasette's upsert refuses row by row.
SHAPES = """
    create table gen (id integer primary key, x integer,
        y integer generated always as (x * 2) stored, z text generated always as ('x=' || x) virtual);
    create table codes (code text primary key, v integer);
    with recursive n(i) as (select 1 union all select i + 1 from n where i < 1500)
    insert into gen (id, x) select i, i * 10 from n;
    with recursive n(i) as (select 1 union all select i + 1 from n where i < 1500)
    insert into codes select null, i from n;
"""


@pytest.fixture(scope="module")
def app(playwright, server, installed, tmp_path_factory):
    """The app with shelf (the rows to publish) and pulled (where they come back) in its library."""
    guard = NetworkGuard(block=False)
    context, page = start_app(
        playwright, installed_copy(installed, tmp_path_factory.mktemp("publish") / "profile"), server.url, guard
    )
    folder = tmp_path_factory.mktemp("publish")
    make_db(folder / "shelf.db", to_publish(ROWS))
    make_db(folder / "pulled.db", rows=1, table="kept")
    make_db(folder / "shapes.db", SHAPES)
    open_with_input(page, [folder / "pulled.db", folder / "shelf.db", folder / "shapes.db"])
    wait_for_library(page, "shelf")
    wait_for_library(page, "shapes")
    page.source = folder / "shelf.db"
    yield page
    context.close()
    assert guard.outside == [], f"requests left 127.0.0.1: {guard.outside}"


def progress(page):
    return page.evaluate("document.getElementById('frame').contentDocument.querySelector('progress')?.value ?? 0")


def test_publish_survives_the_network_cut_and_pull_brings_every_row_back(app, remote):
    frame = dialog(app, "Publish…", "shelf", remote.database_url, remote.token)
    app.wait_for_function(
        "() => document.getElementById('frame').contentDocument.querySelector('progress').value >= 40000",
        timeout=180_000,
    )
    app.context.set_offline(True)
    try:
        assert "Could not reach" in message(frame) and "offline" in message(frame)
        stopped_at = progress(app)
        assert 40_000 <= stopped_at < ROWS
    finally:
        app.context.set_offline(False)
    frame.get_by_role("button", name="Resume").click()
    assert "Published 100,000 rows of items" in message(frame, timeout=300_000)
    app.screenshot(path=DOCS / "publish.png")
    with sqlite3.connect(remote.path) as served, sqlite3.connect(app.source) as source:
        assert (
            served.execute("select * from items order by id").fetchall()
            == source.execute("select * from items order by id").fetchall()
        )

    frame = dialog(app, "Pull…", "pulled", remote.database_url + "/items", "", table="")
    assert "Pulled 100,000 rows into items" in message(frame, timeout=300_000)
    compared = app.evaluate("fetch('ds/-/compare.json?a=shelf&b=pulled').then(r => r.json())")
    assert [t["name"] for t in compared["tables_unchanged"]] == ["items"], json.dumps(compared)[:2000]
    frame.get_by_role("link", name="Open items").click()
    wait_for_frame(app, "/ds/pulled/items")
    assert (
        "rows" in app.frame_locator("#frame").locator("h3").first.inner_text()
    )  # "10,000+ rows": Datasette counts no further


@pytest.mark.parametrize(
    "case, expected",
    [
        ("wrong token", "refused (401: Invalid token signature)"),
        ("wrong URL", "has nothing at"),
        ("server down", "Could not reach"),
        ("no CORS", "does not let other sites use its API (CORS)"),
    ],
)
def test_publish_failures_say_why_and_send_nothing(app, remote, tmp_path, case, expected):
    url, token = remote.database_url, remote.token
    if case == "wrong token":
        token = "dstok_not-a-token"
    elif case == "wrong URL":
        url = remote.url + "nosuchdb"
    elif case == "server down":
        remote.stop()
    elif case == "no CORS":
        sqlite3.connect(tmp_path / "team.db").close()
        url, static = serve_directory(tmp_path)
        url += "team"
    try:
        frame = dialog(app, "Publish…", "pulled", url, token)
        assert expected in message(frame)
        assert frame.locator(".pwa-transfer-message.message-error").is_visible()
    finally:
        if case == "server down":
            remote.restart()
        if case == "no CORS":
            static.shutdown()
    with sqlite3.connect(remote.path) as served:
        assert "kept" not in {name for (name,) in served.execute("select name from sqlite_master")}


def test_publishing_a_table_the_server_has_asks_before_replacing_it(app, remote):
    frame = dialog(app, "Publish…", "pulled", remote.database_url, remote.token, table="kept", remember=True)
    assert "Published 1 row of kept" in message(frame)
    frame = dialog(app, "Publish…", "pulled", remote.database_url, None, table="kept")
    question = frame.locator("dialog[open]")
    assert "already has a table kept" in question.inner_text()
    question.get_by_role("button", name="Cancel").click()
    assert "Nothing more was sent" in message(frame)
    frame.get_by_role("button", name="Publish", exact=True).click()
    question.get_by_role("button", name="Replace").click()
    assert "Published 1 row of kept" in message(frame)
    with sqlite3.connect(remote.path) as served:
        assert served.execute("select count(*) from kept").fetchone() == (1,)


def test_a_generated_column_publishes_with_its_values_and_a_refusal_of_every_row_is_one_sentence(app, remote):
    frame = dialog(app, "Publish…", "shapes", remote.database_url, remote.token, table="codes")
    said = message(frame)
    assert said.startswith("codes: the server refused 1,000 rows: ")
    assert said.endswith('Row 0 has null primary key column(s): "code" (and 999 more like it).'), said
    assert frame.locator(".pwa-transfer-status").inner_text().startswith("codes: 0 of 1,500 rows sent")
    assert "published as a plain column holding its values" in frame.locator(".pwa-transfer").inner_text()
    frame = dialog(app, "Publish…", "shapes", remote.database_url, remote.token, table="gen")
    assert (
        "Published 1,500 rows of gen (generated columns as plain ones holding their values: gen.y, gen.z)"
        in message(frame)
    )
    with sqlite3.connect(remote.path) as served:
        assert served.execute("select sum(y), max(z) from gen").fetchone() == (10 * 1500 * 1501, "x=9990")


# Those the page itself stops (a loop, a drip, a page too big, a 500 and Resume), and three the app's Python stops (a
# malformed page; a 50 MB page, over Datasette's 2 MB POST limit, pulled; JSON nested 100,000 deep, which crashed the
# worker in Pyodide: the hostile tally found it). test_pull_hostile.py has every case the Python stops, under CPython.
BROWSER_CASES = ["self-next", "drip", "endless-body", "error-midway", "short-columns", "huge-page", "deep-json"]


@pytest.mark.parametrize("name", BROWSER_CASES)
def test_pull_from_a_hostile_server_ends_in_words_within_a_minute(app, name):
    case, table = hostile_servers.BY_NAME[name], name.replace("-", "_")
    with hostile_servers.serve(name) as server:
        started = time.monotonic()
        frame = dialog(app, "Pull…", "pulled", server.url, "", table=table)
        said = message(frame)
        assert time.monotonic() - started < 60
        assert (case.says or f"Pulled {case.kept:,} rows into {table}") in said
        stored = query(app, "pulled", f"select count(*) as n from sqlite_master where name = '{table}'")[0]["n"]
        assert (query(app, "pulled", f"select count(*) as n from {table}")[0]["n"] if stored else 0) == case.kept
        if name == "error-midway":  # what was stored stays, and Resume goes on from the page that failed
            frame.get_by_role("button", name="Resume").click()
            frame.get_by_text("Pulled 6 rows into error_midway").wait_for()
            assert query(app, "pulled", "select count(*) as n from error_midway")[0]["n"] == 6


# Everything the app keeps in this browser, as text: localStorage (Recent), every IndexedDB store (saved views, tokens,
# the library's records) and the URLs in Cache Storage.
KEPT_JS = """async () => {
  const text = (value) => value instanceof ArrayBuffer || ArrayBuffer.isView(value)
    ? new TextDecoder().decode(value) : value instanceof Blob ? value.text() : JSON.stringify(value);
  const parts = [JSON.stringify({ ...localStorage }), location.href];
  for (const { name } of await indexedDB.databases()) {
    const opening = indexedDB.open(name);
    const db = await new Promise((ok, no) => Object.assign(opening, { onsuccess: () => ok(opening.result), onerror: no }));
    for (const store of db.objectStoreNames) {
      const all = db.transaction(store).objectStore(store).getAll();
      const values = await new Promise((ok) => (all.onsuccess = () => ok(all.result)));
      for (const value of values) {
        parts.push(await text(value), ...(value instanceof Object ? await Promise.all(Object.values(value).map(text)) : []));
      }
    }
    db.close();
  }
  for (const name of await caches.keys()) {
    for (const request of await (await caches.open(name)).keys()) parts.push(request.url);
  }
  return parts.join("\\n");
}"""
SECRET = "dstok_never-in-a-url"


@pytest.mark.parametrize("action", ["Pull…", "Publish…"])
def test_the_token_never_reaches_a_url_with_the_pages_script_blocked(app, action):
    app.evaluate("document.getElementById('frame').setAttribute('sandbox', 'allow-same-origin allow-forms')")
    try:
        frame = dialog(app, action, "pulled", "http://127.0.0.1:9/db/t", SECRET)
        app.wait_for_function(  # the browser sent the form (no script ran to send it): the frame shows what came back
            "secret => { const doc = document.getElementById('frame').contentDocument;"
            " return doc.readyState === 'complete' && doc.querySelector('input[name=token]')?.value !== secret; }",
            arg=SECRET,
        )
        shown = app.evaluate("document.getElementById('frame').contentWindow.location.href")
        assert shown.endswith(f"/ds/pulled/-/{'pull' if action == 'Pull…' else 'publish'}"), shown
        assert SECRET not in app.url and SECRET not in frame.locator("html").inner_html()
        assert "sent without this page's script" in frame.locator(".pwa-transfer-message").inner_text()
        assert SECRET not in app.evaluate(KEPT_JS)
    finally:
        app.evaluate("document.getElementById('frame').removeAttribute('sandbox')")
        app.evaluate("document.getElementById('frame').src = 'ds/pulled'")
        wait_for_frame(app, "/ds/pulled")
