"""The databases in the app's library, as Datasette sees them: check, add, remove, rename, snapshot.

The worker keeps the files (in OPFS) and their records; this module only talks to SQLite and Datasette.
"""

import os
import sqlite3

from datasette.app import Datasette
from datasette.database import Database

SQLITE_HEADER = b"SQLite format 3\x00"
# SQLite's quick_check reads every page: 2.7 s of a 1.7 GB import. Files up to this size get it (under half a second);
# bigger ones get the checks that read nothing more (header, length against the header's page count, schema),
# and Check in the library runs the full one on demand.
FULL_CHECK_BYTES = 256 * 1024 * 1024


def problem_with(path: str) -> str | None:
    """Why the file at path cannot be served as a database, in words for the user; None when it is fine."""
    with open(path, "rb") as file:
        header = file.read(100)
    if not header:
        return "it is empty (0 bytes), so there is nothing to open. Use New database to start an empty one."
    if not header.startswith(SQLITE_HEADER):
        return "it is not a SQLite database (or it is encrypted)."
    if len(header) < 100:
        return "it is truncated: it ends inside the SQLite header."
    size = os.path.getsize(path)
    page_size = int.from_bytes(header[16:18], "big")
    pages = int.from_bytes(header[28:32], "big")
    # The header's page count holds when its "version valid for" matches the change counter (SQLite 3.7.0 on).
    if header[24:28] == header[92:96] and size < pages * (65536 if page_size == 1 else page_size):
        return "it is truncated: it is shorter than its own header says."
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        if size <= FULL_CHECK_BYTES:
            result = conn.execute("PRAGMA quick_check").fetchone()[0]
        else:
            result = "ok" if conn.execute("select count(*) from sqlite_master").fetchone() else "no schema"
    except sqlite3.DatabaseError as error:
        return f"SQLite cannot read it: {error}."
    finally:
        conn.close()
    if result != "ok":
        return f"it is damaged (truncated or corrupt): SQLite's check says “{result}”."
    return None


def url(ds: Datasette, name: str) -> str:
    """The database's page, as Datasette itself encodes names in URLs (e.g. "/ds/my~2Fdb")."""
    return str(ds.urls.database(name))


def table_url(ds: Datasette, name: str, table: str) -> str:
    return str(ds.urls.table(name, table))


async def refresh(ds: Datasette) -> None:
    """Make Datasette see tables created behind its back (an import) on the very next page."""
    await ds.refresh_schemas(force=True)


def names(ds: Datasette) -> list[str]:
    """Every name Datasette serves, _memory included, so a new database never takes one."""
    return list(ds.databases)


async def add(ds: Datasette, *databases: tuple[str, str]) -> None:
    """Serve each (name, path); one catalog refresh for all of them, which matters at start with many databases."""
    for name, path in databases:
        ds.add_database(Database(ds, path=path, is_mutable=True), name=name)
    # Datasette refreshes its table catalog at most once a second; the next page must list the new tables.
    await ds.refresh_schemas(force=True)


async def remove(ds: Datasette, name: str) -> None:
    if name in ds.databases:
        ds.remove_database(name)
    await ds.refresh_schemas(force=True)


async def rename(ds: Datasette, name: str, new_name: str) -> None:
    path = ds.databases[name].path
    ds.remove_database(name)
    await add(ds, (new_name, path))


def create_empty(path: str) -> None:
    """A new, empty database: VACUUM writes the header page, so the file is valid SQLite with no tables."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("VACUUM")
    finally:
        conn.close()


async def integrity(ds: Datasette, name: str) -> list[str]:
    """SQLite's full integrity check of a served database: ["ok"], or what is wrong."""
    return await ds.databases[name].execute_fn(lambda conn: [row[0] for row in conn.execute("PRAGMA integrity_check")])


async def snapshot(ds: Datasette, name: str, target: str) -> None:
    """A consistent copy of the database at target (which must be empty or absent), taken between writes."""
    # VACUUM cannot run inside the transaction execute_write would open.
    await ds.databases[name].execute_write_fn(lambda conn: conn.execute("VACUUM INTO ?", [target]), transaction=False)
