"""Hostile Datasette servers for Pull: each case answers a pull as a broken or malicious server would (malformed JSON,
wrong types, pages too big or never ending, a next_url that loops, a drip, a 500 midway). Used by
tests/test_pull_hostile.py (the app's Python, under CPython), tests/test_publish.py (the real Pull page, in Chromium)
and the hostile tally.

    with serve("drip") as server:   # on a free port of 127.0.0.1, in a thread
        pull server.url             # a table page: http://127.0.0.1:<port>/db/things

Each Case says what a pull of it must end with: `says`, a piece of the message (None: it is pulled), and `kept`, the
rows the local table holds afterwards (every page before the bad one, nothing of it). `by` says who stops it: "app"
(the app's Python, POST <db>/-/pull-rows, which pull() below drives as pull.js does) or "page" (pull.js itself: the
network and the chain of pages, so only a browser shows it).
"""

import functools
import itertools
import json
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, urlsplit

GIVE_UP_SECONDS = 120  # a drip or a silent server stops on its own after this, if nobody hangs up first
PULL_SECONDS = 60  # pull() calls a pull that has not ended by then a hang


@dataclass(frozen=True)
class Case:
    name: str
    does: str
    says: str | None  # a piece of the message the pull ends with; None: it completes ("Pulled N rows")
    kept: int  # rows in the local table afterwards
    by: str = "app"  # "app": pull-rows (the app's Python) stops it; "page": pull.js does


CASES = [
    Case("good", "three pages of two rows (the control)", None, 6),
    Case("big-page", "one 3 MB page (over Datasette's 2 MB POST limit)", None, 3000),
    Case("huge-page", "one 50 MB page of 50,000 rows", None, 50_000),
    Case("endless-body", "a second page that never ends", "bigger than 64 MB", 2),
    Case("not-json", "a second page cut off mid-JSON", "not JSON", 2),
    Case("html", "an HTML page", "not JSON", 0),
    Case("not-a-page", "a JSON list, not an object", "not a page of Datasette's JSON", 0),
    Case("deep-json", "rows nested 100,000 lists deep", "nested too deeply", 0),
    Case("rows-not-list", "rows that are text", "has no rows", 0),
    Case("row-not-row", "rows that are numbers", "Row 1 of the server's page is a number", 0),
    Case("short-columns", "more values in each row than columns", "has 2 values for its 1 columns", 0),
    Case("columns-not-names", "columns that are numbers", "columns are not a list of names", 0),
    Case("mixed-rows", "a second page of objects and lists", "Row 2 of the server's page is a list", 2),
    Case("object-pks", "primary_keys holding an object", "primary_keys is not a list of column names", 0),
    Case("next-url-not-text", "a next_url that is a number", "next_url is not a web address", 0),
    Case("count-not-number", "a count that is text", "count is not a number of rows", 0),
    Case("huge-number", "an integer of 22 digits", "number too big for SQLite", 0),
    Case("bad-blob", "a blob whose base64 is not", "a value that cannot be read", 0),
    Case("bad-text", "text with a lone UTF-16 surrogate", "not valid Unicode", 0),
    Case("too-many-columns", "a row of 3,000 columns", "too many columns", 0),
    Case("bad-key", "a second page whose second row's integer key is text", "could not be stored", 2),
    Case("nested-values", "values that are objects and lists (Datasette's ?_json=)", None, 2),
    Case("endless", "the same rows on every page, each pointing to a new next page", "not moving on", 2),
    Case("empty-endless", "empty pages, each pointing to a new next page", "not moving on", 2),
    Case("self-next", "a next_url that is the page itself", "one it sent before", 2, "page"),
    Case("cycle", "page 2 points back to page 1", "one it sent before", 4, "page"),
    Case("other-site", "a next_url on another site", "on another site", 2, "page"),
    Case("error-midway", "a 500 on the third page (once: Resume then finishes)", "answered 500", 4, "page"),
    Case("error-flood", "a 500 whose body never ends", "answered 500", 0, "page"),
    Case("drip", "one byte a second", "less than 16 KB in 15 seconds", 0, "page"),
    Case("silent", "an answer that never comes", "less than 16 KB in 15 seconds", 0, "page"),
]
BY_NAME = {case.name: case for case in CASES}


