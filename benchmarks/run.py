"""The datasette-pwa benchmark (issue 4): headless Debian Chromium against the built dist/, one command.

    .venv/bin/python benchmarks/run.py [--warm-runs 7] [--requests 15] [--skip-large]

Builds dist/ (cached) and serves a copy of it (another developer may rebuild dist/ meanwhile) with build.py's own
static Handler, as `python3 build.py serve` does, on a free port. Then it measures:

1. Cold start: fresh profile, online, to the first rendered Datasette page; bytes downloaded (every response not
   answered by the service worker, from the page, the worker and the service worker: Playwright's Request.sizes()).
2. Warm start: same profile, offline, server stopped, a new browser process each run, to a library database's page;
   the boot stages as the status bar shows them, the frame's navigation timing, the worker's console `boot` marks.
3. Page latency: the same pages fetched in the app (service worker -> shell -> worker -> Datasette) and from
   native `datasette serve` (CPython, same Datasette, same database, same plugin), both with fetch() in Chromium;
   in the app, the time spent inside the worker too (its message handlers are wrapped from outside). When the app
   stops answering, the failure is reported and the page retried in a new window (see app_latency).
4. Large database: import a generated 1.7 GB file through the Open button, then its first table page; browser memory
   (RSS, PSS and anonymous memory summed over the profile's Chromium processes, from /proc, ~5 samples a second);
   baselines: the same File only read, and written with a sync access handle, in a plain page (benchmarks/harness/).
5. Query speed: the same SQL on the file in OPFS (the app's opfs-fs.js) vs MEMFS, in Pyodide (benchmarks/harness/);
   CPython's sqlite3 for reference.

Prints markdown tables and writes benchmarks/results/latest.json and latest.md. Generated databases are kept in
benchmarks/.data/ (git-ignored) and reused. Figures are medians with [min-max]; ratios are against baselines
measured in the same run. Nothing here asserts on timings.
"""

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(HERE)]

import datagen  # noqa: E402
from conftest import CHROMIUM, CHROMIUM_ARGS, free_port, launch, start_server  # noqa: E402
from playwright.sync_api import Error as PlaywrightError, sync_playwright  # noqa: E402

RESULTS = HERE / "results"
DB = "pages"  # the page-latency database's name, in the library and natively (from its file name, pages.db)
BOOT_TIMEOUT_MS = 180_000

# Runs in every frame of every page; in the shell it timestamps each text the status bar shows (the boot stages).
STAGES_SCRIPT = """
if (window === top) {
  window.__stages = [];
  let last = null;
  new MutationObserver(() => {
    const text = document.getElementById("status")?.textContent;
    if (text && text !== last) { last = text; window.__stages.push([text, performance.now()]); }
  }).observe(document, { subtree: true, childList: true, characterData: true });
}
"""

# Resolves when the shell says Ready and its frame has finished loading a page whose path ends with `end`;
# the value is the frame's load-event end in ms since the shell's navigation started (no polling error).
USABLE_JS = """([end, ready]) => {
  if (!document.getElementById("failure")?.hidden) return { failure: document.getElementById("failure-detail").textContent };
  if (ready && document.getElementById("status")?.textContent !== "Ready") return null;
  const w = document.getElementById("frame").contentWindow;
  if (!w.location.pathname.endsWith(end) || w.document.readyState !== "complete") return null;
  const nav = w.performance.getEntriesByType("navigation")[0];
  if (!nav || !nav.loadEventEnd) return null;
  return { ms: w.performance.timeOrigin + nav.loadEventEnd - performance.timeOrigin };
}"""

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

# N sequential fetches of one URL after some warm-ups, each timed to the last byte of the body; also the very first
# fetch of the URL (a page type's first render also compiles its templates). Stops at the first request that gets no
# answer in time, a 5xx or a status unlike the previous one's: {failure}.
FETCH_LOOP_JS = """async ([url, warmups, n, timeoutMs]) => {
  const times = [];
  let status, bytes, first;
  for (let i = 0; i < warmups + n; i++) {
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
    first ??= ms;
    status = response.status;
    bytes = body.byteLength;
  }
  return { times, status, bytes, first };
}"""
REQUEST_TIMEOUT_MS = 10_000
# Drops the interpreter's memory snapshot (pwa/snapshot.js keeps it in this OPFS directory).
DROP_SNAPSHOT_JS = "navigator.storage.getDirectory().then(d => d.removeEntry('snapshots', {recursive: true}))"


# The custom SQL page's query; section 5 also runs it on each storage.
SCAN_SQL = ("select json_extract(data, '$.color') as color, count(*) as n, round(avg(price), 2) as avg_price "
            "from items group by color order by n desc")


def pages(word):
    return [
        ("database", DB),
        ("table", f"{DB}/items"),
        ("facet", f"{DB}/items?_facet=category_id"),
        ("filter", f"{DB}/items?price__gt=900"),
        ("sort", f"{DB}/items?_sort_desc=price"),
        ("search (FTS)", f"{DB}/items?_search={word}"),
        ("row", f"{DB}/items/123456"),
        ("custom SQL", f"{DB}/-/query?sql={urllib.parse.quote(SCAN_SQL)}"),
        (".json", f"{DB}/items.json"),
        (".csv", f"{DB}/items.csv"),
    ]


