"""<db>/-/dump.sql: the database as SQL text, schema then data, as `sqlite3 <db> .dump` writes it, streamed; linked
from the database page's actions menu. importing.py's restore_file runs such a file back in.

"""

import asyncio
import contextlib
import sqlite3

from datasette import hookimpl
from datasette.resources import DatabaseResource
from datasette.utils.asgi import AsgiStream
from sqlite_utils.db import quote_identifier as identifier

from ..sql_guard import time_limit
from .downloads import attachment

CONTENT_TYPE = "application/sql; charset=utf-8"
# Statements are gathered into chunks of about this size: exchange.py's (a part that crosses to the page costs about a
# millisecond), and the most of the dump in memory at once (with the one statement that crosses the line).
CHUNK_BYTES = 256 * 1024
# Downloading the whole database is what Datasette's own <db>.db download checks; it requires view-database too.
ACTION = "view-database-download"


@hookimpl
def register_routes(datasette):
    # Datasette encodes "/" and "." in database names (tilde encoding), so a name is one path segment.
    return [(r"^/(?P<database>[^/]+)/-/dump\.sql$", dump_file)]


@hookimpl
def database_actions(datasette, actor, database):
    async def inner():
        db = datasette.get_database(database)
        # The plain in-memory database (_memory) is a new, empty one on every connection: nothing to dump.
        if db.is_memory and not db.memory_name:
            return []
        if not await datasette.allowed(action=ACTION, resource=DatabaseResource(database=database), actor=actor):
            return []
        return [
            {
                "href": datasette.urls.database(database) + "/-/dump.sql",
                "label": "Download SQL dump",
                "description": "Its tables, views, triggers, indexes and rows as SQL statements (sqlite3's .dump).",
            }
        ]

    return inner


async def dump_file(datasette, request):
    db = await datasette.resolve_database(request)  # Datasette's 404 page when there is no such database
    await datasette.ensure_permission(action=ACTION, resource=DatabaseResource(database=db.name), actor=request.actor)

    async def stream(writer):
        await send_dump(datasette, db, writer.send)

    headers = {"content-disposition": attachment(db.name + ".sql")}
    return AsgiStream(stream, headers=headers, content_type=CONTENT_TYPE)


class DatabaseChanged(Exception):
    """The dump cannot go on: a write landed while it was being sent (what was sent may not fit together), or reading
    took too long."""


# Once the head is sent, an exception cannot fail the download: Datasette would send its error page as more of the
# body. The file is ended instead with a reason and a statement that fails, and no COMMIT: nothing of it is kept by
# restore_file, `sqlite3 db < dump.sql` (which rolls the open transaction back at the end) or executescript.
INCOMPLETE = "\n-- The dump stopped here, incomplete: {}\nTHE DUMP IS INCOMPLETE;\n"


async def send_dump(datasette, db, send) -> None:
    """Send the dump of db as ASGI body messages of about CHUNK_BYTES, each made when the last one has gone.

    Each chunk is read in a read transaction of its own, on a connection of its own, and no transaction is open while
    a chunk waits for the reader: a paused download held one, and every write to the database waited on it (the
    worker froze, then the write failed "database is locked"). So rows are read in pages, by key, never through a
    cursor left open between chunks. A write that lands between two chunks would not fit what was sent before it:
    the dump then ends as a script that fails (INCOMPLETE).
    """
    conn = None
    try:
        conn = db.connect()
        conn.isolation_level = None  # this function begins and ends each read transaction
        conn.text_factory = bytes  # text goes out byte for byte, as the shell writes it, even if not valid UTF-8
        counter = change_counter(db.path)
        statements = dump_statements(conn)
        while chunk := await in_executor(datasette, read_chunk, conn, statements, db, counter):
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
    except (sqlite3.Error, OSError, DatabaseChanged) as error:
        reason = " ".join(str(error).split())
        await send({"type": "http.response.body", "body": INCOMPLETE.format(reason).encode(), "more_body": True})
    finally:
        if conn:
            conn.close()
            # Datasette keeps every connection it makes, to close them when the database is removed: not this one.
            with contextlib.suppress(ValueError, AttributeError):
                db._all_connections.remove(conn)


def read_chunk(conn, statements, db, counter) -> bytes:
    """The next chunk of the dump, read in one short read transaction, within the SQL time limit."""
    conn.execute("BEGIN")
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # takes the read lock, then the file is still
        if change_counter(db.path) != counter:
            raise DatabaseChanged(f"{db.name} changed while it was being dumped: download the dump again.")
        with time_limit(conn, db.ds.setting("sql_time_limit_ms")):
            return take(statements, CHUNK_BYTES)
    except sqlite3.OperationalError as error:
        if str(error) != "interrupted":
            raise
        raise DatabaseChanged("reading a part of it took longer than the SQL time limit (Settings)") from None
    finally:
        conn.execute("COMMIT")


