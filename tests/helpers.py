"""What the browser tests do as a user would: make databases, open and drop files, read what the window shows; and
what the app's publish and pull pages do, under CPython (tests/test_transfer.py, benchmarks/transfer.py)."""

import functools
import json
import os
import re
import signal
import sqlite3
import subprocess
import threading
import time
import urllib.error
import urllib.request
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, urlencode

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
# Whether the page kept for url is current (pwa/shared/saved-views.js): drawn from the files as they are now, so the service
# worker answers its address with it (else 204). A promise: poll it with evaluate(), not Playwright's
# wait_for_function, which takes a promise as true at once.
SAVED_VIEW_CURRENT = (
    "url => fetch(new URL(`saved-view?of=${encodeURIComponent(url)}`, document.baseURI)).then(r => r.status === 200)"
)
# The shell's status bar says Ready, or its failure panel shows; a database is in the library's list.
READY = "() => document.querySelector('#status')?.textContent === 'Ready' || !document.getElementById('failure').hidden"
IN_LIBRARY = "name => !!document.querySelector(`#library li[data-name='${name}']`)"
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


def http(url, body=None, token=None):
    """(status, body) of a GET, or of a POST of body (bytes, or an object sent as JSON), to a real server."""
    data = body if body is None or isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"content-type": "application/json", **({"authorization": f"Bearer {token}"} if token else {})}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data, headers)) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def publish_natively(local, database, remote, size=1000, max_bytes=1 << 20):
    """What static/publish.js does, under CPython: the plan, then each table created on remote (conftest's
    serve_datasette) and its batches upserted, in key order. local(path, method, body) answers the plugin's routes."""
    plan = json.loads(local(f"/ds/{database}/-/publish.json").body)
    for table in plan["tables"]:
        assert http(remote.database_url + "/-/create", table["create"], remote.token)[0] == 201
        after = None
        while True:
            query = {"table": table["table"], "size": size, "bytes": max_bytes, **({"after": after} if after else {})}
            batch = local(f"/ds/{database}/-/publish-rows?" + urlencode(query))
            headers = dict(batch.headers)
            if int(headers["x-datasette-pwa-rows"]):
                status, answer = http(f"{remote.database_url}/{table['path']}/-/upsert", batch.body, remote.token)
                assert status == 200, answer
            after = headers.get("x-datasette-pwa-after")
            if not after:
                break
    return plan


def pull_natively(local, database, url, table, flags="&first=1"):
    """What static/pull.js does, under CPython: each page of the server's JSON at url posted, as it came, to
    pull-rows of database, following next_url; returns each answer's (status, JSON)."""
    answers = []
    while url:
        status, page = http(url)
        assert status == 200, page
        answer = local(f"/ds/{database}/-/pull-rows?table={quote(table)}{flags}", "POST", page)
        answers.append((answer.status, json.loads(answer.body)))
        if answer.status != 200:
            break
        url, flags = answers[-1][1]["next_url"], ""
    return answers


def make_publish_db(path, rows, table="items"):
    """A table to publish: integer key, text (not only ASCII), real and blob columns; SQLite fills it itself."""
    with sqlite3.connect(path) as db:
        db.executescript(
            f"""
            create table {table} (id INTEGER PRIMARY KEY, label TEXT, score REAL, data BLOB);
            with recursive n(i) as (select 1 union all select i + 1 from n where i < {rows})
            insert into {table} select i, 'row ' || i || ' ü', i / 7.0, cast(printf('%08x', i * 2654435761) as blob)
            from n;
            """
        )
    db.close()
    return path


def wait_kept(page, url, timeout=30):
    """Until the page kept for url is current (page.wait_for_function would take SAVED_VIEW_CURRENT's promise as true)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(SAVED_VIEW_CURRENT, url):
        assert time.monotonic() < deadline, f"{url} was not kept for the next start"
        time.sleep(0.2)


def wait_until(page, js, arg=None, timeout=30):
    """Until the JavaScript function js (which may return a promise) gives something truthy; returns it. Playwright's
    wait_for_function takes a returned promise as true at once (microsoft/playwright#29132): tests/test_code.py
    refuses one handed to it."""
    deadline = time.monotonic() + timeout
    while not (found := page.evaluate(js, arg)):
        assert time.monotonic() < deadline, f"still false after {timeout} s: {js}"
        time.sleep(0.2)
    return found


class CorsFiles(SimpleHTTPRequestHandler):
    """Files any site may read (a link's ?url= downloads them), served quietly."""

    def end_headers(self):
        self.send_header("Access-Control-Allow-Origin", "*")
        super().end_headers()

    def log_message(self, *args):
        pass


def serve_cors_files(folder):
    """A static server of folder on 127.0.0.1 whose files other sites may read, in a thread: (url, server)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(CorsFiles, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}/", server
