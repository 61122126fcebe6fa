"""The connection: an APSW connection with the `sqlite3` module's transactions (legacy mode: isolation_level,
commit, rollback, `with conn:`) and its callbacks' behaviour."""

import importlib.machinery
import importlib.util
import os
import re

import apsw

from . import errors
from .cursor import Cursor
from .errors import NotSupportedError, ProgrammingError, translate

LEVELS = ("", "DEFERRED", "IMMEDIATE", "EXCLUSIVE")
IDLE_CURSORS = 8
# A named in-memory database that a process's connections share (sqlite-utils' `memory_name`, Datasette's
# add_memory_database): APSW's SQLite is built without shared cache, so SQLite's memdb VFS shares it instead.
SHARED_MEMORY = re.compile(r"file:([^?]*)\?(.*)")


class Connection:
    __module__ = "sqlite3"

    def __init__(
        self,
        database,
        timeout: float = 5.0,
        detect_types: int = 0,
        isolation_level: str | None = "",
        check_same_thread: bool = True,  # accepted and ignored: APSW serializes its connections' use
        cached_statements: int = 128,
        uri: bool = False,
    ):
        if detect_types:
            raise NotSupportedError("detect_types is not supported")
        flags = apsw.SQLITE_OPEN_READWRITE | apsw.SQLITE_OPEN_CREATE | (apsw.SQLITE_OPEN_URI if uri else 0)
        try:
            name = shared_memory(os.fsdecode(database)) if uri else os.fsdecode(database)
            self._db = apsw.Connection(name, flags=flags, statementcachesize=cached_statements)
        except apsw.Error as exc:
            raise translate(exc) from None
        self._db.set_busy_timeout(int(timeout * 1000))
        # APSW cursors to reuse, as freeing one costs APSW some 9 µs (ten times a short statement); one for _run.
        self._idle = []
        self._own = self._db.cursor()
        self._closed = False
        self._isolation_level = level(isolation_level)
        self.row_factory = None
        self.text_factory = str

    @property
    def isolation_level(self) -> str | None:
        return self._isolation_level

    @isolation_level.setter
    def isolation_level(self, value: str | None) -> None:
        self._isolation_level = level(value)
        if value is None:
            self.commit()  # sqlite3 commits what is pending when it leaves transactions to the caller

    @property
    def in_transaction(self) -> bool:
        self._check()
        return self._db.in_transaction

    @property
    def total_changes(self) -> int:
        self._check()
        return self._db.total_changes()

    def cursor(self, factory=Cursor) -> Cursor:
        self._check()
        return factory(self)

    def execute(self, sql: str, parameters=()) -> Cursor:
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql: str, parameters) -> Cursor:
        return self.cursor().executemany(sql, parameters)

    def executescript(self, sql_script: str) -> Cursor:
        return self.cursor().executescript(sql_script)

    def commit(self) -> None:
        if self.in_transaction:
            self._run("COMMIT")

    def rollback(self) -> None:
        if self.in_transaction:
            self._run("ROLLBACK")

    def close(self) -> None:
        self._db.close()
        self._closed = True

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_value, traceback) -> bool:
        """Commits if the block succeeded, else rolls back; a failed commit is rolled back too, as in sqlite3."""
        if exc_type is not None:
            self.rollback()
            return False
        try:
            self.commit()
        except BaseException:
            self.rollback()
            raise
        return False

    def create_function(self, name: str, narg: int, func, *, deterministic: bool = False) -> None:
        self._check()
        self._db.create_scalar_function(name, errors.scalar(func), narg, deterministic=deterministic)

    def create_aggregate(self, name: str, n_arg: int, aggregate_class) -> None:
        self._check()
        self._db.create_aggregate_function(name, errors.aggregate(aggregate_class), n_arg)

    def set_authorizer(self, authorizer_callback) -> None:
        self._check()
        self._db.set_authorizer(authorizer_callback and errors.authorizer(authorizer_callback))

    def set_progress_handler(self, progress_handler, n: int) -> None:
        self._check()
        self._db.set_progress_handler(progress_handler and errors.progress(progress_handler), n)

    def setlimit(self, category: int, limit: int) -> int:
        return self._limit(category, limit)

    def getlimit(self, category: int) -> int:
        return self._limit(category, -1)

    def _limit(self, category: int, limit: int) -> int:
        self._check()
        old = self._db.limit(category, limit)
        if old < 0:
            raise ProgrammingError("'category' is out of bounds")
        return old

    def enable_load_extension(self, enabled: bool) -> None:
        self._check()
        self._db.enable_load_extension(enabled)

    def load_extension(self, path: str, *, entrypoint: str | None = None) -> None:
        self._check()
        try:
            self._db.load_extension(path, entrypoint)
        except apsw.Error as exc:
            raise translate(exc) from None

    def iterdump(self):
        """The standard library's own dump code (sqlite3/dump.py, for sqlite-utils' `dump`), which reads through any
        DB-API connection: found on sys.path beside the standard module, in a directory or a zip (Pyodide's)."""
        package = importlib.machinery.PathFinder.find_spec("sqlite3")
        spec = importlib.machinery.PathFinder.find_spec("sqlite3.dump", package.submodule_search_locations)
        dump = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(dump)
        return dump._iterdump(self)

    def _take(self) -> apsw.Cursor:
        return self._idle.pop() if self._idle else self._db.cursor()

    def _give(self, cursor: apsw.Cursor) -> None:
        """Takes back a cursor of a Cursor that is closed or gone, its statement reset (which ends its reading)."""
        if not self._closed and len(self._idle) < IDLE_CURSORS:
            cursor.execute("")
            self._idle.append(cursor)

    def _run(self, sql: str, drain: bool = False) -> None:
        """Runs SQL of the module's own (BEGIN, COMMIT, ROLLBACK) or a script, reading any rows it gives."""
        self._check()
        try:
            rows = self._own.execute(sql)
            if drain:
                for _ in rows:
                    pass
        except (apsw.Error, errors.CallbackFailed) as exc:
            raise translate(exc) from None

    def _check(self) -> None:
        if self._closed:
            raise ProgrammingError("Cannot operate on a closed database.")


def level(value: str | None) -> str | None:
    """An isolation level as sqlite3 keeps it: None, or one of LEVELS whatever its case."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError("isolation_level must be str or None")
    if value.upper() not in LEVELS:
        raise ValueError("isolation_level string must be '', 'DEFERRED', 'IMMEDIATE', or 'EXCLUSIVE'")
    return value.upper()


def shared_memory(uri: str) -> str:
    """`file:NAME?mode=memory&cache=shared` as the memdb database `file:/NAME?vfs=memdb` (memdb shares the names
    that start with "/"); other URIs as they are."""
    match = SHARED_MEMORY.fullmatch(uri)
    params = match[2].split("&") if match else []
    if "mode=memory" not in params or "cache=shared" not in params:
        return uri
    rest = [param for param in params if param not in ("mode=memory", "cache=shared")]
    return f"file:/{match[1].lstrip('/')}?" + "&".join(["vfs=memdb", *rest])
