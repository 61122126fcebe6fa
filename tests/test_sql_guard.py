"""A user's SQL changes only its own database (python/datasette_pwa/sql_guard.py), under CPython: every hostile script
of testkit/hostile_scripts.py, run as a `.sql` restore (restore.py) and through execute-write (features/scripts.py),
leaves the other database untouched and its own readable and intact, ends within its time limit, and is refused or
fails in words."""

import hashlib
import json
import shutil
import sqlite3
import time

import pytest
from datasette_pwa import library, restore
from datasette_pwa.features.dump import dump_statements
from datasette_pwa.importing import ImportFailed, import_file
from testkit.app import JSON, get, run_async, serving
from testkit.databases import make_db
from testkit.hostile_scripts import script_for, scripts

LIMIT_MS = 400  # the time limit under test, for restores and execute-write alike
SCHEMA = """
create table items (id integer primary key, name text);
create virtual table items_fts using fts5(name, content=items, content_rowid=id);
insert into items (name) values ('kept'), ('also kept'), ('third');
insert into items_fts (rowid, name) select id, name from items;
"""
HOSTILE = scripts()


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """The database each script runs in, copied afresh for each."""
    return make_db(tmp_path_factory.mktemp("template") / "target.db", SCHEMA)


@pytest.fixture(scope="module")
def victim(tmp_path_factory):
    """Another database of the library, which the scripts aim at."""
    return make_db(tmp_path_factory.mktemp("victim") / "victim.db", SCHEMA)


@pytest.fixture(scope="module")
def app(victim, tmp_path_factory):
    internal = tmp_path_factory.mktemp("internal") / "internal.db"
    with serving(("victim", victim), internal=internal, sql_time_limit_ms=LIMIT_MS) as app:
        yield app


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def assert_contained(target, victim, before):
    assert digest(victim) == before, "the other database changed"
    assert library.problem_with(str(target)) is None  # SQLite's quick_check, the schema
    with sqlite3.connect(target) as db:
        assert db.execute("pragma integrity_check").fetchone()[0] == "ok"
        assert db.execute("select count(*) from items_fts where items_fts match 'kept'").fetchone()[0] >= 0
    db.close()


def test_the_corpus_is_big_enough():
    assert len(HOSTILE) >= 200 and len({h.name for h in HOSTILE}) == len(HOSTILE)


@pytest.mark.parametrize("hostile", HOSTILE, ids=[h.name for h in HOSTILE])
def test_a_script_restored_stays_in_its_database(hostile, template, victim, tmp_path, monkeypatch):
    monkeypatch.setattr(restore, "BULK_TIME_LIMIT_MS", LIMIT_MS)
    target = tmp_path / "target.db"
    shutil.copy(template, target)
    source = tmp_path / "hostile.sql"
    source.write_text(script_for(hostile, str(victim)))
    before = digest(victim)
    started = time.monotonic()
    try:
        import_file(str(target), "unused", str(source), "hostile.sql")
    except ImportFailed as failed:
        assert "Nothing was changed" in str(failed) or "no SQL statements" in str(failed)
    assert time.monotonic() - started < 10 * LIMIT_MS / 1000
    assert_contained(target, victim, before)


@pytest.mark.parametrize("hostile", HOSTILE, ids=[h.name for h in HOSTILE])
def test_a_script_through_execute_write_stays_in_its_database(hostile, app, template, victim, tmp_path):
    target = tmp_path / "target.db"
    shutil.copy(template, target)
    run_async(library.add(app.ds, ("target", str(target))))
    before = digest(victim)
    started = time.monotonic()
    sql = script_for(hostile, str(victim))
    try:
        # The page's analysis, on a plain GET (a link), then the write itself.
        analysed = get(app, "/ds/target/-/execute-write", sql=sql)
        reply = get(app, "/ds/target/-/execute-write", "POST", JSON, json.dumps({"sql": sql}).encode())
    finally:
        run_async(library.remove(app.ds, "target"))
    assert analysed.status == 200, analysed.body[:500]
    assert reply.status in (200, 400, 403), reply.body[:500]
    if reply.status != 200:
        assert json.loads(reply.body)["errors"], reply.body
    assert time.monotonic() - started < 10 * LIMIT_MS / 1000
    assert_contained(target, victim, before)


@pytest.mark.parametrize(
    "sql, expected",
    [
        ("ATTACH '{victim}' AS v;\nDELETE FROM v.items;\n", "ATTACH, DETACH and VACUUM cannot run here"),
        ("VACUUM INTO '{victim}';\n", "VACUUM"),
        ("PRAGMA journal_mode=OFF;\n", "PRAGMA journal_mode=OFF cannot run here"),
        ("PRAGMA writable_schema=ON;\nUPDATE sqlite_master SET sql = 'x';\n", "may not be modified"),
        ("select load_extension('x');\n", "load_extension() cannot run here"),
        ("create temp trigger t after insert on main.items begin delete from items; end;\n", "TEMP triggers"),
        ("DROP TABLE items_fts_data;\n", "it would leave the database unreadable"),
        ("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c;\n", "time limit"),
    ],
)
def test_a_refused_restore_says_why(sql, expected, template, victim, tmp_path, monkeypatch):
    monkeypatch.setattr(restore, "BULK_TIME_LIMIT_MS", LIMIT_MS)
    target = tmp_path / "target.db"
    shutil.copy(template, target)
    source = tmp_path / "hostile.sql"
    source.write_text(sql.format(victim=victim))
    with pytest.raises(ImportFailed) as failed:
        import_file(str(target), "unused", str(source), "hostile.sql")
    assert expected in str(failed.value)


def test_a_dump_of_a_virtual_table_still_restores_and_searches(template, tmp_path):
    conn = sqlite3.connect(template)
    conn.text_factory = bytes
    dump = b"\n".join(dump_statements(conn))  # features/dump.py's, as the sqlite3 shell writes it
    conn.close()
    assert b"PRAGMA writable_schema=ON" in dump
    (tmp_path / "dump.sql").write_bytes(dump)
    target = tmp_path / "restored.db"
    library.create_empty(str(target))
    import_file(str(target), "unused", str(tmp_path / "dump.sql"), "dump.sql")
    with sqlite3.connect(target) as db:
        assert db.execute("select name from items_fts where items_fts match 'kept' order by rowid").fetchall() == [
            ("kept",),
            ("also kept",),
        ]
    db.close()
