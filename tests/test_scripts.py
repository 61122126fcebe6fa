"""SQL scripts through execute-write (python/datasette_pwa/features/scripts.py) under CPython: several statements run in
one transaction with a row count each, a failing one changes nothing and is named, one statement is Datasette's own."""

import json
import shutil
import sqlite3
from contextlib import contextmanager
from urllib.parse import quote_plus

import pytest
from datasette.app import Datasette
from datasette.plugins import pm
from datasette_pwa.features.scripts import statements_of
from testkit.app import FORM, JSON, get, run_async, serving
from testkit.databases import make_db

ITEMS = "create table items (id integer primary key, name text); insert into items values (1, 'a'), (2, 'b'), (3, 'c');"


@pytest.fixture
def path(tmp_path):
    return str(make_db(tmp_path / "shop.db", ITEMS))


@pytest.fixture
def app(path):
    with serving(("shop", path)) as app:
        yield app


def post(app, sql, headers=JSON, body=None):
    body = body if body is not None else json.dumps({"sql": sql}).encode()
    reply = get(app, "/ds/shop/-/execute-write", "POST", headers, body)
    return reply.status, reply.body.decode()


def everything(path):
    with sqlite3.connect(path) as db:
        return db.execute("select type, name, sql from sqlite_master order by name").fetchall(), db.execute(
            "select * from items order by id"
        ).fetchall()


def test_three_statements_run_in_one_go_with_a_count_each(app, path):
    script = """
        create table tags (item_id integer references items(id), tag text);
        insert into tags values (1, 'x;y'), (2, 'z'); -- a ";" in a string and a comment
        update items set name = upper(name) where id in (select item_id from tags);
    """
    status, body = post(app, script)
    assert status == 200, body
    reply = json.loads(body)
    assert reply["ok"] and reply["rowcounts"] == [-1, 2, 2]
    assert reply["rowcount"] == 4 and reply["message"] == "Query executed, 4 rows affected"
    assert {(a["operation"], a["table"]) for a in reply["analysis"]} >= {("create", "tags"), ("insert", "tags")}
    with sqlite3.connect(path) as db:
        assert db.execute("select * from tags").fetchall() == [(1, "x;y"), (2, "z")]
        assert db.execute("select name from items order by id").fetchall() == [("A",), ("B",), ("c",)]


def test_a_failing_second_statement_changes_nothing_and_is_named(app, path):
    before = everything(path)
    # Fails as it runs: the first statement had run in the same transaction.
    status, body = post(app, "delete from items where id = 3;\ninsert into items (id, name) values (1, 'again');")
    assert status == 400, body
    error = json.loads(body)["errors"][0]
    assert error.startswith("Statement 2 failed: UNIQUE constraint failed: items.id.")
    assert "It begins “insert into items (id, name) values (1, 'again');”" in error
    assert everything(path) == before
    # Fails as SQLite prepares it, after a table the script made: that table is not kept either.
    status, body = post(app, "create table made (a); insert into nowhere values (1); insert into made values (1)")
    assert status == 400 and "Statement 2 failed: no such table: nowhere" in body, body
    assert everything(path) == before


@contextmanager
def without_the_app_plugin():
    """Datasette as it comes: the app's plugins (pyproject.toml's entry points, all named pwa*) unregistered for a
    while."""
    ours = [(name, plugin) for name, plugin in pm.list_name_plugin() if name.startswith("pwa")]
    for name, _ in ours:
        pm.unregister(name=name)
    try:
        yield
    finally:
        for name, plugin in ours:
            pm.register(plugin, name=name)


@pytest.mark.parametrize(
    "sql",
    [
        "update items set name = name || '!' where id < 3",
        "insert into items (name) values ('d'); -- one statement, then a comment",
        "insert into items (name) values ('e') returning id, name",
        "insert into items (id) values (1)",
    ],
)
def test_one_statement_gets_datasettes_own_answer(app, path, tmp_path, sql):
    copy = str(tmp_path / "copy.db")
    shutil.copy(path, copy)
    with without_the_app_plugin():
        plain = Datasette([copy], config={"settings": {"num_sql_threads": 0}})
        plain.root_enabled = True
        headers = [("Content-Type", "application/json")]
        body = json.dumps({"sql": sql}).encode()
        expected = run_async(
            plain.client.post("/copy/-/execute-write", content=body, headers=headers, actor={"id": "root"})
        )
        plain.close()
    status, body = post(app, sql)
    assert status == expected.status_code
    assert json.loads(body) == json.loads(expected.text.replace('"copy"', '"shop"'))
    assert "rowcounts" not in json.loads(body)


def test_the_write_sql_editor_runs_scripts(app, path):
    script = "insert into items (name) values ('d');\ninsert into items (name) values ('e');\ndelete from items where id = 1;"
    analysis = get(app, f"/ds/shop/-/execute-write/analyze?sql={quote_plus(script)}")
    reply = json.loads(analysis.body)
    assert reply["ok"] and not reply["execute_disabled"], reply
    status, body = post(app, script, FORM, f"sql={quote_plus(script)}".encode())
    assert status == 200 and "Query executed, 3 rows affected" in body
    assert everything(path)[1] == [(2, "b"), (3, "c"), (4, "d"), (5, "e")]


def test_datasettes_checks_and_the_guard_cover_every_statement(app, path):
    before = everything(path)
    for script, reason in [
        ("insert into items (name) values ('x'); commit; insert into items (name) values ('y')", "commit"),
        ("insert into items (name) values ('x'); vacuum", "VACUUM is not allowed"),
        ("insert into items (name) values ('x'); attach 'other.db' as other", "attach"),
        (
            "insert into items (name) values ('x'); create trigger t after insert on items begin select 1; end",
            "trigger",
        ),
    ]:
        status, body = post(app, script)
        assert status in (400, 403) and reason.lower() in body.lower(), (script, body)
    assert everything(path) == before


def test_a_trigger_is_one_statement():
    script = """
        create table log (item_id integer, note text);
        create trigger logged after delete on items begin
            insert into log values (old.id, 'deleted; gone');
            insert into log values (old.id, 'twice');
        end;
        delete from items where id > 1;
        -- the end
    """
    assert [s.split()[:2] for s in statements_of(script)] == [
        ["create", "table"],
        ["create", "trigger"],
        ["delete", "from"],
    ]
    assert statements_of("select 1; ;\n/* nothing */ ; -- more") == ["select 1;"]


def test_the_last_statement_returns_its_rows(app, path):
    status, body = post(app, "update items set name = 'z' where id = 1; delete from items where id > 1 returning id")
    assert status == 200, body
    reply = json.loads(body)
    assert reply["rowcounts"] == [1, 2] and sorted(row["id"] for row in reply["rows"]) == [2, 3]
    assert everything(path)[1] == [(1, "z")]


def test_the_time_limit_stops_a_script_and_changes_nothing(app, path):
    before = everything(path)
    app.set_time_limit(50)
    slow = "with recursive c(n) as (select 1 union all select n + 1 from c where n < 3000000) select n from c"
    status, body = post(app, f"delete from items; insert into items (id) {slow}")
    assert status == 400 and "interrupted in statement 2 of 2" in body, body
    assert everything(path) == before
