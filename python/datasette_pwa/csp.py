"""Datasette's pages run only the scripts Datasette and the bundled plugins wrote.

Every <script> tag in the templates (Datasette's, and the plugins' scripts, which base.html's own tag wraps) gets a nonce
made for one response, and that response's policy allows that nonce alone. A script that reaches a page any other way
(HTML in the data, a cell renderer's output) has no nonce, so the browser does not run it.
"""

import base64
import hashlib
import re
import secrets
from contextvars import ContextVar

import jinja2

_nonce: ContextVar[str] = ContextVar("csp_nonce", default="")
SCRIPT_TAG = re.compile(r"<script(?=[\s>{])", re.IGNORECASE)  # "{": base.html writes <script{% if ... %}>
# The inline event handlers in Datasette 1.0a41's templates (table.html's "Choose columns" button on small screens).
INLINE_HANDLERS = ["openColumnChooser()"]
HANDLER_HASHES = " ".join(
    f"'sha256-{base64.b64encode(hashlib.sha256(h.encode()).digest()).decode()}'" for h in INLINE_HANDLERS
)


class NoncedLoader(jinja2.BaseLoader):
    """Datasette's template loader, with a nonce attribute added to every <script> tag of every template."""

    def __init__(self, loader: jinja2.BaseLoader):
        self.loader = loader

    def get_source(self, environment, template):
        source, filename, uptodate = self.loader.get_source(environment, template)
        return SCRIPT_TAG.sub('<script nonce="{{ csp_nonce() }}"', source), filename, uptodate

    def list_templates(self):
        return self.loader.list_templates()


def install(environment: jinja2.Environment) -> None:
    environment.loader = NoncedLoader(environment.loader)
    environment.globals["csp_nonce"] = _nonce.get


def new_nonce() -> str:
    """A nonce for the response about to be rendered in this context (one request)."""
    nonce = secrets.token_urlsafe(18)
    _nonce.set(nonce)
    return nonce


# A page that talks to a server the user names (publishing and pulling: features/transfer_routes.py) sends this header;
# app.py removes it and lets that page's scripts connect to other origins. Every other page reaches nothing outside.
CONNECT_OUT_HEADER = "x-datasette-pwa-connect-out"


def policy(nonce: str, connect_out: bool = False) -> str:
    """The policy of an HTML page: its own scripts, nothing outside the app's origin (unless connect_out: fetches to
    any http or https server), no framing by other sites. Framing by the app's own scope alone (its origin may be
    shared) is the service worker's check (pwa/sw/sw.js fromThisApp): frame-ancestors compares origins, never paths."""
    connect = "connect-src 'self' http: https:; " if connect_out else ""
    return (
        f"default-src 'self' data: blob:; {connect}script-src 'self' 'nonce-{nonce}' 'unsafe-hashes' {HANDLER_HASHES}; "
        "style-src 'self' 'unsafe-inline'; frame-ancestors 'self'; form-action 'self'; base-uri 'self'; object-src 'none'"
    )
