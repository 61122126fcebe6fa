"""The `sqlite3` module over APSW (python/datasette_pwa/sqlite3_apsw/) against the standard module, side by side: each
case runs on both, each in a directory of its own, and must give the same result, exceptions compared by class
(and their classes' ancestry) and message. The standard module is the reference; nothing is mocked."""

import decimal
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from testkit.app_sqlite import standard as std

apsw_module = pytest.importorskip("datasette_pwa.sqlite3_apsw.dbapi2")
ENV = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent / "python")}

DML_AND_OTHERS = [
    "insert into t values (1, 'a')",
    "INSERT OR REPLACE into t values (1, 'b')",
    "replace into t values (2, 'c')",
    "update t set b = 'd'",
    "/* c */ delete from t where a = 2",
    "-- c\n\f update t set b = 'e'",
    "with x as (select 9) insert into t select 9, 'x' from x",
    "create table u (a)",
    "create index ub on u(a)",
    "drop table u",
    "select * from t",
    "pragma user_version",
    "savepoint s",
]


def outcome(run, *args):
    """What run(*args) gives: its value, or its exception's class, the classes above it and its message."""
    try:
        return run(*args)
    except Exception as exc:
        return ("raised", [c.__name__ for c in type(exc).__mro__], str(exc))


def both(case, tmp_path):
    """The case's outcome on the standard module and on APSW's, each in a directory of its own."""
    results = []
    for name, module in (("std", std), ("apsw", apsw_module)):
        folder = tmp_path / name
        folder.mkdir()
        results.append(outcome(case, module, folder))
    return results


def table(db, path, isolation_level=""):
    conn = db.connect(path / "data.db", isolation_level=isolation_level)
    conn.execute("create table if not exists t (a integer primary key, b text)")
    return conn


def begins(db, path, level):
    """After each kind of statement, alone on a fresh connection: is a transaction open?"""
    answers = []
    for sql in DML_AND_OTHERS:
        conn = table(db, path, level)
        answers.append((sql, outcome(lambda c, s: c.execute(s) and c.in_transaction, conn, sql)))
        conn.rollback()
        conn.close()
    return answers


def transactions(db, path):
    """Commit and rollback as a second connection sees them, and isolation_level None committing what is pending."""
    conn, other = table(db, path), db.connect(path / "data.db")
    seen = lambda: other.execute("select count(*) from t").fetchone()[0]  # noqa: E731
    conn.execute("insert into t values (1, 'a')")
    steps = [seen(), conn.in_transaction]
    conn.rollback()
    conn.execute("insert into t values (2, 'b')")
    conn.commit()
    steps += [seen(), conn.in_transaction]
    conn.execute("insert into t values (3, 'c')")
    conn.isolation_level = None
    steps += [seen(), conn.in_transaction, conn.isolation_level]
    conn.execute("insert into t values (4, 'd')")
    steps += [seen(), conn.in_transaction]
    conn.execute("begin")
    conn.execute("insert into t values (5, 'e')")
    steps += [seen(), conn.in_transaction, conn.total_changes]
    conn.commit()
    return steps + [seen()]


def with_block(db, path):
    """`with conn:` commits a success, rolls back a failure and lets its exception through."""
    conn = table(db, path)
    with conn:
        conn.execute("insert into t values (1, 'a')")
    steps = [conn.in_transaction]
    try:
        with conn:
            conn.execute("insert into t values (2, 'b')")
            conn.execute("insert into t values (2, 'b')")
    except db.IntegrityError as exc:
        steps.append(str(exc))
    return steps + [conn.in_transaction, conn.execute("select a from t").fetchall()]


def failed_commit(db, path):
    """A commit refused at `with`'s end (a deferred foreign key) is rolled back, and its error raised."""
    conn = db.connect(path / "data.db")
    conn.executescript("""pragma foreign_keys = on;
        create table p (id integer primary key);
        create table c (p references p(id) deferrable initially deferred);""")

    def orphan():
        with conn:
            conn.execute("insert into c values (7)")

    failure = outcome(orphan)
    return [failure, conn.in_transaction, conn.execute("select count(*) from c").fetchone()]


