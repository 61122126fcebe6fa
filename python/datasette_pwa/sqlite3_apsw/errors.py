"""The DB-API exception classes, APSW's exceptions translated into them, and the wrappers that give callbacks
(functions, aggregates, the authorizer, the progress handler) the `sqlite3` module's behaviour when they raise."""

import functools
import re
import traceback

import apsw

# The DB-API's classes, named as sqlite3 names them (its tracebacks and reprs show "sqlite3.OperationalError").
Warning = type("Warning", (Exception,), {"__module__": "sqlite3"})
Error = type("Error", (Exception,), {"__module__": "sqlite3"})
InterfaceError = type("InterfaceError", (Error,), {"__module__": "sqlite3"})
DatabaseError = type("DatabaseError", (Error,), {"__module__": "sqlite3"})
DataError = type("DataError", (DatabaseError,), {"__module__": "sqlite3"})
OperationalError = type("OperationalError", (DatabaseError,), {"__module__": "sqlite3"})
IntegrityError = type("IntegrityError", (DatabaseError,), {"__module__": "sqlite3"})
InternalError = type("InternalError", (DatabaseError,), {"__module__": "sqlite3"})
ProgrammingError = type("ProgrammingError", (DatabaseError,), {"__module__": "sqlite3"})
NotSupportedError = type("NotSupportedError", (DatabaseError,), {"__module__": "sqlite3"})


class CallbackFailed(Exception):
    """Raised by a wrapped user function that raised: the statement then fails with this message, as in sqlite3."""


# The class CPython's Modules/_sqlite/util.c raises for each primary result code; any other code is a DatabaseError.
OPERATIONAL = ["ERROR", "PERM", "ABORT", "BUSY", "LOCKED", "READONLY", "INTERRUPT", "IOERR", "FULL", "CANTOPEN"]
OPERATIONAL += ["PROTOCOL", "EMPTY", "SCHEMA"]
CLASSES = {
    **{getattr(apsw, f"SQLITE_{name}"): OperationalError for name in OPERATIONAL},
    apsw.SQLITE_INTERNAL: InternalError,
    apsw.SQLITE_NOTFOUND: InternalError,
    apsw.SQLITE_CORRUPT: DatabaseError,
    apsw.SQLITE_TOOBIG: DataError,
    apsw.SQLITE_CONSTRAINT: IntegrityError,
    apsw.SQLITE_MISMATCH: IntegrityError,
    apsw.SQLITE_MISUSE: InterfaceError,
    apsw.SQLITE_RANGE: InterfaceError,
}

# Exceptions that APSW raises for the caller's mistakes rather than SQLite's answers, with sqlite3's words.
MISUSE = {
    apsw.ConnectionClosedError: "Cannot operate on a closed database.",
    apsw.CursorClosedError: "Cannot operate on a closed cursor.",
}

# APSW's words for a binding's faults, and sqlite3's: (pattern, sqlite3's message made from the pattern's match).
BINDINGS = [
    (
        re.compile(r"Incorrect number of bindings supplied.  The current statement uses (\d+) and there are (\d+)"),
        lambda m: f"Incorrect number of bindings supplied. The current statement uses {m[1]}, and there are {m[2]} supplied.",
    ),
    (
        re.compile(r"Bad binding argument type supplied - argument #(\d+): type (.*)"),
        lambda m: f"Error binding parameter {m[1]}: type '{m[2]}' is not supported",
    ),
    (
        re.compile(r"Binding (\d+) has no name, but you supplied a dict"),
        lambda m: f"Binding {int(m[1]) + 1} has no name, but you supplied a dictionary (which has only names).",
    ),
    (re.compile(r"You must supply a dict or a sequence"), lambda m: "parameters are of unsupported type"),
]

tracebacks = False


def enable_callback_tracebacks(flag: bool) -> None:
    """Print the traceback of a callback that raised (sqlite3 prints them only when asked, as here)."""
    global tracebacks
    tracebacks = bool(flag)


def translate(exc: BaseException) -> BaseException:
    """The exception sqlite3 would raise where APSW raised `exc`."""
    if isinstance(exc, CallbackFailed):
        return OperationalError(str(exc))
    for kind, message in MISUSE.items():
        if isinstance(exc, kind):
            return ProgrammingError(message)
    if isinstance(exc, KeyError):  # a named parameter missing from the dict
        return ProgrammingError(f"You did not supply a value for binding parameter :{exc.args[0]}.")
    if isinstance(exc, (apsw.BindingsError, TypeError)):
        return ProgrammingError(bindings_message(str(exc)))
    if isinstance(exc, OverflowError):
        return OverflowError("Python int too large to convert to SQLite INTEGER")
    if isinstance(exc, UnicodeDecodeError):
        return OperationalError(f"Could not decode to UTF-8: {exc}")
    code = getattr(exc, "extendedresult", None)
    if not isinstance(exc, apsw.Error) or code is None:
        return exc
    if code & 0xFF == apsw.SQLITE_NOMEM:
        return MemoryError()
    error = CLASSES.get(code & 0xFF, DatabaseError)(str(exc))
    error.sqlite_errorcode = code
    error.sqlite_errorname = apsw.mapping_extended_result_codes.get(code) or apsw.mapping_result_codes.get(code)
    return error


def bindings_message(message: str) -> str:
    for pattern, words in BINDINGS:
        if match := pattern.match(message):
            return words(match)
    return message


def report() -> None:
    """Called in a callback's `except`: sqlite3 swallows the exception, printing it only if tracebacks are on."""
    if tracebacks:
        traceback.print_exc()


def scalar(func):
    """`func` as an APSW scalar function that fails the statement as sqlite3 does when `func` raises."""

    @functools.wraps(func)
    def call(*args):
        try:
            return func(*args)
        except Exception:
            report()
            raise CallbackFailed("user-defined function raised exception") from None

    return call


def aggregate(make):
    """An APSW aggregate factory for a sqlite3 aggregate class (`step()` and `finalize()` methods)."""

    def factory():
        try:
            instance = make()
        except Exception:
            report()
            raise CallbackFailed("user-defined aggregate's '__init__' method raised error") from None
        return instance, step, finalize

    return factory


def step(instance, *args) -> None:
    try:
        instance.step(*args)
    except Exception:
        report()
        raise CallbackFailed("user-defined aggregate's 'step' method raised error") from None


def finalize(instance):
    try:
        return instance.finalize()
    except Exception:
        report()
        raise CallbackFailed("user-defined aggregate's 'finalize' method raised error") from None


def authorizer(callback):
    """`callback` as APSW's authorizer: one that raises or answers with anything but an int denies, as in sqlite3."""

    def authorize(*args) -> int:
        try:
            answer = callback(*args)
        except Exception:
            report()
            return apsw.SQLITE_DENY
        return int(answer) if isinstance(answer, int) else apsw.SQLITE_DENY

    return authorize


def progress(handler):
    """`handler` as APSW's progress handler: a true answer, or an exception, interrupts the statement."""

    def check() -> bool:
        try:
            return bool(handler())
        except Exception:
            report()
            return True

    return check
