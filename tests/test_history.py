"""The query history (python/datasette_pwa/features/history.py, history_routes.py) under CPython: the owner's SQL from
the query page and execute-write is recorded with its time, duration, rows and error, newest first, searchable, capped,
kept across restarts in the internal database; Datasette's own queries are not; the page escapes the SQL it shows,
and a starred entry becomes a stored query."""

import json
import re
from html import unescape
from urllib.parse import parse_qs, quote_plus, urlsplit

import pytest
from datasette_pwa import library
from datasette_pwa.features import history
from testkit.app import JSON, get, header, open_app, run_async, serving
from testkit.databases import make_db

ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
ITEMS = "create table items (id integer primary key, name text); " + "".join(
    f"insert into items (name) values ('item {i}');" for i in range(5)
)


@pytest.fixture
def app(tmp_path):
    shop, other = make_db(tmp_path / "shop.db", ITEMS), make_db(tmp_path / "other.db", ITEMS)
    with serving(("shop", shop), ("other", other), internal=tmp_path / "internal.db") as app:
        yield app


def query(app, sql, db="shop", fmt=".json"):
    return get(app, f"/ds/{db}/-/query{fmt}?sql={quote_plus(sql)}")


def write(app, sql, db="shop"):
    return get(app, f"/ds/{db}/-/execute-write", "POST", JSON, json.dumps({"sql": sql}).encode())


def entries(app, db="shop", query_string=""):
    reply = get(app, f"/ds/{db}/-/history.json{query_string}")
    assert reply.status == 200, reply.body
    return json.loads(reply.body)


def test_a_read_and_a_write_are_recorded_with_their_rows_and_durations(app):
    assert query(app, "select * from items where id > 2").status == 200
    assert write(app, "update items set name = upper(name) where id <= 3").status == 200
    write_entry, read_entry = entries(app)["entries"]
    assert read_entry["sql"] == "select * from items where id > 2"
    assert (read_entry["kind"], read_entry["rows"], read_entry["error"]) == ("read", 3, None)
    assert write_entry["sql"] == "update items set name = upper(name) where id <= 3"
    assert (write_entry["kind"], write_entry["rows"], write_entry["error"]) == ("write", 3, None)
    for entry in (read_entry, write_entry):
        assert ISO_UTC.match(entry["ran_at"]), entry
        assert isinstance(entry["duration_ms"], float) and 0 <= entry["duration_ms"] < 10_000
    assert write_entry["id"] > read_entry["id"]
    # A statement SQLite gives no count for (CREATE TABLE): rows is null, not -1.
    assert write(app, "create table more (a)").status == 200
    assert entries(app)["entries"][0]["rows"] is None
    # A script (scripts.py) is one entry, as it was sent, with its statements' rows added up.
    script = "insert into more values (1), (2);\ndelete from items where id = 5;"
    assert write(app, script).status == 200
    assert [(e["sql"], e["rows"]) for e in entries(app)["entries"][:1]] == [(script, 3)]


def test_the_html_query_page_and_the_database_pages_sql_are_recorded(app):
    assert query(app, "select name from items", fmt="").status == 200
    redirect = get(app, "/ds/shop?sql=" + quote_plus("select id from items"))
    assert redirect.status == 302  # the database page sends ?sql= to the query page
    assert get(app, header(redirect, "location")).status == 200
    assert [e["sql"] for e in entries(app)["entries"]] == ["select id from items", "select name from items"]


def test_failures_are_recorded_with_their_error(app):
    assert query(app, "select * from no_such_table").status == 400
    assert write(app, "insert into items (id, name) values (1, 'taken')").status == 400  # fails as it runs
    assert write(app, "update no_such_table set a = 1").status == 400  # fails as SQLite prepares it
    update, insert, select = entries(app)["entries"]
    assert select["error"] == "no such table: no_such_table" and select["rows"] is None
    assert insert["error"] == "UNIQUE constraint failed: items.id" and insert["rows"] is None
    assert "no such table: no_such_table" in update["error"]
    assert all(isinstance(e["duration_ms"], float) for e in (update, insert, select))


def test_entries_are_newest_first_searchable_and_paged(app):
    sqls = ["select 1 as one", "select 'Item' as x", "select 2 as two", "select '50%_off' as y", "select 3 as three"]
    for sql in sqls:
        assert query(app, sql).status == 200
    found = entries(app)
    assert [e["sql"] for e in found["entries"]] == sqls[::-1]
    assert found["count"] == 5 and found["next"] is None
    assert [e["sql"] for e in entries(app, query_string="?q=ITEM")["entries"]] == ["select 'Item' as x"]
    # % and _ are themselves, not LIKE's wildcards.
    assert [e["sql"] for e in entries(app, query_string="?q=%25_")["entries"]] == ["select '50%_off' as y"]
    assert entries(app, query_string="?q=s_t")["count"] == 0  # as a wildcard, _ would match "as three"
    page = entries(app, query_string="?_size=2")
    assert [e["sql"] for e in page["entries"]] == sqls[:2:-1] and page["count"] == 5
    second = entries(app, query_string=page["next_url"].partition(".json")[2])
    assert [e["sql"] for e in second["entries"]] == sqls[2:0:-1]
    assert [e["sql"] for e in entries(app, query_string=f"?_size=2&_next={second['next']}")["entries"]] == sqls[:1]
    assert entries(app, db="other")["entries"] == []  # per database
    assert get(app, "/ds/shop/-/history.json?_size=x").status == 400


def test_only_the_newest_entries_are_kept(app, monkeypatch):
    monkeypatch.setattr(history, "MAX_ENTRIES", 5)
    assert query(app, "select 'other database'", db="other").status == 200
    for n in range(8):
        assert query(app, f"select {n}").status == 200
    assert [e["sql"] for e in entries(app)["entries"]] == [f"select {n}" for n in range(7, 2, -1)]
    assert [e["sql"] for e in entries(app, db="other")["entries"]] == ["select 'other database'"]