def levels(db, path):
    conn = db.connect(":memory:")
    answers = [conn.isolation_level]
    for value in ("deferred", "IMMEDIATE", "Exclusive", "", None, "bogus", 1):
        answers.append(outcome(lambda v: setattr(conn, "isolation_level", v) or conn.isolation_level, value))
    return answers + [db.connect(":memory:", isolation_level=None).isolation_level]


def rowcounts(db, path):
    conn = table(db, path)
    cur = conn.cursor()
    counts = [cur.rowcount]
    for sql, params in [
        ("insert into t values (?, ?)", (1, "a")),
        ("insert into t select a + 10, b from t", ()),
        ("update t set b = 'x'", ()),
        ("select * from t", ()),
        ("create table u (a)", ()),
        ("delete from t where a > 100", ()),
        ("replace into t values (1, 'r')", ()),
        ("delete from t", ()),
    ]:
        counts.append((sql, cur.execute(sql, params).rowcount))
    counts.append(cur.executemany("insert into t values (?, ?)", [(5, "a"), (6, "b"), (7, "c")]).rowcount)
    counts.append(cur.executemany("update t set b = ? where a >= ?", [("y", 6), ("z", 7)]).rowcount)
    counts.append(outcome(lambda: cur.execute("insert into t values (5, 'dup')")))
    counts.append(cur.rowcount)
    cur.execute("update t set b = 'w' returning a")
    counts.append(cur.rowcount)
    counts += [len(cur.fetchall()), cur.rowcount]
    cur.execute("delete from t where a > 5 returning a")
    return counts + [cur.fetchone(), cur.rowcount, cur.fetchone(), cur.fetchone(), cur.rowcount]


def lastrowids(db, path):
    conn = table(db, path)
    cur = conn.cursor()
    ids = [cur.lastrowid]
    ids.append(cur.execute("insert into t (b) values ('a')").lastrowid)
    ids.append(cur.execute("insert into t values (40, 'b')").lastrowid)
    ids.append(cur.execute("select * from t").lastrowid)
    ids.append(cur.executemany("insert into t (b) values (?)", [("c",), ("d",)]).lastrowid)
    ids.append(conn.execute("replace into t values (40, 'e')").lastrowid)
    ids.append(conn.cursor().lastrowid)
    return ids


def descriptions(db, path):
    conn = table(db, path)
    return [
        conn.execute("select a, b as bee, a + 1, count(*) over () from t").description,
        conn.execute("select 1 as x where 0").description,
        conn.execute("insert into t values (1, 'a')").description,
        conn.execute("create table u (a)").description,
        conn.execute("insert into t values (2, 'b') returning a").description,
        conn.execute("pragma table_info(t)").description,
    ]


def fetching(db, path):
    conn = table(db, path)
    conn.executemany("insert into t values (?, ?)", [(i, str(i)) for i in range(10)])
    cur = conn.execute("select a from t order by a")
    got = [cur.fetchone(), cur.fetchmany(), cur.fetchmany(3), cur.arraysize]
    cur.arraysize = 2
    got += [cur.fetchmany(), next(cur), list(cur), cur.fetchone(), cur.fetchall(), cur.fetchmany()]
    got += [conn.execute("select a from t").fetchmany(0), outcome(conn.execute("select a from t").fetchmany, -1)]
    got.append([row for row in conn.execute("select a from t where a < 3")])
    got.append(conn.execute("insert into t values (50, 'x')").fetchall())
    return got


def closed(db, path):
    conn = table(db, path)
    cur = conn.execute("select * from t")
    cur.close()
    answers = [outcome(cur.fetchall), outcome(lambda: cur.execute("select 1"))]
    conn.close()
    answers += [outcome(lambda: conn.execute("select 1")), outcome(conn.cursor), outcome(conn.commit)]
    return answers + [outcome(lambda: conn.in_transaction)]


VALUES = [1, -(2**63), 2**63 - 1, 1.5, float("inf"), "text", "naïve ☃", b"\x00\xff", None, True, bytearray(b"ba")]