def rows(first: int, count: int, text: str = "") -> list[dict]:
    return [{"id": i, "name": f"row {i}{text}"} for i in range(first, first + count)]


def page(server_rows: list, next_url: str | None = None, **extra) -> dict:
    return {"ok": True, "rows": server_rows, "primary_keys": ["id"], "count": None, "next_url": next_url, **extra}


@functools.cache
def big(count: int) -> bytes:
    """count rows of about 1 kB each, as one page."""
    return json.dumps(page(rows(1, count, " " + "x" * 1000))).encode()


class Handler(BaseHTTPRequestHandler):
    """Answers every GET as its server's case says: page 1 at any path, page n at ?_next=n."""

    def do_GET(self):  # noqa: N802 (http.server's name)
        number = int(parse_qs(urlsplit(self.path).query).get("_next", ["1"])[0])
        self.server.asked[number] += 1
        try:
            ANSWERS[self.server.case.name](self, number)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the pull hung up on it: that is the point

    def log_message(self, *args):
        pass

    def next_url(self, number: int, host: str | None = None) -> str:
        return f"http://{host or self.headers['Host']}/db/things.json?_next={number}&_shape=objects"

    def head(self, status: int = 200, length: int | None = None, kind: str = "application/json"):
        self.send_response(status)
        self.send_header("content-type", kind)
        self.send_header("access-control-allow-origin", "*")
        if length is not None:
            self.send_header("content-length", str(length))
        self.end_headers()

    def send(self, body, status: int = 200):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.head(status, len(data))
        self.wfile.write(data)

    def chained(self, number: int, pages: int, bad):
        """Good pages of two rows up to pages, then bad (a body, or a function answering) for the one after."""
        if number <= pages:
            return self.send(page(rows(2 * number - 1, 2), self.next_url(number + 1)))
        return bad(self) if callable(bad) else self.send(bad)

    def forever(self, status: int, start: bytes, chunk: bytes, pause: float = 0):
        """A body that never ends (until the reader hangs up, or GIVE_UP_SECONDS)."""
        self.head(status)
        self.wfile.write(start)
        deadline = time.monotonic() + GIVE_UP_SECONDS
        while time.monotonic() < deadline:
            self.wfile.write(chunk)
            self.wfile.flush()
            time.sleep(pause)


