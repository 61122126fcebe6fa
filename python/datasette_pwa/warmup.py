"""Warm-up before the worker's memory snapshot: a throwaway Datasette renders each kind of page once, so the snapshot
holds every module those pages import and every template compiled. Without it, the first page after each start
spent about 0.2 s compiling Jinja templates, and the first table, row or query page as much again.

Templates are kept in templates.TEMPLATES, which every Datasette of the app uses.
"""

from .app import start

SCHEMA = """
create table authors (id integer primary key, name text);
create table books (id integer primary key, title text, author_id integer references authors(id), tags text);
insert into authors values (1, 'Ann');
insert into books values (1, 'First', 1, '["a", "b"]'), (2, 'Second', 1, '{"x": 1}');
create virtual table books_fts using fts5(title, content=books, content_rowid=id);
insert into books_fts (books_fts) values ('rebuild');
"""

PAGES = [
    "",
    "warmup",
    "warmup/books",
    "warmup/books?_facet=author_id",
    "warmup/books?_search=first",
    "warmup/books?title__contains=F&_sort_desc=id",
    "warmup/books/1",
    "warmup/authors/1",
    "warmup/-/query?sql=select+*+from+books",
    "warmup/books.json",
    "warmup/books.csv",
    "warmup/-/diagram",
    "-/compare",
    "warmup/-/history",
    "warmup/books/-/indexes",
    "-/versions",
    "-/plugins",
    "-/search?q=first",
    "missing",
]
# The features' routes that PAGES leaves cold, and why: every route of features/ is either rendered by a page above or
# named here (tests/test_start_budget.py checks), so a new page cannot be forgotten silently.
LEFT_COLD = {
    r"^/-/compare\.json$": "the same code as /-/compare, as JSON",
    r"^/-/compare\.sql$": "a download, after a comparison was shown",
    r"^/(?P<database>[^/]+)/-/diagram\.svg$": "a download of the diagram, after it was shown",
    r"^/(?P<database>[^/]+)/-/dump\.sql$": "a download, streamed: its first bytes come at once",
    r"^/(?P<database>[^/]+)/-/explain$": "from the query and table pages' actions menus, after those were shown",
    r"^/(?P<database>[^/]+)/-/history/star$": "a POST from the history page",
    r"^/(?P<database>[^/]+)/(?P<table>[^/]+)/-/indexes/create$": "a form from the indexes page",
    r"^/(?P<database>[^/]+)/(?P<table>[^/]+)/-/indexes/drop$": "a form from the indexes page",
    r"^/(?P<database>[^\/\.]+)/-/execute-write$": "Datasette's own page, extended by features/scripts.py",
    r"^/(?P<database>[^/]+)/-/publish$": "a dialog whose page waits on a server far slower than a first render",
    r"^/(?P<database>[^/]+)/-/publish\.json$": "asked for by the Publish dialog",
    r"^/(?P<database>[^/]+)/-/publish-rows$": "asked for by the Publish dialog",
    r"^/(?P<database>[^/]+)/-/pull$": "a dialog whose page waits on a server far slower than a first render",
    r"^/(?P<database>[^/]+)/-/pull-rows$": "a POST from the Pull dialog",
}


async def warm_up() -> dict[str, int]:
    """Render PAGES; returns their statuses."""
    app = await start("/ds/", "warm-up")
    db = app.ds.add_memory_database("warmup")
    await db.execute_write_script(SCHEMA)
    try:
        return {page: (await app.handle("GET", f"http://localhost/ds/{page}", [], None)).status for page in PAGES}
    finally:
        # No open files or database connections may be left in a snapshot.
        app.ds.close()
