"""Open in place (issue 13): a database served read-only straight from the user's file (pwa/file-fs.js), never copied
into the app's storage: its pages, facets and search work, a write says it is read-only, and Copy into library makes a
copy that can be changed."""

import sqlite3

import pytest
from helpers import execute_write, library_names, query, wait_for_frame, wait_for_notice

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
def app(library_page, tmp_path_factory):
    path = tmp_path_factory.mktemp("in-place") / "wild.db"
    with sqlite3.connect(path) as db:
        db.executescript(SCHEMA)
    db.close()
    stored = library_page.evaluate(STORED_FILES)
    library_page.evaluate("delete window.showOpenFilePicker")
    with library_page.expect_file_chooser() as chooser:
        library_page.click("#open-in-place")
    chooser.value.set_files(str(path))
    wait_for_frame(library_page, "/ds/wild")
    library_page.stored_before = stored
    library_page.size = path.stat().st_size
    return library_page


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
    assert status in (400, 403), body
    assert query(app, "wild", "select count(*) as n from birds") == [{"n": ROWS}]


def test_copy_into_library_makes_a_copy_that_can_be_changed(app):
    app.click("button[aria-label='Copy into library wild']")
    wait_for_notice(app, "was copied into the library as wild-2")
    assert {"wild", "wild-2"} <= set(library_names(app))
    status, _ = execute_write(app, "wild-2", "delete from birds where id = 1")
    assert status == 200
    assert query(app, "wild", "select count(*) as n from birds") == [{"n": ROWS}]


def test_only_databases_open_in_place(app, tmp_path):
    (tmp_path / "notes.csv").write_text("a,b\n1,2\n")
    app.evaluate("delete window.showOpenFilePicker")
    with app.expect_file_chooser() as chooser:
        app.click("#open-in-place")
    chooser.value.set_files(str(tmp_path / "notes.csv"))
    wait_for_notice(app, "only SQLite databases open in place")
