"""The query history's pages (history.py records it): <db>/-/history (in Datasette's page: a search box, each entry with
"Run again" and "Star") and <db>/-/history.json, newest first, with ?q= (a substring of the SQL; SQLite's LIKE, so
A-Z in any case), ?_size= (100, at most 1000) and ?_next= (the "next" of the page before). Linked from the database
page's and the query page's actions menus.

history.json: {"ok": true, "database": name, "q": q, "count": entries matching q, "entries": [{"id", "sql", "kind"
("read" or "write"), "ran_at" (ISO 8601 UTC), "duration_ms", "rows" (null when unknown), "error" (null when it ran),
"run_url"}...], "next": id for ?_next= or null, "next_url": the next page or null}.

Star (POST <db>/-/history/star, id=<entry>) saves the entry's SQL as a stored query named starred_<id>, through
Datasette's own checks for storing a query, and opens it.
"""

from urllib.parse import urlencode

from datasette import hookimpl
from datasette.resources import DatabaseResource
from datasette.utils.asgi import BadRequest, NotFound, Response
from datasette.views.query_helpers import QueryValidationError, _prepare_query_create

from ..restore import opening
from .history import TABLE, RecordedDatabase

DEFAULT_SIZE = 100
MAX_SIZE = 1000


@hookimpl
def register_routes(datasette):
    # Datasette encodes "/" and "." in database names (tilde encoding), so a name is one path segment.
    return [
        (r"^/(?P<database>[^/]+)/-/history(?:\.(?P<format>json))?$", history_page),
        (r"^/(?P<database>[^/]+)/-/history/star$", star),
    ]


async def history_link(datasette, actor, database) -> list[dict]:
    # Only the library's databases record their SQL (history.py): elsewhere the page would always be empty.
    if not isinstance(datasette.get_database(database), RecordedDatabase):
        return []
    if not await datasette.allowed(action="execute-sql", resource=DatabaseResource(database=database), actor=actor):
        return []
    return [
        {
            "href": datasette.urls.database(database) + "/-/history",
            "label": "Query history",
            "description": "The SQL run on this database, newest first: search it, run it again, star it.",
        }
    ]


@hookimpl
def database_actions(datasette, actor, database):
    return lambda: history_link(datasette, actor, database)


@hookimpl
def query_actions(datasette, actor, database):
    return lambda: history_link(datasette, actor, database)


async def resolve(datasette, request):
    """The database (Datasette's 404 if there is none), if the actor may run SQL on it: the history is that SQL."""
    db = await datasette.resolve_database(request)
    for action in ("view-database", "execute-sql"):
        await datasette.ensure_permission(
            action=action, resource=DatabaseResource(database=db.name), actor=request.actor
        )
    return db


def number(value: str | None, default: int | None, name: str) -> int | None:
    if value in (None, ""):
        return default
    try:
        return int(value)
    except ValueError:
        raise BadRequest(f"{name} must be a whole number") from None


async def find(datasette, database: str, q: str, size: int, before: int | None):
    """(entries, count, next): up to size entries older than id before, newest first, whose SQL contains q."""
    where = "database_name = :database and (:q = '' or sql like :pattern escape '\\')"
    params = {"database": database, "q": q, "pattern": "%" + like_escape(q) + "%", "before": before, "size": size + 1}
    internal = datasette.get_internal_database()
    count = (await internal.execute(f"select count(*) from {TABLE} where {where}", params)).first()[0]
    rows = await internal.execute(
        f"select id, sql, kind, ran_at, duration_ms, rows, error from {TABLE} "
        f"where {where} and (:before is null or id < :before) order by id desc limit :size",
        params,
    )
    entries = [dict(row) for row in rows.rows]
    for entry in entries:
        page = "-/query" if entry["kind"] == "read" else "-/execute-write"
        entry["run_url"] = f"{datasette.urls.database(database)}/{page}?{urlencode({'sql': entry['sql']})}"
    more = len(entries) > size
    return entries[:size], count, entries[size - 1]["id"] if more else None


def like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def history_page(datasette, request):
    db = await resolve(datasette, request)
    q = request.args.get("q") or ""
    size = min(max(number(request.args.get("_size"), DEFAULT_SIZE, "_size"), 1), MAX_SIZE)
    entries, count, after = await find(datasette, db.name, q, size, number(request.args.get("_next"), None, "_next"))
    fmt = request.url_vars.get("format")
    path = datasette.urls.database(db.name) + "/-/history" + (".json" if fmt else "")
    next_url = None
    if after is not None:
        next_url = path + "?" + urlencode({k: v for k, v in (("q", q), ("_size", size), ("_next", after)) if v})
    if fmt:
        data = {"ok": True, "database": db.name, "q": q, "count": count, "entries": entries}
        return Response.json({**data, "next": after, "next_url": next_url})
    html = await datasette.render_template(
        "pwa_history.html",
        {
            "database": db.name,
            "database_color": db.color,
            "recorded": isinstance(db, RecordedDatabase),
            "q": q,
            "count": count,
            "entries": entries,
            "next_url": next_url,
            "history_url": path,
            "star_url": path + "/star",
            "json_url": path + ".json" + ("?" + urlencode({"q": q}) if q else ""),
        },
        request=request,
        view_name="pwa-history",
    )
    return Response.html(html)


async def star(datasette, request):
    if request.method != "POST":
        return Response.text("Method not allowed", status=405)
    db = await resolve(datasette, request)
    await datasette.ensure_permission(
        action="store-query", resource=DatabaseResource(database=db.name), actor=request.actor
    )
    entry_id = number((await request.post_vars()).get("id"), None, "id")
    row = (
        await datasette.get_internal_database().execute(
            f"select sql from {TABLE} where id = ? and database_name = ?", [entry_id, db.name]
        )
    ).first()
    if row is None:
        raise NotFound("There is no such entry in this database's query history.")
    name = f"starred_{entry_id}"
    if await datasette.get_query(db.name, name) is None:
        try:
            # Datasette's own checks for a stored query (the name, read or write, the permissions that needs), as
            # its /-/queries/store form makes them; then its own store.
            query = {"name": name, "sql": row["sql"], "title": opening(row["sql"])}
            prepared = await _prepare_query_create(datasette, request, db, query)
        except QueryValidationError as error:
            datasette.add_message(request, f"It could not be starred: {error.message}", datasette.ERROR)
            return Response.redirect(datasette.urls.database(db.name) + "/-/history")
        del prepared["analysis"], prepared["name"]
        await datasette.add_query(db.name, name, replace=False, **prepared)
        datasette.add_message(request, f"Starred: saved as the stored query {name}.", datasette.INFO)
    return Response.redirect(datasette.urls.path(datasette.urls.table(db.name, name)))
