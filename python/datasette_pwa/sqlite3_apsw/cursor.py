"""The cursor, with the `sqlite3` module's statement rules over an APSW cursor (one statement per execute, the
implicit BEGIN, rowcount, lastrowid, description, text_factory), and Row."""

import functools
import itertools
import re
import sys
import threading

import apsw

from .errors import CallbackFailed, OperationalError, ProgrammingError, translate
from .raw import raw_rows

# What sqlite3 skips before a statement's first word and after its end (CPython's lstrip_sql): its five whitespace
# characters and comments, an unterminated one running to the end.
SKIP = re.compile(r"(?:[ \t\f\n\r]+|--[^\n]*(?:\n|\Z)|/\*.*?(?:\*/|\Z))*", re.DOTALL)
DML = ("insert", "update", "delete", "replace")
# What APSW raises for a statement, its bindings or its rows, all translated to sqlite3's classes.
FAILURES = (apsw.Error, CallbackFailed, KeyError, TypeError, OverflowError, UnicodeDecodeError)


@functools.lru_cache(maxsize=512)  # a program runs the same few statements again and again
def is_dml(sql: str) -> bool:
    """Whether sqlite3 begins a transaction before this statement: by its first word, so not before DDL or WITH."""
    start = SKIP.match(sql).end()
    return sql[start : start + 7].lower().startswith(DML)


def more_than_one(sql: str, statement: str) -> bool:
    """Whether sqlite3 would find a second statement in `sql`, whose first one APSW prepared as `statement`.
    APSW's statement also takes the semicolons after it; sqlite3's takes one, and finds a second one a statement."""
    rest = sql[len(statement) :]
    if rest and SKIP.match(rest).end() < len(rest):
        return True
    return statement[len(statement.rstrip(" \t\f\n\r;")) :].count(";") > 1


def take(rows, size: int | None) -> list:
    return list(rows) if size is None else list(itertools.islice(rows, size))


def describe(columns: tuple) -> tuple | None:
    """sqlite3's description of APSW's: seven items a column, the name and six Nones; None for no column."""
    return tuple((c[0], None, None, None, None, None, None) for c in columns) or None


def texts(row: tuple, factory) -> tuple:
    """The row with each text given to `factory` as UTF-8 bytes, as sqlite3 does for a text_factory but `str`."""
    if factory is bytes:
        return tuple([v.encode() if type(v) is str else v for v in row])  # a list first: twice as fast
    return tuple([factory(v.encode()) if type(v) is str else v for v in row])


