"""The datasette-pwa benchmark (issue 4): headless Debian Chromium against the built dist/, one command.

    .venv/bin/python benchmarks/run.py [--warm-runs 7] [--requests 15] [--skip-large]

Builds dist/ (cached) and serves a copy of it (another developer may rebuild dist/ meanwhile) with build.py's own
static Handler, as `python3 build.py serve` does, on a free port. Then it measures:

1. Cold start: fresh profile, online, to the first rendered Datasette page; bytes downloaded (every response not
   answered by the service worker, from the page, the worker and the service worker: Playwright's Request.sizes()).
2. Warm start: same profile, offline, server stopped, a new browser process each run, to a library database's page;
   the boot stages as the status bar shows them, the frame's navigation timing, the worker's console `boot` marks.
3. Page latency: the same pages fetched in the app (service worker -> shell -> worker -> Datasette) and from
   native `datasette serve` (CPython, same Datasette, same database, the bundled plugins without ours), both with fetch() in Chromium;
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
import dataclasses
import datetime
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import large, pages, queries, start
from bench.common import say, serve, snapshot_dist
from bench.report import footer, report
from playwright.sync_api import sync_playwright
from testkit.browser import CHROMIUM

HERE = Path(__file__).resolve().parent

RESULTS = HERE / "results"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cold-runs", type=int, default=3)
    parser.add_argument("--warm-runs", type=int, default=7)
    parser.add_argument("--requests", type=int, default=15)
    parser.add_argument("--warmups", type=int, default=3)
    parser.add_argument("--skip-large", action="store_true", help="skip the 1.7 GB import (section 4)")
    return parser.parse_args()


def environment():
    return {
        "when": datetime.datetime.now().isoformat(timespec="seconds"),
        "command": "benchmarks/run.py " + " ".join(sys.argv[1:]),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.platform()}",
        "chromium": subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True).stdout.strip(),
        # Anything else running on the machine (tests, builds) shows up in every timing: noted, not corrected.
        "load_average_start": os.getloadavg(),
    }


def main():
    args = parse_args()
    started = time.perf_counter()
    results = environment()
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
            cold, library = start.cold(pw, url, main_profile, profiles, args.cold_runs, dist_bytes)
            results["cold"] = dataclasses.asdict(cold)
            server.stop()  # from here on the app runs with the network cut
            server = None
            results["warm"] = dataclasses.asdict(start.warm(pw, url, main_profile, args.warm_runs))
            latency = pages.page_latency(pw, url, main_profile, library, args.warmups, args.requests)
            results["pages"] = dataclasses.asdict(latency)
            if not args.skip_large:
                results["large"] = dataclasses.asdict(large.large(pw, url, main_profile, dist, scratch))
            results["queries"] = queries.query_speed(pw, dist, scratch, library.path).by_storage
    finally:
        if server:
            server.stop()
        shutil.rmtree(scratch, ignore_errors=True)
    results["duration_s"] = time.perf_counter() - started
    results["load_average_end"] = os.getloadavg()
    write_results(results)


def write_results(results):
    RESULTS.mkdir(exist_ok=True)
    write(RESULTS / "latest.json", json.dumps(results, indent=1))  # first, so a report bug cannot lose a run
    markdown = report(results) + footer(results)
    write(RESULTS / "latest.md", markdown)
    print("\n" + markdown)


def write(path, text):
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    tmp.replace(path)


if __name__ == "__main__":
    main()
