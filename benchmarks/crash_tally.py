"""Kill the browser (SIGKILL) at random moments of each kind of write, and tally what survived.

    .venv/bin/python benchmarks/crash_tally.py [--kills 20] [--kinds insert,update,import,save,take-over]

For each kind: start the app on a fresh profile, repeat that kind of write (recording what was acknowledged: a
response, or a message in the window), SIGKILL every Chromium process of the profile at a random moment, start again
and check. Per kind it prints acknowledged writes lost, starts that failed and integrity failures (each must be 0).
Writes benchmarks/results/crash_tally.json (each kind's counts, what it is, the commit and SQLite) and crash_tally.txt;
benchmarks/readme_figures.py makes docs/safety.md's table from the JSON. Uses the test suite's helpers (testkit/) and
the built dist/.
"""

import argparse
import json
import random
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import testkit.app_sqlite  # noqa: F401 - the app's SQLite in sqlite3's place, as in the tests
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright
from testkit.browser import grant_write_permission, kill_browser, launch, wait_ready
from testkit.databases import kilobyte_rows, make_db
from testkit.page import (
    check,
    clear_notices,
    drop,
    execute_write,
    insert,
    notices,
    open_with_input,
    query,
    wait_for_library,
    wait_for_notice,
)
from testkit.servers import serve_app

ROOT = Path(__file__).resolve().parent.parent

RESULTS = ROOT / "benchmarks" / "results" / "crash_tally.txt"


def write(page, db, sql):
    status, body = execute_write(page, db, sql)
    if status != 200:
        raise SystemExit(f"a write was refused: {sql}: {body}")


class Insert:
    """Single-row inserts through Datasette's JSON API, one after another."""

    db = "crash"
    max_delay = 2.0

    def setup(self, page, work):
        drop(page, [make_db(work / "crash.db", rows=0)])
        wait_for_library(page, self.db)
        self.acknowledged = set()

    def act(self, page, round_):
        i = round_ * 1_000_000 + len(self.acknowledged)
        if insert(page, self.db, {"id": i, "name": "w", "size": i}) == 201:
            self.acknowledged.add(i)

    def lost(self, page):
        present = {row["id"] for row in query(page, self.db, "select id from items")}
        return len(self.acknowledged - present)


class Update:
    """Long transactions: an UPDATE of every row of a 60 MB table, again and again."""

    db = "long"
    max_delay = 15.0  # one update of every row takes several seconds: some kills must land after acknowledgements

    def setup(self, page, work):
        drop(page, [make_db(work / "long.db", kilobyte_rows(60_000))])
        wait_for_library(page, self.db)
        write(page, self.db, "update items set size = 0")
        self.acknowledged = 0

    def act(self, page, round_):
        write(page, self.db, "update items set size = size + 1")
        self.acknowledged += 1

    def lost(self, page):
        [row] = query(page, self.db, "select min(size) as low, max(size) as high from items")
        if row["low"] != row["high"]:
            return 1  # half an update: counted as lost, for it is not all or nothing
        return max(0, self.acknowledged - row["high"])


class Import:
    """CSV imports (50,000 rows each) into an existing database, each as a new table."""

    db = "target"
    max_delay = 20.0

    def setup(self, page, work):
        drop(page, [make_db(work / "target.db", rows=1)])
        wait_for_library(page, self.db)
        self.csv = work / "rows.csv"
        self.csv.write_text("n,label\n" + "".join(f"{i},label {i}\n" for i in range(50_000)))
        self.acknowledged = []

    def act(self, page, round_):
        table = f"t{round_}_{len(self.acknowledged)}"
        open_with_input(page, [self.csv])
        dialog = page.locator("dialog[open]")
        dialog.locator("select").select_option(self.db)
        dialog.locator("input").fill(table)
        dialog.locator("button", has_text="Import").click()
        wait_for_notice(page, "rows from rows.csv into", timeout=120_000)
        clear_notices(page)
        self.acknowledged.append(table)

    def lost(self, page):
        tables = [row["name"] for row in query(page, self.db, "select name from sqlite_master where name like 't%'")]
        counts = {t: query(page, self.db, f"select count(*) as n from [{t}]")[0]["n"] for t in tables}
        missing = [t for t in self.acknowledged if counts.get(t) != 50_000]
        half = [t for t, n in counts.items() if n != 50_000]  # nothing half-imported may appear
        return len(missing) + len(half)


class Save:
    """Save back to the original file after each insert (a 30 MB database)."""

    db = "saved"
    max_delay = 12.0  # an insert, then a save of 30 MB: some kills must land after a confirmed save

    def setup(self, page, work):
        self.original = make_db(work / "saved.db", kilobyte_rows(30_000))
        drop(page, [self.original])
        wait_for_library(page, self.db)
        self.acknowledged = 0  # saves confirmed in the window, each with one more row

    def act(self, page, round_):
        write(page, self.db, f"insert into items (name, size) values ('saved', {round_})")
        page.click(f"#library li[data-name='{self.db}'] button[aria-label='Save {self.db}']")
        dialog = page.locator("dialog[open] button", has_text="Overwrite")
        page.wait_for_function(
            "() => document.querySelector('#notices').textContent.includes('Saved saved') || "
            "document.querySelector('dialog[open]')",
            timeout=60_000,
        )
        if dialog.count():
            dialog.click()
            wait_for_notice(page, "Saved saved")
        clear_notices(page)
        self.acknowledged += 1

    def lost(self, page):
        with sqlite3.connect(self.original) as file:
            ok = file.execute("pragma integrity_check").fetchone() == ("ok",)
            saved = file.execute("select count(*) from items where name = 'saved'").fetchone()[0]
        file.close()
        return (0 if ok else 1) + max(0, self.acknowledged - saved)


