"""The databases in the app's library, as Datasette sees them: check, add, remove, rename, snapshot.

The worker keeps the files (in OPFS) and their records; this module only talks to SQLite and Datasette.
"""

import os
import sqlite3
from urllib.parse import quote

from datasette.app import Datasette
from datasette.database import Database
from datasette.plugins import pm
from datasette.utils import await_me_maybe, tilde_encode

from . import hookspecs
from .formats import suffix_of
from .standalone import check_file as check_file  # the worker calls these through this module
from .standalone import copy_file as copy_file

pm.add_hookspecs(hookspecs)  # the features shape the library's databases through these (plugin/ composes the class)

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


# The first bytes of a rollback journal that holds a transaction (SQLite's file format, section 4.1).
JOURNAL_MAGIC = bytes.fromhex("d9d505f920a163d7")
# Names Datasette routes itself: a database called one of these would be shadowed, or shadow Datasette's pages.
RESERVED_NAMES = {"_memory", "_internal"}


def recover(path: str) -> bool:
    """Roll back the transaction a crash left half-written in path (a hot journal); True if there was one.

    Datasette reads through read-only connections, which cannot roll back: after a crash mid-transaction, its first
    read failed ("attempt to write a readonly database") and the app could not start. A read-write connection's first
    read rolls the journal back, as SQLite does after any crash.
    """
    try:
        with open(f"{path}-journal", "rb") as journal:
            if journal.read(len(JOURNAL_MAGIC)) != JOURNAL_MAGIC:
                return False
    except FileNotFoundError:
        return False
    conn = sqlite3.connect(path)
    try:
        conn.execute("select count(*) from sqlite_master").fetchone()
    finally:
        conn.close()
    return True


def name_problem(name: str) -> str | None:
    """Why name cannot be a database's name in Datasette, in words for the user; None when it can."""
    if not name.strip():
        return "A database needs a name."
    if name != name.strip():
        return "A name cannot start or end with a space."
    if "/" in name or "\\" in name:
        return "A name cannot contain / or \\."
    if name.startswith("-"):
        return "A name cannot start with - (Datasette's own pages live under /-/)."
    if name.lower() in RESERVED_NAMES:
        return f"“{name}” is Datasette's own database; choose another name."
    return None


def name_from_file(file_name: str) -> str:
    """A valid name from a file's name: fixtures.db -> fixtures, "-x/y.csv" -> "x_y", _memory.db -> "database _memory"."""
    stem = file_name[: len(file_name) - len(suffix_of(file_name))]
    stem = stem.replace("/", "_").replace("\\", "_").strip().lstrip("-").strip()
    if not stem or stem.lower() in RESERVED_NAMES:
        stem = f"database {stem}".strip()
    return stem


def url(ds: Datasette, name: str) -> str:
    """The database's page, as Datasette itself encodes names in URLs (e.g. "/ds/my~2Fdb"); for one not served yet (a
    database opened in place, waiting for permission to read its file again), where it will be."""
    if name in ds.databases:
        return str(ds.urls.database(name))
    return str(ds.urls.path(tilde_encode(name)))


def table_url(ds: Datasette, name: str, table: str) -> str:
    return str(ds.urls.table(name, table))


async def refresh(ds: Datasette) -> None:
    """Make Datasette see tables created behind its back (an import) on the very next page."""
    await ds.refresh_schemas(force=True)


def names(ds: Datasette) -> list[str]:
    """Every name Datasette serves, _memory included, and those set aside, so a new database never takes one."""
    return [*ds.databases, *ds.set_aside]


def set_aside(ds: Datasette) -> dict[str, str]:
    """The library's databases that SQLite cannot read: {name: why}, for the sidebar (standalone.py)."""
    return dict(ds.set_aside)


class CrossDatabase(Database):
    """_memory with the library's databases attached read-only under their names, for SQL across them (`select ...
    from pypi.packages join other.t`), as `datasette --crossdb` does. Not Datasette's own crossdb: it attaches when
    _memory's connection is made, which without threads is once, before the worker adds the library, and it writes
    names and paths into its ATTACH unquoted (a "]" in a name breaks every _memory query). Hence follow_library."""

    def connect(self, write=False):
        conn = super().connect(write)  # ":memory:" with uri=True, so ATTACH reads "file:...?mode=ro" as a URI
        room = conn.getlimit(sqlite3.SQLITE_LIMIT_ATTACHED)  # SQLite's limit, 10 unless built otherwise
        for name, db in self.ds.databases.items():
            if room and db.path and not db.is_memory:
                try:
                    conn.execute("ATTACH ? AS ?", [f"file:{quote(db.path)}?mode=ro", name])
                    room -= 1
                except sqlite3.Error:
                    pass  # a name SQLite has taken: main, temp, or one that differs from another only in case
        return conn


def follow_library(ds: Datasette) -> None:
    """Give Datasette a new _memory, whose connections attach the library as it is now: Datasette keeps _memory's
    connection (one, without threads) as long as the database, attached as the library was when it was made. The old
    one's connections close, so the worker can close a removed database's file."""
    old = ds.databases.get("_memory")
    if old is None:
        return
    fresh = CrossDatabase(ds, is_mutable=False, is_memory=True)
    fresh.name = fresh.route = "_memory"
    # In the same place in the list; a new dict, as Datasette's add_database makes one (requests may be iterating it).
    ds.databases = {**ds.databases, "_memory": fresh}
    old.close()


async def add(ds: Datasette, *databases: tuple[str, str], read_only: bool = False) -> dict[str, str]:
    """Serve each (name, path); one catalog refresh for all of them, which matters at start with many databases.
    Returns {name: why it cannot be opened} for those SQLite cannot read, which are set aside (standalone.py).

    read_only: the files are the user's own, opened in place (pwa/worker/file-fs.js): Datasette opens them immutable (no
    journal, no locks, nothing written) and offers no writes."""
    database_class = pm.hook.library_database_class(datasette=ds) or Database
    for name, path in databases:
        database = database_class(ds, path=path, is_mutable=not read_only)
        if read_only:
            # Datasette hashes an immutable file whole (sha256) for its colour and ETag: 22.9 s before a 1.7 GB file
            # opened in place showed its first page. "" is no hash: the colour comes from the name, and no ETag.
            database.cached_hash = ""
        ds.set_aside.pop(name, None)
        ds.add_database(database, name=name)
    # Datasette refreshes its table catalog at most once a second; the next page must list the new tables.
    await ds.refresh_schemas(force=True)
    follow_library(ds)  # once those SQLite cannot read are set aside: _memory attaches only the others
    return {name: ds.set_aside[name] for name, _ in databases if name in ds.set_aside}


async def remove(ds: Datasette, name: str) -> None:
    ds.set_aside.pop(name, None)
    if name in ds.databases:
        ds.remove_database(name)
    follow_library(ds)  # before the worker closes the file, which _memory has attached
    await moved(ds, name, None)
    await ds.refresh_schemas(force=True)


async def rename(ds: Datasette, name: str, new_name: str) -> None:
    path, read_only = ds.databases[name].path, not ds.databases[name].is_mutable
    ds.remove_database(name)
    await add(ds, (new_name, path), read_only=read_only)
    await moved(ds, name, new_name)


async def moved(ds: Datasette, name: str, new_name: str | None) -> None:
    """Tell the features (hookspecs.library_database_moved)."""
    for result in pm.hook.library_database_moved(datasette=ds, name=name, new_name=new_name):
        await await_me_maybe(result)


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
