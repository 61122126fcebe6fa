"""Comparing two databases (features/compare.py, compare_rows.py, compare_routes.py) under CPython: /-/compare and
/-/compare.json find the tables, columns and rows added, removed and changed, by primary key or rowid, with NULLs and
blobs, list the first 100 of each and count all, whatever the names; the form answers missing or wrong parameters."""

import base64
import json
import re
import shutil

import pytest
from datasette_pwa import library
from datasette_pwa.app import App
from datasette_pwa.features.compare import compare_files
from datasette_pwa.standalone import AppDatasette
from testkit.app import ORIGIN, get, open_app, run_async, serving
from testkit.databases import make_db

HOSTILE = "<script>alert(1)</script> \"q\" 'a' [b] & c"
HOSTILE_SQL = '"' + HOSTILE.replace('"', '""') + '"'
HOSTILE_DB = "x<\"&'>ü ]y"
COLUMN = 'it\'s "v"'
COLUMN_SQL = '"' + COLUMN.replace('"', '""') + '"'
BEFORE = f"""
create table people (id integer primary key, name text collate nocase, photo blob, note text, age integer);
create table loose (a, b);
create table pairs (k1 text, k2 integer, v, primary key (k1, k2)) without rowid;
create table many (id integer primary key, v integer);
create table gone (x);
create table reshaped (id integer primary key, kept text, dropped text, retyped integer);
create table rekeyed (a integer primary key, b text);
create table text_keys (code text primary key, v);
create table {HOSTILE_SQL} ({HOSTILE_SQL} integer primary key, {COLUMN_SQL} text);
insert into people values (1, 'Ann', x'00ff', null, 30), (2, 'Bob', null, 'x', 40), (3, 'Cy', x'01', 'y', 50),
    (4, 'Di', null, null, 60);
insert into loose values (1, 'one'), (2, 'two'), (3, null);
insert into pairs values ('a', 1, 'p'), ('a', 2, 'q'), ('b', 1, null);
insert into gone values (1);
insert into reshaped values (1, 'k', 'd', 5);
insert into rekeyed values (1, 'x');
insert into text_keys values (null, 1), (null, 2), ('z', 3);
insert into {HOSTILE_SQL} values (1, '<b>bold</b>'), (2, 'same');
with recursive n(i) as (select 1 union all select i + 1 from n where i < 400) insert into many select i, i from n;
"""
CHANGES = f"""
update people set name = 'ann', note = 'now', photo = x'00fe' where id = 1;  -- case, NULL -> value, a blob
update people set note = null where id = 2;
delete from people where id = 3;
insert into people values (10, 'New', x'ffee', null, 1);
update loose set b = 'TWO' where rowid = 2;
delete from loose where rowid = 3;
insert into loose (rowid, a, b) values (4, 4, 'four');  -- not 3 again, as SQLite would pick
update pairs set v = 'p2' where k1 = 'a' and k2 = 1;
update pairs set v = 'now' where k1 = 'b';
insert into pairs values ('a', 3, 'r');
drop table gone;
create table fresh (id integer primary key, "<i>c</i>" text);
insert into fresh values (1, 'f');
alter table reshaped drop column dropped;
alter table reshaped add column added real;
create table rekeyed_new (a integer, b text primary key);
insert into rekeyed_new select * from rekeyed;
drop table rekeyed;
alter table rekeyed_new rename to rekeyed;
update {HOSTILE_SQL} set {COLUMN_SQL} = '<script>x()</script>' where {HOSTILE_SQL} = 1;
update many set v = -v where id <= 250;  -- 250 changed
delete from many where id > 280;  -- 120 removed
with recursive n(i) as (select 1 union all select i + 1 from n where i < 150) insert into many select 1000 + i, i from n;
"""
# reshaped: "retyped" integer -> text, by a rebuild of the table
RETYPE = """
create table reshaped_new (id integer primary key, kept text, retyped text, added real);
insert into reshaped_new select * from reshaped;
drop table reshaped;
alter table reshaped_new rename to reshaped;
"""