async def in_executor(datasette, fn, *args):
    """fn(*args) in Datasette's SQL threads when it has them, else here: in Pyodide (no threads) SQL runs inline."""
    if datasette.executor is None:
        return fn(*args)
    return await asyncio.get_running_loop().run_in_executor(datasette.executor, fn, *args)


def change_counter(path: str | None) -> bytes | None:
    """The database header's file change counter, which every committed write changes (SQLite's file format, 1.3)."""
    if not path:
        return None  # an in-memory database: only its own connections see it
    with open(path, "rb") as file:
        file.seek(24)
        return file.read(4)


def take(statements, size: int) -> bytes:
    """The next statements, one a line, up to about size bytes; b"" when there are none left."""
    parts, total = [], 0
    for statement in statements:
        parts.append(statement)
        total += len(statement) + 1
        if total >= size:
            break
    return b"\n".join(parts) + b"\n" if parts else b""


def dump_statements(conn):
    """The statements of `sqlite3 db .dump` (bytes, without line ends) for conn, whose text_factory is bytes. Every
    query is read whole (or a page of rows at a time) before a statement is given: no cursor stays open across chunks.

    Not sqlite3.Connection.iterdump(): it also writes INSERTs into an FTS (virtual) table, whose rows its shadow
    tables already hold, and the restore fails with "no such table" (CPython issue 153729); in Python 3.11 a quote in
    an AUTOINCREMENT table's name breaks its dump.
    """
    yield b"PRAGMA foreign_keys=OFF;"
    yield b"BEGIN TRANSACTION;"
    # Tables in the order they were made, sqlite_sequence last, as the shell does.
    tables = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE sql NOT NULL AND type = 'table' "
        "ORDER BY name = 'sqlite_sequence', rowid"
    ).fetchall()
    virtual = False
    for name, sql in tables:
        name = name.decode()
        if sql.startswith(b"CREATE VIRTUAL TABLE"):
            # Recorded in the schema as it is, not created: CREATE VIRTUAL TABLE would make its shadow tables anew
            # (empty), where the dump's own shadow tables, with the index's rows, follow as ordinary tables.
            if not virtual:
                virtual = True
                yield b"PRAGMA writable_schema=ON;"
            yield (
                b"INSERT INTO sqlite_master(type,name,tbl_name,rootpage,sql)VALUES('table',%s,%s,0,%s);"
                % (literal(name), literal(name), literal(sql.decode()))
            )
            continue
        yield from table_statements(conn, name, sql)
    later = "SELECT sql FROM sqlite_master WHERE sql NOT NULL AND type IN ('index', 'trigger', 'view') ORDER BY rowid"
    for (sql,) in conn.execute(later).fetchall():
        yield sql + b";"
    if virtual:
        yield b"PRAGMA writable_schema=OFF;"
    yield b"COMMIT;"


def table_statements(conn, name: str, sql: bytes):
    """A table's CREATE (or what the shell writes for SQLite's own tables), then an INSERT for each of its rows."""
    if name == "sqlite_sequence":
        yield b"DELETE FROM sqlite_sequence;"  # its rows follow; AUTOINCREMENT tables made it
    elif name == "sqlite_stat1":
        yield b"ANALYZE sqlite_master;"  # makes the statistics tables, which cannot be created; their rows follow
    elif name.startswith("sqlite_stat"):
        # sqlite_stat4 (ANALYZE on a SQLite built with STAT4, as the app's 3.54 is): a SQLite built without it, as
        # Debian's sqlite3 shell is, has no such table to load its rows into; ANALYZE makes it again.
        return
    elif name.startswith("sqlite_"):
        return
    else:
        yield sql + b";"
    columns = [identifier(c.decode()) for (c,) in conn.execute("SELECT name FROM pragma_table_info(?)", [name])]
    rowid = None if name.startswith("sqlite_") else hidden_rowid(conn, name)
    if rowid:
        columns.insert(0, rowid)
    into = identifier(name) + (f"({','.join(columns)})" if rowid else "")
    head = f"INSERT INTO {into} VALUES(".encode()
    values = " || ',' || ".join(value(c) for c in columns)
    for row in rows_by_key(conn, name, values):
        yield head + row + b");"


# Rows read at a time: a page of them is in memory between chunks, with no cursor open on the table.
PAGE_ROWS = 500


