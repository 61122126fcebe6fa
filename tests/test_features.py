"""Features no peer has offline (issue 12), as a user meets them in the built app, with the network cut: the schema
diagram, the SQL dump, and a SQL script opened as a file."""

import sqlite3
from pathlib import Path
from urllib.parse import urlencode
from xml.etree import ElementTree

import pytest
from playwright.sync_api import Error as PlaywrightError
from testkit.browser import installed_offline
from testkit.page import (
    execute_write,
    frame_path,
    library_names,
    open_with_input,
    query,
    wait_for_frame,
    wait_for_library,
    wait_for_notice,
    wait_until,
)

DOCS = Path(__file__).resolve().parent.parent / "docs"
HOSTILE = '<b>"odd" name</b>'
SCHEMA = f"""
create table authors (id integer primary key, name text not null);
create table books (id integer primary key, title text, author_id integer references authors(id));
create table [{HOSTILE}] (k text primary key, book integer references books(id), [it's] blob);
create view titles as select title from books;
insert into authors values (1, 'Ursula'), (2, 'Italo');
insert into books values (1, 'The Dispossessed', 1), (2, 'Invisible Cities', 2);
insert into [{HOSTILE}] values ('<script>alert(1)</script>', 1, x'00ff');
"""
# The second copy differs: one book renamed, one added, one author gone.
CHANGE = """
update books set title = 'The Left Hand of Darkness' where id = 1;
insert into books values (3, 'If on a winter''s night a traveller', 2);
delete from authors where id = 2;
"""


@pytest.fixture(scope="module")
def session(playwright, server, tmp_path_factory):
    session = installed_offline(playwright, server, tmp_path_factory.mktemp("features-profile"))
    page = session.page
    folder = tmp_path_factory.mktemp("features")
    for name, change in (("shelf", ""), ("shelf2", CHANGE)):
        with sqlite3.connect(folder / f"{name}.db") as db:
            db.executescript(SCHEMA + change)
        db.close()
    open_with_input(page, [folder / "shelf2.db", folder / "shelf.db"])
    wait_for_library(page, "shelf")
    wait_for_frame(page, "/ds/shelf")
    yield session
    session.context.close()
    assert session.guard.outside == [], f"requests left 127.0.0.1: {session.guard.outside}"


@pytest.fixture
def app(session):
    return session.page


def show(page, path):
    """Show a page in the frame, as a link would (the same address again would reload under the next click)."""
    here = page.evaluate(
        "() => { const l = document.getElementById('frame').contentWindow.location; return l.pathname + l.search; }"
    )
    if here != "/" + path:
        page.evaluate("p => { document.getElementById('frame').src = p; }", path)
        wait_for_frame(page, "/" + path.split("?")[0])


def database_action(page, label):
    """Open the database page's actions menu and click one of its items."""
    show(page, "ds/shelf")
    frame = page.frame_locator("#frame")
    frame.locator("details.actions-menu-links summary").first.click()
    frame.locator("a", has_text=label).click()


def test_the_schema_diagram_shows_every_table_and_link(app):
    database_action(app, "Schema diagram")
    wait_for_frame(app, "/ds/shelf/-/diagram")
    frame = app.frame_locator("#frame")
    boxes = frame.locator("svg.pwa-erd g.erd-box")
    assert sorted(boxes.evaluate_all("gs => gs.map(g => g.dataset.table)")) == sorted(
        ["authors", "books", HOSTILE, "titles"]
    )
    assert frame.locator(f"svg.pwa-erd g.erd-box[data-table='{HOSTILE}'] text").first.text_content() == HOSTILE
    assert frame.locator("svg.pwa-erd path.erd-fk").count() == 2
    before = frame.locator("svg.pwa-erd").get_attribute("viewBox")
    frame.locator("button[aria-label='Zoom in']").click()  # diagram.js ran under the pages' script policy
    assert frame.locator("svg.pwa-erd").get_attribute("viewBox") != before
    frame.locator("button", has_text="Fit").click()
    app.screenshot(path=DOCS / "diagram.png")
    with app.expect_download() as download:
        frame.locator("a", has_text="Download SVG").click()
    assert download.value.suggested_filename == "shelf.svg"
    svg = ElementTree.parse(download.value.path()).getroot()
    assert svg.tag == "{http://www.w3.org/2000/svg}svg" and HOSTILE in "".join(svg.itertext())


