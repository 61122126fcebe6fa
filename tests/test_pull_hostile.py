"""Pull against hostile servers (testkit/hostile_servers.py), through the app's Python under CPython: every case the
app's pull-rows decides ends within a minute with its message in words (never a 500), each page stored whole or not at
all, what came before it kept; the cases pull.js decides (a drip, a loop of URLs) run in Chromium (test_publish.py)."""

import html
import json
import sqlite3
import time

import pytest
from datasette_pwa.features.transfer_routes import MAX_PAGE_BYTES, MAX_PAGES
from testkit import hostile_servers
from testkit.app import JSON, get, serving

APP_CASES = [case for case in hostile_servers.CASES if case.by == "app"]


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    path = tmp_path_factory.mktemp("pull") / "copy.db"
    sqlite3.connect(path).close()
    with serving(("copy", path)) as app:
        app.path = path
        yield app


def local(app, path, method="GET", body=None):
    return get(app, path, method, JSON if body is not None else [], body)


def kept(path, table):
    """The rows of table, or 0 if there is no such table; and whether the database passes integrity_check."""
    with sqlite3.connect(path) as db:
        exists = db.execute("select count(*) from sqlite_master where name = ?", [table]).fetchone()[0]
        count = db.execute(f'select count(*) from "{table}"').fetchone()[0] if exists else 0
        return count, db.execute("pragma integrity_check").fetchone()[0]


@pytest.mark.parametrize("case", APP_CASES, ids=[case.name for case in APP_CASES])
def test_a_hostile_server_ends_the_pull_in_words_and_nothing_half_written(app, case):
    table = case.name.replace("-", "_")
    started = time.monotonic()
    with hostile_servers.serve(case.name) as server:
        said = hostile_servers.pull(lambda *a: local(app, *a), "copy", server.url, table, MAX_PAGE_BYTES)
    assert time.monotonic() - started < 60
    if case.says is None:
        assert said is None
    else:
        assert case.says in said
        assert "Traceback" not in said and len(said) < 400, said
    assert kept(app.path, table) == (case.kept, "ok")


def test_a_page_up_to_the_cap_is_read_past_datasettes_2_mb_limit_and_one_over_it_is_refused(app):
    body = hostile_servers.big(3000)
    assert 2 << 20 < len(body) < MAX_PAGE_BYTES
    answer = local(app, "/ds/copy/-/pull-rows?table=big&first=1&replace=1", "POST", body)
    assert answer.status == 200 and json.loads(answer.body)["rows"] == 3000
    answer = local(app, "/ds/copy/-/pull-rows?table=big", "POST", b" " * (MAX_PAGE_BYTES + 1))
    assert answer.status == 413 and "bigger than 64 MB" in json.loads(answer.body)["error"]
    assert kept(app.path, "big") == (3000, "ok")


def test_a_chain_of_pages_stops_at_the_stated_most(app):
    page = json.dumps(hostile_servers.page(hostile_servers.rows(1, 2))).encode()
    answer = local(app, f"/ds/copy/-/pull-rows?table=chain&page={MAX_PAGES}&first=1", "POST", page)
    assert answer.status == 200
    answer = local(app, f"/ds/copy/-/pull-rows?table=chain&page={MAX_PAGES + 1}", "POST", page)
    assert answer.status == 400 and f"past {MAX_PAGES:,}" in json.loads(answer.body)["error"]


def test_the_pull_page_states_its_limits_and_its_form_cannot_put_the_token_in_a_url(app):
    page = local(app, "/ds/copy/-/pull").body.decode()
    assert "up to 64 MB" in page and "at least 16 KB every\n15 seconds" in page and "after 100,000 pages" in page
    assert '<form class="core" method="post" action="/ds/copy/-/pull"' in page
    refused = local(app, "/ds/copy/-/pull", "POST", b"url=http%3A%2F%2Fx%2Fy&token=dstok_secret&table=")
    assert refused.status == 400
    said = html.unescape(refused.body.decode())
    assert "sent without this page's script" in said and "dstok_secret" not in said
