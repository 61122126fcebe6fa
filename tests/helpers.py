"""What the browser tests do as a user would: make databases, open and drop files, read what the window shows."""

import json
import os
import re
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

# Datasette's JSON APIs as the app's own page calls them (through the service worker and the worker). Plain
# JavaScript taking one argument, so the Firefox and WebKit drivers (tests/engines.py) run them too.
INSERT_JS = """([db, table, rows]) => fetch(`ds/${db}/${table}/-/insert`, {method: 'POST',
    headers: {'content-type': 'application/json'}, body: JSON.stringify({rows})}).then(r => r.status)"""
EXECUTE_WRITE_JS = """([db, sql]) => fetch(`ds/${db}/-/execute-write`, {method: 'POST',
    headers: {'content-type': 'application/json', accept: 'application/json'}, body: JSON.stringify({sql})})
    .then(async r => [r.status, await r.json()])"""
QUERY_JS = (
    "([db, sql]) => fetch(`ds/${db}/-/query.json?_shape=array&sql=${encodeURIComponent(sql)}`).then(r => r.json())"
)
NOTICE_JS = "text => document.querySelector('#notices').textContent.includes(text)"


def insert(page, db, *rows, table="items"):
    """Insert rows through Datasette's JSON write API; the response's status (201 when written)."""
    return page.evaluate(INSERT_JS, [db, table, list(rows)])


def execute_write(page, db, sql):
    """Run SQL through Datasette's execute-write; [status, JSON body]."""
    return page.evaluate(EXECUTE_WRITE_JS, [db, sql])


def query(page, db, sql):
    """The rows of a read-only query, as dicts."""
    return page.evaluate(QUERY_JS, [db, sql])


def wait_for_notice(page, text, timeout=None):
    """Until a notice in the window contains text."""
    page.wait_for_function(NOTICE_JS, arg=text, timeout=timeout)


def clear_notices(page):
    page.evaluate("() => document.querySelectorAll('#notices .notice').forEach(n => n.remove())")


def check(page, name):
    """Click the database's Check button; whether the window says its integrity check passed."""
    page.click(f"#library li[data-name='{name}'] button[aria-label='Check {name}']")
    page.wait_for_function(
        "n => new RegExp(n + ' (passed|failed)').test(document.querySelector('#notices').textContent)", arg=name
    )
    return f"{name} passed" in page.inner_text("#notices")


def make_db(path, rows=50, table="items"):
    with sqlite3.connect(path) as db:
        db.execute(f"create table {table} (id integer primary key, name text, size integer)")
        db.executemany(f"insert into {table} (name, size) values (?, ?)", [(f"item {i}", i) for i in range(rows)])
    db.close()
    return path


def grant_write_permission(profile, origin):
    """Pre-grant File System Access write permission: headless Chromium cannot show the prompt."""
    (profile / "Default").mkdir(parents=True, exist_ok=True)
    prefs = {
        "profile": {"content_settings": {"exceptions": {"file_system_write_guard": {f"{origin},*": {"setting": 1}}}}}
    }
    (profile / "Default" / "Preferences").write_text(json.dumps(prefs))


def kill_browser(profile):
    """SIGKILL every Chromium process of this profile: no clean shutdown, as in a crash."""
    out = subprocess.run(["pgrep", "-f", f"user-data-dir={profile}"], capture_output=True, text=True).stdout
    for pid in out.split():
        os.kill(int(pid), signal.SIGKILL)
    time.sleep(1)


def rows_named(path, name):
    with sqlite3.connect(path) as db:
        count = db.execute("select count(*) from items where name = ?", [name]).fetchone()[0]
    db.close()
    return count


def library_names(page):
    return page.locator("#library .library-name").all_inner_texts()


def notices(page):
    return page.locator("#notices .notice span").all_inner_texts()


def open_with_input(page, paths, tap=False):
    """Open files with the Open button's <input type=file> fallback (Playwright cannot drive the picker)."""
    page.evaluate("delete window.showOpenFilePicker")
    with page.expect_file_chooser() as chooser:
        (page.tap if tap else page.click)("#open-database")
    chooser.value.set_files([str(p) for p in paths])


def drop(page, paths, x=700, y=400):
    """A real drag and drop of files from the OS (with file handles), over Datasette's frame."""
    cdp = page.context.new_cdp_session(page)
    data = {"items": [], "files": [str(p) for p in paths], "dragOperationsMask": 1}
    for kind in ("dragEnter", "dragOver", "drop"):
        cdp.send("Input.dispatchDragEvent", {"type": kind, "x": x, "y": y, "data": data})
    cdp.detach()


def wait_for_library(page, name):
    page.locator(f"#library li[data-name='{name}']").wait_for()


def frame_path(page):
    return page.evaluate("document.getElementById('frame').contentWindow.location.pathname")


def wait_for_frame(page, path_end):
    page.wait_for_function(
        "end => { const w = document.getElementById('frame').contentWindow;"
        " return w.location.pathname.endsWith(end) && w.document.readyState === 'complete'; }",
        arg=path_end,
    )


def make_big_db(path, rows):
    """A database of rows x 1 kB: big enough that copying or saving it takes a while to interrupt."""
    with sqlite3.connect(path) as db:
        db.execute("create table items (id integer primary key, name text, size integer, payload blob)")
        db.execute(
            f"with recursive n(i) as (select 1 union all select i + 1 from n where i < {rows}) "
            "insert into items select i, 'row', i, randomblob(1000) from n"
        )
    db.close()
    return path


def bundled_plugins():
    """The Datasette plugins the app bundles: the datasette-* lines of wheels.in, where they are listed once."""
    text = (Path(__file__).resolve().parent.parent / "wheels.in").read_text()
    return set(re.findall(r"^(datasette-[\w-]+)==", text, re.MULTILINE))


def make_numbered_db(path, rows, table="r", label="'row ' || i"):
    """A table of rows (id, label) that SQLite fills itself, fast for hundreds of thousands of rows."""
    with sqlite3.connect(path) as db:
        db.execute(f"create table {table} (id integer primary key, label text)")
        db.execute(
            f"with recursive n(i) as (select 1 union all select i + 1 from n where i < {rows}) "
            f"insert into {table} select i, {label} from n"
        )
    db.close()
    return path
