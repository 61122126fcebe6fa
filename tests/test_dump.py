"""CPython tests of the SQL dump (features/dump.py, <db>/-/dump.sql) and its restore (importing.py's restore_file):
what is dumped loads with sqlite3's executescript, the sqlite3 shell and the app's own importer, and gives the same
database back; a failing script changes nothing; the dump is streamed in chunks."""

import json
import sqlite3
import subprocess
import time

import pytest
from datasette_pwa import library
from datasette_pwa.app import App
from datasette_pwa.exchange import CHUNK_BYTES
from datasette_pwa.features import dump
from datasette_pwa.importing import ImportFailed, import_file
from datasette_pwa.restore import split_statements
from datasette_pwa.standalone import AppDatasette
from testkit.app import JSON, ORIGIN, get, header, open_app, run_async, serving, stream
from testkit.databases import make_db, numbered

HOSTILE = "<b>\"it's\" & 'x'</b> table"
HOSTILE_SQL = '"' + HOSTILE.replace('"', '""') + '"'
HAS_FTS5 = sqlite3.connect(":memory:").execute("select sqlite_compileoption_used('ENABLE_FTS5')").fetchone()[0]
FTS = "fts5" if HAS_FTS5 else "fts4"
SOURCE_SQL = f'''
create table kinds (id integer primary key, i integer, r real, t text, b blob, n);
create table {HOSTILE_SQL} ("<i>a</i>" text, "it's ""b""" integer, "c d" blob);
create table "auto 'q'" (id integer primary key autoincrement, v text);
create table plain (a, b);
create table pairs (k text primary key, v) without rowid;
create table gen (a integer, twice integer as (a * 2));
create virtual table docs using {FTS}(title, body);
create virtual table plain_fts using {FTS}(b, content=plain);
create view "kinds view" as select i, t from kinds where i > 0;
create trigger plain_ai after insert on plain begin
  insert into plain_fts(rowid, b) values (new.rowid, new.b);
  insert into kinds (t) values ('added; by the trigger');
end;
create index "kinds by i" on kinds(i);
'''


def make_source(path):
    with sqlite3.connect(path) as db:
        db.executescript(SOURCE_SQL)
        texts = ['it\'s "quoted"', "two\nlines\r\nand ; semicolons", "unicode: é ☃ 😀 \u200b", "", "-- not a comment"]
        kinds = [(n, n * 7 - 3, n / 3 + 0.1, t, bytes([n, 0, 255]), None) for n, t in enumerate(texts, start=1)]
        kinds += [(10, 2**63 - 1, float("inf"), "x", b"", 1.5), (11, -(2**63), float("-inf"), None, None, "y")]
        db.executemany("insert into kinds values (?, ?, ?, ?, ?, ?)", kinds)
        db.execute(f"insert into {HOSTILE_SQL} values (?, ?, ?)", ["<script>", 1, b"\x00"])
        db.executemany("insert into \"auto 'q'\" (v) values (?)", [("a",), ("b",), ("c",)])
        db.execute("delete from \"auto 'q'\" where v = 'c'")  # the sequence (3) is ahead of the rows
        db.executemany("insert into plain values (?, ?)", [(n, f"word{n} common") for n in range(1, 9)])
        db.execute("delete from plain where a in (2, 5)")  # rowids with gaps, which plain_fts refers to
        db.execute("insert into plain_fts(plain_fts) values ('rebuild')")
        db.executemany("insert into pairs values (?, ?)", [("a", 1), ("b;", "two")])
        # More than a page of text keys (dump.PAGE_ROWS), and a blob key after them: the dump resumes after each page.
        db.executemany("insert into pairs values (?, ?)", [(f"key {n:04}", n) for n in range(1200)])
        db.execute("insert into pairs values (?, ?)", [b"\x00blob key", "a blob"])
        db.executemany("insert into gen (a) values (?)", [(1,), (2,)])
        db.executemany("insert into docs values (?, ?)", [("hello", "world; of text"), ("Ünïcode", "ß")])
        db.execute("analyze")


