"""CPython tests of python/datasette_pwa/library.py: every bad file gets a clear reason, good ones open."""

import json
import sqlite3
import subprocess
import sys

import pytest
from datasette_pwa import library
from testkit.app import FORM, JSON, get, open_app, run_async
from testkit.databases import counting, make_db

# 500 rows of 200 x's.
GOOD = f"""create table t (id integer primary key, v text);
{counting(500)} insert into t (v) select replace(printf('%200s', ''), ' ', 'x') from n;"""


@pytest.fixture
def good(tmp_path):
    return make_db(tmp_path / "good.db", GOOD)


def test_a_good_database_has_no_problem(good):
    assert library.problem_with(str(good)) is None


@pytest.mark.parametrize(
    "content, reason",
    [
        (b"", "empty (0 bytes)"),
        (b"name,age\nalice,3\n", "not a SQLite database (or it is encrypted)"),
        (bytes(range(256)) * 64, "not a SQLite database (or it is encrypted)"),
        (b"SQLite format 3\x00\x10\x00", "truncated"),
    ],
)
def test_bad_files_get_a_clear_reason(tmp_path, content, reason):
    path = tmp_path / "bad.db"
    path.write_bytes(content)
    assert reason in library.problem_with(str(path))


def test_a_truncated_database_is_reported(tmp_path, good):
    path = tmp_path / "cut.db"
    path.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    assert library.problem_with(str(path)) is not None


def test_a_database_has_the_same_url_before_and_after_it_is_served(good):
    """A database waiting for permission (not served yet) has the page it will have: Recent and the library link it."""
    app = open_app()
    waiting = library.url(app.ds, "my/good db")
    run_async(library.add(app.ds, ("my/good db", str(good))))
    assert waiting == library.url(app.ds, "my/good db") == "/ds/my~2Fgood+db"


def test_add_rename_remove_and_snapshot(tmp_path, good):
    app = open_app(("good", good))
    assert library.names(app.ds) == ["_memory", "good"]
    reply = get(app, "/ds/good.json")
    assert [t["name"] for t in json.loads(reply.body)["tables"]] == ["t"]  # listed at once, not a second later
    run_async(library.rename(app.ds, "good", "better"))
    assert "better" in app.ds.databases and "good" not in app.ds.databases
    assert run_async(library.integrity(app.ds, "better")) == ["ok"]
    target = tmp_path / "snapshot.db"
    run_async(library.snapshot(app.ds, "better", str(target)))
    assert sqlite3.connect(target).execute("select count(*) from t").fetchone() == (500,)
    run_async(library.remove(app.ds, "better"))
    reply = get(app, "/ds/-/databases.json")
    assert [d["name"] for d in json.loads(reply.body)["databases"]] == ["_memory"]


def test_a_database_opened_in_place_is_read_only_and_never_read_whole(good, monkeypatch):
    hashed = []
    monkeypatch.setattr("datasette.database.inspect_hash", lambda path: hashed.append(path) or "x")
    app = open_app(("wild", good), read_only=True)
    run_async(library.rename(app.ds, "wild", "wilder"))
    assert not app.ds.databases["wilder"].is_mutable
    page = get(app, "/ds/wilder")
    assert page.status == 200 and hashed == []  # Datasette would hash the whole file for its colour
    write = get(app, "/ds/wilder/t/-/insert", "POST", JSON, b'{"row": {}}')
    assert write.status == 403


def test_create_empty_makes_a_valid_database(tmp_path):
    path = tmp_path / "new.db"
    library.create_empty(str(path))
    assert library.problem_with(str(path)) is None


def test_a_big_truncated_database_is_reported_without_reading_it_all(tmp_path, monkeypatch):
    path = tmp_path / "big.db"
    with sqlite3.connect(path) as db:
        db.execute("create table t (x)")
        db.executemany("insert into t values (?)", [(b"x" * 4000,)] * 300)
    db.close()
    monkeypatch.setattr(library, "FULL_CHECK_BYTES", 1)  # as if it were bigger than the full check's limit
    assert library.problem_with(str(path)) is None
    path.write_bytes(path.read_bytes()[:-4096])
    assert "truncated" in library.problem_with(str(path))


