"""Import a CSV, TSV, JSON or newline-delimited JSON file as a table, with sqlite-utils; restore a SQL script (a
`sqlite3 db .dump`, or ds/<db>/-/dump.sql) into a database.

All or nothing: the rows, or the script's statements, go in one transaction, so a failure leaves the database as it
was. Rows that cannot be imported (a CSV line with more fields than the header, a JSON item that is not an object) are
skipped and reported; a script stops at its first failing statement.
"""

import re
import sqlite3
from collections.abc import Callable
from pathlib import Path

import sqlite_utils
from sqlite_utils.utils import Format, TypeTracker, rows_from_file

from .formats import IMPORTERS, SCRIPT_SUFFIXES, SQL

FORMATS = {suffix: Format[name] for suffix, name in IMPORTERS.items() if name != SQL}
SCRIPTS = set(SCRIPT_SUFFIXES)
EXTRA = "\x00extra"  # where the csv module puts fields beyond the header; no real column has this name
# Enough detail to act on, without a wall of text for a file where every line is wrong.
MAX_REPORTED = 5
PROGRESS_EVERY = 5000


class ImportFailed(Exception):
    """A sentence for the user: why nothing was imported."""


def import_file(
    db_path: str, table: str, source: str, name: str, progress: Callable[[int], None] | None = None
) -> dict:
    """Import the file at source (originally called name) into a new table; returns {table, rows, skipped, notes}.

    progress(bytes_read) is called every few thousand rows. A SQL script is restored instead (restore_file): table is
    not used, since the script names its own tables.
    """
    if Path(name).suffix.lower() in SCRIPTS:
        return restore_file(db_path, source, name, progress)
    format = FORMATS.get(Path(name).suffix.lower())
    if format is None:
        raise ImportFailed(f"{name} is not a CSV, TSV, JSON or newline-delimited JSON file.")
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
                if progress and count % PROGRESS_EVERY == 0:
                    progress(fp.tell())
                yield row

        try:
            with db.atomic():  # one transaction: committed only if every row went in
                db[table].insert_all(tracker.wrap(good_rows()) if tracker else good_rows(), batch_size=1000, alter=True)
                if count and tracker:
                    db[table].transform(types=tracker.types)
        except UnicodeDecodeError:
            raise  # import_file tries the next encoding
        except (ValueError, sqlite3.Error) as error:
            raise ImportFailed(f"The rows could not be stored: {error}") from error
    if not count:
        db[table].drop(ignore=True)
        raise ImportFailed("It has no rows that could be imported." + (f" ({_summary(skipped)})" if skipped else ""))
    return {"table": table, "rows": count, "skipped": len(skipped), "skipped_detail": _summary(skipped)}


def _problem(row) -> str | None:
    if not isinstance(row, dict):
        return "not an object with named fields"
    if EXTRA in row:
        return f"{len(row[EXTRA])} more field(s) than the header"
    return None


def _summary(skipped: list[str]) -> str:
    shown = "; ".join(skipped[:MAX_REPORTED])
    return shown + (f"; and {len(skipped) - MAX_REPORTED} more" if len(skipped) > MAX_REPORTED else "")


# What can end a statement, or start a stretch where ";" ends none: a quoted string or name, or a comment. Each of these
# openings ends at its closer, which never spans a line, so a file is scanned a line at a time.
OPENERS = re.compile(r"""[;'"`\[]|--|/\*""")
CLOSERS = {"'": "'", '"': '"', "`": "`", "[": "]", "--": "\n", "/*": "*/"}


def split_statements(lines):
    """Yield each statement of the SQL text given as lines (with their line ends), up to and including its ";".

    A ";" outside quotes and comments ends a statement only where sqlite3.complete_statement agrees: one inside a
    trigger's BEGIN ... END does not. Only those candidates are checked, so a long text value (many lines, or many
    quoted ";") is scanned once, not once per line. Whatever follows the last ";" comes last, if it is not blank.
    """
    pieces, closer = [], None
    for line in lines:
        # Most lines of a dump are one whole statement: its only ";" ends the line, and SQLite agrees that it ends a
        # statement. Taken at once (C scans only), a dump of 400,000 rows split in 1.2 s instead of 4.6 s.
        if closer is None and line.count(";") == 1 and line.rstrip().endswith(";") and not any(map(str.strip, pieces)):
            if sqlite3.complete_statement(line):
                end = line.rindex(";") + 1
                yield "".join(pieces) + line[:end]
                pieces = [line[end:]]
                continue
        start = scan = 0
        while True:
            if closer:
                end = line.find(closer, scan)
                if end < 0:
                    break
                scan, closer = end + len(closer), None
                continue
            match = OPENERS.search(line, scan)
            if not match:
                break
            scan = match.end()
            if match.group() != ";":
                closer = CLOSERS[match.group()]
                continue
            statement = "".join(pieces) + line[start:scan]
            if sqlite3.complete_statement(statement):
                yield statement
                pieces, start = [], scan
        pieces.append(line[start:])
    rest = "".join(pieces)
    if rest.strip():
        yield rest


