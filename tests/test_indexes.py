"""A table's indexes (python/datasette_pwa/features/indexes.py, indexes_routes.py) under CPython: <db>/<table>/-/indexes
lists them, and creates and drops them, each statement shown before it runs and run only by a POST, whatever the
names; failures change nothing and say why; alter-table is needed. Also Datasette 1.0a41's own create-table and
alter-table, which are JSON APIs behind dialogs on the database and table pages, not pages of their own."""

import json
import re
import sqlite3
from html import unescape
from urllib.parse import urlencode

import pytest
from datasette_pwa import library
from datasette_pwa.features.dump import change_counter
from testkit.app import FORM, ORIGIN, get, serving
from testkit.databases import make_db

HOSTILE_TABLE = "<script>alert(1)</script> \"q\" [b] 'a' & c"
HOSTILE_COLUMN = 'it\'s "v" ] <i>x</i>; --'  # a ";" or "--" in a name must not split or end the statement
SCHEMA = """
create table items (id integer primary key, name text unique, shelf text, price integer);
insert into items values (1, 'a', 'x', 1), (2, 'b', 'x', 2), (3, 'c', 'y', 3);
create index items_price on items (price desc) where price > 0;
create table pairs (a text, b integer, v, primary key (a, b)) without rowid;
create view cheap as select * from items where price < 2;
"""


def quoted(name):
    return '"' + name.replace('"', '""') + '"'


@pytest.fixture
def app(tmp_path):
    hostile = f"create table {quoted(HOSTILE_TABLE)} (id integer primary key, {quoted(HOSTILE_COLUMN)} text)"
    path = make_db(tmp_path / "shop.db", SCHEMA, hostile)
    with serving(("shop", path)) as app:
        app.path = str(path)
        yield app


def post(app, path, fields, headers=()):
    return get(app, path, "POST", FORM + list(headers), urlencode(fields).encode())


def page_url(app, table="items"):
    return library.table_url(app.ds, "shop", table) + "/-/indexes"


def indexes(app, table="items"):
    """{name: (columns in order, unique, origin, partial)} as SQLite itself says, from another connection."""
    with sqlite3.connect(app.path) as db:
        found = {}
        for _, name, unique, origin, partial in db.execute(f"pragma index_list({quoted(table)})"):
            keys = db.execute(f"pragma index_xinfo({quoted(name)})").fetchall()
            found[name] = (tuple(k[2] for k in keys if k[5]), bool(unique), origin, bool(partial))
    db.close()
    return found


def messages(app, table="items"):
    """The flash messages the list page shows (once)."""
    return messages_in(get(app, page_url(app, table)).body.decode())


def messages_in(html):
    return [(kind, unescape(text)) for kind, text in re.findall(r'<p class="message-(\w+)">(.*?)</p>', html, re.S)]


def location(reply):
    return next(value for name, value in reply.headers if name.lower() == "location")


def test_the_list_shows_every_index_and_only_those_made_by_create_index_can_be_dropped(app):
    reply = get(app, page_url(app))
    assert reply.status == 200, reply.body
    html = reply.body.decode()
    items = re.findall(
        r'<span class="pwa-indexes-name">(.*?)</span>\s*<span class="pwa-indexes-columns">(.*?)</span>'
        r'\s*<span class="pwa-indexes-meta">(.*?)</span>',
        html,
    )
    assert items == [
        ("items_price", "(price DESC)", "partial · created by you"),
        ("sqlite_autoindex_items_1", "(name)", "unique · by a UNIQUE constraint"),
    ]
    assert re.findall(r'name="name" value="([^"]*)">\s*<input type="submit" value="Drop"', html) == ["items_price"]
    pairs = get(app, page_url(app, "pairs")).body.decode()
    assert "unique · by the PRIMARY KEY" in pairs and 'value="Drop"' not in pairs
    # Dropping one a constraint made, by its URL: refused, nothing changed.
    before = indexes(app)
    assert get(app, page_url(app) + "/drop?name=sqlite_autoindex_items_1").status == 400
    assert post(app, page_url(app) + "/drop", {"name": "sqlite_autoindex_items_1"}).status == 400
    assert indexes(app) == before


