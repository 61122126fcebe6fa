"""Publishing to and pulling from a Datasette server (features/transfer.py, transfer_routes.py) under CPython, against a
real `datasette serve` 1.0a41: this test moves the batches as static/transfer.js does, so every value (big integers,
floats, blobs, nulls, odd names) is checked to arrive as it left, both ways; a batch sent twice changes nothing."""

import functools
import json
import sqlite3

import pytest
from datasette_pwa import library
from datasette_pwa.features.transfer import api_type
from testkit.app import JSON, get, run_async, serving
from testkit.servers import http, serve_datasette
from testkit.transfer import publish_natively, pull_natively

ODD = 'odd "name"/x.y ü'
SCHEMA = f"""
create table items (id integer primary key, name text not null, score real, data blob, n numeric, anything);
create table "{ODD.replace('"', '""')}" (a text, b integer, v, primary key (a, b));
create table plain (v text, w integer);
create virtual table items_fts using fts5(name, content=items, content_rowid=id);
"""
ITEMS = [
    (1, "Ada", 0.1, b"\x00\x01\xff", 12, None),
    (2, "", -1.5e300, None, 1.25, "text"),
    (3, "naïve 日本", None, b"", None, 2**62 + 1),
    *[(i, f"item {i}", i / 7, bytes([i % 256]) * i, i, i) for i in range(4, 60)],
]


@pytest.fixture
def source(tmp_path):
    path = tmp_path / "shelf.db"
    with sqlite3.connect(path) as db:
        db.executescript(SCHEMA)
        db.executemany("insert into items values (?, ?, ?, ?, ?, ?)", ITEMS)
        db.executemany(
            f'insert into "{ODD.replace(chr(34), chr(34) * 2)}" values (?, ?, ?)', [("x", i, i * 2) for i in range(9)]
        )
        db.executemany("insert into plain values (?, ?)", [(f"v{i}", i) for i in range(23)])
    db.close()
    return path


@pytest.fixture
def app(source, tmp_path):
    sqlite3.connect(tmp_path / "copy.db").close()
    with serving(("shelf", source), ("copy", tmp_path / "copy.db")) as app:
        yield app


@pytest.fixture
def remote(tmp_path):
    (tmp_path / "remote").mkdir()
    sqlite3.connect(tmp_path / "remote" / "team.db").close()
    server = serve_datasette(tmp_path / "remote" / "team.db", "--setting", "max_insert_rows", "1000")
    yield server
    server.stop()


def local(app, path, method="GET", body=None):
    return get(app, path, method, JSON if body else [], body)


def rows_of(path, table):
    with sqlite3.connect(path) as db:
        quoted = '"' + table.replace('"', '""') + '"'
        keys = "rowid" if table == "plain" else "1, 2"
        return db.execute(
            f"select *, {', '.join(f'typeof({c})' for c in columns(db, table))} from {quoted} order by {keys}"
        ).fetchall()


def columns(db, table):
    return [
        '"' + name.replace('"', '""') + '"' for (name,) in db.execute("select name from pragma_table_info(?)", [table])
    ]


def publish(app, remote, size=1000, max_bytes=1 << 20):
    return publish_natively(functools.partial(local, app), "shelf", remote, size, max_bytes)


def pull(app, url, table, flags="&first=1"):
    return pull_natively(functools.partial(local, app), "copy", url, table, flags)


@pytest.mark.parametrize(
    "declared, expected",
    [("INTEGER", "integer"), ("bigint", "integer"), ("VARCHAR(20)", "text"), ("CLOB", "text"), ("", "blob"),
     ("BLOB", "blob"), ("REAL", "float"), ("DOUBLE PRECISION", "float"), ("NUMERIC", "blob"), ("DECIMAL(10,2)", "blob")],
)  # fmt: skip
def test_declared_types_become_the_write_apis_types_by_affinity(declared, expected):
    assert api_type(declared) == expected


def test_the_plan_names_every_visible_table_with_its_create_body(app):
    plan = json.loads(local(app, "/ds/shelf/-/publish.json").body)
    by_name = {t["table"]: t for t in plan["tables"]}
    assert set(by_name) == {"items", ODD, "plain"}  # the FTS table and its internals are left out
    assert by_name["items"]["rows"] == len(ITEMS)
    assert by_name["items"]["create"] == {
        "table": "items",
        "columns": [{"name": "id", "type": "integer"}, {"name": "name", "type": "text", "not_null": True},
                    {"name": "score", "type": "float"}, {"name": "data", "type": "blob"},
                    {"name": "n", "type": "blob"}, {"name": "anything", "type": "blob"}],
        "pk": "id",
    }  # fmt: skip
    assert by_name[ODD]["create"]["pks"] == ["a", "b"]
    assert by_name[ODD]["path"] == "odd+~22name~22~2Fx~2Ey+~C3~BC"  # Datasette's tilde encoding
    assert "pk" not in by_name["plain"]["create"]


