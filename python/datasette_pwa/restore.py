"""Restore a SQL script (a `sqlite3 db .dump`, ds/<db>/-/dump.sql, or any file of statements) into a database: all of
it in one transaction, or nothing.

The script changes only its own database (sql_guard.py: no ATTACH, no PRAGMA that writes, each statement within the
bulk time limit). A dump records each virtual table (an FTS index) by writing its row into the schema under
`PRAGMA writable_schema=ON`, since CREATE VIRTUAL TABLE would make its shadow tables anew, empty, where the dump's own
follow with the index's rows. The script may not write the schema: the restore takes such a row, checks that it is one
virtual table's and writes it itself. Before COMMIT the database must still open: its schema parses, each table reads
(a virtual table's module exists) and SQLite's quick_check passes; else all of it is rolled back, and the user told why.
"""

import re
import sqlite3
from collections.abc import Callable

from .sql_guard import BULK_TIME_LIMIT_MS, Guard, Refused, schema_problem

PROGRESS_EVERY = 5000


class ImportFailed(Exception):
    """A sentence for the user: why nothing was imported."""


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


# A dump's record of a virtual table: the sqlite3 shell writes sqlite_schema, older shells and dump.py sqlite_master.
SCHEMA_ROW = re.compile(
    r"\s*INSERT\s+INTO\s+(?:main\.)?sqlite_(?:master|schema)\s*\(\s*type\s*,\s*name\s*,\s*tbl_name\s*,\s*rootpage\s*,"
    r"\s*sql\s*\)\s*VALUES\s*\(",
    re.IGNORECASE,
)
# Where the script's schema rows are gathered, to be checked before the restore writes them.
HELD = "temp.pwa_schema_rows"


def restore_file(db_path: str, source: str, progress: Callable[[int], None] | None = None) -> dict:
    """Run the SQL script at source in the database at db_path, as ONE transaction; returns {table: None, rows: rows
    written, statements: statements run, skipped, skipped_detail, notes}.

    A failing or refused statement rolls all of it back: ImportFailed names it (its number in the file, its start)
    with the reason. A dump's own BEGIN TRANSACTION and COMMIT (and any BEGIN, COMMIT or END) do nothing here, so that
    the whole file stays one transaction; a ROLLBACK in the script fails it.
    """
    # isolation_level=None: this function begins and ends the one transaction, not the sqlite3 module. No statement
    # cache, so that the authorizer sees every statement prepared (a COMMIT cached as a no-op would be reused).
    conn = sqlite3.connect(db_path, isolation_level=None, cached_statements=0)
    try:
        conn.execute("PRAGMA journal_mode=TRUNCATE")  # as plugin/ sets it: the app's files cannot take WAL
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(f"CREATE TABLE {HELD} (type, name, tbl_name, rootpage, sql)")
        with open(source, "rb") as fp:
            statements = run_script(conn, _lines(fp), lambda: progress and progress(fp.tell()))
        if not statements:
            raise ImportFailed("It has no SQL statements to run.")
        conn.execute(f"DROP TABLE {HELD}")
        check_before_commit(conn)
        try:
            conn.execute("COMMIT")
        except sqlite3.Error as error:
            raise ImportFailed(f"The changes could not be saved: {error}.") from None
        rows = conn.total_changes
    finally:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        conn.close()
    return {"table": None, "rows": rows, "statements": statements, "skipped": 0, "skipped_detail": "", "notes": []}


def run_script(conn, lines, report) -> int:
    """Run each statement in conn's open transaction; how many did something (not blanks, comments, BEGIN, COMMIT)."""
    cursor = conn.cursor()  # one for all: a new one for each statement (conn.execute) took three times as long
    count = 0
    with Guard(conn, BULK_TIME_LIMIT_MS, restoring=True) as guard:
        for number, statement in enumerate(split_statements(lines), start=1):
            guard.next_statement()
            held = SCHEMA_ROW.match(statement)
            try:
                cursor.execute(f"INSERT INTO {HELD} VALUES(" + statement[held.end() :] if held else statement)
                if held:
                    with guard.trusted():
                        write_schema_rows(conn)
            except sqlite3.Error as error:
                raise ImportFailed(
                    f"statement {number} failed: {guard.explained(error)}. It begins “{opening(statement)}”. "
                    "Nothing was changed."
                ) from None
            count += bool(guard.actions)
            if number % PROGRESS_EVERY == 0:
                report()
    return count


def write_schema_rows(conn) -> None:
    """Write the virtual tables' schema rows the script gave (one INSERT into sqlite_master), once each is checked to
    be a virtual table's row that takes no name already there."""
    for kind, name, table, rootpage, sql in conn.execute(f"SELECT * FROM {HELD}").fetchall():
        if (
            kind != "table"
            or name != table
            or rootpage != 0
            or not re.match(r"\s*CREATE\s+VIRTUAL\s+TABLE\b", sql or "", re.I)
        ):
            raise Refused("a script may write the schema only to record a virtual table, as a dump does")
        if conn.execute("SELECT 1 FROM sqlite_master WHERE lower(name) = lower(?)", [name]).fetchone():
            raise Refused(f"there is already a table called {name}")
        conn.execute("PRAGMA writable_schema=ON")
        conn.execute(
            "INSERT INTO sqlite_master(type,name,tbl_name,rootpage,sql) VALUES('table',?,?,0,?)", [name, name, sql]
        )
        conn.execute("PRAGMA writable_schema=OFF")
    conn.execute(f"DELETE FROM {HELD}")


def check_before_commit(conn) -> None:
    """Fail the restore unless the database would open: the schema reloaded and parsed, every table read, quick_check."""
    try:
        conn.execute("PRAGMA writable_schema=RESET")  # reloads the schema, with the virtual tables the restore wrote
        problem = schema_problem(conn)
        check = conn.execute("PRAGMA quick_check").fetchone()[0]
    except sqlite3.Error as error:
        problem, check = f"it would leave the database unreadable ({error})", "ok"
    if problem or check != "ok":
        raise ImportFailed(f"{problem or f'SQLite’s check of the result says “{check}”'}. Nothing was changed.")


def _lines(fp):
    """The file's lines as text: UTF-8 (with or without a byte order mark), as sqlite3's .dump writes it."""
    for number, line in enumerate(fp, start=1):
        try:
            yield line.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError:
            raise ImportFailed(f"It is not UTF-8 text (line {number}). Nothing was changed.") from None


def opening(statement: str, length: int = 80) -> str:
    """The statement's first characters, on one line, for an error message."""
    text = " ".join(statement.split())
    return text if len(text) <= length else text[: length - 1] + "…"
