"""Query history: each SQL text the owner runs on the query page (<db>/-/query?sql=..., where the database page's
?sql= redirects) or through execute-write (<db>/-/execute-write, the write SQL editor and its JSON API) is kept per
database in a table of Datasette's internal database, which the app keeps in the browser's storage: it survives
restarts. history_routes.py shows it.

How a run is recorded, and why this way. Datasette 1.0a41 has no hook that runs after a query with its rows, and
asgi_wrapper alone sees a request's time but not its row count, which is in the page. So:
- asgi_wrapper notes, for those two routes only, which SQL the owner asked for: the query
  page's ?sql=, or execute-write's posted sql (JSON or form; the body is read and handed on unchanged). That is a
  Pending in a context variable, which belongs to this one request.
- The library's databases are RecordedDatabase (library.py's LibraryDatabase): their execute and execute_write record
  the call that runs exactly that SQL, once, timing it and counting its rows. Every other query Datasette makes while
  it draws the page (its schema lookups, table counts, facets) has other SQL and is not recorded; neither is a query
  of another request, which has its own context.
- execute-write prepares the SQL in analyze_sql before it runs it, and that is where SQLite reports a syntax error or
  a missing table: a failure there is recorded too. SQL Datasette refuses without running it (not a SELECT on the
  query page, a permission it lacks) is not.
"""

import json
import re
import sqlite3
import sys
import time
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import parse_qs, parse_qsl

from datasette import hookimpl
from datasette.database import Database, QueryInterrupted
from datasette.utils import tilde_decode

TABLE = "pwa_query_history"
# Entries kept per database; the oldest go first. Read when recording, so a test can make it small.
MAX_ENTRIES = 10_000
SCHEMA = f"""
create table if not exists {TABLE} (
    id integer primary key,
    database_name text not null,
    sql text not null,
    kind text not null, -- read (the query page) or write (execute-write)
    ran_at text not null, -- ISO 8601, UTC
    duration_ms real not null,
    rows integer, -- rows returned (read) or changed (write); null when SQLite does not say
    error text -- null when it ran
);
create index if not exists {TABLE}_by_database on {TABLE} (database_name, id);
"""
# Datasette's own routes for the two pages (its database names are one path segment, tilde-encoded).
QUERY_PATH = re.compile(r"^/(?P<database>[^/.]+)/-/query(?:\.\w+)?$")
WRITE_PATH = re.compile(r"^/(?P<database>[^/.]+)/-/execute-write$")


@dataclass
class Pending:
    """The SQL the owner asked this request to run on database: recorded when it runs, at most once."""

    database: str
    kind: str
    sql: str
    done: bool = False


_pending: ContextVar[Pending | None] = ContextVar("pwa_history_pending", default=None)


@hookimpl
def startup(datasette):
    async def inner():
        await datasette.get_internal_database().execute_write_script(SCHEMA)

    return inner


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def noting_user_sql(scope, receive, send):
            pending, receive = await user_sql(datasette, scope, receive)
            token = _pending.set(pending)
            try:
                await app(scope, receive, send)
            finally:
                _pending.reset(token)

        return noting_user_sql

    return wrap


async def user_sql(datasette, scope, receive):
    """(Pending, receive) for a request that runs the owner's SQL, else (None, receive). receive hands on the body
    as it was sent, when it had to be read here."""
    if scope.get("type") != "http" or datasette.in_client():
        return None, receive  # a request of the app's own, through Datasette's client (features/xlsx.py), is no run
    raw = scope.get("raw_path")
    path = (raw.decode("latin-1") if raw else scope["path"]).partition("?")[0]
    base_url = datasette.setting("base_url")
    if base_url != "/" and path.startswith(base_url):  # as Datasette's router strips it
        path = "/" + path[len(base_url) :]
    method = scope.get("method")
    if method in ("GET", "HEAD") and (match := QUERY_PATH.match(path)):
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        sql, kind = query.get("sql", [None])[0], "read"
    elif method == "POST" and (match := WRITE_PATH.match(path)):
        messages, receive = await read_body(receive, datasette.setting("max_post_body_bytes"))
        sql, kind = sql_from_body(scope, messages), "write"
    else:
        return None, receive
    try:
        name = datasette.get_database(route=tilde_decode(match["database"])).name
    except KeyError:
        return None, receive  # Datasette answers 404
    return (Pending(name, kind, sql) if sql else None), receive


