"""Memory of the app's web content on a phone-sized window, against what iOS lets a web page use.

    .venv/bin/python benchmarks/phone_memory.py

Headless Debian Chromium at 360x740 (touch): the renderer process that runs the shell, its Datasette worker and the
framed page, after a warm start (from the memory snapshot), then after opening a 200 MB database and its first table
page (peak while it is copied in, and after). RSS, PSS and anonymous memory from /proc, as benchmarks/run.py does.
iOS ends a Safari web content process at about 1.5 GB (WebKit bug 268816; it varies with the device), and WebAssembly
memory above about 1 GB fails on some iPhones. Writes benchmarks/results/phone_memory.{json,md}.
"""

import json
import sqlite3
import tempfile
import time
from pathlib import Path

from bench.common import MemorySampler, memory_mb
from playwright.sync_api import sync_playwright
from testkit.browser import PHONE, launch, wait_ready
from testkit.page import open_with_input, wait_for_frame
from testkit.servers import serve_app

HERE = Path(__file__).resolve().parent

RESULTS = HERE / "results"
IOS_LIMIT_MB = 1500


def database_200mb(path):
    with sqlite3.connect(path) as db:
        db.execute("create table notes (id integer primary key, title text, body text)")
        db.execute(
            "with recursive n(i) as (select 1 union all select i + 1 from n where i < 200000) "
            "insert into notes select i, 'note ' || i, hex(randomblob(480)) from n"
        )
    db.close()
    return path


def renderer(profile):
    """[RSS, PSS, anonymous] in MB of the profile's renderer processes (the app's pages and its worker)."""
    return memory_mb(profile).get("renderer", [0.0, 0.0, 0.0])


def settled(profile, seconds=3):
    time.sleep(seconds)
    return renderer(profile)


def measure(playwright, url, work):
    profile = work / "profile"
    context = launch(playwright, profile, device=PHONE)
    context.pages[0].goto(url)
    wait_ready(context.pages[0])  # the first start, which also makes the memory snapshot
    time.sleep(5)
    context.close()
    context = launch(playwright, profile, device=PHONE)
    page = context.pages[0]
    page.goto(url)
    wait_ready(page)
    started = settled(profile)
    sampler = MemorySampler(profile)
    sampler.start()
    page.tap("#menu")
    open_with_input(page, [database_200mb(work / "notes.db")], tap=True)
    wait_for_frame(page, "/ds/notes")
    page.evaluate("() => { document.getElementById('frame').src = 'ds/notes/notes'; }")
    wait_for_frame(page, "/ds/notes/notes")
    sampler.stopping.set()
    sampler.join()
    opened = settled(profile)
    context.close()
    return {"after_start_mb": started, "peak_opening_mb": sampler.peak("renderer"), "after_opening_mb": opened}


def report(result):
    (RESULTS / "phone_memory.json").write_text(json.dumps(result, indent=1) + "\n")
    rows = [
        f"| After a warm start | {result['after_start_mb'][0]:.0f} MB | {result['after_start_mb'][1]:.0f} MB | "
        f"{result['after_start_mb'][2]:.0f} MB |",
        f"| Opening a 200 MB database, peak RSS | {result['peak_opening_mb']:.0f} MB | | |",
        f"| After it, its table page shown | {result['after_opening_mb'][0]:.0f} MB | "
        f"{result['after_opening_mb'][1]:.0f} MB | {result['after_opening_mb'][2]:.0f} MB |",
    ]
    md = "\n".join(
        [
            f"Renderer process at 360x740 (shell, Datasette worker, framed page); iOS limit about {IOS_LIMIT_MB} MB.",
            "",
            "| | RSS | PSS | anonymous |",
            "|---|---|---|---|",
            *rows,
        ]
    )
    (RESULTS / "phone_memory.md").write_text(md + "\n")
    print(md)


def main():
    server = serve_app()
    try:
        with sync_playwright() as playwright, tempfile.TemporaryDirectory() as work:
            report(measure(playwright, server.url, Path(work)))
    finally:
        server.stop()


if __name__ == "__main__":
    main()
