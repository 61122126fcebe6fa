"""Open by URL: ?url=, ?csv= and the Open URL dialog fetch a file from another server into the library."""

import functools
import http.server
import threading
import time

import pytest
from testkit.browser import installed_copy, launch, start_app, wait_ready
from testkit.databases import make_db
from testkit.page import library_names, notices, wait_for_frame, wait_for_library, wait_for_notice
from testkit.servers import serve_directory

from build import Handler


class CorsHandler(Handler):
    """Serves files; only those under /open/ may be read by other sites. Every path asked for is noted."""

    requested = []

    def end_headers(self):
        self.requested.append(self.path)
        if self.path.startswith("/open/"):
            self.send_header("Access-Control-Allow-Origin", "*")
        super().end_headers()


@pytest.fixture(scope="module")
def app(app_context):
    return app_context.pages[0]  # the session's app: a profile of this module's own would cost a cold boot


@pytest.fixture(scope="module")
def files_server(tmp_path_factory):
    root = tmp_path_factory.mktemp("files")
    (root / "open").mkdir()
    (root / "closed").mkdir()
    make_db(root / "open" / "remote.db", rows=6)
    make_db(root / "closed" / "private.db", rows=1)
    (root / "open" / "scores.csv").write_text("player,score\nAda,10\nGrace,12\n")
    (root / "open" / "notes.sql").write_text(SCRIPT)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(CorsHandler, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()


# A script whose first lines carry markup: the dialog before it runs shows them as text.
SCRIPT = "create table notes (id integer primary key, body text);\ninsert into notes (body) values ('<b>bold</b>');\n"


def open_url_dialog(page, url):
    page.click("#open-url")
    page.locator("dialog[open] input").fill(url)
    page.locator("dialog[open] button", has_text="Open").click()


LIBRARY_FILES = """async () => {
    const library = await (await navigator.storage.getDirectory()).getDirectoryHandle('library');
    const names = [];
    for await (const name of library.keys()) names.push(name);
    return names;
}"""


def test_open_a_database_from_a_url(app, files_server):
    open_url_dialog(app, files_server + "open/remote.db")
    wait_for_library(app, "remote")
    wait_for_frame(app, "/ds/remote")
    assert app.evaluate("fetch('ds/remote/items.json?_shape=array').then(r => r.json()).then(r => r.length)") == 6
    # The downloaded file was only a way in: once imported, it is gone from the app's storage (polled: evaluate()
    # awaits the listing, which Playwright's wait_for_function would take as true at once).
    deadline = time.monotonic() + 30
    while any(name.startswith("download-") for name in app.evaluate(LIBRARY_FILES)):
        assert time.monotonic() < deadline, "the downloaded file was kept"
        time.sleep(0.2)


@pytest.mark.parametrize(
    "path, message",
    [
        ("closed/private.db", "does not let other sites read its files"),  # no CORS header
        ("open/missing.db", "the server answered 404"),
    ],
)
def test_url_failures_say_why(app, files_server, path, message):
    before = set(library_names(app))
    open_url_dialog(app, files_server + path)
    wait_for_notice(app, message)
    assert set(library_names(app)) == before


def confirm(page, url):
    """The question a ?url= link asks: it shows the address, and fetches nothing until the user says Open."""
    dialog = page.locator("dialog[open]")
    dialog.locator("h2", has_text="Open a file from the web?").wait_for()
    assert url in dialog.inner_text()
    dialog.locator("button", has_text="Open").click()


def test_csv_and_url_parameters_like_datasette_lite(playwright, server, installed, files_server, tmp_path):
    context, page = start_app(
        playwright, installed_copy(installed, tmp_path / "profile"), server.url
    )  # installs the app first
    try:
        page.goto(f"{server.url}?csv={files_server}open/scores.csv")
        wait_ready(page)
        confirm(page, f"{files_server}open/scores.csv")
        wait_for_library(page, "scores")
        wait_for_frame(page, "/ds/scores/scores")
        assert page.evaluate("fetch('ds/scores/scores.json?_shape=array').then(r => r.json())") == [
            {"rowid": 1, "player": "Ada", "score": 10},
            {"rowid": 2, "player": "Grace", "score": 12},
        ]
        assert any("Imported 2 rows from scores.csv" in n for n in notices(page))
    finally:
        context.close()


def test_a_malformed_url_parameter_is_reported(playwright, server, installed, tmp_path):
    context, page = start_app(
        playwright, installed_copy(installed, tmp_path / "profile"), server.url + "?url=not%20a%20web%20address"
    )
    try:
        page.locator("#notices .notice-error", has_text="“not a web address” is not a web address").wait_for()
        assert library_names(page) == []
    finally:
        context.close()


def test_a_url_opened_in_a_second_window_is_handed_to_the_owner(playwright, server, installed, files_server, tmp_path):
    context, first = start_app(playwright, installed_copy(installed, tmp_path / "profile"), server.url)
    try:
        second = context.new_page()
        second.goto(f"{server.url}?url={files_server}open/remote.db")
        second.locator("#notices .notice", has_text="waits for your yes in the app's other window").wait_for()
        confirm(first, f"{files_server}open/remote.db")
        wait_for_library(first, "remote")
        count = "fetch('ds/remote/items.json?_shape=array').then(r => r.json()).then(r => r.length)"
        assert first.evaluate(count) == 6 and second.evaluate(count) == 6
    finally:
        context.close()


FRAMING_PAGE = "<!doctype html><title>another site</title><iframe src='{}' width=800 height=600></iframe>"


def frame_from_another_port(context, app_url, root):
    """A page of another origin of this host (another port: same site, so not storage-partitioned) framing the app.

    Served for real: Chromium refuses a local frame in a page that Playwright fulfils (as a public page).
    """
    (root / "framing.html").write_text(FRAMING_PAGE.format(app_url))
    url, server = serve_directory(root)
    page = context.new_page()
    page.goto(url + "framing.html")
    return page, server


def test_no_other_page_can_frame_the_app_to_open_a_url(playwright, server, installed, files_server, tmp_path):
    bait = f"{server.url}?url={files_server}open/remote.db"
    CorsHandler.requested.clear()
    # Installed: the service worker's frame-ancestors header stops the shell from loading in the frame at all.
    context, app = start_app(playwright, installed_copy(installed, tmp_path / "profile"), server.url)
    framing_server = None
    try:
        files = app.evaluate(LIBRARY_FILES)
        framing, framing_server = frame_from_another_port(context, bait, tmp_path)
        framing.wait_for_timeout(3000)
        shell = framing.frames[1]
        assert shell.url.startswith("chrome-error:")  # refused by the policy
        assert library_names(app) == [] and app.locator("dialog[open]").count() == 0
        # Nothing was downloaded into the library's storage. (Its usage in all moved by 3.9 MB once meanwhile: the
        # app's own snapshot and saved views, written as it settles after a start.)
        assert app.evaluate(LIBRARY_FILES) == files
    finally:
        context.close()
        framing_server.shutdown()
    # A first visit, uncontrolled, inside the frame: the shell refuses to start.
    context = launch(playwright, tmp_path / "fresh")
    try:
        framing, framing_server = frame_from_another_port(context, bait, tmp_path)
        shell = framing.frames[1]
        shell.locator("#failure-detail", has_text="cannot run inside another page").wait_for()
        assert shell.evaluate("navigator.serviceWorker.getRegistrations().then(r => r.length)") == 0
    finally:
        context.close()
        framing_server.shutdown()
    assert not [path for path in CorsHandler.requested if "remote.db" in path]


def test_a_link_to_a_sql_script_asks_before_it_runs(app, server, files_server):
    """A link says the file is a script; once downloaded, it runs only on Run, after a dialog with its size, its first
    lines (as text) and the database it changes. Open URL… asks the same, and Cancel runs nothing."""
    url = f"{files_server}open/notes.sql"
    open_url_dialog(app, url)
    question = app.locator("dialog[open]")
    question.locator("h2", has_text="Run notes.sql").wait_for()
    question.get_by_role("button", name="Cancel").click()
    app.goto(f"{server.url}?url={url}")
    wait_ready(app)
    question.locator("h2", has_text="Open a SQL script from the web?").wait_for()
    said = question.inner_text()
    assert "whose statements change a database of your library" in said and url in said
    question.get_by_role("button", name="Open").click()
    question.locator("h2", has_text="Run notes.sql").wait_for()
    assert "A SQL script (1 KB)" in question.inner_text()
    assert question.locator("pre").inner_text() == SCRIPT.rstrip("\n")
    assert question.locator("pre b").count() == 0  # the markup in it is text
    assert question.locator("select option:checked").inner_text() == "A new database “notes”"
    assert "notes" not in library_names(app)
    question.get_by_role("button", name="Run").click()
    wait_for_library(app, "notes")
    assert app.evaluate("fetch('ds/notes/notes.json?_shape=array').then(r => r.json())") == [
        {"id": 1, "body": "<b>bold</b>"}
    ]