def test_the_sql_dump_loads_in_sqlite(app, tmp_path):
    with app.expect_download() as download:
        database_action(app, "Download SQL dump")
    assert download.value.suggested_filename == "shelf.sql"
    copy = tmp_path / "copy.db"
    with sqlite3.connect(copy) as db:
        db.executescript(Path(download.value.path()).read_text())
        rows = db.execute(f"select k, book, [it's] from [{HOSTILE}]").fetchall()
        titles = db.execute("select * from titles order by title").fetchall()
    db.close()
    assert rows == [("<script>alert(1)</script>", 1, b"\x00\xff")]
    assert titles == [("Invisible Cities",), ("The Dispossessed",)]


def open_script(page, path, into=None):
    open_with_input(page, [path])
    dialog = page.locator("dialog[open]")
    assert dialog.locator("h2").inner_text() == f"Run {path.name}"
    assert dialog.locator("input").count() == 0  # no table name: the script names its own tables
    if into:
        dialog.locator("select").select_option(into)
    else:
        page.screenshot(path=DOCS / "script.png")
    dialog.locator("button", has_text="Run").click()


def test_a_sql_script_opened_as_a_file_runs_in_one_transaction(app, tmp_path):
    script = tmp_path / "recipes.sql"
    script.write_text(
        "BEGIN TRANSACTION;\ncreate table recipes (id integer primary key, name text);\n"
        "insert into recipes (name) values ('soup; with a semicolon');\n"
        "create trigger named after insert on recipes begin update recipes set name = name where id = new.id; end;\n"
        "COMMIT;\n"
    )
    open_script(app, script)
    wait_for_notice(app, "Ran 3 statements from recipes.sql in recipes")
    wait_for_frame(app, "/ds/recipes")
    rows = app.evaluate("fetch('ds/recipes/recipes.json?_shape=array').then(r => r.json())")
    assert rows == [{"id": 1, "name": "soup; with a semicolon"}]

    broken = tmp_path / "broken.sql"
    broken.write_text("create table fine (a);\ninsert into nowhere values (1);\n")
    before = library_names(app)
    open_script(app, broken, into="shelf")
    wait_for_notice(app, "statement 2 failed: no such table: nowhere")
    assert library_names(app) == before
    tables = app.evaluate("fetch('ds/shelf.json').then(r => r.json()).then(d => d.tables.map(t => t.name))")
    assert "fine" not in tables  # rolled back whole


def test_every_query_is_in_the_history_after_a_restart(session):
    page = session.page
    show(page, "ds/shelf/-/query?sql=select+title+from+books+where+id+%3D+2")
    assert page.frame_locator("#frame").locator("td.col-title").inner_text() == "Invisible Cities"
    page = session.restart()
    database_action(page, "Query history")
    wait_for_frame(page, "/ds/shelf/-/history")
    entries = page.frame_locator("#frame").locator("ol.pwa-history > li")
    assert "select title from books where id = 2" in entries.first.locator("pre").inner_text()
    assert "1 row" in entries.first.inner_text()
    page.screenshot(path=DOCS / "history.png")
    entries.first.locator("a", has_text="Run again").click()
    wait_for_frame(page, "/ds/shelf/-/query")
    assert page.frame_locator("#frame").locator("td.col-title").inner_text() == "Invisible Cities"


