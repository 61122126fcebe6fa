"""The comparison's pages: /-/compare?a=<db>&b=<db> (a form, then what differs from a to b), /-/compare.json (the
same data) and /-/compare.sql (the patch that turns a into b, compare_patch.py), linked from each database's actions
menu. compare.py does the comparing.


The JSON: {"ok": true, "a", "b", "identical", "tables_added" and "tables_removed": [{"name", "rows", "columns": [{"name",
"type"}]}], "tables_changed": [{"name", "rows_a", "rows_b", "columns_added", "columns_removed": [{"name", "type"}],
"columns_changed": [{"name", "type_a", "type_b"}], "primary_key_a", "primary_key_b", "key": the columns rows are matched
on (["rowid"] for the rowid) or null when they cannot be (then the rows_* are null), "rows_added", "rows_removed":
{"count", "rows": the first 100, {column: value}}, "rows_changed": {"count", "rows": [{"key": {column: value},
"changes": {column: [old, new]}}]}}], "tables_unchanged": [{"name", "rows"}]}; blobs as Datasette's JSON has them,
{"$base64": true, "encoded": ...}. A failure: {"ok": false, "error"} with status 400, 403 or 404.
"""

import json
from dataclasses import dataclass
from urllib.parse import urlencode

from datasette import hookimpl
from datasette.resources import DatabaseResource
from datasette.utils import CustomJSONEncoder
from datasette.utils.asgi import AsgiStream, Forbidden, Response

from .compare import CompareFailed, compare_files
from .compare_patch import patch_notes, send_patch
from .downloads import attachment
from .dump import ACTION as DOWNLOAD
from .dump import CONTENT_TYPE, in_executor
from .listed import viewable

TEXT_LIMIT = 200  # characters of a value shown on the page; the JSON has all of it


@hookimpl
def register_routes(datasette):
    return [
        (r"^/-/compare$", compare_page),
        (r"^/-/compare\.json$", compare_json),
        (r"^/-/compare\.sql$", compare_patch),
    ]


@hookimpl
def database_actions(datasette, actor, database):
    if not datasette.get_database(database).path:
        return []  # _memory: no file, nothing to compare
    return [
        {
            "href": datasette.urls.path("/-/compare") + "?" + urlencode({"a": database}),
            "label": "Compare with another database",
            "description": "Tables, columns and rows added, removed or changed, as sqldiff finds them.",
        }
    ]


@dataclass
class Outcome:
    a: str
    b: str
    status: int = 200
    error: str | None = None
    result: dict | None = None
    job: tuple = ()  # compare_files's arguments: both paths, the SQL time limit, visible(side, table)


async def compare_page(datasette, request):
    outcome = await compare_request(datasette, request)
    html = await datasette.render_template(
        "pwa_compare.html",
        {
            "a": outcome.a,
            "b": outcome.b,
            "error": outcome.error,
            "databases": await comparable(datasette, request.actor),
            "result": for_page(datasette, outcome) if outcome.result else None,
            "json_url": datasette.urls.path("/-/compare.json") + "?" + urlencode({"a": outcome.a, "b": outcome.b}),
            **await patch_link(datasette, request.actor, outcome),
        },
        request=request,
        view_name="pwa-compare",
    )
    return Response.html(html, status=outcome.status)


async def compare_json(datasette, request):
    outcome = await compare_request(datasette, request)
    if outcome.error or not outcome.result:
        error = outcome.error or "Give the databases to compare as ?a=<name>&b=<name>."
        return Response.json({"ok": False, "error": error}, status=outcome.status if outcome.error else 400)
    body = {"ok": True, "a": outcome.a, "b": outcome.b, **outcome.result}
    return Response(json.dumps(body, cls=CustomJSONEncoder), content_type="application/json; charset=utf-8")


async def compare_patch(datasette, request):
    """The patch from ?a= to ?b=, streamed; it holds rows of both, as a dump does: downloading both must be allowed."""
    outcome = await checked(datasette, request, DOWNLOAD)
    if outcome.error or not outcome.job:
        error = outcome.error or "Give the databases to compare as ?a=<name>&b=<name>."
        return Response.text(error, status=outcome.status if outcome.error else 400)

    async def stream(writer):
        await send_patch(datasette, (outcome.a, outcome.b), outcome.job, writer.send)

    headers = {"content-disposition": attachment(f"{outcome.a}-to-{outcome.b}.sql")}
    return AsgiStream(stream, headers=headers, content_type=CONTENT_TYPE)


async def patch_link(datasette, actor, outcome: Outcome) -> dict:
    """The page's Download patch: its address, when a and b differ and the actor may download both, and what the patch
    leaves out, as the patch says at its top."""
    if (
        not outcome.result
        or outcome.result["identical"]
        or not await downloadable(datasette, actor, outcome.a, outcome.b)
    ):
        return {"patch_url": None, "patch_notes": []}
    try:
        notes = await in_executor(datasette, patch_notes, *outcome.job)
    except CompareFailed as error:
        notes = [f"What it leaves out could not be read: {error}"]
    url = datasette.urls.path("/-/compare.sql") + "?" + urlencode({"a": outcome.a, "b": outcome.b})
    return {"patch_url": url, "patch_notes": notes}