def test_the_form_offers_a_select_per_column_in_order(app):
    html = get(app, page_url(app)).body.decode()
    form = html[html.index('class="core pwa-indexes-create"') :]
    assert 'action="/ds/shop/items/-/indexes/create" method="get"' in html
    labels = re.findall(r'<label class="core">(\d\w\w) column\s*<select name="column">', form)
    assert labels == ["1st", "2nd", "3rd", "4th"]  # one per column of the table
    assert re.findall(r'<option value="(\w+)">', form)[:4] == ["id", "name", "shelf", "price"]
    assert 'name="name"' in form and '<input type="checkbox" name="unique" value="1">' in form


def test_create_shows_the_sql_first_and_changes_nothing_until_run(app):
    counter = change_counter(app.path)
    query = urlencode([("column", "shelf"), ("column", ""), ("column", "price"), ("name", ""), ("unique", "1")])
    reply = get(app, page_url(app) + "/create?" + query)
    assert reply.status == 200, reply.body
    html = reply.body.decode()
    sql = 'CREATE UNIQUE INDEX "idx_items_shelf_price" ON "items" ("shelf", "price")'
    assert unescape(re.search(r'<pre class="pwa-indexes-sql">(.*?)</pre>', html, re.S).group(1)) == sql + ";"
    assert 'action="/ds/shop/items/-/indexes/create" method="post"' in html
    hidden = re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', html)
    assert hidden == [("column", "shelf"), ("column", "price"), ("name", "idx_items_shelf_price"), ("unique", "1")]
    assert '<a href="/ds/shop/items/-/indexes">Cancel</a>' in html
    assert "idx_items_shelf_price" not in indexes(app) and change_counter(app.path) == counter
    # Run: the form's own fields, posted.
    reply = post(app, page_url(app) + "/create", hidden)
    assert reply.status == 302 and location(reply) == "/ds/shop/items/-/indexes"
    assert indexes(app)["idx_items_shelf_price"] == (("shelf", "price"), True, "c", False)
    assert change_counter(app.path) != counter  # a committed write, as any other
    assert messages(app) == [("info", "Created the index idx_items_shelf_price on shelf, price.")]
    assert messages(app) == []  # shown once
    assert "idx_items_shelf_price" in get(app, page_url(app)).body.decode()


def test_a_custom_name_and_several_columns_keep_their_order(app):
    fields = [("column", "price"), ("column", "name"), ("column", "id"), ("name", "by price, then name")]
    assert post(app, page_url(app) + "/create", fields).status == 302
    assert indexes(app)["by price, then name"] == (("price", "name", "id"), False, "c", False)
    # A name of spaces only gets the default.
    assert post(app, page_url(app) + "/create", [("column", "shelf"), ("name", "  ")]).status == 302
    assert indexes(app)["idx_items_shelf"] == (("shelf",), False, "c", False)


def test_drop_shows_the_sql_first_then_drops(app):
    reply = get(app, page_url(app) + "/drop?name=items_price")
    assert reply.status == 200
    html = reply.body.decode()
    assert (
        unescape(re.search(r'<pre class="pwa-indexes-sql">(.*?)</pre>', html).group(1)) == 'DROP INDEX "items_price";'
    )
    assert 'action="/ds/shop/items/-/indexes/drop" method="post"' in html
    assert "items_price" in indexes(app)
    reply = post(app, page_url(app) + "/drop", {"name": "items_price"})
    assert reply.status == 302 and location(reply) == "/ds/shop/items/-/indexes"
    assert "items_price" not in indexes(app)
    assert messages(app) == [("info", "Dropped the index items_price.")]
    # Gone: a 404, whether to confirm or to run.
    assert get(app, page_url(app) + "/drop?name=items_price").status == 404
    assert post(app, page_url(app) + "/drop", {"name": "items_price"}).status == 404