def test_compare_two_databases(app):
    database_action(app, "Compare with another database")
    frame = app.frame_locator("#frame")
    frame.locator("select[name='b']").select_option("shelf2")
    frame.locator("form.pwa-compare-form button, form.pwa-compare-form input[type='submit']").first.click()
    frame.locator("h4", has_text="Rows changed").first.wait_for()
    text = frame.locator("body").inner_text()
    assert "The Left Hand of Darkness" in text and "Rows changed: 1 row" in text
    app.screenshot(path=DOCS / "compare.png")


def test_compares_patch_turns_one_database_into_the_other(app, tmp_path):
    """Download patch on the compare page, opened like any script into a copy of shelf: the copy is then shelf2."""
    copy = tmp_path / "shelfcopy.db"
    with sqlite3.connect(copy) as db:
        db.executescript(SCHEMA)
    db.close()
    open_with_input(app, [copy])
    wait_for_library(app, "shelfcopy")
    show(app, "ds/-/compare?a=shelfcopy&b=shelf2")
    # show() waits for the path, which the compare page of shelf and shelf2 before it had too.
    app.wait_for_function(
        "() => document.getElementById('frame').contentDocument.body?.innerText.includes('shelfcopy')"
    )
    with app.expect_download() as download:
        app.frame_locator("#frame").locator("a", has_text="Download patch").click()
    patch = tmp_path / download.value.suggested_filename
    download.value.save_as(patch)
    assert patch.name == "shelfcopy-to-shelf2.sql"
    open_script(app, patch, into="shelfcopy")
    wait_for_notice(app, f"from {patch.name} in shelfcopy")
    show(app, "ds/-/compare?a=shelfcopy&b=shelf2&again=1")
    same = app.frame_locator("#frame").locator("p", has_text="have the same tables, columns and rows")
    assert "shelfcopy and shelf2 have the same" in same.inner_text()


def test_a_query_joins_databases_of_the_library(app):
    sql = "select b.title, a.name from shelf.books b join shelf2.authors a on a.id = b.author_id order by b.id"
    assert query(app, "_memory", sql) == [{"title": "The Dispossessed", "name": "Ursula"}]
    show(app, "ds/_memory/-/query?" + urlencode({"sql": sql}))
    assert app.frame_locator("#frame").locator("td.col-name").inner_text() == "Ursula"
    app.screenshot(path=DOCS / "crossdb.png")
    status, body = execute_write(app, "_memory", "delete from shelf.books")
    assert status != 200  # the attached databases are read-only
    assert len(query(app, "shelf", "select * from books")) == 2


def test_execute_write_runs_a_script_in_one_transaction(app):
    status, body = execute_write(app, "shelf", "create table tags (t text); insert into tags values ('a'), ('b');")
    assert status == 200 and body["rowcounts"][-1] == 2, body
    status, body = execute_write(app, "shelf", "insert into tags values ('c'); insert into nowhere values (1)")
    assert status == 400 and "Statement 2 failed" in body["errors"][0], body
    assert query(app, "shelf", "select count(*) as n from tags") == [{"n": 2}]


def test_an_index_is_made_from_the_table_page_after_its_sql_is_shown(app):
    show(app, "ds/shelf/books")
    frame = app.frame_locator("#frame")
    frame.locator("details.actions-menu-links summary").first.click()
    frame.locator("a", has_text="Indexes").click()
    wait_for_frame(app, "/ds/shelf/books/-/indexes")
    frame.locator("form.pwa-indexes-create select[name='column']").first.select_option("title")
    frame.locator("input[value='Show the SQL']").click()
    wait_for_frame(app, "/ds/shelf/books/-/indexes/create")
    assert frame.locator("pre.pwa-indexes-sql").inner_text() == 'CREATE INDEX "idx_books_title" ON "books" ("title");'
    app.screenshot(path=DOCS / "indexes.png")
    frame.locator("input[value='Run']").click()
    frame.locator(".pwa-indexes-name", has_text="idx_books_title").wait_for()
    plan = query(app, "shelf", "explain query plan select * from books where title = 'x'")
    assert any("idx_books_title" in row["detail"] for row in plan)