def test_the_history_survives_a_restart(tmp_path):
    internal, path = str(tmp_path / "internal.db"), make_db(tmp_path / "kept.db", ITEMS)
    for sql in ("select count(*) from items", "select max(id) from items"):
        app = open_app(("kept", path), internal=internal)
        assert query(app, sql, db="kept").status == 200
        app.ds.close()
    app = open_app(("kept", path), internal=internal)
    assert [e["sql"] for e in entries(app, db="kept")["entries"]] == [
        "select max(id) from items",
        "select count(*) from items",
    ]
    app.ds.close()


def test_datasettes_own_queries_are_not_recorded(app):
    # Pages that query the database a lot (counts, facets, schema), the write editor and its analysis, _memory.
    for path in ["/ds/", "/ds/shop", "/ds/shop/items?_facet=name", "/ds/shop/items/1", "/ds/shop/-/execute-write"]:
        assert get(app, path).status == 200, path
    assert get(app, "/ds/shop/-/execute-write/analyze?sql=" + quote_plus("delete from items")).status == 200
    assert query(app, "select 1", db="_memory").status == 200
    assert entries(app)["entries"] == []
    # The query page's CSV runs the SQL twice (rows for the page, then the file): one run is recorded.
    assert query(app, "select * from items", fmt=".csv").status == 200
    assert [(e["sql"], e["rows"]) for e in entries(app)["entries"]] == [("select * from items", 5)]


def test_the_page_lists_entries_escaped_with_run_again_links(app):
    hostile = "select '<script>alert(1)</script>' as \"</pre><b>x</b>\""
    assert query(app, hostile).status == 200
    assert write(app, "update items set name = '&amp;' where id = 1").status == 200
    page = get(app, "/ds/shop/-/history")
    assert page.status == 200
    html = page.body.decode()
    assert "<script>alert(1)" not in html and "<b>x</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    links = [unescape(href) for href in re.findall(r'<a href="([^"]+)">Run again</a>', html)]
    assert [urlsplit(link).path for link in links] == ["/ds/shop/-/execute-write", "/ds/shop/-/query"]
    assert [parse_qs(urlsplit(link).query)["sql"] for link in links] == [
        ["update items set name = '&amp;' where id = 1"],
        [hostile],
    ]
    assert get(app, links[1]).status == 200  # runs it again: a second entry
    assert 'action="/ds/shop/-/history/star"' in html and 'name="q"' in html
    searched = get(app, "/ds/shop/-/history?q=" + quote_plus("<script>")).body.decode()
    assert "2 entries contain" in searched and 'value="&lt;script&gt;"' in searched


def test_a_starred_entry_becomes_a_stored_query_that_runs(app):
    assert query(app, "select count(*) as n from items").status == 200
    entry_id = entries(app)["entries"][0]["id"]
    form = [("content-type", "application/x-www-form-urlencoded")]
    reply = get(app, "/ds/shop/-/history/star", "POST", form, f"id={entry_id}".encode())
    assert reply.status == 302, reply.body
    assert urlsplit(header(reply, "location")).path == f"/ds/shop/starred_{entry_id}"
    ran = get(app, f"/ds/shop/starred_{entry_id}.json?_shape=array")
    assert ran.status == 200 and json.loads(ran.body) == [{"n": 5}]
    stored = run_async(app.ds.get_query("shop", f"starred_{entry_id}"))
    assert stored.sql == "select count(*) as n from items" and not stored.is_write
    # Starred again: the same stored query, not a second one or an error.
    assert get(app, "/ds/shop/-/history/star", "POST", form, f"id={entry_id}".encode()).status == 302
    # A write is stored as a writable query.
    assert write(app, "delete from items where id = 5").status == 200
    write_id = entries(app)["entries"][0]["id"]
    assert get(app, "/ds/shop/-/history/star", "POST", form, f"id={write_id}".encode()).status == 302
    assert run_async(app.ds.get_query("shop", f"starred_{write_id}")).is_write
    # An entry of another database, or none: 404.
    assert get(app, "/ds/other/-/history/star", "POST", form, f"id={entry_id}".encode()).status == 404
    assert get(app, "/ds/shop/-/history/star").status == 405


def test_the_history_is_linked_from_the_database_and_query_pages(app):
    for path in ["/ds/shop", "/ds/shop/-/query?sql=select+1"]:
        html = get(app, path).body.decode()
        assert 'href="/ds/shop/-/history"' in html and "Query history" in html, path
    # _memory records nothing (it is not one of the library's databases): no link to an always empty page.
    assert "Query history" not in get(app, "/ds/_memory").body.decode()
    assert "is not recorded" in get(app, "/ds/_memory/-/history").body.decode()
    assert get(app, "/ds/nowhere/-/history").status == 404
    assert get(app, "/ds/nowhere/-/history.json").status == 404


def test_a_renamed_database_keeps_its_history_and_a_removed_one_forgets_it(tmp_path):
    path = make_db(tmp_path / "notes.db", "create table t (a)")
    app = open_app(("notes", path))
    assert get(app, "/ds/notes/-/query?sql=select+1").status == 200
    run_async(library.rename(app.ds, "notes", "jottings"))
    reply = get(app, "/ds/jottings/-/history.json")
    assert [e["sql"] for e in json.loads(reply.body)["entries"]] == ["select 1"]
    run_async(library.remove(app.ds, "jottings"))
    run_async(library.add(app.ds, ("jottings", str(path))))
    reply = get(app, "/ds/jottings/-/history.json")
    assert json.loads(reply.body)["entries"] == []
