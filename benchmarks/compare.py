"""Compare two databases (issue 12): how long /-/compare takes for two copies of a big database, in the app (the built
dist/ in headless Chromium: both files opened into the library, then fetch() of /-/compare.json through the service
worker and the worker, Pyodide's SQLite on OPFS) and, as the baseline, the app's own Python side under CPython
(datasette_pwa.app, as tests/ use it). The target: under 30 s in the app for 1 GB.

    .venv/bin/python benchmarks/compare.py [--mb 1000] [--runs 3]

Generates a database of about --mb MB in benchmarks/.data/ (kept and reused; datagen.py's huge_db is a fixed 1.7 GB of
one table): items (INTEGER PRIMARY KEY, ~70% of it), events (a rowid table with no primary key, with blobs, ~25%) and
tags (WITHOUT ROWID, two-column key). Copies it, then in the copy changes a few hundred rows (some values to NULL, some
blobs), deletes and inserts some, and adds a column to tags and drops another. Times GET /-/compare.json on the pair,
--runs times, and prints the median; and sqldiff's time on the same files if a sqldiff binary is on the PATH.
"""

import argparse
import asyncio
import json
import random
import shutil
import sqlite3
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import datagen  # benchmarks/, this script's folder
from bench.common import app_window
from datasette_pwa import library
from datasette_pwa.app import start
from playwright.sync_api import sync_playwright
from testkit import ORIGIN

CHANGED_ITEMS = 300
CHANGED_EVENTS = 100
GONE, NEW = 50, 50


def generate(path: Path, mb: int) -> None:
    """Rows made by SQLite itself (a recursive CTE), which writes a GB in a minute or two, where Python would take many."""
    items = mb * 1_000_000 * 70 // 100 // 250
    events = mb * 1_000_000 * 25 // 100 // 220
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    db = sqlite3.connect(partial)
    db.execute("pragma journal_mode=off")
    db.executescript(
        """
        create table items (id integer primary key, name text, description text, price real, quantity integer,
            created text, data text);
        create table events (item_id integer, kind text, at text, payload blob);
        create table tags (item_id integer, tag text, weight integer, primary key (item_id, tag)) without rowid;
        """
    )
    count = "with recursive n(i) as (select 1 union all select i + 1 from n where i < ?) "
    db.execute(
        count + "insert into items select i, 'item ' || i, hex(randomblob(75)), abs(random() % 100000) / 100.0, "
        "abs(random() % 100), date('2020-01-01', '+' || (i % 2000) || ' days'), "
        "json_object('color', 'c' || (i % 8), 'weight', i % 500, 'tags', json_array(i % 7, i % 11)) from n",
        [items],
    )
    db.execute(
        count + "insert into events select abs(random() % ?) + 1, 'kind ' || (i % 12), "
        "datetime('2024-01-01', '+' || i || ' seconds'), randomblob(200) from n",
        [events, items],
    )
    db.execute(count + "insert into tags select (i + 1) / 2, 'tag ' || (i % 2), i % 9 from n", [items])
    db.commit()
    db.close()
    partial.rename(path)


def change(path: Path) -> None:
    """A few hundred rows changed, some deleted and inserted, tags' columns changed (see the module docstring)."""
    rng = random.Random(12)
    db = sqlite3.connect(path)
    items = db.execute("select max(id) from items").fetchone()[0]
    events = db.execute("select max(rowid) from events").fetchone()[0]
    ids = rng.sample(range(1, items + 1), CHANGED_ITEMS + GONE)
    db.executemany("update items set price = price + 1, name = name || ' (edited)' where id = ?", [(i,) for i in ids])
    db.executemany("update items set description = null where id = ?", [(i,) for i in ids[:20]])
    db.executemany("delete from items where id = ?", [(i,) for i in ids[CHANGED_ITEMS:]])
    db.executemany("insert into items (name, price) values (?, 1.5)", [(f"new {n}",) for n in range(NEW)])
    rowids = rng.sample(range(1, events + 1), CHANGED_EVENTS + GONE)
    db.executemany(
        "update events set payload = randomblob(200) where rowid = ?", [(r,) for r in rowids[:CHANGED_EVENTS]]
    )
    db.executemany("delete from events where rowid = ?", [(r,) for r in rowids[CHANGED_EVENTS:]])
    db.execute("alter table tags add column note text")
    db.execute("alter table tags drop column weight")
    db.commit()
    db.close()


