"""Section 4: Pull from the hostile servers of testkit/hostile_servers.py. Under CPython, each case the app's Python
decides (POST <db>/-/pull-rows, driven as pull.js drives it: hostile_servers.pull); in Chromium, every case through
the real Pull… dialog. Each must end within a minute with a message in words (the one the case expects), and leave
the local table holding exactly the rows before the bad page, its database passing SQLite's integrity check."""

import asyncio
import sqlite3
import tempfile
import time
from pathlib import Path

from playwright.sync_api import TimeoutError as PlaywrightTimeout
from testkit import ORIGIN, hostile_servers
from testkit.databases import make_db
from testkit.page import open_with_input, query, wait_for_frame, wait_for_library

from . import browser

MINUTE = 60


def pull_row(label: str) -> dict:
    keys = ["tried", "opened", "refused", "not_as_expected", "half_written", "over_limit", "hangs", "worker_crashes",
            "silent_failures"]  # fmt: skip
    return {"input": label, **dict.fromkeys(keys, 0)}


def judge(row, case, said, seconds, kept, integrity) -> list[str]:
    """Count one pull's end into row; what went wrong, in words."""
    row["tried"] += 1
    wrong = []
    if said is not None and said.startswith("HANG"):
        row["hangs"] += 1
        return [said]
    if said is None or said.startswith("Pulled"):
        row["opened"] += 1
    elif "Traceback" in said or not said.strip() or len(said) > 600:
        row["silent_failures"] += 1
        wrong.append(f"not in words: {said[:300]}")
    else:
        row["refused"] += 1
    expected = case.says or "Pulled"
    if said is not None and expected not in said or case.says and said is None:
        row["not_as_expected"] += 1
        wrong.append(f"expected “{expected}”, said “{(said or 'pulled')[:300]}”")
    if kept != case.kept or integrity != "ok":
        row["half_written"] += 1
        wrong.append(f"the table holds {kept} rows (expected {case.kept}), integrity {integrity}")
    if seconds > MINUTE:
        row["over_limit"] += 1
        wrong.append(f"took {seconds:.0f} s")
    return wrong


def kept_rows(path, table):
    with sqlite3.connect(path) as db:
        exists = db.execute("select count(*) from sqlite_master where name = ?", [table]).fetchone()[0]
        count = db.execute(f'select count(*) from "{table}"').fetchone()[0] if exists else 0
        result = count, db.execute("pragma integrity_check").fetchone()[0]
    db.close()
    return result


def run_cpython(only=None) -> dict:
    from datasette_pwa import library
    from datasette_pwa.app import start
    from datasette_pwa.features.transfer_routes import MAX_PAGE_BYTES

    loop = asyncio.new_event_loop()
    path = Path(tempfile.mkdtemp(prefix="hostile-pull-")) / "copy.db"
    sqlite3.connect(path).close()
    app = loop.run_until_complete(start("/ds/", "hostile-tally"))
    loop.run_until_complete(library.add(app.ds, ("copy", str(path))))

    def local(url, method="GET", body=None):
        headers = [("content-type", "application/json")] if body is not None else []
        return loop.run_until_complete(app.handle(method, ORIGIN + url, headers, body))

    row, failures, outcomes = pull_row("hostile Pull servers (CPython: pull-rows)"), [], []
    for case in [c for c in hostile_servers.CASES if c.by == "app" and (not only or c.name in only)]:
        table, began = case.name.replace("-", "_"), time.monotonic()
        try:
            with hostile_servers.serve(case.name) as server:
                said = hostile_servers.pull(local, "copy", server.url, table, MAX_PAGE_BYTES)
        except Exception as error:  # noqa: BLE001 - an exception out of the app's routes is a silent failure
            said = f"Traceback: {type(error).__name__}: {error}"
        seconds = time.monotonic() - began
        wrong = judge(row, case, said, seconds, *kept_rows(path, table))
        outcomes.append({"case": case.name, "said": (said or "pulled")[:300], "seconds": round(seconds, 1)})
        print(f"  pull {case.name}: {(said or 'pulled')[:100]} ({seconds:.1f} s)", flush=True)
        if wrong:
            failures.append({"case": case.name, "does": case.does, "way": "CPython", "what": wrong})
    app.ds.close()
    return {"rows": [row], "failures": failures, "outcomes": outcomes}


def run_chromium(playwright, url, only=None) -> dict:
    from testkit.transfer import dialog, message

    folder = Path(tempfile.mkdtemp(prefix="hostile-pull-browser-"))
    context, page = browser.start(playwright, folder / "profile", url, tries=2)
    if context is None:
        raise SystemExit(f"the app did not start: {page}")
    open_with_input(page, [make_db(folder / "pulled.db", rows=1, table="kept")])
    wait_for_library(page, "pulled")
    wait_for_frame(page, "/ds/pulled")  # the dialog marks the page shown before it: that page must be there
    row, failures, outcomes = pull_row("hostile Pull servers (Chromium: the Pull… dialog)"), [], []
    for case in [c for c in hostile_servers.CASES if not only or c.name in only]:
        table, before = case.name.replace("-", "_"), browser.notices(page)
        with hostile_servers.serve(case.name) as server:
            began = time.monotonic()
            try:
                said = message(dialog(page, "Pull…", "pulled", server.url, "", table=table), timeout=2 * MINUTE * 1000)
            except PlaywrightTimeout as error:
                said = f"HANG: no message in two minutes ({str(error)[:200]})"
            seconds = time.monotonic() - began
        new, crashed = browser.settle(page, before)
        row["worker_crashes"] += crashed
        exists = query(page, "pulled", f"select count(*) as n from sqlite_master where name = '{table}'")[0]["n"]
        kept = query(page, "pulled", f"select count(*) as n from [{table}]")[0]["n"] if exists else 0
        checked = browser.check(page, "pulled")
        wrong = judge(row, case, said, seconds, kept, "ok" if "passed" in checked else checked)
        wrong += [f"the worker crashed: {new}"] if crashed else []
        outcomes.append({"case": case.name, "said": said[:300], "seconds": round(seconds, 1)})
        print(f"  pull {case.name}: {said[:100]} ({seconds:.1f} s)", flush=True)
        if wrong:
            failures.append({"case": case.name, "does": case.does, "way": "Chromium", "what": wrong})
    context.close()
    return {"rows": [row], "failures": failures, "outcomes": outcomes}
