"""Firefox and WebKit figures (issue 15): the benchmark's warm start and page ratios in Debian's firefox-esr and
WebKitGTK, each engine against native `datasette serve` fetched from that same engine in the same run.

    .venv/bin/python benchmarks/other_engines.py [--warm-runs 5] [--requests 15] [--engines firefox webkit]

Engines are driven as the tests drive them (testkit/engines.py); every request off 127.0.0.1 goes to a refusing proxy.
- Firefox: the app visited once online and the page set's database opened into its library; then, with the app's
  server stopped, a new firefox-esr on the same profile for each warm start, to that database's page (as section 2 of
  run.py). The page set (as section 3) is timed in the last warm-started window, then natively.
- WebKit: MiniBrowser under WebKitWebDriver always runs on ephemeral storage, so warm starts are MiniBrowser launches
  without WebDriver on one HOME (testkit/webkit_returning.py), with the server answering only their harness. WebKitGTK
  has no OPFS sync access handles: its library is in memory, so a warm start opens Datasette's home page (an empty
  library), and the page set is timed in a WebDriver session after opening the database into that memory library.

Times are from the shell's navigation start to the frame's load event (in-page clocks, no polling error), and
fetch() to the last byte of the body. Writes benchmarks/results/other_engines.json and .md. Nothing here asserts.
"""

import argparse
import datetime
import json
import os
import shutil
import tempfile
from pathlib import Path

import datagen
from bench.common import DB, USABLE_JS, fmt, say, serve, snapshot_dist, stats
from bench.page_set import FETCH_LOOP_JS, FRESH, REQUEST_TIMEOUT_MS, SHELL_TIMER_JS, native_server, page_urls
from other_engines_report import ratios, report, warm_figures
from testkit import engines, webkit_returning
from testkit.browser import SNAPSHOT_KEPT
from testkit.page import IN_LIBRARY

HERE = Path(__file__).resolve().parent

RESULTS = HERE / "results"
BOOT_TIMEOUT_S = 240
# USABLE_JS polled in the page every 50 ms: {ms} from the shell's navigation start to the frame's load, or {failure}.
WAIT_USABLE_JS = f"""async ([end, timeoutMs]) => {{
  const usable = {USABLE_JS};
  for (const deadline = performance.now() + timeoutMs; performance.now() < deadline; ) {{
    try {{
      const found = usable([end, true]);
      if (found) return found;
    }} catch {{}}
    await new Promise((resolve) => setTimeout(resolve, 50));
  }}
  return {{ failure: "no usable page within " + timeoutMs / 1000 + " s" }};
}}"""


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warm-runs", type=int, default=5)
    parser.add_argument("--requests", type=int, default=15)
    parser.add_argument("--warmups", type=int, default=3)
    parser.add_argument("--engines", nargs="+", default=["firefox", "webkit"], choices=["firefox", "webkit"])
    return parser.parse_args()


def open_database(browser, db):
    browser.pick_files("#open-database", "#file-input", [db])
    browser.wait_until(IN_LIBRARY, DB, timeout=600)


def time_pages(browser, base, urls, warmups, n, fresh):
    """{label: {stats, repeat}} for each URL fetched from the page browser shows; fresh: fetch FRESH before each one.
    In the app (fresh), also the time each request took from the shell to its worker and back (SHELL_TIMER_JS)."""
    out = {}
    if fresh:
        browser.evaluate(SHELL_TIMER_JS)
    for label, path in urls:
        before = base + FRESH if fresh else None
        browser.evaluate("self.__timed && (self.__timed.length = 0)")
        r = browser.evaluate(FETCH_LOOP_JS, [base + path, warmups, n, REQUEST_TIMEOUT_MS, before])
        if "failure" in r:
            raise RuntimeError(f"{browser.name}: {label} failed: {r['failure']}")
        out[label] = {"stats": stats(r["times"]), "bytes": r["bytes"], "cache_hits": r["hits"]}
        if fresh:
            worker = [ms for url, ms in browser.evaluate("self.__timed") if url == base + path][warmups:]
            if len(worker) == len(r["times"]):
                out[label]["worker"] = stats(worker)
                out[label]["relay"] = stats([a - b for a, b in zip(r["times"], worker, strict=True)])
            # the app's repeat view, from its response cache
            repeat = browser.evaluate(FETCH_LOOP_JS, [base + path, warmups, n, REQUEST_TIMEOUT_MS, None])
            out[label]["repeat"] = {"stats": stats(repeat["times"]), "cache_hits": repeat["hits"]}
        say(f"    {label}: {fmt(out[label]['stats'], digits=1)}")
    return out


def native_pages(browser, db, urls, warmups, n):
    """The page set from native `datasette serve`, with 0 SQL threads (as the app) and with the default."""
    native = {}
    for name, threads in [("threads0", 0), ("default", None)]:
        say(f"  native ({name})…")
        server = native_server(db, threads)
        try:
            browser.goto(server.url + "ds/-/versions.json")
            native[name] = time_pages(browser, server.url + "ds/", urls, warmups, n, fresh=False)
        finally:
            server.stop()
    return native


