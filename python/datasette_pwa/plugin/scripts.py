"""SQL scripts through execute-write: <db>/-/execute-write (the write SQL editor and its JSON API) takes several
statements, separated by ";", and runs them in one transaction. Datasette 1.0a41 takes one ("You can only execute one
statement at a time").

The library's databases are ScriptDatabase (library.py's LibraryDatabase), and Datasette's own view does the rest:
- analyze_sql analyses each statement in turn, as Datasette analyses one, and gives all of their operations, so that
  Datasette's own checks (each table's insert/update/delete permission, no VACUUM, no BEGIN or COMMIT, no ATTACH, the
  editor's table of what the SQL does) cover the whole script. A statement that changes the schema runs during the
  analysis, inside a transaction rolled back at its end, for the statements after it are prepared against the
  schema it makes (a CREATE TABLE, then INSERTs into that table).
- execute_write runs the statements in order in one write transaction, under the owner's SQL time limit. The first
  failure rolls all of them back, and the error names the statement (its number, its start) with SQLite's message.
One statement (a trailing comment or a lone ";" is none) goes to Datasette unchanged.

The JSON answer for several statements is Datasette's, where "rowcount" is the statements' changes added up (-1 if
none reports any), "rows" and "truncated" are the last statement's RETURNING rows, and "analysis" covers them all,
plus "rowcounts": each statement's row count in order (-1 where SQLite gives none, as for CREATE TABLE):
{"ok": true, "message": "Query executed, 5 rows affected", "rowcount": 5, "rows": [], "truncated": false,
 "analysis": [...], "rowcounts": [-1, 2, 3]}
"""

import contextlib
import json
import re
import sqlite3
from contextvars import ContextVar

from datasette import hookimpl
from datasette.database import EXECUTE_WRITE_RETURNING_LIMIT, Database, ExecuteWriteResult, QueryInterrupted
from datasette.utils import sqlite_timelimit
from datasette.utils.sql_analysis import SQLAnalysis, analyze_sql_tables
from datasette.views.execute_write import ExecuteWriteView

from ..importing import _opening, split_statements

# Whitespace, comments and ";" only: what split_statements gives after a script's last statement, or between two ";".
NOTHING = re.compile(r"(?:\s|;|--[^\n]*+(?:\n|\Z)|/\*.*?(?:\*/|\Z))*+\Z", re.DOTALL)
SCHEMA_CHANGES = {"create", "alter", "drop"}

# The row counts of the script that the execute-write request in this context ran: set by execute_write_page,
# filled in by ScriptDatabase.execute_write.
_rowcounts: ContextVar[list | None] = ContextVar("pwa_script_rowcounts", default=None)


def statements_of(sql: str) -> list[str]:
    """The statements of sql, each up to and including its ";", without the empty ones."""
    return [s for s in split_statements(sql.splitlines(keepends=True)) if not NOTHING.match(s)]


class ScriptFailed(sqlite3.DatabaseError):
    """A statement of a script failed; nothing of the script was kept. Datasette's view shows its message."""

    def __init__(self, number: int, statement: str, error: Exception):
        super().__init__(f"Statement {number} failed: {error}. It begins “{_opening(statement)}”. Nothing was changed.")


class ScriptDatabase(Database):
    """A database whose execute-write takes SQL scripts (see the module's docstring)."""

    async def analyze_sql(self, sql, params=None):
        statements = statements_of(sql)
        if len(statements) < 2:
            return await super().analyze_sql(sql, params)
        return await self.execute_isolated_fn(lambda conn: analyze_script(conn, statements, params, self.name))

    async def execute_write(self, sql, params=None, block=True, **kwargs):
        statements = statements_of(sql)
        if len(statements) < 2:
            return await super().execute_write(sql, params, block, **kwargs)
        time_limit_ms = kwargs.get("time_limit_ms", 2000)  # Datasette's default, as for one statement
        counts = []

        def run(conn):
            limit = sqlite_timelimit(conn, time_limit_ms) if time_limit_ms else contextlib.nullcontext()
            with limit:
                return run_script(conn, statements, params, counts, kwargs)

        result = await self.execute_write_fn(run, block=block, request=kwargs.get("request"))
        if (report := _rowcounts.get()) is not None:
            report[:] = counts
        return result


def analyze_script(conn, statements: list[str], params, database: str) -> SQLAnalysis:
    """Every statement's operations (Datasette's analyze_sql_tables), in order, each listed once."""
    conn.execute("PRAGMA journal_mode=TRUNCATE")  # as plugin/'s prepare_connection: the app's files cannot take WAL
    conn.execute("BEGIN")
    operations = {}
    try:
        for number, statement in enumerate(statements, start=1):
            try:
                analysis = analyze_sql_tables(conn, statement, params, database_name=database)
                changes_schema = any(op.operation in SCHEMA_CHANGES for op in analysis.operations)
                if changes_schema and number < len(statements):
                    conn.execute(statement, params or {})
            except sqlite3.Error as error:
                raise ScriptFailed(number, statement, error) from None
            operations.update(dict.fromkeys(analysis.operations))
    finally:
        conn.rollback()
    return SQLAnalysis(operations=tuple(operations))


def run_script(conn, statements: list[str], params, counts: list[int], options: dict) -> ExecuteWriteResult:
    """Run each statement in conn's transaction (Datasette's execute_write_fn commits it, or rolls it back when this
    raises), each one's row count into counts; the result is the last statement's, with all the changes counted."""
    result = None
    for number, statement in enumerate(statements, start=1):
        try:
            cursor = conn.execute(statement, params or {})
            if number < len(statements):
                cursor.fetchall()  # a RETURNING statement counts its rows as they are read
                counts.append(cursor.rowcount)
            else:
                result = ExecuteWriteResult.from_cursor(
                    cursor,
                    return_all=options.get("return_all", False),
                    returning_limit=options.get("returning_limit", EXECUTE_WRITE_RETURNING_LIMIT),
                )
                counts.append(result.rowcount)
        except sqlite3.Error as error:
            if error.args == ("interrupted",):
                stopped = sqlite3.OperationalError(f"interrupted in statement {number} of {len(statements)}")
                raise QueryInterrupted(stopped, statement, params) from None
            raise ScriptFailed(number, statement, error) from None
    changed = [count for count in counts if count >= 0]
    result.rowcount = sum(changed) if changed else -1
    return result


@hookimpl(specname="register_routes")
def script_routes(datasette):
    # Datasette's own route for execute-write, answered by its own view: this only adds "rowcounts" to its JSON.
    return [(r"^/(?P<database>[^\/\.]+)/-/execute-write$", execute_write_page)]


async def execute_write_page(datasette, request):
    counts: list[int] = []
    token = _rowcounts.set(counts)
    try:
        response = await ExecuteWriteView(datasette).dispatch_request(request)
    finally:
        _rowcounts.reset(token)
    if len(counts) > 1 and response.status == 200 and response.content_type.startswith("application/json"):
        data = json.loads(response.body)
        data["rowcounts"] = counts
        response.body = json.dumps(data)
    return response
