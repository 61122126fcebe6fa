"""A user's SQL stays in its box, in the real app in Chromium: a script that would reach another database is refused in
words, and a script whose statement never ends is stopped by Cancel, leaving nothing behind."""

import pytest
from testkit.browser import installed_copy, launch, wait_ready
from testkit.databases import make_db
from testkit.page import (
    IN_LIBRARY,
    clear_notices,
    execute_write,
    open_with_input,
    query,
    wait_for_library,
    wait_for_notice,
)

FOREVER = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c;\n"


@pytest.fixture(scope="module")
def app(playwright, server, installed, tmp_path_factory):
    profile = installed_copy(installed, tmp_path_factory.mktemp("contained") / "profile")
    context = launch(playwright, profile)
    page = context.pages[0]
    page.goto(server.url)
    wait_ready(page)
    folder = tmp_path_factory.mktemp("files")
    open_with_input(page, [make_db(folder / "keep.db"), make_db(folder / "other.db")])
    wait_for_library(page, "other")
    yield page, folder
    context.close()


COUNT_JS = """db => fetch(`ds/${db}/-/query.json?_shape=array&sql=select+count(*)+as+n+from+items`)
    .then(async r => r.status === 200 ? (await r.json())[0].n : `${r.status}: ${(await r.text()).slice(0, 2000)}`)"""


def run_script(page, path, into):
    """Open a .sql file and say Run, into database `into` ("" for a new one)."""
    open_with_input(page, [path])
    page.locator("dialog select").select_option(into)
    page.get_by_role("button", name="Run").click()


def test_a_script_that_reaches_for_another_database_is_refused(app):
    page, folder = app
    script = folder / "reach.sql"
    script.write_text("DELETE FROM items;\nATTACH 'anything.db' AS other;\nDELETE FROM other.items;\n")
    run_script(page, script, "keep")
    wait_for_notice(page, "reach.sql was not imported: statement 2 failed: ATTACH, DETACH and VACUUM cannot run here")
    assert query(page, "keep", "select count(*) as n from items") == [{"n": 50}]
    status, body = execute_write(page, "keep", "PRAGMA journal_mode=OFF; DELETE FROM items")
    assert status == 400 and "PRAGMA journal_mode=OFF cannot run here" in " ".join(body["errors"])
    assert query(page, "other", "select count(*) as n from items") == [{"n": 50}]


@pytest.mark.parametrize("into", ["keep", ""])
def test_cancel_stops_a_statement_that_never_ends_and_keeps_nothing(app, into):
    page, folder = app
    clear_notices(page)
    script = folder / "forever.sql"
    # Into keep, it empties items first; into a new database, it makes a table first: neither is kept.
    script.write_text(("DELETE FROM items;\n" if into else "CREATE TABLE made (x);\n") + FOREVER)
    run_script(page, script, into)
    cancel = page.locator("#imports button", has_text="Cancel")
    cancel.wait_for()
    page.wait_for_timeout(1500)  # the copy is done: the statement runs
    cancel.click()
    wait_for_notice(page, "forever.sql was cancelled: its SQL was still running, so Datasette was restarted")
    wait_ready(page)
    assert page.evaluate(COUNT_JS, "keep") == 50
    assert not page.evaluate(IN_LIBRARY, "forever")
    assert "Something went wrong" not in page.text_content("#notices")