def values(db, path):
    conn = db.connect(":memory:")
    got = [conn.execute("select ?, typeof(?)", (v, v)).fetchone() for v in VALUES]
    got.append(conn.execute("select ?", (memoryview(b"mv"),)).fetchone())
    got.append(conn.execute("select :a, :b", {"a": 1, "b": "x"}).fetchone())
    got.append(conn.execute("select ?2, ?1", (1, 2)).fetchone())
    typed = [tuple(type(v).__name__ for v in row) + row for row in got]
    bad = [(2**64,), (decimal.Decimal(1),), (1, 2), (), {"a": 1}, 1]
    typed += [outcome(lambda p: conn.execute("select ?", p) and "ran", params) for params in bad]
    named = [{"a": 1, "b": 2}, {"a": 1, "b": 2, "unused": 3}, {"a": 1}]
    return typed + [outcome(lambda p: conn.execute("select :a, $b", p).fetchall(), params) for params in named]


ONE_OR_MORE = ["select 1;", "select 1; -- end", "select 1; /* end */  ", "select 1; select 2", "select 1;;", "  "]
ONE_OR_MORE += ["insert into t values (1); -- end", "insert into t values (2); /* end */", "insert into t values (3);;"]


def one_statement(db, path):
    conn = table(db, path)
    answers = []
    for sql in ONE_OR_MORE:
        answers.append((sql, outcome(lambda s: conn.execute(s).fetchall(), sql)))
    answers.append(outcome(lambda: conn.executemany("select ?", [(1,)])))
    return answers


def scripts(db, path):
    conn = table(db, path)
    conn.execute("insert into t values (1, 'a')")
    cur = conn.executescript(
        "insert into t values (2, 'b'); select * from t; create table u (a); insert into u values (1);"
    )
    answers = [type(cur).__name__, conn.in_transaction, conn.execute("select count(*) from t").fetchone()]
    answers.append(outcome(lambda: conn.executescript("insert into u values (2); insert into nope values (1);")))
    return answers + [conn.in_transaction, conn.execute("select count(*) from u").fetchone()]


def errors(db, path):
    conn = table(db, path)
    conn.execute("insert into t values (1, 'a')")
    conn.execute("create table n (a not null check (a > 0))")
    (path / "junk.db").write_bytes(b"not a database" * 100)
    runs = [
        lambda: conn.execute("selec 1"),
        lambda: conn.execute("select * from nope"),
        lambda: conn.execute("insert into t values (1, 'a')"),
        lambda: conn.execute("insert into n values (null)"),
        lambda: conn.execute("insert into n values (-1)"),
        lambda: conn.execute("select no_such_function()"),
        lambda: db.connect(f"file:{path}/data.db?mode=ro", uri=True).execute("delete from t"),
        lambda: db.connect(f"file:{path}/absent.db?mode=ro", uri=True),
        lambda: db.connect(path / "no" / "such" / "dir.db"),
        lambda: db.connect(path / "junk.db").execute("select * from sqlite_master"),
        # SQLite 3.54 keeps the length limit at 30 or more; 3.40 takes less.
        lambda: conn.setlimit(db.SQLITE_LIMIT_LENGTH, 100) and conn.execute("select ?", ("x" * 200,)).fetchall(),
    ]
    answers = [outcome(run) for run in runs]
    failure = outcome(lambda: conn.execute("insert into t values (1, 'a')"))
    caught = []
    try:
        conn.execute("insert into t values (1, 'a')")
    except db.IntegrityError as exc:
        caught = [exc.sqlite_errorcode, exc.sqlite_errorname]
    return answers + [failure, caught]


def hierarchy(db, path):
    names = ["Warning", "Error", "InterfaceError", "DatabaseError", "DataError", "OperationalError"]
    names += ["IntegrityError", "InternalError", "ProgrammingError", "NotSupportedError"]
    return [(name, [c.__name__ for c in getattr(db, name).__mro__]) for name in names]


def authorizing(db, path):
    """What the authorizer is asked, and what each answer does."""
    conn = table(db, path)
    conn.execute("insert into t values (1, 'a')")
    asked = []
    conn.set_authorizer(lambda *args: asked.append(args) or db.SQLITE_OK)
    conn.execute("select b from t where a = 1").fetchall()
    answers = [asked]
    for answer in [db.SQLITE_DENY, db.SQLITE_IGNORE, None, "0", 7]:
        conn.set_authorizer(lambda *args, answer=answer: answer if args[0] == db.SQLITE_READ else db.SQLITE_OK)
        answers.append(outcome(lambda: conn.execute("select b from t").fetchall()))
    conn.set_authorizer(lambda *args: db.SQLITE_DENY if args[0] == db.SQLITE_INSERT else db.SQLITE_OK)
    answers.append(outcome(lambda: conn.execute("insert into t values (2, 'b')")))
    conn.set_authorizer(lambda *args: 1 / 0)
    answers.append(outcome(lambda: conn.execute("select 1")))
    conn.set_authorizer(None)
    return answers + [conn.execute("select count(*) from t").fetchall()]


