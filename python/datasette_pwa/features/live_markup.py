"""No live markup in Datasette's internal database: HTML that its pages would render as it is is dropped at every
start (see LIVE_MARKUP)."""

from datasette import hookimpl

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


@hookimpl
def startup(datasette):
    # Looked for in one read, and written only where found (issue 29): a write for each table, at every start, took
    # 1.0-1.8 ms of it in Pyodide (under Node), five transactions of the internal database, which the app keeps in OPFS.
    async def inner():
        internal = datasette.get_internal_database()
        if tables := await internal.execute_fn(with_live_markup):
            await internal.execute_write_fn(lambda conn: drop_live_markup(conn, tables))

    return inner
