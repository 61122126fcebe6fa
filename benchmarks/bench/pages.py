"""Section 3, page latency: the same pages fetched in the app (service worker -> shell -> worker -> Datasette) and from
native `datasette serve` (CPython, same Datasette, same database, the bundled plugins without ours), both with fetch() in Chromium."""

import dataclasses
import statistics
import time
import urllib.parse

import datagen
from playwright.sync_api import Error as PlaywrightError
from testkit.browser import CHROMIUM, CHROMIUM_ARGS
from testkit.servers import NATIVE_ENV, free_port, start_server

from .common import DB, ROOT, SCAN_SQL, say, stats
from .start import warm_start

# Wraps the Datasette worker's message handlers (globals, so no app change is needed) to time each relayed
# request inside the worker: from its REQUEST arriving to its RESPONSE being posted (Python, conversions, flush).
WORKER_TIMER_JS = """() => {
  if (self.__timed) return;
  self.__timed = [];
  const started = new Map();
  const onmessage = self.onmessage;
  self.onmessage = (event) => {
    if (event.data?.type === "request") started.set(event.data.id, [event.data.url, performance.now()]);
    return onmessage(event);
  };
  const post = self.postMessage;
  self.postMessage = function (message, transfer) {
    const start = message?.type === "response" && started.get(message.id);
    if (start) { started.delete(message.id); self.__timed.push([start[0], performance.now() - start[1]]); }
    return post.call(self, message, transfer);
  };
}"""

# The same from the shell page, for engines whose workers the harness cannot reach (Firefox over BiDi, WebKit):
# wraps Worker.prototype.postMessage to time each relayed request from the shell posting its REQUEST to the shell
# receiving the answer's last message. That is the worker's time plus the two hops between shell and worker.
SHELL_TIMER_JS = """() => {
  if (self.__timed) return;
  self.__timed = [];
  const started = new Map();
  const watched = new WeakSet();
  const post = Worker.prototype.postMessage;
  Worker.prototype.postMessage = function (message, transfer) {
    if (message?.type === "request") started.set(message.id, [message.url, performance.now()]);
    if (!watched.has(this)) {
      watched.add(this);
      this.addEventListener("message", ({ data }) => {
        const start = started.get(data?.id);
        const last = (data?.type === "response" && !data.more) || (data?.type === "body" && (data.end || data.error));
        if (!start || !last) return;
        started.delete(data.id);
        self.__timed.push([start[0], performance.now() - start[1]]);
      });
    }
    return post.call(this, message, transfer);
  };
}"""

# N sequential fetches of one URL after some warm-ups, each timed to the last byte of the body; also the very first
# fetch of the URL (a page type's first render also compiles its templates). With `before`, an untimed fetch of that
# URL precedes each one. Stops at the first request that gets no answer in time, a 5xx or a status unlike the previous
# one's: {failure}.
FETCH_LOOP_JS = r"""async ([url, warmups, n, timeoutMs, before]) => {
  const times = [];
  let status, bytes, first, hits = 0;
  for (let i = 0; i < warmups + n; i++) {
    if (before) await fetch(before, { cache: "no-store" }).then((r) => r.arrayBuffer());
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), timeoutMs);
    const t = performance.now();
    let response, body;
    try {
      response = await fetch(url, { cache: "no-store", signal: abort.signal });
      body = await response.arrayBuffer();
    } catch (error) {
      return { failure: { request: i, error: `no answer within ${timeoutMs / 1000} s (${error.name})` } };
    } finally {
      clearTimeout(timer);
    }
    const ms = performance.now() - t;
    if (response.status >= 500 || (status !== undefined && response.status !== status)) {
      const text = new TextDecoder().decode(body).replace(/<style[^]*?<\/style>|<[^>]+>/g, " ").replace(/\s+/g, " ");
      return { failure: { request: i, status: response.status, error: text.trim().slice(0, 300) } };
    }
    if (i >= warmups) times.push(ms);
    if (i >= warmups && response.headers.get("x-datasette-pwa-cache") === "hit") hits++;
    first ??= ms;
    status = response.status;
    bytes = body.byteLength;
  }
  return { times, status, bytes, first, hits };
}"""
REQUEST_TIMEOUT_MS = 10_000
# Drops the interpreter's memory snapshot (pwa/worker/snapshot.js keeps it in this OPFS directory).
DROP_SNAPSHOT_JS = "navigator.storage.getDirectory().then(d => d.removeEntry('snapshots', {recursive: true}))"


def page_urls(word):
    return [
        ("database (60 tables)", DB),
        ("table", f"{DB}/items"),
        ("facet", f"{DB}/items?_facet=category_id"),
        ("filter", f"{DB}/items?price__gt=900"),
        ("sort", f"{DB}/items?_sort_desc=price"),
        ("search (FTS)", f"{DB}/items?_search={word}"),
        ("row", f"{DB}/items/123456"),
        ("custom SQL", f"{DB}/-/query?sql={urllib.parse.quote(SCAN_SQL)}"),
        (".json", f"{DB}/items.json"),
        (".csv", f"{DB}/items.csv"),
        ("facet, 3 columns", f"{DB}/items?_facet=category_id&_facet=quantity&_facet=created"),
        ("1,000 rows with blobs, .json", f"{DB}/-/query.json?sql={urllib.parse.quote('select * from blobs')}"),
        ("1,000-row .csv", f"{DB}/items.csv?_size=1000"),
        ("40 columns", f"{DB}/wide"),
    ]


# Fetched before each timed request of the page ratios: in the app, any request but a page's own makes the worker draw
# the next page again (pwa/worker/response-cache.js keeps it only while nothing else ran), so the ratios compare Datasette
# drawing the page on both sides. Repeat views, from the cache, are timed on their own.
FRESH = "-/versions.json"

# Cheap requests, to see what the relay costs (not part of the page ratios).
TRIVIAL = [("static file", "-/static/app.css"), ("versions.json", "-/versions.json")]


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


def median_or_none(values):
    values = list(values)
    return statistics.median(values) if values else None


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


def native_server(db, threads):
    port = free_port()
    settings = ["--setting", "base_url", "/ds/"]
    if threads is not None:
        settings += ["--setting", "num_sql_threads", str(threads)]
    # A baseline that is not us: the bundled plugins, without this project's (which makes every request root's).
    command = [str(ROOT / ".venv/bin/datasette"), "serve", str(db), "--port", str(port), *settings]
    return start_server(command, f"http://127.0.0.1:{port}/", "ds/-/versions.json", env=NATIVE_ENV)


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
