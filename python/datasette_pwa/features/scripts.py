"""SQL scripts through execute-write: <db>/-/execute-write (the write SQL editor and its JSON API) takes several
statements, separated by ";", and runs them in one transaction. Datasette 1.0a41 takes one ("You can only execute one
statement at a time").

The library's databases are ScriptDatabase (library.py's LibraryDatabase), and Datasette's own view does the rest:
- analyze_sql analyses each statement in turn, as Datasette analyses one, and gives all of their operations, so that
  Datasette's own checks (each table's insert/update/delete permission, no VACUUM, no BEGIN or COMMIT, no ATTACH, the
  editor's table of what the SQL does) cover the whole script. It runs on an empty in-memory copy of the schema,
  where a statement that changes the schema runs for the statements after it to be prepared against (a CREATE
  TABLE, then INSERTs into that table): the analysis runs on a plain GET of the page, and must not lock, change or
  read the user's database at length.
- execute_write runs the statements in order in one write transaction, under the owner's SQL time limit and
  sql_guard.py's rules (no ATTACH, no PRAGMA that writes, ...), and refuses a result that Datasette could not read.
  The first failure rolls all of them back, and the error names the statement (its number, its start) with SQLite's
  message. One statement (a trailing comment or a lone ";" is none) is analysed and run the same way.

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
from datasette.utils.sql_analysis import SQLAnalysis, analyze_sql_tables
from datasette.views.execute_write import ExecuteWriteView

from ..restore import opening, split_statements
from ..sql_guard import Guard, Refused, schema_problem

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
        super().__init__(f"Statement {number} failed: {error}. It begins “{opening(statement)}”. Nothing was changed.")


class ScriptDatabase(Database):
    """A database whose execute-write takes SQL scripts (see the module's docstring), and runs the user's SQL, one
    statement or many, under sql_guard.py's rules."""

    async def analyze_sql(self, sql, params=None):
        statements = statements_of(sql) or [sql]
        schema = await self.execute_fn(schema_of)
        return analyze_script(schema, statements, params, self.name, self.ds.setting("sql_time_limit_ms"))

    async def execute_write(self, sql, params=None, block=True, **kwargs):
        statements = statements_of(sql) or [sql]
        time_limit_ms = kwargs.get("time_limit_ms", 2000)  # Datasette's default, as for one statement
        counts = []

        def run(conn):
            return run_guarded(conn, statements, params, counts, kwargs, time_limit_ms)

        request = kwargs.get("request")
        result = await self.execute_write_fn(
            run, block=block, request=request, transaction=kwargs.get("transaction", True)
        )
        if (report := _rowcounts.get()) is not None:
            report[:] = counts
        return result


def schema_of(conn) -> list[str]:
    """The SQL that makes conn's tables, views, indexes and triggers, in the order they were made."""
    return [sql for (sql,) in conn.execute("select sql from sqlite_master where sql is not null order by rowid")]


def schema_copy(schema: list[str]) -> sqlite3.Connection:
    """An empty in-memory database with that schema, where a script is analysed: its schema changes run there for the
    statements after them, and nothing of the user's database is locked, changed or read at length (the analysis runs
    on a plain GET of the execute-write page)."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    for sql in schema:
        # A virtual table makes its shadow tables, which come again after it; a module this SQLite lacks: left out,
        # and a statement using it fails in the analysis as it would when run.
        with contextlib.suppress(sqlite3.Error):
            conn.execute(sql)
    return conn


def analyze_script(schema: list[str], statements: list[str], params, database: str, time_limit_ms) -> SQLAnalysis:
    """Every statement's operations (Datasette's analyze_sql_tables), in order, each listed once."""
    conn = schema_copy(schema)
    operations = {}
    try:
        with Guard(conn, time_limit_ms) as guard:
            for number, statement in enumerate(statements, start=1):
                guard.next_statement()
                try:
                    analysis = analyze_sql_tables(guard.vetted(conn), statement, params, database_name=database)
                    changes_schema = any(op.operation in SCHEMA_CHANGES for op in analysis.operations)
                    if changes_schema and number < len(statements):
                        conn.execute(statement, params or {})
                except sqlite3.Error as error:
                    explained = guard.explained(error)
                    raise ScriptFailed(number, statement, explained) if len(statements) > 1 else explained from None
                operations.update(dict.fromkeys(analysis.operations))
    finally:
        conn.close()
    return SQLAnalysis(operations=tuple(operations))


def run_guarded(conn, statements: list[str], params, counts: list[int], options: dict, time_limit_ms):
    """Run the user's statements in one transaction on conn (Datasette's write connection, whose execute_write_fn
    commits, or rolls back when this raises), under sql_guard.py's rules; refuse the result if the database would no
    longer open."""
    if not conn.in_transaction:
        conn.execute("BEGIN")  # also for a script that starts with DDL, which the sqlite3 module runs outside one
    version = conn.execute("PRAGMA schema_version").fetchone()[0]
    with Guard(conn, time_limit_ms) as guard:
        result = run_script(conn, statements, params, counts, options, guard)
    if conn.execute("PRAGMA schema_version").fetchone()[0] != version and (problem := schema_problem(conn)):
        raise Refused(f"Nothing was changed: {problem}")
    return result


def run_script(conn, statements: list[str], params, counts: list[int], options: dict, guard) -> ExecuteWriteResult:
    """Run each statement in conn's transaction, each one's row count into counts; the result is the last statement's,
    with all the changes counted. One statement fails as Datasette's execute_write would; in a script, with its number."""
    result = None
    for number, statement in enumerate(statements, start=1):
        guard.next_statement()
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
            raise failure(error, guard, number, statement, statements, params) from None
    changed = [count for count in counts if count >= 0]
    result.rowcount = sum(changed) if changed else -1
    return result


def failure(error, guard, number: int, statement: str, statements: list[str], params) -> Exception:
    """The error a statement failed with, as Datasette's view shows it."""
    if error.args == ("interrupted",):
        where = f" in statement {number} of {len(statements)}" if len(statements) > 1 else ""
        return QueryInterrupted(sqlite3.OperationalError(f"interrupted{where}"), statement, params)
    explained = guard.explained(error)
    return ScriptFailed(number, statement, explained) if len(statements) > 1 else explained


@hookimpl
def register_routes(datasette):
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
