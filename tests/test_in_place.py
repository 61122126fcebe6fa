"""Open in place (issue 13): a database served read-only straight from the user's file (pwa/worker/file-fs.js), never copied
into the app's storage: its pages, facets and search work, a write says it is read-only, and Copy into library makes a
copy that can be changed."""

import json
import sqlite3

import pytest
from testkit.browser import NetworkGuard, installed_copy, start_app
from testkit.page import drop, execute_write, library_names, query, wait_for_frame, wait_for_notice

ROWS = 5000
SCHEMA = f"""
create table birds (id integer primary key, name text, colour text, weight real);
with recursive n(i) as (select 1 union all select i + 1 from n where i < {ROWS})
insert into birds select i, 'bird ' || i, case i % 3 when 0 then 'red' when 1 then 'blue' else 'green' end, i / 10.0
from n;
create virtual table birds_fts using fts5(name, content=birds, content_rowid=id);
insert into birds_fts (birds_fts) values ('rebuild');
"""

STORED_FILES = """async () => {
    const library = await (await navigator.storage.getDirectory()).getDirectoryHandle('library');
    let bytes = 0;
    for await (const handle of library.values()) bytes += (await handle.getFile()).size;
    return bytes;
}"""


@pytest.fixture(scope="module")
def app(app_context, tmp_path_factory):
    page = app_context.pages[0]  # the session's app: a module of its own would boot another (15-20 s)
    path = tmp_path_factory.mktemp("in-place") / "wild.db"
    with sqlite3.connect(path) as db:
        db.executescript(SCHEMA)
    db.close()
    stored = page.evaluate(STORED_FILES)
    page.evaluate("delete window.showOpenFilePicker")
    with page.expect_file_chooser() as chooser:
        page.click("#open-in-place")
    chooser.value.set_files(str(path))
    wait_for_frame(page, "/ds/wild")
    page.stored_before = stored
    page.size = path.stat().st_size
    return page


def test_a_database_opened_in_place_is_served_without_a_copy(app):
    item = app.locator("#library li[data-name='wild']")
    assert "in place, read-only: wild.db" in item.inner_text()
    assert app.evaluate(STORED_FILES) - app.stored_before < app.size / 10  # nothing like the file was stored
    assert query(app, "wild", "select count(*) as n from birds") == [{"n": ROWS}]
    frame = app.frame_locator("#frame")
    app.evaluate("document.getElementById('frame').src = 'ds/wild/birds?_facet=colour&_search=bird+42'")
    wait_for_frame(app, "/ds/wild/birds")
    assert frame.locator(".facet-info").first.is_visible()
    assert "bird 42" in frame.locator("table.rows-and-columns").inner_text()
    assert not item.get_by_role("button", name="Download wild").is_visible()  # nothing to snapshot: copy it in first


def test_a_write_says_the_database_is_read_only(app):
    status, body = execute_write(app, "wild", "delete from birds")
    assert status == 403, body
    assert query(app, "wild", "select count(*) as n from birds") == [{"n": ROWS}]
    app.evaluate("document.getElementById('frame').src = 'ds/wild/birds'")
    wait_for_frame(app, "/ds/wild/birds")
    page = app.frame_locator("#frame")
    assert (
        "wild is opened in place, straight from your file, so it is read-only"
        in page.locator(".pwa-read-only").inner_text()
    )


def test_copy_into_library_makes_a_copy_that_can_be_changed(app):
    app.frame_locator("#frame").get_by_role("button", name="copy it into the library").click()  # the page's offer
    wait_for_notice(app, "was copied into the library as wild-2")
    assert {"wild", "wild-2"} <= set(library_names(app))
    status, _ = execute_write(app, "wild-2", "delete from birds where id = 1")
    assert status == 200
    assert query(app, "wild", "select count(*) as n from birds") == [{"n": ROWS}]