def snapshot(path):
    """The schema (less root pages) and every row of every table, rowids included where there are any."""
    with sqlite3.connect(path) as db:
        # sqlite_stat4 is left out of dumps (features/dump.py): a SQLite without STAT4 could not load it.
        schema = sorted(db.execute("select type, name, tbl_name, sql from sqlite_master where name != 'sqlite_stat4'"))
        rows = {}
        tables = "select name from sqlite_master where type = 'table' and name != 'sqlite_stat4'"
        for (name,) in db.execute(tables).fetchall():
            quoted = '"' + name.replace('"', '""') + '"'
            try:
                found = db.execute(f"select rowid, * from {quoted}").fetchall()
            except sqlite3.OperationalError:  # WITHOUT ROWID
                found = db.execute(f"select * from {quoted}").fetchall()
            rows[name] = sorted(found, key=repr)
    return schema, rows


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    path = tmp_path_factory.mktemp("source") / "source.db"
    make_source(path)
    return path


@pytest.fixture(scope="module")
def app(source):
    with serving(("source", source), ('café "x"', source)) as app:
        yield app


@pytest.fixture(scope="module")
def dumped(app):
    return get(app, "/ds/source/-/dump.sql")


def test_the_dump_is_a_sql_download(dumped, app):
    assert dumped.status == 200
    assert header(dumped, "content-type") == "application/sql; charset=utf-8"
    assert header(dumped, "content-disposition") == 'attachment; filename="source.sql"'
    lines = dumped.body.decode().splitlines()
    assert lines[:2] == ["PRAGMA foreign_keys=OFF;", "BEGIN TRANSACTION;"] and lines[-1] == "COMMIT;"
    # An FTS table is recorded in the schema and its rows come from its shadow tables, never INSERTed into it.
    assert not any(line.startswith(('INSERT INTO "docs"', 'INSERT INTO "plain_fts"')) for line in lines)
    named = get(app, app.ds.urls.database('café "x"') + "/-/dump.sql")
    assert named.status == 200
    disposition = header(named, "content-disposition")
    assert disposition == "attachment; filename=\"caf_ _x_.sql\"; filename*=UTF-8''caf%C3%A9%20%22x%22.sql"


def test_the_dump_loads_with_executescript_as_the_same_database(dumped, source, tmp_path):
    target = tmp_path / "loaded.db"
    with sqlite3.connect(target) as db:
        db.executescript(dumped.body.decode())
    assert snapshot(target) == snapshot(source)
    with sqlite3.connect(target) as db:
        assert db.execute("pragma integrity_check").fetchall() == [("ok",)]
        # The FTS indexes work, and plain_fts's rowids still point at the right rows of plain.
        assert db.execute("select title from docs where docs match 'world'").fetchall() == [("hello",)]
        found = "select plain.a from plain_fts join plain on plain.rowid = plain_fts.rowid where plain_fts match ?"
        assert db.execute(found, ["word6"]).fetchall() == [(6,)]
        added = "select count(*) from kinds where t = 'added; by the trigger'"
        before = db.execute(added).fetchone()[0]
        db.execute("insert into plain values (99, 'fresh')")  # the trigger came back too
        assert db.execute(added).fetchone()[0] == before + 1


def test_the_dump_loads_with_the_sqlite3_shell(dumped, source, tmp_path):
    target = tmp_path / "shell.db"
    result = subprocess.run(["sqlite3", "-bail", str(target)], input=dumped.body, capture_output=True)
    assert result.returncode == 0, result.stderr
    assert snapshot(target) == snapshot(source)


