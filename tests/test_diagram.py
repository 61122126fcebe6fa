"""The schema diagram (python/datasette_pwa/features/diagram.py, diagram_routes.py) under CPython: <db>/-/diagram and
<db>/-/diagram.svg draw every table and view, their primary keys and foreign keys, whatever the names."""

import re
import xml.etree.ElementTree as ET
from itertools import combinations
from urllib.parse import quote

import pytest
from datasette_pwa import library
from datasette_pwa.features.diagram import Column, ForeignKey, Table, layout, order
from testkit.app import get, header, serving
from testkit.databases import make_db

SVG = "{http://www.w3.org/2000/svg}"

LIBRARY = """
create table authors (id integer primary key, name text not null);
create table books (id integer primary key, title text, author_id integer references authors(id));
create table reviews (
    book_id integer references books(id), reviewer_id integer references authors(id), stars integer,
    primary key (book_id, reviewer_id)
);
create view rated as select title, stars from books join reviews on reviews.book_id = books.id;
create table _notes (id integer primary key);
"""
HOSTILE_DB = "x<\"&'>ü y"
SCRIPT = "<script>alert(1)</script>"
QUOTED = "a \"quoted\" 'name' & more"
WIDE = "ünïcödé 表 " + "long" * 20
CONTROL = "bell\x01name"
QUOTED_SQL = QUOTED.replace('"', '""')
HOSTILE = f"""
create table "{SCRIPT}" ("</text><script>x()</script>" integer primary key, "{QUOTED_SQL}" "<i>odd type</i>");
create table "{QUOTED_SQL}" (id integer primary key, "it's" integer references "{SCRIPT}", "{WIDE}" text);
create table "{WIDE}" (a integer references "{QUOTED_SQL}"(id));
create table "{CONTROL}" (b text);
create table gone (id integer);
create view "broken view" as select * from gone;
drop table gone;
"""


def many_tables(n=60):
    """n tables, each referring to the one at half its number (a tree), some twice, names and sizes varied."""
    statements = []
    for i in range(n):
        columns = ["id integer primary key"] + [f"column_{k}{'x' * (i % 9)} text" for k in range(i % 7)]
        if i:
            columns.append(f"parent_id integer references t{i // 2}(id)")
        if i % 5 == 4:
            columns.append(f"other_id integer references t{(i * 7) % n}(id)")
        statements.append(f"create table t{i} ({', '.join(columns)});")
    return "\n".join(statements)


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    folder = tmp_path_factory.mktemp("diagram")
    with serving(
        ("library", make_db(folder / "library.db", LIBRARY)),
        (HOSTILE_DB, make_db(folder / "hostile.db", HOSTILE)),
        ("many", make_db(folder / "many.db", many_tables())),
    ) as app:
        yield app


def svg_of_page(body: bytes) -> ET.Element:
    """The SVG inline in an HTML page, which must be well-formed XML on its own."""
    match = re.search(rb"<svg xmlns=.*?</svg>", body, re.DOTALL)
    assert match, body
    return ET.fromstring(match.group(0))


def boxes(svg):
    return {g.get("data-table"): g for g in svg.iter(f"{SVG}g") if "erd-box" in g.get("class", "").split()}


def columns(box, cls="erd-col"):
    return [g.get("data-column") for g in box.iter(f"{SVG}g") if cls in g.get("class", "").split()]


def lines(svg):
    return [p for p in svg.iter(f"{SVG}path") if p.get("class") == "erd-fk"]


def test_the_page_draws_a_box_per_table_and_view(app):
    reply = get(app, "/ds/library/-/diagram")
    assert reply.status == 200, reply.body
    assert header(reply, "content-type").startswith("text/html")
    drawn = boxes(svg_of_page(reply.body))
    assert set(drawn) == {"authors", "books", "reviews", "rated"}  # _notes is hidden, as on the database page
    assert "erd-view" in drawn["rated"].get("class") and "erd-table" in drawn["books"].get("class")
    assert columns(drawn["reviews"]) == ["book_id", "reviewer_id", "stars"]
    assert columns(drawn["authors"], "erd-pk") == ["id"]
    assert columns(drawn["reviews"], "erd-pk") == ["book_id", "reviewer_id"]
    assert columns(drawn["rated"], "erd-pk") == []
    assert set(boxes(svg_of_page(get(app, "/ds/library/-/diagram?_show_hidden=1").body))) >= {"_notes"}


def test_the_page_draws_a_line_per_foreign_key(app):
    svg = svg_of_page(get(app, "/ds/library/-/diagram").body)
    drawn = {
        (p.get("data-from-table"), p.get("data-from-column"), p.get("data-to-table"), p.get("data-to-column"))
        for p in lines(svg)
    }
    assert drawn == {
        ("books", "author_id", "authors", "id"),
        ("reviews", "book_id", "books", "id"),
        ("reviews", "reviewer_id", "authors", "id"),
    }
    ids = {g.get("id"): name for name, g in boxes(svg).items()}
    for path in lines(svg):
        assert ids[path.get("data-from-box")] == path.get("data-from-table")
        assert ids[path.get("data-to-box")] == path.get("data-to-table")
        assert re.fullmatch(r"M[\d.]+ [\d.]+C[\d. ]+", path.get("d"))


