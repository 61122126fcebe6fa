"""The app's core Datasette hooks: the person at this browser owns every database, files stay consistent, Datasette's
pages follow the system's dark mode (static/dark.css), and the library's databases are composed from the features.

The features beyond Datasette's own are plugins of their own in features/, each registered under the hooks' real
names by an entry point in pyproject.toml, as Datasette registers its own (datasette/plugins.py DEFAULT_PLUGINS).
This package keeps the static files and templates they share: Datasette serves one plugin's static/ per package.
"""

from datasette import hookimpl

from ..features.history import RecordedDatabase
from ..features.scripts import ScriptDatabase
from ..foreign_keys import all_foreign_keys


class LibraryDatabase(RecordedDatabase, ScriptDatabase):
    """A database of the library. Its execute-writes get the SQL time limit the owner set (sql_time_limit_ms), where
    Datasette 1.0a41 gives them a fixed 2 s, which interrupted a 150 MB UPDATE that takes 0.7 s natively. The owner's
    SQL goes into the query history (features/history.py); execute-write takes scripts (features/scripts.py)."""

    async def execute_write(self, sql, params=None, block=True, **kwargs):
        kwargs.setdefault("time_limit_ms", self.ds.setting("sql_time_limit_ms"))
        return await super().execute_write(sql, params, block, **kwargs)

    async def get_all_foreign_keys(self):
        return await self.execute_fn(all_foreign_keys)  # foreign_keys.py: Datasette's fails on some real files


@hookimpl
def library_database_class(datasette):
    return LibraryDatabase


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
