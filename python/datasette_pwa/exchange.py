"""One request through Datasette's ASGI app, its answer streamed as Datasette sends it: the head, then the body's
chunks. A CSV export of a million rows comes as a few thousand chunks and is never whole in memory; httpx's
ASGITransport, used before, gathered every body whole.
"""

import asyncio
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http.cookies import SimpleCookie
from urllib.parse import unquote, urlsplit


class CookieJar:
    """The browser's cookies for Datasette (its CSRF token, its flash messages). A service worker can neither read
    nor set cookies on the requests it relays, so the worker keeps them, one jar for the app (every path is "/")."""

    def __init__(self):
        self.cookies: dict[str, str] = {}

    def header(self) -> list[tuple[bytes, bytes]]:
        if not self.cookies:
            return []
        return [(b"cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items()).encode("latin-1"))]

    def update(self, headers: list[tuple[bytes, bytes]]) -> None:
        for name, value in headers:
            if name.lower() != b"set-cookie":
                continue
            for morsel in SimpleCookie(value.decode("latin-1")).values():
                if _expired(morsel):
                    self.cookies.pop(morsel.key, None)
                else:
                    self.cookies[morsel.key] = morsel.coded_value


def _expired(morsel) -> bool:
    """Max-Age wins over Expires (RFC 6265); Datasette deletes a cookie with both set to 0."""
    if morsel["max-age"]:
        return int(morsel["max-age"]) <= 0
    if not morsel["expires"]:
        return False
    try:
        return parsedate_to_datetime(morsel["expires"]) <= datetime.now(UTC)
    except (TypeError, ValueError):
        return True  # not a date: "0", as Datasette writes it


async def exchange(app, method: str, url: str, headers: list, body: bytes | None, jar: CookieJar):
    """Yield Datasette's answer to one request: first (status, [(name, value)...]), then each non-empty body chunk.

    The app runs as a task that waits while a chunk is on its way: a slow reader slows Datasette down instead of
    piling chunks up in memory.
    """
    parts = urlsplit(url)
    has_host = any(name.lower() == "host" for name, _ in headers)
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": parts.scheme,
        "path": unquote(parts.path),
        "raw_path": parts.path.encode(),
        "query_string": parts.query.encode(),
        "root_path": "",
        # Datasette builds absolute URLs (next links) from Host, which a service worker's request does not carry.
        "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers]
        + ([] if has_host else [(b"host", parts.netloc.encode())])
        + jar.header(),
        "client": ("127.0.0.1", 0),
        "server": (parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)),
    }
    pipe = Pipe()
    request_sent = False

    async def receive():
        nonlocal request_sent
        if not request_sent:
            request_sent = True
            return {"type": "http.request", "body": bytes(body or b""), "more_body": False}
        await pipe.closed.wait()
        return {"type": "http.disconnect"}

    async def run():
        try:
            await app(scope, receive, pipe.send)
        except Exception as error:  # noqa: BLE001 - handed to the reader, which raises it
            pipe.error = error
        pipe.finish()

    task = asyncio.ensure_future(run())
    try:
        async for part in pipe:
            if isinstance(part, tuple):
                jar.update(part[1])
                part = part[0], [(k.decode("latin-1"), v.decode("latin-1")) for k, v in part[1]]
            yield part
    finally:
        pipe.closed.set()
        if not task.done():
            task.cancel()


# Datasette sends a streamed CSV one row at a time; each part that crosses to the page costs about a millisecond
# (measured: 100,000 rows took 111 s as 86,000 parts). Parts are gathered into chunks of this size.
CHUNK_BYTES = 256 * 1024


class Pipe:
    """Datasette's side sends (ASGI messages), the reader iterates: the head (status, raw headers), then chunks of
    the body of up to about CHUNK_BYTES. Datasette waits while a full chunk is unread."""

    def __init__(self):
        self.head = None
        self.head_taken = False  # the reader has the head: the answer has begun
        self.buffer = bytearray()
        self.finished = False
        self.error = None
        self.ready = asyncio.Event()  # something for the reader
        self.room = asyncio.Event()  # the reader took the last chunk
        self.closed = asyncio.Event()  # the reader is gone

    async def send(self, message):
        if message["type"] == "http.response.start":
            if self.head_taken:
                # Datasette answers an exception with its error page even after its first answer began (a failure in
                # a streamed body): that page cannot follow as more of the body, so the answer fails instead.
                self.error = RuntimeError(
                    f"The answer broke off part way (then came an error page, {message['status']})."
                )
            else:  # an error page before the reader saw the first answer replaces it whole
                self.head = message["status"], message.get("headers", [])
                self.buffer.clear()
            self.ready.set()
        elif message["type"] == "http.response.body":
            self.buffer += message.get("body", b"")
            if not message.get("more_body", False):
                self.finish()
            elif len(self.buffer) >= CHUNK_BYTES:
                self.room.clear()
                self.ready.set()
                await self._room_or_closed()

    async def _room_or_closed(self):
        waits = [asyncio.ensure_future(self.room.wait()), asyncio.ensure_future(self.closed.wait())]
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        for wait in waits:
            wait.cancel()

    def finish(self):
        self.finished = True
        self.ready.set()

    async def __aiter__(self):
        while True:
            if self.error:
                raise self.error
            if self.head and not self.head_taken:
                self.head_taken = True
                yield self.head
            elif self.buffer:
                chunk = bytes(self.buffer)
                self.buffer.clear()
                self.room.set()
                yield chunk
            elif self.finished:
                return
            else:
                self.ready.clear()
                await self.ready.wait()
