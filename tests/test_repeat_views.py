"""Repeat views (issue 15): a page of the databases asked for again is answered from the worker's memory while nothing
it shows has changed (pwa/worker/response-cache.js), and never once something has: a write in this window or another, a
database added to the library. Its scripts still run: each answer has a nonce of its own."""

import re

import pytest
from testkit.databases import make_db
from testkit.page import INSERT_JS, execute_write, insert, open_with_input, wait_for_frame, wait_for_library

VIEW = """path => fetch(path).then(async r =>
    [r.headers.get('x-datasette-pwa-cache'), r.headers.get('content-security-policy'), await r.text()])"""
ROWS = "ds/views/items.json?_shape=array"


@pytest.fixture(scope="module")
def app(app_context, tmp_path_factory):
    app_page = app_context.pages[0]
    open_with_input(app_page, [make_db(tmp_path_factory.mktemp("repeat") / "views.db", rows=3)])
    wait_for_library(app_page, "views")
    wait_for_frame(app_page, "/ds/views")
    return app_page


def view(page, path):
    """(whether it came from the cache, the page's policy, its text)."""
    cached, policy, text = page.evaluate(VIEW, path)
    return cached == "hit", policy, text


def viewed_again(page, path):
    """Ask for path until it comes from the cache (Datasette's first look at a database may write its internal
    catalog, which makes the first answer out of date at once); its text."""
    for _ in range(3):
        cached, _, text = view(page, path)
        if cached:
            return text
    pytest.fail(f"{path} never came from the cache")


def show_again(page, path):
    """Show path in the frame, a new document even if it shows path already."""
    page.evaluate(
        "path => { const frame = document.getElementById('frame'); frame.contentDocument.body.dataset.old = 1;"
        " frame.src = path; }",
        path,
    )
    page.wait_for_function(
        "path => { const doc = document.getElementById('frame').contentDocument;"
        " return doc.location.pathname.endsWith(path.slice(2)) && doc.readyState === 'complete' && !doc.body.dataset.old; }",
        arg=path,
    )


def test_a_repeat_view_comes_from_memory_with_a_nonce_of_its_own(app):
    viewed_again(app, "ds/views/items")
    nonces = set()
    for _ in range(2):
        cached, policy, html = view(app, "ds/views/items")
        assert cached
        nonce = re.search(r"'nonce-([\w-]+)'", policy).group(1)
        assert f'nonce="{nonce}"' in html and html.count("nonce=") == html.count(f'nonce="{nonce}"')
        nonces.add(nonce)
    assert len(nonces) == 2
    show_again(app, "ds/views/items")  # its scripts run: the column menus
    app.frame_locator("#frame").locator("th .dropdown-menu-icon").first.wait_for(state="attached")


def test_a_write_is_seen_at_once(app):
    viewed_again(app, ROWS)
    assert insert(app, "views", {"name": "new", "size": 4}) == 201
    cached, _, text = view(app, ROWS)
    assert not cached and '"new"' in text
    assert execute_write(app, "views", "update items set name = 'renamed' where name = 'new'")[0] == 200
    assert '"renamed"' in view(app, ROWS)[2]
    show_again(app, "ds/views/items")
    assert "renamed" in app.frame_locator("#frame").locator("table.rows-and-columns").inner_text()


def test_a_write_in_another_window_is_seen_at_once(app, server):
    viewed_again(app, ROWS)
    other = app.context.new_page()
    try:
        other.goto(server.url)
        other.locator("#elsewhere").wait_for()  # relays to this window's Datasette
        viewed_again(other, ROWS)
        assert other.evaluate(INSERT_JS, ["views", "items", [{"name": "from the other window", "size": 5}]]) == 201
        assert "from the other window" in view(app, ROWS)[2]
        assert "from the other window" in view(other, ROWS)[2]
    finally:
        other.close()


def test_a_database_added_to_the_library_is_seen_at_once(app, tmp_path):
    viewed_again(app, "ds/.json")
    open_with_input(app, [make_db(tmp_path / "added.db", rows=1)])
    wait_for_library(app, "added")
    assert '"added"' in view(app, "ds/.json")[2]


STORE_QUERY = """([db, name, sql]) => fetch(`ds/${db}/-/queries/store`, {method: 'POST',
    headers: {'content-type': 'application/json'}, body: JSON.stringify({query: {name, sql}})}).then(r => r.status)"""


def test_sql_that_may_answer_differently_is_never_kept(app):
    """A query, a stored query and a view (at db/name, like a table) and a table page with SQL of its own (?_where=)
    may answer differently each time."""
    assert app.evaluate(STORE_QUERY, ["views", "lucky", "select random() as n"]) in (200, 201)
    assert execute_write(app, "views", "create view lucky_view as select random() as n")[0] == 200
    pages = ["ds/views/items?_where=random()+%3E+0", "ds/views/-/query?sql=select+random()", "ds/views/lucky"]
    for path in [*pages, "ds/views/lucky_view"]:
        assert not any(view(app, path)[0] for _ in range(3)), path
    for name in ["lucky", "lucky_view"]:
        answers = {view(app, f"ds/views/{name}.json?_shape=array")[2] for _ in range(3)}
        assert len(answers) == 3, name  # three random numbers: each drawn afresh


DELETE_ROW = """([db, table, id]) => fetch(`ds/${db}/${table}/${id}/-/delete?_redirect_to_table=1`, {method: 'POST',
    headers: {'content-type': 'application/json'}, body: '{}'}).then(r => r.json())"""
SAVED_VIEW = "path => fetch(`saved-view?of=${encodeURIComponent(new URL(path, document.baseURI))}`).then(r => r.text())"


def test_a_message_is_shown_once(app):
    """Datasette's "Deleted row" message (its ds_messages cookie) is on the next page drawn, and then never again: the
    page that shows it, which clears the cookie, is kept neither for a repeat view nor for the next start."""
    viewed_again(app, "ds/views/items")
    assert app.evaluate(DELETE_ROW, ["views", "items", 1])["ok"]
    messages = app.frame_locator("#frame").locator(".message-info")
    show_again(app, "ds/views/items")
    assert messages.inner_text().startswith("Deleted row 1")
    for _ in range(2):
        show_again(app, "ds/views/items")
        assert messages.count() == 0
    assert "Deleted row" not in app.evaluate(SAVED_VIEW, "ds/views/items")