# Cheap requests, to see what the relay costs (not part of the page ratios).
TRIVIAL = [("static file", "-/static/app.css"), ("versions.json", "-/versions.json")]


# --- small helpers -------------------------------------------------------------------------------

# What `python3 build.py serve` runs, but for any directory: build.py's own Handler (its MIME types) on a threading server.
SERVE_PY = """import functools, http.server, sys
sys.path.insert(0, sys.argv[3])
import build
handler = functools.partial(build.Handler, directory=sys.argv[2])
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), handler).serve_forever()
"""


def serve(directory):
    port = free_port()
    return start_server([sys.executable, "-c", SERVE_PY, str(port), str(directory), str(ROOT)], f"http://127.0.0.1:{port}/")


def snapshot_dist(target):
    """Build dist/ and copy it: another developer may rebuild dist/ while this runs, so serve a copy that cannot change."""
    for _ in range(5):
        subprocess.run([sys.executable, "build.py"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        shutil.rmtree(target, ignore_errors=True)
        try:
            shutil.copytree(ROOT / "dist", target)
        except (shutil.Error, OSError):
            pass  # dist/ was being rebuilt under us
        if (target / "sw.js").exists() and (target / "index.html").exists():
            return target
        time.sleep(5)
    raise RuntimeError("could not get a complete build of dist/")


def stats(values):
    values = sorted(values)
    if not values:
        return None
    q = statistics.quantiles(values, n=4) if len(values) > 1 else [values[0]] * 3
    return {"median": statistics.median(values), "min": values[0], "max": values[-1], "q1": q[0], "q3": q[2],
            "n": len(values)}


def fmt(s, unit="ms", digits=0):
    if s is None:
        return "–"
    f = f"{{:.{digits}f}}"
    return f"{f.format(s['median'])} [{f.format(s['min'])}–{f.format(s['max'])}] {unit}".strip()


def say(text):
    print(text, flush=True)


def wait_usable(page, end, timeout=BOOT_TIMEOUT_MS, ready=True):
    """ms from the shell's navigation start to the frame's load of a page ending with `end` (and, if ready, "Ready")."""
    # Polled every 100 ms, not every frame, to leave the CPU to the app; the value itself is exact.
    result = page.wait_for_function(USABLE_JS, arg=[end, ready], timeout=timeout, polling=100).json_value()
    if "failure" in result:
        raise PlaywrightError(f"the app showed its failure panel: {result['failure']}")
    return result["ms"]


# The frame's own navigation, on the shell's clock: where the time between "Ready" and a rendered page goes.
FRAME_MARKS_JS = """() => {
  const w = document.getElementById("frame").contentWindow;
  const nav = w.performance.getEntriesByType("navigation")[0];
  const offset = w.performance.timeOrigin - performance.timeOrigin;
  const resources = w.performance.getEntriesByType("resource").map((r) => r.responseEnd);
  return [["frame: navigation starts", offset], ["frame: page's HTML received", offset + nav.responseEnd],
          ["frame: DOMContentLoaded", offset + nav.domContentLoadedEventEnd],
          ["frame: its last CSS/JS file received", offset + Math.max(0, ...resources)]];
}"""


def stages(page):
    """[(stage, ms since navigation start)]: what the status bar showed (the trailing "…" dropped), then the frame's marks."""
    return [(text.rstrip("…"), ms) for text, ms in page.evaluate("window.__stages")] + page.evaluate(FRAME_MARKS_JS)


def open_with_input(page, path):
    """Open a file with the Open button's <input type=file> (the picker is hidden by an init script)."""
    with page.expect_file_chooser() as chooser:
        page.click("#open-database")
    chooser.value.set_files(str(path))


def profile_processes(profile):
    """{pid: kind} of this profile's Chromium: processes started with its --user-data-dir and their descendants;
    kind is the process's --type (with the utility's sub-type), or "browser"."""
    children, roots, cmdlines = {}, [], {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            # Chromium rewrites its child processes' command lines as one space-separated string.
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").split()
        except OSError:
            continue
        children.setdefault(ppid, []).append(int(entry.name))
        cmdlines[int(entry.name)] = cmdline
        if f"--user-data-dir={profile}".encode() in cmdline:
            roots.append(int(entry.name))
    found, todo = {}, list(roots)
    while todo:
        pid = todo.pop()
        if pid not in found:
            flags = dict(a.decode(errors="replace").split("=", 1) for a in cmdlines.get(pid, []) if b"=" in a)
            kind = flags.get("--type", "browser")
            if "--utility-sub-type" in flags:
                kind += ":" + flags["--utility-sub-type"].split(".")[0]
            found[pid] = kind
            todo += children.get(pid, [])
    return found


def memory_mb(profile):
    """{kind: [RSS, PSS, anonymous]} in MB summed over the profile's processes, with "total". PSS splits shared pages
    fairly; anonymous leaves out file-backed pages (mapped files, which the kernel can drop)."""
    out = {"total": [0.0, 0.0, 0.0]}
    for pid, kind in profile_processes(profile).items():
        try:
            lines = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
        except OSError:
            continue
        for line in lines:
            for i, key in enumerate(("Rss:", "Pss:", "Anonymous:")):
                if line.startswith(key):
                    mb = int(line.split()[1]) / 1024
                    out.setdefault(kind, [0.0, 0.0, 0.0])[i] += mb
                    out["total"][i] += mb
    return out


class MemorySampler(threading.Thread):
    """Samples memory_mb() continuously (a /proc scan takes time: about 5 samples a second): [(perf_counter, sample)]."""

    def __init__(self, profile, every=0.1):
        super().__init__(daemon=True)
        self.profile, self.every, self.samples, self.stopping = profile, every, [], threading.Event()

    def run(self):
        while not self.stopping.is_set():
            self.samples.append((time.perf_counter(), memory_mb(self.profile)))
            time.sleep(self.every)

    def peak(self, kind="total", index=0, start=0, end=float("inf")):
        return max((m.get(kind, [0, 0, 0])[index] for t, m in self.samples if start <= t <= end), default=0)


# --- 1 and 2: cold and warm start ------------------------------------------------------------------

def cold_start(pw, url, profile, after_ready=None):
    """One first visit on an empty profile; network bytes are every response not answered by the service worker."""
    context = launch(pw, profile)
    context.add_init_script(STAGES_SCRIPT)
    context.add_init_script("delete window.showOpenFilePicker")
    finished = []
    context.on("requestfinished", lambda request: finished.append(request))
    page = context.pages[0]
    page.goto(url)
    usable = wait_usable(page, "/ds/")
    run = {"usable_ms": usable, "stages": stages(page), "fcp_ms": first_paint(page)}
    network = [r for r in finished if not r.response().from_service_worker]
    run["requests"] = len(network)
    run["bytes_by_part"] = {}
    for request in network:
        sizes = request.sizes()
        path = urllib.parse.urlsplit(request.url).path
        part = next((p for p in ("pyodide/", "site-packages/") if path.startswith("/" + p)), "shell, service worker, icons")
        by_part = run["bytes_by_part"]
        by_part[part] = by_part.get(part, 0) + max(sizes["responseBodySize"], 0) + max(sizes["responseHeadersSize"], 0)
    run["bytes"] = sum(run["bytes_by_part"].values())
    if after_ready:
        after_ready(page)
    context.close()
    return run


def first_paint(page):
    return page.evaluate("performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null")


def warm_start(pw, url, profile):
    """A new browser process on the visited profile, offline, opened at the library database's page."""
    t0 = time.perf_counter()
    context = launch(pw, profile, offline=True)
    launched = time.perf_counter()
    context.add_init_script(STAGES_SCRIPT)
    logs = []
    context.on("console", lambda message: logs.append(message.text))
    page = context.pages[0]
    page.goto(f"{url}ds/{DB}")
    try:
        usable = wait_usable(page, f"/ds/{DB}", timeout=90_000)
    except PlaywrightError:
        context.close()
        raise
    run = {"launch_ms": (launched - t0) * 1000, "usable_ms": usable, "fcp_ms": first_paint(page),
           "stages": stages(page)}
    # The worker logs `boot from snapshot {"runtime": ms, ...}` (or `boot normal ...`): its own marks, when present.
    for text in logs:
        found = re.match(r"boot (from snapshot|normal) (\{.*\})", text)
        if found:
            run["boot"], run["worker_marks"] = found[1], json.loads(found[2])
    return run, context, page


def stage_table(runs):
    """Median time at which each boot stage began, across runs."""
    names = []
    for run in runs:
        for name, _ in run["stages"]:
            if name not in names:
                names.append(name)
    table = {}
    for name in names:
        table[name] = stats([ms for run in runs for n, ms in run["stages"] if n == name])
    return table


# --- 3: page latency --------------------------------------------------------------------------------

def time_page(page, url, warmups, n, worker=None):
    """One URL's timings; with the app's worker, also the time each request spent inside it."""
    if worker:
        worker.evaluate("self.__timed.length = 0")
    r = page.evaluate(FETCH_LOOP_JS, [url, warmups, n, REQUEST_TIMEOUT_MS])
    if "failure" in r:
        return r
    entry = {"times": r["times"], "status": r["status"], "bytes": r["bytes"], "first_ms": r["first"], "stats": stats(r["times"])}
    if worker:
        inside = [ms for u, ms in worker.evaluate("self.__timed") if u == url][warmups:]
        if len(inside) == len(r["times"]):
            entry["worker_stats"] = stats(inside)
            entry["relay_stats"] = stats([a - b for a, b in zip(r["times"], inside)])
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
        for attempt in range(2):
            try:
                session = session or AppSession(pw, url, profile)
            except PlaywrightError as error:
                failures.append({"page": label, "request": -1, "boot": None, "errors": [],
                                 "error": f"the window did not start: {str(error).splitlines()[0]}"})
                continue
            entry = time_page(session.page, f"{url}ds/{path}", warmups, n, session.worker)
            if "failure" not in entry:
                out[label] = {**entry, "boot": session.run.get("boot")}
                break
            time.sleep(0.5)  # let the worker's errors arrive
            failures.append({"page": label, **entry["failure"], "boot": session.run.get("boot"),
                             "errors": list(dict.fromkeys(" ".join(e.split())[:200] for e in session.errors))[:3]})
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
    # --root as in the app (datasette_pwa's plugin, installed in the venv, makes every request root's).
    command = [str(ROOT / ".venv/bin/datasette"), "serve", str(db), "--port", str(port), "--root", *settings]
    return start_server(command, f"http://127.0.0.1:{port}/", "ds/-/versions.json")


def page_latency(pw, url, profile, db, word, warmups, n):
    urls = pages(word) + TRIVIAL
    say("  app…")
    app, failures = app_latency(pw, url, profile, urls, warmups, n)
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
                native[name][label] = time_page(page, server.url + "ds/" + path, warmups, n)
                if "failure" in native[name][label]:
                    raise RuntimeError(f"native Datasette failed on {label}: {native[name][label]}")
            page.close()
            server.stop()
    finally:
        browser.close()
    return app, native, failures


# --- 4: large database ---------------------------------------------------------------------------------

# In the shell: when the file input changed (the file was chosen) and when the database appeared in the library.
IMPORT_WATCH_JS = """name => {
  window.__chosen = window.__listed = null;
  document.addEventListener("change", () => { window.__chosen ??= performance.now(); }, { capture: true, once: true });
  new MutationObserver((_, observer) => {
    if (document.querySelector(`#library li[data-name="${name}"]`)) { window.__listed = performance.now(); observer.disconnect(); }
  }).observe(document.getElementById("library"), { childList: true, subtree: true });
}"""

# Clicks the table's link in Datasette's database page; the click's time on the shell's clock.
CLICK_JS = """href => {
  const link = document.getElementById("frame").contentDocument.querySelector(`a[href$="${href}"]`);
  const t = performance.now();
  link.click();
  return t;
}"""


def large_database(pw, url, profile, path):
    context = launch(pw, profile, offline=True)
    context.add_init_script(STAGES_SCRIPT)
    context.add_init_script("delete window.showOpenFilePicker")
    page = context.pages[0]
    page.goto(url)
    wait_usable(page, "/ds/")
    time.sleep(2)  # let the boot's garbage settle before taking the baseline
    base = memory_mb(profile)
    sampler = MemorySampler(profile)
    sampler.start()
    page.evaluate(IMPORT_WATCH_JS, "huge")
    with page.expect_file_chooser() as chooser:
        page.click("#open-database")
    t0 = time.perf_counter()
    chooser.value.set_files(str(path))
    page.wait_for_function("() => window.__listed", timeout=600_000, polling=100)
    t_listed = time.perf_counter()
    db_page = wait_usable(page, "/ds/huge", 120_000, ready=False)
    clicked = page.evaluate(CLICK_JS, "/ds/huge/blobs")
    table_page = wait_usable(page, "/ds/huge/blobs", 120_000, ready=False)
    chosen, listed = page.evaluate("[window.__chosen, window.__listed]")
    rows = page.frame_locator("#frame").locator("table.rows-and-columns tbody tr").count()
    time.sleep(1)
    sampler.stopping.set()
    sampler.join()
    after = memory_mb(profile)
    context.close()
    size = path.stat().st_size
    # The same bytes copied by the OS, for "does the import stream at disk speed?" (no fsync: neither does OPFS).
    copy = path.with_name("copy-baseline.db")
    c0 = time.perf_counter()
    shutil.copyfile(path, copy)
    copy_s = time.perf_counter() - c0
    copy.unlink()
    import_s = (listed - chosen) / 1000
    kinds = sorted({k for _, m in sampler.samples for k in m} - {"total"})
    return {
        "bytes": size, "rows_shown": rows,
        "import_s": import_s, "import_mb_s": size / 1e6 / import_s, "os_copy_s": copy_s, "os_copy_mb_s": size / 1e6 / copy_s,
        "listed_to_db_page_s": (db_page - listed) / 1000, "table_page_s": (table_page - clicked) / 1000,
        "rss_base_mb": base["total"][0], "rss_peak_mb": sampler.peak(), "rss_after_mb": after["total"][0],
        "rss_growth_mb": sampler.peak() - base["total"][0],
        "rss_growth_import_mb": sampler.peak(end=t_listed) - base["total"][0],
        "pss_growth_mb": sampler.peak(index=1) - base["total"][1],
        "anon_growth_mb": sampler.peak(index=2) - base["total"][2],
        # Which processes grew: peak minus baseline, per process type (RSS).
        "rss_growth_by_process_mb": {k: sampler.peak(k) - base.get(k, [0, 0, 0])[0] for k in kinds},
        "samples": [(round(t - t0, 2), m["total"]) for t, m in sampler.samples],
    }


# --- 5: query speed on OPFS vs MEMFS -------------------------------------------------------------------

QUERIES_PY = """
import json, random, sqlite3, time
def bench(variants, runs):
    # variants: {label: (path, cache_kib or None)}. Each round runs every variant in turn, so that load from
    # elsewhere on the machine falls on all of them alike; round 0 is a warm-up (it also reads the file).
    cons = {}
    for label, (path, cache_kib) in variants.items():
        con = cons[label] = sqlite3.connect(path)
        con.execute('pragma journal_mode=truncate')  # as the app's plugin sets on every connection
        if cache_kib:
            con.execute(f'pragma cache_size=-{cache_kib}')
    ids = random.Random(1).sample(range(1, ROWS + 1), 1000)
    queries = {
        'count(*)': lambda con: con.execute('select count(*) from items').fetchone(),
        'group by': lambda con: con.execute('select category_id, count(*), avg(price) from items group by category_id').fetchall(),
        '1000 pk lookups': lambda con: [con.execute('select * from items where id = ?', (i,)).fetchone() for i in ids],
        'full scan (the custom SQL page)': lambda con: con.execute(SCAN_SQL).fetchall(),
    }
    out = {label: {name: [] for name in queries} for label in cons}
    for round in range(runs + 1):
        for name, query in queries.items():
            for label, con in cons.items():
                t = time.perf_counter()
                query(con)
                if round:
                    out[label][name].append((time.perf_counter() - t) * 1000)
    for con in cons.values():
        con.close()
    return out
"""


def queries_code():
    return QUERIES_PY.replace("ROWS", str(datagen.ITEMS)).replace("SCAN_SQL", repr(SCAN_SQL))


class Harness:
    """benchmarks/harness/ with Pyodide and the app's opfs-fs.js from dist/, served and open in a fresh profile."""

    def __init__(self, pw, dist, scratch):
        self.tmp = Path(tempfile.mkdtemp(prefix="harness-", dir=scratch))
        site = self.tmp / "site"
        shutil.copytree(dist / "pyodide", site / "pyodide")
        shutil.copy(dist / "opfs-fs.js", site)
        for name in ("index.html", "worker.js"):
            shutil.copy(HERE / "harness" / name, site)
        self.server = serve(site)
        self.profile = self.tmp / "profile"
        self.context = launch(pw, self.profile)
        self.page = self.context.pages[0]
        self.page.set_default_timeout(600_000)
        self.page.goto(self.server.url)
        self.page.wait_for_function("window.workerReady === true")
        self.call("boot")

    def call(self, op, *args):
        return self.page.evaluate("([op, args]) => window.call(op, ...args)", [op, list(args)])

    def call_with_file(self, path, op, *args):
        """Run op in the worker with the file at path (a File from the page's <input type=file>) as first argument."""
        self.page.set_input_files("#file", str(path))
        return self.page.evaluate("([op, args]) => window.callWithFile(op, ...args)", [op, list(args)])

    def close(self):
        self.context.close()
        self.server.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)


def import_baselines(pw, dist, scratch, path):
    """What the browser itself does with the same File: read it only; write it into OPFS with a sync access handle
    (in a worker, as opfs-fs.js writes). Time and peak memory growth of the profile's processes, as in section 4."""
    harness = Harness(pw, dist, scratch)
    out = {}
    try:
        for label, op in [("read only", "readOnly"), ("sync access handle write", "syncWrite")]:
            time.sleep(2)
            base = memory_mb(harness.profile)
            sampler = MemorySampler(harness.profile)
            sampler.start()
            ms = harness.call_with_file(path, op, "copy.db")
            sampler.stopping.set()
            sampler.join()
            out[label] = {"s": ms / 1000, "mb_s": path.stat().st_size / 1e3 / ms, "rss_growth_mb": sampler.peak() - base["total"][0]}
    finally:
        harness.close()
    return out


def query_speed(pw, dist, scratch, db, runs=9):
    harness = Harness(pw, dist, scratch)
    try:
        opfs, memfs = harness.call_with_file(db, "toOpfs", "bench.db"), harness.call_with_file(db, "toMemfs", "bench.db")
        # The last variant shows one lever: SQLite's default 2 MB page cache sends random reads to storage.
        variants = {"OPFS (opfs-fs.js)": (opfs, None), "MEMFS": (memfs, None), "OPFS, 64 MB SQLite cache": (opfs, 65536)}
        results = harness.call("py", queries_code() + f"json.dumps(bench({variants!r}, {runs}))")
    finally:
        harness.close()
    scope = {}
    exec(queries_code(), scope)
    results.update(scope["bench"]({"CPython sqlite3, disk": (str(db), None)}, runs))
    return {label: {q: stats(v) for q, v in r.items()} for label, r in results.items()}


# --- report ----------------------------------------------------------------------------------------------

def ratio_rows(app, native, baseline, labels):
    """(page, app median, baseline median, ratio) for the pages the app answered."""
    return [(label, app[label]["stats"]["median"], native[baseline][label]["stats"]["median"],
             app[label]["stats"]["median"] / native[baseline][label]["stats"]["median"]) for label in labels if label in app]


def median_or_none(values):
    values = list(values)
    return statistics.median(values) if values else None


def times(x):
    return "–" if x is None else f"{x:.2f}×"


def report(r):
    md = [f"# datasette-pwa benchmark — {r['when']}", "",
          f"`{r['command']}` on {r['machine']}; Chromium: {r['chromium']}. "
          "Medians with [min–max]; every baseline is measured in the same run. Load average (1, 5, 15 min) at the start: "
          + ", ".join(f"{x:.1f}" for x in r["load_average_start"]) + ".", ""]
    c = r["cold"]
    md += ["## Start", "", "| | median [min–max] | runs |", "|---|---|---|",
           f"| Cold start, online, empty profile: first Datasette page rendered | {fmt(c['usable'])} | {c['usable']['n']} |",
           f"| Cold start: downloaded (network responses, bodies + headers) | {c['bytes'] / 1e6:.1f} MB in {c['requests']:.0f} responses: "
           + ", ".join(f"{part} {b / 1e6:.1f} MB" for part, b in c["runs"][0]["bytes_by_part"].items())
           + f" (dist/ is {c['dist_bytes'] / 1e6:.1f} MB) | |",
           f"| Warm start, offline, new browser process: database page rendered (from navigation) | {fmt(r['warm']['usable'])} | {(r['warm']['usable'] or {}).get('n', 0)} |",
           f"| Warm start including browser launch | {fmt(r['warm']['with_launch'])} | {(r['warm']['usable'] or {}).get('n', 0)} |",
           f"| Warm start: shell's first contentful paint | {fmt(r['warm']['fcp'])} | {(r['warm']['usable'] or {}).get('n', 0)} |",
           "", "Boot stages (when the status bar showed each one, ms from navigation; median [min–max]):", "",
           "| stage | cold | warm |", "|---|---|---|"]
    for name in list(dict.fromkeys([*c["stages"], *r["warm"]["stages"]])):
        label = "Loading (the shell's HTML is parsed)" if name == "Loading" else name
        md.append(f"| {label} | {fmt(c['stages'].get(name))} | {fmt(r['warm']['stages'].get(name))} |")
    md.append(f"| Datasette page rendered in the frame | {fmt(c['usable'])} | {fmt(r['warm']['usable'])} |")
    if r["warm"]["failures"]:
        md += ["", f"**{len(r['warm']['failures'])} warm start(s) failed**: " + "; ".join(r["warm"]["failures"])]
    modes = r["warm"]["boot_modes"]
    if any(modes):
        md += ["", f"Warm starts from a memory snapshot: {modes.count('from snapshot')} of {len(modes)}. The worker's own marks "
               "(its console `boot` line; ms since the worker's boot began, cumulative): "
               + ", ".join(f"{k} {fmt(v)}" for k, v in r["warm"]["worker_marks"].items()) + "."]

    p = r["pages"]
    md += ["", f"## Page latency: app vs native CPython Datasette ({p['requests']} requests per page after {p['warmups']} warm-ups)", "",
           f"Both measured with `fetch()` in Chromium to the last body byte. Baseline: native `datasette serve` with "
           f"{p['baseline_name']}. In the app, *worker* is the time inside the Datasette worker (request message in to "
           "response message out) and *relay* the rest (service worker, shell, messages, Response); *first request* is the "
           "very first fetch of that URL in the session (a page type's first render also compiles its templates).", "",
           "| page | app | worker | relay | native (baseline) | ratio | native, default threads | first request app / native | bytes app / native |",
           "|---|---|---|---|---|---|---|---|---|"]
    boots = {entry.get("boot") for entry in p["app"].values()}
    for label, base in p["native"][p["baseline"]].items():
        entry = p["app"].get(label)
        if entry is None:
            md.append(f"| {label} | **failed** (see below) | | | {fmt(base['stats'], digits=1)} | | | | |")
            continue
        shown = label + (" †" if len(boots) > 1 and entry.get("boot") != "from snapshot" else "")
        other = p["native"]["default" if p["baseline"] == "threads0" else "threads0"][label]
        ratio = entry["stats"]["median"] / base["stats"]["median"]
        size = f"{entry['bytes']:,} / {base['bytes']:,}" + ("" if entry["status"] == base["status"] else f" (status {entry['status']} / {base['status']})")
        md.append(f"| {shown} | {fmt(entry['stats'], digits=1)} | {fmt(entry.get('worker_stats'), '', 1)} | "
                  f"{fmt(entry.get('relay_stats'), '', 1)} | {fmt(base['stats'], digits=1)} | {ratio:.2f}× | "
                  f"{other['stats']['median']:.1f} ms | {entry['first_ms']:.0f} / {base['first_ms']:.0f} ms | {size} |")
    md += ["", f"Median of page ratios: **{times(p['median_ratio'])}**; worst: **{times(p['max_ratio'])}** ({p['max_ratio_page']}); "
           f"over the {p['pages_compared']} of {p['pages']} pages the app answered. "
           f"(Against default threads: median {times(p['median_ratio_default'])}, worst {times(p['max_ratio_default'])}.)", ""]
    if p["app_failures"]:
        md += [f"**The app failed {len(p['app_failures'])} time(s)** during this section; each time the benchmark started a "
               "new window and tried that page once more (booting normally if the failed window had restored the snapshot):", ""]
        for f in p["app_failures"]:
            md.append(f"- {f['page']}, request {f['request'] + 1} (worker boot: {f['boot'] or 'unknown'}): "
                      f"{f.get('status', '')} {f['error']}" + (f" — worker errors: {'; '.join(f['errors'])}" if f["errors"] else ""))
        if len(boots) > 1:
            md.append("\n† measured in a window whose worker booted normally (after the benchmark dropped the snapshot), "
                      "not from the memory snapshot.")
        md.append("")

    if r.get("large", {}).get("error"):
        md += ["## Large database", "", f"**Failed**: {r['large']['error']}", ""]
    elif r.get("large"):
        g = r["large"]
        md += ["## Large database", "",
               f"| {g['bytes'] / 1e9:.2f} GB generated database | |", "|---|---|",
               f"| Import through Open (choose file → listed in the library) | {g['import_s']:.1f} s ({g['import_mb_s']:.0f} MB/s; the OS copies the same file at {g['os_copy_mb_s']:.0f} MB/s) |",
               f"| Listed → its database page rendered | {g['listed_to_db_page_s']:.2f} s |",
               f"| Click → first table page rendered ({g['rows_shown']} rows) | {g['table_page_s']:.2f} s |",
               f"| Browser memory growth, peak, all of the profile's processes (RSS sampled ~5×/s) | +{g['rss_growth_mb']:.0f} MB "
               f"(+{g['rss_growth_import_mb']:.0f} MB during the import; {g['rss_base_mb']:.0f} → peak {g['rss_peak_mb']:.0f} → "
               f"{g['rss_after_mb']:.0f} MB after the table page); "
               f"PSS +{g['pss_growth_mb']:.0f} MB; anonymous (not file-backed) +{g['anon_growth_mb']:.0f} MB |",
               "| Baselines: the same File in a plain page's worker (same browser) | "
               + "; ".join(f"{k}: {v['s']:.1f} s, {v['mb_s']:.0f} MB/s, RSS +{v['rss_growth_mb']:.0f} MB" for k, v in g["baselines"].items()) + " |",
               "| Peak RSS growth by process | " + ", ".join(f"{k} +{v:.0f} MB" for k, v in g["rss_growth_by_process_mb"].items() if abs(v) >= 5) + " |",
               ""]

    q = r["queries"]
    labels = list(q)
    md += ["## Query speed by storage (Pyodide's SQLite 3.39 in a worker; ms, median [min–max] of 9 rounds after a warm-up round)", "",
           "| query | " + " | ".join(labels) + " | OPFS / MEMFS |", "|---|" + "---|" * (len(labels) + 1)]
    for query in q[labels[0]]:
        cells = [fmt(q[label][query], "", 1) for label in labels]
        md.append(f"| {query} | " + " | ".join(cells) + f" | {q[labels[0]][query]['median'] / q[labels[1]][query]['median']:.2f}× |")
    md.append("")
    return "\n".join(md)


def write(path, text):
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    tmp.replace(path)


# --- main ---------------------------------------------------------------------------------------------------

def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cold-runs", type=int, default=3)
    parser.add_argument("--warm-runs", type=int, default=7)
    parser.add_argument("--requests", type=int, default=15)
    parser.add_argument("--warmups", type=int, default=3)
    parser.add_argument("--skip-large", action="store_true", help="skip the 1.7 GB import (section 4)")
    args = parser.parse_args()
    started = time.perf_counter()
    results = {"when": datetime.datetime.now().isoformat(timespec="seconds"),
               "command": "benchmarks/run.py " + " ".join(sys.argv[1:]),
               "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.platform()}",
               "chromium": subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True).stdout.strip(),
               # Anything else running on the machine (tests, builds) shows up in every timing: noted, not corrected.
               "load_average_start": os.getloadavg()}

    say("build…")
    scratch = Path(tempfile.mkdtemp(prefix="ds-bench-"))
    dist = snapshot_dist(scratch / "dist")
    dist_bytes = sum(f.stat().st_size for f in dist.rglob("*") if f.is_file())
    profiles = scratch / "profiles"
    main_profile = profiles / "main"
    server = serve(dist)
    url = server.url
    try:
        with sync_playwright() as pw:
            # 1. Cold start; the first run's profile keeps the app and gets the page-latency database in its library.
            say("1. cold start…")
            found = {}

            def fill_library(page):
                fts5 = page.evaluate(
                    "fetch('ds/_memory/-/query.json?_shape=array&sql=' + encodeURIComponent("
                    "\"select sqlite_compileoption_used('ENABLE_FTS5') as yes\")).then(r => r.json())")[0]["yes"]
                found["fts"] = "fts5" if fts5 else "fts4"
                # The app and `datasette serve` both name a database after its file: serve the same name.
                found["db"] = db = datagen.DATA / "run" / f"{DB}.db"
                db.parent.mkdir(exist_ok=True)
                shutil.copyfile(datagen.pages_db(found["fts"]), db)
                open_with_input(page, db)
                page.locator(f"#library li[data-name='{DB}']").wait_for(timeout=120_000)

            cold = [cold_start(pw, url, main_profile, fill_library)]
            cold += [cold_start(pw, url, profiles / f"cold{i}") for i in range(1, args.cold_runs)]
            for i in range(1, args.cold_runs):
                shutil.rmtree(profiles / f"cold{i}", ignore_errors=True)
            results["cold"] = {"usable": stats([c["usable_ms"] for c in cold]), "stages": stage_table(cold),
                               "bytes": statistics.median(c["bytes"] for c in cold),
                               "requests": statistics.median(c["requests"] for c in cold), "dist_bytes": dist_bytes,
                               "runs": cold}
            say(f"   {fmt(results['cold']['usable'])}, {results['cold']['bytes'] / 1e6:.1f} MB")
            server.stop()  # from here on the app runs with the network cut
            server = None

            say(f"2. warm start × {args.warm_runs}…")
            warm = []
            warm_failures = []
            for _ in range(args.warm_runs):
                try:
                    run, context, _ = warm_start(pw, url, main_profile)
                except PlaywrightError as error:  # includes the app's own failure panel (wait_usable)
                    warm_failures.append(str(error).splitlines()[0])
                    say(f"   failed: {warm_failures[-1]}")
                    continue
                context.close()
                warm.append(run)
                say(f"   {run['usable_ms']:.0f} ms (+{run['launch_ms']:.0f} ms launch)")
            results["warm"] = {"usable": stats([w["usable_ms"] for w in warm]),
                               "with_launch": stats([w["usable_ms"] + w["launch_ms"] for w in warm]),
                               "fcp": stats([w["fcp_ms"] for w in warm if w["fcp_ms"] is not None]),
                               "stages": stage_table(warm), "runs": warm, "failures": warm_failures,
                               "boot_modes": [w.get("boot") for w in warm],
                               "worker_marks": {k: stats([w["worker_marks"][k] for w in warm if k in w.get("worker_marks", {})])
                                                for k in dict.fromkeys(k for w in warm for k in w.get("worker_marks", {}))}}

            say("3. page latency…")
            db, word = found["db"], datagen.search_word(found["db"])
            app, native, failures = page_latency(pw, url, main_profile, db, word, args.warmups, args.requests)
            # Baseline: native with num_sql_threads=0 runs the very code path the app runs (SQL on the event loop, as
            # Pyodide has no threads), so the ratio is the cost of wasm and the relay; default threads is shown too.
            baseline = "threads0"
            page_labels = [label for label, _ in pages(word)]
            rows = ratio_rows(app, native, baseline, page_labels)
            rows_default = ratio_rows(app, native, "default", page_labels)
            worst = max(rows, key=lambda row: row[3], default=("–", None, None, None))
            results["pages"] = {
                "database": {"file": db.name, "bytes": db.stat().st_size, "fts": found["fts"], "rows": datagen.ITEMS,
                             "search_word": word},
                "requests": args.requests, "warmups": args.warmups, "baseline": baseline,
                "baseline_name": "`--setting num_sql_threads 0` (as in the app)",
                "app": app, "native": native, "app_failures": failures, "pages_compared": len(rows), "pages": len(page_labels),
                "median_ratio": median_or_none(row[3] for row in rows), "max_ratio": worst[3], "max_ratio_page": worst[0],
                "median_ratio_default": median_or_none(row[3] for row in rows_default),
                "max_ratio_default": max((row[3] for row in rows_default), default=None),
            }

            if not args.skip_large:
                say("4. large database…")
                huge = datagen.huge_db()
                try:
                    results["large"] = large_database(pw, url, main_profile, huge)
                except PlaywrightError as error:
                    results["large"] = {"error": str(error).splitlines()[0]}
                    say(f"   failed: {results['large']['error']}")
                results["large"]["baselines"] = import_baselines(pw, dist, scratch, huge)

            say("5. query speed OPFS vs MEMFS…")
            results["queries"] = query_speed(pw, dist, scratch, db)
    finally:
        if server:
            server.stop()
        shutil.rmtree(scratch, ignore_errors=True)

    results["duration_s"] = time.perf_counter() - started
    results["load_average_end"] = os.getloadavg()
    RESULTS.mkdir(exist_ok=True)
    write(RESULTS / "latest.json", json.dumps(results, indent=1))  # first, so a report bug cannot lose a run
    markdown = report(results) + (f"\nTotal benchmark time: {results['duration_s'] / 60:.1f} min; load average at the end: "
                                  + ", ".join(f"{x:.1f}" for x in results["load_average_end"]) + ".\n")
    write(RESULTS / "latest.md", markdown)
    print("\n" + markdown)


if __name__ == "__main__":
    main()
