"""The app's Datasette under CPython (python/datasette_pwa/app.py), started as the worker starts it, its library's
databases added, and asked as the worker asks it: one request at a time, from ORIGIN.

    with serving(("shop", path)) as app:            # in a fixture: `yield app` in the with block
        reply = get(app, "/ds/shop/items.json", _size=5)
        reply.status, header(reply, "content-type"), reply.body
"""

import asyncio
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from urllib.parse import urlencode

from datasette_pwa import library
from datasette_pwa.app import start

from . import ORIGIN

JSON = [("content-type", "application/json")]
FORM = [("content-type", "application/x-www-form-urlencoded")]


def run_async(coroutine):
    """Run a coroutine to completion; in its own thread, since Playwright's sync API owns this thread's loop."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def open_app(*databases, internal=None, sql_time_limit_ms=None, read_only=False):
    """The app's Datasette, with databases, (name, path) pairs, in its library. internal: the file of Datasette's
    internal database (None: in memory); sql_time_limit_ms: the owner's (None: the app's default)."""
    app = run_async(start("/ds/", "test", internal and str(internal), sql_time_limit_ms))
    if databases:
        run_async(library.add(app.ds, *[(name, str(path)) for name, path in databases], read_only=read_only))
    return app


@contextmanager
def serving(*databases, **options):
    """open_app(*databases, **options), closed when the with block ends."""
    app = open_app(*databases, **options)
    try:
        yield app
    finally:
        app.ds.close()


def get(app, path, method="GET", headers=(), body=None, **params):
    """The app's answer (status, headers, body) to a request of path from ORIGIN; params make its query string."""
    url = ORIGIN + path + ("?" + urlencode(params) if params else "")
    return run_async(app.handle(method, url, list(headers), body))


def stream(app, path):
    """(status, [body chunks]) of App.stream's answer to a GET of path from ORIGIN, as the worker reads it."""

    async def chunks():
        answer = app.stream("GET", ORIGIN + path, [], None)
        status, _ = await anext(answer)
        return status, [chunk async for chunk in answer]

    return run_async(chunks())


def header(reply, name):
    """The value of a reply's header name (lower case)."""
    return next(value for key, value in reply.headers if key.lower() == name)
