"""Each database of the library stands alone: one that SQLite cannot read (a corrupt schema, a virtual table whose
module this SQLite lacks, a file opened in place that changed on disk) is set aside with the reason, and the start,
the other databases and every library action go on.

Datasette refreshes its catalog of every database in one loop (Datasette._refresh_schemas, at most once a second as
pages are drawn, and whenever the library adds one), and the first database that fails it makes the whole refresh
raise: before this, one such file made every start fail, and every later request with it. AppDatasette's refresh
finds the database that fails, sets it aside (Datasette no longer serves it; the library lists it as "Can't be
opened" with the reason, and offers Check, Download and Remove), and refreshes the rest.
"""

import sqlite3

from datasette.app import Datasette
from datasette.utils.internal_db import populate_schema_tables


class AppDatasette(Datasette):
    """Datasette whose catalog refresh survives a database it cannot read."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_aside: dict[str, str] = {}  # name -> why it cannot be opened, in words

    async def _refresh_schemas(self):
        try:
            await super()._refresh_schemas()
        except Exception:  # noqa: BLE001 - any error of any database; the refresh below raises what is not theirs
            for name in [n for n in self.databases if n != "_memory"]:
                await self.refresh_one(name)
            await super()._refresh_schemas()

    async def refresh_one(self, name: str) -> str | None:
        """Read one database into the catalog, as the refresh does; if it fails, set it aside. Why it failed, or None."""
        db = self.databases[name]
        try:
            version = (await db.execute("PRAGMA schema_version")).first()[0]
            await populate_schema_tables(self.get_internal_database(), db, version)
        except Exception as error:  # noqa: BLE001 - SQLite's errors, and a file that cannot be read (OSError)
            reason = in_words(error)
            self.remove_database(name)  # closes its connections, so the worker can close its file
            self.set_aside[name] = reason
            return reason
        return None


def in_words(error: Exception) -> str:
    """Why a database cannot be opened, for the sidebar: SQLite's own words, without a Python traceback."""
    text = " ".join(str(error).split()) or type(error).__name__
    if isinstance(error, sqlite3.DatabaseError) and "malformed" in text:
        return f"its schema is damaged (SQLite says “{text}”)"
    if "no such module" in text:
        return f"it uses a virtual table this SQLite does not have ({text})"
    if isinstance(error, OSError) or "disk I/O" in text:
        return f"its file cannot be read: it may have been changed, moved or deleted ({text})"
    return f"SQLite cannot read it ({text})"


def check_file(path: str) -> list[str]:
    """SQLite's integrity check of a database file Datasette does not serve: ["ok"], or what is wrong."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return [row[0] for row in conn.execute("PRAGMA integrity_check")]
        finally:
            conn.close()
    except sqlite3.Error as error:
        return [in_words(error)]


def copy_file(source: str, target: str) -> None:
    """The file's bytes as they are, for a Download of a database that cannot be opened (VACUUM would need to read it)."""
    with open(source, "rb") as reading, open(target, "wb") as writing:
        while chunk := reading.read(1 << 20):
            writing.write(chunk)