def rows_by_key(conn, table: str, values: str):
    """Each row of table as SQL values (the SELECT expression values), in key order (its rowid, or for a WITHOUT
    ROWID table its primary key), read a page at a time and resumed after the last key, as a table's rows are dumped
    in that order."""
    keys = key_of(conn, table)
    listed = ", ".join(keys)
    select = f"SELECT {values}{typed_keys(keys)} FROM {identifier(table)}"
    after = None
    while True:
        where = f" WHERE ({listed}) > ({', '.join([RESUME] * len(keys))})" if after else ""
        page = conn.execute(f"{select}{where} ORDER BY {listed} LIMIT {PAGE_ROWS}", after or []).fetchall()
        for row in page:
            yield row[0]
        if len(page) < PAGE_ROWS:
            return
        after = resume_params(page[-1][1:])


# A key's value given back for the next page exactly. Text read as bytes (the dump's text_factory; and text that is
# not UTF-8 must not be replaced) and given back so would compare as a blob, after every text: a WITHOUT ROWID table
# of 1,200 rows with a text key was dumped as its first 500. So each key is read with its type, text as its bytes,
# and given back cast to text where it was text. Bound as (its type, the value, the value again): resume_params.
RESUME = "iif(cast(? AS TEXT) = 'text', cast(? AS TEXT), ?)"


def typed_keys(keys: list[str]) -> str:
    """The select list's tail that reads each key for RESUME: its type, then its value (text as bytes)."""
    return "".join(f", typeof({k}), iif(typeof({k}) = 'text', cast({k} AS BLOB), {k})" for k in keys)


def resume_params(last) -> list:
    """RESUME's parameters from a row's typed_keys values."""
    return [v for i in range(0, len(last), 2) for v in (last[i], last[i + 1], last[i + 1])]


def key_of(conn, table: str) -> list[str]:
    """The columns that order a table's rows uniquely, quoted: its rowid under a name no column has, or for a WITHOUT
    ROWID table its primary key."""
    if conn.execute("SELECT wr FROM pragma_table_list(?) WHERE schema = 'main'", [table]).fetchone()[0]:
        keys = conn.execute("SELECT name FROM pragma_table_info(?) WHERE pk ORDER BY pk", [table]).fetchall()
        return [identifier(k.decode()) for (k,) in keys]
    columns = {c.decode().lower() for (c,) in conn.execute("SELECT name FROM pragma_table_xinfo(?)", [table])}
    return [next(n for n in ("rowid", "_rowid_", "oid") if n not in columns)]


def value(column: str) -> str:
    """SQL for a column's value as the shell writes it: SQLite's quote() (integers, reals to 20 digits, 'text',
    X'blob', NULL), but for two values that would not read back. Infinity: older SQLite's quote() (Pyodide's 3.39,
    CPython's 3.40 here) writes Inf; 9.0e+999 reads back as infinity. A carriage return in text: the sqlite3 shell
    drops one before a line end as it reads a file, so it is written as '...'||char(13)||'...' (the shell's own
    .dump writes no carriage return either)."""
    infinite = f"typeof({column}) = 'real' AND abs({column}) = 9e999"
    returns = f"typeof({column}) = 'text' AND instr({column}, char(13))"
    return (
        f"CASE WHEN {infinite} THEN iif({column} > 0, '9.0e+999', '-9.0e+999') "
        f"WHEN {returns} THEN replace(quote({column}), char(13), '''||char(13)||''') "
        f"ELSE quote({column}) END"
    )


def hidden_rowid(conn, name: str) -> str | None:
    """How to name the table's rowid when no INTEGER PRIMARY KEY column holds it; None when one does, or there is none.

    Kept, as `.dump --preserve-rowids` does: an FTS index of the table (sqlite-utils makes its tables without a
    primary key) and Datasette's row pages find rows by rowid, which a plain INSERT would renumber where rows were
    deleted.
    """
    keys = conn.execute("SELECT type FROM pragma_table_info(?) WHERE pk", [name]).fetchall()
    if len(keys) == 1 and keys[0][0].decode().upper() == "INTEGER":
        return None
    if conn.execute("SELECT wr FROM pragma_table_list(?) WHERE schema = 'main'", [name]).fetchone()[0]:
        return None  # WITHOUT ROWID
    # Each of these names means the rowid unless a column has it.
    columns = {c.decode().lower() for (c,) in conn.execute("SELECT name FROM pragma_table_xinfo(?)", [name])}
    return next((n for n in ("rowid", "_rowid_", "oid") if n not in columns), None)


def literal(text: str) -> bytes:
    return ("'" + text.replace("'", "''") + "'").encode()
