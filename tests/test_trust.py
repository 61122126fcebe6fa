"""No crash, race or hostile page costs a database or stops the app (issue "Trust"), in real Chromium and OPFS."""

import time

import pytest
from testkit.browser import installed_copy, kill_browser, launch, start_app, wait_ready
from testkit.databases import kilobyte_rows, make_db, numbered
from testkit.page import (
    check,
    drop,
    execute_write,
    library_names,
    notices,
    open_with_input,
    query,
    wait_for_frame,
    wait_for_library,
)


def worker_of(page):
    return next(w for w in page.workers if w.url.endswith("/worker.js"))


@pytest.fixture(scope="module")
def window(playwright, server, installed, tmp_path_factory):
    profile = installed_copy(installed, tmp_path_factory.mktemp("trust") / "profile")
    context, page = start_app(playwright, profile, server.url)
    yield page
    context.close()


def test_the_journal_is_on_disk_before_the_database_is_overwritten(window, tmp_path):
    open_with_input(window, [make_db(tmp_path / "ordered.db", rows=2000)])
    wait_for_library(window, "ordered")
    # Record every write, flush and truncate on the worker's real sync access handles, in order, by handle.
    worker_of(window).evaluate("""() => {
        const ids = new WeakMap();
        let next = 0;
        self.io = [];
        const proto = FileSystemSyncAccessHandle.prototype;
        for (const name of ['write', 'flush', 'truncate']) {
            const original = proto[name];
            proto[name] = function (...args) {
                if (!ids.has(this)) ids.set(this, next++);
                self.io.push([name, ids.get(this)]);
                return original.apply(this, args);
            };
        }
    }""")
    status, body = execute_write(window, "ordered", "update items set name = name || ' changed'")
    assert status == 200, body
    io = worker_of(window).evaluate("self.io")
    writes = [handle for operation, handle in io if operation == "write"]
    journal = writes[0]  # SQLite saves the pages it will change to the journal first
    database = next(handle for handle in writes if handle != journal)
    first_overwrite = next(i for i, event in enumerate(io) if event == ["write", database])
    assert ["flush", journal] in io[:first_overwrite], io
    assert ["flush", database] in io[first_overwrite:], io


