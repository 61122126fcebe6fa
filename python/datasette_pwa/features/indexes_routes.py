"""A table's indexes (indexes.py), linked as "Indexes" from the table page's actions menu:
- <db>/<table>/-/indexes lists them (name, columns in order, unique, partial, who made it), each made by CREATE INDEX
  with a Drop button, and has the form for a new one: its columns in order, a name, Unique.
- <db>/<table>/-/indexes/create?column=a&column=b&name=&unique=1 (the form's GET) shows the CREATE INDEX it would run
  and changes nothing; its Run button POSTs the same fields, which runs it. Likewise <db>/<table>/-/indexes/drop?name=
  shows the DROP INDEX, and POST runs it.
A run goes through the database's execute_write, as any write does (the library's databases: the owner's SQL time
limit), in one transaction: a failure (a name taken, duplicate values for a UNIQUE index, the time limit) changes
nothing. Either way the list page says what happened, with Datasette's flash messages.

Changing indexes needs Datasette's alter-table permission on the table, the one its own "Alter table" needs, and a
mutable database; the list needs view-table. Datasette 1.0a41 checks every POST's Sec-Fetch-Site or Origin against
cross-site requests (datasette/csrf.py: it has no CSRF tokens any more), and the app's service worker lets only its own
pages write: both cover these forms as they cover Datasette's.
"""

import sqlite3
from urllib.parse import parse_qs

from datasette import hookimpl
from datasette.database import QueryInterrupted
from datasette.resources import TableResource
from datasette.utils import MultiParams
from datasette.utils.asgi import BadRequest, Base400, Forbidden, NotFound, Response

from .indexes import FORM_COLUMNS, Invalid, create_sql, drop_sql, new_index, read_indexes, table_columns


@hookimpl
def register_routes(datasette):
    # Datasette tilde-encodes "/" and "." in names, so a database and a table are one path segment each.
    page = r"^/(?P<database>[^/]+)/(?P<table>[^/]+)/-/indexes"
    return [(page + "$", indexes_page), (page + "/create$", create_index), (page + "/drop$", drop_index)]


@hookimpl
def table_actions(datasette, actor, database, table):
    async def inner():
        if not await may_alter(datasette, actor, datasette.get_database(database), table):
            return []
        return [
            {
                "href": indexes_url(datasette, database, table),
                "label": "Indexes",
                "description": "List this table's indexes, create and drop them.",
            }
        ]

    return inner


def indexes_url(datasette, database: str, table: str) -> str:
    return datasette.urls.table(database, table) + "/-/indexes"


async def may_alter(datasette, actor, db, table: str) -> bool:
    # As Datasette's own "Alter table": its permission, on a database that can be written.
    resource = TableResource(database=db.name, table=table)
    return db.is_mutable and await datasette.allowed(action="alter-table", resource=resource, actor=actor)


async def resolve(datasette, request, alter: bool):
    """The database and table (Datasette's 404 if either is missing), if the actor may view the table and, when alter,
    change it (403 otherwise)."""
    db, table, is_view = await datasette.resolve_table(request)
    if is_view:
        raise NotFound(f"{table} is a view: views have no indexes.")
    resource = TableResource(database=db.name, table=table)
    await datasette.ensure_permission(action="view-table", resource=resource, actor=request.actor)
    if alter and not await may_alter(datasette, request.actor, db, table):
        raise Forbidden(f"You may not change the indexes of {table}.")
    return db, table


async def fields(request) -> MultiParams:
    """The form's fields: the query string of a GET (a confirmation), the body of a POST (a run), in their order."""
    if request.method == "GET":
        return request.args
    if request.method != "POST":
        raise MethodNotAllowed("Method not allowed: GET shows the SQL, POST runs it.")
    body = (await request.post_body()).decode("utf-8", errors="replace")
    return MultiParams(parse_qs(body, keep_blank_values=True))


class MethodNotAllowed(Base400):
    status = 405