async def compare_request(datasette, request) -> Outcome:
    """Compare ?a= with ?b= for the actor, or say why not; neither given: no comparison (the page shows the form)."""
    outcome = await checked(datasette, request)
    if outcome.error or not outcome.job:
        return outcome
    try:
        # One blocking piece of work, as a Datasette query is: in a SQL thread under CPython, inline in Pyodide.
        outcome.result = await in_executor(datasette, compare_files, *outcome.job)
    except CompareFailed as error:
        return Outcome(outcome.a, outcome.b, 400, str(error))
    return outcome


async def checked(datasette, request, *actions) -> Outcome:
    """?a= and ?b= checked for the actor, who may view both (and do actions on both), with what compare_files takes of
    them as its job; or why not. Neither given: no job (the page shows the form)."""
    a, b = request.args.get("a", ""), request.args.get("b", "")
    if not a and not b:
        return Outcome(a, b)
    for name in (a, b):
        if problem := problem_with(datasette, name):
            return Outcome(a, b, *problem)
    try:
        for action in ("view-database", *actions):
            for name in (a, b):
                resource = DatabaseResource(database=name)
                await datasette.ensure_permission(action=action, resource=resource, actor=request.actor)
    except Forbidden as error:
        return Outcome(a, b, 403, str(error))
    await datasette.refresh_schemas(force=True)  # so that a table made a moment ago counts among those allowed
    visible = {"a": await viewable(datasette, request.actor, a), "b": await viewable(datasette, request.actor, b)}
    paths = datasette.get_database(a).path, datasette.get_database(b).path
    job = (*paths, datasette.setting("sql_time_limit_ms"), lambda side, t: t in visible[side])
    return Outcome(a, b, job=job)


def problem_with(datasette, name: str) -> tuple[int, str] | None:
    if not name:
        return 400, "Choose two databases to compare."
    if name not in datasette.databases:
        return 404, f"There is no database “{name}”."
    if not datasette.get_database(name).path:
        return 400, f"“{name}” is held in memory, with no file to compare."
    return None


async def downloadable(datasette, actor, *names: str) -> bool:
    """Whether the actor may download each database, as the patch requires."""
    for name in names:
        resource = DatabaseResource(database=name)
        if not await datasette.allowed(action=DOWNLOAD, resource=resource, actor=actor):
            return False
    return True


async def comparable(datasette, actor) -> list[str]:
    """The databases the form offers: those with a file that the actor may see."""
    names = []
    for name, db in datasette.databases.items():
        resource = DatabaseResource(database=name)
        if db.path and await datasette.allowed(action="view-database", resource=resource, actor=actor):
            names.append(name)
    return names


def cell(value) -> dict:
    """A value as the page shows it: NULL and blobs marked as such, long text cut short."""
    if value is None:
        return {"text": "NULL", "kind": "null"}
    if isinstance(value, bytes):
        return {"text": f"<Binary: {len(value):,} byte{'' if len(value) == 1 else 's'}>", "kind": "blob"}
    text = str(value)
    return {"text": text if len(text) <= TEXT_LIMIT else text[:TEXT_LIMIT] + "…", "kind": "value"}


def for_page(datasette, outcome: Outcome) -> dict:
    """The result with each value made a cell, rows as lists under their columns, and links to the tables."""
    result = dict(outcome.result)
    for key, database in (("tables_added", outcome.b), ("tables_removed", outcome.a)):
        result[key] = [{**t, "url": datasette.urls.table(database, t["name"])} for t in result[key]]
    changed = []
    for table in result["tables_changed"]:
        table = {**table, "url_a": datasette.urls.table(outcome.a, table["name"])}
        table["url_b"] = datasette.urls.table(outcome.b, table["name"])
        if table["key"] is not None:
            table["rows_added"] = listed(table["rows_added"])
            table["rows_removed"] = listed(table["rows_removed"])
            table["rows_changed"] = {
                "count": table["rows_changed"]["count"],
                "rows": [
                    {
                        "key": [cell(v) for v in row["key"].values()],
                        "changes": [(c, cell(old), cell(new)) for c, (old, new) in row["changes"].items()],
                    }
                    for row in table["rows_changed"]["rows"]
                ],
            }
        changed.append(table)
    result["tables_changed"] = changed
    return result


def listed(found: dict) -> dict:
    rows = found["rows"]
    columns = list(rows[0]) if rows else []  # the rows of one side of one table all have the same columns
    return {"count": found["count"], "columns": columns, "rows": [[cell(v) for v in row.values()] for row in rows]}
