"""The browser killed (SIGKILL) at random moments: nothing acknowledged is lost, nothing half-done is left."""

import hashlib
import random
import sqlite3
import threading
import time

from playwright.sync_api import Error as PlaywrightError
from testkit.browser import grant_write_permission, installed_copy, kill_browser, start_app
from testkit.databases import kilobyte_rows, make_db
from testkit.page import check, drop, insert, library_names, notices, query, wait_for_library


def start(playwright, profile, server):
    return start_app(playwright, profile, server.url)


def kill_later(profile, low, high):
    timer = threading.Timer(random.uniform(low, high), kill_browser, [profile])
    timer.start()
    return timer


def test_acknowledged_writes_survive_kills_at_random_moments(playwright, server, installed, tmp_path):
    random.seed(seed := time.time_ns())
    profile = installed_copy(installed, tmp_path / "profile")
    context, page = start(playwright, profile, server)
    drop(page, [make_db(tmp_path / "crash.db", rows=0)])
    wait_for_library(page, "crash")
    acknowledged = []
    for _ in range(5):
        timer = kill_later(profile, 0.2, 1.5)
        try:
            while True:
                i = len(acknowledged) + 1_000_000 * (_ + 1)
                assert insert(page, "crash", {"id": i, "name": f"write {i}", "size": i}) == 201
                acknowledged.append(i)
        except PlaywrightError:
            pass  # the browser died mid-request
        timer.join()
        context, page = start(playwright, profile, server)
    present = {row["id"] for row in query(page, "crash", "select id from items")}
    missing = set(acknowledged) - present
    assert not missing, f"seed {seed}: {len(missing)} acknowledged writes lost of {len(acknowledged)}"
    assert check(page, "crash")
    context.close()


def test_a_kill_during_import_leaves_no_half_database(playwright, server, installed, tmp_path):
    profile = installed_copy(installed, tmp_path / "profile")
    big = make_db(tmp_path / "bigimport.db", kilobyte_rows(300_000))
    context, page = start(playwright, profile, server)
    usage = page.evaluate("navigator.storage.estimate().then(e => e.usage)")
    drop(page, [big])
    page.locator("#imports progress").wait_for()
    kill_browser(profile)

    context, page = start(playwright, profile, server)
    assert "bigimport" not in library_names(page)
    # The partial copy was cleaned up at start.
    assert page.evaluate("navigator.storage.estimate().then(e => e.usage)") < usage + 50_000_000
    context.close()


def test_a_kill_during_save_back_leaves_the_old_or_the_new_file(playwright, server, installed, tmp_path):
    profile = installed_copy(installed, tmp_path / "profile")
    grant_write_permission(profile, server.url.rstrip("/"))
    original = make_db(tmp_path / "saved.db", kilobyte_rows(150_000))
    old = hashlib.sha256(original.read_bytes()).hexdigest()
    context, page = start(playwright, profile, server)
    drop(page, [original])
    wait_for_library(page, "saved")
    assert insert(page, "saved", {"id": 999_999_999, "name": "saved", "size": 1}) == 201
    page.click("#library li[data-name='saved'] button[aria-label='Save saved']")
    time.sleep(random.uniform(0.05, 0.8))
    kill_browser(profile)

    digest = hashlib.sha256(original.read_bytes()).hexdigest()
    with sqlite3.connect(original) as db:
        assert db.execute("pragma integrity_check").fetchone() == ("ok",)
        new_row = db.execute("select count(*) from items where id = 999999999").fetchone()[0]
    db.close()
    assert digest == old or new_row == 1, "the file is neither the old version nor the new one"
    context, page = start(playwright, profile, server)
    assert "saved" in library_names(page)  # the library copy is intact either way
    assert not [n for n in notices(page) if "could not be opened" in n]
    context.close()
