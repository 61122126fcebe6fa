"""The module's namespace, as `sqlite3` (and `sqlite3.dbapi2`) shows it; __init__.py says what it holds and why."""

import sys

import apsw

from .connection import Connection
from .cursor import Cursor, Row
from .errors import (
    DatabaseError,
    DataError,
    Error,
    IntegrityError,
    InterfaceError,
    InternalError,
    NotSupportedError,
    OperationalError,
    ProgrammingError,
    Warning,
    enable_callback_tracebacks,
)

__all__ = [
    "Connection",
    "Cursor",
    "DataError",
    "DatabaseError",
    "Error",
    "IntegrityError",
    "InterfaceError",
    "InternalError",
    "NotSupportedError",
    "OperationalError",
    "ProgrammingError",
    "Row",
    "Warning",
    "complete_statement",
    "connect",
    "enable_callback_tracebacks",
    "sqlite_version",
    "sqlite_version_info",
]

# The authorizer's actions and answers, the limits' categories and the result codes, under sqlite3's names.
globals().update({name: value for name, value in vars(apsw).items() if name.startswith("SQLITE_")})

sqlite_version = apsw.sqlite_lib_version()
sqlite_version_info = tuple(int(part) for part in sqlite_version.split("."))
complete_statement = apsw.complete
dbapi2 = sys.modules[__name__]


def connect(database, *args, factory=None, **kwargs) -> Connection:
    return (factory or Connection)(database, *args, **kwargs)
