"""A `sqlite3` module over APSW, so that Datasette, sqlite-utils and this app run on APSW's SQLite (3.54) where the
interpreter's own is old: Pyodide links its `sqlite3` to SQLite 3.39 (2022), and a schema that uses newer SQL
(`string_agg ... order by`, `jsonb`, `concat`, ...) fails there or cannot be read at all (issue 27).

`install()` puts it in `sys.modules["sqlite3"]`; it must run before anything imports `sqlite3`.

It implements what those packages use (found by grepping them), with the standard module's semantics in its legacy
transaction mode (the default up to Python 3.14): `connect()` (file names, URIs, `mode=ro`, `immutable=1`, `timeout`,
`isolation_level`, `cached_statements`), the implicit BEGIN before INSERT/UPDATE/DELETE/REPLACE, `commit()`,
`rollback()`, `with conn:`, `in_transaction`, `total_changes`; cursors (`execute`, `executemany`, `executescript`,
`fetchone`/`fetchmany`/`fetchall`, iteration, `description`, `rowcount`, `lastrowid`, `arraysize`, `close`); `Row`,
`row_factory`, `text_factory`; `create_function`, `create_aggregate`, `set_authorizer`, `set_progress_handler`
(callbacks that raise deny or interrupt, as in `sqlite3`), `setlimit`/`getlimit`, `enable_load_extension`/
`load_extension`, `iterdump` (the standard library's own dump code, where it is installed); the exception classes,
mapped from SQLite's result codes as `sqlite3` maps them; `complete_statement`, `sqlite_version(_info)`,
`enable_callback_tracebacks` and the `SQLITE_*` constants.

Left out, because none of them uses it: `detect_types` and converters, adapters (`register_adapter`), the
`autocommit` attribute of Python 3.12+, `check_same_thread` (accepted and ignored: APSW connections may be used from
any thread), `backup`, `interrupt`, `blobopen`, `serialize`, window functions, collations, trace callbacks. Small
differences remain: a callback's traceback, when asked for, is printed (sqlite3 hands it to sys.unraisablehook); a
cached statement that the schema changed under and that returns no row describes the columns it was prepared with
(APSW gives no description once a statement is done); a connection used by two threads at the same moment raises
apsw.ThreadingViolationError in the second (sqlite3 makes it wait; Datasette gives each thread its own).

Where APSW differs underneath, the module makes up for it: APSW runs every statement of a string (sqlite3 refuses a
second one), begins no transaction of its own, decodes every text before giving a row (raw.py reads text that is
not UTF-8 for a text_factory, as sqlite3 does), and its SQLite has no shared cache (a named in-memory database with
`cache=shared` opens on SQLite's memdb VFS instead, shared as before).
"""

import sys

# Why install() left the standard module in place (About says it), or None.
not_installed: str | None = None


def install() -> bool:
    """Make `import sqlite3` give this module; False, with nothing changed, if APSW cannot be imported."""
    global not_installed
    try:
        from . import dbapi2
    except ImportError as error:
        not_installed = f"APSW could not be loaded: {error}"
        return False
    sys.modules["sqlite3"] = dbapi2
    sys.modules["sqlite3.dbapi2"] = dbapi2  # sqlite-utils does `from sqlite3 import dbapi2`
    return True
