"""Two windows of the app, and files opened from the OS with the installed app."""

from testkit.browser import installed_copy, start_app, wait_ready
from testkit.databases import make_db
from testkit.page import open_with_input, wait_for_frame, wait_for_library, wait_for_notice


def open_one_database(playwright, server, installed, tmp_path, name, rows):
    """A window that owns the library, with one database in it; returns (context, page)."""
    context, page = start_app(playwright, installed_copy(installed, tmp_path / "profile"), server.url)
    open_with_input(page, [make_db(tmp_path / f"{name}.db", rows=rows)])
    wait_for_library(page, name)
    return context, page


def test_a_second_window_takes_over_the_library(playwright, server, installed, tmp_path):
    context, first = open_one_database(playwright, server, installed, tmp_path, "shared", rows=9)
    try:
        second = context.new_page()
        second.goto(server.url)
        second.locator("#elsewhere").wait_for()  # says where Datasette is instead of failing
        assert "open in another window" in second.inner_text("#elsewhere")
        count = "fetch('ds/shared/items.json?_shape=array').then(r => r.json()).then(r => r.length)"
        assert first.evaluate(count) == 9  # the first window still works

        second.click("#take-over")
        wait_ready(second)
        wait_for_library(second, "shared")
        first.locator("#elsewhere").wait_for()
        assert second.evaluate(count) == 9
        assert first.evaluate(count) == 9  # relayed to the window that owns the library now
        first.click("#recent button[title='/ds/shared']")  # Recent works there too, answered by the owner
        first.locator("#frame").wait_for(state="visible")
        assert first.frame_locator("#frame").locator("h1").inner_text() == "shared"
        assert "went wrong" not in first.inner_text("#notices")
    finally:
        context.close()


def test_open_with_the_installed_app(playwright, server, installed, tmp_path):
    context, page = start_app(playwright, installed_copy(installed, tmp_path / "profile"), server.url)
    try:
        cdp = context.new_cdp_session(page)
        manifest_id = cdp.send("Page.getAppManifest")["manifest"]["id"]
        cdp.send("PWA.install", {"manifestId": manifest_id})
        cdp = context.new_cdp_session(context.new_page())  # any page can carry the browser's PWA commands
        page.close()  # the OS opens the file in an app window, not in this tab
        path = make_db(tmp_path / "launched.sqlite3", rows=3)
        with context.expect_page() as opened:
            cdp.send("PWA.launchFilesInApp", {"manifestId": manifest_id, "files": [str(path)]})
        app = opened.value
        wait_for_library(app, "launched")
        wait_for_frame(app, "/ds/launched")
        assert app.evaluate("fetch('ds/launched/items.json?_shape=array').then(r => r.json()).then(r => r.length)") == 3
    finally:
        context.close()


WRITE_300 = """offset => { window.writes = (async () => {
    const statuses = [];
    for (let i = 0; i < 300; i++) {
        const response = await fetch('ds/together/items/-/insert', {method: 'POST',
            headers: {'content-type': 'application/json'},
            body: JSON.stringify({row: {id: offset + i, name: 'from window ' + offset, size: i}})});
        statuses.push(response.status);
    }
    return statuses.filter(s => s !== 201).length;
})(); }"""


def test_two_windows_write_at_the_same_time(playwright, server, installed, tmp_path):
    context, first = open_one_database(playwright, server, installed, tmp_path, "together", rows=0)
    try:
        second = context.new_page()
        second.goto(server.url)
        second.locator("#elsewhere").wait_for()

        # Both windows write at once; every write goes through the one worker that owns the library.
        first.evaluate(WRITE_300, 1000)
        second.evaluate(WRITE_300, 2000)
        assert first.evaluate("window.writes") == 0
        assert second.evaluate("window.writes") == 0
        count = "fetch('ds/together/-/query.json?sql=select+count(*)+as+n+from+items&_shape=array').then(r => r.json())"
        assert first.evaluate(count) == [{"n": 600}]
        first.click("#library li[data-name='together'] button[aria-label='Check together']")
        wait_for_notice(first, "together passed")
    finally:
        context.close()