def test_batches_keep_to_their_size_and_bytes(app):
    first = local(app, "/ds/shelf/-/publish-rows?table=items&size=10&bytes=100000")
    assert dict(first.headers)["x-datasette-pwa-rows"] == "10"
    assert json.loads(dict(first.headers)["x-datasette-pwa-after"]) == [10]
    small = local(app, "/ds/shelf/-/publish-rows?table=items&size=1000&bytes=2000")
    assert len(small.body) <= 2000 + 200 and 0 < int(dict(small.headers)["x-datasette-pwa-rows"]) < 59
    last = local(app, "/ds/shelf/-/publish-rows?table=items&size=1000&bytes=1000000&after=[50]")
    assert dict(last.headers)["x-datasette-pwa-rows"] == "9" and "x-datasette-pwa-after" not in dict(last.headers)


def test_published_tables_arrive_exactly_and_a_resent_batch_changes_nothing(app, source, remote):
    publish(app, remote, size=7, max_bytes=3000)
    publish_again = json.loads(local(app, "/ds/shelf/-/publish-rows?table=plain&size=5").body)
    status, answer = http(f"{remote.database_url}/plain/-/upsert", publish_again, remote.token)
    assert status == 200, answer
    for table in ("items", ODD, "plain"):
        assert rows_of(remote.path, table) == rows_of(source, table), table


def test_a_generated_column_publishes_as_a_plain_column_holding_its_values(app, tmp_path, remote):
    with sqlite3.connect(tmp_path / "gen.db") as db:
        db.executescript("""
            create table gen (id integer primary key, x integer,
                y integer generated always as (x * 2) stored, z text generated always as ('x=' || x) virtual);
            with recursive n(i) as (select 1 union all select i + 1 from n where i < 1200)
            insert into gen (id, x) select i, i * 10 from n;
        """)  # fmt: skip
    db.close()
    run_async(library.add(app.ds, ("gen", str(tmp_path / "gen.db"))))
    plan = publish_natively(functools.partial(local, app), "gen", remote)
    assert plan["tables"][0]["generated"] == ["y", "z"]
    with sqlite3.connect(remote.path) as served:
        assert served.execute("select count(*), sum(y), max(z) from gen").fetchone() == (
            1200,
            1200 * 1201 * 10,
            "x=9990",
        )
        assert {hidden for (hidden,) in served.execute("select hidden from pragma_table_xinfo('gen')")} == {0}


def test_pulled_tables_arrive_exactly(app, source, remote):
    publish(app, remote)
    for table, path in (("items", "items"), (ODD, "odd+~22name~22~2Fx~2Ey+~C3~BC"), ("plain", "plain")):
        url = f"{remote.database_url}/{path}.json?_shape=objects&_size=5&_extra=count&_extra=primary_keys"
        answers = pull(app, url, table)
        assert all(status == 200 for status, _ in answers)
        assert sum(a["rows"] for _, a in answers) == answers[0][1]["count"]
        assert rows_of(source.with_name("copy.db"), table) == rows_of(source, table), table


def test_a_pull_asks_before_replacing_a_table_and_reads_query_results(app, source, remote):
    publish(app, remote)
    url = f"{remote.database_url}.json?sql=select+name,+score+from+items+where+id+<+10&_shape=objects"
    assert pull(app, url, "picked")[0][0] == 200
    status, answer = pull(app, url, "picked")[0]
    assert status == 409 and answer["exists"]
    assert pull(app, url, "picked", "&first=1&replace=1")[0][0] == 200
    with sqlite3.connect(source.with_name("copy.db")) as db:
        assert db.execute("select count(*), sum(score) from picked").fetchone() == (
            9,
            sum(r[2] for r in ITEMS[:9] if r[2]),
        )


def test_a_page_that_is_not_datasettes_json_is_refused_in_words(app):
    answer = local(app, "/ds/copy/-/pull-rows?table=t&first=1", "POST", b"<html>")
    assert answer.status == 400 and "not JSON" in json.loads(answer.body)["error"]
    answer = local(app, "/ds/copy/-/pull-rows?table=t&first=1", "POST", b'{"ok": true}')
    assert answer.status == 400 and "no rows" in json.loads(answer.body)["error"]


def test_only_the_transfer_pages_may_connect_to_other_sites(app):
    publish_page = local(app, "/ds/shelf/-/publish?table=items")
    assert "connect-src 'self' http: https:" in dict(publish_page.headers)["content-security-policy"]
    assert "Database URL" in publish_page.body.decode() and "API token" in publish_page.body.decode()
    assert "connect-src" in dict(local(app, "/ds/shelf/-/pull").headers)["content-security-policy"]
    assert "connect-src" not in dict(local(app, "/ds/shelf").headers)["content-security-policy"]
