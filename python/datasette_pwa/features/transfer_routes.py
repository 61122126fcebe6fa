"""Publishing to and pulling from Datasette servers (transfer.py shapes the data; static/transfer.js, on these pages,
talks to the server):
- <db>/-/publish[?table=] is the Publish dialog: the server's database URL, an API token, which table (or all).
- <db>/-/publish.json[?table=] is the plan: for each table the actor may see (FTS internals left out), its row count
  the server's create body (transfer.create_body) and its name as a segment of the server's URLs (tilde-encoded).
- <db>/-/publish-rows?table=&after=&size=&bytes= is one batch, the server's upsert body, with the cursor of the next
  in the x-datasette-pwa-after header (absent after the last) and its row count in x-datasette-pwa-rows.
- <db>/-/pull is the Pull dialog: a Datasette table or query URL, an optional token, the local table's name.
- POST <db>/-/pull-rows?table=&page=&previous=&first=1&replace=1 stores one page of the server's JSON (the request's
  body, up to MAX_PAGE_BYTES; page: its number in the pull, up to MAX_PAGES; previous: the fingerprint of the page
  before, which this one must not repeat) in one transaction and answers {"ok", "rows", "count", "next_url",
  "truncated", "fingerprint", "table_url"}; a malformed page is refused in words, 400 {"ok": false, "error"}; a first
  page for a table that exists, without replace, answers 409 {"ok": false, "exists": true}.

The dialogs' forms POST to their own page, which answers with a refusal and reads nothing of the form: the page's
script sends them itself, so a form sent without it (the script did not load, or was blocked) would otherwise have
put the API token into the page's URL, and from there into the address bar, the history and Recent.
"""

import sqlite3
from urllib.parse import urlencode

from datasette import hookimpl
from datasette.resources import DatabaseResource, TableResource
from datasette.utils import tilde_encode
from datasette.utils.asgi import BadRequest, NotFound, PayloadTooLarge, Response
from sqlite_utils.db import quote_identifier

from .. import csp
from ..sql_guard import BULK_TIME_LIMIT_MS, time_limit
from .listed import listed
from .transfer import TransferError, create_body, read_page, rows_page, store_page, table_columns

AFTER_HEADER = "x-datasette-pwa-after"
ROWS_HEADER = "x-datasette-pwa-rows"
BATCH_ROWS = 1000  # rows a request at most; a server's max_insert_rows may lower it (publish.js asks for fewer)

# What Pull takes from a server (the Pull page states them; pull.js enforces the reading ones). A page is held whole,
# and parsed, in the app's memory, so it has a cap; Datasette's own 2 MB POST limit would refuse legitimate pages.
MAX_PAGE_BYTES = 64 << 20
MAX_PAGES = 100_000  # a chain of next_urls that never ends stops here (100 million rows at Datasette's 1,000 a page)
STALL_SECONDS = 15  # a server that sends less than STALL_BYTES in this long (a drip, a hang) is given up on
STALL_BYTES = 16 << 10
SCRIPTLESS = (
    "The form was sent without this page's script, which did not load or was blocked: nothing was sent to any server,"
    " and the token was neither kept nor shown. Reload the page and try again."
)


def publish_data() -> dict:
    """What publish.js needs to know, from here: the headers of a batch, the most rows a batch takes, and Datasette's
    own defaults for a server that does not show its settings (this Datasette's, the version the app pins)."""
    # Imported here: datasette.app loads the plugins, this one included, before it defines DEFAULT_SETTINGS.
    from datasette.app import DEFAULT_SETTINGS

    return {
        "after-header": AFTER_HEADER,
        "rows-header": ROWS_HEADER,
        "batch-rows": BATCH_ROWS,
        "default-insert-rows": DEFAULT_SETTINGS["max_insert_rows"],
        "default-post-bytes": DEFAULT_SETTINGS["max_post_body_bytes"],
    }


@hookimpl
def register_routes(datasette):
    db = r"^/(?P<database>[^/]+)/-/"
    return [
        (db + r"publish$", publish_page),
        (db + r"publish\.json$", publish_plan),
        (db + r"publish-rows$", publish_rows),
        (db + r"pull$", pull_page),
        (db + r"pull-rows$", pull_rows),
    ]


@hookimpl
def database_actions(datasette, database):
    db = datasette.get_database(database)
    if not db.path:
        return []  # _memory holds nothing to publish or keep
    url = datasette.urls.database(database)
    publish = {
        "href": url + "/-/publish",
        "label": "Publish to a Datasette server…",
        "description": "Copy its tables to a Datasette server, with an API token.",
    }
    pull = {
        "href": url + "/-/pull",
        "label": "Pull from a Datasette server…",
        "description": "Copy a table or a query's results from a Datasette server into this database.",
    }
    return [publish, pull] if db.is_mutable else [publish]  # nothing goes into a database opened in place


@hookimpl
def table_actions(datasette, database, table):
    href = datasette.urls.database(database) + "/-/publish?" + urlencode({"table": table})
    return [{"href": href, "label": "Publish to a Datasette server…", "description": "Copy this table to a server."}]


async def visible_tables(datasette, request, db) -> list[str]:
    """The tables (not views) the database page lists to the actor, in its order."""
    shown = await listed(datasette, request, db)
    return [name for name in await db.table_names() if name in shown]


def pull_data() -> dict:
    """What pull.js needs to know, from here: how long and how big a server's page may be."""
    return {"max-page-bytes": MAX_PAGE_BYTES, "stall-seconds": STALL_SECONDS, "stall-bytes": STALL_BYTES}