def restore_file(db_path: str, source: str, name: str, progress: Callable[[int], None] | None = None) -> dict:
    """Run the SQL script at source (originally called name) in the database at db_path, as ONE transaction; returns
    {table: None, rows: rows written, statements: statements run, skipped, skipped_detail, notes}.

    A failing statement rolls all of it back: ImportFailed names it (its number in the file, its start) with SQLite's
    message. A dump's own BEGIN TRANSACTION and COMMIT (and any BEGIN, COMMIT or END) do nothing here, so that the
    whole file stays one transaction; a ROLLBACK in the script fails it.
    """
    # isolation_level=None: this function begins and ends the one transaction, not the sqlite3 module. No statement
    # cache, so that the authorizer sees every statement prepared (a COMMIT cached as a no-op would be reused).
    conn = sqlite3.connect(db_path, isolation_level=None, cached_statements=0)
    try:
        conn.execute("PRAGMA journal_mode=TRUNCATE")  # as plugin/ sets it: the app's files cannot take WAL
        conn.execute("BEGIN IMMEDIATE")
        with open(source, "rb") as fp:
            statements = _run_script(conn, _lines(fp, name), lambda: progress and progress(fp.tell()))
        if not statements:
            raise ImportFailed("It has no SQL statements to run.")
        conn.set_authorizer(None)
        try:
            conn.execute("COMMIT")
        except sqlite3.Error as error:
            raise ImportFailed(f"The changes could not be saved: {error}.") from None
        rows = conn.total_changes
    finally:
        conn.set_authorizer(None)  # it would make this ROLLBACK fail
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        conn.close()
    return {"table": None, "rows": rows, "statements": statements, "skipped": 0, "skipped_detail": "", "notes": []}


def _run_script(conn, lines, report) -> int:
    """Run each statement in conn's open transaction; how many did something (not blanks, comments, BEGIN, COMMIT)."""
    actions = set()  # what the statement being prepared does: SQLite's authorizer action codes

    def authorize(action, detail, *_):
        actions.add(action)
        if action != sqlite3.SQLITE_TRANSACTION:
            return sqlite3.SQLITE_OK
        # SQLITE_IGNORE compiles BEGIN, COMMIT and END to nothing, so the transaction stays restore_file's. A ROLLBACK
        # would end it too, and what follows would run outside it: refused.
        return sqlite3.SQLITE_DENY if detail == "ROLLBACK" else sqlite3.SQLITE_IGNORE

    conn.set_authorizer(authorize)
    cursor = conn.cursor()  # one for all: a new one for each statement (conn.execute) took three times as long
    count = 0
    for number, statement in enumerate(split_statements(lines), start=1):
        actions.clear()
        try:
            cursor.execute(statement)
        except sqlite3.Error as error:
            refused = actions == {sqlite3.SQLITE_TRANSACTION}  # only a ROLLBACK fails with nothing else to do
            why = "a ROLLBACK cannot run here, as the whole file is one transaction" if refused else error
            raise ImportFailed(
                f"statement {number} failed: {why}. It begins “{_opening(statement)}”. Nothing was changed."
            ) from None
        count += bool(actions - {sqlite3.SQLITE_TRANSACTION})
        if number % PROGRESS_EVERY == 0:
            report()
    return count


def _lines(fp, name):
    """The file's lines as text: UTF-8 (with or without a byte order mark), as sqlite3's .dump writes it."""
    for number, line in enumerate(fp, start=1):
        try:
            yield line.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError:
            raise ImportFailed(f"It is not UTF-8 text (line {number}). Nothing was changed.") from None


def _opening(statement: str, length: int = 80) -> str:
    """The statement's first characters, on one line, for an error message."""
    text = " ".join(statement.split())
    return text if len(text) <= length else text[: length - 1] + "…"
