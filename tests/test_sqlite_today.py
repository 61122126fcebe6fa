"""Today's SQLite (issue 27), in Chromium with the network cut: a file whose schema uses SQL newer than Pyodide's
SQLite 3.39 (a STRICT table with a generated column, a view with `string_agg ... order by` and `median`) opens, and
its pages, facets and queries work on SQLite 3.54.1 (APSW's, through python/datasette_pwa/sqlite3_apsw). Where APSW
cannot load, the app starts on Pyodide's own SQLite and About says so."""

import gzip
import json
import shutil

import apsw
import pytest
from test_features import show
from testkit.browser import NetworkGuard, installed_copy, launch, start_app, wait_ready
from testkit.page import open_with_input, query, wait_for_frame, wait_for_library
from testkit.servers import serve_directory

# Each line of the schema fails on SQLite 3.39: the view's `order by` inside an aggregate makes 3.39 refuse the whole
# schema as malformed; concat_ws (3.44), median (3.51) and string_agg (3.44) are "no such function" there.
SCHEMA = """
create table sightings (
    id integer primary key,
    park text not null,
    species text not null,
    birds integer not null,
    place text generated always as (concat_ws(' / ', park, species)) virtual
) strict;
create view parks as
    select park, string_agg(species, ', ' order by species) as species, median(birds) as median_birds
    from sightings group by park;
insert into sightings (park, species, birds) values
    ('Riverside', 'kingfisher', 2), ('Riverside', 'heron', 4), ('Riverside', 'heron', 9), ('Mill Pond', 'coot', 7);
"""


def make_today_db(path):
    connection = apsw.Connection(str(path))
    connection.execute(SCHEMA)
    connection.close()
    return path


@pytest.fixture
def today_db(tmp_path):
    return make_today_db(tmp_path / "today.db")


def test_a_file_written_with_todays_sql_opens_and_works(playwright, server, installed, today_db, tmp_path):
    guard = NetworkGuard()
    context = launch(playwright, installed_copy(installed, tmp_path / "profile"), guard, offline=True)
    page = context.pages[0]
    page.goto(server.url)
    wait_ready(page)
    open_with_input(page, [today_db])
    wait_for_library(page, "today")
    wait_for_frame(page, "/ds/today")
    frame = page.frame_locator("#frame")

    show(page, "ds/today/parks")
    rows = frame.locator("table.rows-and-columns tbody tr")
    assert rows.count() == 2
    riverside = rows.filter(has_text="Riverside")
    assert riverside.locator("td.col-species").inner_text() == "heron, heron, kingfisher"
    assert riverside.locator("td.col-median_birds").inner_text() == "4.0"

    show(page, "ds/today/sightings?_facet=place")
    facet = frame.locator(".facet-info", has_text="place")
    assert "Riverside / heron" in facet.inner_text()
    facet.locator("a", has_text="Riverside / heron").click()
    page.wait_for_function("() => document.getElementById('frame').contentWindow.location.search.includes('place=')")
    wait_for_frame(page, "/ds/today/sightings")
    assert frame.locator("table.rows-and-columns tbody tr").count() == 2

    sql = (
        "select sqlite_version() as version, json_extract(jsonb('{\"a\": [1, 2]}'), '$.a[1]') as second,"
        " timediff('2026-12-07', '2026-12-01') as since, unistr('caf\\u00e9') as word,"
        " iif(0, 'a', 0, 'b', 'c') as chosen, octet_length('café') as bytes"
    )
    assert query(page, "today", sql) == [
        {
            "version": "3.54.1",
            "second": 2,
            "since": "+0000-00-06 00:00:00.000",
            "word": "café",
            "chosen": "c",
            "bytes": 5,
        }
    ]
    page.click("#about")
    about = page.locator("dialog[open]")
    assert "SQLite 3.54.1" in about.inner_text() and "Pyodide's own" not in about.inner_text()
    about.locator("button", has_text="Close").click()
    context.close()
    assert guard.outside == [], guard.outside


def without_apsw(dist, copy):
    """A copy of the built app whose site-packages lack APSW, as where an engine refused to load its library."""
    shutil.copytree(dist, copy)
    folder = copy / "site-packages"
    index = json.loads((folder / "index.json").read_text())
    data = gzip.decompress((folder / "files.gz").read_bytes())
    kept, offset = [], 0
    for name, size in index["files"]:
        if not name.startswith("apsw"):
            kept.append((name, data[offset : offset + size]))
        offset += size
    index["files"] = [[name, len(part)] for name, part in kept]
    index["dynlibs"] = [name for name in index["dynlibs"] if not name.startswith("apsw")]
    (folder / "index.json").write_text(json.dumps(index))
    (folder / "files.gz").write_bytes(gzip.compress(b"".join(part for _, part in kept)))
    return copy


def test_without_apsw_the_app_runs_on_pyodides_sqlite_and_about_says_why(playwright, dist, tmp_path):
    url, server = serve_directory(without_apsw(dist, tmp_path / "dist"))
    try:
        context, page = start_app(playwright, tmp_path / "profile", url)
        assert query(page, "_memory", "select sqlite_version() as v") == [{"v": "3.39.0"}]
        page.click("#about")
        about = page.locator("dialog[open]").inner_text()
        assert "SQLite 3.39.0 (Pyodide's own: APSW could not be loaded: No module named 'apsw')" in about
        context.close()
    finally:
        server.shutdown()