def test_the_page_is_datasettes_with_the_pan_and_zoom_script(app):
    body = get(app, "/ds/library/-/diagram").body.decode()
    assert '<link rel="stylesheet" href="/ds/-/static-plugins/datasette-pwa/dark.css">' in body
    assert 'href="/ds/library"' in body  # Datasette's crumbs
    assert 'src="/ds/-/static-plugins/datasette-pwa/diagram.js"' in body
    assert 'data-diagram-zoom="in"' in body and 'href="/ds/library/-/diagram.svg"' in body
    # Every script is one of the page's own, carrying its nonce (csp.py).
    assert body.count("<script") == body.count('<script nonce="')
    script = get(app, "/ds/-/static-plugins/datasette-pwa/diagram.js")
    assert script.status == 200 and b"viewBox" in script.body


def test_the_svg_file_is_the_same_drawing_as_a_download(app):
    reply = get(app, "/ds/library/-/diagram.svg")
    assert reply.status == 200
    assert header(reply, "content-type") == "image/svg+xml"
    assert header(reply, "content-disposition") == 'attachment; filename="library.svg"'
    assert reply.body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    svg = ET.fromstring(reply.body)
    assert svg.tag == f"{SVG}svg" and float(svg.get("width")) > 0 and svg.find(f"{SVG}style") is not None
    assert set(boxes(svg)) == {"authors", "books", "reviews", "rated"} and len(lines(svg)) == 3


def test_the_database_page_links_to_the_diagram(app):
    reply = get(app, "/ds/library")
    assert reply.status == 200
    assert b'<a href="/ds/library/-/diagram" role="menuitem"' in reply.body


def test_missing_databases_get_datasettes_404(app):
    for path in ["/ds/no-such/-/diagram", "/ds/no-such/-/diagram.svg"]:
        reply = get(app, path)
        assert reply.status == 404 and b"Database not found" in reply.body


def test_only_those_who_may_view_the_database_see_its_diagram(app):
    app.ds.config.setdefault("databases", {})["library"] = {"allow": {"id": "someone else"}}
    try:
        assert get(app, "/ds/library/-/diagram").status == 403
        assert get(app, "/ds/library/-/diagram.svg").status == 403
    finally:
        del app.ds.config["databases"]["library"]
    assert get(app, "/ds/library/-/diagram").status == 200


def test_hostile_names_are_drawn_escaped(app):
    url = library.url(app.ds, HOSTILE_DB)
    reply = get(app, url + "/-/diagram")
    assert reply.status == 200, reply.body
    assert SCRIPT.encode() not in reply.body and b"<script>x()" not in reply.body
    assert reply.body.count(b"<script") == reply.body.count(b'<script nonce="')
    svg = svg_of_page(reply.body)
    drawn = boxes(svg)
    assert set(drawn) == {SCRIPT, QUOTED, WIDE, "bell\ufffdname", "broken view"}
    assert columns(drawn[SCRIPT], "erd-pk") == ["</text><script>x()</script>"]
    assert columns(drawn[SCRIPT]) == ["</text><script>x()</script>", QUOTED]
    assert b"&lt;i&gt;odd type&lt;/i&gt;" in reply.body and b"<i>odd" not in reply.body
    assert columns(drawn["broken view"]) == []  # its table is gone: a box with no columns, not a failed page
    drawn_lines = {(p.get("data-from-table"), p.get("data-from-column"), p.get("data-to-table")) for p in lines(svg)}
    assert drawn_lines == {(QUOTED, "it's", SCRIPT), (WIDE, "a", QUOTED)}
    # The references to a primary key that name no column are drawn to that key.
    assert {p.get("data-to-column") for p in lines(svg)} == {"</text><script>x()</script>", "id"}
    assert ET.fromstring(get(app, url + "/-/diagram.svg").body).tag == f"{SVG}svg"


def test_a_hostile_database_name_makes_a_safe_download_name(app):
    reply = get(app, library.url(app.ds, HOSTILE_DB) + "/-/diagram.svg")
    disposition = header(reply, "content-disposition")
    assert (
        disposition == f"attachment; filename=\"x<_&'>_ y.svg\"; filename*=UTF-8''{quote(HOSTILE_DB + '.svg', safe='')}"
    )


def test_sixty_tables_get_sixty_boxes_that_do_not_overlap(app):
    reply = get(app, "/ds/many/-/diagram.svg")
    svg = ET.fromstring(reply.body)
    drawn = boxes(svg)
    assert len(drawn) == 60 and len(lines(svg)) == 59 + 12
    rects = []
    for g in drawn.values():
        x, y = map(float, re.fullmatch(r"translate\(([\d.]+) ([\d.]+)\)", g.get("transform")).groups())
        frame = g.find(f"{SVG}rect")
        rects.append((x, y, x + float(frame.get("width")), y + float(frame.get("height"))))
        assert rects[-1][2] <= float(svg.get("width")) and rects[-1][3] <= float(svg.get("height"))
    for a, b in combinations(rects, 2):
        assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (a, b)
    width, height = float(svg.get("width")), float(svg.get("height"))
    assert 0.8 < width / height < 3, (width, height)  # about a screen's shape, not one long row or column


def table(name, *references, view=False):
    fks = tuple(ForeignKey(("ref",), other, (None,)) for other in references)
    return Table(name, (Column("id", "integer", 1), Column("ref", "integer", 0)), fks, view)


def test_tables_joined_by_foreign_keys_are_placed_together():
    tables = [table("x"), table("a", "b"), table("v", view=True), table("c", "b"), table("b"), table("d", "c")]
    assert [t.name for t in order(tables)] == ["b", "c", "a", "d", "x", "v"]
    assert [t.name for t in order(list(reversed(tables)))] == ["b", "c", "a", "d", "x", "v"]  # whatever the input order
    placed = {box.table.name: box for box in layout(tables)}
    assert placed["v"].y >= max(box.y for box in placed.values())  # views come last
