"""The patch of a comparison (features/compare_patch.py, /-/compare.sql) under CPython, with real Datasette: downloaded,
applied to a copy of database a by the app's restore (restore.py's restore_file, one transaction), it gives database
b, by the comparison the compare page makes and row by row; what it cannot write it says, at its top and on the page;
it is streamed in chunks; it is a download only for those who may download both databases."""

import json
import random
import shutil
import sqlite3
import struct
import subprocess
from contextlib import closing

import pytest
from datasette_pwa import library
from datasette_pwa.app import App
from datasette_pwa.features import compare_patch
from datasette_pwa.features.compare_patch_rows import PAGE_ROWS
from datasette_pwa.features.dump import CHUNK_BYTES
from datasette_pwa.restore import ImportFailed, restore_file
from datasette_pwa.standalone import AppDatasette
from test_compare import make
from testkit.app import ORIGIN, get, open_app, run_async, serving, stream

TABLE = "ü \"q\" 'a' [b]\nx"  # a line break too: a name in a comment must not end it
TABLE_SQL = '"' + TABLE.replace('"', '""') + '"'
COLUMN = 'it\'s "v"'
COLUMN_SQL = '"' + COLUMN.replace('"', '""') + '"'
TEXT = "quote ' \" ; -- /* line\nbreak\r\nreturn\r tab\t ünï 😀"
FTS = """
create table docs (id integer primary key, body text);
create virtual table docs_fts using fts5(body, content='docs', content_rowid='id');
create trigger docs_ai after insert on docs begin
  insert into docs_fts (rowid, body) values (new.id, new.body); end;
create trigger docs_ad after delete on docs begin
  insert into docs_fts (docs_fts, rowid, body) values ('delete', old.id, old.body); end;
create trigger docs_au after update on docs begin
  insert into docs_fts (docs_fts, rowid, body) values ('delete', old.id, old.body);
  insert into docs_fts (rowid, body) values (new.id, new.body); end;
"""
A = f"""
create table people (id integer primary key, name text collate nocase, photo blob, note text, score real, v);
create table pairs (k1 text, k2 integer, v, primary key (k1, k2)) without rowid;
create table {TABLE_SQL} ({COLUMN_SQL} text, "ключ" integer primary key);
create table loose (a, b);
create table words (w text primary key, n integer) without rowid;
create table gone (x);
create table log (at integer primary key, what text);
create table reals (id integer primary key, r real);
create table gen (id integer primary key, v integer, twice integer generated always as (v * 2) stored);
create trigger people_log after update on people begin insert into log (what) values ('updated ' || new.id); end;
create virtual table old_fts using fts5(t);
create table tags (id integer primary key, t text);
create virtual table tags_fts using fts5(t);
create trigger tags_ai after insert on tags begin insert into tags_fts (rowid, t) values (new.id, new.t); end;
{FTS}
insert into people values (1, 'Ann', x'00ff', null, 1.5, 1), (2, 'Bob', null, 'x', 0.1, 'two'),
    (3, 'Cy', x'', 'y', -2.0, x'01'), (4, 'Di', null, null, 1e300, null);
insert into pairs values ('a', 1, 'p'), ('a', 2, 'q'), ('b', 1, null), ('b', 2, 2.5);
insert into {TABLE_SQL} values ('<b>bold</b>', 1), ('same', 2), ('gone', 3);
insert into loose values (1, 'one'), (2, 'two'), (3, null);
with recursive n(i) as (select 1 union all select i + 1 from n where i < 900)
insert into words select printf('w%04d', i), i from n;
insert into gone values (1);
insert into tags (t) values ('red');
insert into gen (id, v) values (1, 1), (2, 2);
insert into old_fts values ('old');
insert into docs (body) values ('the quick fox'), ('a lazy dog'), ('gone away');
"""
B_CHANGES = f"""
update people set name = 'ann', photo = x'00fe', note = 'now', score = 9e999, v = 2 where id = 1;
update people set note = null, score = -9e999, v = 9223372036854775807 where id = 2;
delete from people where id = 3;
insert into people values (10, 'New', x'ffee00', ?, 0.30000000000000004, -9223372036854775808);
update pairs set v = 'p2' where k1 = 'a' and k2 = 1;
update pairs set v = x'' where k1 = 'b' and k2 = 1;
delete from pairs where k1 = 'a' and k2 = 2;
insert into pairs values ('a', 3, 'r'), ('é', -1, 1e-300);
update {TABLE_SQL} set {COLUMN_SQL} = ? where "ключ" = 1;
delete from {TABLE_SQL} where "ключ" = 3;
insert into {TABLE_SQL} values (null, 7);
update loose set b = 'TWO' where rowid = 2;
delete from loose where rowid = 3;
insert into loose (rowid, a, b) values (9, 4, 'four');
update words set n = -n where n % 3 = 0;
delete from words where n % 7 = 0;
with recursive n(i) as (select 1 union all select i + 1 from n where i < 700)
insert into words select printf('x%04d', i), i from n;
drop table gone;
create table fresh (a, "b c");
insert into fresh values (1, 'f'), (2, x'00'), (3, 'g');
delete from fresh where a = 2;
create index fresh_b on fresh ("b c");
create table odd (rowid, _rowid_, oid);
with recursive n(i) as (select 1 union all select i + 1 from n where i < 600) insert into odd select i, -i, 'o' from n;
update gen set v = 5 where id = 2;
insert into tags (t) values ('blue');
drop table old_fts;
create virtual table notes_fts using fts5(t);
insert into notes_fts values ('new notes');
update docs set body = 'the slow fox' where id = 1;
delete from docs where id = 3;
insert into docs (body) values ('another dog');
"""