def test_the_importer_restores_the_dump_as_the_same_database(dumped, source, tmp_path):
    script = tmp_path / "source.sql"
    script.write_bytes(dumped.body)
    target = tmp_path / "restored.db"
    library.create_empty(str(target))
    result = import_file(str(target), "unused", str(script), "source.sql")
    assert result["table"] is None and result["skipped"] == 0 and result["notes"] == []
    statements = list(split_statements(dumped.body.decode().splitlines(keepends=True)))
    # All but what does nothing in a restore: the dump's BEGIN TRANSACTION, COMMIT, and its foreign_keys and
    # writable_schema PRAGMAs (ON, OFF).
    assert result["statements"] == len(statements) - 5
    assert result["rows"] > 40
    assert snapshot(target) == snapshot(source)


def test_a_restore_adds_to_an_existing_database(dumped, source, tmp_path):
    script = tmp_path / "source.sql"
    script.write_bytes(dumped.body)
    target = tmp_path / "existing.db"
    with sqlite3.connect(target) as db:
        db.execute("create table mine (x)")
        db.execute("insert into mine values ('kept')")
    import_file(str(target), "unused", str(script), "source.sql")
    schema, rows = snapshot(target)
    assert rows.pop("mine") == [(1, "kept")]
    assert (sorted(s for s in schema if s[1] != "mine"), rows) == snapshot(source)


@pytest.mark.parametrize(
    "script, expected",
    [
        (
            "create table a (x);\ninsert into a values (1);\ninsert into nope values (2);\ncreate table b (y);\n",
            "statement 3 failed: no such table: nope. It begins “insert into nope values (2);”. Nothing was changed.",
        ),
        (
            "BEGIN TRANSACTION;\ncreate table a (x);\nCOMMIT;\nROLLBACK;\n",  # the COMMIT did not commit either
            "statement 4 failed: a ROLLBACK cannot run here, as the whole script is one transaction. It begins “ROLLBACK;”",
        ),
        ("create table a (x);\ncreate table keep (x);\n", "statement 2 failed: table keep already exists."),
        ("-- nothing here;\nBEGIN;\nCOMMIT;\n", "It has no SQL statements to run."),
    ],
)
def test_a_failing_script_changes_nothing_and_says_where(tmp_path, script, expected):
    target = tmp_path / "target.db"
    with sqlite3.connect(target) as db:
        db.execute("create table keep (x)")
        db.execute("insert into keep values (1)")
    before = snapshot(target)
    source = tmp_path / "bad.sql"
    source.write_text(script)
    with pytest.raises(ImportFailed) as failed:
        import_file(str(target), "unused", str(source), "bad.sql")
    assert str(failed.value).startswith(expected)
    assert snapshot(target) == before


def test_statements_split_where_sqlite_says_they_end():
    script = (
        "create table [a;b] (\"c;d\" text); insert into [a;b] values ('x;\n-- y;\n');\n"
        "/* a comment; */ create trigger t after insert on [a;b] begin\n  select 1;\n  select ';';\nend;\n"
        "-- a comment; with a semicolon\nselect `e;f` from [a;b]\n"
    )
    assert list(split_statements(script.splitlines(keepends=True))) == [
        'create table [a;b] ("c;d" text);',
        " insert into [a;b] values ('x;\n-- y;\n');",
        "\n/* a comment; */ create trigger t after insert on [a;b] begin\n  select 1;\n  select ';';\nend;",
        "\n-- a comment; with a semicolon\nselect `e;f` from [a;b]\n",
    ]


def test_the_database_page_links_the_dump_of_a_database_there_is(app):
    page = get(app, "/ds/source")
    assert b'href="/ds/source/-/dump.sql"' in page.body and b"Download SQL dump" in page.body
    assert b"/-/dump.sql" not in get(app, "/ds/_memory").body
    missing = get(app, "/ds/no-such-database/-/dump.sql")
    assert missing.status == 404 and b"Database not found" in missing.body


