"""Your databases, in real Chromium with real OPFS: open, drop, bad files, writes, save back, restart."""

import os
import sqlite3
import time

import pytest
from testkit.browser import NetworkGuard, installed_copy, kill_browser, launch, start_app, wait_ready
from testkit.databases import make_db, rows_named
from testkit.page import (
    drop,
    insert,
    library_names,
    notices,
    open_with_input,
    wait_for_frame,
    wait_for_library,
    wait_for_notice,
    wait_until,
)
from testkit.servers import free_port


@pytest.fixture(scope="module")
def app(library_page):
    return library_page


def test_open_several_files_with_the_button(app, tmp_path):
    first = make_db(tmp_path / "fixtures.db", rows=120)
    second = make_db(tmp_path / "second.sqlite", rows=7, table="other")
    open_with_input(app, [first, second])
    wait_for_library(app, "second")
    assert {"fixtures", "second"} <= set(library_names(app))
    wait_for_frame(app, "/ds/second")  # lands on the last database opened
    frame = app.frame_locator("#frame")
    frame.locator("a[href$='/ds/second/other']").first.click()
    wait_for_frame(app, "/ds/second/other")
    assert frame.locator("table.rows-and-columns tbody tr").count() == 7
    assert frame.locator("th .dropdown-menu-icon").count() > 0  # Datasette's table.js ran (column menus)
    # The sidebar remembers the pages seen, most recent first, to go back in one click.
    recent = app.locator("#recent button")
    assert recent.first.get_attribute("title") == "/ds/second/other"
    app.locator("#recent button[title='/ds/second']").click()
    wait_for_frame(app, "/ds/second")


def test_datasettes_own_insert_row_form_works_for_the_owner(app):
    app.evaluate("() => { document.getElementById('frame').src = 'ds/fixtures/items'; }")
    wait_for_frame(app, "/ds/fixtures/items")
    frame = app.frame_locator("#frame")
    frame.locator("button.table-insert-row").click()
    dialog = frame.locator("dialog[open]")
    dialog.locator("input[name='name']").fill("typed into Datasette's form")
    dialog.locator("input[name='size']").fill("4242")
    dialog.locator("button.row-edit-save").click()
    wait_until(
        app,
        "() => fetch('ds/fixtures/items.json?_shape=array&size=4242').then(r => r.json()).then(r => r.length === 1)",
    )


def test_same_file_name_gets_a_unique_name(app, tmp_path):
    make_db(tmp_path / "fixtures.db")
    open_with_input(app, [tmp_path / "fixtures.db"])
    wait_for_library(app, "fixtures-2")


