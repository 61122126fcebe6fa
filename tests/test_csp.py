"""Datasette's pages run only the scripts Datasette and the bundled plugins wrote (python/datasette_pwa/csp.py)."""

import http.server
import re
import threading

import pytest
from datasette import hookimpl
from datasette.plugins import pm
from datasette_pwa import csp
from markupsafe import Markup
from testkit.app import get, run_async, serving
from testkit.browser import launch
from testkit.databases import make_db

PAGES = [
    "/ds/",
    "/ds/pets",
    "/ds/pets/cats",
    "/ds/pets/cats/1",
    "/ds/pets/-/query?sql=select+*+from+cats",
    "/ds/pets/-/execute-write",
    "/ds/-/search?q=cleo",
]


class InjectingPlugin:
    """Test only: a cell renderer that puts a script into the page, as HTML from the data could."""

    @hookimpl
    def render_cell(self, value):
        if value == "Cleo":
            return Markup("<script>window.injected = 1</script><b>Cleo</b>")


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    path = make_db(
        tmp_path_factory.mktemp("csp") / "pets.db",
        "create table cats (id integer primary key, name text); insert into cats values (1, 'Cleo'), (2, 'Pancakes');",
    )
    pm.register(InjectingPlugin(), name="injecting")
    with serving(("pets", path)) as app:
        yield app
    pm.unregister(name="injecting")


def nonce_of(reply):
    policy = dict(reply.headers)["content-security-policy"]
    script_src = next(d for d in policy.split(";") if d.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script_src
    return re.search(r"'nonce-([^']+)'", script_src).group(1)


@pytest.mark.parametrize("path", PAGES)
def test_every_script_datasette_writes_carries_the_responses_nonce(app, path):
    reply = get(app, path)
    assert reply.status == 200
    nonce = nonce_of(reply)
    html = reply.body.decode()
    tags = re.findall(r"<script\b[^>]*>", html)
    assert tags
    injected = [t for t in tags if "nonce" not in t]
    assert all(f'nonce="{nonce}"' in t for t in tags if t not in injected)
    # Only the test plugin's scripts, which reached the page through the data, lack it.
    assert len(injected) == html.count("<script>window.injected")


def test_each_response_gets_a_new_nonce(app):
    first, second = (get(app, "/ds/pets") for _ in range(2))
    assert nonce_of(first) != nonce_of(second)


class AppHandler(http.server.BaseHTTPRequestHandler):
    """Serves the CPython app over HTTP, so a real browser enforces its real policy."""

    app = None

    def do_GET(self):
        reply = run_async(self.app.handle("GET", f"http://{self.headers['host']}{self.path}", [], None))
        self.send_response(reply.status)
        for name, value in reply.headers:
            if name.lower() not in ("content-length", "transfer-encoding"):
                self.send_header(name, value)
        self.send_header("content-length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)

    def log_message(self, *args):
        pass


def test_an_injected_script_does_not_run_but_datasettes_do(app, playwright, tmp_path):
    AppHandler.app = app
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), AppHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    context = launch(playwright, tmp_path / "profile")
    try:
        page = context.pages[0]
        violations = []
        page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
        page.goto(f"http://127.0.0.1:{server.server_port}/ds/pets/cats")
        page.locator("td b", has_text="Cleo").wait_for()
        page.locator("th .dropdown-menu-icon").first.wait_for()  # Datasette's table.js ran
        assert page.evaluate("window.injected") is None
        assert violations and all("inline script" in v for v in violations), violations
    finally:
        context.close()
        server.shutdown()


def test_write_pages_may_be_framed_by_the_app_alone(app):
    reply = get(app, "/ds/pets/-/execute-write")
    headers = [(k.lower(), v) for k, v in reply.headers]
    assert "x-frame-options" not in dict(headers)
    assert [v for k, v in headers if k == "content-security-policy"] == [csp.policy(nonce_of(reply))]
    assert "frame-ancestors 'self'" in csp.policy("x")
