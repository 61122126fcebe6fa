"""Cross-database SQL completion: on _memory, whose connection has the library attached (library.py's CrossDatabase),
the SQL editor completes "db.table" and its columns."""

from datasette import hookimpl


@hookimpl
def extra_template_vars(template, database, datasette):
    # The SQL editor completes the tables of the page's own database (table_columns); on _memory, whose connection has
    # the library attached, it completes "db.table" and its columns instead.
    if database != "_memory" or template not in ("database.html", "query.html"):
        return None

    async def inner():
        return {"table_columns": await attached_table_columns(datasette)}

    return inner


async def attached_table_columns(ds) -> dict[str, list[str]]:
    """{"db.table": [column, ...]} for each table and view of the databases attached to _memory (lang-sql, the SQL
    editor's completion, reads a dotted name as a table of a schema), from Datasette's catalog."""
    attached = [d.name for d in await ds.get_database("_memory").attached_databases()]
    marks = ", ".join("?" * len(attached))
    found = await ds.get_internal_database().execute(
        f"select database_name, table_name, cid, name from catalog_columns where database_name in ({marks}) "
        f"union all select database_name, view_name, 0, null from catalog_views where database_name in ({marks}) "
        "order by 1, 2, 3",
        attached * 2,
    )
    columns: dict[str, list[str]] = {}
    for database, table, _, column in found.rows:
        names = columns.setdefault(f"{database}.{table}", [])
        if column is not None:
            names.append(column)
    return columns
