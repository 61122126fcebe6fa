"""Open by URL: ?url=, ?csv= and the Open URL dialog fetch a file from another server into the library."""

import functools
import http.server
import threading

import pytest

from build import Handler
from conftest import start_app, wait_ready
from test_library_app import app, library_names, make_db, notices, wait_for_frame, wait_for_library  # noqa: F401


class CorsHandler(Handler):
    """Serves files; only those under /open/ may be read by other sites."""

    def end_headers(self):
        if self.path.startswith("/open/"):
            self.send_header("Access-Control-Allow-Origin", "*")
        super().end_headers()


@pytest.fixture(scope="module")
def files_server(tmp_path_factory):
    root = tmp_path_factory.mktemp("files")
    (root / "open").mkdir()
    (root / "closed").mkdir()
    make_db(root / "open" / "remote.db", rows=6)
    make_db(root / "closed" / "private.db", rows=1)
    (root / "open" / "scores.csv").write_text("player,score\nAda,10\nGrace,12\n")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(CorsHandler, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()


def open_url_dialog(page, url):
    page.click("#open-url")
    page.locator("dialog[open] input").fill(url)
    page.locator("dialog[open] button", has_text="Open").click()


def test_open_a_database_from_a_url(app, files_server):
    open_url_dialog(app, files_server + "open/remote.db")
    wait_for_library(app, "remote")
    wait_for_frame(app, "/ds/remote")
    assert app.evaluate("fetch('ds/remote/items.json?_shape=array').then(r => r.json()).then(r => r.length)") == 6


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
    app.wait_for_function("m => document.querySelector('#notices').textContent.includes(m)", arg=message)
    assert set(library_names(app)) == before


def test_csv_and_url_parameters_like_datasette_lite(playwright, server, files_server, tmp_path):
    context, page = start_app(playwright, tmp_path / "profile", server.url)  # installs the app first
    try:
        page.goto(f"{server.url}?csv={files_server}open/scores.csv")
        wait_ready(page)
        wait_for_library(page, "scores")
        wait_for_frame(page, "/ds/scores/scores")
        assert page.evaluate("fetch('ds/scores/scores.json?_shape=array').then(r => r.json())") == [
            {"rowid": 1, "player": "Ada", "score": 10},
            {"rowid": 2, "player": "Grace", "score": 12},
        ]
        assert any("Imported 2 rows from scores.csv" in n for n in notices(page))
    finally:
        context.close()