async def read_body(receive, limit: int):
    """The body's messages, read up to limit bytes (0: no limit), and a receive that gives them again, then the rest."""
    messages, size = [], 0
    while True:
        message = await receive()
        messages.append(message)
        size += len(message.get("body", b""))
        if message["type"] != "http.request" or not message.get("more_body") or (limit and size > limit):
            break
    queue = list(messages)

    async def replay():
        return queue.pop(0) if queue else await receive()

    return messages, replay


def sql_from_body(scope, messages) -> str | None:
    """execute-write's sql field, read as Datasette reads it (JSON, else a form); None if there is none."""
    if messages[-1]["type"] != "http.request" or messages[-1].get("more_body"):
        return None  # over Datasette's size limit too (it answers 413), or the page went away
    body = b"".join(message.get("body", b"") for message in messages)
    content_type = next((v for k, v in scope.get("headers", []) if k.lower() == b"content-type"), b"")
    try:
        if content_type.startswith(b"application/json"):
            data = json.loads(body or b"{}")
        else:
            data = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    except ValueError:  # bad JSON or UTF-8: Datasette answers 400 without running anything
        return None
    sql = data.get("sql") if isinstance(data, dict) else None
    return sql if isinstance(sql, str) else None


def claim(database: str, kind: str, sql: str) -> Pending | None:
    """This request's Pending if sql is the owner's SQL for database and not yet recorded."""
    pending = _pending.get()
    if pending and not pending.done and (pending.database, pending.kind, pending.sql) == (database, kind, sql):
        return pending
    return None


class RecordedDatabase(Database):
    """A database whose runs of the owner's SQL go into the history (see the module's docstring)."""

    async def execute(self, sql, *args, **kwargs):
        pending = claim(self.name, "read", sql)
        call = super().execute(sql, *args, **kwargs)
        return await (timed(self.ds, pending, call, lambda results: len(results.rows)) if pending else call)

    async def execute_write(self, sql, *args, **kwargs):
        pending = claim(self.name, "write", sql)
        call = super().execute_write(sql, *args, **kwargs)
        return await (timed(self.ds, pending, call, written) if pending else call)

    async def analyze_sql(self, sql, params=None):
        pending = claim(self.name, "write", sql)
        call = super().analyze_sql(sql, params)
        # Only a failure is recorded here: when the analysis passes, execute_write records the run.
        return await (timed(self.ds, pending, call, None) if pending else call)


def written(result) -> int | None:
    # SQLite reports no count for CREATE and the like (-1); a truncated RETURNING makes Datasette say -1 as well.
    return result.rowcount if result.rowcount >= 0 else None


async def timed(datasette, pending: Pending, call, count):
    """Await call (the owner's SQL running) and record it: its rows (count(result)) or its error. count None: record
    only a failure."""
    start = time.perf_counter()
    try:
        result = await call
    except (sqlite3.Error, QueryInterrupted) as error:
        message = "interrupted: it ran past the SQL time limit" if isinstance(error, QueryInterrupted) else str(error)
        await record(datasette, pending, time.perf_counter() - start, None, message)
        raise
    if count is not None:
        await record(datasette, pending, time.perf_counter() - start, count(result), None)
    return result


async def record(datasette, pending: Pending, seconds: float, rows: int | None, error: str | None) -> None:
    pending.done = True
    ran_at = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    entry = [pending.database, pending.sql, pending.kind, ran_at, round(seconds * 1000, 3), rows, error]
    keep = MAX_ENTRIES

    def write(conn):
        conn.execute(
            f"insert into {TABLE} (database_name, sql, kind, ran_at, duration_ms, rows, error) "
            "values (?, ?, ?, ?, ?, ?, ?)",
            entry,
        )
        conn.execute(
            f"delete from {TABLE} where database_name = ?1 and id <= "
            f"(select id from {TABLE} where database_name = ?1 order by id desc limit 1 offset ?2)",
            [pending.database, keep],
        )

    try:
        await datasette.get_internal_database().execute_write_fn(write)
    except sqlite3.Error as error:
        # The owner's SQL ran (or failed) all the same: a history that cannot be written is no reason to fail it.
        sys.stderr.write(f"datasette-pwa: the query history was not recorded: {error}\n")


@hookimpl
def library_database_moved(datasette, name: str, new_name: str | None):
    """A renamed database keeps its history; a removed one's (new_name None) is forgotten, so that a new database
    of that name starts with none."""
    return move_history(datasette, name, new_name)


async def move_history(datasette, name: str, new_name: str | None) -> None:
    internal = datasette.get_internal_database()
    if new_name is None:
        await internal.execute_write(f"delete from {TABLE} where database_name = ?", [name])
    else:
        await internal.execute_write(f"update {TABLE} set database_name = ? where database_name = ?", [new_name, name])
