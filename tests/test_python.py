"""Fast CPython tests of python/datasette_pwa: the request/response translation the worker relies on."""

import json
from pathlib import Path
from urllib.parse import quote_plus

import pytest
from testkit.app import JSON, ORIGIN, get, header, open_app, run_async, serving, stream
from testkit.databases import counting, make_db, numbered
from testkit.servers import bundled_plugins

BLOB = bytes(range(256))
# Rows 0 to 119, each with BLOB.
THINGS = f"""create table things (id integer primary key, name text, data blob);
{counting(120)} insert into things select i - 1, 'thing ' || (i - 1), x'{BLOB.hex()}' from n;"""


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    with serving(("things", make_db(tmp_path_factory.mktemp("db") / "things.db", THINGS))) as app:
        yield app


def test_home_page_links_carry_the_base_url(app):
    reply = get(app, "/ds/")
    assert reply.status == 200, reply.body
    assert header(reply, "content-type").startswith("text/html")
    assert b'href="/ds/things"' in reply.body
    assert b'href="/ds/-/static/app.css' in reply.body


def test_next_links_are_not_doubled(app):
    # With the prefix left on the path, Datasette 1.0a41 answers /ds/ds/... here.
    reply = get(app, "/ds/things/things.json?_size=50")
    assert reply.status == 200
    assert json.loads(reply.body)["next_url"] == f"{ORIGIN}/ds/things/things.json?_size=50&_next=49"


def test_binary_bodies_are_byte_exact(app):
    reply = get(app, "/ds/things/things/3.blob?_blob_column=data")
    assert reply.status == 200
    assert reply.body == BLOB


def test_csv_is_byte_exact(app):
    sql = quote_plus("select 'a,b' as x, 'é\"\n' as y")
    reply = get(app, f"/ds/_memory/-/query.csv?sql={sql}")
    assert reply.status == 200
    assert reply.body == 'x,y\r\n"a,b","é""\n"\r\n'.encode()


def test_redirects_pass_through_for_the_browser_to_follow(app):
    reply = get(app, "/ds/_memory.json?sql=select+1")
    assert reply.status == 302
    assert header(reply, "location") == "/ds/_memory/-/query.json?sql=select+1"
    assert reply.body == b""


def test_the_local_owner_writes_through_the_json_api(app):
    body = memoryview(b'{"row": {"id": 1000, "name": "new"}}')  # the worker hands bodies over as memoryviews
    reply = get(app, "/ds/things/things/-/insert", "POST", JSON, body)
    assert reply.status == 201, reply.body
    reply = get(app, "/ds/things/things/1000.json?_shape=array")
    assert json.loads(reply.body)[0]["name"] == "new"


def test_writes_keep_the_journal_file_and_empty_it(app):
    # TRUNCATE keeps the -journal file the app opens up front, empty after each commit; DELETE would remove it.
    body = b'{"row": {"id": 1001, "name": "another"}}'
    assert get(app, "/ds/things/things/-/insert", "POST", JSON, body).status == 201
    journal = Path(app.ds.databases["things"].path + "-journal")
    assert journal.exists() and journal.stat().st_size == 0


def test_paths_outside_the_base_url_are_not_datasettes(app):
    reply = get(app, "/elsewhere/")
    assert reply.status == 404


def test_missing_pages_get_datasettes_404(app):
    reply = get(app, "/ds/no-such-database")
    assert reply.status == 404
    assert b"Database not found" in reply.body


def test_pages_follow_the_system_dark_mode(app):
    assert b'href="/ds/-/static-plugins/datasette-pwa/dark.css"' in get(app, "/ds/").body
    css = get(app, "/ds/-/static-plugins/datasette-pwa/dark.css")
    assert css.status == 200 and b"prefers-color-scheme: dark" in css.body


def test_pages_may_reach_nothing_outside_the_app(app):
    reply = get(app, "/ds/")
    policy = header(reply, "content-security-policy")
    assert "default-src 'self' data: blob:" in policy and "frame-ancestors 'self'" in policy
    assert not [k for k, _ in get(app, "/ds/.json").headers if k == "content-security-policy"]


def test_the_offline_plugins_are_installed(app):
    names = {p["name"] for p in json.loads(get(app, "/ds/-/plugins.json").body)}
    assert bundled_plugins() | {"datasette-pwa"} <= names


def test_the_chart_script_only_goes_where_there_are_rows(app):
    assert b"datasette-plot/main.min.js" not in get(app, "/ds/").body
    assert b"datasette-plot/main.min.js" in get(app, "/ds/things/things").body


def test_the_warm_up_renders_every_kind_of_page_and_compiles_their_templates(monkeypatch):
    from datasette_pwa.templates import TEMPLATES
    from datasette_pwa.warmup import warm_up

    statuses = run_async(warm_up())
    assert statuses.pop("missing") == 404
    assert set(statuses.values()) == {200}, statuses
    assert len(TEMPLATES.compiled) > 15
    # A Datasette started afterwards (the app, after a snapshot) compiles nothing for the same pages.
    compiled = []
    monkeypatch.setattr(TEMPLATES, "dump_bytecode", compiled.append)
    run_async(warm_up())
    assert compiled == []


def test_a_streamed_csv_comes_in_chunks_never_whole(tmp_path):
    from datasette_pwa.exchange import CHUNK_BYTES

    path = make_db(tmp_path / "rows.db", numbered(30_000))
    app = open_app(("rows", path))

    status, parts = stream(app, "/ds/rows/r.csv?_stream=on&_size=max")
    assert status == 200
    assert len(parts) > 1 and max(map(len, parts)) < CHUNK_BYTES + 4096
    assert b"".join(parts).count(b"\n") == 30_001


def test_an_answer_that_breaks_off_fails_instead_of_carrying_an_error_page():
    """Datasette sends its error page when a streamed body raises, after the first answer's head and chunks."""
    from datasette_pwa.exchange import CookieJar, exchange

    async def app(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"x" * 300_000, "more_body": True})
        await send({"type": "http.response.start", "status": 500, "headers": []})
        await send({"type": "http.response.body", "body": b"<h1>Error</h1>"})

    async def read():
        parts = []
        with pytest.raises(RuntimeError, match="broke off part way"):
            async for part in exchange(app, "GET", ORIGIN + "/x", [], None, CookieJar()):
                parts.append(part)
        return parts

    parts = run_async(read())
    assert parts[0] == (200, [])
    assert b"Error" not in b"".join(p for p in parts[1:])


def test_stored_queries_are_told_from_tables(app):
    """The worker's cache keeps a table's page and not a stored query's (whose SQL may be random())."""
    run_async(app.ds.add_query("things", "lucky dip", "select random() as n"))
    assert run_async(app.is_stored_query("things/lucky+dip"))
    assert run_async(app.is_stored_query("things/lucky%20dip.json"))
    assert not run_async(app.is_stored_query("things/things"))
    assert not run_async(app.is_stored_query("things/things.csv"))