class TakeOver:
    """Two windows take the library from each other, each writing once it has it."""

    db = "shared"
    max_delay = 20.0

    def setup(self, page, work):
        drop(page, [make_db(work / "shared.db", rows=0)])
        wait_for_library(page, self.db)
        self.acknowledged = set()

    def act(self, page, round_):
        other = page.context.new_page()
        other.goto(page.url.split("/ds/")[0] + "/")
        other.click("#take-over")
        wait_ready(other)
        i = round_ * 1_000_000 + len(self.acknowledged)
        write(other, self.db, f"insert into items (id, name, size) values ({i}, 'taken', 0)")
        self.acknowledged.add(i)
        page.close()
        return other

    def lost(self, page):
        present = {row["id"] for row in query(page, self.db, "select id from items")}
        return len(self.acknowledged - present)


KINDS = {"insert": Insert, "update": Update, "import": Import, "save": Save, "take-over": TakeOver}


def start(playwright, profile, url):
    """The app on this profile, ready; None when it did not start."""
    context = launch(playwright, profile)
    try:
        context.pages[0].goto(url)
        wait_ready(context.pages[0])
        return context, context.pages[0]
    except (AssertionError, PlaywrightError) as error:
        print(f"  the app did not start: {str(error)[:200]}", flush=True)
        context.close()
        return None


def run_kind(playwright, url, kind, kills):
    """Returns (acknowledged, lost, failed starts, integrity failures) for kills kills of one kind."""
    work = Path(tempfile.mkdtemp(prefix=f"crash-{type(kind).__name__.lower()}-"))
    profile = work / "profile"
    grant_write_permission(profile, url.rstrip("/"))
    context, page = start(playwright, profile, url)
    kind.setup(page, work)
    lost = failed = broken = 0
    for round_ in range(1, kills + 1):
        began = time.monotonic()
        timer = threading.Timer(random.uniform(0.1, kind.max_delay), kill_browser, [profile])
        timer.start()
        try:
            while True:
                page = kind.act(page, round_) or page  # take-over carries on in the window that took over
        except PlaywrightError:
            pass  # the browser died mid-write
        timer.join()
        started = start(playwright, profile, url)
        if not started:
            failed += 1
            started = start(playwright, profile, url)
        if not started:
            raise SystemExit(f"{type(kind).__name__}: the app does not start any more")
        context, page = started
        failed += any("could not be opened" in n for n in notices(page))  # started, but without a database
        missing = kind.lost(page)
        ok = check(page, kind.db)
        lost += missing
        broken += not ok
        print(
            f"  kill {round_:2}: {missing} lost, integrity {'ok' if ok else 'FAILED'} "
            f"({time.monotonic() - began:.0f} s)",
            flush=True,
        )
    context.close()
    acknowledged = kind.acknowledged if isinstance(kind.acknowledged, int) else len(kind.acknowledged)
    return acknowledged, lost, failed, broken


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--kinds", default=",".join(KINDS))
    args = parser.parse_args()
    subprocess.run([sys.executable, "build.py"], cwd=ROOT, check=True, capture_output=True)
    server = serve_app()
    began = time.time()
    rows = []
    with sync_playwright() as playwright:
        for name in args.kinds.split(","):
            print(f"{name}:", flush=True)
            counts = run_kind(playwright, server.url, KINDS[name](), args.kills)
            rows.append({"kind": name, "what": KINDS[name].__doc__.split(".")[0], "kills": args.kills,
                         **dict(zip(COUNTS, counts, strict=True))})  # fmt: skip
            print(rows[-1], flush=True)
    server.stop()
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    results = {"started": time.strftime("%Y-%m-%d %H:%M", time.localtime(began)), "minutes": round((time.time() - began) / 60),
               "commit": commit, "sqlite": app_sqlite(), "rows": rows}  # fmt: skip
    RESULTS.with_suffix(".json").write_text(json.dumps(results, indent=1) + "\n")
    lines = [
        f"{args.kills} SIGKILLs per kind of write, {results['started']}, commit {commit[:12]}, SQLite {results['sqlite']}:"
    ]
    lines += [f"{r['kind']:10} " + " ".join(f"{c} {r[c]}" for c in COUNTS) for r in rows]
    RESULTS.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


# What run_kind counts, in its order.
COUNTS = ["acknowledged", "lost", "failed starts", "integrity failures"]


def app_sqlite() -> str:
    """The SQLite the built app runs: APSW's (wheels.lock), as python/datasette_pwa/sqlite3_apsw reports it."""
    from datasette_pwa.sqlite3_apsw import dbapi2

    return dbapi2.sqlite_version


if __name__ == "__main__":
    main()