def test_an_actor_who_may_not_view_the_database_gets_no_dump(source):
    async def forbidden():
        # Not start(): there the local owner is root with every permission. Here only "someone" may see it.
        ds = AppDatasette([], config={"databases": {"secret": {"allow": {"id": "someone"}}}})
        await library.add(ds, ("secret", str(source)))
        return [await App(ds).handle("GET", ORIGIN + path, [], None) for path in ("/secret/-/dump.sql", "/secret")]

    reply, page = run_async(forbidden())
    assert reply.status == 403 and b"INSERT" not in reply.body and page.status == 403


def big_app(tmp_path):
    path = make_db(tmp_path / "big.db", numbered(40_000, label="'row ' || i || ' ' || hex(randomblob(40))"))
    return open_app(("big", path))


def test_a_big_dump_comes_in_chunks_never_whole(tmp_path):
    status, parts = stream(big_app(tmp_path), "/ds/big/-/dump.sql")
    assert status == 200
    assert sum(map(len, parts)) > 4_000_000 and len(parts) > 10
    assert max(map(len, parts)) < CHUNK_BYTES + 4096
    assert b"".join(parts).count(b"\nINSERT INTO") == 40_000


def test_a_write_during_the_dump_ends_it_as_a_script_that_fails(tmp_path, monkeypatch):
    # Where SQLite cannot lock the file, a write may land between two chunks: the header's change counter shows it.
    counters = iter([b"\x00\x00\x00\x01", b"\x00\x00\x00\x01"])
    monkeypatch.setattr(dump, "change_counter", lambda path: next(counters, b"\x00\x00\x00\x02"))
    status, parts = stream(big_app(tmp_path), "/ds/big/-/dump.sql")
    body = b"".join(parts).decode()
    assert status == 200
    assert body.endswith(
        "-- The dump stopped here, incomplete: big changed while it was being dumped: "
        "download the dump again.\nTHE DUMP IS INCOMPLETE;\n"
    )
    assert "COMMIT;" not in body
    with pytest.raises(sqlite3.OperationalError, match="syntax error"):
        sqlite3.connect(tmp_path / "partial.db").executescript(body)
    script = tmp_path / "partial.sql"
    script.write_text(body)
    target = tmp_path / "restored.db"
    library.create_empty(str(target))
    with pytest.raises(ImportFailed, match="syntax error"):
        import_file(str(target), "unused", str(script), "partial.sql")
    assert snapshot(target) == ([], {})


def test_a_download_cut_short_closes_its_connection(tmp_path):
    app = big_app(tmp_path)
    db = app.ds.databases["big"]
    made = []
    db.connect = lambda connect=db.connect: made.append(connect()) or made[-1]

    async def first_chunk():
        answer = app.stream("GET", ORIGIN + "/ds/big/-/dump.sql", [], None)
        await anext(answer)
        chunk = await anext(answer)
        await answer.aclose()  # the reader is gone: the download was cancelled
        return chunk

    assert run_async(first_chunk()).startswith(b"PRAGMA foreign_keys=OFF;")
    with pytest.raises(sqlite3.ProgrammingError, match="closed"):
        made[0].execute("select 1")
    assert made[0] not in db._all_connections


def test_a_paused_download_does_not_hold_writes_back(tmp_path):
    # The dump once held a read transaction while its reader was paused, and a write waited for the busy timeout,
    # freezing the worker, then failed "database is locked".
    app = big_app(tmp_path)

    async def write_while_paused():
        answer = app.stream("GET", ORIGIN + "/ds/big/-/dump.sql", [], None)
        await anext(answer)
        await anext(answer)  # a first chunk read, then the reader pauses
        started = time.monotonic()
        body = json.dumps({"row": {"label": "written meanwhile"}}).encode()
        reply = await app.handle("POST", ORIGIN + "/ds/big/r/-/insert", JSON, body)
        took = time.monotonic() - started
        rest = b"".join([chunk async for chunk in answer])
        return reply.status, took, rest

    status, took, rest = run_async(write_while_paused())
    assert status == 201 and took < 1
    assert rest.endswith(b"big changed while it was being dumped: download the dump again.\nTHE DUMP IS INCOMPLETE;\n")
