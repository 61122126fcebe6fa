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