# Buttons that name the shell's library actions, as HTML from the data could carry them onto a page (a stored query's
# description_html did, until plugin/__init__.py cleared it). Put into each page shown with ?_planted=1 as it loads,
# before the shell binds its buttons (an init script: Datasette's policy runs no script of the page's own).
PLANTED = (
    '<button type="button" data-library-action="Remove" data-database="wild">Remove wild</button>'
    '<button type="button" data-library-action="Copy into library" data-database="wild">Copy wild</button>'
)
PLANT = f"""if (new URLSearchParams(location.search).has('_planted')) document.addEventListener('DOMContentLoaded',
    () => document.body.insertAdjacentHTML('beforeend', {json.dumps(PLANTED)}));"""


def page_buttons(app, path):
    """{label: enabled} of the library-action buttons on the Datasette page at path (under ds/), in the frame."""
    app.evaluate("path => { document.getElementById('frame').src = path + '?_planted=1'; }", path)
    # The shell follows the frame's address, then binds the page's buttons, in one go once the page has loaded.
    app.wait_for_function("page => location.href.endsWith(page)", arg=path + "?_planted=1")
    buttons = app.frame_locator("#frame").locator("button[data-library-action]")
    return {button.inner_text(): button.is_enabled() for button in buttons.all()}


def test_a_page_runs_only_its_own_copy_offer(app):
    """Only features/read_only.py's offer runs a library action from a page: Copy into library, for the database in
    place that the page shows. A button naming another action, or another page's database, is disabled."""
    app.add_init_script(PLANT)
    offer = "copy it into the library"
    assert page_buttons(app, "ds/wild") == {offer: True, "Remove wild": False, "Copy wild": True}
    assert page_buttons(app, "ds/_memory") == {"Remove wild": False, "Copy wild": False}


def test_only_databases_open_in_place(app, tmp_path):
    (tmp_path / "notes.csv").write_text("a,b\n1,2\n")
    app.evaluate("delete window.showOpenFilePicker")
    with app.expect_file_chooser() as chooser:
        app.click("#open-in-place")
    chooser.value.set_files(str(tmp_path / "notes.csv"))
    wait_for_notice(app, "only SQLite databases open in place")


def test_after_a_restart_the_file_waits_for_the_users_permission(playwright, server, installed, tmp_path):
    """A file bigger than the browser will store, dropped from the OS with its handle, opens in place; the library keeps
    the handle. After a restart the browser must ask the user again (the database waits, and says so); a refusal
    leaves it waiting, whether asked from the library or from a page in Recent. Headless Chromium cannot answer the
    prompt with a yes (--deny-permission-prompts answers no; otherwise it never answers)."""
    path = tmp_path / "big.db"
    with sqlite3.connect(path) as db:
        db.executescript(SCHEMA)
    db.close()
    guard = NetworkGuard()
    context, page = start_app(playwright, installed_copy(installed, tmp_path / "profile"), server.url, guard)
    with open(path, "r+b") as file:  # bigger than the browser will store: a sparse tail SQLite never reads
        file.truncate(page.evaluate("navigator.storage.estimate().then(e => e.quota)") + 2**30)
    before = path.stat()
    drop(page, [path])
    question = page.locator("dialog[open]")
    assert "big.db does not fit" in question.inner_text()
    question.get_by_role("button", name="Open in place").click()
    wait_for_frame(page, "/ds/big")
    assert query(page, "big", "select count(*) as n from birds") == [{"n": ROWS}]
    context.close()

    context, page = start_app(playwright, tmp_path / "profile", server.url, guard, args=["--deny-permission-prompts"])
    item = page.locator("#library li[data-name='big']")
    assert "waiting for your permission to read it" in item.inner_text()
    item.get_by_role("button", name="big", exact=True).click()  # its name asks, as Allow… does
    wait_for_notice(page, "The app may not read big.db: it stays in the library, waiting.")
    page.evaluate("document.querySelector('#notices').replaceChildren()")
    page.click("#recent button[title='/ds/big']")  # a page looked at before the restart asks too (not a 404)
    wait_for_notice(page, "The app may not read big.db: it stays in the library, waiting.")
    item.get_by_role("button", name="Remove big").click()
    page.locator("dialog[open] button.primary").click()
    page.wait_for_function("() => !document.querySelector(\"#library li[data-name='big']\")")
    context.close()
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)  # the user's file is untouched
    assert guard.outside == []
