"""Open in place (issue 13): a big database opened with In place… in the built app (headless Chromium), read-only
from the file itself: seconds from choosing the file to its database page, and to its first table page (first and
repeated); the baseline is the same file's first table page once copied into the library, from benchmarks/bench/
large.py's run (results/latest.md), and the target is 2 s.

    .venv/bin/python benchmarks/in_place.py [--db path]   (default: datagen.py's 1.7 GB huge.db)
"""

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import datagen
import testkit.app_sqlite  # noqa: F401 - the app's SQLite in sqlite3's place, as in the tests
from playwright.sync_api import sync_playwright
from testkit.browser import launch, wait_ready
from testkit.page import wait_for_frame
from testkit.servers import serve_app

SHOWN_JS = """query => {
  const doc = document.getElementById("frame").contentDocument;
  return doc.location.search === query && doc.readyState === "complete";
}"""


def table_page(page, db, table, n):
    """Seconds to show the table's first page (a query string of its own, so that no cache answers it)."""
    query = f"?_run={n}"
    began = time.perf_counter()
    page.evaluate(f"document.getElementById('frame').src = 'ds/{db}/{table}{query}'")
    page.wait_for_function(SHOWN_JS, arg=query)
    return time.perf_counter() - began


def open_in_place(playwright, url, path, profile):
    """Open path with In place… in the app at url: (seconds to its database page, seconds to its first table page five
    times: the first, then repeats)."""
    context = launch(playwright, profile)
    page = context.pages[0]
    page.goto(url)
    wait_ready(page)
    page.evaluate("delete window.showOpenFilePicker")
    with page.expect_file_chooser() as chooser:
        page.click("#open-in-place")
    began = time.perf_counter()
    chooser.value.set_files(str(path))
    wait_for_frame(page, f"/ds/{path.stem}")
    opened = time.perf_counter() - began
    tables = page.evaluate(f"fetch('ds/{path.stem}.json').then(r => r.json()).then(j => j.tables.map(t => t.name))")
    times = [table_page(page, path.stem, tables[0], n) for n in range(5)]
    context.close()
    return opened, times


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, default=None)
    path = (parser.parse_args().db or datagen.huge_db()).resolve()
    work, server = Path(tempfile.mkdtemp(prefix="in-place-bench-")), serve_app()
    try:
        with sync_playwright() as playwright:
            opened, times = open_in_place(playwright, server.url, path, work / "profile")
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    print(f"{path.name}: {path.stat().st_size / 1e9:.2f} GB, opened in place in headless Chromium")
    print(f"chosen -> database page: {opened:.2f} s")
    print(f"first table page: {times[0]:.2f} s; again: median {statistics.median(times[1:]):.2f} s")


if __name__ == "__main__":
    main()