def progress(db, path):
    conn = db.connect(":memory:")
    slow = "with recursive c(x) as (select 1 union all select x + 1 from c where x < 100000) select count(*) from c"
    calls = []
    answers = []
    for handler in [lambda: 0, lambda: 1, lambda: calls.append(1) or 1 / 0, lambda: "yes", lambda: None]:
        conn.set_progress_handler(handler, 100)
        answers.append(outcome(lambda: conn.execute(slow).fetchall()))
    conn.set_progress_handler(None, 100)
    return answers + [len(calls) > 0, conn.execute(slow).fetchall()]


def limits(db, path):
    conn = db.connect(":memory:")
    old = conn.setlimit(db.SQLITE_LIMIT_LENGTH, 1000)
    answers = [old > 1000, conn.getlimit(db.SQLITE_LIMIT_LENGTH), conn.setlimit(db.SQLITE_LIMIT_LENGTH, old)]
    answers.append(conn.getlimit(db.SQLITE_LIMIT_VARIABLE_NUMBER) > 0)
    return answers + [outcome(lambda: conn.getlimit(99)), outcome(lambda: conn.setlimit(-5, 1))]


def text_factories(db, path):
    conn = db.connect(":memory:")
    sql = "select 'naïve', 1, x'00', null, 2.5"
    answers = [conn.execute(sql).fetchone()]
    conn.text_factory = bytes
    answers.append(conn.execute(sql).fetchone())
    conn.text_factory = lambda data: str(data, "utf-8", "replace").upper()
    answers.append(conn.execute(sql).fetchone())
    conn.text_factory = str
    return answers + [conn.execute(sql).fetchone()]


def not_utf8(db, path):
    """Text that is not valid UTF-8: sqlite3 gives its bytes to a text_factory, and its default one fails."""
    conn = table(db, path)
    conn.executemany("insert into t values (?, cast(? as text))", [(1, b"ok"), (2, b"caf\xe9"), (3, b"\xff\xfe")])
    sql = "select a, b, 'x' as c from t where a >= :low order by a desc -- newest first"
    answers = [outcome(lambda: type(conn.execute(sql, {"low": 0}).fetchall()).__name__)[:2]]
    conn.text_factory = bytes
    answers.append(conn.execute(sql, {"low": 0}).fetchall())
    conn.text_factory = lambda data: str(data, "utf-8", "replace")  # Datasette's
    conn.row_factory = db.Row
    cursor = conn.execute(sql, {"low": 0})
    answers += [[tuple(row) for row in cursor.fetchmany(2)], [tuple(row) for row in cursor], cursor.fetchall()]
    cursor = conn.execute(sql.replace("desc", "asc"), {"low": 0})
    answers += [tuple(cursor.fetchone()), [tuple(row) for row in cursor.fetchall()]]
    return answers + [outcome(lambda: conn.execute("pragma table_info(t)").fetchall() and "read")]


def rows(db, path):
    conn = db.connect(":memory:")
    conn.row_factory = db.Row
    cur = conn.cursor()
    conn.row_factory = None
    row = cur.execute("select 1 as a, 'x' as B, 3 as a").fetchone()
    other = cur.execute("select 1 as a, 'x' as B, 3 as a").fetchone()
    answers = [type(row).__name__, repr(row).split(" object")[0], row[0], row[-1], row[1:], row["a"], row["b"]]
    answers += [len(row), list(row), row.keys(), dict(row), tuple(row), row == other, hash(row) == hash(other)]
    answers += [row == (1, "x", 3), outcome(lambda: row["nope"]), outcome(lambda: row[5]), "x" in row]
    answers.append(type(conn.execute("select 1").fetchone()).__name__)
    conn.row_factory = lambda cursor, values: {d[0]: v for d, v in zip(cursor.description, values, strict=True)}
    return answers + [conn.execute("select 1 as one, 2 as two").fetchall(), outcome(lambda: db.Row(cur, [1]))]


