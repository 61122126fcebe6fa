"""Each database stands alone (python/datasette_pwa/standalone.py), under CPython: a database SQLite cannot read is set
aside with a reason in words, and the other databases, the start and the library's actions go on."""

import sqlite3

import pytest
from datasette_pwa import library
from datasette_pwa.standalone import check_file, copy_file
from testkit.app import get, open_app, run_async, serving
from testkit.databases import make_db

KEPT = "create table items (id integer primary key, name text); insert into items values (1, 'kept');"


def make(path, *sql):
    """Table items with one row, 'kept'; then each statement of sql."""
    return str(make_db(path, KEPT, *sql))


def unknown_module(path):
    return make(
        path,
        "PRAGMA writable_schema=ON",
        "INSERT INTO sqlite_master(type,name,tbl_name,rootpage,sql) VALUES('table','v','v',0,"
        "'CREATE VIRTUAL TABLE v USING no_such_module(x)')",
    )


def damaged_schema(path):
    return make(
        path, "PRAGMA writable_schema=ON", "UPDATE sqlite_master SET sql = 'CREATE TABLE items(' WHERE name = 'items'"
    )


@pytest.fixture
def app():
    with serving() as app:
        yield app


@pytest.mark.parametrize(
    "maker, reason",
    [
        (unknown_module, "it uses a virtual table this SQLite does not have (no such module: no_such_module)"),
        (damaged_schema, "its schema is damaged (SQLite says “malformed database schema (items)"),
    ],
)
def test_a_database_sqlite_cannot_read_is_set_aside_and_the_rest_is_served(app, tmp_path, maker, reason):
    good, bad = make(tmp_path / "good.db"), maker(tmp_path / "bad.db")
    problems = run_async(library.add(app.ds, ("good", good), ("bad", bad)))
    assert list(problems) == ["bad"] and problems["bad"].startswith(reason)
    assert library.set_aside(app.ds) == problems
    assert "bad" in library.names(app.ds)  # a new database does not take its name
    assert get(app, "/ds/good/items.json").status == 200
    assert get(app, "/ds/").status == 200 and b"bad" not in get(app, "/ds/.json").body
    assert get(app, "/ds/bad").status == 404
    run_async(app.ds.refresh_schemas(force=True))  # later refreshes go on too
    run_async(library.remove(app.ds, "bad"))
    assert library.set_aside(app.ds) == {}


def test_a_database_that_becomes_unreadable_is_set_aside_at_the_next_refresh(app, tmp_path):
    good, other = make(tmp_path / "good.db"), make(tmp_path / "other.db")
    assert run_async(library.add(app.ds, ("good", good), ("other", other))) == {}
    make(
        tmp_path / "fresh.db",
        "create table extra (x)",
        "PRAGMA writable_schema=ON",
        "UPDATE sqlite_master SET sql = 'x' WHERE name = 'items'",
    )
    (tmp_path / "other.db").write_bytes((tmp_path / "fresh.db").read_bytes())  # changed on disk
    assert get(app, "/ds/good/items.json").status == 200
    run_async(app.ds.refresh_schemas(force=True))
    assert "other" in library.set_aside(app.ds) and get(app, "/ds/good/items.json").status == 200


def test_check_and_download_work_on_a_database_that_cannot_be_opened(tmp_path):
    bad = unknown_module(tmp_path / "bad.db")
    assert check_file(bad) == ["ok"]  # the file is sound: only its module is missing here
    copy_file(bad, str(tmp_path / "copy.db"))
    assert (tmp_path / "copy.db").read_bytes() == (tmp_path / "bad.db").read_bytes()
    (tmp_path / "garbage.db").write_bytes(b"SQLite format 3\x00" + b"\xff" * 5000)
    assert check_file(str(tmp_path / "garbage.db"))[0].startswith("SQLite cannot read it")


def test_a_table_with_two_foreign_keys_to_one_table_one_naming_no_column_is_shown(app, tmp_path):
    # Datasette 1.0a41 sorts None (the key that names no column: the parent's primary key) against a column's name,
    # and its database page failed with a 500.
    path = make(
        tmp_path / "fk.db",
        "create table people (id integer primary key, name text)",
        "create table pairs (a integer references people, b integer references people(id))",
    )
    run_async(library.add(app.ds, ("fk", path)))
    page = get(app, "/ds/fk")
    assert page.status == 200, page.body[:300]
    assert get(app, "/ds/fk/pairs").status == 200


def test_html_planted_in_a_stored_querys_description_is_dropped_at_the_next_start(tmp_path):
    internal = str(tmp_path / "internal.db")
    app = open_app(internal=internal)
    run_async(app.ds.refresh_schemas(force=True))  # Datasette makes its internal tables
    app.ds.close()
    with sqlite3.connect(internal) as db:  # as a script that reached the internal database could
        db.execute(
            "insert into queries (database_name, name, sql, description_html) values "
            "('_memory', 'trap', 'select 1', '<button data-library-action=\"Remove\">Click</button>')"
        )
    db.close()
    app = open_app(internal=internal)
    page = get(app, "/ds/_memory/trap")
    assert page.status == 200 and b"data-library-action" not in page.body
    app.ds.close()
