"""The page set of section 3 and how a browser times it: the pages' URLs, the in-page fetch loop, the timers of the
relayed requests, and native `datasette serve` as the baseline. Shared by pages.py (Chromium, run.py) and
benchmarks/other_engines.py (Firefox, WebKit), so that both measure the same pages the same way; apart from pages.py,
which runs section 3 in Chromium, so that each file holds one job."""

import statistics
import urllib.parse

from testkit.servers import NATIVE_ENV, free_port, start_server

from .common import DB, ROOT, SCAN_SQL

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


def median_or_none(values):
    values = list(values)
    return statistics.median(values) if values else None


def native_server(db, threads):
    port = free_port()
    settings = ["--setting", "base_url", "/ds/"]
    if threads is not None:
        settings += ["--setting", "num_sql_threads", str(threads)]
    # A baseline that is not us: the bundled plugins, without this project's (which makes every request root's).
    command = [str(ROOT / ".venv/bin/datasette"), "serve", str(db), "--port", str(port), *settings]
    return start_server(command, f"http://127.0.0.1:{port}/", "ds/-/versions.json", env=NATIVE_ENV)
