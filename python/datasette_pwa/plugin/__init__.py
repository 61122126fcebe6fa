"""Datasette hooks for the app: the person at this browser owns every database, files stay consistent, and
Datasette's pages follow the system's dark mode (static/dark.css); and the features beyond Datasette's own (schema
diagram, SQL dump, query history, SQL scripts, compare, cross-database SQL completion, indexes, publishing to and
pulling from Datasette servers)."""

from datasette import hookimpl

# The features' hooks live in their modules and are re-exported here, where pluggy finds them. Each carries its own
# name (pluggy's specname), so that several features can each have, say, a register_routes.
from .compare_routes import compare_action as compare_action  # /-/compare (compare.py, compare_rows.py)
from .compare_routes import compare_routes as compare_routes
from .diagram_routes import diagram_database_action as diagram_database_action  # <db>/-/diagram (diagram.py)
from .diagram_routes import register_diagram_routes as register_diagram_routes
from .dump import dump_action as dump_action  # <db>/-/dump.sql
from .dump import dump_routes as dump_routes
from .history import history_asgi_wrapper as history_asgi_wrapper  # records the owner's SQL
from .history import history_startup as history_startup
from .history_routes import history_database_action as history_database_action  # <db>/-/history
from .history_routes import history_query_action as history_query_action
from .history_routes import register_history_routes as register_history_routes
from .indexes_routes import indexes_table_action as indexes_table_action  # <db>/<table>/-/indexes (indexes.py)
from .indexes_routes import register_index_routes as register_index_routes
from .read_only import read_only_database as read_only_database  # in-place databases say so
from .read_only import read_only_query as read_only_query
from .read_only import read_only_row as read_only_row
from .read_only import read_only_table as read_only_table
from .scripts import script_routes as script_routes  # several statements in one execute-write
from .transfer_routes import transfer_database_actions as transfer_database_actions  # <db>/-/publish, <db>/-/pull
from .transfer_routes import transfer_routes as transfer_routes
from .transfer_routes import transfer_table_action as transfer_table_action


@hookimpl(specname="extra_template_vars")
def crossdb_completion(template, database, datasette):
    # The SQL editor completes the tables of the page's own database (table_columns); on _memory, whose connection has
    # the library attached, it completes "db.table" and its columns instead.
    if database != "_memory" or template not in ("database.html", "query.html"):
        return None

    async def inner():
        # Imported here: library.py imports Datasette, which imports this plugin.
        from ..library import attached_table_columns

        return {"table_columns": await attached_table_columns(datasette)}

    return inner


# Where Datasette keeps HTML that its pages render as it is (|safe): stored queries' descriptions and metadata.
# Datasette's own forms write plain descriptions only, and the app writes no metadata: HTML there came from a script
# that reached the internal database before scripts were confined to their own database (sql_guard.py), and could
# carry a button the shell acts on. Dropped at every start. {table: where it holds such HTML}
LIVE_MARKUP = {
    "queries": "description_html is not null",
    **dict.fromkeys(
        ("metadata_instance", "metadata_databases", "metadata_resources", "metadata_columns"),
        "key = 'description_html'",
    ),
}


def with_live_markup(conn) -> list[str]:
    """The tables of LIVE_MARKUP that hold some (on a first start, perhaps none of them exists yet)."""
    tables = {name for (name,) in conn.execute("select name from sqlite_master where type = 'table'")}
    present = [table for table in LIVE_MARKUP if table in tables]
    return [t for t in present if conn.execute(f"select 1 from {t} where {LIVE_MARKUP[t]} limit 1").fetchall()]


def drop_live_markup(conn, tables: list[str]) -> None:
    for table in tables:
        if table == "queries":
            conn.execute(f"update queries set description_html = null where {LIVE_MARKUP[table]}")
        else:
            conn.execute(f"delete from {table} where {LIVE_MARKUP[table]}")


@hookimpl(specname="startup")
def no_live_markup(datasette):
    # Looked for in one read, and written only where found (issue 29): a write for each table, at every start, took
    # 1.0-1.8 ms of it in Pyodide (under Node), five transactions of the internal database, which the app keeps in OPFS.
    async def inner():
        internal = datasette.get_internal_database()
        if tables := await internal.execute_fn(with_live_markup):
            await internal.execute_write_fn(lambda conn: drop_live_markup(conn, tables))

    return inner


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