def test_hostile_table_and_column_names(app):
    url = page_url(app, HOSTILE_TABLE)
    reply = get(app, url + "/create?" + urlencode({"column": HOSTILE_COLUMN}))
    assert reply.status == 200, reply.body
    html = reply.body.decode()
    assert "<script>alert" not in html and "<i>x</i>" not in html
    assert html.count("<script") == html.count('<script nonce="')  # only the page's own scripts
    name = f"idx_{HOSTILE_TABLE}_{HOSTILE_COLUMN}"
    sql = f"CREATE INDEX {quoted(name)} ON {quoted(HOSTILE_TABLE)} ({quoted(HOSTILE_COLUMN)})"
    assert unescape(re.search(r'<pre class="pwa-indexes-sql">(.*?)</pre>', html, re.S).group(1)) == sql + ";"
    hidden = [(k, unescape(v)) for k, v in re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', html)]
    assert hidden == [("column", HOSTILE_COLUMN), ("name", name)]
    assert post(app, url + "/create", hidden).status == 302
    assert indexes(app, HOSTILE_TABLE)[name] == ((HOSTILE_COLUMN,), False, "c", False)
    listed = get(app, url).body.decode()
    assert "<script>alert" not in listed and "<i>x</i>" not in listed  # the list and the message, escaped
    assert messages_in(listed) == [("info", f"Created the index {name} on {HOSTILE_COLUMN}.")]
    drop = get(app, url + "/drop?" + urlencode({"name": name})).body.decode()
    assert (
        unescape(re.search(r'<pre class="pwa-indexes-sql">(.*?)</pre>', drop).group(1)) == f"DROP INDEX {quoted(name)};"
    )
    assert post(app, url + "/drop", {"name": name}).status == 302
    assert indexes(app, HOSTILE_TABLE) == {}


def test_failures_change_nothing_and_say_why(app):
    before, counter = indexes(app), change_counter(app.path)
    assert post(app, page_url(app) + "/create", [("column", "shelf"), ("name", "items_price")]).status == 302
    assert messages(app) == [
        ("error", "The index items_price was not created: index items_price already exists. Nothing was changed.")
    ]
    assert post(app, page_url(app) + "/create", [("column", "shelf"), ("unique", "1")]).status == 302
    assert messages(app) == [
        (
            "error",
            "The index idx_items_shelf was not created: some rows have the same values in these columns, so the index "
            "cannot be unique (UNIQUE constraint failed: items.shelf). Nothing was changed.",
        )
    ]
    assert indexes(app) == before and change_counter(app.path) == counter


def test_a_form_that_asks_for_no_index_says_so(app):
    for fields, message in [
        ([("column", ""), ("name", "x")], "Choose at least one column for the index."),
        ([("column", "nope")], "items has no column nope."),
        ([("column", "name"), ("column", "name")], "Choose each column once."),
    ]:
        reply = get(app, page_url(app) + "/create?" + urlencode(fields))
        assert reply.status == 302 and location(reply) == "/ds/shop/items/-/indexes"
        assert messages(app) == [("error", message)]
    assert get(app, page_url(app) + "/create", "PUT", FORM, b"column=name").status == 405


def test_the_sql_time_limit_stops_a_long_index_and_changes_nothing(app, monkeypatch):
    with sqlite3.connect(app.path) as db:
        db.execute("create table big (v)")
        db.execute(
            "with recursive n(i) as (select 1 union all select i + 1 from n where i < 100000) "
            "insert into big select random() from n"
        )
    db.close()
    # A 1 ms limit for the write only: as the app's setting it would stop Datasette's own permission queries first.
    shop = app.ds.get_database("shop")
    execute_write = shop.execute_write
    monkeypatch.setattr(shop, "execute_write", lambda sql, **kwargs: execute_write(sql, **kwargs, time_limit_ms=1))
    counter = change_counter(app.path)
    assert post(app, page_url(app, "big") + "/create", [("column", "v")]).status == 302
    assert messages(app, "big") == [
        (
            "error",
            "The index idx_big_v was not created: it took longer than the SQL time limit allows. Nothing was changed.",
        )
    ]
    assert indexes(app, "big") == {} and change_counter(app.path) == counter


def test_only_an_actor_who_may_alter_the_table_changes_its_indexes(app):
    app.ds.config.setdefault("databases", {})["shop"] = {
        "tables": {"items": {"permissions": {"alter-table": {"id": "someone else"}}}}
    }
    try:
        html = get(app, page_url(app)).body.decode()  # the list: view-table is enough
        assert "items_price" in html and 'value="Drop"' not in html and "Create an index" not in html
        assert "You may not change this table's indexes." in html
        assert get(app, page_url(app) + "/create?column=shelf").status == 403
        assert post(app, page_url(app) + "/create", {"column": "shelf"}).status == 403
        assert get(app, page_url(app) + "/drop?name=items_price").status == 403
        assert post(app, page_url(app) + "/drop", {"name": "items_price"}).status == 403
        assert "/-/indexes" not in get(app, "/ds/shop/items").body.decode()  # no link in the actions menu
        assert "items_price" in indexes(app) and "idx_items_shelf" not in indexes(app)
        app.ds.config["databases"]["shop"] = {"allow": {"id": "someone else"}}
        assert get(app, page_url(app)).status == 403
    finally:
        del app.ds.config["databases"]["shop"]
    assert post(app, page_url(app) + "/create", {"column": "shelf"}).status == 302


def test_missing_databases_tables_and_views_get_404(app):
    for path in [
        "/ds/nowhere/items/-/indexes",
        "/ds/shop/nothing/-/indexes",
        "/ds/shop/nothing/-/indexes/create",
        "/ds/shop/cheap/-/indexes",
        "/ds/shop/items/-/indexes/drop?name=nothing",
    ]:
        assert get(app, path).status == 404, path


def test_the_table_pages_actions_menu_links_to_the_indexes(app):
    html = get(app, "/ds/shop/items").body.decode()
    assert '<a href="/ds/shop/items/-/indexes" role="menuitem"' in html
    assert "/-/indexes" not in get(app, "/ds/shop/cheap").body.decode()  # a view has none
    hostile = get(app, library.table_url(app.ds, "shop", HOSTILE_TABLE)).body.decode()
    assert f'<a href="{page_url(app, HOSTILE_TABLE)}" role="menuitem"' in hostile


def test_a_cross_site_post_is_refused(app):
    # Datasette 1.0a41 has no CSRF tokens: its middleware (datasette/csrf.py) refuses a POST whose Sec-Fetch-Site or,
    # failing that, Origin says another site sent it, as for its own forms.
    for headers in [[("sec-fetch-site", "cross-site")], [("origin", "https://elsewhere.example")]]:
        reply = post(app, page_url(app) + "/create", {"column": "shelf"}, headers)
        assert reply.status == 403 and b"Form origin check failed" in reply.body
        reply = post(app, page_url(app) + "/drop", {"name": "items_price"}, headers)
        assert reply.status == 403
    assert set(indexes(app)) == {"items_price", "sqlite_autoindex_items_1"}
    same = [("sec-fetch-site", "same-origin"), ("origin", ORIGIN)]
    assert post(app, page_url(app) + "/create", {"column": "shelf"}, same).status == 302
    assert "idx_items_shelf" in indexes(app)


def test_datasettes_own_create_and_alter_table_work(app):
    # Datasette 1.0a41 has no create-table or alter-table page: "Create table" on the database page and "Alter table"
    # on the table page open dialogs (edit-tools.js) that post JSON to <db>/-/create and <db>/<table>/-/alter.
    db_page = get(app, "/ds/shop").body.decode()
    assert 'data-database-action="create-table"' in db_page
    data = json.loads(re.search(r"window._datasetteDatabaseData = (.*?);</script>", db_page).group(1))
    assert data["createTable"]["path"] == "/ds/shop/-/create"
    table_page = get(app, "/ds/shop/items").body.decode()
    assert 'data-table-action="alter-table"' in table_page
    data = json.loads(re.search(r"window._datasetteTableData = (.*?);</script>", table_page).group(1))
    assert data["alterTable"]["path"] == "/ds/shop/items/-/alter"
    for page in (db_page, table_page):
        assert re.search(r'<script nonce="[^"]+" src="/ds/-/static/edit-tools\.js', page)
    assert get(app, "/ds/-/static/edit-tools.js").status == 200
    assert get(app, "/ds/shop/-/create").status == 405 and get(app, "/ds/shop/items/-/alter").status == 405
    body = {
        "table": "made",
        "columns": [{"name": "id", "type": "integer"}, {"name": "label", "type": "text"}],
        "pk": "id",
    }
    json_headers = [("content-type", "application/json")]
    reply = get(app, "/ds/shop/-/create", "POST", json_headers, json.dumps(body).encode())
    assert reply.status == 201, reply.body
    add = {"operations": [{"op": "add_column", "args": {"name": "size", "type": "float"}}]}
    reply = get(app, "/ds/shop/made/-/alter", "POST", json_headers, json.dumps(add).encode())
    assert reply.status == 200, reply.body
    with sqlite3.connect(app.path) as db:
        assert [row[1] for row in db.execute("pragma table_info(made)")] == ["id", "label", "size"]
    db.close()