def firefox(dist, db, proxy, scratch, args, urls):
    server = serve(dist)
    profile = scratch / "firefox"
    browser = engines.launch("firefox", profile, proxy.port)
    try:
        browser.start_app(server.url, BOOT_TIMEOUT_S)
        open_database(browser, db)
        browser.wait_until(SNAPSHOT_KEPT, timeout=120)  # a returning user's start is from the memory snapshot
    finally:
        browser.close()
        server.stop()  # from here on, offline
    runs = []
    for i in range(args.warm_runs):
        browser = engines.launch("firefox", profile, proxy.port)
        try:
            browser.goto(f"{server.url}ds/{DB}")
            found = browser.evaluate(WAIT_USABLE_JS, [f"/ds/{DB}", BOOT_TIMEOUT_S * 1000])
            if "failure" in found:
                raise RuntimeError(f"firefox warm start: {found['failure']}")
            saved = browser.evaluate("performance.getEntriesByName('saved view shown')[0]?.startTime ?? null")
            runs.append({"usable_ms": found["ms"], "launch_ms": browser.launch_seconds * 1000, "saved_view_ms": saved})
            say(f"  warm start: {found['ms']:.0f} ms (+{browser.launch_seconds * 1000:.0f} ms launch)")
            if i == args.warm_runs - 1:
                say("  pages in the app…")
                app = time_pages(browser, f"{server.url}ds/", urls, args.warmups, args.requests, fresh=True)
                native = native_pages(browser, db, urls, args.warmups, args.requests)
        finally:
            browser.close()
    return {"warm": warm_figures(runs, "the page set's database page, from its OPFS library"), **ratios(app, native)}


def webkit(dist, db, proxy, scratch, args, urls):
    harness = webkit_returning.HarnessServer(dist)
    home = scratch / "webkit-home"
    runs = []
    try:
        first = webkit_returning.run(harness, home, proxy.port, "first")
        if "error" in first:
            raise RuntimeError(f"webkit first start: {first}")
        harness.cut = True
        for _ in range(args.warm_runs):
            report = webkit_returning.run(harness, home, proxy.port, "returning")
            if "error" in report or not report.get("pageSeconds"):
                raise RuntimeError(f"webkit warm start: {report}")
            runs.append({"usable_ms": report["pageSeconds"] * 1000})
            say(f"  warm start: {runs[-1]['usable_ms']:.0f} ms")
    finally:
        harness.close()
    server = serve(dist)
    (scratch / "webkit-driver").mkdir()
    browser = engines.launch("webkit", scratch / "webkit-driver", proxy.port)
    try:
        browser.start_app(server.url, BOOT_TIMEOUT_S)
        open_database(browser, db)
        say("  pages in the app…")
        app = time_pages(browser, f"{server.url}ds/", urls, args.warmups, args.requests, fresh=True)
        native = native_pages(browser, db, urls, args.warmups, args.requests)
    finally:
        browser.close()
        server.stop()
    return {
        "warm": warm_figures(runs, "Datasette's home page (WebKitGTK's library is in memory only)"),
        **ratios(app, native),
    }


def earlier_engines(ran):
    """The engines a run of some of them did not measure, as the last results had them (with when that run was)."""
    path = RESULTS / "other_engines.json"
    if not path.exists():
        return {}
    earlier = json.loads(path.read_text())
    return {name: {"when": earlier["when"], **r} for name, r in earlier["engines"].items() if name not in ran}


def main():
    args = parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="ds-engines-"))
    results = {
        "when": datetime.datetime.now().isoformat(timespec="seconds"),
        "machine": f"{os.cpu_count()} cores",
        "requests": args.requests,
        "warmups": args.warmups,
        "engines": {},
    }
    proxy = engines.RefusingProxy()
    try:
        dist = snapshot_dist(scratch / "dist")
        db = scratch / f"{DB}.db"  # the app and `datasette serve` both name a database after its file
        shutil.copyfile(datagen.pages_db("fts5"), db)
        urls = page_urls(datagen.search_word(db))
        for name in args.engines:
            if reason := engines.available(name):
                results["engines"][name] = {"error": reason}
                continue
            say(f"{name}…")
            run = {"firefox": firefox, "webkit": webkit}[name]
            try:
                results["engines"][name] = {"when": results["when"], **run(dist, db, proxy, scratch, args, urls)}
            except (RuntimeError, engines.EngineError, TimeoutError, AssertionError) as error:
                results["engines"][name] = {"error": str(error)[:500]}
                say(f"  failed: {error}")
        results["outside"] = proxy.outside  # requests that tried to leave 127.0.0.1: should be none
    finally:
        proxy.close()
        shutil.rmtree(scratch, ignore_errors=True)
    results["engines"] |= earlier_engines(set(args.engines))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "other_engines.json").write_text(json.dumps(results, indent=1))
    markdown = report(results)
    (RESULTS / "other_engines.md").write_text(markdown)
    print("\n" + markdown)


if __name__ == "__main__":
    main()
