"""Publish and pull (issue 13): how long the app takes to publish --rows rows to a real `datasette serve` 1.0a41 on
loopback and to pull them back, clicking Publish and Pull in the built app (headless Chromium), against the baseline:
the same batches moved by the app's own Python under CPython (testkit/transfer.py's publish_natively and pull_natively,
what the pages do, with urllib) to the same server, in the same run.

    .venv/bin/python benchmarks/transfer.py [--rows 100000] [--runs 3]
"""

import argparse
import asyncio
import functools
import shutil
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from bench.common import app_window
from datasette_pwa import library
from datasette_pwa.app import start
from playwright.sync_api import sync_playwright
from testkit import ORIGIN
from testkit.databases import make_db, to_publish
from testkit.servers import http, serve_datasette
from testkit.transfer import publish_natively, pull_natively

MESSAGE = ".pwa-transfer-message:not([hidden])"


def drop_on_server(remote, table="items"):
    http(f"{remote.database_url}/{table}/-/drop", {"confirm": True}, remote.token)


def in_app(page, path, fields, button):
    """Open a dialog page in the app's frame, fill it in, press its button; seconds until its message, and the message."""
    page.evaluate(f"document.getElementById('frame').src = 'ds/{path}'")
    frame = page.frame_locator("#frame")
    frame.locator("form button[type=submit]").wait_for()
    for label, value in fields.items():
        frame.get_by_label(label).fill(value)
    began = time.perf_counter()
    frame.get_by_role("button", name=button, exact=True).click()
    replace = frame.locator("dialog[open] button", has_text="Replace")
    shown = frame.locator(MESSAGE)
    while not shown.is_visible():
        if replace.is_visible():
            replace.click()  # pulling again into the same table
        time.sleep(0.05)
    return time.perf_counter() - began, shown.inner_text()


def time_app(source, pulled, remote, runs, work):
    with sync_playwright() as playwright, app_window(playwright, work / "profile", [pulled, source]) as page:
        publish, pull = [], []
        for _ in range(runs):
            drop_on_server(remote)
            fields = {"Database URL": remote.database_url, "API token": remote.token}
            seconds, said = in_app(page, f"{source.stem}/-/publish", fields, "Publish")
            assert said.startswith("Published"), said
            publish.append(seconds)
            fields = {"Datasette URL": remote.database_url + "/items", "Table name": "items"}
            seconds, said = in_app(page, f"{pulled.stem}/-/pull", fields, "Pull")
            assert said.startswith("Pulled"), said
            pull.append(seconds)
        return publish, pull


async def time_cpython(source, pulled, remote, runs):
    app = await start("/ds/", "benchmark")
    await library.add(app.ds, (source.stem, str(source)), (pulled.stem, str(pulled)))

    def local(path, method="GET", body=None):
        headers = [("content-type", "application/json")] if body else []
        return asyncio.run_coroutine_threadsafe(app.handle(method, ORIGIN + path, headers, body), loop).result()

    loop = asyncio.get_running_loop()
    publish, pull = [], []
    for _ in range(runs):
        drop_on_server(remote)
        began = time.perf_counter()
        await asyncio.to_thread(publish_natively, local, source.stem, remote)
        publish.append(time.perf_counter() - began)
        url = remote.database_url + "/items.json?_shape=objects&_size=max&_extra=count&_extra=primary_keys"
        began = time.perf_counter()
        await asyncio.to_thread(
            functools.partial(pull_natively, local, pulled.stem, url, "items", "&first=1&replace=1")
        )
        pull.append(time.perf_counter() - began)
    app.ds.close()
    return publish, pull


def line(what, app, native, rows):
    a, n = statistics.median(app), statistics.median(native)
    spread = f"{min(app):.1f}-{max(app):.1f}"
    return f"{what}: app median {a:.1f} s ({spread}, {rows / a:,.0f} rows/s); CPython {n:.1f} s; ratio {a / n:.2f}x"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="transfer-bench-"))
    remote = None
    try:
        source = make_db(work / "shelf.db", to_publish(args.rows))
        pulled = make_db(work / "pulled.db", rows=1, table="kept")
        (work / "server").mkdir()
        sqlite3.connect(work / "server" / "team.db").close()
        remote = serve_datasette(work / "server" / "team.db", "--setting", "max_insert_rows", "1000")
        native = asyncio.run(time_cpython(source, pulled, remote, args.runs))
        app = time_app(source, pulled, remote, args.runs, work)
        print(f"{args.rows:,} rows ({source.stat().st_size / 1e6:.1f} MB), {args.runs} runs, datasette serve 1.0a41")
        print(line("publish", app[0], native[0], args.rows))
        print(line("pull", app[1], native[1], args.rows))
    finally:
        if remote:
            remote.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