async def page(datasette, request, template: str, context: dict):
    """A dialog; a POST of its form (sent without the page's script) is refused, its body never read."""
    db = await datasette.resolve_database(request)
    await listed(datasette, request, db)  # the actor may see the database (Datasette's 403 otherwise)
    refused = request.method == "POST"
    context = {"database": db.name, "database_color": db.color, "refused": SCRIPTLESS if refused else "", **context}
    html = await datasette.render_template(template, context, request=request, view_name="pwa-transfer")
    return Response.html(html, status=400 if refused else 200, headers={csp.CONNECT_OUT_HEADER: "1"})


async def publish_page(datasette, request):
    db = await datasette.resolve_database(request)
    context = {
        "script": "publish.js",
        "table": request.args.get("table", ""),
        "tables": await visible_tables(datasette, request, db),
    }
    return await page(datasette, request, "pwa_publish.html", {**context, "dialog_data": publish_data()})


async def pull_page(datasette, request):
    limits = {"max_mb": MAX_PAGE_BYTES >> 20, "max_pages": MAX_PAGES, "stall_kb": STALL_BYTES >> 10}
    context = {"script": "pull.js", "dialog_data": pull_data(), "stall_seconds": STALL_SECONDS, **limits}
    return await page(datasette, request, "pwa_pull.html", context)


async def publish_plan(datasette, request):
    db = await datasette.resolve_database(request)
    tables = await visible_tables(datasette, request, db)
    wanted = request.args.get("table")
    if wanted:
        if wanted not in tables:
            raise NotFound(f"{db.name} has no table {wanted}.")
        tables = [wanted]

    def plan(conn):
        return [
            {
                "table": name,
                "path": tilde_encode(name),
                "create": create_body(conn, name),
                "generated": [column for column, *_, generated in table_columns(conn, name) if generated],
                "rows": conn.execute(f"select count(*) from {quote_identifier(name)}").fetchone()[0],
            }
            for name in tables
        ]

    return Response.json({"ok": True, "database": db.name, "tables": await db.execute_fn(plan)})


async def publish_rows(datasette, request):
    db = await datasette.resolve_database(request)
    table = request.args.get("table", "")
    if table not in await visible_tables(datasette, request, db):
        raise NotFound(f"{db.name} has no table {table}.")
    size = min(int_arg(request, "size", BATCH_ROWS), BATCH_ROWS)
    max_bytes = int_arg(request, "bytes", 1 << 20)
    after = request.args.get("after")
    batch = await db.execute_fn(lambda conn: rows_page(conn, table, after, size, max_bytes))
    headers = {ROWS_HEADER: str(batch.rows), **({AFTER_HEADER: batch.after} if batch.after else {})}
    return Response(batch.body, content_type="application/json", headers=headers)


async def pull_rows(datasette, request):
    if request.method != "POST":
        return refuse("POST a page of a Datasette server's JSON.", 405)
    db = await datasette.resolve_database(request)
    table = request.args.get("table", "").strip()
    if not table or table.startswith("sqlite_"):
        return refuse("Name the table the rows go into (not sqlite_...).")
    first, replace = bool(request.args.get("first")), bool(request.args.get("replace"))
    if refusal := await may_not_pull(datasette, request.actor, db, table, replace):
        return refuse(refusal, 403)
    if int_arg(request, "page", 1) > MAX_PAGES:
        return refuse(f"The server's pages went on past {MAX_PAGES:,}, the most a pull takes: stopped there.")
    try:
        pulled = read_page(await request.post_body(max_bytes=MAX_PAGE_BYTES))
    except PayloadTooLarge:
        return refuse(f"The server's page is bigger than {MAX_PAGE_BYTES >> 20} MB, the most a page may be.", 413)
    except TransferError as error:
        return refuse(str(error))
    if pulled.fingerprint == request.args.get("previous"):
        return refuse("The server sent the rows of its page before again (it is not moving on): stopped there.")
    if first and not replace and await db.table_exists(table):
        return Response.json({"ok": False, "exists": True, "error": f"{db.name} already has a table {table}."}, 409)

    def store(conn):
        with time_limit(conn, BULK_TIME_LIMIT_MS):  # a page of up to 64 MB is bulk work
            return store_page(conn, table, pulled, first and replace)

    try:
        rows = await db.execute_write_fn(store)
    except TransferError as error:
        return refuse(str(error))
    except (sqlite3.Error, ValueError, OverflowError) as error:  # what SQLite makes of a page it cannot take
        return refuse(f"This page could not be stored, so none of it was: {error}.")
    return Response.json(
        {
            "ok": True,
            "rows": rows,
            "count": pulled.count,
            "next_url": pulled.next_url,
            "truncated": pulled.truncated,
            "fingerprint": pulled.fingerprint,
            "table_url": datasette.urls.table(db.name, table),
        }
    )


def refuse(error: str, status: int = 400) -> Response:
    return Response.json({"ok": False, "error": error}, status=status)


async def may_not_pull(datasette, actor, db, table: str, replace: bool) -> str | None:
    """Why actor may not pull into table of db, or None if they may."""
    if not db.is_mutable:
        return f"{db.name} is read-only: pull into a database of the library."
    needs = [("create-table", DatabaseResource(database=db.name)), ("insert-row", TableResource(db.name, table))]
    if replace:
        needs.append(("drop-table", TableResource(db.name, table)))
    for action, resource in needs:
        if not await datasette.allowed(action=action, resource=resource, actor=actor):
            return f"You may not {action.replace('-', ' ')} in {db.name}."
    return None


def int_arg(request, name: str, default: int) -> int:
    value = request.args.get(name)
    if value is None:
        return default
    if not value.isdigit() or int(value) < 1:
        raise BadRequest(f"{name} must be a whole number above 0.")
    return int(value)