def changed(path):
    with sqlite3.connect(path) as db:
        for statement in B_CHANGES.split(";\n"):
            params = [TEXT] * statement.count("?")
            if statement.strip():
                db.execute(statement, params)
        db.executemany("insert into reals (r) values (?)", [[r] for r in REALS])
    db.close()
    return str(path)


# Any 64 bits that are a number, and the infinities: each must read back as the same real. Those below 1e-290 are tried
# on their own (test_tiny_reals_read_back_as_they_were), where the SQLite reading them reads them exactly.
BITS = random.Random(28).randbytes(8 * 3000)
NUMBERS = [r for (r,) in struct.iter_unpack("<d", BITS) if r == r]
REALS = [r for r in NUMBERS if not 0 < abs(r) < 1e-290] + [1.7976931348623157e308, float("inf"), float("-inf"), 1 / 3]
TINY = [r for r in NUMBERS if 0 < abs(r) < 1e-290] + [5e-324, -5e-324, 2.2250738585072014e-308]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("patch")
    a = make(folder / "a.db", A)
    b = changed(make(folder / "b.db", A))
    return {"a": a, "b": b, "folder": folder}


@pytest.fixture(scope="module")
def app(files):
    with serving(("a", files["a"]), ("b", files["b"])) as app:
        yield app


@pytest.fixture(scope="module")
def patch(app):
    reply = get(app, "/ds/-/compare.sql", a="a", b="b")
    assert reply.status == 200, reply.body
    return reply


def applied(files, body: bytes, name: str) -> str:
    """A copy of a with the patch run in it as the app runs a .sql file it opens."""
    script, copy = files["folder"] / f"{name}.sql", files["folder"] / f"{name}.db"
    script.write_bytes(body)
    shutil.copyfile(files["a"], copy)
    restore_file(str(copy), str(script))
    return str(copy)


# Datasette lets no one view the tables of docs_fts, an index of another table's content (they are derived from a
# table that is itself derived): compare and the patch leave them out, and docs_fts's triggers keep it in step.
DERIVED = "docs_fts_"


