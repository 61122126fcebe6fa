"""The offline spine: visit once, then with the server gone and the network cut, every Datasette page works."""

import base64
from urllib.parse import quote_plus

from testkit.app import get, open_app
from testkit.browser import NetworkGuard, launch, wait_ready
from testkit.databases import make_db
from testkit.page import insert, open_with_input, wait_kept
from testkit.servers import serve_app

CSV_SQL = "select 'a,b' as x, 'é \"quoted\"' as y, char(10) || 'line' as z, 42 as n union all select 'x', null, '', 1.5"


def native_csv(sql):
    """The same query's CSV from Datasette 1.0a41 under CPython, through the same package."""
    reply = get(open_app(), f"/ds/_memory/-/query.csv?sql={quote_plus(sql)}")
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


# What the user saw of the saved view (its frame keeps the page once hidden): its text and the note above it, and
# whether it was shown before the live page was even asked for.
SAVED_SEEN = """() => {
  const shown = performance.getEntriesByName("saved view shown")[0];
  if (!shown) return null;
  const live = document.getElementById("frame").contentWindow.performance.timeOrigin - performance.timeOrigin;
  return {
    text: document.querySelector("#saved iframe").contentDocument.body.innerText,
    note: document.querySelector(".saved-note").textContent.replace(/\\s+/g, " "),
    before_live: shown.startTime < live,
  };
}"""


def offline_start(playwright, profile, url, guard, errors):
    """A new browser on profile, offline, opening the app at url: (context, page, Datasette's frame). The page's
    console errors and uncaught exceptions go to errors."""
    context = launch(playwright, profile, guard, offline=True)
    page = context.pages[0]
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    return context, page, wait_ready(page)


def test_app_works_offline_after_one_visit(playwright, dist, tmp_path):
    profile = tmp_path / "profile"
    guard = NetworkGuard()

    # First visit, online: the service worker installs and precaches everything; a database is opened.
    server = serve_app()
    context = launch(playwright, profile, guard)
    page = context.pages[0]
    page.goto(server.url)
    wait_ready(page)
    assert page.evaluate("navigator.serviceWorker.controller !== null")
    open_with_input(page, [make_db(tmp_path / "items.db", rows=2)])
    page.locator("#library li[data-name='items']").wait_for()
    page.goto(server.url)  # the home page, listing it, is kept for the next start (pwa/shared/saved-views.js)
    wait_kept(page, server.url + "ds/")
    context.close()
    server.stop()

    # Server gone, network cut, new browser process on the same profile: the home page as it was, marked, while
    # Python starts; then the live one in its place.
    errors = []
    context, page, frame = offline_start(playwright, profile, server.url, guard, errors)
    saved = page.evaluate(SAVED_SEEN)
    assert saved and "items" in saved["text"] and "2 rows in 1 table" in saved["text"], saved
    assert saved["note"].startswith("Saved view from ") and "the live page follows" in saved["note"], saved
    assert saved["before_live"], saved
    assert page.locator("#saved").is_hidden() and page.locator("#frame").is_visible()
    wait_kept(page, server.url + "ds/")

    # A write the user never looked at: the kept page no longer matches the file, so the next start shows none.
    assert insert(page, "items", {"name": "item 2", "size": 2}) == 201
    context.close()
    context, page, frame = offline_start(playwright, profile, server.url, guard, errors)
    assert page.evaluate(SAVED_SEEN) is None
    assert "3 rows" in frame.locator("body").inner_text()

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
    assert frame.locator("td.col-version").inner_text() == "3.54.1"
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
