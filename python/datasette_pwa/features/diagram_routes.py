"""The schema diagram's pages: <db>/-/diagram (in Datasette's page, with pan and zoom: static/diagram.js) and
<db>/-/diagram.svg (the same drawing as a file), linked from the database page's actions menu.

"""

import sqlite3

from datasette import hookimpl
from datasette.database import QueryInterrupted
from datasette.utils.asgi import Response
from markupsafe import Markup

from .diagram import Column, ForeignKey, Table, render_svg
from .downloads import attachment
from .listed import listed


@hookimpl
def register_routes(datasette):
    # Datasette encodes "/" and "." in database names (tilde encoding), so a name is one path segment.
    return [
        (r"^/(?P<database>[^/]+)/-/diagram$", diagram_page),
        (r"^/(?P<database>[^/]+)/-/diagram\.svg$", diagram_file),
    ]


@hookimpl
def database_actions(datasette, database):
    return [
        {
            "href": datasette.urls.database(database) + "/-/diagram",
            "label": "Schema diagram",
            "description": "Tables, views and their foreign keys, drawn.",
        }
    ]


async def diagram_page(datasette, request):
    db, tables = await read_schema(datasette, request)
    svg_url = datasette.urls.database(db.name) + "/-/diagram.svg"
    if request.query_string:
        svg_url += "?" + request.query_string
    html = await datasette.render_template(
        "pwa_diagram.html",
        {
            "database": db.name,
            "database_color": db.color,
            "svg": Markup(render_svg(db.name, tables)),
            "svg_url": svg_url,
            "table_count": sum(not t.is_view for t in tables),
            "view_count": sum(t.is_view for t in tables),
            "fk_count": sum(len(t.foreign_keys) for t in tables),
        },
        request=request,
        view_name="pwa-diagram",
    )
    return Response.html(html)


async def diagram_file(datasette, request):
    db, tables = await read_schema(datasette, request)
    body = '<?xml version="1.0" encoding="UTF-8"?>\n' + render_svg(db.name, tables) + "\n"
    return Response(
        body,
        content_type="image/svg+xml",
        headers={"content-disposition": attachment(db.name + ".svg")},
    )


async def read_schema(datasette, request):
    """The database (Datasette's 404 if there is none) and the tables and views the actor may see, as the database
    page lists them: hidden ones (FTS internals, names starting "_") only with ?_show_hidden=1."""
    db = await datasette.resolve_database(request)
    await datasette.refresh_schemas()
    shown = await listed(datasette, request, db, show_hidden=bool(request.args.get("_show_hidden")))
    rows = await db.execute("select name, type from sqlite_master where type in ('table', 'view') order by name")
    tables = [await read_table(db, name, kind == "view") for name, kind in rows.rows if name in shown]
    return db, tables


async def read_table(db, name: str, is_view: bool) -> Table:
    """A table's columns and foreign keys from SQLite's own pragmas; a view whose tables are gone, or a virtual table
    whose module this SQLite lacks, is drawn with no columns rather than failing the whole diagram."""
    try:
        info = await db.execute(
            "select name, type, pk from pragma_table_info(?) order by cid", [name], log_sql_errors=False
        )
        keys = await db.execute(
            'select id, "table", "from", "to" from pragma_foreign_key_list(?) order by id, seq',
            [name],
            log_sql_errors=False,
        )
    except (sqlite3.Error, QueryInterrupted):
        return Table(name, (), (), is_view)
    columns = tuple(Column(c, t or "", pk) for c, t, pk in info.rows)
    grouped: dict[int, list] = {}
    for key_id, other, column, other_column in keys.rows:
        grouped.setdefault(key_id, []).append((other, column, other_column))
    foreign_keys = tuple(
        ForeignKey(tuple(c for _, c, _ in parts), parts[0][0], tuple(o for _, _, o in parts))
        for parts in grouped.values()
    )
    return Table(name, columns, foreign_keys, is_view)
