"""The offline spine: visit once, then with the server gone and the network cut, every Datasette page works."""

import base64
from urllib.parse import quote_plus

from conftest import NetworkGuard, launch, run_async, serve_app, wait_ready
from datasette_pwa.app import start

CSV_SQL = "select 'a,b' as x, 'é \"quoted\"' as y, char(10) || 'line' as z, 42 as n union all select 'x', null, '', 1.5"


def native_csv(sql):
    """The same query's CSV from Datasette 1.0a41 under CPython, through the same package."""
    app = run_async(start("/ds/", "test"))
    reply = run_async(app.handle("GET", f"http://127.0.0.1/ds/_memory/-/query.csv?sql={quote_plus(sql)}", [], None))
    assert reply.status == 200
    return reply.body


def fetch_bytes(page, path):
    """Fetch a path through the page (so through the service worker) and return the body bytes."""
    encoded = page.evaluate(
        """async (path) => {
            const response = await fetch(path);
            const bytes = new Uint8Array(await response.arrayBuffer());
            let text = "";
            for (const b of bytes) text += String.fromCharCode(b);
            return btoa(text);
        }""",
        path,
    )
    return base64.b64decode(encoded)


def test_app_works_offline_after_one_visit(playwright, dist, tmp_path):
    profile = tmp_path / "profile"
    guard = NetworkGuard()

    # First visit, online: the service worker installs and precaches everything.
    server = serve_app()
    context = launch(playwright, profile, guard)
    page = context.pages[0]
    page.goto(server.url)
    wait_ready(page)
    assert page.evaluate("navigator.serviceWorker.controller !== null")
    context.close()
    server.stop()

    # Server gone, network cut, new browser process on the same profile.
    context = launch(playwright, profile, guard, offline=True)
    errors = []
    page = context.pages[0]
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(server.url)
    frame = wait_ready(page)

    # Datasette's home page, with its own CSS.
    assert frame.locator("h1").inner_text() == "Datasette"
    assert frame.locator("a[href$='/ds/_memory']").count() >= 1
    assert frame.locator("body").evaluate("() => document.styleSheets[0].cssRules.length") > 0

    # Custom SQL on _memory, in Datasette's SQL editor, submitted as the form it is.
    frame.locator("a[href$='/ds/_memory']").first.click()
    page.wait_for_function(
        "() => document.getElementById('frame').contentWindow.location.pathname.endsWith('/ds/_memory')"
    )
    frame.locator(".cm-editor").wait_for()  # Datasette's CodeMirror bundle ran
    frame.locator(".cm-content").fill("select sqlite_version() as version")
    frame.locator("form.sql input[type=submit]").click()
    frame.locator("table.rows-and-columns td.col-version").wait_for()
    assert frame.locator("td.col-version").inner_text() == "3.39.0"
    assert "/ds/_memory/-/query" in page.url  # the address bar mirrors the framed page

    # Back returns the frame to the database page.
    page.go_back()
    page.wait_for_function(
        "() => document.getElementById('frame').contentWindow.location.pathname.endsWith('/ds/_memory')"
    )

    # A CSV export is byte-exact, and a real download of it works.
    path = f"ds/_memory/-/query.csv?sql={quote_plus(CSV_SQL)}"
    assert fetch_bytes(page, path) == native_csv(CSV_SQL)
    with page.expect_download() as download:
        page.frame_locator("#frame").locator("body").evaluate(
            "(body, href) => { const a = document.createElement('a'); a.href = href; a.textContent = 'csv';"
            " body.append(a); a.click(); }",
            f"/ds/_memory/-/query.csv?sql={quote_plus(CSV_SQL)}&_dl=1",
        )
    assert open(download.value.path(), "rb").read() == native_csv(CSV_SQL)

    # Reloading a deep Datasette URL lands on the same page.
    page.goto(server.url + "ds/-/versions")
    frame = wait_ready(page)
    assert "1.0a41" in frame.locator("body").inner_text()

    context.close()
    assert errors == []
    assert guard.outside == [], f"requests left 127.0.0.1: {guard.outside}"