ENDLESS_ROW = b'{"id": 1, "name": "' + b"x" * 65_000 + b'"},'
ANSWERS = {
    "good": lambda h, n: h.chained(n, 2, page(rows(5, 2))),
    "big-page": lambda h, n: h.send(big(3000)),
    "huge-page": lambda h, n: h.send(big(50_000)),
    "endless-body": lambda h, n: h.chained(n, 1, lambda h: h.forever(200, b'{"rows": [', ENDLESS_ROW)),
    "not-json": lambda h, n: h.chained(n, 1, b'{"rows": [{"id": 3, "name": "ro'),
    "html": lambda h, n: h.send(b"<!doctype html><title>Not here</title><h1>Welcome</h1>"),
    "not-a-page": lambda h, n: h.send([1, 2, 3]),
    "deep-json": lambda h, n: h.send(b'{"rows": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"),
    "rows-not-list": lambda h, n: h.send({"rows": "many"}),
    "row-not-row": lambda h, n: h.send({"rows": [1, "two"]}),
    "short-columns": lambda h, n: h.send({"columns": ["id"], "rows": [[1, "a"], [2, "b"]]}),
    "columns-not-names": lambda h, n: h.send({"columns": [1, 2], "rows": [[1, "a"]]}),
    "mixed-rows": lambda h, n: h.chained(n, 1, {"columns": ["id", "name"], "rows": [{"id": 3}, [4, "b"]]}),
    "object-pks": lambda h, n: h.send(page(rows(1, 2), primary_keys=[{"id": 1}])),
    "next-url-not-text": lambda h, n: h.send(page(rows(1, 2), next_url=5)),
    "count-not-number": lambda h, n: h.send(page(rows(1, 2), count="lots")),
    "huge-number": lambda h, n: h.send(page([{"id": 10**21, "name": "big"}])),
    "bad-blob": lambda h, n: h.send(page([{"id": 1, "name": {"$base64": True, "encoded": "!!"}}])),
    "bad-text": lambda h, n: h.send(b'{"rows": [{"id": 1, "name": "\\ud800"}]}'),
    "too-many-columns": lambda h, n: h.send(page([{f"c{i}": i for i in range(3000)}])),
    "bad-key": lambda h, n: h.chained(n, 1, page([{"id": 3, "name": "row 3"}, {"id": "three", "name": "row 4"}])),
    "nested-values": lambda h, n: h.send(page([{"id": 1, "tags": ["a", "b"]}, {"id": 2, "tags": {"x": [1, None]}}])),
    "endless": lambda h, n: h.send(page(rows(1, 2), h.next_url(n + 1))),
    "empty-endless": lambda h, n: h.chained(n, 1, lambda h: h.send(page([], h.next_url(n + 1)))),
    "self-next": lambda h, n: h.send(page(rows(1, 2), f"http://{h.headers['Host']}{h.path}")),
    "cycle": lambda h, n: h.send(page(rows(2 * n - 1, 2), h.next_url(2 if n == 1 else 1))),
    "other-site": lambda h, n: h.send(page(rows(1, 2), h.next_url(2, f"localhost:{h.server.server_port}"))),
    "error-midway": lambda h, n: (
        h.send({"ok": False, "error": "Something broke"}, 500)
        if n == 3 and h.server.asked[3] == 1
        else h.chained(n, 2, page(rows(5, 2)))
    ),
    "error-flood": lambda h, n: h.forever(500, b'{"ok": false, "error": "', b"x" * 65_536),
    "drip": lambda h, n: h.forever(200, b"", b" ", pause=1),
    "silent": lambda h, n: time.sleep(GIVE_UP_SECONDS),
}


@dataclass
class Hostile:
    case: Case
    url: str  # the table page to pull
    server: ThreadingHTTPServer = field(repr=False)

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def serve(name: str) -> Hostile:
    """Start the hostile server of case name on a free port of 127.0.0.1, in a thread."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.case, server.asked = BY_NAME[name], Counter()
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()  # stop() waits one poll
    return Hostile(BY_NAME[name], f"http://127.0.0.1:{server.server_port}/db/things", server)


def json_url(url: str) -> str:
    """The first page's URL as pull.js asks for it (its jsonUrl)."""
    return url + ".json?_shape=objects&_size=max&_extra=count&_extra=primary_keys"


def pull(local, database: str, url: str, table: str, max_bytes: int) -> str | None:
    """Pull url into table of database as pull.js moves the pages, under CPython: each page read (up to max_bytes + 1
    bytes, as pull.js stops there) and posted as it came to pull-rows, with its number and the fingerprint of the page
    before, following next_url. local(path, method, body) answers the app's routes. Returns the app's refusal, or None
    once the last page is stored. The network's own rules (a drip, a loop of URLs, another site) are pull.js's: the
    cases marked "page" need the browser."""
    url, previous = json_url(url), ""
    deadline = time.monotonic() + PULL_SECONDS
    for number in itertools.count(1):
        if time.monotonic() > deadline:
            return f"HANG: still pulling after {PULL_SECONDS} seconds, at page {number}"
        try:
            with urllib.request.urlopen(url, timeout=30) as response:
                body = response.read(max_bytes + 1)
        except urllib.error.HTTPError as error:
            return f"answered {error.code}"
        query = f"table={quote(table)}&page={number}&previous={previous}" + ("&first=1" if number == 1 else "")
        answer = local(f"/ds/{database}/-/pull-rows?{query}", "POST", body)
        stored = json.loads(answer.body)
        if answer.status != 200:
            return stored["error"]
        if not stored["next_url"]:
            return None
        url, previous = stored["next_url"], stored["fingerprint"]