async def time_compare(a: Path, b: Path, runs: int) -> tuple[list[float], dict]:
    app = await start("/ds/", "benchmark")
    await library.add(app.ds, ("a", str(a)), ("b", str(b)))
    times, reply = [], None
    for _ in range(runs):
        began = time.perf_counter()
        reply = await app.handle("GET", ORIGIN + "/ds/-/compare.json?a=a&b=b", [], None)
        times.append(time.perf_counter() - began)
        if reply.status != 200:
            raise SystemExit(f"/-/compare.json answered {reply.status}: {reply.body[:500]!r}")
    return times, json.loads(reply.body)


COMPARE_JS = """async ([a, b]) => {
    const began = performance.now();
    const response = await fetch(`ds/-/compare.json?a=${a}&b=${b}`);
    const body = await response.text();
    return [performance.now() - began, response.status, body.slice(0, 300)];
}"""


def time_in_app(a: Path, b: Path, runs: int, work: Path) -> list[float]:
    """Open both files in the app, then time /-/compare.json from the app's page, runs times."""
    with sync_playwright() as playwright, app_window(playwright, work / "profile", [a, b]) as page:
        times = []
        for _ in range(runs):
            ms, status, body = page.evaluate(COMPARE_JS, [a.stem, b.stem])
            if status != 200:
                raise SystemExit(f"/-/compare.json in the app answered {status}: {body}")
            times.append(ms / 1000)
        return times


def time_sqldiff(a: Path, b: Path, runs: int) -> list[float] | None:
    sqldiff = shutil.which("sqldiff")
    if not sqldiff:
        return None
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        subprocess.run([sqldiff, str(a), str(b)], stdout=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - began)
    return times


def summary(result: dict) -> str:
    lines = []
    for table in result["tables_changed"]:
        counts = ", ".join(f"{kind} {table['rows_' + kind]['count']}" for kind in ("added", "removed", "changed"))
        columns = [c["name"] for c in table["columns_added"]], [c["name"] for c in table["columns_removed"]]
        lines.append(
            f"  {table['name']}: {table['rows_a']} -> {table['rows_b']} rows; {counts}; columns +{columns[0]} -{columns[1]}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=int, default=1000, help="size of the generated database (default 1000)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    datagen.DATA.mkdir(exist_ok=True)
    a = datagen.DATA / f"compare-{args.mb}mb.db"
    b = datagen.DATA / f"compare-{args.mb}mb-changed.db"
    if not a.exists():
        began = time.perf_counter()
        generate(a, args.mb)
        print(f"generated {a.name} in {time.perf_counter() - began:.1f} s")
    shutil.copyfile(a, b)
    change(b)
    print(f"{a.name}: {a.stat().st_size / 1e6:.0f} MB; {b.name}: {b.stat().st_size / 1e6:.0f} MB")
    times, result = asyncio.run(time_compare(a, b, args.runs))
    print(summary(result))
    print(f"/-/compare.json, CPython: median {statistics.median(times):.2f} s of {[round(t, 2) for t in times]}")
    work = Path(tempfile.mkdtemp(prefix="compare-bench-"))
    try:
        app_times = time_in_app(a, b, args.runs, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(
        f"/-/compare.json, in the app: median {statistics.median(app_times):.2f} s of {[round(t, 2) for t in app_times]}"
    )
    sqldiff = time_sqldiff(a, b, args.runs)
    if sqldiff is None:
        print("sqldiff: not installed (no sqldiff on the PATH)")
    else:
        print(f"sqldiff: median {statistics.median(sqldiff):.2f} s of {[round(t, 2) for t in sqldiff]}")


if __name__ == "__main__":
    main()
