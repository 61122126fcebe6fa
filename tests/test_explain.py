"""Explain and the index advisor (features/advisor.py, explain_routes.py) under CPython, as a user follows it: a
query that reads every row gets a CREATE INDEX, shown before it runs; created through the indexes page, the browser
comes back to Explain, where the plan now searches and the times before and after are shown. A query that already
uses an index gets none. (Chromium: test_features.py.)"""

import re
from html import unescape
from urllib.parse import urlencode

import pytest
from testkit.app import FORM, ORIGIN, get, header, serving
from testkit.databases import counting, make_db

SCHEMA = f"""
create table authors (id integer primary key, name text);
create table books (id integer primary key, title text, author_id integer references authors(id), year integer);
create index books_by_year on books(year);
{counting(20000)} insert into books select i, 'title ' || i, i % 500, 1900 + i % 120 from n;
{counting(500)} insert into authors select i, 'author ' || i from n;
"""
SAME_SITE = [("sec-fetch-site", "same-origin"), ("origin", ORIGIN)]


@pytest.fixture
def app(tmp_path):
    with serving(("shelf", make_db(tmp_path / "shelf.db", SCHEMA))) as app:
        yield app


def page(app, path, **params):
    reply = get(app, path, **params)
    assert reply.status == 200, reply.body[:500]
    return unescape(reply.body.decode())


def test_a_query_that_scans_gets_an_index_that_makes_it_a_search_and_the_times_are_shown(app):
    html = page(app, "/ds/shelf/-/explain", sql="select * from books where title = :t", t="title 7")
    assert "SCAN books" in html and "reads every row" in html
    assert 'CREATE INDEX "idx_books_title" ON "books" ("title");' in html
    create = re.search(r'href="([^"]*/indexes/create\?[^"]*)"', html)[1]
    confirmation = page(app, create)  # the indexes page shows the SQL before anything runs
    assert 'CREATE INDEX "idx_books_title" ON "books" ("title");' in confirmation
    fields = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', confirmation)
    ran = get(app, "/ds/shelf/books/-/indexes/create", "POST", FORM + SAME_SITE, urlencode(fields).encode())
    assert ran.status == 302
    back = header(ran, "location")
    assert back.startswith("/ds/shelf/-/explain?") and "_before=" in back
    after = page(app, back)
    assert "SEARCH books USING INDEX idx_books_title (title=?)" in after
    assert re.search(r"Before the index: <strong>[\d.]+ ms</strong>. Now: <strong>[\d.]+ ms</strong>", after)
    assert "there is no index to propose" in after


def test_a_query_that_uses_an_index_gets_none(app):
    html = page(app, "/ds/shelf/-/explain", sql="select * from books where year = 1950")
    assert "SEARCH books USING INDEX books_by_year (year=?)" in html and "reads every row" not in html
    assert "CREATE INDEX" not in html and "there is no index to propose" in html


def test_a_join_gets_the_pair_of_indexes_it_needs(app):
    sql = "select books.title from books join authors on authors.id = books.author_id where authors.name = 'author 3'"
    html = page(app, "/ds/shelf/-/explain", sql=sql)
    assert 'ON "books" ("author_id")' in html and 'ON "authors" ("name")' in html


def test_a_table_page_that_filters_offers_explain_and_explains_its_own_sql(app):
    assert "/-/explain?" not in page(app, "/ds/shelf/books")  # all rows in order: nothing to explain
    table = page(app, "/ds/shelf/books", title__contains="7", _sort_desc="year")
    link = re.search(r'href="([^"]*/-/explain\?[^"]*)"', table)[1]
    html = page(app, link)
    assert 'where "title" like :p0 order by year desc' in html and "USE TEMP B-TREE" not in html


def test_only_a_select_is_explained_and_a_created_index_goes_back_only_to_explain(app):
    assert get(app, "/ds/shelf/-/explain", sql="delete from books").status == 400
    fields = [("column", "title"), ("name", "t"), ("then", "https://elsewhere.example/")]
    ran = get(app, "/ds/shelf/books/-/indexes/create", "POST", FORM + SAME_SITE, urlencode(fields).encode())
    assert header(ran, "location") == "/ds/shelf/books/-/indexes"


def test_a_sort_in_a_temporary_b_tree_is_marked_and_the_index_for_its_order_proposed(app):
    html = page(app, "/ds/shelf/-/explain", sql="select title from books order by title limit 5")
    assert "USE TEMP B-TREE FOR ORDER BY sorts in a temporary b-tree" in re.sub(r"\s*<[^>]+>\s*", " ", html)
    assert 'CREATE INDEX "idx_books_title" ON "books" ("title");' in html


@pytest.mark.parametrize(
    "params, says",
    [
        ({"sql": "select * from books where title = :t"}, b"SQLite cannot run this query"),  # :t has no value
        ({"sql": "select * from nowhere"}, b"SQLite cannot run this query: no such table: nowhere"),
        ({"_table": "nowhere", "title": "x"}, b"The page of nowhere cannot be explained"),
    ],
)
def test_sql_it_cannot_run_ends_in_a_sentence_not_a_traceback(app, params, says):
    reply = get(app, "/ds/shelf/-/explain", **params)
    assert reply.status == 400 and says in reply.body and b"Traceback" not in reply.body
    assert get(app, "/ds/elsewhere/-/explain", sql="select 1").status == 404


def test_the_time_before_is_shown_only_as_a_number(app):
    html = page(app, "/ds/shelf/-/explain", sql="select 1", _before="<b>fast</b>")
    assert "Before the index" not in html and "fast" not in html
