"""The one Python object the worker talks to: a Datasette instance and its request handler.

Runs unchanged under CPython (tests) and Pyodide (the app).
"""

import json
import sqlite3
import sys
from dataclasses import dataclass, field
from typing import NamedTuple
from urllib.parse import unquote, urlsplit, urlunsplit

import datasette
from datasette import stored_queries
from datasette.utils import tilde_decode

from . import csp, plugin_list, sqlite3_apsw
from .exchange import CookieJar, exchange
from .standalone import AppDatasette
from .templates import TEMPLATES

# Statuses whose responses must not carry a body (the browser's Response constructor refuses one).
NULL_BODY_STATUSES = {101, 103, 204, 205, 304}
FRAMING_HEADERS = {"x-frame-options", "content-security-policy", csp.CONNECT_OUT_HEADER}


class Reply(NamedTuple):
    """A whole answer, gathered from App.stream (tests and the warm-up)."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes


@dataclass
class App:
    ds: AppDatasette
    # Datasette's ASGI app, built once as `datasette serve` does: datasette.client builds it again for every request
    # (its routes, its plugins' metadata), which cost 8 ms a request in Pyodide.
    asgi: object = field(init=False)
    jar: CookieJar = field(default_factory=CookieJar)

    def __post_init__(self):
        self.asgi = self.ds.app()

    def set_time_limit(self, ms: int) -> None:
        """Change the SQL time limit of this running Datasette (it reads the setting on every query)."""
        self.ds._settings["sql_time_limit_ms"] = ms
        self.ds.sql_time_limit_ms = ms

    @property
    def base_url(self) -> str:
        return self.ds.setting("base_url")

    async def stream(self, method: str, url: str, headers: list, body):
        """Answer one browser request for a URL under base_url with Datasette's real response: yield (status,
        [[name, value]...]), then the body's chunks (bytes).

        headers are [name, value] pairs; body is any bytes-like object (a memoryview from the worker) or None.
        """
        parts = urlsplit(url)
        if not parts.path.startswith(self.base_url):
            yield 404, [("content-type", "text/plain; charset=utf-8")]
            yield b"Not under " + self.base_url.encode()
            return
        # Datasette sees the path with the prefix stripped, as behind a stripping proxy, while base_url
        # stays set: with the prefix left on, 1.0a41 doubles it in "next" links.
        inner = urlunsplit((parts.scheme, parts.netloc, "/" + parts.path[len(self.base_url) :], parts.query, ""))
        nonce = csp.new_nonce()
        answer = exchange(self.asgi, method, inner, list(headers), bytes(body) if body else None, self.jar)
        status, reply_headers = await anext(answer)
        if any(k.lower() == "content-type" and v.startswith("text/html") for k, v in reply_headers):
            # Datasette forbids all framing of its write pages (execute-write, storing a query) against clickjacking;
            # the app shows every page in its own same-origin frame, so its policy allows that frame and no other.
            connect_out = any(k.lower() == csp.CONNECT_OUT_HEADER for k, _ in reply_headers)
            reply_headers = [(k, v) for k, v in reply_headers if k.lower() not in FRAMING_HEADERS]
            reply_headers.append(("content-security-policy", csp.policy(nonce, connect_out)))
        yield status, reply_headers
        if status not in NULL_BODY_STATUSES:
            async for chunk in answer:
                yield chunk

    async def is_stored_query(self, path: str) -> bool:
        """Whether path ("db/name" after base_url, as in the URL, perhaps with a format: "db/name.json") is a stored
        query's page, Datasette's or SQLite's own (a view), not a table's: its SQL may answer differently each time
        (random(), datetime('now')), so the worker's cache (pwa/worker/response-cache.js) does not keep it."""
        database, name = (tilde_decode(unquote(part)) for part in path.split("/"))
        name = name.rsplit(".", 1)[0]  # a format; a dot in a name is tilde-encoded (~2E)
        db = self.ds.databases.get(database)
        is_view = db is not None and name in await db.view_names()
        return is_view or await stored_queries.get_query(self.ds, database, name) is not None

    async def handle(self, method: str, url: str, headers: list, body) -> Reply:
        """The whole answer to one request (see stream)."""
        answer = self.stream(method, url, headers, body)
        status, reply_headers = await anext(answer)
        return Reply(status, reply_headers, b"".join([chunk async for chunk in answer]))


# Datasette stops a query after 1 s, and an execute-write after 2 s; in Pyodide SQL runs 1.05-1.7 times slower than
# natively, and a user's own UPDATE of a big table is no runaway query. The owner changes it in the app's Settings.
SQL_TIME_LIMIT_MS = 30_000


def versions() -> str:
    """What runs, as JSON for About: Python, Datasette, SQLite, and why SQLite is not APSW's if it is not."""
    return json.dumps(
        {
            "python": sys.version.split()[0],
            "datasette": datasette.__version__,
            "sqlite": sqlite3.sqlite_version,
            "sqliteNote": sqlite3_apsw.not_installed,
        }
    )


async def start(base_url: str, build_id: str, internal: str | None = None, sql_time_limit_ms: int | None = None) -> App:
    """Start Datasette for the app at base_url (e.g. "/ds/" or "/sub/ds/"); the library adds the databases.

    build_id names the app build (build.py), shown by /-/versions. internal is the file of Datasette's internal
    database (stored queries and the like), kept across starts; None keeps it in memory. sql_time_limit_ms: the
    owner's choice, None for SQL_TIME_LIMIT_MS.
    """
    # Datasette's list of plugins, made once (plugin_list.py): made twice at every start, it took 11-14 ms of this
    # function's 22 in Pyodide (under Node).
    plugin_list.install()
    ds = AppDatasette(
        [],
        internal=internal,
        version_note=f"datasette-pwa build {build_id}",
        # Always offer _memory for scratch SQL, as `datasette` does when given no files.
        memory=True,
        # Pyodide has no threads: run SQL on the event loop. Given as config, as `datasette serve --setting` does.
        config={
            "settings": {
                "num_sql_threads": 0,
                "base_url": base_url,
                "sql_time_limit_ms": sql_time_limit_ms or SQL_TIME_LIMIT_MS,
            }
        },
    )
    # Lets plugin/'s actor {"id": "root"} use every permission, as `datasette --root` does.
    ds.root_enabled = True
    ds.get_jinja_environment().bytecode_cache = TEMPLATES
    csp.install(ds.get_jinja_environment())
    await ds.invoke_startup()
    return App(ds)