def everything(path):
    """Every schema row (but its page) and every row of every table compared, each value with its type."""
    with closing(sqlite3.connect(path)) as db:
        schema = db.execute("select type, name, tbl_name, sql from sqlite_master order by type, name").fetchall()
        tables = db.execute(
            "select name, wr from pragma_table_list where schema = 'main' and type in ('table', 'shadow') "
            "and name not like 'sqlite%' and substr(name, 1, ?) != ?",
            [len(DERIVED), DERIVED],
        ).fetchall()
        db.text_factory = bytes  # text as its bytes
        rows = {}
        for name, without_rowid in tables:
            columns = [c.decode() for (c,) in db.execute("select name from pragma_table_xinfo(?)", [name])]
            values = ", ".join(f"typeof({c}), {c}" for c in map(quoted, columns))
            found = db.execute(f"select {'' if without_rowid else 'rowid, '}{values} from {quoted(name)}").fetchall()
            rows[name] = sorted(found, key=repr)
    return schema, rows


def quoted(name):
    return '"' + name.replace('"', '""') + '"'


def test_the_patch_is_sql_as_sqldiff_writes_it(patch):
    assert dict(patch.headers)["content-disposition"] == 'attachment; filename="a-to-b.sql"'
    assert dict(patch.headers)["content-type"] == "application/sql; charset=utf-8"
    lines = patch.body.decode().split("\n")
    statements = [line for line in lines if line and not line.startswith("--")]
    assert statements[0] == "BEGIN;" and lines[-2:] == ["COMMIT;", ""]
    assert all(line.startswith("-- ") for line in lines[: lines.index("BEGIN;")])
    assert 'DELETE FROM "people" WHERE "id"=3;' in lines
    assert "UPDATE \"people\" SET \"name\"='ann', \"photo\"=X'00FE', \"note\"='now', \"score\"=9.0e+999, \"v\"=2 " \
        'WHERE "id"=1;' in lines  # fmt: skip
    assert 'UPDATE "people" SET "note"=NULL, "score"=-9.0e+999, "v"=9223372036854775807 WHERE "id"=2;' in lines
    assert 'UPDATE "pairs" SET "v"=X\'\' WHERE "k1"=\'b\' AND "k2"=1;' in lines
    assert 'DELETE FROM "pairs" WHERE "k1"=\'a\' AND "k2"=2;' in lines
    assert 'INSERT INTO "loose"("rowid","a","b") VALUES(9,4,\'four\');' in lines
    assert 'DELETE FROM "loose" WHERE "rowid"=3;' in lines
    assert 'DROP TABLE IF EXISTS "gone";' in lines and 'DROP TABLE "old_fts";' in lines
    assert 'CREATE TABLE fresh (a, "b c");' in lines and 'CREATE INDEX fresh_b on fresh ("b c");' in lines
    assert 'INSERT INTO "fresh"("rowid","a","b c") VALUES(3,3,\'g\');' in lines  # its rowids kept
    assert 'UPDATE "gen" SET "v"=5 WHERE "id"=2;' in lines  # a generated column is not written
    # A table whose rowid has no name left is read by OFFSET, and written without it.
    assert sum(line.startswith('INSERT INTO "odd"("rowid","_rowid_","oid") VALUES(') for line in lines) == 600
    # people_log writes log, which the patch writes: not while it runs; tags_ai writes tags_fts, whose tables it writes
    # too. docs's triggers write docs_fts, whose tables are hidden: left to act.
    assert 'DROP TRIGGER "people_log";' in lines and 'DROP TRIGGER "tags_ai";' in lines
    made_again = [line.split()[:3] for line in lines[-5:-3]]  # at the end, before PRAGMA writable_schema=OFF
    assert made_again == [["CREATE", "TRIGGER", "people_log"], ["CREATE", "TRIGGER", "tags_ai"]]
    assert not any(line.startswith(('DROP TRIGGER "docs', 'INSERT INTO "docs_fts')) for line in lines)


def test_applied_to_a_copy_of_a_it_gives_b(app, files, patch):
    copy = applied(files, patch.body, "patched")
    run_async(library.add(app.ds, ("patched", copy)))
    result = json.loads(get(app, "/ds/-/compare.json", a="patched", b="b").body)
    assert result["identical"], result
    assert everything(copy) == everything(files["b"])
    with closing(sqlite3.connect(copy)) as db:
        # The full-text indexes work: notes_fts b's, written table by table; docs_fts kept in step by its triggers.
        assert db.execute("select * from notes_fts where notes_fts match 'notes'").fetchall() == [("new notes",)]
        assert db.execute("select rowid from tags_fts where tags_fts match 'blue'").fetchall() == [(2,)]
        found = "select rowid from docs_fts where docs_fts match ? order by rowid"
        assert db.execute(found, ["dog"]).fetchall() == [(2,), (3,)] and db.execute(found, ["quick"]).fetchall() == []
        with db:
            db.execute("insert into docs_fts (docs_fts) values ('integrity-check')")  # fails if it is not
            db.execute("update docs set body = 'a red fox' where id = 2")  # the triggers are there, and act
        assert db.execute(found, ["fox"]).fetchall() == [(1,), (2,)]
        assert db.execute("pragma integrity_check").fetchall() == [("ok",)]


