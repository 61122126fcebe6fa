"""Cross-database SQL (library.py's CrossDatabase) under CPython: the library's databases are attached read-only to
_memory under their names, as `datasette --crossdb` does, and follow the library as databases are added, removed and
renamed; the SQL editor on _memory completes their tables."""

import json
import os
import sqlite3

import pytest
from datasette_pwa import library
from testkit.app import JSON, get, run_async, serving
from testkit.databases import make_db

ODD = 'a]b "c" [d]'  # would break Datasette's own crossdb ATTACH, which writes [name]


def labelled(table, *rows):
    """SQL for a table (id, label) of rows."""
    values = ", ".join(f"({id}, '{label}')" for id, label in rows)
    return f"create table {table} (id integer primary key, label text); insert into {table} values {values};"


@pytest.fixture
def app(tmp_path):
    packages = make_db(tmp_path / "packages.db", labelled("packages", (1, "datasette"), (2, "sqlite-utils")))
    downloads = make_db(tmp_path / "downloads.db", labelled("counts", (1, "1000"), (2, "500")))
    with serving(("packages", packages), ("downloads", downloads)) as app:
        app.folder = tmp_path
        yield app


def query(app, sql, database="_memory"):
    """The rows, or Datasette's error."""
    reply = get(app, f"/ds/{database}/-/query.json", sql=sql, _shape="objects")
    data = json.loads(reply.body)
    return data["rows"] if reply.status == 200 else data.get("error")


JOIN = "select p.label as name, c.label as n from packages.packages p join downloads.counts c using (id) order by id"


def test_a_join_across_two_library_databases_on_memory(app):
    assert query(app, JOIN) == [{"name": "datasette", "n": "1000"}, {"name": "sqlite-utils", "n": "500"}]
    page = get(app, "/ds/_memory").body.decode()
    assert "packages" in page and "downloads" in page  # Datasette lists the attached databases on _memory's page


def test_a_database_added_later_becomes_joinable(app):
    assert "no such table" in query(app, "select * from late.things")
    before = list(app.ds.databases)
    run_async(library.add(app.ds, ("late", str(make_db(app.folder / "late.db", labelled("things", (1, "x")))))))
    assert list(app.ds.databases) == [*before, "late"]  # _memory kept its place
    assert query(app, "select p.label from late.things t join packages.packages p using (id)") == [
        {"label": "datasette"}
    ]
    odd = str(make_db(app.folder / "odd.db", labelled("t", (1, "odd"))))
    run_async(library.add(app.ds, (ODD, odd)))
    assert query(app, 'select label from "a]b ""c"" [d]".t') == [{"label": "odd"}]


def open_files():
    found = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            found.add(os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:
            pass
    return found


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc to see open files")
def test_a_removed_database_disappears_and_its_file_is_closed(app):
    assert query(app, JOIN)
    path = str(app.folder / "downloads.db")
    assert path in open_files()
    run_async(library.remove(app.ds, "downloads"))
    assert "no such table: downloads.counts" in query(app, JOIN)
    # The worker closes a removed database's OPFS file, which fails while a connection has it open.
    assert path not in open_files()
    assert query(app, "select label from packages.packages where id = 1") == [{"label": "datasette"}]


def test_a_renamed_database_is_attached_under_its_new_name(app):
    run_async(library.rename(app.ds, "downloads", "stats"))
    assert "no such table" in query(app, "select * from downloads.counts")
    assert query(app, "select label from stats.counts where id = 2") == [{"label": "500"}]


def test_writes_to_attached_databases_are_refused(app):
    memory = app.ds.get_database("_memory")

    def write(conn):
        conn.execute("insert into packages.packages values (3, 'sneaky')")

    with pytest.raises(sqlite3.OperationalError, match="attempt to write a readonly database"):
        run_async(memory.execute_fn(write))
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        run_async(memory.execute_fn(lambda conn: conn.execute("create table packages.more (x)")))
    # Datasette itself runs only SELECTs on the query page, and no execute-write on _memory, which is immutable.
    assert "Statement must be a SELECT" in query(app, "insert into packages.packages values (3, 'x')")
    body = json.dumps({"sql": "insert into packages.packages values (3, 'x')"}).encode()
    reply = get(app, "/ds/_memory/-/execute-write", "POST", JSON, body)
    assert reply.status >= 400
    assert query(app, "select count(*) as n from packages", "packages") == [{"n": 2}]  # nothing was written


def test_as_many_as_sqlite_allows_are_attached(app):
    limit = sqlite3.connect(":memory:").getlimit(sqlite3.SQLITE_LIMIT_ATTACHED)
    extra = [(f"db{i}", str(make_db(app.folder / f"db{i}.db", labelled("t", (i, str(i)))))) for i in range(limit)]
    run_async(library.add(app.ds, *extra))
    attached = [d.name for d in run_async(app.ds.get_database("_memory").attached_databases())]
    assert attached == ["packages", "downloads", *[name for name, _ in extra]][:limit]
    assert query(app, f"select label from db{limit - 3}.t") == [{"label": str(limit - 3)}]


def test_the_sql_editor_on_memory_completes_the_attached_tables(app):
    page = get(app, "/ds/_memory/-/query?sql=select+1").body.decode()
    schema = json.loads(page.split("const schema = ", 1)[1].split(";\n", 1)[0])
    assert schema == {"downloads.counts": ["id", "label"], "packages.packages": ["id", "label"]}
    # Other databases' pages complete their own tables only, as Datasette has them.
    page = get(app, "/ds/packages/-/query?sql=select+1").body.decode()
    assert json.loads(page.split("const schema = ", 1)[1].split(";\n", 1)[0]) == {"packages": ["id", "label"]}
