"""What SQL brought by the user (a `.sql` file, execute-write, a stored write query) may do: change its own
database, within a time limit, and leave it readable.

SQLite asks the authorizer about each action of a statement as the statement is prepared (its shape, never its
data). Refused, so that no script reaches another database or damages its own:
- ATTACH and DETACH. VACUUM and VACUUM INTO attach a database of their own, so they are refused with them. (A script
  that attached the library's internal database found another database's file in Datasette's catalog, attached it
  and emptied a table of 886,323 rows.)
- Every PRAGMA but those that read the schema. `journal_mode=OFF` then a failing statement left a malformed
  database; `writable_schema=ON` let a script rewrite the schema.
- load_extension() and fts3_tokenizer(), which reach native code.
- TEMP triggers and views: made on Datasette's one write connection, they would outlive the request and act on
  later writes, unseen. (TEMP tables and indexes are scratch space, and allowed.)
- BEGIN, COMMIT, ROLLBACK: the caller owns the one transaction, so that a failure undoes the whole script.

Before the caller commits, schema_problem() says whether the database would still open in Datasette.
"""

import contextlib
import sqlite3
import time

# PRAGMAs that read the schema or a database's header, with or without an argument (a table's name, a row limit).
READ_PRAGMAS = {
    "table_info",
    "table_xinfo",
    "table_list",
    "index_list",
    "index_info",
    "index_xinfo",
    "foreign_key_list",
    "foreign_key_check",
    "collation_list",
    "function_list",
    "module_list",
    "pragma_list",
    "compile_options",
    "database_list",
    "quick_check",
    "integrity_check",
}
# PRAGMAs whose value may be read but not set (FTS5 reads data_version as it works).
READ_ONLY_VALUES = {
    "data_version",
    "schema_version",
    "user_version",
    "application_id",
    "page_size",
    "page_count",
    "freelist_count",
    "encoding",
    "foreign_keys",
    "journal_mode",
    "cache_size",
}
NATIVE_FUNCTIONS = {"load_extension", "fts3_tokenizer"}
# A dump's PRAGMAs that the restore does itself or that do nothing inside its transaction: ignored there, not refused.
RESTORE_IGNORES = {"foreign_keys", "writable_schema"}
# SQLite calls the progress handler every this many virtual machine instructions: about 0.1 ms (Datasette's choice).
PROGRESS_STEPS = 1000
# How long one statement of bulk work may run: a restore's CREATE INDEX over millions of rows, an import. Settings
# shows it beside the SQL time limit, which the owner's own queries and writes get.
BULK_TIME_LIMIT_MS = 5 * 60_000
# The longest string or blob a user's statement may make. SQLite's default, 1 GB, is checked only once a value is
# made: printf('%.*c', 1500000000, 'x') took 9.5 s and 1.5 GB of memory before it failed (natively), and wasm memory
# ends at 4 GB. Under this limit SQLite stops building the value as it reaches it.
MAX_VALUE_BYTES = 256 << 20


class Refused(sqlite3.DatabaseError):
    """SQL that may not run here, in words for the user."""


def refusal(action: int, arg1, arg2) -> str | None:
    """Why a user's statement may not do action (SQLite's authorizer codes and arguments); None when it may."""
    if action in (sqlite3.SQLITE_ATTACH, sqlite3.SQLITE_DETACH):
        return "ATTACH, DETACH and VACUUM cannot run here: a script changes only its own database"
    if action == sqlite3.SQLITE_PRAGMA:
        name = (arg1 or "").lower()
        if name in READ_PRAGMAS or (arg2 is None and name in READ_ONLY_VALUES):
            return None
        return (
            f"PRAGMA {name}{'' if arg2 is None else '=' + str(arg2)} cannot run here: only PRAGMAs that read the schema"
        )
    if action == sqlite3.SQLITE_FUNCTION and (arg2 or "").lower() in NATIVE_FUNCTIONS:
        return f"{arg2}() cannot run here"
    if action in (sqlite3.SQLITE_CREATE_TEMP_TRIGGER, sqlite3.SQLITE_CREATE_TEMP_VIEW):
        return "TEMP triggers and views cannot be made here: they would act on later writes, unseen"
    if action == sqlite3.SQLITE_TRANSACTION:
        return f"a {arg1} cannot run here, as the whole script is one transaction"
    return None