async def indexes_page(datasette, request):
    db, table = await resolve(datasette, request, alter=False)
    indexes = await db.execute_fn(lambda conn: read_indexes(conn, table))
    columns = await db.execute_fn(lambda conn: table_columns(conn, table))
    url = indexes_url(datasette, db.name, table)
    context = {
        "indexes": indexes,
        "columns": columns,
        "column_selects": min(len(columns), FORM_COLUMNS),
        "may_alter": await may_alter(datasette, request.actor, db, table),
        "create_url": url + "/create",
        "drop_url": url + "/drop",
    }
    return await render(datasette, request, db, table, context)


async def render(datasette, request, db, table: str, context: dict) -> Response:
    context = {"database": db.name, "database_color": db.color, "table": table, **context}
    context["indexes_url"] = indexes_url(datasette, db.name, table)
    return Response.html(await datasette.render_template("pwa_indexes.html", context, request, view_name="pwa-indexes"))


async def create_index(datasette, request):
    db, table = await resolve(datasette, request, alter=True)
    form = await fields(request)
    columns = await db.execute_fn(lambda conn: table_columns(conn, table))
    try:
        index = new_index(table, columns, form.getlist("column"), form.get("name") or "", bool(form.get("unique")))
    except Invalid as error:
        datasette.add_message(request, str(error), datasette.ERROR)
        return Response.redirect(indexes_url(datasette, db.name, table))
    sql = create_sql(table, index)
    then = back_to(datasette, db.name, form.get("then"))
    if request.method == "GET":
        # Run posts what was confirmed, the name filled in: the statement shown is the one that runs.
        hidden = [("column", column) for column in index.columns] + [("name", index.name)]
        if index.unique:
            hidden.append(("unique", "1"))
        if then:
            hidden.append(("then", then))
        return await confirm(datasette, request, db, table, "Create an index", sql, "/create", hidden)
    done = f"Created the index {index.name} on {', '.join(index.columns)}."
    return await run(datasette, request, db, table, sql, done, f"The index {index.name} was not created", then)


def back_to(datasette, database: str, then: str | None) -> str | None:
    """Where a created index sends the browser instead of the list: only the database's Explain page, which asked
    for it (explain_routes.py), never another address a link could name."""
    explain = datasette.urls.database(database) + "/-/explain?"
    return then if then and then.startswith(explain) else None


async def drop_index(datasette, request):
    db, table = await resolve(datasette, request, alter=True)
    name = (await fields(request)).get("name") or ""
    index = next((i for i in await db.execute_fn(lambda conn: read_indexes(conn, table)) if i.name == name), None)
    if index is None:
        raise NotFound(f"{table} has no index named {name}.")
    if not index.droppable:
        raise BadRequest(f"The index {name} was made {index.made_by}: it goes with the table and cannot be dropped.")
    sql = drop_sql(name)
    if request.method == "GET":
        return await confirm(datasette, request, db, table, "Drop an index", sql, "/drop", [("name", name)])
    return await run(
        datasette, request, db, table, sql, f"Dropped the index {name}.", f"The index {name} was not dropped"
    )


async def confirm(datasette, request, db, table: str, heading: str, sql: str, path: str, hidden: list) -> Response:
    """The page that shows sql before it runs: Run posts hidden to the indexes page's path, Cancel goes back."""
    action = indexes_url(datasette, db.name, table) + path
    context = {"confirm": {"heading": heading, "sql": sql, "action": action, "fields": hidden}}
    return await render(datasette, request, db, table, context)


async def run(datasette, request, db, table: str, sql: str, done: str, failed: str, then=None) -> Response:
    """Run sql as any write runs, then back to the list (or then) with what happened; a failure changes nothing (one
    transaction, rolled back)."""
    try:
        await db.execute_write(sql, request=request)
    except QueryInterrupted:
        reason = "it took longer than the SQL time limit allows"
    except sqlite3.IntegrityError as error:
        # The one a CREATE UNIQUE INDEX meets: "UNIQUE constraint failed: t.a, t.b".
        reason = f"some rows have the same values in these columns, so the index cannot be unique ({error})"
    except sqlite3.Error as error:
        reason = str(error)
    else:
        datasette.add_message(request, done, datasette.INFO)
        return Response.redirect(then or indexes_url(datasette, db.name, table))
    datasette.add_message(request, f"{failed}: {reason}. Nothing was changed.", datasette.ERROR)
    return Response.redirect(indexes_url(datasette, db.name, table))