def test_the_sqlite3_shell_applies_it_too(files, patch):
    copy = files["folder"] / "shell.db"
    shutil.copyfile(files["a"], copy)
    result = subprocess.run(["sqlite3", "-bail", str(copy)], input=patch.body, capture_output=True)
    assert result.returncode == 0, result.stderr
    assert everything(copy) == everything(files["b"])


def test_rows_of_many_pages_are_all_there(patch):
    # words: a WITHOUT ROWID table keyed on text, its differences read 500 at a time, resumed after the last key.
    lines = patch.body.decode().split("\n")
    kinds = {kind: sum(line.startswith(f'{kind} "words"') for line in lines) for kind in ("DELETE FROM", "UPDATE")}
    assert kinds == {"DELETE FROM": 900 // 7, "UPDATE": 900 // 3 - 900 // 21}
    assert sum(line.startswith('INSERT INTO "words"') for line in lines) == 700 > PAGE_ROWS


def reads_tiny_reals_exactly() -> bool:
    """Whether this SQLite reads back 20 digits that are a real exactly: 3.40 (CPython's own) misreads some below
    1e-290 by one unit, whatever the text; 3.54 (the app's) does not."""
    with closing(sqlite3.connect(":memory:")) as db:
        return db.execute("select 8.90252978061521589928e-296").fetchone()[0] == 8.902529780615216e-296


@pytest.mark.skipif(
    not reads_tiny_reals_exactly(), reason=f"SQLite {sqlite3.sqlite_version} misreads some reals below 1e-290"
)
def test_tiny_reals_read_back_as_they_were(tmp_path):
    a, b = (make(tmp_path / f"{n}.db", "create table t (id integer primary key, r real);") for n in ("a", "b"))
    with closing(sqlite3.connect(b)) as db, db:
        db.executemany("insert into t (r) values (?)", [[r] for r in TINY])
    app = open_app(("a", a), ("b", b))
    script = tmp_path / "a-to-b.sql"
    script.write_bytes(get(app, "/ds/-/compare.sql", a="a", b="b").body)
    restore_file(a, str(script))
    assert everything(a) == everything(b) and len(everything(a)[1]["t"]) == len(TINY) > 80


UNPATCHABLE = """
create table "no key
DROP TABLE people; --" (rowid, _rowid_, oid);
create table retyped (id integer primary key, v integer);
create table fine (id integer primary key, v);
insert into "no key
DROP TABLE people; --" values (1, 1, 1), (2, 2, 2);
insert into retyped values (1, 1);
insert into fine values (1, 'a');
"""
UNPATCHABLE_CHANGES = """
insert into "no key
DROP TABLE people; --" values (3, 3, 3);
drop table retyped;
create table retyped (id integer primary key, v text);
insert into retyped values (1, 'one');
update fine set v = 'b';
create virtual table fine_fts using fts5(v, content='fine', content_rowid='id');
insert into fine_fts (fine_fts) values ('rebuild');
"""


def test_what_cannot_be_patched_is_said_at_the_top_and_on_the_page(tmp_path):
    a = make(tmp_path / "a.db", UNPATCHABLE)
    b = make(tmp_path / "b.db", UNPATCHABLE, UNPATCHABLE_CHANGES)
    app = open_app(("a", a), ("b", b))
    notes = [
        "“no key DROP TABLE people; --”: its rows cannot be matched, with no primary key both have and no rowid.",
        "“retyped”: its columns differ, and a patch cannot change a table's columns safely.",
        # Datasette hides the tables of an index of another table's content: without them it cannot be made.
        "“fine_fts”, a virtual table only b has: the tables that hold its rows are hidden.",
    ]
    body = get(app, "/ds/-/compare.sql", a="a", b="b").body.decode()
    top = body[: body.index("\nBEGIN;\n")].split("\n")
    assert top[-4:] == [
        "-- Not in this patch, which cannot write these safely (change them by hand):",
        *(f"--   {note}" for note in notes),
    ]
    assert body.endswith('BEGIN;\nUPDATE "fine" SET "v"=\'b\' WHERE "id"=1;\nCOMMIT;\n')
    page = get(app, "/ds/-/compare", a="a", b="b").body.decode()
    assert '<a class="pwa-compare-patch" href="/ds/-/compare.sql?a=a&amp;b=b">Download patch</a>' in page
    shown = page[page.index('<div class="pwa-compare-patch-notes">') :]
    for note in notes:
        escaped = note.replace("'", "&#39;").replace("“no key DROP", "“no key\nDROP")
        assert f"<li>{escaped}</li>" in shown
    # What it does write applies: fine is b's; the others stay as they are.
    script = tmp_path / "a-to-b.sql"
    script.write_text(body)
    restore_file(a, str(script))
    with closing(sqlite3.connect(a)) as db:
        assert db.execute("select v from fine").fetchall() == [("b",)]
        assert db.execute("select count(*) from retyped where v = 1").fetchone() == (1,)


def test_no_link_when_the_databases_are_the_same(app, files):
    page = get(app, "/ds/-/compare", a="a", b="a").body.decode()
    assert "have the same tables, columns and rows" in page and "Download patch" not in page


def big(tmp_path):
    a = make(tmp_path / "big_a.db", "create table t (id integer primary key, v text);")
    fill = "with recursive n(i) as (select 1 union all select i + 1 from n where i < 20000) "
    b = make(tmp_path / "big_b.db", "create table t (id integer primary key, v text);", fill + "insert into t "
             "select i, hex(randomblob(40)) from n;")  # fmt: skip
    return open_app(("big_a", a), ("big_b", b))


def test_the_patch_comes_in_chunks_never_whole(tmp_path):
    status, parts = stream(big(tmp_path), "/ds/-/compare.sql?a=big_a&b=big_b")
    assert status == 200 and len(parts) > 5 and max(map(len, parts)) < CHUNK_BYTES + 4096
    body = b"".join(parts).decode()
    assert body.count("\nINSERT INTO") == 20_000 and body.endswith("\nCOMMIT;\n")


def test_a_write_during_the_patch_ends_it_as_a_script_that_fails(tmp_path, monkeypatch):
    counters = iter([b"1", b"1", b"1", b"1"])  # a's and b's, at the start and at the first chunk
    monkeypatch.setattr(compare_patch, "change_counter", lambda path: next(counters, b"2"))
    status, parts = stream(big(tmp_path), "/ds/-/compare.sql?a=big_a&b=big_b")
    body = b"".join(parts).decode()
    assert status == 200 and "COMMIT;" not in body
    assert body.endswith(
        "-- The patch stopped here, incomplete: “big_a” or “big_b” changed while the patch was being written: "
        "download it again.\nTHE PATCH IS INCOMPLETE;\n"
    )
    script = tmp_path / "partial.sql"
    script.write_text(body)
    with pytest.raises(ImportFailed, match="syntax error"):
        restore_file(str(tmp_path / "big_a.db"), str(script))


def test_only_those_who_may_download_both_get_the_patch(files):
    async def run():
        config = {"databases": {"b": {"permissions": {"view-database-download": False}}}}
        ds = AppDatasette([], config=config)
        await library.add(ds, ("a", files["a"]), ("b", files["b"]))
        app = App(ds)
        return [await app.handle("GET", ORIGIN + f"/-/compare{s}?a=a&b=b", [], None) for s in (".sql", "")]

    patch, page = run_async(run())
    assert patch.status == 403 and b"INSERT" not in patch.body
    assert page.status == 200 and b"Rows changed" in page.body and b"Download patch" not in page.body