def make(path, *scripts):
    """make_db(path, *scripts), the path as a str: what library.add and compare_files take."""
    return str(make_db(path, *scripts))


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("compare")
    before = make(folder / "before.db", BEFORE)
    copy = shutil.copyfile(before, folder / "copy.db")
    after = make(folder / "after.db", BEFORE, CHANGES, RETYPE)
    return {"before": before, "copy": str(copy), "after": after, HOSTILE_DB: after}


@pytest.fixture(scope="module")
def app(files):
    with serving(*files.items()) as app:
        yield app


def compared(app, a, b):
    reply = get(app, "/ds/-/compare.json", a=a, b=b)
    assert reply.status == 200, reply.body
    return json.loads(reply.body)


def table(result, name):
    return next(t for t in result["tables_changed"] if t["name"] == name)


def test_identical_databases_have_no_differences(app):
    result = compared(app, "before", "copy")
    assert result["ok"] and result["identical"] and (result["a"], result["b"]) == ("before", "copy")
    assert result["tables_added"] == result["tables_removed"] == result["tables_changed"] == []
    unchanged = {t["name"]: t["rows"] for t in result["tables_unchanged"]}
    assert unchanged["many"] == 400 and unchanged["people"] == 4 and len(unchanged) == 9
    assert compared(app, "after", "after")["identical"]
    page = get(app, "/ds/-/compare", a="before", b="copy")
    assert page.status == 200 and b"have the same tables, columns and rows" in page.body


def test_tables_and_columns_added_removed_and_changed(app):
    result = compared(app, "before", "after")
    assert not result["identical"]
    assert result["tables_added"] == [
        {
            "name": "fresh",
            "rows": 1,
            "columns": [{"name": "id", "type": "INTEGER"}, {"name": "<i>c</i>", "type": "TEXT"}],
        }
    ]
    assert result["tables_removed"] == [{"name": "gone", "rows": 1, "columns": [{"name": "x", "type": ""}]}]
    reshaped = table(result, "reshaped")
    assert reshaped["columns_added"] == [{"name": "added", "type": "REAL"}]
    assert reshaped["columns_removed"] == [{"name": "dropped", "type": "TEXT"}]
    assert reshaped["columns_changed"] == [{"name": "retyped", "type_a": "INTEGER", "type_b": "TEXT"}]
    # Its rows are the same in the columns both sides have (5 and '5' compare equal through the column's affinity).
    assert (reshaped["rows_changed"]["count"], reshaped["rows_added"]["count"], reshaped["rows_a"]) == (0, 0, 1)
    # rekeyed's primary key moved from a to b: its rows are matched by rowid.
    rekeyed = table(result, "rekeyed")
    assert (rekeyed["primary_key_a"], rekeyed["primary_key_b"], rekeyed["key"]) == (["a"], ["b"], ["rowid"])


def test_rows_by_primary_key_with_nulls_and_blobs(app):
    people = table(compared(app, "before", "after"), "people")
    assert people["key"] == ["id"] and (people["rows_a"], people["rows_b"]) == (4, 4)
    assert people["rows_added"] == {"count": 1, "rows": [{"id": 10, "name": "New", "photo": blob(b"\xff\xee"),
                                                           "note": None, "age": 1}]}  # fmt: skip
    assert people["rows_removed"] == {"count": 1, "rows": [{"id": 3, "name": "Cy", "photo": blob(b"\x01"), "note": "y",
                                                             "age": 50}]}  # fmt: skip
    # 'Ann' -> 'ann' is a change although the column compares without case; NULL -> value and value -> NULL too.
    assert people["rows_changed"] == {
        "count": 2,
        "rows": [
            {
                "key": {"id": 1},
                "changes": {
                    "name": ["Ann", "ann"],
                    "photo": [blob(b"\x00\xff"), blob(b"\x00\xfe")],
                    "note": [None, "now"],
                },
            },  # fmt: skip
            {"key": {"id": 2}, "changes": {"note": ["x", None]}},
        ],
    }
    pairs = table(compared(app, "before", "after"), "pairs")
    assert pairs["key"] == ["k1", "k2"]
    assert pairs["rows_added"]["rows"] == [{"k1": "a", "k2": 3, "v": "r"}]
    changes = [(r["key"], r["changes"]) for r in pairs["rows_changed"]["rows"]]
    assert changes == [({"k1": "a", "k2": 1}, {"v": ["p", "p2"]}), ({"k1": "b", "k2": 1}, {"v": [None, "now"]})]