def menu_item(page, label):
    """An item (a link or a button) of the page's actions menu, the menu opened."""
    frame = page.frame_locator("#frame")
    frame.locator("details.actions-menu-links summary").first.click()
    return frame.locator("details.actions-menu-links").locator("a, button").filter(has_text=label).first


def test_explain_proposes_an_index_then_shows_the_time_before_and_after(app):
    show(app, "ds/shelf/-/query?" + urlencode({"sql": "select * from authors where name = 'Ursula'"}))
    menu_item(app, "Explain").click()
    wait_for_frame(app, "/ds/shelf/-/explain")
    frame = app.frame_locator("#frame")
    assert "SCAN authors reads every row" in frame.locator("ul.pwa-plan").inner_text()
    frame.locator("pre", has_text='CREATE INDEX "idx_authors_name" ON "authors" ("name");').wait_for()
    app.screenshot(path=DOCS / "explain.png")
    frame.locator("a", has_text="Create this index…").click()
    wait_for_frame(app, "/ds/shelf/authors/-/indexes/create")
    frame.locator("input[value='Run']").click()  # the indexes page showed the SQL; Run creates it and comes back
    frame.locator(".pwa-explain-time", has_text="Before the index").wait_for()
    assert "SEARCH authors USING COVERING INDEX idx_authors_name (name=?)" in frame.locator("ul.pwa-plan").inner_text()
    assert "there is no index to propose" in frame.locator("body").inner_text()


def test_datasettes_own_create_table_and_alter_table_dialogs_work(app):
    show(app, "ds/shelf")
    menu_item(app, "Create table").click()
    dialog = app.frame_locator("#frame").locator("dialog.table-create-dialog")
    dialog.locator("#table-create-name").fill("plants")
    dialog.locator(".table-create-column-name").last.fill("species")  # after the id column it starts with
    dialog.locator(".table-create-save").click()
    wait_for_frame(app, "/ds/shelf/plants")  # Datasette shows the new table
    menu_item(app, "Alter table").click()
    dialog = app.frame_locator("#frame").locator("dialog.table-alter-dialog, dialog[open]").first
    dialog.locator(".table-alter-add-column").click()
    dialog.locator(".table-alter-column-name").last.fill("height")
    dialog.locator(".table-alter-save").click()  # Review changes
    dialog.locator(".table-alter-save", has_text="Apply changes").click()
    wait_until(
        app,
        "() => fetch('ds/shelf/-/query.json?_shape=array&sql=' + encodeURIComponent(\"select name from "
        "pragma_table_info('plants')\")).then(r => r.json()).then(rows => rows.some(r => r.name === 'height'))",
    )


def test_a_starred_query_becomes_a_stored_query(app):
    show(app, "ds/shelf/-/query?sql=select+title+from+books+where+id+%3D+2")
    database_action(app, "Query history")
    wait_for_frame(app, "/ds/shelf/-/history")
    frame = app.frame_locator("#frame")
    entry = frame.locator("ol.pwa-history > li").filter(has_text="select title from books where id = 2").first
    entry.locator("button", has_text="Star").click()
    app.wait_for_function("() => document.getElementById('frame').contentWindow.location.pathname.includes('starred_')")
    wait_for_frame(app, frame_path(app))
    assert frame.locator("td.col-title").inner_text() == "Invisible Cities"


def test_the_sql_editor_completes_the_tables_of_attached_databases(app):
    show(app, "ds/_memory/-/query")
    editor = app.frame_locator("#frame").locator(".cm-content")
    editor.click()
    app.keyboard.type("select * from shelf.bo")
    completions = app.frame_locator("#frame").locator(".cm-tooltip-autocomplete li")
    try:
        completions.first.wait_for(timeout=5_000)
    except PlaywrightError:
        app.keyboard.press("Control+Space")
    assert "books" in completions.all_inner_texts()
