"""Import a CSV, TSV, JSON or newline-delimited JSON file as a table, with sqlite-utils; or restore a SQL script
(restore.py); or a spreadsheet's sheets as tables (spreadsheets.py).

All or nothing: the rows go in one transaction, so a failure leaves the database as it was. Rows that cannot be
imported (a CSV line with more fields than the header, a JSON item that is not an object) are skipped and reported.
"""

from collections.abc import Callable
from pathlib import Path

import sqlite_utils
from sqlite_utils.utils import Format, TypeTracker, rows_from_file

from . import on_demand, spreadsheets
from .formats import IMPORTERS, SCRIPT_SUFFIXES, SHEET_SUFFIXES, SHEETS, SQL
from .restore import PROGRESS_EVERY, ImportFailed, restore_file
from .rows_stored import stored_or_failed, summary
from .sql_guard import BULK_TIME_LIMIT_MS, time_limit

FORMATS = {suffix: Format[name] for suffix, name in IMPORTERS.items() if name not in (SQL, SHEETS)}
SCRIPTS = set(SCRIPT_SUFFIXES)
EXTRA = "\x00extra"  # where the csv module puts fields beyond the header; no real column has this name


def needs_loading(name: str) -> bool:
    """Whether importing a file called name needs a package the start did not load: then call prepare first."""
    return on_demand.needed(IMPORTERS.get(Path(name).suffix.lower()))


async def prepare(name: str) -> None:
    """Load what importing a file called name needs that the start did not load (on_demand.py)."""
    await on_demand.load(IMPORTERS.get(Path(name).suffix.lower()))


def sheet_names(source: str, name: str) -> list[str]:
    """The sheets of the spreadsheet at source (originally called name), for the import dialog (after prepare)."""
    return spreadsheets.sheet_names(source, name)


def import_file(
    db_path: str,
    table: str,
    source: str,
    name: str,
    progress: Callable[[int], None] | None = None,
    sheet: str | None = None,
) -> dict:
    """Import the file at source (originally called name) into a new table; returns {table, rows, skipped, notes}.

    progress(bytes_read) is called every few thousand rows. A SQL script is restored instead (restore_file): table is
    not used, since the script names its own tables. A spreadsheet's sheet becomes table, or with sheet None every
    sheet a table named after it (spreadsheets.py).
    """
    suffix = Path(name).suffix.lower()
    if suffix in SCRIPTS:
        return restore_file(db_path, source, progress)
    if suffix in SHEET_SUFFIXES:
        return spreadsheets.import_sheets(db_path, table, source, name, sheet)
    format = FORMATS.get(suffix)
    if format is None:
        raise ImportFailed(f"{name} is not a CSV, TSV, JSON or newline-delimited JSON file, nor a spreadsheet.")
    # Closed at the end: the app cannot rename or remove a database file that Python still has open.
    with sqlite_utils.Database(db_path) as db:
        if db[table].exists():
            raise ImportFailed(f"There is already a table called “{table}”.")
        notes = []
        for encoding in ("utf-8-sig", "cp1252"):
            try:
                result = _import(db, table, source, format, encoding, progress)
                break
            except UnicodeDecodeError:
                # Everything rolled back; try the encoding spreadsheets on Windows write.
                notes.append(f"{name} is not UTF-8 text: it was read as Windows-1252.")
        else:
            raise ImportFailed(f"{name} could not be decoded as text.")
    return {**result, "notes": notes}


def _import(db, table, source, format, encoding, progress):
    # CSV and TSV give strings: detect numbers. JSON has its own types, which sqlite-utils keeps.
    tracker = TypeTracker() if format in (Format.CSV, Format.TSV) else None
    skipped = []
    count = 0
    with open(source, "rb") as fp:
        try:
            rows, _ = rows_from_file(fp, format=format, encoding=encoding, extras_key=EXTRA)
        except Exception as error:  # json.JSONDecodeError and friends: the file as a whole is unreadable
            raise ImportFailed(f"The file could not be read as {format.name}: {error}") from error

        def good_rows():
            nonlocal count
            for number, row in enumerate(rows, start=1):
                reason = _problem(row)
                if reason:
                    skipped.append(
                        f"{'line' if format in (Format.CSV, Format.TSV, Format.NL) else 'item'} "
                        f"{number + (format in (Format.CSV, Format.TSV))}: {reason}"
                    )
                    continue
                count += 1
                if count % PROGRESS_EVERY == 0:
                    deadline.renew()  # a few thousand rows at a time must each go in within the bulk time limit
                    if progress:
                        progress(fp.tell())
                yield row

        # One transaction: committed only if every row went in.
        with time_limit(db.conn, BULK_TIME_LIMIT_MS) as deadline, stored_or_failed(), db.atomic():
            db[table].insert_all(tracker.wrap(good_rows()) if tracker else good_rows(), batch_size=1000, alter=True)
            if count and tracker:
                deadline.renew()
                db[table].transform(types=tracker.types)
    if not count:
        db[table].drop(ignore=True)
        raise ImportFailed("It has no rows that could be imported." + (f" ({summary(skipped)})" if skipped else ""))
    return {"table": table, "rows": count, "skipped": len(skipped), "skipped_detail": summary(skipped)}


def _problem(row) -> str | None:
    if not isinstance(row, dict):
        return "not an object with named fields"
    if EXTRA in row:
        return f"{len(row[EXTRA])} more field(s) than the header"
    return None