def test_two_files_with_the_same_name_opened_at_once_are_both_kept(playwright, server, installed, tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    big = make_db(tmp_path / "a" / "data.db", kilobyte_rows(60_000))  # 60 MB: still copying when the second one comes
    small = make_db(tmp_path / "b" / "data.db", rows=3)
    profile = installed_copy(installed, tmp_path / "profile")
    context, page = start_app(playwright, profile, server.url)
    open_with_input(page, [big])
    page.locator("#imports progress").wait_for()
    open_with_input(page, [small])
    wait_for_library(page, "data")
    wait_for_library(page, "data-2")
    counts = {name: query(page, name, "select count(*) as n from items")[0]["n"] for name in ("data", "data-2")}
    assert sorted(counts.values()) == [3, 60_000]
    context.close()

    context, page = start_app(playwright, profile, server.url)
    assert {"data", "data-2"} <= set(library_names(page))
    assert {name: query(page, name, "select count(*) as n from items")[0]["n"] for name in counts} == counts
    context.close()


def test_names_datasette_routes_itself_are_refused(window, tmp_path):
    open_with_input(window, [make_db(tmp_path / "named.db", rows=1)])
    wait_for_library(window, "named")
    for wanted, message in [
        ("", "needs a name"),
        ("-x", "cannot start with -"),
        ("_memory", "Datasette's own database"),
        ("a/b", "cannot contain /"),
    ]:
        window.click("#library li[data-name='named'] button[aria-label='Rename named']")
        window.locator("dialog[open] input").fill(wanted)
        window.locator("dialog[open] button", has_text="Rename").click(no_wait_after=True)
        if not wanted:  # the dialog itself asks for a name: the field is required
            window.keyboard.press("Escape")
            continue
        window.locator("#notices .notice-error", has_text=message).wait_for()
    assert "named" in library_names(window)


def test_stored_queries_survive_a_restart_offline(playwright, server, installed, tmp_path):
    profile = installed_copy(installed, tmp_path / "profile")
    context, page = start_app(playwright, profile, server.url)
    open_with_input(page, [make_db(tmp_path / "kept.db", rows=12)])
    wait_for_frame(page, "/ds/kept")
    page.evaluate(
        "() => { document.getElementById('frame').src = 'ds/kept/-/queries/store?sql=select+count(*)+as+n+from+items'; }"
    )
    wait_for_frame(page, "/ds/kept/-/queries/store")
    frame = page.frame_locator("#frame")
    frame.locator("#query-url-slug").fill("how_many")
    frame.locator("input[type=submit][value='Save query']").click()
    wait_for_frame(page, "/ds/kept/how_many")
    context.close()

    context = launch(playwright, profile, offline=True)
    page = context.pages[0]
    page.goto(server.url + "ds/kept/how_many")
    frame = wait_ready(page)
    assert frame.locator("td.col-n").inner_text() == "12"
    context.close()


@pytest.fixture(scope="module")
def table_150mb(tmp_path_factory):
    return make_db(tmp_path_factory.mktemp("big") / "long.db", kilobyte_rows(150_000))


COUNT_WRITES = """() => {
    // Count the writes of a transaction: to the journal (the first file written), then to the database file.
    self.writes = {journal: 0, database: 0};
    let journal = null;
    const write = FileSystemSyncAccessHandle.prototype.write;
    FileSystemSyncAccessHandle.prototype.write = function (...args) {
        journal ??= this;
        const file = this === journal ? 'journal' : 'database';
        self.writes[file]++;
        if (self.freeze?.file === file && self.writes[file] === self.freeze.at) {
            // Freeze the worker at this point of the transaction, and say so, for the test to kill the browser there.
            new BroadcastChannel('test-freeze').postMessage('frozen');
            for (;;);
        }
        return write.apply(this, args);
    };
}"""

LISTEN_FOR_FREEZE = """() => { window.frozen = new Promise(resolve => {
    new BroadcastChannel('test-freeze').onmessage = () => resolve(true);
    setTimeout(() => resolve(false), 60000);
}); }"""

UNDONE = "long: a change that was being written when the app stopped was undone"


def test_a_kill_in_the_middle_of_a_long_update_never_stops_the_app(
    playwright, server, installed, table_150mb, tmp_path
):
    """SIGKILL at several points of an UPDATE of every row of a 150 MB table: every start recovers, offline."""
    profile = installed_copy(installed, tmp_path / "profile")
    context, page = start_app(playwright, profile, server.url)
    drop(page, [table_150mb])
    wait_for_library(page, "long")
    worker_of(page).evaluate(COUNT_WRITES)
    status, body = execute_write(page, "long", "update items set size = size + 1")  # committed
    assert status == 200, body
    writes = worker_of(page).evaluate("self.writes")
    points = [
        ("journal", 0.5, False),  # the database not touched yet: nothing to undo
        ("database", 0.01, True),  # the journal synced, the first pages overwritten
        ("database", 0.5, True),
        ("database", 0.99, True),  # all but the last pages, before the journal is emptied (the commit)
    ]
    for file, fraction, recovered in points:
        worker_of(page).evaluate(COUNT_WRITES)
        worker_of(page).evaluate(f"self.freeze = {{file: '{file}', at: {max(1, int(writes[file] * fraction))}}}")
        page.evaluate(LISTEN_FOR_FREEZE)
        page.evaluate(
            "sql => { fetch('ds/long/-/execute-write', {method: 'POST', headers: "
            "{'content-type': 'application/json'}, body: JSON.stringify({sql})}) }",
            "update items set size = size + 1000",
        )
        assert page.evaluate("window.frozen"), f"the update never reached {file} write {fraction}"
        kill_browser(profile)

        context = launch(playwright, profile, offline=True)
        page = context.pages[0]
        page.goto(server.url)
        wait_ready(page)
        if recovered:
            page.locator("#notices .notice", has_text=UNDONE).wait_for()
        else:
            assert not [n for n in notices(page) if UNDONE in n]
        # All or nothing: every row has the committed +1, none the +1000 cut short.
        assert query(page, "long", "select size - id as d, count(*) as n from items group by d") == [
            {"d": 1, "n": 150_000}
        ], (file, fraction)
        assert check(page, "long")
        page.evaluate("() => document.querySelectorAll('#notices .notice').forEach(n => n.remove())")
    context.close()


def test_taking_over_a_window_that_is_still_starting(playwright, server, tmp_path):
    context = launch(playwright, tmp_path / "profile")  # a first visit: its boot takes seconds
    try:
        first = context.pages[0]
        first.goto(server.url)
        first.wait_for_function(
            "() => document.querySelector('#status').textContent.startsWith('Starting Python')", timeout=60_000
        )
        second = context.new_page()
        second.goto(server.url)
        second.click("#take-over")
        assert first.inner_text("#status") != "Ready"  # it was taken over while starting
        wait_ready(second)
        first.locator("#elsewhere").wait_for()
        assert not [w for w in first.workers if w.url.endswith("/worker.js")]  # its worker stopped
        count = "fetch('ds/-/databases.json').then(r => r.json()).then(d => d.databases.length)"
        assert first.evaluate(count) == second.evaluate(count) == 1
        first.click("#take-over")  # and back: neither window hangs
        wait_ready(first)
        second.locator("#elsewhere").wait_for()
        assert second.evaluate(count) == 1
    finally:
        context.close()


def test_big_answers_complete_without_the_watchdog_restarting_the_worker(window, tmp_path):
    path = make_db(tmp_path / "million.db", numbered(1_000_000, table="m"))
    open_with_input(window, [path])
    wait_for_library(window, "million")
    # The whole table as CSV, streamed: counted chunk by chunk, never whole in the page.
    lines = window.evaluate("""async () => {
        const response = await fetch('ds/million/m.csv?_stream=on&_size=max');
        const reader = response.body.getReader();
        let lines = 0;
        for (;;) {
            const {done, value} = await reader.read();
            if (done) return lines;
            for (const byte of value) if (byte === 10) lines++;
        }
    }""")
    assert lines == 1_000_001
    # A slow but valid query (seconds, past Datasette's own 1 s limit).
    slow = (
        "with recursive c(x) as (select 1 union all select x + 1 from c where x < 5000000) select count(*) as n from c"
    )
    assert query(window, "million", slow) == [{"n": 5_000_000}]
    assert not [n for n in notices(window) if "Datasette stopped" in n]


READ_A_LITTLE = """async () => {
    const response = await fetch('ds/stream/r.csv?_stream=on&_size=max');
    window.reading = response.body.getReader();
    return (await window.reading.read()).value.length;
}"""
# The rest of that answer: "complete", or how it failed, or "hung" if neither came within a minute.
READ_THE_REST = """() => new Promise((resolve) => {
    setTimeout(() => resolve('hung'), 60000);
    (async () => { for (;;) if ((await window.reading.read()).done) return resolve('complete'); })()
        .catch((error) => resolve(`failed: ${error}`));
})"""
OWNER_CHECK_S = 10  # pwa/sw/sw.js OWNER_CHECK_MS


def test_a_download_fails_within_a_minute_once_the_window_sending_it_closed(window, server, tmp_path):
    """A CSV export streamed from another window's Datasette: paused by a slow reader it goes on; once that window
    closes, it fails in the window reading it within a minute, instead of hanging for ever."""
    open_with_input(window, [make_db(tmp_path / "stream.db", numbered(1_000_000))])
    wait_for_library(window, "stream")
    owner = window.context.new_page()
    try:
        owner.goto(server.url)
        owner.click("#take-over")
        wait_ready(owner)
        window.locator("#elsewhere").wait_for()
        assert window.evaluate(READ_A_LITTLE) > 0
        window.wait_for_timeout((OWNER_CHECK_S + 2) * 1000)  # paused for longer than the service worker's check
        assert window.evaluate("window.reading.read().then((part) => !part.done)")  # still going
        owner.close()
        closed = time.monotonic()
        outcome = window.evaluate(READ_THE_REST)
        assert outcome.startswith("failed"), outcome
        assert time.monotonic() - closed < 60
    finally:
        owner.close()
        window.click("#take-over")
        wait_ready(window)


def change_time_limit(page, seconds):
    page.click("#settings")
    dialog = page.locator("dialog[open]")
    dialog.locator("input").fill(str(seconds))
    dialog.locator("button", has_text="Save").click()
    page.locator("#notices .notice", has_text=f"SQL may now run for up to {seconds} s").wait_for()


def test_the_sql_time_limit_is_the_owners_to_change(window):
    window.click("#settings")
    assert window.locator("dialog[open] input").input_value() == "30"  # seconds, where Datasette has 1
    window.keyboard.press("Escape")
    slow = (
        "with recursive c(x) as (select 1 union all select x + 1 from c where x < 3000000) select count(*) as n from c"
    )
    url = "q => fetch('ds/_memory/-/query.json?_shape=array&sql=' + encodeURIComponent(q)).then(r => r.json())"
    try:
        change_time_limit(window, 0.2)
        assert "took too long" in str(window.evaluate(url, slow))
    finally:
        change_time_limit(window, 30)
    assert window.evaluate(url, slow) == [{"n": 3_000_000}]
