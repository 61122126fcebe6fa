"""Section 3, page latency: the same pages fetched in the app (service worker -> shell -> worker -> Datasette) and from
native `datasette serve` (CPython, same Datasette, same database, the bundled plugins without ours), both with fetch() in Chromium."""

import dataclasses
import time

import datagen
from playwright.sync_api import Error as PlaywrightError
from testkit.browser import CHROMIUM, CHROMIUM_ARGS

from .common import say, stats
from .page_set import (
    FETCH_LOOP_JS,
    FRESH,
    REQUEST_TIMEOUT_MS,
    TRIVIAL,
    WORKER_TIMER_JS,
    median_or_none,
    native_server,
    page_urls,
)
from .start import warm_start

# Drops the interpreter's memory snapshot (pwa/worker/snapshot.js keeps it in this OPFS directory).
DROP_SNAPSHOT_JS = "navigator.storage.getDirectory().then(d => d.removeEntry('snapshots', {recursive: true}))"


@dataclasses.dataclass
class PageLatency:
    """results["pages"]: per-page timings in the app and natively, the app's failures, and the ratios app / native."""

    database: dict
    requests: int
    warmups: int
    baseline: str
    baseline_name: str
    app: dict
    native: dict
    app_failures: list
    pages_compared: int
    pages: int
    median_ratio: float | None
    max_ratio: float | None
    max_ratio_page: str
    median_ratio_default: float | None
    max_ratio_default: float | None
    repeat_median_ms: float | None  # over the pages' repeat-view medians
    repeat_max_ms: float | None


def page_latency(pw, url, profile, library, warmups, n):
    """Section 3: each page `n` times after `warmups` in the app (warm-started on profile), then natively."""
    say("3. page latency…")
    db, word = library.path, datagen.search_word(library.path)
    urls = page_urls(word) + TRIVIAL
    say("  app…")
    app, failures = app_latency(pw, url, profile, urls, warmups, n)
    native = native_latency(pw, db, urls, warmups, n)
    # Baseline: native with num_sql_threads=0 runs the very code path the app runs (SQL on the event loop, as
    # Pyodide has no threads), so the ratio is the cost of wasm and the relay; default threads is shown too.
    baseline = "threads0"
    page_labels = [label for label, _ in page_urls(word)]
    rows = ratio_rows(app, native, baseline, page_labels)
    rows_default = ratio_rows(app, native, "default", page_labels)
    worst = max(rows, key=lambda row: row[3], default=("–", None, None, None))
    repeats = [
        app[label]["repeat"]["stats"]["median"]
        for label in page_labels
        if "stats" in app.get(label, {}).get("repeat", {})
    ]
    return PageLatency(
        database={
            "file": db.name,
            "bytes": db.stat().st_size,
            "fts": library.fts,
            "rows": datagen.ITEMS,
            "search_word": word,
        },
        requests=n,
        warmups=warmups,
        baseline=baseline,
        baseline_name="`--setting num_sql_threads 0` (as in the app), the bundled plugins and not this project's",
        app=app,
        native=native,
        app_failures=failures,
        pages_compared=len(rows),
        pages=len(page_labels),
        median_ratio=median_or_none(row[3] for row in rows),
        max_ratio=worst[3],
        max_ratio_page=worst[0],
        median_ratio_default=median_or_none(row[3] for row in rows_default),
        max_ratio_default=max((row[3] for row in rows_default), default=None),
        repeat_median_ms=median_or_none(repeats),
        repeat_max_ms=max(repeats, default=None),
    )


def ratio_rows(app, native, baseline, labels):
    """(page, app median, baseline median, ratio) for the pages the app answered."""
    return [
        (
            label,
            app[label]["stats"]["median"],
            native[baseline][label]["stats"]["median"],
            app[label]["stats"]["median"] / native[baseline][label]["stats"]["median"],
        )
        for label in labels
        if label in app
    ]


def time_page(page, url, warmups, n, worker=None, before=None):
    """One URL's timings; with the app's worker, also the time each request spent inside it. before: a URL fetched,
    untimed, before each request (in the app, one that makes it draw the page again: see FRESH)."""
    if worker:
        worker.evaluate("self.__timed.length = 0")
    r = page.evaluate(FETCH_LOOP_JS, [url, warmups, n, REQUEST_TIMEOUT_MS, before])
    if "failure" in r:
        return r
    entry = {
        "times": r["times"],
        "status": r["status"],
        "bytes": r["bytes"],
        "first_ms": r["first"],
        "stats": stats(r["times"]),
        "cache_hits": r["hits"],
    }
    if worker:
        inside = [ms for u, ms in worker.evaluate("self.__timed") if u == url][warmups:]
        if len(inside) == len(r["times"]):
            entry["worker_stats"] = stats(inside)
            entry["relay_stats"] = stats([a - b for a, b in zip(r["times"], inside, strict=True)])
    return entry


class AppSession:
    """A warm-started app window, its Datasette worker timed from inside, and the errors its pages and worker throw."""

    def __init__(self, pw, url, profile):
        self.run, self.context, self.page = warm_start(pw, url, profile)
        self.errors = []
        self.context.on("weberror", lambda e: self.errors.append(str(e.error)[:300]))
        self.worker = self.page.workers[0]
        self.worker.evaluate(WORKER_TIMER_JS)


def app_latency(pw, url, profile, urls, warmups, n):
    """Times each URL in the app. When the app stops answering, notes why and tries that URL once more in a new window;
    if the failed window had started from the memory snapshot, the new one boots normally (the snapshot is dropped
    first), so that a broken snapshot does not hide every later page."""
    out, failures, session = {}, [], None
    for label, path in urls:
        for _attempt in range(2):
            try:
                session = session or AppSession(pw, url, profile)
            except PlaywrightError as error:
                failures.append(
                    {
                        "page": label,
                        "request": -1,
                        "boot": None,
                        "errors": [],
                        "error": f"the window did not start: {str(error).splitlines()[0]}",
                    }
                )
                continue
            entry = time_page(session.page, f"{url}ds/{path}", warmups, n, session.worker, f"{url}ds/{FRESH}")
            if "failure" not in entry:
                repeat = time_page(session.page, f"{url}ds/{path}", warmups, n, session.worker)
                out[label] = {**entry, "boot": session.run.get("boot"), "repeat": repeat}
                break
            time.sleep(0.5)  # let the worker's errors arrive
            failures.append(
                {
                    "page": label,
                    **entry["failure"],
                    "boot": session.run.get("boot"),
                    "errors": list(dict.fromkeys(" ".join(e.split())[:200] for e in session.errors))[:3],
                }
            )
            say(f"    the app failed on {label}: {failures[-1]}")
            if session.run.get("boot") == "from snapshot":
                session.page.evaluate(DROP_SNAPSHOT_JS)
            session.context.close()
            session = None
    if session:
        session.context.close()
    return out, failures


def native_latency(pw, db, urls, warmups, n):
    """The same URLs from native `datasette serve` on the same database, with 0 SQL threads and with the default."""
    native = {}
    browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    try:
        for name, threads in [("threads0", 0), ("default", None)]:
            say(f"  native ({name})…")
            server = native_server(db, threads)
            page = browser.new_page()
            page.goto(server.url + "ds/-/versions.json")
            native[name] = {}
            for label, path in urls:
                native[name][label] = time_page(
                    page, server.url + "ds/" + path, warmups, n, None, server.url + "ds/" + FRESH
                )
                if "failure" in native[name][label]:
                    raise RuntimeError(f"native Datasette failed on {label}: {native[name][label]}")
            page.close()
            server.stop()
    finally:
        browser.close()
    return native
