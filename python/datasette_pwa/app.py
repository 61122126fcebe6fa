"""The one Python object the worker talks to: a Datasette instance and its request handler.

Runs unchanged under CPython (tests) and Pyodide (the app).
"""

from dataclasses import dataclass, field
from typing import NamedTuple
from urllib.parse import urlsplit, urlunsplit

import httpx2
from datasette.app import Datasette

from .templates import TEMPLATES

# Statuses whose responses must not carry a body (the browser's Response constructor refuses one).
NULL_BODY_STATUSES = {101, 103, 204, 205, 304}
# Datasette's pages use inline scripts and styles, so those stay allowed; what this policy adds is that nothing on them
# (an image URL in the data, a plugin) reaches outside the app's origin, and no other site can frame them.
PAGE_POLICY = (
    "default-src 'self' data: blob:; script-src 'self' 'unsafe-inline' 'wasm-unsafe-eval'; "
    "style-src 'self' 'unsafe-inline'; frame-ancestors 'self'; form-action 'self'; base-uri 'self'; object-src 'none'"
)


class Reply(NamedTuple):
    """A tuple, so Pyodide's toJs() hands it to JavaScript as [status, [[name, value]...], Uint8Array]."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes


@dataclass
class App:
    ds: Datasette
    # Datasette's ASGI app, built once as `datasette serve` does: datasette.client builds it again for every request
    # (its routes, its plugins' metadata), which cost 8 ms a request in Pyodide. The client's cookie jar stands in for
    # the browser's: service workers cannot set or read cookies on relayed responses.
    client: httpx2.AsyncClient = field(init=False)

    def __post_init__(self):
        self.client = httpx2.AsyncClient(transport=httpx2.ASGITransport(app=self.ds.app()))

    @property
    def base_url(self) -> str:
        return self.ds.setting("base_url")

    async def handle(self, method: str, url: str, headers: list, body) -> Reply:
        """Answer one browser request for a URL under base_url with Datasette's real response.

        headers are [name, value] pairs; body is any bytes-like object (a memoryview from the worker) or None.
        """
        parts = urlsplit(url)
        if not parts.path.startswith(self.base_url):
            return Reply(404, [("content-type", "text/plain; charset=utf-8")], b"Not under " + self.base_url.encode())
        # Datasette sees the path with the prefix stripped, as behind a stripping proxy, while base_url
        # stays set: with the prefix left on, 1.0a41 doubles it in "next" links.
        inner = urlunsplit((parts.scheme, parts.netloc, "/" + parts.path[len(self.base_url):], parts.query, ""))
        response = await self.client.request(method, inner, headers=headers, content=bytes(body) if body else None)
        content = b"" if response.status_code in NULL_BODY_STATUSES else response.content
        headers = response.headers.multi_items()
        if response.headers.get("content-type", "").startswith("text/html"):
            headers.append(("content-security-policy", PAGE_POLICY))
        return Reply(response.status_code, headers, content)


async def start(base_url: str, build_id: str, databases: list[str] = ()) -> App:
    """Start Datasette for the app at base_url (e.g. "/ds/" or "/sub/ds/") serving these database files.

    build_id names the app build (build.py), shown by /-/versions.
    """
    ds = Datasette(
        list(databases),
        version_note=f"datasette-pwa build {build_id}",
        # Always offer _memory for scratch SQL, as `datasette` does when given no files.
        memory=True,
        # Pyodide has no threads: run SQL on the event loop. Given as config, as `datasette serve --setting` does.
        config={"settings": {"num_sql_threads": 0, "base_url": base_url}},
    )
    # Lets plugin.py's actor {"id": "root"} use every permission, as `datasette --root` does.
    ds.root_enabled = True
    ds.get_jinja_environment().bytecode_cache = TEMPLATES
    await ds.invoke_startup()
    return App(ds)
