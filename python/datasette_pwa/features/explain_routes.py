"""Explain, linked from the query page's actions menu and from a table page's when it filters or sorts:
- <db>/-/explain?sql=...&<its named parameters> explains a query; <db>/-/explain?_table=<t>&<the table page's query
  string> explains the SQL Datasette runs for that page (its JSON's query extra, without the page's LIMIT).
- The page shows SQLite's EXPLAIN QUERY PLAN as a tree, the steps that read every row of a table or sort in a
  temporary b-tree marked, how long the query takes (median of 3 runs), and the indexes that would serve it
  (advisor.py), each with its CREATE INDEX, created with one click through the indexes page (indexes_routes.py): its
  confirmation shows the SQL, Run creates it, and the indexes page sends the browser back here with the time before
  (_before), so that the page shows the time before and after.
"""

import re
import sqlite3
import statistics
import time
from urllib.parse import parse_qsl, urlencode

from datasette import hookimpl
from datasette.database import QueryInterrupted
from datasette.resources import DatabaseResource, TableResource
from datasette.utils import InvalidSql, validate_sql_select
from datasette.utils.asgi import BadRequest, Response

from .advisor import advise, cost, plan
from .indexes import create_sql
from .scripts import schema_of

RUNS = 3
# What a table page's query string holds besides filters and sorting: no reason to explain it.
NOT_A_FILTER = re.compile(r"^_(size|next|facet.*|col|nocol|labels|nofacet|nocount|trace|json|extra|shape|stream)$")


@hookimpl
def register_routes(datasette):
    return [(r"^/(?P<database>[^/]+)/-/explain$", explain_page)]


@hookimpl
def query_actions(datasette, database, request, sql, params):
    if not sql:
        return []
    return [action(datasette, database, [("sql", sql), *(params or {}).items()])]


@hookimpl
def table_actions(datasette, database, table, request):
    args = parse_qsl(request.query_string, keep_blank_values=True) if request else []
    if not any(not NOT_A_FILTER.match(key) for key, _ in args):
        return []  # all rows in their stored order: nothing to explain
    return [action(datasette, database, [("_table", table), *args])]


def action(datasette, database: str, args: list) -> dict:
    return {
        "href": explain_url(datasette, database, args),
        "label": "Explain",
        "description": "How SQLite runs this, and the indexes that would make it faster.",
    }


def explain_url(datasette, database: str, args: list) -> str:
    return datasette.urls.database(database) + "/-/explain?" + urlencode(args)


async def the_query(datasette, request, db) -> tuple[str, dict, list]:
    """(sql, params, the explain page's own args) of the query the page explains; 400 for one it cannot."""
    args = [(k, v) for k, v in parse_qsl(request.query_string, keep_blank_values=True) if k != "_before"]
    if table := request.args.get("_table"):
        await datasette.ensure_permission(
            action="view-table", resource=TableResource(database=db.name, table=table), actor=request.actor
        )
        page = urlencode([(k, v) for k, v in args if k != "_table"] + [("_extra", "query")])
        reply = await datasette.client.get(datasette.urls.table(db.name, table, format="json") + "?" + page)
        query = (
            reply.json().get("query") if reply.headers.get("content-type", "").startswith("application/json") else None
        )
        if reply.status_code != 200 or not query:
            raise BadRequest(f"The page of {table} cannot be explained (Datasette answered {reply.status_code}).")
        return re.sub(r"\s+limit \d+$", "", query["sql"]), query["params"], args  # the page's LIMIT: the whole query
    await datasette.ensure_permission(
        action="execute-sql", resource=DatabaseResource(database=db.name), actor=request.actor
    )
    sql = request.args.get("sql") or ""
    try:
        validate_sql_select(sql)
    except InvalidSql as error:
        raise BadRequest(f"Only a SELECT can be explained: {error}") from None
    params = {k: v for k, v in args if k != "sql" and not k.startswith("_")}
    return sql, params, args


async def timed(db, sql: str, params: dict) -> float | None:
    """The query's median time over RUNS, in ms, as Datasette's query page runs it (up to max_returned_rows rows: a
    whole 10 GB table is never held); None when it does not finish within the SQL time limit."""
    times = []
    for _ in range(RUNS):
        began = time.perf_counter()
        try:
            await db.execute(sql, params, truncate=True)
        except QueryInterrupted:
            return None
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


async def explain_page(datasette, request):
    db = await datasette.resolve_database(request)  # Datasette's 404 for a database it does not serve
    sql, params, args = await the_query(datasette, request, db)
    try:
        steps = await db.execute_fn(lambda conn: plan(conn, sql, params))
        now_ms = await timed(db, sql, params)
    except sqlite3.Error as error:  # SQL SQLite cannot prepare, or a named parameter without a value
        raise BadRequest(f"SQLite cannot run this query: {error}") from None
    proposals = advise(await db.execute_fn(schema_of), sql, params)
    back = explain_url(datasette, db.name, [*args, ("_before", f"{now_ms:.1f}" if now_ms is not None else "")])
    context = {
        "database": db.name,
        "database_color": db.color,
        "sql": sql,
        "params": params,
        "steps": steps,
        "costly": cost(steps),
        "now_ms": now_ms,
        "before_ms": before_ms(request.args.get("_before")),
        "proposals": [
            {"sql": create_sql(table, index), "create_url": create_url(datasette, db.name, table, index, back)}
            for table, index in proposals
        ],
    }
    html = await datasette.render_template("pwa_explain.html", context, request, view_name="pwa-explain")
    return Response.html(html)


def before_ms(value: str | None) -> str | None:
    """The time before the index, as this page put it in the address it sent the indexes page: a number, or none."""
    return value if value and re.fullmatch(r"\d+(\.\d+)?", value) else None


def create_url(datasette, database: str, table: str, index, back: str) -> str:
    """The indexes page's confirmation of this index, which comes back to back once it is created."""
    fields = [("column", column) for column in index.columns] + [("name", index.name), ("then", back)]
    return datasette.urls.table(database, table) + "/-/indexes/create?" + urlencode(fields)