class Cursor:
    __module__ = "sqlite3"

    def __init__(self, connection):
        self._closed = True  # until it has its APSW cursor, for __del__
        self.connection = connection
        self.arraysize = 1
        self.row_factory = connection.row_factory
        self.description = None
        self.lastrowid = None
        self.rowcount = -1
        self._cursor = connection._take()
        self._thread = threading.get_ident()  # where its APSW cursor may go back to the connection
        self._rows = None  # the APSW cursor while its statement may have rows left
        self._sql = ""
        self._statement = ""  # the statement as APSW prepared it, and its parameters: to run it again in raw.py
        self._parameters = ()
        self._read = 0  # rows read so far, and whether they come from raw.py
        self._raw = False
        self._traced = False  # whether the trace saw this run's statement (APSW traces a comment after it too)
        self._many = False
        self._dml = False
        self._keys = None  # (description, {lowercased name: index}) for Row, made when first needed
        self._closed = False

    def execute(self, sql: str, parameters=()):
        self._start(sql, many=False)
        try:
            self._step(parameters)
        finally:
            self._cursor.exec_trace = None
        self.lastrowid = self.connection._db.last_insert_rowid()
        return self

    def executemany(self, sql: str, seq_of_parameters):
        self._start(sql, many=True)
        try:
            for parameters in seq_of_parameters:
                self._step(parameters)
                self._rows = None  # sqlite3 keeps no rows of executemany, not even RETURNING's
        finally:
            self._cursor.exec_trace = None
        return self

    def executescript(self, sql_script: str):
        """Commits first, then runs every statement of the script as it stands, with no implicit BEGIN."""
        self._check()
        if self.connection.in_transaction:
            self.connection._run("COMMIT")
        self.connection._run(sql_script, drain=True)
        return self

    def _start(self, sql: str, many: bool) -> None:
        """Resets the cursor for a new statement; the trace checks it once SQLite has prepared it."""
        self._check()
        if not isinstance(sql, str):
            raise TypeError(f"execute() argument 1 must be str, not {type(sql).__name__}")
        self._sql, self._many, self._dml = sql, many, is_dml(sql)
        self._rows = self.description = self._keys = None
        self._read, self._raw = 0, False
        self.rowcount = 0 if self._dml else -1
        self._cursor.exec_trace = self._prepared

    def _step(self, parameters) -> None:
        """Runs the statement to its first row, or to its end (sqlite3 does the same)."""
        self._traced = False
        self._parameters = parameters
        try:
            rows = self._cursor.execute(self._sql, parameters)
        except FAILURES as exc:
            self.rowcount = -1
            raise translate(exc) from None
        except BaseException:
            self.rowcount = -1
            raise
        if self.description:
            try:  # SQLite re-prepares a statement the schema changed under as it runs: its columns are known now
                self.description = describe(rows.description)
                self._rows = rows
            except apsw.ExecutionCompleteError:  # no row: the columns are those it was prepared with
                self._rows = None
        if self._dml and self._rows is None:  # a RETURNING statement counts its changes once its rows are read
            self.rowcount += self.connection._db.changes()

    def _prepared(self, cursor, statement: str, bindings) -> bool:
        """APSW's exec trace, called once the statement is prepared, before it runs: one statement only, the
        description, and the implicit BEGIN before a data change."""
        if self._traced:
            return True
        self._traced = True
        self._statement = statement
        if more_than_one(self._sql, statement):
            raise ProgrammingError("You can only execute one statement at a time.")
        if self._many and cursor.is_readonly:
            raise ProgrammingError("executemany() can only execute DML statements.")
        # APSW keeps the first answer of each: get_description() here, `description` once it has run.
        self.description = describe(cursor.get_description())
        connection = self.connection
        if self._dml and connection._isolation_level is not None and not connection._db.in_transaction:
            connection._run(f"BEGIN {connection._isolation_level}")
        return True

    def __iter__(self):
        return self

    def __next__(self):
        rows = self._fetch(1)
        if not rows:
            raise StopIteration
        return rows[0]

    def fetchone(self):
        rows = self._fetch(1)
        return rows[0] if rows else None

    def fetchmany(self, size: int | None = None) -> list:
        size = self.arraysize if size is None else size
        if size > 0:
            return self._fetch(size)
        if sys.version_info < (3, 14):  # sqlite3 of Python 3.11 gives all the rows for 0 or less
            return self._fetch(None)
        if size < 0:  # that of Python 3.14 (Pyodide's) none for 0, and refuses less
            raise ValueError("Cannot convert negative int")
        return []

    def fetchall(self) -> list:
        return self._fetch(None)

    def _fetch(self, size: int | None) -> list:
        """Up to `size` rows (all if None), read by APSW in one call, as text_factory and row_factory make them."""
        self._check()
        if self._rows is None:
            return []
        try:
            rows = self._next_rows(size)
        except FAILURES as exc:
            self._rows = None
            raise translate(exc) from None
        self._read += len(rows)
        if size is None or len(rows) < size:
            self._rows = None
            if self._dml:  # as sqlite3, count a RETURNING statement's changes once its last row is read
                self.rowcount = self.connection._db.changes()
        factory = self.connection.text_factory
        if factory is not str and not self._raw:
            rows = [texts(row, factory) for row in rows]
        if self.row_factory is not None:
            rows = [self.row_factory(self, row) for row in rows]
        return rows

    def _next_rows(self, size: int | None) -> list:
        """Up to `size` rows from APSW; for a text that is not UTF-8, from the statement run again by raw.py."""
        try:
            return take(self._rows, size)
        except UnicodeDecodeError:
            factory = self.connection.text_factory
            if factory is str or self._dml:  # sqlite3 too fails to decode, and a change must not run again
                raise
        columns = len(self.description)
        try:
            self._rows = raw_rows(self._cursor, self._statement, self._parameters, columns, self._read, factory)
        except apsw.Error:
            raise OperationalError("Could not decode to UTF-8 a text of the statement's rows") from None
        self._raw = True
        return take(self._rows, size)

    def close(self) -> None:
        self.connection._check()
        if not self._closed:
            self._rows = None
            self._closed = True
            self._give_back()

    def __del__(self):
        if not self._closed:
            self._give_back()

    def _give_back(self) -> None:
        """Its APSW cursor back to the connection, to reuse, when done in its own thread: reset from another
        thread, it would make the connection busy there (APSW then refuses the owner's next call). Elsewhere,
        APSW frees it."""
        if threading.get_ident() == self._thread:
            self.connection._give(self._cursor)

    def _check(self) -> None:
        if self._closed:
            raise ProgrammingError("Cannot operate on a closed cursor.")
        self.connection._check()

    def _index(self) -> tuple:
        """The description and its names for Row, each name lowercased to its first column (sqlite3's lookup)."""
        if self._keys is None or self._keys[0] is not self.description:
            index = {}
            for i, d in enumerate(self.description or ()):
                index.setdefault(d[0].lower(), i)
            self._keys = (self.description, index)
        return self._keys


class Row:
    """A row whose values are also found by column name, case-insensitively, as sqlite3.Row."""

    __module__ = "sqlite3"
    __slots__ = ("_description", "_index", "_values")

    def __init__(self, cursor: Cursor, data: tuple):
        if not isinstance(data, tuple):
            raise TypeError(f"Row() argument 2 must be tuple, not {type(data).__name__}")
        self._description, self._index = cursor._index()
        self._values = data

    def __getitem__(self, key):
        if isinstance(key, str):
            try:
                key = self._index[key.lower()]
            except KeyError:
                raise IndexError("No item with that key") from None
        return self._values[key]

    def __len__(self) -> int:
        return len(self._values)

    def __iter__(self):
        return iter(self._values)

    def keys(self) -> list[str]:
        return [d[0] for d in self._description or ()]

    def __eq__(self, other):
        if not isinstance(other, Row):
            return NotImplemented
        return self._description == other._description and self._values == other._values

    def __hash__(self) -> int:
        return hash(self._description) ^ hash(self._values)
