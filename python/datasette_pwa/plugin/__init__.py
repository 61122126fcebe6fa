"""Datasette hooks for the app: the person at this browser owns every database, files stay consistent, and
Datasette's pages follow the system's dark mode (static/dark.css)."""

from datasette import hookimpl


@hookimpl
def actor_from_request(datasette, request):
    # The service worker relays only requests from this app's own pages, so whoever sends one is the
    # local owner of the data: give them root, with every write feature Datasette has, and no login.
    return {"id": "root"}


@hookimpl
def prepare_connection(conn):
    # Databases live on OPFS sync access handles, opened before SQLite asks for a file: the rollback journal
    # is one of them, emptied (not deleted) after each commit. WAL needs -wal and -shm files that cannot exist.
    conn.execute("PRAGMA journal_mode=TRUNCATE")
    # Reads from OPFS cost more than from memory; with a 64 MB page cache (the default is 2 MB) repeated random
    # reads matched an in-memory copy in the benchmark (benchmarks/results). It grows only as pages are read.
    conn.execute("PRAGMA cache_size=-65536")


@hookimpl
def extra_css_urls(datasette):
    return [datasette.urls.static_plugins("datasette-pwa", "dark.css")]


@hookimpl(wrapper=True)
def extra_body_script(template):
    scripts = yield
    # datasette-plot 0.1.0 adds its script to every page and throws on those without rows ("Cannot read properties
    # of undefined"): keep it where there are rows to plot.
    if template in ("table.html", "query.html"):
        return scripts
    return [script for script in scripts if "datasette-plot" not in str(script)]
