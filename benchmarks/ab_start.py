"""An interleaved A/B start benchmark of two builds of the app (issue 29, "A start budget").

    flock /tmp/browser.lock nice .venv/bin/python benchmarks/ab_start.py A B [--warm-runs 6] [--cold-runs 2]

A and B are git revisions (3e384e1, HEAD, ...) or `worktree`: dist/ as `python3 build.py` builds it from the working
tree. A revision is exported with `git archive` into a temporary folder that shares the project's node_modules/ and
.cache/ folders (nothing is downloaded again) and built there by its own build.py. Each build's dist/ is served on its
own port, and the starts alternate between the builds, so that whatever else the machine does weighs on both alike:

1. Cold starts A, B, A, B...: a fresh profile each, online, to the first rendered Datasette page (bench/start.py's
   cold_start). The first of each build keeps its profile, with the page-latency database in its library.
2. Warm starts A, B, A, B... on those two profiles, offline, a new browser process each, to the database's page
   (warm_start): the time to the live page and to the saved view; the worker's boot marks (its console line
   `boot ... {json}`: ms from the worker's boot to the end of each stage); the memory snapshot's size (the files of
   the OPFS folder "snapshots", read while the app is open).

With each build's site-packages: files.gz as downloaded, and unzipped (the sizes listed in index.json). Writes
benchmarks/results/ab_start-A-B.json (every run; the revisions' hashes and dates) and its .md: medians with [min-max]
and B - A of each median. A failed start is recorded and the benchmark goes on; nothing asserts on timings. The
builds and the browsers run inside: hold /tmp/browser.lock around the whole command, as above.
"""

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from ab_start_builds import WORKTREE, prepare
from ab_start_report import as_results, difference, markdown, snapshot_mb
from bench.common import DB, say, serve
from bench.start import cold_start, fill_library, warm_start
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright
from run import RESULTS, environment, write
from testkit.page import wait_kept

# {file name: bytes} of the OPFS folder the app keeps its start snapshot in (pwa/worker/snapshot.js); {} when there is none.
SNAPSHOT_FILES_JS = """async () => {
  let folder;
  try {
    folder = await (await navigator.storage.getDirectory()).getDirectoryHandle("snapshots");
  } catch {
    return {};
  }
  const sizes = {};
  for await (const [name, handle] of folder.entries())
    if (handle.kind === "file") sizes[name] = await handle.getFile().then((f) => f.size, () => null);
  return sizes;
}"""


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("a", metavar="A", help=f"a git revision, or {WORKTREE}")
    parser.add_argument("b", metavar="B", help=f"a git revision, or {WORKTREE}")
    parser.add_argument("--warm-runs", type=int, default=6)
    parser.add_argument("--cold-runs", type=int, default=2)
    return parser.parse_args()


def prepare_library(page):
    """fill_library (as run.py does). Its last step waits for the database's page to be kept for the next start; a shell
    without saved views (3e384e1's) never keeps it, and the wait ends after 30 s: the database is in the library."""
    try:
        fill_library(page)
    except AssertionError:
        if page.locator("#saved").count():
            raise


def record(b, phase, error):
    b.failures.append({"phase": phase, "error": str(error).splitlines()[0]})
    say(f"   {b.key} failed: {b.failures[-1]['error']}")


def cold_phase(pw, builds, count, scratch):
    say(f"cold starts × {count} each, interleaved…")
    for i in range(count):
        for b in builds:
            profile = b.profile if i == 0 else scratch / b.key / f"cold{i}"
            try:
                run, _ = cold_start(pw, b.url, profile, prepare_library if i == 0 else None)
            except (PlaywrightError, AssertionError) as error:
                record(b, "cold", error)
                continue
            finally:
                if i:
                    shutil.rmtree(profile, ignore_errors=True)
            b.cold.append(run)
            say(f"   {b.key}: {run['usable_ms']:.0f} ms")


def warm_phase(pw, builds, count):
    say(f"warm starts × {count} each, offline, interleaved…")
    for _ in range(count):
        for b in builds:
            try:
                run = warm_once(pw, b)
            except PlaywrightError as error:  # includes the app's own failure panel (wait_usable)
                record(b, "warm", error)
                continue
            b.warm.append(run)
            say(f"   {b.key}: {run['usable_ms']:.0f} ms, {run.get('boot')}, snapshot {snapshot_mb(run):.1f} MB")


def warm_once(pw, b):
    run, context, page = warm_start(pw, b.url, b.profile)
    try:
        run["snapshot_files"] = page.evaluate(SNAPSHOT_FILES_JS)
        if page.locator("#saved").count():
            # As bench/start.py's warm(): a user who stays a second, so that the page is kept for the next start.
            try:
                wait_kept(page, f"{b.url}ds/{DB}")
            except AssertionError as error:
                run["not_kept"] = str(error)
    finally:
        context.close()
    return run


def measure(args, scratch):
    builds = [prepare(key, rev, scratch) for key, rev in (("A", args.a), ("B", args.b))]
    servers = [serve(b.dist) for b in builds]
    try:
        for b, server in zip(builds, servers, strict=True):
            b.url = server.url
        with sync_playwright() as pw:
            cold_phase(pw, builds, args.cold_runs, scratch)
            for server in servers:  # from here on both apps run with the network cut
                server.stop()
            servers = []
            warm_phase(pw, builds, args.warm_runs)
    finally:
        for server in servers:
            server.stop()
    return builds


def main():
    args = parse_args()
    began = time.perf_counter()
    results = environment()
    results["command"] = "benchmarks/ab_start.py " + " ".join(sys.argv[1:])
    scratch = Path(tempfile.mkdtemp(prefix="ab-start-"))
    try:
        results["builds"] = as_results(measure(args, scratch))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    results["difference"] = difference(*(results["builds"][k]["summary"] for k in "AB"))
    results["duration_s"] = time.perf_counter() - began
    results["load_average_end"] = os.getloadavg()
    RESULTS.mkdir(exist_ok=True)
    name = f"ab_start-{args.a}-{args.b}"  # one file per pair, so that each comparison keeps its figures
    write(RESULTS / f"{name}.json", json.dumps(results, indent=1))  # first, so a table bug cannot lose a run
    text = markdown(results)
    write(RESULTS / f"{name}.md", text)
    print("\n" + text)


if __name__ == "__main__":
    main()
