"""What the browser tests and benchmarks do in the app's window as a user would (open and drop files, click) and read
there (the library, the notices, Datasette's frame); Datasette's JSON APIs as the app's own page calls them."""

import time

# Datasette's JSON APIs as the app's own page calls them (through the service worker and the worker). Plain
# JavaScript taking one argument, so the Firefox and WebKit drivers (testkit/engines.py) run them too.
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
# A database is in the library's list; a notice says text.
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