def test_bad_files_are_reported_and_nothing_is_lost(app, tmp_path):
    good = make_db(tmp_path / "good-one.db")
    (tmp_path / "notes.db").write_text("this is a text file, not a database")
    (tmp_path / "empty.db").write_bytes(b"")
    full = make_db(tmp_path / "full.db", rows=5000).read_bytes()
    (tmp_path / "truncated.db").write_bytes(full[: len(full) // 3])
    corrupt = bytearray(full)
    corrupt[4096 : 4 * 4096] = os.urandom(3 * 4096)  # pages 2-4: b-tree pages, headers and all
    (tmp_path / "corrupt.db").write_bytes(bytes(corrupt))
    hostile = make_db(tmp_path / "<img src=x onerror=window.pwned=1>.db")
    with sqlite3.connect(hostile) as db:
        db.execute('create table "<script>window.pwned=2</script>" ("<b onmouseover=window.pwned=3>" text)')
        db.execute('insert into "<script>window.pwned=2</script>" values (\'<img src=x onerror="window.pwned=4">\')')
    db.close()
    before = set(library_names(app))

    open_with_input(
        app, [tmp_path / n for n in ("notes.db", "empty.db", "truncated.db", "corrupt.db")] + [good, hostile]
    )
    wait_for_library(app, "good-one")
    messages = " | ".join(notices(app))
    assert "notes.db was not added: it is not a SQLite database (or it is encrypted)" in messages
    assert "empty.db was not added: it is empty (0 bytes)" in messages
    assert "truncated.db was not added" in messages
    assert "corrupt.db was not added" in messages
    names = set(library_names(app))
    assert names - before == {"good-one", "<img src=x onerror=window.pwned=1>"}  # shown as text
    # Browse the hostile database, its table and its row: nothing runs, in the shell or in Datasette's pages.
    frame = app.frame_locator("#frame")
    with app.expect_event("framenavigated"):  # the frame may show this database already: wait for the new load
        app.click("#library li[data-name='<img src=x onerror=window.pwned=1>'] .library-name")
    with app.expect_event("framenavigated"):
        frame.locator("a", has_text="<script>window.pwned=2</script>").first.click()
    frame.locator("td", has_text='<img src=x onerror="window.pwned=4">').first.wait_for()
    frame.locator("td a").first.click()  # the row page
    wait_for_frame(app, "/1")  # its cell reads like the table page's: wait for the navigation, not the text
    frame.locator("td", has_text='<img src=x onerror="window.pwned=4">').first.wait_for()
    assert app.evaluate("window.pwned") is None
    assert frame.locator("body").evaluate("() => window.pwned") is None
    # The databases that were there are still served.
    assert app.evaluate("fetch('ds/fixtures/items.json?_shape=array').then(r => r.json()).then(r => r.length)") == 100


def test_writes_cannot_come_from_another_site(app, server):
    """A page on another origin posting into Datasette (CSRF) is refused before it reaches Datasette.

    Same-site (another port of 127.0.0.1) is the case that matters: a cross-site page's frame is storage-partitioned
    and never reaches this app's service worker at all.
    """
    other_origin = f"http://127.0.0.1:{free_port()}/"
    before = app.evaluate(
        "fetch('ds/fixtures/items.json?_shape=array&_size=max').then(r => r.json()).then(r => r.length)"
    )
    attacker = app.context.new_page()
    app.context.route(
        f"{other_origin}attack.html",
        lambda route: route.fulfill(content_type="text/html", body="<iframe name=target></iframe>"),
    )
    attacker.goto(f"{other_origin}attack.html")
    attacker.evaluate(
        """action => {
            const form = Object.assign(document.createElement('form'),
                {method: 'POST', action, target: 'target', enctype: 'text/plain'});
            form.append(Object.assign(document.createElement('input'),
                {name: '{"row": {"name": "forged", "x": "', value: '"}}'}));
            document.body.append(form);
            form.submit();
        }""",
        f"{server.url}ds/fixtures/items/-/insert",
    )
    attacker.frame_locator("iframe").locator("h1", has_text="Refused").wait_for()
    attacker.close()
    after = app.evaluate(
        "fetch('ds/fixtures/items.json?_shape=array&_size=max').then(r => r.json()).then(r => r.length)"
    )
    assert after == before


def import_with_dialog(page, path, database=None, table=None):
    open_with_input(page, [path])
    dialog = page.locator("dialog[open]")
    if database:
        dialog.locator("select").select_option(database)
    if table:
        dialog.locator("input").fill(table)
    dialog.locator("button", has_text="Import").click()


def test_import_csv_into_a_new_database(app, tmp_path):
    source = tmp_path / "pets.csv"
    source.write_bytes(b"name,age,weight\nCleo,5,4.5\nPancakes,4,3.25\nOops,1,2,3\n")
    import_with_dialog(app, source)
    wait_for_library(app, "pets")
    wait_for_frame(app, "/ds/pets/pets")
    texts = " | ".join(notices(app))
    assert "Imported 2 rows from pets.csv into pets." in texts
    assert "1 row(s) of pets.csv were skipped: line 4: 1 more field(s) than the header." in texts
    rows = app.evaluate("fetch('ds/pets/pets.json?_shape=array').then(r => r.json())")
    assert rows == [
        {"rowid": 1, "name": "Cleo", "age": 5, "weight": 4.5},
        {"rowid": 2, "name": "Pancakes", "age": 4, "weight": 3.25},
    ]


def test_import_json_into_an_existing_database_and_a_broken_file(app, tmp_path):
    source = tmp_path / "visits.ndjson"
    source.write_text('{"place": "Lisbon", "days": 3}\n{"place": "Porto", "days": 2}\n')
    import_with_dialog(app, source, database="fixtures", table="trips")
    wait_for_frame(app, "/ds/fixtures/trips")
    assert app.evaluate("fetch('ds/fixtures/trips.json?_shape=array').then(r => r.json()).then(r => r.length)") == 2

    before = set(library_names(app))
    broken = tmp_path / "broken.json"
    broken.write_text('[{"a": 1}, {"a": ')
    import_with_dialog(app, broken)
    wait_for_notice(app, "broken.json was not imported")
    assert any("could not be read as JSON" in n for n in notices(app))
    assert set(library_names(app)) == before  # the new database made for it was removed again


def test_a_wal_mode_file_opens_with_a_warning(app, tmp_path):
    path = tmp_path / "journal.db"
    with sqlite3.connect(path) as db:
        db.execute("pragma journal_mode=wal")
        db.execute("create table t (x)")
        db.execute("insert into t values (42)")
    db.close()
    open_with_input(app, [path])
    wait_for_library(app, "journal")
    assert any("journal.db was in WAL mode" in n for n in notices(app))
    assert app.evaluate("fetch('ds/journal/t.json?_shape=array').then(r => r.json())") == [{"rowid": 1, "x": 42}]


def test_a_file_bigger_than_the_quota_is_refused_with_sizes(app, tmp_path):
    cdp = app.context.new_cdp_session(app)
    usage = app.evaluate("navigator.storage.estimate().then(e => e.usage)")
    cdp.send("Storage.overrideQuotaForOrigin", {"origin": app.url.split("/ds/")[0], "quotaSize": usage + 2_000_000})
    try:
        big = make_db(tmp_path / "toobig.db", rows=200_000)
        open_with_input(app, [big])
        wait_for_notice(app, "toobig.db")
        assert any("toobig.db" in n and "does not fit" in n and "MB" in n for n in notices(app))
        assert "toobig" not in library_names(app)
        assert app.evaluate("navigator.storage.estimate().then(e => e.usage)") < usage + 2_000_000
    finally:
        cdp.send("Storage.overrideQuotaForOrigin", {"origin": app.url.split("/ds/")[0]})


def test_a_write_that_fills_the_disk_fails_clearly_and_loses_nothing(app, tmp_path):
    make_db(tmp_path / "tight.db", rows=20)
    open_with_input(app, [tmp_path / "tight.db"])
    wait_for_library(app, "tight")
    origin = app.url.split("/ds/")[0]
    cdp = app.context.new_cdp_session(app)
    usage = app.evaluate("navigator.storage.estimate().then(e => e.usage)")
    cdp.send("Storage.overrideQuotaForOrigin", {"origin": origin, "quotaSize": usage + 500_000})
    try:
        reply = app.evaluate(
            """() => fetch('ds/tight/items/-/insert', {method: 'POST', headers: {'content-type': 'application/json'},
                body: JSON.stringify({rows: Array.from({length: 15}, (_, i) => ({name: 'x'.repeat(100000), size: i}))})})
                .then(async r => [r.status, await r.json()])"""
        )
    finally:
        cdp.send("Storage.overrideQuotaForOrigin", {"origin": origin})
    status, body = reply
    assert status >= 400 and "database or disk is full" in " ".join(body["errors"]), body
    # Still readable, consistent, and unchanged: the transaction rolled back.
    assert app.evaluate("fetch('ds/tight/items.json?_shape=array').then(r => r.json()).then(r => r.length)") == 20
    app.click("#library li[data-name='tight'] button[aria-label='Check tight']")
    wait_for_notice(app, "tight passed")


def test_drop_writes_and_save_back(app, tmp_path):
    original = make_db(tmp_path / "dropped.db", rows=3)
    drop(app, [original])
    wait_for_library(app, "dropped")
    wait_for_frame(app, "/ds/dropped")

    # Datasette's JSON write API, as the local owner, from the app's page.
    assert insert(app, "dropped", {"name": "written in the app", "size": 99}) == 201

    app.click("#library li[data-name='dropped'] button[aria-label='Save dropped']")
    wait_for_notice(app, "Saved dropped")
    with sqlite3.connect(original) as db:
        assert db.execute("select name from items where size = 99").fetchone() == ("written in the app",)
        assert db.execute("pragma integrity_check").fetchone() == ("ok",)
    db.close()

    # Someone else changes the file on disk: Save asks before overwriting.
    with sqlite3.connect(original) as db:
        db.execute("insert into items (name, size) values ('outside', 1)")
    db.close()
    app.click("#library li[data-name='dropped'] button[aria-label='Save dropped']")
    dialog = app.locator("dialog[open]")
    dialog.wait_for()
    assert "dropped.db changed on disk" in dialog.inner_text()
    dialog.locator("button", has_text="Overwrite").click()
    deadline = time.time() + 30
    while rows_named(original, "outside") and time.time() < deadline:
        time.sleep(0.2)
    assert rows_named(original, "outside") == 0
    assert rows_named(original, "written in the app") == 1
    with sqlite3.connect(original) as db:
        assert db.execute("pragma integrity_check").fetchone() == ("ok",)
    db.close()


def test_save_back_to_a_vanished_file_keeps_the_library_copy(app, tmp_path):
    original = make_db(tmp_path / "vanishing.db", rows=4)
    drop(app, [original])
    wait_for_library(app, "vanishing")
    original.unlink()
    app.click("#library li[data-name='vanishing'] button[aria-label='Save vanishing']")
    wait_for_notice(app, "vanishing.db is gone")
    assert app.evaluate("fetch('ds/vanishing/items.json?_shape=array').then(r => r.json()).then(r => r.length)") == 4


def test_keyboard_shortcuts_and_about(app, tmp_path):
    original = make_db(tmp_path / "keys.db", rows=2)
    drop(app, [original])
    wait_for_frame(app, "/ds/keys")
    frame = app.frame_locator("#frame")
    frame.locator("h1").click()  # focus in Datasette's page: the shortcuts work there too

    app.keyboard.press("Control+k")  # Datasette's own "Jump to…"
    frame.locator("navigation-search dialog[open]").wait_for()
    app.keyboard.press("Escape")

    with sqlite3.connect(original) as db:
        db.execute("delete from items")
    db.close()
    assert insert(app, "keys", {"name": "saved by keyboard", "size": 1}) == 201
    app.keyboard.press("Control+s")  # saves the database shown; it changed on disk, so Save asks first
    app.locator("dialog[open] button", has_text="Overwrite").click()
    wait_for_notice(app, "Saved keys")
    assert rows_named(original, "saved by keyboard") == 1

    app.keyboard.press("Control+n")
    app.locator("dialog[open] h2", has_text="New database").wait_for()
    app.keyboard.press("Escape")

    app.click("#about")
    about = app.locator("dialog[open]")
    assert "App build" in about.inner_text() and "SQLite 3.54.1" in about.inner_text()
    about.locator("button", has_text="Close").click()  # a box that only informs has one button


def test_new_rename_and_remove(app):
    app.click("#new-database")
    app.locator("dialog[open] input").fill("scratch")
    app.locator("dialog[open] button", has_text="Create").click()
    wait_for_library(app, "scratch")
    wait_for_frame(app, "/ds/scratch")

    app.click("#library li[data-name='scratch'] button[aria-label='Rename scratch']")
    app.locator("dialog[open] input").fill("notes")
    app.locator("dialog[open] button", has_text="Rename").click()
    wait_for_library(app, "notes")
    assert "scratch" not in library_names(app)

    app.click("#library li[data-name='notes'] button[aria-label='Remove notes']")
    app.locator("dialog[open] button", has_text="Remove").click()
    app.wait_for_function("() => !document.querySelector(\"#library li[data-name='notes']\")")
    assert app.evaluate("fetch('ds/notes.json').then(r => r.status)") == 404


def test_library_and_writes_survive_a_killed_browser_offline(playwright, server, installed, tmp_path):
    profile = installed_copy(installed, tmp_path / "profile")
    guard = NetworkGuard()
    context, page = start_app(playwright, profile, server.url, guard)
    drop(page, [make_db(tmp_path / "alpha.db"), make_db(tmp_path / "beta.db")])
    wait_for_library(page, "beta")
    wait_for_library(page, "alpha")
    assert insert(page, "alpha", {"name": "survivor", "size": 7}) == 201
    kill_browser(profile)  # right after the response: the write must already be in OPFS

    context = launch(playwright, profile, guard, offline=True)
    page = context.pages[0]
    boot_lines = []
    page.on("console", lambda message: boot_lines.append(message.text) if message.text.startswith("boot") else None)
    page.goto(server.url)
    wait_ready(page)
    assert {"alpha", "beta"} <= set(library_names(page))
    rows = page.evaluate("fetch('ds/alpha/items.json?_shape=array&name=survivor').then(r => r.json())")
    assert [(r["name"], r["size"]) for r in rows] == [("survivor", 7)]
    # Started from the memory snapshot this time: Datasette's HTML table page renders (it once failed only then),
    # and pydantic's compiled core, restored with it, validates Datasette's create-table requests.
    assert "from snapshot" in " ".join(boot_lines)
    page.goto(server.url + "ds/alpha/items?name=survivor")
    frame = wait_ready(page)
    assert frame.locator("td.col-name").inner_text() == "survivor"
    create = """body => fetch('ds/alpha/-/create', {method: 'POST', headers: {'content-type': 'application/json'},
        body: JSON.stringify(body)}).then(async r => [r.status, await r.text()])"""
    columns = [{"name": "id", "type": "integer"}, {"name": "size", "type": "float"}]
    status, text = page.evaluate(create, {"table": "made", "columns": [{"nme": "id"}]})
    assert status == 400 and "columns.0.nme: Extra inputs are not permitted" in text, text  # pydantic's own words
    status, text = page.evaluate(create, {"table": "made", "columns": columns})
    assert status == 201, text
    context.close()
    assert guard.outside == []


@pytest.fixture(scope="session")
def huge_db(tmp_path_factory):
    """A 1.5 GB database, generated once per run."""
    path = tmp_path_factory.mktemp("huge") / "huge.db"
    with sqlite3.connect(path) as db:
        db.execute("create table blobs (id integer primary key, label text, payload blob)")
        db.execute(
            "with recursive n(i) as (select 1 union all select i + 1 from n where i < 1500000) "
            "insert into blobs select i, 'row ' || i, randomblob(1000) from n"
        )
    db.close()
    assert path.stat().st_size > 1_500_000_000
    return path


def test_download_a_copy(app, tmp_path):
    make_db(tmp_path / "downloadable.db", rows=11)
    open_with_input(app, [tmp_path / "downloadable.db"])
    wait_for_library(app, "downloadable")
    with app.expect_download() as download:
        app.click("#library li[data-name='downloadable'] button[aria-label='Download downloadable']")
    assert download.value.suggested_filename == "downloadable.db"
    copy = tmp_path / "copy.db"
    download.value.save_as(copy)
    with sqlite3.connect(copy) as db:
        assert db.execute("select count(*) from items").fetchone() == (11,)
        assert db.execute("pragma integrity_check").fetchone() == ("ok",)
    db.close()


def test_save_and_download_at_once_each_get_their_own_copy(app, tmp_path):
    saved = make_db(tmp_path / "saving.db", rows=5)
    drop(app, [saved])
    wait_for_library(app, "saving")
    open_with_input(app, [make_db(tmp_path / "fetching.db", rows=9)])
    wait_for_library(app, "fetching")
    assert insert(app, "saving", {"name": "only in saving", "size": 1}) == 201
    with app.expect_download() as download:
        app.evaluate("""() => ['Download fetching', 'Save saving'].forEach(
            label => document.querySelector(`#library button[aria-label='${label}']`).click())""")
    wait_for_notice(app, "Saved saving")
    copy = tmp_path / "copy.db"
    download.value.save_as(copy)
    assert rows_named(copy, "only in saving") == 0 and sqlite3.connect(copy).execute(
        "select count(*) from items"
    ).fetchone() == (9,)
    assert rows_named(saved, "only in saving") == 1


@pytest.mark.slow
def test_a_1_5_gb_database_opens_and_browses(app, huge_db):
    # Cancel part way: nothing half-imported is left.
    usage = app.evaluate("navigator.storage.estimate().then(e => e.usage)")
    open_with_input(app, [huge_db])
    app.locator("#imports progress").wait_for()  # streamed with a progress bar
    app.locator("#imports button", has_text="Cancel").click()
    wait_for_notice(app, "Opening huge.db was cancelled")
    assert "huge" not in library_names(app)
    assert app.evaluate("navigator.storage.estimate().then(e => e.usage)") < usage + 100_000_000

    open_with_input(app, [huge_db])
    wait_for_library(app, "huge")
    wait_for_frame(app, "/ds/huge")
    frame = app.frame_locator("#frame")
    frame.locator("a[href$='/ds/huge/blobs']").first.click()
    wait_for_frame(app, "/ds/huge/blobs")
    assert frame.locator("table.rows-and-columns tbody tr").count() > 0
    app.click("#library li[data-name='huge'] button[aria-label='Remove huge']")
    app.locator("dialog[open] button", has_text="Remove").click()
    app.wait_for_function("() => !document.querySelector(\"#library li[data-name='huge']\")")
