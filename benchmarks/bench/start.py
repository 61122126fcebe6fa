"""Sections 1 and 2: cold start (fresh profile, online, to the first rendered Datasette page; bytes downloaded) and
warm start (same profile, offline, a new browser process each run, to a library database's page)."""

import dataclasses
import json
import re
import shutil
import statistics
import time
import urllib.parse
from pathlib import Path

import datagen
from playwright.sync_api import Error as PlaywrightError
from testkit.browser import launch
from testkit.page import open_with_input, wait_kept

from .common import DB, STAGES_SCRIPT, fmt, say, stats, wait_usable


@dataclasses.dataclass
class ColdStart:
    """results["cold"]: stats of the runs' times to a usable app, the boot stages' stats, medians of the bytes and
    responses downloaded, the size of dist/ and each run's measurements."""

    usable: dict
    stages: dict
    bytes: float
    requests: float
    dist_bytes: int
    runs: list


@dataclasses.dataclass
class WarmStart:
    """results["warm"]: stats over the warm starts that succeeded, and why the others failed."""

    usable: dict | None
    with_launch: dict | None
    fcp: dict | None
    saved_view: (
        dict | None
    )  # the page as saved at the last visit, shown while Python starts (pwa/shared/saved-views.js)
    saved_view_answered: dict | None  # when the service worker had checked that it is current and sent it
    stages: dict
    runs: list
    failures: list
    boot_modes: list
    worker_marks: dict


@dataclasses.dataclass
class LibraryDb:
    """The page-latency database, as fill_library put it in the app's library: its file and full-text module."""

    path: Path
    fts: str


def fill_library(page):
    """Opens the page-latency database in the app (the first cold start's window, once usable): a LibraryDb."""
    fts5 = page.evaluate(
        "fetch('ds/_memory/-/query.json?_shape=array&sql=' + encodeURIComponent("
        "\"select sqlite_compileoption_used('ENABLE_FTS5') as yes\")).then(r => r.json())"
    )[0]["yes"]
    fts = "fts5" if fts5 else "fts4"
    # The app and `datasette serve` both name a database after its file: serve the same name.
    db = datagen.DATA / "run" / f"{DB}.db"
    db.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(datagen.pages_db(fts), db)
    open_with_input(page, [db])
    page.locator(f"#library li[data-name='{DB}']").wait_for(timeout=120_000)
    # The database's page, which opening it showed, kept: the first warm start's saved view.
    wait_kept(page, urllib.parse.urljoin(page.url, f"/ds/{DB}"))
    return LibraryDb(db, fts)


def cold(pw, url, main_profile, profiles, count, dist_bytes):
    """Section 1: `count` cold starts. The first one's profile (main_profile) keeps the app and gets the page-latency
    database in its library: (ColdStart, LibraryDb)."""
    say("1. cold start…")
    first, library = cold_start(pw, url, main_profile, fill_library)
    runs = [first] + [cold_start(pw, url, profiles / f"cold{i}")[0] for i in range(1, count)]
    for i in range(1, count):
        shutil.rmtree(profiles / f"cold{i}", ignore_errors=True)
    result = ColdStart(
        usable=stats([c["usable_ms"] for c in runs]),
        stages=stage_table(runs),
        bytes=statistics.median(c["bytes"] for c in runs),
        requests=statistics.median(c["requests"] for c in runs),
        dist_bytes=dist_bytes,
        runs=runs,
    )
    say(f"   {fmt(result.usable)}, {result.bytes / 1e6:.1f} MB")
    return result, library


def warm(pw, url, profile, count):
    """Section 2: `count` warm starts on the cold start's profile (the server is stopped by then)."""
    say(f"2. warm start × {count}…")
    runs, failures = [], []
    for _ in range(count):
        try:
            run, context, page = warm_start(pw, url, profile)
        except PlaywrightError as error:  # includes the app's own failure panel (wait_usable)
            failures.append(str(error).splitlines()[0])
            say(f"   failed: {failures[-1]}")
            continue
        # As a user who stays a second: the page is kept for the next start about a second after it is drawn. A
        # browser closed sooner can leave no current view for the next start (5 of 7 starts showed one at 22:34).
        try:
            wait_kept(page, f"{url}ds/{DB}")
        except AssertionError as error:
            say(f"   {error}: the next start shows no saved view")
        context.close()
        runs.append(run)
        say(f"   {run['usable_ms']:.0f} ms (+{run['launch_ms']:.0f} ms launch)")
    return WarmStart(
        usable=stats([w["usable_ms"] for w in runs]),
        with_launch=stats([w["usable_ms"] + w["launch_ms"] for w in runs]),
        fcp=stats([w["fcp_ms"] for w in runs if w["fcp_ms"] is not None]),
        saved_view=stats([w["saved_view_ms"] for w in runs if w["saved_view_ms"] is not None]),
        saved_view_answered=stats(
            [w["saved_view_answered_ms"] for w in runs if w.get("saved_view_answered_ms") is not None]
        ),
        stages=stage_table(runs),
        runs=runs,
        failures=failures,
        boot_modes=[w.get("boot") for w in runs],
        worker_marks={
            k: stats([w["worker_marks"][k] for w in runs if k in w.get("worker_marks", {})])
            for k in dict.fromkeys(k for w in runs for k in w.get("worker_marks", {}))
        },
    )


def cold_start(pw, url, profile, after_ready=None):
    """One first visit on an empty profile; network bytes are every response not answered by the service worker.
    (run, what after_ready(page) returned): after_ready runs once the app is usable, before the browser closes."""
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
        part = next(
            (p for p in ("pyodide/", "site-packages/") if path.startswith("/" + p)), "shell, service worker, icons"
        )
        by_part = run["bytes_by_part"]
        by_part[part] = by_part.get(part, 0) + max(sizes["responseBodySize"], 0) + max(sizes["responseHeadersSize"], 0)
    run["bytes"] = sum(run["bytes_by_part"].values())
    kept = after_ready(page) if after_ready else None
    context.close()
    return run, kept


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
    run = {
        "launch_ms": (launched - t0) * 1000,
        "usable_ms": usable,
        "fcp_ms": first_paint(page),
        "saved_view_ms": page.evaluate("performance.getEntriesByName('saved view shown')[0]?.startTime ?? null"),
        "saved_view_answered_ms": page.evaluate(SAVED_VIEW_ANSWERED_JS),
        "stages": stages(page),
    }
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

# When the service worker's answer to the saved view's frame began to arrive (it checked the view is current first), on
# the shell's clock; null when it sent none (204 leaves the frame at about:blank, with no navigation entry) or the
# shell has no saved views (older builds, which ab_start.py runs).
SAVED_VIEW_ANSWERED_JS = """() => {
  const w = document.querySelector("#saved iframe")?.contentWindow;
  const nav = w?.performance.getEntriesByType("navigation")[0];
  return nav ? w.performance.timeOrigin - performance.timeOrigin + nav.responseStart : null;
}"""


def stages(page):
    """[(stage, ms since navigation start)]: what the status bar showed (the trailing "…" dropped), then the frame's marks."""
    return [(text.rstrip("…"), ms) for text, ms in page.evaluate("window.__stages")] + page.evaluate(FRAME_MARKS_JS)