def blob(data):
    return {"$base64": True, "encoded": base64.b64encode(data).decode()}


def test_rows_by_rowid(app):
    loose = table(compared(app, "before", "after"), "loose")
    assert loose["key"] == ["rowid"] and loose["primary_key_a"] == []
    assert loose["rows_removed"] == {"count": 1, "rows": [{"rowid": 3, "a": 3, "b": None}]}
    assert loose["rows_added"] == {"count": 1, "rows": [{"rowid": 4, "a": 4, "b": "four"}]}
    assert loose["rows_changed"]["rows"] == [{"key": {"rowid": 2}, "changes": {"b": ["two", "TWO"]}}]


def test_a_primary_key_holding_nulls_is_matched_by_rowid(files):
    # SQLite lets a rowid table's text primary key hold NULLs, twice here: they would match each other by key.
    result = compare_files(files["before"], files["copy"], 1000)
    assert {"name": "text_keys", "rows": 3} in result["tables_unchanged"]
    assert compare_files(files["before"], files["after"], 1000)["identical"] is False


def test_the_first_hundred_of_each_are_listed_and_all_counted(app):
    many = table(compared(app, "before", "after"), "many")
    assert (many["rows_a"], many["rows_b"]) == (400, 430)
    assert many["rows_changed"]["count"] == 250 and len(many["rows_changed"]["rows"]) == 100
    assert many["rows_changed"]["rows"][0] == {"key": {"id": 1}, "changes": {"v": [1, -1]}}
    assert many["rows_removed"]["count"] == 120 and [r["id"] for r in many["rows_removed"]["rows"]] == list(
        range(281, 381)
    )
    assert many["rows_added"]["count"] == 150 and [r["id"] for r in many["rows_added"]["rows"]] == list(
        range(1001, 1101)
    )
    page = get(app, "/ds/-/compare", a="before", b="after").body.decode()
    assert "Rows changed: 250 rows, the first 100 shown" in page and "Rows added: 150 rows, the first 100 shown" in page


def test_rows_added_among_a_rows_are_found_as_well(tmp_path):
    # Not after a's last key: the pass over b finds them (the seek after a's last row finds none of these).
    a = make(tmp_path / "a.db", "create table t (id integer primary key, v); insert into t values (1, 1), (5, 5);")
    b = make(
        tmp_path / "b.db",
        "create table t (id integer primary key, v); insert into t values (1, 1), (3, 3), (5, 5), (9, 9);",
    )
    t = compare_files(a, b, 1000)["tables_changed"][0]
    assert t["rows_added"] == {"count": 2, "rows": [{"id": 3, "v": 3}, {"id": 9, "v": 9}]}


def test_no_common_key_compares_only_counts(tmp_path):
    a = make(tmp_path / "a.db", "create table t (k primary key, v) without rowid; insert into t values (1, 1);")
    b = make(tmp_path / "b.db", "create table t (v primary key, k) without rowid; insert into t values (1, 1), (2, 2);")
    t = compare_files(a, b, 1000)["tables_changed"][0]
    assert t["key"] is None and t["rows_added"] is None and (t["rows_a"], t["rows_b"]) == (1, 2)


def test_hostile_names_and_values_are_quoted_and_escaped(app):
    result = compared(app, "before", HOSTILE_DB)
    hostile = table(result, HOSTILE)
    assert hostile["key"] == [HOSTILE]
    assert hostile["rows_changed"]["rows"] == [
        {"key": {HOSTILE: 1}, "changes": {COLUMN: ["<b>bold</b>", "<script>x()</script>"]}}
    ]
    page = get(app, "/ds/-/compare", a="before", b=HOSTILE_DB)
    assert page.status == 200
    body = page.body.decode()
    for raw in ("<script>alert(1)", "<script>x()", "<b>bold", "<i>c</i>", 'x<"&'):
        assert raw not in body
    assert "&lt;script&gt;x()&lt;/script&gt;" in body and "&lt;i&gt;c&lt;/i&gt;" in body
    assert f'href="{library.table_url(app.ds, HOSTILE_DB, "fresh")}"' in body  # Datasette's own encoding of names