def functions(db, path):
    conn = db.connect(":memory:")
    conn.create_function("twice", 1, lambda v: v * 2, deterministic=True)
    conn.create_function("fails", 0, lambda: 1 / 0)
    conn.create_function("many", -1, lambda *args: len(args))

    class Total:
        def __init__(self):
            self.total = 0

        def step(self, value):
            self.total += value

        def finalize(self):
            return self.total

    class Broken(Total):
        def step(self, value):
            raise ValueError(value)

    conn.create_aggregate("total_", 1, Total)
    conn.create_aggregate("broken", 1, Broken)
    values = "(select 1 as v union all select 2 union all select 3)"
    answers = [conn.execute(f"select twice(2), twice('ab'), many(1, 2, 3), total_(v) from {values}").fetchall()]
    answers += [
        outcome(lambda: conn.execute("select fails()")),
        outcome(lambda: conn.execute(f"select broken(v) from {values}")),
    ]
    conn.create_function("twice", 1, None)
    return answers + [outcome(lambda: conn.execute("select twice(1)"))]


def uris(db, path):
    table(db, path).execute("insert into t values (1, 'a')").connection.commit()
    answers = []
    for name in ["data.db?mode=ro", "data.db?immutable=1", "data.db"]:
        conn = db.connect(f"file:{path}/{name}", uri=True)
        deleted = outcome(lambda c: c.execute("delete from t").rowcount, conn)
        answers.append((name, conn.execute("select * from t").fetchall(), deleted))
    conn = db.connect(":memory:", uri=True)
    conn.execute(f"attach 'file:{path}/data.db?mode=ro' as other")
    answers.append(conn.execute("select * from other.t").fetchall())
    answers.append(outcome(lambda: conn.execute("insert into other.t values (2, 'b')")))
    return answers + [conn.execute("select name from pragma_database_list").fetchall()]


def schema_change(db, path):
    """A statement prepared before the schema changed (sqlite3 and APSW both keep them) describes the new columns."""
    conn = table(db, path)
    conn.execute("insert into t values (1, 'a')")
    answers = [conn.execute("select * from t").description]
    conn.execute("alter table t add column c default 'c'")
    answers += [conn.execute("select * from t").description, conn.execute("select * from t").fetchall()]
    conn.commit()
    other = db.connect(path / "data.db")
    other.execute("alter table t rename column b to bee")
    other.commit()
    return answers + [conn.execute("select * from t").description]


def shared_memory(db, path):
    """A named in-memory database with cache=shared is one database for every connection of the process."""
    answers = []
    for name in (path.name, path / "named.db"):  # Datasette's add_memory_database takes paths as names too
        uri = f"file:{name}?mode=memory&cache=shared"
        first, second = db.connect(uri, uri=True), db.connect(uri, uri=True)
        first.execute("create table t (a)")
        first.execute("insert into t values (1)")
        first.commit()
        answers.append(second.execute("select * from t").fetchall())
    return answers + [db.connect(":memory:").execute("select count(*) from sqlite_master").fetchall()]


def abandoned(db, path):
    """A cursor dropped or closed halfway through its rows stops reading: another connection may write."""
    conn = table(db, path)
    conn.executemany("insert into t values (?, 'x')", [(i,) for i in range(10)])
    conn.commit()
    other = db.connect(path / "data.db", timeout=0)
    answers = []
    for leave in (lambda cursor: cursor.close(), lambda cursor: None):
        cursor = conn.execute("select * from t")
        cursor.fetchone()
        leave(cursor)
        del cursor
        answers.append(outcome(lambda: other.execute("begin exclusive") and other.execute("rollback") and "written"))
    return answers


def threads(db, path):
    """A cursor made in one thread and dropped in another while a third runs a statement on the same connection:
    nothing fails (Datasette's connections are each used by one thread, its objects freed by any)."""
    conn = db.connect(":memory:", check_same_thread=False)
    made, results = {}, []
    maker = threading.Thread(target=lambda: made.update(cursor=conn.execute("select 1 union all select 2")))
    maker.start()
    maker.join()
    slow = "with recursive r(x) as (select 1 union all select x + 1 from r where x < 300000) select count(*) from r"
    worker = threading.Thread(target=lambda: results.append(outcome(lambda: conn.execute(slow).fetchall())))
    worker.start()
    time.sleep(0.01)
    made.clear()
    worker.join()
    return results + [conn.execute("select 1").fetchall()]