def crash_mid_transaction(path):
    """A process that dies (os._exit) inside a big UPDATE whose pages already overwrote part of the file."""
    script = f"""
import os, sqlite3
db = sqlite3.connect({str(path)!r}, isolation_level=None)
db.execute("pragma journal_mode=truncate")
db.execute("pragma cache_size=10")  # spill changed pages into the database file before the commit
db.execute("begin")
db.execute("update t set v = 'changed'")
os._exit(1)
"""
    subprocess.run([sys.executable, "-c", script], check=False)


def test_a_transaction_cut_short_by_a_crash_is_rolled_back_before_datasette_reads(good):
    before = good.read_bytes()
    crash_mid_transaction(good)
    assert good.read_bytes() != before  # pages were overwritten: only the journal can restore them
    with pytest.raises(sqlite3.OperationalError):  # what Datasette's read-only connections hit
        sqlite3.connect(f"file:{good}?mode=ro", uri=True).execute("select count(*) from t").fetchone()
    assert library.recover(str(good)) is True
    with sqlite3.connect(f"file:{good}?mode=ro", uri=True) as db:
        assert db.execute("select count(*) from t where v = 'changed'").fetchone() == (0,)
        assert db.execute("select count(*) from t").fetchone() == (500,)
        assert db.execute("pragma integrity_check").fetchone() == ("ok",)
    assert library.recover(str(good)) is False  # nothing left to roll back


@pytest.mark.parametrize(
    "name, problem",
    [
        ("", "needs a name"),
        ("   ", "needs a name"),
        (" x", "space"),
        ("a/b", "cannot contain"),
        ("-", "start with -"),
        ("-x", "start with -"),
        ("_memory", "Datasette's own"),
        ("_INTERNAL", "Datasette's own"),
        ("fine name", None),
    ],
)
def test_names_datasette_routes_itself_are_refused(name, problem):
    found = library.name_problem(name)
    assert found is None if problem is None else problem in found


@pytest.mark.parametrize(
    "file_name, name",
    [
        ("fixtures.db", "fixtures"),
        ("pets.CSV", "pets"),
        ("-x/y.jsonl", "x_y"),
        ("_memory.sqlite", "database _memory"),
        (".db", "database"),
        ("notes.txt", "notes.txt"),
    ],
)
def test_names_from_file_names_are_always_valid(file_name, name):
    assert library.name_from_file(file_name) == name
    assert library.name_problem(name) is None


def test_stored_queries_survive_a_restart_with_a_kept_internal_database(tmp_path, good):
    internal = str(tmp_path / "internal.db")
    app = open_app(("good", good), internal=internal)
    form = "name=longest&sql=select+max(length(v))+as+n+from+t"
    reply = get(app, "/ds/good/-/queries/store", "POST", FORM, form.encode())
    assert reply.status in (200, 302), reply.body
    app.ds.close()
    app = open_app(("good", good), internal=internal)
    reply = get(app, "/ds/good/longest.json?_shape=array")
    assert json.loads(reply.body) == [{"n": 200}]


def test_the_owners_time_limit_applies_to_execute_write_too(tmp_path):
    app = open_app(("slow", make_db(tmp_path / "slow.db", "create table t (n)")), sql_time_limit_ms=50)
    # A write that takes a while (a recursive insert of a million rows): over 50 ms, under Datasette's fixed 2 s.
    slow = "insert into t with recursive c(n) as (select 1 union all select n + 1 from c where n < 3000000) select n from c"

    def write():
        return get(app, "/ds/slow/-/execute-write", "POST", JSON, json.dumps({"sql": slow}).encode())

    reply = write()
    assert reply.status == 400 and "interrupted" in reply.body.decode(), reply.body
    app.set_time_limit(60_000)
    assert write().status == 200
