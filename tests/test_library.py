"""CPython tests of python/datasette_pwa/library.py: every bad file gets a clear reason, good ones open."""

import json
import sqlite3

import pytest

from conftest import run_async
from datasette_pwa import library
from datasette_pwa.app import start


@pytest.fixture
def good(tmp_path):
    path = tmp_path / "good.db"
    with sqlite3.connect(path) as db:
        db.execute("create table t (id integer primary key, v text)")
        db.executemany("insert into t (v) values (?)", [("x" * 200,)] * 500)
    return path


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


def test_add_rename_remove_and_snapshot(tmp_path, good):
    app = run_async(start("/ds/", "test"))
    run_async(library.add(app.ds, ("good", str(good))))
    assert library.names(app.ds) == ["_memory", "good"]
    reply = run_async(app.handle("GET", "http://x/ds/good.json", [], None))
    assert [t["name"] for t in json.loads(reply.body)["tables"]] == ["t"]  # listed at once, not a second later
    run_async(library.rename(app.ds, "good", "better"))
    assert "better" in app.ds.databases and "good" not in app.ds.databases
    assert run_async(library.integrity(app.ds, "better")) == ["ok"]
    target = tmp_path / "snapshot.db"
    run_async(library.snapshot(app.ds, "better", str(target)))
    assert sqlite3.connect(target).execute("select count(*) from t").fetchone() == (500,)
    run_async(library.remove(app.ds, "better"))
    reply = run_async(app.handle("GET", "http://x/ds/-/databases.json", [], None))
    assert [d["name"] for d in json.loads(reply.body)["databases"]] == ["_memory"]


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