def busy(db, path):
    """A write while another connection holds the write lock waits `timeout`, then fails."""
    first, second = table(db, path), db.connect(path / "data.db", timeout=0.1)
    first.execute("insert into t values (1, 'a')")
    return outcome(lambda: second.execute("insert into t values (2, 'b')"))


def module(db, path):
    used = ["SQLITE_OK", "SQLITE_DENY", "SQLITE_IGNORE", "SQLITE_READ", "SQLITE_SELECT", "SQLITE_PRAGMA"]
    used += ["SQLITE_ATTACH", "SQLITE_DETACH", "SQLITE_FUNCTION", "SQLITE_TRANSACTION", "SQLITE_SAVEPOINT"]
    used += ["SQLITE_INSERT", "SQLITE_UPDATE", "SQLITE_DELETE", "SQLITE_CREATE_TEMP_TRIGGER", "SQLITE_ANALYZE"]
    used += ["SQLITE_LIMIT_LENGTH", "SQLITE_LIMIT_ATTACHED", "SQLITE_LIMIT_VARIABLE_NUMBER", "SQLITE_RECURSIVE"]
    complete = [db.complete_statement(sql) for sql in ["select 1;", "select 1", "select ';", "create trigger x"]]
    info = db.sqlite_version_info
    shape = (type(info).__name__, len(info), ".".join(map(str, info)) == db.sqlite_version)
    return [(name, getattr(db, name)) for name in used] + [complete, shape, db.dbapi2.Row is db.Row]


def dump(db, path):
    conn = table(db, path)
    conn.executescript("""insert into t values (1, 'it''s'), (2, null);
        create index tb on t(b); create view v as select * from t;
        create table blobs (x blob, y real); insert into blobs values (x'00ff', 1.5);
        create trigger tr after insert on t begin insert into blobs values (null, new.a); end;""")
    return list(conn.iterdump())


LEVELS = [None, "", "DEFERRED", "IMMEDIATE", "EXCLUSIVE"]
CASES = [
    *[pytest.param(lambda db, path, level=level: begins(db, path, level), id=f"begins-{level}") for level in LEVELS],
    transactions,
    with_block,
    failed_commit,
    levels,
    rowcounts,
    lastrowids,
    descriptions,
    fetching,
    closed,
    values,
    one_statement,
    scripts,
    errors,
    hierarchy,
    authorizing,
    progress,
    limits,
    text_factories,
    not_utf8,
    rows,
    functions,
    uris,
    schema_change,
    shared_memory,
    abandoned,
    threads,
    busy,
    module,
    dump,
]


# Cases whose callbacks raise on purpose: the standard module reports each through sys.unraisablehook once Datasette
# (imported by other tests) has turned callback tracebacks on.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize("case", CASES, ids=lambda case: getattr(case, "__name__", None))
def test_same_as_the_standard_module(case, tmp_path):
    standard, ours = both(case, tmp_path)
    assert ours == standard


def test_runs_on_its_own_sqlite():
    assert apsw_module.sqlite_version == "3.54.1"
    assert apsw_module.connect(":memory:").execute("select string_agg(1, ',' order by 1)").fetchone() == ("1",)


INSTALL = """import sys
{before}
from datasette_pwa.sqlite3_apsw import install
print(install())
import sqlite3
from sqlite3 import dbapi2
print(sqlite3.sqlite_version, sqlite3.__name__, dbapi2 is sqlite3, sys.modules.get("sqlite3.dbapi2") is sqlite3)
"""


def installed(before: str = "") -> list[str]:
    """What a fresh interpreter says after install(): its answer, then which sqlite3 `import` gives."""
    result = subprocess.run(
        [sys.executable, "-c", INSTALL.format(before=before)], capture_output=True, text=True, check=True, env=ENV
    )
    return result.stdout.split()


def test_install_replaces_sqlite3():
    assert installed() == ["True", "3.54.1", "datasette_pwa.sqlite3_apsw.dbapi2", "True", "True"]


def test_install_without_apsw_changes_nothing():
    """`sys.modules["apsw"] = None` makes `import apsw` fail, as it does where the wheel cannot load."""
    assert installed('sys.modules["apsw"] = None') == ["False", std.sqlite_version, "sqlite3", "False", "False"]