class Guard:
    """The user's SQL on conn, under the authorizer and a time limit per statement; used as a context manager.

    restoring: a dump's `BEGIN TRANSACTION`, `COMMIT` and its foreign_keys and writable_schema PRAGMAs do nothing
    (restore.py owns the transaction, and writes a virtual table's schema row itself).
    """

    def __init__(self, conn: sqlite3.Connection, time_limit_ms: int | None, restoring: bool = False):
        self.conn, self.restoring = conn, restoring
        self.deadline = Deadline(time_limit_ms)
        self.refused: list[str] = []
        self.actions: set[int] = set()  # what the statement being prepared does, but for what was ignored

    def __enter__(self):
        self.conn.set_authorizer(self.authorize)
        self.conn.set_progress_handler(self.deadline.passed, PROGRESS_STEPS)
        self.max_length = self.conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
        return self

    def __exit__(self, *_):
        self.conn.set_authorizer(None)
        self.conn.set_progress_handler(None, PROGRESS_STEPS)
        self.conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, self.max_length)

    def authorize(self, action, arg1, arg2, *_):
        if self.restoring and action == sqlite3.SQLITE_TRANSACTION and arg1 != "ROLLBACK":
            return sqlite3.SQLITE_IGNORE
        if self.restoring and action == sqlite3.SQLITE_PRAGMA and (arg1 or "").lower() in RESTORE_IGNORES:
            return sqlite3.SQLITE_IGNORE
        why = refusal(action, arg1, arg2)
        if why:
            self.refused.append(why)
            return sqlite3.SQLITE_DENY
        self.actions.add(action)
        return sqlite3.SQLITE_OK

    def next_statement(self) -> None:
        """A new statement: its own time limit, and nothing of the last one's."""
        self.refused.clear()
        self.actions.clear()
        self.deadline.renew()

    def explained(self, error: sqlite3.Error) -> sqlite3.Error:
        """The error a statement failed with, in words: why it was refused, or that it ran out of time."""
        if self.refused and "not authorized" in str(error):
            return Refused(self.refused[-1])
        if str(error) == "interrupted":
            return sqlite3.OperationalError(f"it ran longer than the time limit of {self.deadline.ms / 1000:g} s")
        return error

    def vetted(self, conn: sqlite3.Connection) -> "Vetted":
        """conn as Datasette's SQL analysis may use it: whatever authorizer it sets, this guard's rules come first."""
        return Vetted(conn, self)

    @contextlib.contextmanager
    def trusted(self):
        """The app's own statements in the middle of the user's (a restore writing a schema row): not guarded."""
        self.__exit__()
        try:
            yield
        finally:
            self.__enter__()


class Vetted:
    """A connection whose authorizer asks a Guard first. Datasette's analysis of write SQL prepares each statement
    (EXPLAIN) under an authorizer that allows everything, and SQLite carries out some PRAGMAs as it prepares them:
    analysing `PRAGMA hard_heap_limit=1` on a GET of the execute-write page made every later allocation of the
    process fail (MemoryError, natively). Denied by the Guard, the PRAGMA is never carried out."""

    def __init__(self, conn: sqlite3.Connection, guard: Guard):
        self._conn, self._guard = conn, guard

    def set_authorizer(self, authorizer):
        def both(*args):
            return self._guard.authorize(*args) or (authorizer(*args) if authorizer else sqlite3.SQLITE_OK)

        self._conn.set_authorizer(both)

    def __getattr__(self, name):
        return getattr(self._conn, name)


class Deadline:
    """A statement's deadline, checked by SQLite's progress handler; renew() gives the next statement its own."""

    def __init__(self, ms: int | None):
        self.ms = ms
        self.renew()

    def renew(self) -> None:
        self.at = time.monotonic() + self.ms / 1000 if self.ms else None

    def passed(self) -> int:
        """1 (stop the statement) once the deadline has passed: SQLite's progress handler."""
        return int(self.at is not None and time.monotonic() > self.at)


@contextlib.contextmanager
def time_limit(conn: sqlite3.Connection, ms: int | None):
    """Interrupt conn's statements once ms have passed (None: never), as Datasette's sqlite_timelimit does; yields the
    Deadline, which work of many statements renews as it goes."""
    deadline = Deadline(ms)
    conn.set_progress_handler(deadline.passed, PROGRESS_STEPS)
    try:
        yield deadline
    finally:
        conn.set_progress_handler(None, PROGRESS_STEPS)


def schema_problem(conn: sqlite3.Connection) -> str | None:
    """Why Datasette could not read conn's database as it now stands (its schema, each table's columns, foreign keys
    and indexes: what its catalog refresh reads), or None. A script that drops an FTS table's shadow table leaves a
    schema that parses but a table that cannot be read: SQLite 3.39 fails on its columns, 3.54 only on its rows."""
    tables = "select name, sql like 'create virtual table%' from sqlite_master where type = 'table'"
    try:
        for table, virtual in conn.execute(tables).fetchall():
            for pragma in ("table_xinfo", "foreign_key_list", "index_list"):
                conn.execute(f"PRAGMA {pragma}({quote(table)})").fetchall()
            if virtual:
                conn.execute(f"select * from {quote(table)} limit 1").fetchall()
    except sqlite3.Error as error:
        return f"it would leave the database unreadable ({error})"
    return None


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
