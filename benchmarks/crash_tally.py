"""Kill the browser (SIGKILL) 20 times at random moments of a write loop and tally what survived.

    .venv/bin/python benchmarks/crash_tally.py [--kills 20]

Each round: start the app on one profile, insert rows one by one through Datasette's JSON write API, SIGKILL every
Chromium process of the profile after a random 0.2-2 s, restart, and check that every write whose response arrived
is there and that SQLite's integrity_check passes. Uses the test suite's helpers and the built dist/.
"""

import argparse
import random
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from conftest import launch, serve_app, wait_ready  # noqa: E402
from test_crashes import INSERT  # noqa: E402
from test_library_app import drop, kill_browser, make_db, wait_for_library  # noqa: E402

IDS = ("fetch('ds/crash/-/query.json?sql=select+group_concat(id)+as+ids+from+items&_shape=array')"
       ".then(r => r.json()).then(r => r[0].ids || '')")


def start(playwright, profile, url):
    context = launch(playwright, profile)
    page = context.pages[0]
    page.goto(url)
    wait_ready(page)
    return context, page


def integrity(page):
    page.click("#library li[data-name='crash'] button[aria-label='Check crash']")
    page.wait_for_function("() => /crash (passed|failed)/.test(document.querySelector('#notices').textContent)")
    return "crash passed" in page.inner_text("#notices")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=20)
    kills = parser.parse_args().kills
    subprocess.run([sys.executable, "build.py"], cwd=ROOT, check=True, capture_output=True)
    server = serve_app()
    work = Path(tempfile.mkdtemp(prefix="crash-tally-"))
    profile = work / "profile"
    acknowledged, lost, broken = [], 0, 0
    with sync_playwright() as playwright:
        context, page = start(playwright, profile, server.url)
        drop(page, [make_db(work / "crash.db", rows=0)])
        wait_for_library(page, "crash")
        for round_ in range(1, kills + 1):
            timer = threading.Timer(random.uniform(0.2, 2.0), kill_browser, [profile])
            timer.start()
            written = 0
            try:
                while True:
                    i = round_ * 1_000_000 + written
                    if page.evaluate(INSERT, i) != 201:
                        raise SystemExit(f"round {round_}: a write was refused")
                    acknowledged.append(i)
                    written += 1
            except PlaywrightError:
                pass
            timer.join()
            context, page = start(playwright, profile, server.url)
            present = {int(i) for i in page.evaluate(IDS).split(",") if i}
            missing = len(set(acknowledged) - present)
            ok = integrity(page)
            lost += missing
            broken += not ok
            print(f"kill {round_:2}: {written:4} writes acknowledged, {missing} lost, integrity {'ok' if ok else 'FAILED'}",
                  flush=True)
        context.close()
    server.stop()
    print(f"\n{kills} kills, {len(acknowledged)} acknowledged writes, {lost} lost, {broken} integrity failures")
    sys.exit(1 if lost or broken else 0)


if __name__ == "__main__":
    main()