def test_the_page_shows_values_nulls_and_blobs(app):
    body = get(app, "/ds/-/compare", a="before", b="after").body.decode()
    assert re.search(
        r"name: <span class=\"pwa-compare-old\"><span[^>]*>Ann</span></span> → <span[^>]*>ann</span>", body
    )
    assert '<span class="pwa-compare-null">NULL</span>' in body and "&lt;Binary: 2 bytes&gt;" in body
    assert "Column removed: dropped TEXT" in body and "Column retyped: type INTEGER → TEXT" in body
    assert 'href="/ds/-/compare.json?a=before&amp;b=after"' in body


@pytest.mark.parametrize(
    "params, status, message",
    [
        ({}, 200, None),
        ({"a": "before"}, 400, "Choose two databases to compare."),
        ({"a": "before", "b": "nope <x>"}, 404, "There is no database “nope &lt;x&gt;”."),
        ({"a": "_memory", "b": "before"}, 400, "“_memory” is held in memory, with no file to compare."),
    ],
)
def test_the_form_and_its_messages(app, params, status, message):
    reply = get(app, "/ds/-/compare", **params)
    assert reply.status == status
    body = reply.body.decode()
    options = re.findall(r'<option value="([^"]*)"', body)
    assert options == ["before", "copy", "after", "x&lt;&#34;&amp;&#39;&gt;ü ]y"] * 2  # one select for a, one for b
    assert "_memory" not in options
    if message:
        assert f'<p class="message-error">{message}</p>' in body
    as_json = get(app, "/ds/-/compare.json", **params)
    assert as_json.status == (400 if not params else status)
    assert json.loads(as_json.body)["ok"] is False


def test_the_database_page_links_the_comparison(app):
    page = get(app, "/ds/before").body.decode()
    assert 'href="/ds/-/compare?a=before"' in page and "Compare with another database" in page
    assert "/-/compare" not in get(app, "/ds/_memory").body.decode()


def test_the_time_limit_stops_a_long_comparison(tmp_path):
    columns = [f"c{i}" for i in range(20)]  # 20 values compared in each of 300,000 rows: far longer than 50 ms
    path = make(
        tmp_path / "big.db",
        f"create table t (id integer primary key, {', '.join(columns)});"
        "with recursive n(i) as (select 1 union all select i + 1 from n where i < 300000) "
        f"insert into t select i, {', '.join(['i'] * len(columns))} from n;",
    )
    app = open_app(("big", path), ("big2", path))
    app.set_time_limit(50)  # the schema is read in a moment
    reply = get(app, "/ds/-/compare.json", a="big", b="big2")
    assert reply.status == 400
    error = json.loads(reply.body)["error"]
    assert (
        error
        == "Comparing the table “t” took longer than the SQL time limit of 0.05 s; a longer one can be set in Settings."
    )


def test_tables_the_actor_may_not_see_are_left_out(files):
    async def run():
        # Not start(): there the local owner is root with every permission.
        config = {"databases": {"after": {"tables": {"people": {"allow": False}}}, "copy": {"allow": False}}}
        ds = AppDatasette([], config=config)
        await library.add(ds, ("before", files["before"]), ("after", files["after"]), ("copy", files["copy"]))
        app = App(ds)
        return [
            await app.handle("GET", ORIGIN + f"/-/compare.json?a=before&b={b}", [], None) for b in ("after", "copy")
        ]

    allowed, forbidden = run_async(run())
    names = {t["name"] for key in ("tables_changed", "tables_unchanged") for t in json.loads(allowed.body)[key]}
    assert "people" not in names and "loose" in names
    assert forbidden.status == 403 and json.loads(forbidden.body)["ok"] is False
