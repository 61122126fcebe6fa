"""Spreadsheets (.xlsx, .xls, .ods) imported as tables: each sheet a table named after it, or the one sheet the user
picked under the name they gave. The first row that has a value is the header; each column's type is what all of its
values are (whole numbers: INTEGER; numbers: REAL; else TEXT); dates and times become ISO 8601 text. A row with values
beyond the header's columns is skipped and listed. All sheets go in one transaction: nothing is left on failure.

python-calamine reads them (Rust, a wheel for Pyodide): the worker loads it only when a spreadsheet arrives (its
wheel is not in the start's site-packages), so it is imported here inside the functions.
"""

import datetime

import sqlite_utils

from .restore import ImportFailed
from .rows_stored import stored_or_failed, summary
from .sql_guard import BULK_TIME_LIMIT_MS, time_limit


def workbook(source: str, name: str):
    """The calamine workbook of the file at source (originally called name), or ImportFailed in words."""
    from python_calamine import CalamineWorkbook

    try:
        return CalamineWorkbook.from_path(source)
    except Exception as error:  # calamine's errors: a file that is not a spreadsheet, or a damaged one
        raise ImportFailed(f"{name} could not be read as a spreadsheet: {error}") from None


def sheet_names(source: str, name: str) -> list[str]:
    """The sheets of the spreadsheet at source, in order, for the import dialog."""
    return workbook(source, name).sheet_names


def import_sheets(db_path: str, table: str, source: str, name: str, sheet: str | None = None) -> dict:
    """Import sheet (None: every sheet that has rows, each as a table named after it) into db_path; a single sheet
    is named table. Returns {table: the first made, tables, rows, skipped, skipped_detail, notes}."""
    book = workbook(source, name)
    picked = [sheet] if sheet else book.sheet_names
    if sheet and sheet not in book.sheet_names:
        raise ImportFailed(f"{name} has no sheet called “{sheet}”.")
    try:
        grids = {(table if sheet else s): book.get_sheet_by_name(s).to_python() for s in picked}
    except Exception as error:  # calamine's: a sheet whose cells cannot be read (a damaged file)
        raise ImportFailed(f"{name} could not be read as a spreadsheet: {error}") from None
    with sqlite_utils.Database(db_path) as db:
        taken = [t for t in grids if db[t].exists()]
        if taken:
            raise ImportFailed(f"There is already a table called “{taken[0]}”.")
        with time_limit(db.conn, BULK_TIME_LIMIT_MS) as deadline, stored_or_failed(), db.atomic():
            made = [(t, store(db, t, grid, deadline)) for t, grid in grids.items()]
    made = [(t, rows, skipped) for t, (rows, skipped) in made if rows is not None]
    if not made:
        raise ImportFailed(f"{name} has no rows that could be imported.")
    skipped = [line for _, _, lines in made for line in lines]
    empty = [t for t in grids if t not in {m[0] for m in made}]
    notes = [f"Sheets without rows were left out: {', '.join(empty)}."] if empty and not sheet else []
    if len(made) > 1:
        notes.insert(0, "Each sheet became a table: " + ", ".join(f"{t} ({rows} rows)" for t, rows, _ in made) + ".")
    return {
        "table": made[0][0] if len(made) == 1 else None,
        "tables": [t for t, _, _ in made],
        "rows": sum(rows for _, rows, _ in made),
        "skipped": len(skipped),
        "skipped_detail": summary(skipped),
        "notes": notes,
    }


def store(db, table: str, grid: list[list], deadline) -> tuple[int | None, list[str]]:
    """Store one sheet's grid as table: (rows stored, or None when it has none; the skipped rows, in words)."""
    start = next((i for i, row in enumerate(grid) if any(v != "" for v in row)), None)
    if start is None or start == len(grid) - 1:
        return None, []
    columns = header(grid[start])
    rows, skipped = [], []
    for number, cells in enumerate(grid[start + 1 :], start=start + 2):
        values = [plain(v) for v in cells]
        if all(v is None for v in values):
            continue
        if any(v is not None for v in values[len(columns) :]):
            skipped.append(f"{table} row {number}: values beyond the header's {len(columns)} columns")
            continue
        rows.append(dict(zip(columns, values, strict=False)))
    if not rows:
        return None, skipped
    deadline.renew()  # each sheet's table gets the bulk time limit of its own
    db[table].create({c: column_type(rows, c) for c in columns})
    db[table].insert_all(rows, batch_size=1000)
    return len(rows), skipped


def header(cells: list) -> list[str]:
    """Column names from the header row: a blank one is column_<n>, a repeated one (in any case) gets _2, _3..."""
    last = max(i for i, v in enumerate(cells) if v != "")
    names: list[str] = []
    for i, value in enumerate(cells[: last + 1], start=1):
        base = str(plain(value) or f"column_{i}").strip() or f"column_{i}"
        candidate, n = base, 2
        while candidate.lower() in (taken.lower() for taken in names):  # SQLite's column names ignore case
            candidate, n = f"{base}_{n}", n + 1
        names.append(candidate)
    return names


def plain(value):
    """A cell as SQLite keeps it: None when empty, whole numbers as int, dates and times as ISO 8601 text."""
    if value == "":
        return None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, datetime.timedelta):
        return str(value)
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return value


def column_type(rows: list[dict], column: str) -> type:
    values = [row.get(column) for row in rows if row.get(column) is not None]
    if values and all(isinstance(v, int) for v in values):
        return int
    if values and all(isinstance(v, (int, float)) for v in values):
        return float
    return str
