"""<table>.xlsx and <query>.xlsx (Datasette's export links offer them next to CSV): a table's rows, all of them, filtered
and sorted as its page is, or a query's results, as an Excel workbook of one sheet.

The rows are Datasette's own CSV export, streamed in full (_stream=on) through its internal client, so the workbook
has exactly the CSV's rows and columns; a value that reads as a number becomes a number (as Excel reads a CSV), except
one whose digits a number would change ("007"). XlsxWriter writes it; the worker loads it on first use
(on_demand.py), never at start.
"""

import csv
import io
import re
from urllib.parse import parse_qsl, urlencode

from datasette import hookimpl
from datasette.database import QueryInterrupted
from datasette.utils import PrefixedUrlString
from datasette.utils.asgi import BadRequest, Response

from .. import on_demand
from ..formats import XLSX
from .downloads import attachment

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXCEL_ROWS = 1_048_576  # an Excel sheet's rows, its header among them
NUMBER = re.compile(r"-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?")


@hookimpl
def register_output_renderer(datasette):
    return {"extension": "xlsx", "render": render_xlsx, "can_render": lambda: True}


async def render_xlsx(datasette, request, database, table, query_name, sql):
    count = await rows_of(datasette, request, database, table, sql)
    if count is None:
        return Response.text(
            "There are too many rows to count within the SQL time limit: download the CSV.", status=400
        )
    if count > EXCEL_ROWS - 1:
        return Response.text(f"{count:,} rows are more than an Excel sheet holds: download the CSV.", status=400)
    await on_demand.load(XLSX)
    rows = await csv_rows(datasette, request)
    name = table or query_name or f"{database} query"
    return Response(
        workbook(name, rows),
        content_type=CONTENT_TYPE,
        headers={"content-disposition": attachment(f"{name}.xlsx")},
    )


async def rows_of(datasette, request, database: str, table: str | None, sql: str) -> int | None:
    """How many rows the download would have, counted before any is read (the workbook is made in memory); None
    when they cannot be counted within the SQL time limit. A table's, filtered as its page is, as Datasette counts
    them; a query's, with the named parameters the page gives it."""
    args = [(k, v) for k, v in parse_qsl(request.query_string, keep_blank_values=True) if k not in ("_size", "_next")]
    if table:
        page = (
            datasette.urls.table(database, table, format="json")
            + "?"
            + urlencode([*args, ("_size", "1"), ("_extra", "count")])
        )
        reply = await datasette.client.get(page)
        if reply.status_code != 200:
            raise BadRequest(
                f"The rows could not be counted for the workbook (Datasette answered {reply.status_code})."
            )
        return reply.json().get("count")
    params = {k: v for k, v in args if not k.startswith("_") and k != "sql"}
    try:
        return (await datasette.get_database(database).execute(f"select count(*) from ({sql})", params)).first()[0]
    except QueryInterrupted:
        return None


async def csv_rows(datasette, request) -> list[list[str]]:
    """Every row of the page's CSV export, its header first."""
    query = [
        (k, v)
        for k, v in parse_qsl(request.query_string, keep_blank_values=True)
        if k not in ("_size", "_next", "_stream")
    ]
    path = request.path.removesuffix(".xlsx") + ".csv?" + urlencode([*query, ("_stream", "on"), ("_size", "max")])
    reply = await datasette.client.get(PrefixedUrlString(path))
    if reply.status_code != 200:  # Datasette's error page, which must not become the sheet's rows
        raise BadRequest(f"The rows could not be read for the workbook (Datasette answered {reply.status_code}).")
    return list(csv.reader(io.StringIO(reply.text)))


def cell(value: str):
    """A CSV value as the sheet's cell: a number when it reads as one that Excel keeps exactly (a double: 15 digits),
    else the text as it is."""
    match = NUMBER.fullmatch(value)
    if not match or len(re.sub(r"\D", "", match[1] + (match[2] or ""))) > 15:
        return value
    return float(value) if match[2] or match[3] else int(value)


def workbook(name: str, rows: list[list[str]]) -> bytes:
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    sheet = book.add_worksheet(re.sub(r"[\[\]:*?/\\]", "_", name)[:31] or "Sheet1")
    bold = book.add_format({"bold": True})
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if r == 0:
                sheet.write_string(r, c, value, bold)
            elif value != "":
                sheet.write(r, c, cell(value))
    sheet.freeze_panes(1, 0)
    book.close()
    return out.getvalue()
