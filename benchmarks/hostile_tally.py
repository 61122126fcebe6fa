"""Throw hostile input at the app and count what happens, as crash_tally.py does for kills (issue 23).

    nice -n 10 .venv/bin/python benchmarks/hostile_tally.py [--quick] [--skip-browser] [--cases 1000] [--seed 23]

1. Damaged databases (benchmarks/hostile/shapes.py, damage.py) through the app's Python under CPython, each as an
   import and as a database of the library at a start, in worker processes with a time limit.
2. A random sample of them opened in the real app in Chromium, beside an intact database, restarting every 10.
3. Every hostile script of testkit/hostile_scripts.py in Chromium: execute-write, a drop of its file, a link to it.
4. Pull from the hostile servers of testkit/hostile_servers.py: under CPython (pull-rows) and in Chromium (Pull…).

The browser sections build dist/ and run under the machine's shared lock (/tmp/browser.lock), taken here. Writes
benchmarks/results/hostile_tally.json and hostile_tally.md: one run, one file of each.
"""

import argparse
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

import hostile  # noqa: F401 - first: it puts the app's SQLite in sqlite3's place
from hostile import damaged, pull, report
from hostile.damage import Damager

SECTIONS = ["damaged", "chromium-dbs", "chromium-start", "scripts", "pull"]


def options():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small run: 40 cases, 10 in Chromium, 1 script in 10")
    parser.add_argument("--skip-browser", action="store_true", help="only the CPython sections")
    parser.add_argument("--cases", type=int, default=1000, help="damaged databases under CPython")
    parser.add_argument("--sample", type=int, default=100, help="of those, opened in Chromium")
    parser.add_argument("--seed", type=int, default=23)
    parser.add_argument("--large-mb", type=int, default=30, help="the size of the large shape")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--sections", default=",".join(SECTIONS), help=f"some of {','.join(SECTIONS)}")
    parser.add_argument("--only", default="", help="these scripts, Pull cases or case numbers (by name, `,`-separated)")
    args = parser.parse_args()
    if args.quick:
        args.cases, args.sample, args.large_mb = 40, 10, 5
    args.sections, args.only = args.sections.split(","), set(filter(None, args.only.split(",")))
    # A partial run leaves the results of the last full one: it writes its own beside its work files.
    args.partial = args.quick or args.only or set(args.sections) != set(SECTIONS) or args.skip_browser
    return args


def what_was_tried(args, sections) -> list[str]:
    def tried(name):
        return sections[name]["rows"][0]["tried"] if name in sections else 0

    said = {
        "damaged_cpython": f"{tried('damaged_cpython'):,} damaged "
        f"databases (seed {args.seed}): 7 shapes (FTS5 with triggers, views, blobs over overflow pages, WITHOUT ROWID, "
        f"foreign keys and triggers, a 64 KB-page mix, a {args.large_mb} MB one), each damaged once at random (bits "
        "flipped, bytes zeroed or overwritten, truncated, two pages swapped) in the header, the schema page, a b-tree "
        "interior or leaf page, a freelist or overflow page, or anywhere. Each through the app's Python twice: opened "
        "(problem_with, then add beside an intact database) and at a start (add, no check); then its database page "
        "and every table and view page, HTML and .json.",
        "damaged_chromium": f"{tried('damaged_chromium')} of the damaged databases, at random, opened in Chromium (the Open "
        "button) into a library holding an intact database; the app restarted after every 10.",
        "damaged_chromium_start": f"The same {tried('damaged_chromium_start')}, in Chromium, as databases already in "
        "the library at a start: ten at a time written over the OPFS files of ten databases of the library, then "
        "the app started.",
        "scripts": f"{tried('scripts')} hostile scripts (testkit/hostile_scripts.py), "
        "each brought three ways into a database beside a victim whose real path in the worker it aims at; SQL time "
        "limit 2 s; slow scripts brought as files cancelled after 3 s.",
        "pull_cpython": "Hostile Pull servers (testkit/hostile_servers.py): the cases the app's Python decides, "
        "through pull-rows.",
        "pull_chromium": "Every hostile Pull server case through the real Pull… dialog.",
    }
    return [said[name] for name in sections if name in said]


def browser_sections(args, damager, cases) -> dict:
    from hostile import browser, browser_dbs, browser_scripts, browser_start
    from playwright.sync_api import sync_playwright

    sections = {}
    with browser.browser_lock():
        server = browser.build_and_serve()
        try:
            with sync_playwright() as playwright:
                chosen = random.Random(args.seed).sample(cases, min(args.sample, len(cases)))
                if "chromium-dbs" in args.sections:
                    print("2. damaged databases opened in Chromium", flush=True)
                    sections["damaged_chromium"] = browser_dbs.run(playwright, server.url, damager, chosen)
                if "chromium-start" in args.sections:
                    print("2b. damaged databases in the library at a start, in Chromium", flush=True)
                    sections["damaged_chromium_start"] = browser_start.run(playwright, server.url, damager, chosen)
                if "scripts" in args.sections:
                    print("3. hostile scripts in Chromium", flush=True)
                    sections["scripts"] = browser_scripts.run(playwright, server.url, args.quick, args.only)
                if "pull" in args.sections:
                    print("4b. hostile Pull servers in Chromium", flush=True)
                    sections["pull_chromium"] = pull.run_chromium(playwright, server.url, args.only)
        finally:
            server.stop()
    sections["setup"] = {
        "rows": [],
        "failed_starts_before_any_input": browser.SETUP_FAILURES,
        "unexpected_dialogs": browser.UNEXPECTED_DIALOGS,
    }
    return sections


def main():
    args = options()
    began, started = time.monotonic(), time.strftime("%Y-%m-%d %H:%M:%S")
    work = Path(tempfile.mkdtemp(prefix="hostile-tally-"))
    tempfile.tempdir = str(work)  # every section's files and browser profiles, removed at the end of a full run
    print(f"making the shapes in {work}…", flush=True)
    damager = Damager(work / "shapes", args.seed, args.large_mb)
    cases = [case for case in damager.plans(args.cases) if not args.only or str(case["number"]) in args.only]
    sections = {}
    if "damaged" in args.sections:
        print(f"1. {len(cases)} damaged databases under CPython, {args.processes} processes", flush=True)
        sections["damaged_cpython"] = damaged.run(damager, cases, args.processes)
    if "pull" in args.sections:
        print("4a. hostile Pull servers under CPython", flush=True)
        sections["pull_cpython"] = pull.run_cpython(args.only)
    if not args.skip_browser and set(SECTIONS[1:]) & set(args.sections):
        sections.update(browser_sections(args, damager, cases))
    order = [
        "damaged_cpython",
        "damaged_chromium",
        "damaged_chromium_start",
        "scripts",
        "pull_cpython",
        "pull_chromium",
    ]
    results = {
        "command": " ".join(["benchmarks/hostile_tally.py", *sys.argv[1:]]),
        "started": started,
        "ended": time.strftime("%Y-%m-%d %H:%M:%S"),
        "seconds": round(time.monotonic() - began),
        "revision": report.revision(),
        # The CPython sections' SQLite, which the hostile package put in sqlite3's place (testkit/app_sqlite.py).
        "sqlite": sys.modules["sqlite3"].sqlite_version,
        "options": {k: sorted(v) if isinstance(v, set) else v for k, v in vars(args).items()},
        "tried": what_was_tried(args, sections),
        "rows": [row for name in order if name in sections for row in sections[name]["rows"]],
        "sections": sections,
    }
    report.write(results, work if args.partial else report.RESULTS)
    print(report.markdown(results))
    if not args.partial:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
